"""Command line: `python -m genlib <verb>`; every verb takes explicit input and output paths."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from genlib.atomic import read_json


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def cmd_check_config(args: argparse.Namespace) -> int:
    from genlib.config import load_config, run_matrix, validate_config

    config = load_config(args.config)
    validate_config(config, args.schema)
    print(f"{args.config}: valid, {len(run_matrix(config))} runs")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from genlib.data.mixtures import prepare_mixture
    from genlib.settings import DatasetSettings, from_dict

    settings = from_dict(DatasetSettings, read_json(args.settings), where=str(args.settings))
    prepare_mixture(settings, args.out_dir)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from genlib.data.mixtures import load_points
    from genlib.settings import RunSettings, from_dict
    from genlib.train import train_gan

    _set_threads(args.threads)
    settings = from_dict(RunSettings, read_json(args.settings), where=str(args.settings))
    data = torch.from_numpy(load_points(args.data, "train"))
    result = train_gan(settings, data, args.checkpoint, args.losses, progress=not args.no_progress)
    print(f"{args.checkpoint}: {result.status} after {result.step} steps (resumed from step {result.resumed_from})")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from genlib.sample import sample_points
    from genlib.sample_archive import write_samples

    _set_threads(args.threads)
    samples, info = sample_points(args.checkpoint, args.n_samples, args.seed)
    write_samples(args.out, samples, info)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from genlib.data.mixtures import load_mixture, load_points
    from genlib.atomic import write_json
    from genlib.evaluate import evaluate_mixture_samples
    from genlib.plots import save_figure, scatter_figure
    from genlib.sample_archive import read_samples

    samples, info = read_samples(args.samples)
    dist, reference = load_mixture(args.data), load_points(args.data, "test")
    result = evaluate_mixture_samples(samples, info, dist, reference)
    title = f"{result['dataset']} / {result['model']} / seed {result['seed']}"
    if result["metrics"] is not None:
        m = result["metrics"]
        title += f"\n{m['modes_covered']}/{m['n_modes']} modes, {m['high_quality_percent']:.1f}% high quality"
    else:
        title += f"\n{result['status']} at step {result['diverged_at_step'] or result['train_steps']}"
        samples = samples[:0]
    figure = scatter_figure(reference, samples, dist.modes, title)
    save_figure(figure, args.scatter)
    write_json(args.metrics, result)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from genlib.report import build_report

    build_report(args.runs, published_csv=args.published, out_dir=args.out_dir, config_path=args.config)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m genlib", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)

    p = verbs.add_parser("check-config", help="validate a config file against the schema")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--schema", type=Path, default=Path("workflow/schemas/config.schema.yaml"))
    p.set_defaults(func=cmd_check_config)

    p = verbs.add_parser("prepare", help="write a dataset's arrays and meta.json")
    p.add_argument("--settings", type=Path, required=True, help="dataset settings JSON")
    p.add_argument("--out-dir", type=Path, required=True)
    p.set_defaults(func=cmd_prepare)

    p = verbs.add_parser("train", help="train one run, resuming from its in-progress state if any")
    p.add_argument("--settings", type=Path, required=True, help="run settings JSON")
    p.add_argument("--data", type=Path, required=True, help="prepared dataset folder")
    p.add_argument("--checkpoint", type=Path, required=True, help="final checkpoint to write")
    p.add_argument("--losses", type=Path, required=True, help="loss log CSV to write")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    p = verbs.add_parser("sample", help="draw the evaluation samples of a checkpoint")
    p.add_argument("--checkpoint", type=Path, required=True)
    p.add_argument("--n-samples", type=int, required=True)
    p.add_argument("--seed", type=int, required=True, help="seed of the noise")
    p.add_argument("--out", type=Path, required=True, help="samples .npz to write")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.set_defaults(func=cmd_sample)

    p = verbs.add_parser("evaluate", help="metrics and scatter plot of one run's samples")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True, help="prepared dataset folder")
    p.add_argument("--metrics", type=Path, required=True, help="metrics JSON to write")
    p.add_argument("--scatter", type=Path, required=True, help="scatter PNG to write")
    p.set_defaults(func=cmd_evaluate)

    p = verbs.add_parser("report", help="HTML report and summary CSV over runs")
    p.add_argument("--runs", type=Path, nargs="+", required=True, help="run folders (metrics.json, losses.csv, scatter.png)")
    p.add_argument("--published", type=Path, required=True, help="published numbers CSV")
    p.add_argument("--config", type=Path, default=None, help="resolved config (YAML or JSON) for provenance")
    p.add_argument("--out-dir", type=Path, required=True)
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one verb; errors of input print one clear line and exit with status 2."""
    from genlib.config import ConfigError
    from genlib.settings import SettingsError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, SettingsError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
