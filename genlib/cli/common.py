"""What the verbs share: their registry (`verb`), and reading a run's settings and data."""

from __future__ import annotations

import argparse
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


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def read_run_settings(path: Path):
    """A run's settings file as the dataclass of its family."""
    from genlib.config.settings import from_dict
    from genlib.families.discovery import FAMILY_SETTINGS

    values = read_json(path)
    family = values.get("family")
    if family not in FAMILY_SETTINGS:
        raise ValueError(f"{path}: family {family!r} is not allowed; allowed values: {', '.join(FAMILY_SETTINGS)}")
    return from_dict(FAMILY_SETTINGS[family], values, where=str(path))


def training_data(settings, data_dir: Path):
    """The training split of a prepared dataset, as the run's data kind reads it."""
    from genlib.data.kinds import kind_of

    return kind_of(settings.data_kind).training_data(data_dir, wanted_by=f"model {settings.model}")


def named_values(pairs: list[str], option: str, *, allowed: Any = None, what: str = "") -> dict[str, str]:
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
