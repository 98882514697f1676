"""The README's fault table points at tests that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_the_fault_table_names_exists():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### What a fault does") :].split("\n## ", 1)[0]
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", table)
    assert len(named) >= 13
    for module, name in named:
        assert re.search(rf"^def {name}\(", (ROOT / "tests" / module).read_text(), flags=re.M), f"{module}::{name}"
