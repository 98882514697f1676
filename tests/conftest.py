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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    named = fault_table_tests()
    for item in items:
        if (item.path.name, getattr(item, "originalname", item.name)) in named:
            item.add_marker(pytest.mark.fault)
