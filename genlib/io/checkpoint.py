"""Checkpoints: one dict of tensors and plain values, written atomically, loaded without pickled code.

The same state always gives the same bytes (and SHA-256): torch.save is given a buffer, not a file,
because it names the archive inside the file after the file, and atomic writes use a random
temporary name.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

import torch

from genlib.io.atomic import write_bytes
from genlib.io.corrupt import CorruptFileError, reading, rebuild_remedy


def checkpoint_bytes(state: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint of `state`: equal states give equal bytes."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def save_checkpoint(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write `state` to `path` atomically."""
    write_bytes(path, checkpoint_bytes(state))


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint onto the CPU; `weights_only` refuses any pickled code in the file.

    A damaged file, or one holding objects other than tensors and plain values, is one CorruptFileError
    naming it and what to run.
    """
    remedy = rebuild_remedy(path)
    try:
        with reading(path, "checkpoint", remedy, missing="run the train step that writes it first"):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except CorruptFileError as error:
        if isinstance(error.__cause__, pickle.UnpicklingError) and "Weights only load failed" in str(error.__cause__):
            raise CorruptFileError(
                f"checkpoint {path} was refused: it holds objects other than tensors and plain values (pickled "
                f"code could run on loading); if you did not make it yourself, {remedy}"
            ) from error.__cause__
        raise
    if not isinstance(state, dict):
        raise CorruptFileError(f"checkpoint {path} holds a {type(state).__name__}, not a checkpoint; {remedy}")
    return state
