"""Command line: `python -m genlib <verb>`; every verb takes explicit input and output paths."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genlib.io.atomic import read_json

Command = Callable[[argparse.Namespace], int]
VERBS: dict[str, tuple[Command, str, Callable[[argparse.ArgumentParser], None], bool]] = {}


def verb(name: str, *, help: str, arguments: Callable[[argparse.ArgumentParser], None], common: bool = False):  # noqa: A002
    """Register a verb with its help and its arguments (`common`: --threads, --device, --no-progress too)."""

    def register(run: Command) -> Command:
        VERBS[name] = (run, help, arguments, common)
        return run

    return register


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _check_config_arguments(p: argparse.ArgumentParser) -> None:
    from genlib.config.paths import LOCK

    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--schema", type=Path, default=Path("workflow/schemas/config.schema.yaml"))
    p.add_argument("--lock", type=Path, default=Path(LOCK), help="lock file the installed versions are compared with")


@verb("check-config", help="validate a config file against the schema", arguments=_check_config_arguments)
def cmd_check_config(args: argparse.Namespace) -> int:
    from genlib.experiment import load_config, run_matrix, validate_config

    config = load_config(args.config)
    validate_config(config, args.schema)
    print(f"{args.config}: valid, {len(run_matrix(config))} runs")
    if args.lock.is_file():
        from genlib.io.lock import differences_line, install_differences, locked_pins

        differences = install_differences(locked_pins(args.lock))
        if differences:
            print(f"warning: {differences_line(differences, args.lock)}", file=sys.stderr)
    return 0


def _write_settings_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", required=True, help="the settings, as JSON text")
    p.add_argument("--out", type=Path, required=True, help="file to write")
    p.add_argument("--yaml", action="store_true", help="write YAML (in the given key order) instead of JSON")


@verb("write-settings", help="write a settings file (JSON, or YAML) atomically", arguments=_write_settings_arguments)
def cmd_write_settings(args: argparse.Namespace) -> int:
    import json

    from genlib.io.atomic import write_settings

    write_settings(args.out, json.loads(args.json), as_yaml=args.yaml)
    return 0


def _prepare_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--settings", type=Path, required=True, help="dataset settings JSON")
    p.add_argument("--out-dir", type=Path, required=True)


@verb("prepare", help="write a dataset's arrays and meta.json", arguments=_prepare_arguments)
def cmd_prepare(args: argparse.Namespace) -> int:
    from genlib.data.kinds import prepare_dataset

    prepare_dataset(read_json(args.settings), args.out_dir, where=str(args.settings))
    return 0


def _read_run_settings(path: Path):
    """A run's settings file as the dataclass of its family."""
    from genlib.config.settings import from_dict
    from genlib.families.discovery import FAMILY_SETTINGS

    values = read_json(path)
    family = values.get("family")
    if family not in FAMILY_SETTINGS:
        raise ValueError(f"{path}: family {family!r} is not allowed; allowed values: {', '.join(FAMILY_SETTINGS)}")
    return from_dict(FAMILY_SETTINGS[family], values, where=str(path))


