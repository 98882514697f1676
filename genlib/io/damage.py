"""A quick look at whether a finished file is whole, cheap enough to run over every file of a workflow at each start.

Snakemake decides what to rebuild by file dates alone. A file cut short by a copy or restore that kept
its date (cp -p, rsync -t, tar, a backup tool) looks finished to it, and the next run reports "Nothing to
be done" over it. These checks read only what a file's format puts at its end or in its header, so a
workflow can look at all of its files before any job starts:
- zip archives (torch checkpoints, .npz): the end-of-archive record and central directory are read, and
  every member must start where the directory says and lie inside the file;
- .npy arrays: the header is read, and the file must be as long as the header says;
- PNG pictures: the file must end with the IEND chunk;
- JSON files: parsed (they are small);
- CSV files: must end with a newline (a half-written row does not).
A file whose bytes were changed in place, keeping its length, passes. A checkpoint or samples archive so
changed fails the stage that reads it, naming it (each member's CRC-32 is checked on reading), and so
does a prepared split (its SHA-256 is recorded in meta.json); a JSON, CSV or PNG file so changed is not
caught.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
ZIP_SUFFIXES = (".pt", ".npz")
LOCAL_HEADER = b"PK\x03\x04"  # the signature that starts each member of a zip archive


def damage_of(path: str | Path) -> str | None:
    """What is wrong with the file at `path` (one phrase), or None when it looks whole or is of a kind not checked."""
    path = Path(path)
    suffix = path.suffix
    try:
        if path.stat().st_size == 0:
            return "empty file"
        if suffix in ZIP_SUFFIXES:
            return _zip_damage(path)
        if suffix == ".npy":
            return _npy_damage(path)
        if suffix == ".png":
            return None if _tail(path, len(PNG_END)) == PNG_END else "PNG without its end chunk (cut short)"
        if suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
            return None
        if suffix == ".csv":
            return None if _tail(path, 1) == b"\n" else "CSV whose last row is cut short"
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return f"cannot be read ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
    return None


def damaged_files(paths: Iterable[str | Path]) -> dict[str, str]:
    """The existing files among `paths` that are damaged, each with what is wrong with it (missing ones are skipped)."""
    found = {}
    for path in paths:
        if Path(path).is_file():
            problem = damage_of(path)
            if problem is not None:
                found[str(path)] = problem
    return found


def damaged_files_message(damaged: dict[str, str]) -> str:
    """The error a workflow stops with: the files, what is wrong with each, and what to run."""
    lines = [f"  - {path}: {problem}" for path, problem in damaged.items()]
    return (
        f"{len(damaged)} finished file(s) are damaged (cut short, perhaps by a copy or restore that kept their dates, "
        "so Snakemake would take them for finished):\n"
        + "\n".join(lines)
        + f"\ndelete them (rm {' '.join(damaged)}) and run snakemake again: it makes again each one a result needs, "
        "with what was made from it"
    )


def _tail(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read()


def _zip_damage(path: Path) -> str | None:
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        return f"not a whole zip archive ({error})"
    if not members:
        return "zip archive with no member"
    with open(path, "rb") as handle:
        for member in members:
            # The local header (30 bytes, the name, an extra field) precedes the data.
            if member.header_offset + 30 + len(member.filename) + member.compress_size > size:
                return f"zip member {member.filename} runs past the end of the file (cut short)"
            handle.seek(member.header_offset)
            if handle.read(4) != LOCAL_HEADER:
                return f"zip member {member.filename} is not where the archive's directory says (bytes missing)"
    return None


def _npy_damage(path: Path) -> str | None:
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version not in readers:
            return None  # a format this check does not know; the reading stage checks it
        shape, _, dtype = readers[version](handle)
        header_end = handle.tell()
    expected = header_end + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = path.stat().st_size
    if actual != expected:
        return f"array file of {actual} bytes where its header promises {expected} (cut short)"
    return None
