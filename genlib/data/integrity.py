"""The SHA-256 of every prepared split, recorded in meta.json when written and checked when read."""

from __future__ import annotations

from pathlib import Path

from genlib.config import paths
from genlib.io.atomic import read_json
from genlib.io.corrupt import CorruptFileError, prepared_remedy
from genlib.io.provenance import file_sha256


def split_hashes(files: list[str]) -> dict[str, str]:
    """File name -> SHA-256 of the prepared splits, for meta.json."""
    return {Path(path).name: file_sha256(path) for path in files}


def recorded_split_sha256(data_dir: str | Path, split: str, kind: str) -> str | None:
    """The SHA-256 meta.json recorded for a prepared split (None: a dataset prepared before hashes were kept)."""
    meta_path = Path(paths.dataset_at(data_dir).meta)
    name = Path(paths.dataset_at(data_dir).split(split, kind)).name
    return read_json(meta_path).get("sha256", {}).get(name) if meta_path.is_file() else None


def check_split(data_dir: str | Path, path: str | Path) -> None:
    """Refuse a prepared split whose bytes differ from those meta.json recorded (changed or damaged since)."""
    meta_path = Path(paths.dataset_at(data_dir).meta)
    if not meta_path.is_file():
        return  # preparation has not finished: the reader reports what is missing
    recorded = read_json(meta_path).get("sha256", {}).get(Path(path).name)
    if recorded is not None and Path(path).is_file() and file_sha256(path) != recorded:
        raise CorruptFileError(
            f"prepared split {path} is not the file that was prepared (its SHA-256 differs from the one in "
            f"{meta_path}): it was changed or damaged since; {prepared_remedy(data_dir)}"
        )
