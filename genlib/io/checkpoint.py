"""Checkpoints: one dict of tensors and plain values, written atomically, loaded without pickled code.

The same state always gives the same bytes (and SHA-256): torch.save is given a buffer, not a file,
because it names the archive inside the file after the file, and atomic writes use a random
temporary name.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch

from genlib.io.atomic import write_bytes


def checkpoint_bytes(state: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint of `state`: equal states give equal bytes."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write `state` to `path` atomically."""
    write_bytes(path, checkpoint_bytes(state))


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint onto the CPU; `weights_only` refuses any pickled code in the file."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist; run the train step that writes it first")
    return torch.load(path, map_location="cpu", weights_only=True)
