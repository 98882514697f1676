"""The samples file (.npz) that the sample step writes and the evaluate step reads; free of torch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from genlib.io.atomic import atomic_path
from genlib.io.corrupt import reading, rebuild_remedy

# What a translator's samples may carry besides the outputs, each (N, C, H, W) uint8 and aligned with them.
EXTRA_ARRAYS = {
    "targets": "the true output of each sample's input (paired data)",
    "inputs": "the input each sample was translated from (when a round trip is scored)",
    "reconstructions": "the input mapped there and back, F(G(a)) (CycleGAN)",
}


def write_samples(
    path: str | Path,
    samples: np.ndarray,
    info: dict[str, Any],
    *,
    labels: np.ndarray | None = None,
    extras: dict[str, np.ndarray] | None = None,
) -> None:
    """Write samples, their class labels (conditional models, translators' source labels), provenance (a
    JSON-able dict) and a translator's `extras` (EXTRA_ARRAYS) to an .npz atomically."""
    arrays = {"samples": samples, "info": np.array(json.dumps(info))}
    if labels is not None:
        arrays["labels"] = labels
    unknown = set(extras or {}) - set(EXTRA_ARRAYS)
    if unknown:
        raise ValueError(f"unknown sample arrays {sorted(unknown)}; allowed: {', '.join(EXTRA_ARRAYS)}")
    arrays.update(extras or {})
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


def read_extras(path: str | Path) -> dict[str, np.ndarray]:
    """The extra arrays stored beside the samples (EXTRA_ARRAYS), by name; empty for a generative model's."""
    with reading(path, "samples archive", rebuild_remedy(path)), np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in EXTRA_ARRAYS if name in archive.files}
