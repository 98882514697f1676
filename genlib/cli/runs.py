"""Verbs of a trained run: backbone weights and reference statistics, samples, pictures, latent arithmetic,
scores."""

from __future__ import annotations

import argparse
from pathlib import Path

from genlib.cli.common import named_values, set_threads, verb
from genlib.io.atomic import read_json


def _fetch_inception_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--weights", default="", help="weights file to use; empty: the torch hub cache, downloaded when online"
    )
    p.add_argument("--out", type=Path, required=True)


@verb(
    "fetch-inception",
    help="put the InceptionV3 weights where the pipeline reads them",
    arguments=_fetch_inception_arguments,
)
def cmd_fetch_inception(args: argparse.Namespace) -> int:
    from genlib.metrics.backbones import fetch_inception_weights

    fetch_inception_weights(args.weights or None, args.out)
    return 0


def _reference_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, required=True, help="prepared image dataset folder")
    p.add_argument("--backbone", choices=("classifier", "inception"), required=True)
    p.add_argument("--weights", type=Path, required=True, help="backbone weights")
    p.add_argument("--antialias", action="store_true", help="Inception: antialiased resize to 299 px")
    p.add_argument("--out", type=Path, required=True, help="reference .npz to write")


@verb(
    "reference",
    help="features and statistics of a dataset's reference set under one backbone",
    arguments=_reference_arguments,
    common=True,
)
def cmd_reference(args: argparse.Namespace) -> int:
    from genlib.evaluation.run import reference_of_dataset
    from genlib.training.device import Accelerator

    set_threads(args.threads)
    device = Accelerator.choose(args.device).device
    reference_of_dataset(args.data, args.backbone, args.weights, args.out, device=device, antialias=args.antialias)
    return 0


def _sample_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--n-samples", type=int, required=True)
    p.add_argument("--seed", type=int, required=True, help="seed of the noise")
    p.add_argument("--out", type=Path, required=True, help="samples .npz to write")
    p.add_argument("--settings", type=Path, help="the run's settings JSON: its family must be the checkpoint's")
    p.add_argument("--data", type=Path, help="the prepared dataset: a translator maps its held-out inputs")
    p.add_argument("--pictures", type=Path, help="images: folder for grid.png, classes.png, interpolation.png")
    p.add_argument("--grid-size", type=int, default=64, help="images in the fixed-noise grid (a square number)")
    p.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a sampling setting instead of the run's own (its family's `sampling_overrides`: e.g. sampler=ddim, "
        "sampler_steps=10 for a diffusion model); the value is read as YAML; repeat for more",
    )


@verb(
    "sample",
    help="draw the evaluation samples of a checkpoint (and, for images, its pictures)",
    arguments=_sample_arguments,
    common=True,
)
def cmd_sample(args: argparse.Namespace) -> int:
    import yaml

    from genlib.sampling.run import sample_run
    from genlib.training.device import Accelerator
    from genlib.training.resumable import release_final_state

    set_threads(args.threads)
    sample_run(
        args.checkpoint,
        args.n_samples,
        args.seed,
        args.out,
        device=Accelerator.choose(args.device).device,
        sampler={key: yaml.safe_load(value) for key, value in named_values(args.override, "--override").items()},
        run_settings=read_json(args.settings) if args.settings is not None else None,
        data_dir=args.data,
        pictures=args.pictures,
        grid_size=args.grid_size,
    )
    release_final_state(args.checkpoint)  # the train job is recorded by the time its checkpoint is sampled
    return 0


def _picture_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="the picture, e.g. forward or trajectory (diffusion)")
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True, help="prepared image dataset whose training images it may show")
    p.add_argument("--out", type=Path, required=True, help="PNG to write")


@verb(
    "picture",
    help="draw a picture that only the checkpoint's family draws (e.g. a denoising trajectory)",
    arguments=_picture_arguments,
    common=True,
)
def cmd_picture(args: argparse.Namespace) -> int:
    from genlib.sampling.pictures import draw_family_picture
    from genlib.training.device import Accelerator

    set_threads(args.threads)
    device = Accelerator.choose(args.device).device
    draw_family_picture(args.name, args.checkpoint, args.data, args.out, device=device)
    return 0


def _arithmetic_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--classifier", type=Path, required=True, help="the dataset's digit classifier (classifier.pt)")
    p.add_argument("--out", type=Path, required=True, help="JSON of the shares to write")
    p.add_argument("--picture", type=Path, required=True, help="PNG of six trials to write")
    p.add_argument("--samples", type=int, default=5000, help="generated images the exemplars are chosen from")
    p.add_argument("--trials", type=int, default=500, help="random digit pairs scored")
    p.add_argument("--seed", type=int, default=0)


@verb(
    "arithmetic",
    help="latent vector arithmetic (thick a - thin a + thin d) of a GAN, scored by the classifier",
    arguments=_arithmetic_arguments,
    common=True,
)
def cmd_arithmetic(args: argparse.Namespace) -> int:
    from genlib.evaluation.arithmetic import score_arithmetic

    set_threads(args.threads)
    said = score_arithmetic(
        args.checkpoint,
        args.classifier,
        args.out,
        args.picture,
        samples=args.samples,
        trials=args.trials,
        seed=args.seed,
        device=args.device,
    )
    print(f"{args.checkpoint}: {said}")
    return 0


def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True, help="prepared dataset folder")
    p.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    p.add_argument("--scatter", type=Path, help="2-D: scatter PNG to write")
    p.add_argument("--evaluation", type=Path, help="images: evaluation settings JSON")
    p.add_argument("--backbone", choices=("classifier", "inception"), help="images: feature backbone")
    p.add_argument("--weights", type=Path, help="images: backbone weights")
    p.add_argument("--reference", type=Path, help="images: reference statistics .npz of the same backbone")
    p.add_argument("--neighbours", type=Path, help="images: nearest-training-neighbour panel PNG to write")
    p.add_argument("--settings", type=Path, help="the run's settings file, hashed into the provenance block")
    p.add_argument(
        "--checkpoint", type=Path, help="the checkpoint the samples must have been drawn from (its SHA-256 is checked)"
    )


@verb("evaluate", help="metrics (and a picture) of one run's samples", arguments=_evaluate_arguments, common=True)
def cmd_evaluate(args: argparse.Namespace) -> int:
    from genlib.evaluation.run import score_run

    score_run(
        args.samples,
        args.data,
        args.metrics,
        checkpoint=args.checkpoint,
        settings=args.settings,
        scatter=args.scatter,
        evaluation=args.evaluation,
        backbone=args.backbone,
        weights=args.weights,
        reference=args.reference,
        neighbours=args.neighbours,
        threads=args.threads,
        device=args.device,
    )
    return 0
