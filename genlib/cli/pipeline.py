"""Verbs over an experiment: DVC stages and pull, the report, the jobs' resource use."""

from __future__ import annotations

import argparse
from pathlib import Path

from genlib.cli.common import verb


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
