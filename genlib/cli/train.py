"""Verbs that train: one run, the seeds of one model batched, the dataset's classifier backbone."""

from __future__ import annotations

import argparse
from pathlib import Path

from genlib.cli.common import named_values, read_run_settings, set_threads, training_data, verb


def _train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--settings", type=Path, required=True, help="run settings JSON")
    p.add_argument("--data", type=Path, required=True, help="prepared dataset folder")
    p.add_argument("--checkpoint", type=Path, required=True, help="final checkpoint to write")
    p.add_argument("--losses", type=Path, required=True, help="loss log CSV to write")
    p.add_argument(
        "--curve", type=Path, help="CSV of the monitor's curve (FID over training) to write beside the loss log"
    )
    p.add_argument("--backbone", choices=("classifier", "inception"), help="backbone of the FID-over-training monitor")
    p.add_argument("--backbone-weights", type=Path, help="its weights (classifier.pt or the Inception file)")
    p.add_argument("--reference", type=Path, help="reference statistics .npz of the monitor")
    p.add_argument("--monitor-seed", type=int, default=0, help="seed of the monitor's fixed noise")
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a file the run's family reads besides the data (its `training_inputs`: e.g. init_checkpoint=... for "
        "an SRGAN that starts from SRResNet); repeat for more",
    )
    p.add_argument(
        "--lock-wait",
        type=float,
        default=60.0,
        help="seconds to wait for another trainer of the same run before refusing",
    )


@verb(
    "train", help="train one run, resuming from its in-progress state if any", arguments=_train_arguments, common=True
)
def cmd_train(args: argparse.Namespace) -> int:
    from genlib.config import paths
    from genlib.data.kinds import kind_of
    from genlib.families.registry import family
    from genlib.io.loss_log import write_curve
    from genlib.training.device import Accelerator
    from genlib.training.ownership import RunLock

    set_threads(args.threads)
    settings = read_run_settings(args.settings)
    accelerator = Accelerator.choose(args.device)
    data = training_data(settings, args.data)
    monitor = None
    if kind_of(settings.data_kind).images and settings.monitor_every and args.reference is not None:
        from genlib.evaluation.images import fid_monitor_of_files

        monitor = fid_monitor_of_files(
            args.backbone,
            args.backbone_weights,
            args.reference,
            args.data,
            n_samples=settings.monitor_samples,
            seed=args.monitor_seed,
            device=accelerator.device,
        )
    train = family(settings.family)
    inputs = named_values(
        args.input, "--input", allowed=train.training_inputs, what=f"the {train.name} family's inputs"
    )
    print(f"training on {accelerator.describe()}", flush=True)
    with RunLock(paths.run_at(Path(args.checkpoint).parent).train_lock, wait_seconds=args.lock_wait):
        result = train.train(
            settings,
            data,
            args.checkpoint,
            args.losses,
            accelerator=accelerator,
            monitor=monitor,
            progress=not args.no_progress,
            **{name: Path(path) for name, path in inputs.items()},
        )
    if args.curve is not None:
        write_curve(args.curve, result.curve)  # a header only without the monitor
    print(f"{args.checkpoint}: {result.status} after {result.step} steps (resumed from step {result.resumed_from})")
    return 0


def _train_group_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--settings", type=Path, nargs="+", required=True, help="each run's settings JSON")
    p.add_argument("--data", type=Path, required=True, help="prepared dataset folder")
    p.add_argument("--checkpoints", type=Path, nargs="+", required=True, help="each run's final checkpoint")
    p.add_argument("--losses", type=Path, nargs="+", required=True, help="each run's loss log CSV")
    p.add_argument("--lock-wait", type=float, default=60.0, help="seconds to wait for another trainer of a run")


@verb(
    "train-group",
    help="train the seeds of one model as one batched computation (families with a batched trainer: their "
    "`train_group`, on the data kinds their settings' `batched_kinds` name)",
    arguments=_train_group_arguments,
    common=True,
)
def cmd_train_group(args: argparse.Namespace) -> int:
    import contextlib

    from genlib.config import paths
    from genlib.families.registry import family
    from genlib.training.device import Accelerator
    from genlib.training.ownership import RunLock

    if not len(args.settings) == len(args.checkpoints) == len(args.losses):
        raise ValueError(
            f"train-group needs one --settings, --checkpoints and --losses file per run; got {len(args.settings)}, "
            f"{len(args.checkpoints)} and {len(args.losses)}"
        )
    set_threads(args.threads)
    group = [read_run_settings(path) for path in args.settings]
    accelerator = Accelerator.choose(args.device)
    data = training_data(group[0], args.data)
    print(f"training {len(group)} runs as one batched computation on {accelerator.describe()}", flush=True)
    with contextlib.ExitStack() as locks:
        for checkpoint in args.checkpoints:
            locks.enter_context(RunLock(paths.run_at(Path(checkpoint).parent).train_lock, wait_seconds=args.lock_wait))
        results = family(group[0].family).train_group(
            group, data, args.checkpoints, args.losses, accelerator=accelerator, progress=not args.no_progress
        )
    for settings, checkpoint, result in zip(group, args.checkpoints, results):
        print(
            f"{checkpoint}: seed {settings.seed} {result.status} after {result.step} steps (resumed from step {result.resumed_from})"
        )
    return 0


def _train_classifier_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, required=True, help="prepared image dataset folder")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True, help="classifier checkpoint to write")


@verb(
    "train-classifier",
    help="train the offline classifier backbone on a dataset's training split",
    arguments=_train_classifier_arguments,
    common=True,
)
def cmd_train_classifier(args: argparse.Namespace) -> int:
    from genlib.evaluation.classifier import train_dataset_classifier

    set_threads(args.threads)
    accuracy = train_dataset_classifier(
        args.data, args.out, epochs=args.epochs, seed=args.seed, progress=not args.no_progress
    )
    print(f"{args.out}: {100 * accuracy:.2f}% accuracy on the reference set")
    return 0
