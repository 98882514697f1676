"""The registry of model families: the `family` key of a run's settings -> the `FAMILY` of its folder.

Families are found, not listed: every folder under genlib/families/ (and GENLIB_FAMILY_DIRS) is one
(genlib.families.discovery), loaded the first time it is asked for. `register` adds one at run time.
"""

from __future__ import annotations

from typing import Any

from genlib.families.discovery import FAMILY_SETTINGS, load_family
from genlib.families.interface import Family

FAMILIES: dict[str, Family] = {}  # loaded families, by name


def family(name: str) -> Family:
    """The family registered under `name`."""
    if name not in FAMILIES:
        if name not in FAMILY_SETTINGS:
            raise ValueError(f"unknown model family {name!r}; allowed values: {', '.join(FAMILY_SETTINGS)}")
        FAMILIES[name] = load_family(name)
    return FAMILIES[name]


def all_families() -> dict[str, Family]:
    """Every family, loaded."""
    return {name: family(name) for name in FAMILY_SETTINGS}


def register(new: Family, settings_class: type) -> None:
    """Add a family (and its settings dataclass) at run time, e.g. from a plug-in or a test."""
    FAMILIES[new.name] = new
    FAMILY_SETTINGS[new.name] = settings_class


def family_of_checkpoint(checkpoint: dict[str, Any], path: Any = "checkpoint") -> Family:
    """The family a checkpoint records, with a clear error for a checkpoint that records none."""
    if "family" not in checkpoint:
        raise ValueError(
            f"{path} records no model family (it was written by an older genlib): delete it and run "
            "snakemake again to retrain that run"
        )
    return family(checkpoint["family"])


def check_family(checkpoint: dict[str, Any], settings: dict[str, Any], path: Any = "checkpoint") -> Family:
    """The checkpoint's family, after checking that it is the family the run's settings ask for."""
    found = family_of_checkpoint(checkpoint, path)
    wanted = settings.get("family", "gan")
    if found.name != wanted:
        raise ValueError(
            f"{path} holds a {found.name} model, but the config's model {settings.get('model')!r} is of family "
            f"{wanted!r}: delete {path} and run snakemake again to retrain it"
        )
    return found


def run_identity(info: dict[str, Any]) -> dict[str, Any]:
    """Which run (family, data kind, and for diffusion the sampler) a sample set came from, and how its training ended."""
    settings = info["settings"]
    family = family_of_checkpoint(info, "the samples' checkpoint")
    return {
        "dataset": settings["dataset"],
        "model": settings["model"],
        "seed": settings["seed"],
        "family": family.name,
        "data_kind": info["data_kind"],
        "objective": family.describe(settings),
        "status": info["status"],
        "train_steps": info["step"],
        "diverged_at_step": info.get("diverged_at_step"),
        "extra_pictures": dict(family.extra_pictures),  # the family's own pictures, name -> caption
        "loss_labels": dict(family.loss_labels),  # the report's labels of its loss-log columns
        "state_columns": list(family.state_columns),  # loss-log columns that are not losses
        "state_plots": dict(family.state_plots),  # those drawn over training, column -> caption
        **family.identity(settings),
    }
