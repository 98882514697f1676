"""The locked environment: pyproject.toml and requirements.lock agree; other installs and runs are named."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pandas as pd

from genlib import cli
from genlib.io.lock import (
    Pin,
    install_differences,
    locked_pins,
    pyproject_problems,
    recorded_differences,
)
from genlib.report.page import _lock_warnings

ROOT = Path(__file__).resolve().parents[1]

LOCK_TEXT = """# made by uv
numpy==1.0.0 \\
    --hash=sha256:aaaa
    # via genlib
nvidia-cublas==13.1.1.3 ; sys_platform == 'nosuchplatform' \\
    --hash=sha256:bbbb
Snake_Make==9.27.1 \\
    --hash=sha256:cccc
pytest==PYTEST
"""


def test_the_committed_lock_pins_every_dependency_of_pyproject_within_its_range():
    pins = locked_pins(ROOT / "requirements.lock")
    assert pyproject_problems(ROOT / "pyproject.toml", pins) == []
    assert {"torch", "torchvision", "numpy", "snakemake", "pytest"} <= set(pins)


def test_lock_lines_give_name_version_and_marker(tmp_path):
    (tmp_path / "l.lock").write_text(LOCK_TEXT)
    pins = locked_pins(tmp_path / "l.lock")
    assert pins["numpy"] == Pin("1.0.0", None)
    assert pins["nvidia-cublas"] == Pin("13.1.1.3", "sys_platform == 'nosuchplatform'")
    assert pins["snake-make"] == Pin("9.27.1", None)  # names compare as PEP 503 normalises them


def test_a_pyproject_dependency_missing_from_the_lock_or_outside_its_range_is_named(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["numpy>=2", "scipy"]\n'
        '[project.optional-dependencies]\ndev = ["pytest>=8"]\n'
    )
    pins = {"numpy": Pin("1.0.0", None), "pytest": Pin("9.0", None)}
    assert pyproject_problems(tmp_path / "pyproject.toml", pins) == [
        "numpy: the lock pins 1.0.0, pyproject.toml asks for >=2",
        "scipy: in pyproject.toml, not in the lock",
    ]


def test_an_install_is_compared_package_by_package_skipping_pins_for_other_platforms():
    pins = {
        "pytest": Pin("0.0.1", None),
        "numpy": Pin(metadata.version("numpy"), None),
        "no-such-package-here": Pin("1.0", None),
        "nvidia-only-elsewhere": Pin("1.0", "sys_platform == 'nosuchplatform'"),
    }
    described = [d.describe() for d in install_differences(pins)]
    assert described == [
        "no-such-package-here not installed (lock: 1.0)",
        f"pytest {metadata.version('pytest')} (lock: 0.0.1)",
    ]


def test_check_config_warns_in_one_line_naming_each_package_and_both_versions(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "l.lock").write_text(LOCK_TEXT.replace("PYTEST", metadata.version("pytest")))
    status = cli.main(["check-config", "--config", "config/config.yaml", "--lock", str(tmp_path / "l.lock")])
    err = capsys.readouterr().err.splitlines()
    warning = [line for line in err if line.startswith("warning:")]
    assert status == 0 and len(warning) == 1
    listed = warning[0].split("l.lock: ", 1)[1]
    assert listed == f"numpy {metadata.version('numpy')} (lock: 1.0.0), snake-make not installed (lock: 9.27.1)"


def test_the_report_flags_runs_recorded_with_other_versions_than_the_locks(tmp_path):
    (tmp_path / "l.lock").write_text("torch==2.14.1 \\\n    --hash=sha256:aa\nnumpy==2.4.6\n")
    runs = pd.DataFrame(
        {"versions": [{"torch": "2.14.1", "numpy": "2.4.6"}, {"torch": "2.15.0", "numpy": "2.4.6", "genlib": "0.1.0"}]}
    )
    assert [d.describe() for d in recorded_differences(runs["versions"][1], locked_pins(tmp_path / "l.lock"))] == [
        "torch 2.15.0 (lock: 2.14.1)"
    ]
    warnings = _lock_warnings(runs, tmp_path / "l.lock")
    assert (
        warnings[0]
        == f"runs made with other versions than {tmp_path / 'l.lock'}'s: torch 2.15.0 (lock: 2.14.1) in 1 of 2 runs"
    )
