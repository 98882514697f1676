"""Atomic file writes: every output appears under its final name only once it is complete.

A write that fails (a full disk, a missing permission) leaves nothing behind under either name and
raises an error that names the file being written, and for a full disk the space it needed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genlib.io.corrupt import reading, rebuild_remedy


class WriteError(OSError):
    """A file could not be written; the message names it and says why."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, size_hint: int | None = None) -> Iterator[Path]:
    """Yield a temporary sibling of `path`; rename it onto `path` only if the block succeeds.

    `size_hint` (bytes) is quoted when the disk is full.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; give it the mode a plain open() would
        os.replace(tmp, path)  # atomic on POSIX within one file system
    except OSError as error:
        if isinstance(error, WriteError):
            raise
        raise WriteError(error.errno, _describe_write_error(error, path, size_hint)) from error
    finally:
        tmp.unlink(missing_ok=True)


def _describe_write_error(error: OSError, path: Path, size_hint: int | None) -> str:
    if error.errno == errno.ENOSPC:
        needed = f"; it needs {_megabytes(size_hint)}" if size_hint is not None else ""
        return f"no space left on device writing {path}{needed}; {_free_space(path)}: free space there and run again"
    return f"could not write {path}: {error.strerror or error}"


def _free_space(path: Path) -> str:
    try:
        return f"{_megabytes(shutil.disk_usage(path.parent).free)} free on its file system"
    except OSError:
        return "free space unknown"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path, size_hint=len(data)) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` atomically."""
    write_bytes(path, text.encode())


def write_json(path: str | os.PathLike, payload: Any) -> None:
    """Write `payload` as indented JSON to `path` atomically."""
    try:  # NaN and infinity are not JSON: a metric that is one must be caught where it is made
        text = json.dumps(payload, indent=2, sort_keys=True, allow_nan=False)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    write_text(path, text + "\n")


def write_settings(path: str | os.PathLike, values: dict[str, Any], *, as_yaml: bool = False) -> None:
    """Write a settings file atomically: JSON (sorted keys), or YAML in the given key order (a resolved config)."""
    if as_yaml:
        import yaml

        write_text(path, yaml.safe_dump(values, sort_keys=False))
    else:
        write_json(path, values)


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file; a damaged one is a CorruptFileError naming it."""
    with reading(path, "JSON file", rebuild_remedy(path)):
        return json.loads(Path(path).read_text())
