"""The samples file (.npz) that the sample step writes and the evaluate step reads; free of torch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from genlib.io.atomic import atomic_path
from genlib.io.corrupt import reading, rebuild_remedy


def write_samples(
    path: str | Path,
    samples: np.ndarray,
    info: dict[str, Any],
    *,
    labels: np.ndarray | None = None,
    targets: np.ndarray | None = None,
) -> None:
    """Write samples, their class labels (conditional models, translators' source labels), the true output of
    each (paired translators) and provenance (a JSON-able dict) to an .npz atomically."""
    arrays = {"samples": samples, "info": np.array(json.dumps(info))}
    if labels is not None:
        arrays["labels"] = labels
    if targets is not None:
        arrays["targets"] = targets
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def read_samples(path: str | Path) -> tuple[np.ndarray, dict[str, Any]]:
    """Samples and provenance written by `write_samples`."""
    with reading(path, "samples archive", rebuild_remedy(path)), np.load(path, allow_pickle=False) as archive:
        return archive["samples"], json.loads(str(archive["info"]))


def read_labels(path: str | Path) -> np.ndarray | None:
    """Class labels the samples were generated for (-1: unconditional), or None when none were stored."""
    with reading(path, "samples archive", rebuild_remedy(path)), np.load(path, allow_pickle=False) as archive:
        return archive.get("labels")


def read_targets(path: str | Path) -> np.ndarray | None:
    """The true output of each sample (paired translators), or None when none were stored."""
    with reading(path, "samples archive", rebuild_remedy(path)), np.load(path, allow_pickle=False) as archive:
        return archive.get("targets")
