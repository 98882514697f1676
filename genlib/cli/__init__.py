"""Command line: `python -m genlib <verb>`; every verb takes explicit input and output paths."""

from __future__ import annotations

import argparse
import logging
import sys

from genlib.cli.common import VERBS

# Each module registers its verbs with `verb` when imported, in the order of the pipeline (and of `--help`).
# isort: off
from genlib.cli import setup, train, runs, pipeline  # noqa: E402, F401
# isort: on


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
