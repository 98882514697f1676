"""The samples file (.npz) that the sample step writes and the evaluate step reads; free of torch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from genlib.atomic import atomic_path


def write_samples(path: str | Path, samples: np.ndarray, info: dict[str, Any]) -> None:
    """Write samples and their provenance (a JSON-able dict) to an .npz file atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, samples=samples, info=np.array(json.dumps(info)))


def read_samples(path: str | Path) -> tuple[np.ndarray, dict[str, Any]]:
    """Samples and provenance written by `write_samples`."""
    with np.load(path, allow_pickle=False) as archive:
        return archive["samples"], json.loads(str(archive["info"]))
