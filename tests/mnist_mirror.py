"""Where the tests find the offline MNIST test split (read-only; never copied into the repository)."""

import os
from pathlib import Path

import pytest


def _mnist_mirror() -> Path | None:
    """The read-only offline copy of the MNIST test split, or None."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    if (shared / "t10k-images-idx3-ubyte.gz").is_file():
        return shared
    env = os.environ.get("GENLIB_MNIST_MIRROR")
    return Path(env) if env and (Path(env) / "t10k-images-idx3-ubyte.gz").is_file() else None


MIRROR = _mnist_mirror()
needs_mnist = pytest.mark.skipif(
    MIRROR is None, reason="MNIST test files not found in ../shared/data/mnist nor in $GENLIB_MNIST_MIRROR"
)
