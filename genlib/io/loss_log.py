"""The per-step loss log of a training run: a CSV that survives interruption and resumption."""

from __future__ import annotations

import csv
from pathlib import Path

from genlib.io.atomic import atomic_path


def read_loss_rows(path: Path, *, up_to_step: int) -> list[dict[str, float]]:
    """Rows of the log up to and including `up_to_step` (the rows a resumed run keeps)."""
    if not path.is_file():
        return []
    with open(path, newline="") as handle:
        rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]
    return [dict(row, step=int(row["step"])) for row in rows if row["step"] <= up_to_step]


def write_loss_rows(path: Path, rows: list[dict[str, float]], columns: tuple[str, ...]) -> None:
    """Write the log afresh (header and `rows`), atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def append_loss_rows(path: Path, rows: list[dict[str, float]], columns: tuple[str, ...]) -> None:
    """Append rows to the log."""
    with open(path, "a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=columns).writerows(rows)
