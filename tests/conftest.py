"""Test-session set-up (one torch thread per xdist worker) and the `fault` marker: every test the README's fault table names, so that `pytest -m fault` runs the whole table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # One thread per worker: the workers already keep every core busy, and idle OpenMP threads of one worker
    # spin on the cores of the other (the tests' networks are tiny; a second thread hardly helps them).
    import torch

    torch.set_num_threads(1)

README = Path(__file__).resolve().parents[1] / "README.md"


def fault_table_tests() -> set[tuple[str, str]]:
    """(module, test name) of every test named in the README's section "What a fault does"."""
    readme = README.read_text(encoding="utf-8")
    table = readme[readme.index("### What a fault does") :].split("\n## ", 1)[0]
    return set(re.findall(r"`(test_\w+\.py)::(test_\w+)`", table))


# The longest modules (measured on host B, 2 cores), longest first: with `--no-loadscope-reorder` (pyproject)
# pytest-xdist hands modules to the workers in this order, so the two workers finish together instead of one
# starting the longest pipeline last. Every other module follows in its collected order.
LONGEST_FIRST = (
    "test_pipeline.py",
    "test_pipeline_faults.py",
    "test_pipeline_mnist.py",
    "test_pipeline_damage.py",
    "test_slurm.py",
    "test_dvc.py",
    "test_image_training.py",
    "test_translation_training.py",
    "test_family_folder.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: collected order within a module
    named = fault_table_tests()
    for item in items:
        if (item.path.name, getattr(item, "originalname", item.name)) in named:
            item.add_marker(pytest.mark.fault)
