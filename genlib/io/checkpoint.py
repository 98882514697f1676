"""Checkpoints: one dict of tensors and plain values, written atomically, loaded without pickled code.

Equal states give equal bytes (and SHA-256), however they were made, for instance by an uninterrupted
run and by one resumed from its saved state:
- torch.save is given a buffer, not a file, because it names the archive inside the file after the
  file, and atomic writes use a random temporary name;
- the state is copied into fresh containers with interned strings first, because pickle writes an
  object seen before as a back-reference: a key such as "step" that is one object in a running
  optimiser but a separate copy in a state read back from disk would otherwise change the bytes.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import sys
import zipfile
from typing import Any

import torch

from genlib.io.atomic import write_bytes
from genlib.io.corrupt import CorruptFileError, reading, rebuild_remedy


def checkpoint_bytes(state: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint of `state`: equal states give equal bytes."""
    buffer = io.BytesIO()
    torch.save(canonical_state(state), buffer)
    return buffer.getvalue()


def _check_crcs(path: str | os.PathLike) -> None:
    """Raise zipfile.BadZipFile when a member's bytes do not match the CRC-32 torch.save recorded for them.

    torch.load does not check them: a bit changed inside a tensor would load without a word.
    """
    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise zipfile.BadZipFile(f"member {bad} fails its CRC-32 check")


def canonical_state(value: Any) -> Any:
    """`value` rebuilt with new dicts, lists and tuples and interned strings, so that its pickle depends only on
    what it holds, not on which equal objects happened to be shared (tensors are kept as they are).

    A module's state dict (an OrderedDict) stays one, with its `_metadata` (the layers' format versions).
    """
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind in (dict, collections.OrderedDict):
        copy = kind((canonical_state(key), canonical_state(item)) for key, item in value.items())
        for name, attribute in vars(value).items() if kind is collections.OrderedDict else ():
            setattr(copy, name, canonical_state(attribute))
        return copy
    if kind is list:
        return [canonical_state(item) for item in value]
    if kind is tuple:
        return tuple(canonical_state(item) for item in value)
    return value


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
            _check_crcs(path)
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
