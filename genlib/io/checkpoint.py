"""Checkpoints: one dict of tensors and plain values, written atomically, loaded without pickled code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from genlib.io.atomic import atomic_path


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write `state` to `path` atomically."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint onto the CPU; `weights_only` refuses any pickled code in the file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist; run the train step that writes it first")
    return torch.load(path, map_location="cpu", weights_only=True)
