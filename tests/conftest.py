"""The `fault` marker: every test the README's fault table names, so that `pytest -m fault` runs the whole table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
