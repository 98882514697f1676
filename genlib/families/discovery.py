"""Where model families are found: every folder under genlib/families/ is one, with no list to edit.

A family folder holds (as junyanz/pytorch-CycleGAN-and-pix2pix finds `models/<name>_model.py`):
  __init__.py   may be empty
  settings.py   torch-free: `SETTINGS`, the settings dataclass (its `family` field defaults to the
                folder's name; its class attributes declare the family's pictures and batched
                trainer, genlib.config.run_settings), and optionally `PRESETS`, model variants by
                name (dicts of settings)
  family.py     `FAMILY`, the object the pipeline asks (genlib.families.interface.Family)
Folders named in the environment variable GENLIB_FAMILY_DIRS (separated like PATH) are searched
too, for families kept outside the package. Reading the settings imports no torch, so the config
checks and the Snakemake workflow run without it. A folder that lacks a piece fails at start-up, naming the
folder and the piece.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import genlib.families

EXTRA_DIRS_ENV = "GENLIB_FAMILY_DIRS"


class FamilyFolderError(ImportError):
    """A family folder lacks a piece the pipeline needs."""


def _search_path() -> list[str]:
    """genlib/families/ and the folders of GENLIB_FAMILY_DIRS (added to the package's path once)."""
    for name in filter(None, os.environ.get(EXTRA_DIRS_ENV, "").split(os.pathsep)):
        if not Path(name).is_dir():
            raise FamilyFolderError(f"{EXTRA_DIRS_ENV} names {name}, which is not a folder")
        folder = str(Path(name).resolve())
        if folder not in genlib.families.__path__:
            genlib.families.__path__.append(folder)
    return list(genlib.families.__path__)


@functools.cache
def family_folders() -> dict[str, Path]:
    """Family name -> its folder: every package under genlib.families (and GENLIB_FAMILY_DIRS)."""
    found: dict[str, Path] = {}
    for module in pkgutil.iter_modules(_search_path()):
        if module.ispkg:
            found[module.name] = Path(module.module_finder.path) / module.name
    return dict(sorted(found.items()))


def _piece(name: str, module: str, attribute: str, what: str) -> Any:
    """`attribute` of genlib.families.<name>.<module>, or an error naming the folder and the missing piece."""
    folder = family_folders()[name]
    if not (folder / f"{module}.py").is_file():
        raise FamilyFolderError(f"family folder {folder} has no {module}.py: it must define {attribute}, {what}")
    loaded: ModuleType = importlib.import_module(f"genlib.families.{name}.{module}")
    if not hasattr(loaded, attribute):
        raise FamilyFolderError(f"family folder {folder}: {module}.py defines no {attribute} ({what})")
    return getattr(loaded, attribute)


@functools.cache
def family_settings() -> dict[str, type]:
    """Family name -> its settings dataclass, read from each folder's settings.py (no torch)."""
    classes = {}
    for name, folder in family_folders().items():
        cls = _piece(name, "settings", "SETTINGS", "the family's settings dataclass")
        family_field = (
            {f.name: f for f in dataclasses.fields(cls)}.get("family") if dataclasses.is_dataclass(cls) else None
        )
        if family_field is None or family_field.default != name:
            raise FamilyFolderError(
                f"family folder {folder}: settings.py's SETTINGS must be a dataclass whose `family` field defaults to "
                f"{name!r}, the folder's name"
            )
        if not (folder / "family.py").is_file():  # checked at start-up, though family.py is loaded only when used
            raise FamilyFolderError(f"family folder {folder} has no family.py: it must define FAMILY, {FAMILY_PIECE}")
        classes[name] = cls
    return classes


@functools.cache
def family_presets() -> dict[str, dict[str, Any]]:
    """Model variants the family folders bring (`PRESETS` of settings.py), by model name, each with its family."""
    presets: dict[str, dict[str, Any]] = {}
    for name in family_folders():
        module = sys.modules.get(f"genlib.families.{name}.settings") or importlib.import_module(
            f"genlib.families.{name}.settings"
        )
        for model, values in (getattr(module, "PRESETS", None) or {}).items():
            presets[model] = {"family": name, **values}
    return presets


FAMILY_PIECE = "the object that trains, samples and draws for the family"


def load_family(name: str) -> Any:
    """The `FAMILY` object of the folder `name` (imports its code: torch and networks)."""
    return _piece(name, "family", "FAMILY", FAMILY_PIECE)


# The settings class of each model family, by the `family` key of a model variant (`register` adds to it).
FAMILY_SETTINGS: dict[str, type] = dict(family_settings())


def all_extra_pictures() -> dict[str, str]:
    """Every picture any family draws besides the common ones, name -> caption (from the settings classes: no torch)."""
    return {name: caption for cls in FAMILY_SETTINGS.values() for name, caption in cls.extra_pictures.items()}


def family_fields(family: str) -> tuple[str, ...]:
    """The settings keys of a model family."""
    return tuple(f.name for f in dataclasses.fields(FAMILY_SETTINGS[family]))


def tunable_run_fields() -> tuple[str, ...]:
    """Fields a config may set per model or for all models (the run's identity comes from the matrix)."""
    names = (name for family in FAMILY_SETTINGS for name in family_fields(family))
    return tuple(dict.fromkeys(n for n in names if n not in ("dataset", "model", "seed", "family")))
