"""What each job cost: one line of exact resource use at the end of every `python -m genlib` call, and a
per-stage table built from the jobs' logs.

The line comes from the kernel's own accounting (`getrusage`) when the process ends, so it counts every CPU
second, short jobs included, and costs nothing while the job runs (no sampling of the process from
outside). `python -m genlib usage logs/` sums it per stage.
"""

from __future__ import annotations

import re
import resource
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PREFIX = "genlib usage:"
_FIELD = re.compile(r"(\w+)=(\S+)")


@dataclass(frozen=True)
class JobUsage:
    """The resource use of one finished `python -m genlib` process (and the processes it waited for)."""

    verb: str
    wall_s: float
    user_s: float
    system_s: float
    max_rss_mb: float

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.system_s

    def line(self) -> str:
        return (
            f"{PREFIX} verb={self.verb} wall_s={self.wall_s:.2f} user_s={self.user_s:.2f} "
            f"system_s={self.system_s:.2f} max_rss_mb={self.max_rss_mb:.0f}"
        )

    @classmethod
    def parse(cls, line: str) -> JobUsage | None:
        """The usage recorded on `line`, or None when the line is not a usage line."""
        if not line.startswith(PREFIX):
            return None
        fields = dict(_FIELD.findall(line[len(PREFIX) :]))
        try:
            return cls(
                verb=fields["verb"],
                wall_s=float(fields["wall_s"]),
                user_s=float(fields["user_s"]),
                system_s=float(fields["system_s"]),
                max_rss_mb=float(fields["max_rss_mb"]),
            )
        except (KeyError, ValueError):
            return None


def measure(verb: str, started: float) -> JobUsage:
    """This process's use so far: wall time since `started` (time.monotonic), CPU of itself and its children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return JobUsage(
        verb=verb,
        wall_s=time.monotonic() - started,
        user_s=own.ru_utime + children.ru_utime,
        system_s=own.ru_stime + children.ru_stime,
        max_rss_mb=max(own.ru_maxrss, children.ru_maxrss) / 1024,  # kB on Linux
    )


def report(verb: str, started: float) -> None:
    """Print this process's usage line to stderr, which the rules send to the job's log."""
    print(measure(verb, started).line(), file=sys.stderr, flush=True)


def read_log(path: Path) -> JobUsage | None:
    """The last usage line of one log (the rules write each log afresh, so a rerun replaces it)."""
    found = None
    with open(path, errors="replace") as handle:
        for line in handle:
            # Progress bars rewrite their line with carriage returns; the usage line starts after the last one.
            usage = JobUsage.parse(line.rsplit("\r", 1)[-1].strip())
            found = usage or found
    return found


def collect(logs: Path) -> list[tuple[Path, JobUsage]]:
    """Every log under `logs` that ends with a usage line, with its usage."""
    if not logs.is_dir():
        raise FileNotFoundError(f"no log folder {logs}: run snakemake first, or give the folder the logs are in")
    found = []
    for path in sorted(logs.rglob("*.log")):
        usage = read_log(path)
        if usage is not None:
            found.append((path, usage))
    return found


@dataclass(frozen=True)
class StageUsage:
    stage: str
    jobs: int
    wall_s: float  # summed over the stage's jobs (they may have run side by side)
    cpu_s: float
    max_rss_mb: float


def per_stage(usages: Iterable[JobUsage]) -> list[StageUsage]:
    """Jobs, summed wall and CPU seconds, and the largest peak memory of each verb, most CPU first."""
    stages: dict[str, list[JobUsage]] = {}
    for usage in usages:
        stages.setdefault(usage.verb, []).append(usage)
    rows = [
        StageUsage(
            stage=verb,
            jobs=len(jobs),
            wall_s=sum(job.wall_s for job in jobs),
            cpu_s=sum(job.cpu_s for job in jobs),
            max_rss_mb=max(job.max_rss_mb for job in jobs),
        )
        for verb, jobs in stages.items()
    ]
    return sorted(rows, key=lambda row: -row.cpu_s)


def stage_table(rows: list[StageUsage]) -> str:
    """The per-stage rows as a Markdown table, with a total row."""
    lines = ["| stage | jobs | wall, summed (s) | CPU (s) | peak memory (MB) |", "| --- | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row.stage} | {row.jobs} | {row.wall_s:.1f} | {row.cpu_s:.1f} | {row.max_rss_mb:.0f} |")
    if rows:
        lines.append(
            f"| all | {sum(r.jobs for r in rows)} | {sum(r.wall_s for r in rows):.1f} | "
            f"{sum(r.cpu_s for r in rows):.1f} | {max(r.max_rss_mb for r in rows):.0f} |"
        )
    return "\n".join(lines)
