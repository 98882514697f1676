"""The resources a job may ask for, so that a misspelt one in a profile fails before anything runs.

Snakemake passes unknown resource names on silently, and an executor then ignores them: a GPU job
asked for with `gpus: 1` would land on a node without a GPU. The allowed names are Snakemake's
standard resources, this workflow's `gpu`, and those snakemake-executor-plugin-slurm reads.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

STANDARD = ("mem", "mem_mb", "mem_mib", "disk", "disk_mb", "disk_mib", "runtime", "tmpdir", "_cores", "_nodes")
WORKFLOW = ("gpu",)  # claimed by image jobs; `--resources gpu=1` serialises them on one GPU
SLURM = (
    "slurm_partition",
    "slurm_account",
    "slurm_extra",
    "slurm_cluster",
    "cluster",
    "clusters",
    "constraint",
    "qos",
    "cpus_per_task",
    "cpus_per_gpu",
    "gpu_model",
    "gres",
    "mem_mb_per_cpu",
    "mpi",
    "nodes",
    "tasks",
    "tasks_per_gpu",
    "tasks_per_node",
)
KNOWN_RESOURCES = STANDARD + WORKFLOW + SLURM


def resource_problems(default: Iterable[str], per_rule: Mapping[str, Iterable[str]], rules: Iterable[str]) -> list[str]:
    """Unknown resource names in default-resources and set-resources, and set-resources of rules that do not exist."""
    rules = sorted(rules)
    problems = [_unknown("default-resources", name) for name in default if name not in KNOWN_RESOURCES]
    for rule, names in per_rule.items():
        if rule not in rules:
            problems.append(f"set-resources: {rule!r} is not a rule of this workflow; rules: {', '.join(rules)}")
        problems += [_unknown(f"set-resources.{rule}", name) for name in names if name not in KNOWN_RESOURCES]
    return problems


def _unknown(where: str, name: str) -> str:
    close = difflib.get_close_matches(name, KNOWN_RESOURCES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    allowed = ", ".join(n for n in KNOWN_RESOURCES if not n.startswith("_"))
    return f"{where}: unknown resource {name!r}{hint}; allowed resources: {allowed}"
