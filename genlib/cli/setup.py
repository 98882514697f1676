"""Verbs before training: check a config, write a settings file, prepare a dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genlib.cli.common import verb
from genlib.io.atomic import read_json


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
