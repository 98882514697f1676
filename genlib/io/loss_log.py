"""The per-step loss log of a training run (a CSV that survives interruption and resumption) and the curve
of its monitor (FID over training), written beside it when training ends."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from genlib.io.atomic import atomic_path

log = logging.getLogger(__name__)


def read_loss_rows(path: Path, *, up_to_step: int) -> list[dict[str, float]]:
    """Rows of the log up to and including `up_to_step` (the rows a resumed run keeps).

    A row that cannot be read (the half-written last line of a killed job, a damaged file) is left
    out with a warning: the run goes on, with a gap in its loss curve at worst.
    """
    if not path.is_file():
        return []
    rows, unreadable = [], 0
    with open(path, newline="", errors="replace") as handle:
        for row in csv.DictReader(handle):
            try:
                values = {key: float(value) for key, value in row.items()}
                values["step"] = int(values["step"])
            except (TypeError, ValueError, KeyError):
                unreadable += 1
                continue
            if values["step"] <= up_to_step:
                rows.append(values)
    if unreadable:
        log.warning("%s: left out %d unreadable loss rows (a half-written or damaged line)", path, unreadable)
    return rows


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


def write_curve(path: Path, rows: list[dict[str, float]]) -> None:
    """The monitor's curve (one row per monitored step: step, fid, ...) as CSV, every column any row has;
    a header only when the run had no monitor."""
    columns = list(dict.fromkeys(["step", "fid", *(key for row in rows for key in row)]))
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        handle.write(",".join(columns) + "\n")
        handle.writelines(",".join(repr(row[column]) for column in columns) + "\n" for row in rows)


def read_curve(path: Path) -> list[dict[str, float]]:
    """The rows `write_curve` wrote (steps as int)."""
    with open(path, newline="") as handle:
        rows = [{key: float(value) for key, value in row.items()} for row in csv.DictReader(handle)]
    for row in rows:
        row["step"] = int(row["step"])
    return rows
