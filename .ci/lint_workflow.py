"""`snakemake --lint`, with the lints this workflow answers on purpose explained; any other lint fails.

Usage: python .ci/lint_workflow.py   (from the repository root)
"""

from __future__ import annotations

import re
import subprocess
import sys

# Lints this workflow does not follow, and why. A lint not listed here fails the check.
EXPLAINED = {
    "Specify a conda environment or container for each rule.": (
        "one Python environment (pyproject.toml) serves every rule; a conda environment per rule would install "
        "torch once per rule"
    ),
    "Shell command directly uses variable PYTHON from outside of the rule": (
        "the interpreter that runs Snakemake; as a param its path would be part of every job's identity, and a "
        "checkout with its virtual environment elsewhere would rerun every job"
    ),
    "Shell command directly uses variable DEVICE from outside of the rule": (
        "where a job computes, not what it computes; as a param, moving a finished experiment to a GPU would "
        "retrain every run"
    ),
}
# Rules that may go without a log: each writes one settings file from the config and prints nothing.
UNLOGGED_RULES = {"dataset_settings", "run_settings", "resolved_config", "evaluation_settings_file"}


def lints(text: str) -> list[tuple[str, str]]:
    """(where, title) of every lint in `snakemake --lint` output."""
    found, where = [], ""
    for line in text.splitlines():
        header = re.match(r"Lints for (rule \S+|snakefile \S+)", line)
        if header:
            where = header.group(1)
        item = re.match(r"\s+\* (.+?):?$", line)
        if item and where:
            found.append((where, item.group(1).rstrip(":")))
    return found


def unexplained(found: list[tuple[str, str]]) -> list[str]:
    problems = []
    for where, title in found:
        if title in EXPLAINED:
            continue
        if title == "No log directive defined" and where.split()[1] in UNLOGGED_RULES:
            continue
        problems.append(f"{where}: {title}")
    return problems


def main() -> int:
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], capture_output=True, text=True)
    output = result.stdout + result.stderr
    if "Lints for" not in output and result.returncode != 0:
        print(output, file=sys.stderr)
        return result.returncode
    problems = unexplained(lints(output))
    for problem in problems:
        print(f"unexplained lint: {problem}", file=sys.stderr)
    if problems:
        print("fix them, or explain them in .ci/lint_workflow.py (EXPLAINED)", file=sys.stderr)
        return 1
    print(f"snakemake --lint: {len(lints(output))} lints, each explained in .ci/lint_workflow.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