def _training_data(settings, data_dir: Path):
    """The training split of a prepared dataset, as the run's data kind reads it."""
    from genlib.data.kinds import kind_of

    return kind_of(settings.data_kind).training_data(data_dir, wanted_by=f"model {settings.model}")


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

    _set_threads(args.threads)
    settings = _read_run_settings(args.settings)
    accelerator = Accelerator.choose(args.device)
    data = _training_data(settings, args.data)
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
    inputs = _named_values(
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
    _set_threads(args.threads)
    group = [_read_run_settings(path) for path in args.settings]
    accelerator = Accelerator.choose(args.device)
    data = _training_data(group[0], args.data)
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

    _set_threads(args.threads)
    accuracy = train_dataset_classifier(
        args.data, args.out, epochs=args.epochs, seed=args.seed, progress=not args.no_progress
    )
    print(f"{args.out}: {100 * accuracy:.2f}% accuracy on the reference set")
    return 0


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

    _set_threads(args.threads)
    device = Accelerator.choose(args.device).device
    reference_of_dataset(args.data, args.backbone, args.weights, args.out, device=device, antialias=args.antialias)
    return 0


def _named_values(pairs: list[str], option: str, *, allowed: Any = None, what: str = "") -> dict[str, str]:
    """NAME=VALUE arguments as a dict; a malformed one, a name given twice or (with `allowed`) one not allowed
    fails naming it."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValueError(f"{option} {pair!r}: expected NAME=VALUE")
        if name in values:
            raise ValueError(f"{option}: {name} is given twice")
        if allowed is not None and name not in allowed:
            raise ValueError(f"{option} {name}: not one of {what}; allowed values: {', '.join(allowed) or 'none'}")
        values[name] = value
    return values


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

    _set_threads(args.threads)
    sample_run(
        args.checkpoint,
        args.n_samples,
        args.seed,
        args.out,
        device=Accelerator.choose(args.device).device,
        sampler={key: yaml.safe_load(value) for key, value in _named_values(args.override, "--override").items()},
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

    _set_threads(args.threads)
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

    _set_threads(args.threads)
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


def _dvc_yaml_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config", type=Path, default=Path("config/config.yaml"), help="config path, relative to the repository root"
    )
    p.add_argument("--out", type=Path, default=Path("dvc.yaml"))


@verb("dvc-yaml", help="write the DVC stages (dvc.yaml) of an experiment config", arguments=_dvc_yaml_arguments)
def cmd_dvc_yaml(args: argparse.Namespace) -> int:
    from genlib.pipeline.dvc_stages import write_dvc_yaml

    write_dvc_yaml(args.config, args.out)
    return 0


def _pull_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dvc_args", nargs="*", help="arguments passed on to `dvc pull`, after `--` (e.g. -- -r myremote)")


@verb(
    "pull",
    help="dvc pull, with the restored files dated in pipeline order (so nothing is retrained)",
    arguments=_pull_arguments,
)
def cmd_pull(args: argparse.Namespace) -> int:
    from genlib.pipeline.dvc_restore import pull

    return pull(args.dvc_args)


def _report_arguments(p: argparse.ArgumentParser) -> None:
    from genlib.config.paths import LOCK

    p.add_argument(
        "--runs", type=Path, nargs="+", required=True, help="run folders (metrics.json, losses.csv, scatter.png)"
    )
    p.add_argument("--published", type=Path, nargs="+", required=True, help="published numbers CSVs")
    p.add_argument("--config", type=Path, default=None, help="resolved config (YAML or JSON) for provenance")
    p.add_argument(
        "--sweep", nargs="*", default=[], help="sampler sweep settings to read from each run's sweep/ folder"
    )
    p.add_argument("--out-dir", type=Path, required=True)
    p.add_argument(
        "--lock", type=Path, default=Path(LOCK), help="lock file the runs' recorded versions are compared with"
    )


@verb("report", help="HTML report and summary CSV over runs", arguments=_report_arguments)
def cmd_report(args: argparse.Namespace) -> int:
    from genlib.report.page import build_report

    build_report(
        args.runs,
        published_csvs=args.published,
        out_dir=args.out_dir,
        config_path=args.config,
        sweep_tags=args.sweep,
        lock_path=args.lock if args.lock.is_file() else None,
    )
    return 0


def _usage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("logs", type=Path, nargs="?", default=Path("logs"), help="folder of the logs (default: logs)")


@verb(
    "usage",
    help="CPU, wall time and memory per stage, from the usage lines of the jobs' logs",
    arguments=_usage_arguments,
)
def cmd_usage(args: argparse.Namespace) -> int:
    from genlib.pipeline.job_usage import collect, per_stage, stage_table

    found = collect(args.logs)
    if not found:
        raise FileNotFoundError(f"no log under {args.logs} has a usage line: run snakemake first")
    print(stage_table(per_stage(usage for _, usage in found)))
    return 0


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu", help="where to compute")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per verb, each with the arguments declared beside it."""
    parser = argparse.ArgumentParser(prog="python -m genlib", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for name, (run, help_, arguments, common) in VERBS.items():
        p = verbs.add_parser(name, help=help_)
        arguments(p)
        if common:
            _add_common(p)
        p.set_defaults(func=run)
    return parser


def main(argv: list[str] | None = None, started: float | None = None) -> int:
    """
    Run one verb; errors of input (and failed writes) print one clear line and exit with status 2.

        With `started` (time.monotonic() at the process's start, as `python -m genlib` passes it), the verb's
        resource use is printed last to stderr when that is not a terminal (a job's log), for `genlib usage`
        (genlib.pipeline.job_usage).
    """
    # ConfigError and SettingsError are ValueErrors; genlib.experiment (jsonschema) is not imported
    # by the verbs that do not need it.
    from genlib.io.atomic import WriteError
    from genlib.training.ownership import OrphanedRunError, RunBusyError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (
        FileNotFoundError,
        ValueError,
        WriteError,
        RunBusyError,
        OrphanedRunError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if started is not None and args.verb != "usage" and not sys.stderr.isatty():
            from genlib.pipeline.job_usage import report

            report(args.verb, started)
