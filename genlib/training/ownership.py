"""Who owns a run while it trains: one trainer per run folder, and a trainer that outlives its Snakemake stops.

A training job takes an exclusive lock on its run folder for its whole life (flock: the kernel
releases it when the process dies, however it dies), so two trainers never share one resume state.
A second trainer waits a little (an orphan that noticed its Snakemake is gone stops within a step)
and then refuses, naming the holder. A trainer started by Snakemake watches that process, which the
workflow hands down by PID and start time in an environment variable (OWNER_ENV): when it is gone
(kill -9, a closed login session, the OOM killer), the trainer saves its resume state and stops,
instead of training on as an orphan whose results nobody collects.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


class RunBusyError(RuntimeError):
    """Another process is training this run."""


class OrphanedRunError(RuntimeError):
    """The Snakemake process that started this trainer is gone; the trainer saved its state and stopped."""


class RunLock:
    """An exclusive lock on one run's lock file, held while training; the file records the holder's PID."""

    def __init__(self, path: str | Path, *, wait_seconds: float = 60.0, poll_seconds: float = 0.5):
        self.path, self.wait_seconds, self.poll_seconds = Path(path), wait_seconds, poll_seconds
        self.handle = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 (held open for the lock's whole life)
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder(handle)
                    handle.close()
                    raise RunBusyError(
                        f"{self.path.parent} is being trained by process {holder} (it holds {self.path}); wait "
                        f"for it to finish, or stop it (kill {holder}) and run snakemake again"
                    ) from None
                time.sleep(self.poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    @staticmethod
    def _holder(handle) -> str:
        handle.seek(0)
        return handle.read().strip() or "unknown"


# The environment variable through which a workflow hands its own process down to the jobs it starts:
# "<pid>:<start time>" (see owner_token). The pipeline's Snakefile sets it; genlib needs no Snakemake for it.
OWNER_ENV = "GENLIB_OWNER"


def start_time(pid: int) -> int | None:
    """The start time of process `pid` (clock ticks since boot, /proc/<pid>/stat field 22), or None when it is gone.

    A PID alone can be reused by a new process after the old one died; PID and start time name one process.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces: state is field 3
    return None if fields[0] in ("Z", "X") else int(fields[19])


def owner_token(pid: int | None = None) -> str:
    """The value of OWNER_ENV that names process `pid` (default: this one) as the owner of the jobs it starts."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{start_time(pid)}"


def parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def is_ancestor(pid: int, of: int | None = None) -> bool:
    """Whether process `pid` is an ancestor of process `of` (default: this one)."""
    current = os.getpid() if of is None else of
    for _ in range(64):
        current = parent_of(current)
        if current is None or current <= 0:
            return False
        if current == pid:
            return True
        if current == 1:
            return False
    return False


def owner_process(environ: dict[str, str] | None = None) -> tuple[int, int] | None:
    """The (pid, start time) of the process that started this job, as handed down in OWNER_ENV, or None.

    The owner is identified by what it is, not by its command line: the variable names one process, and
    only an ancestor of this process that is still that process counts (a value left exported in a shell,
    or one that reached this process through another route, names no ancestor and is ignored).
    """
    value = (os.environ if environ is None else environ).get(OWNER_ENV, "")
    try:
        pid_text, started_text = value.split(":")
        pid, started = int(pid_text), int(started_text)
    except ValueError:
        return None
    if not is_ancestor(pid) or start_time(pid) != started:
        return None
    return pid, started


class ParentWatch:
    """Whether the process that started this trainer (a Snakemake run, OWNER_ENV) is still alive; outside one,
    there is nothing to watch and it never is gone."""

    def __init__(self, owner: tuple[int, int] | None = None, *, every_seconds: float = 1.0):
        owner = owner_process() if owner is None else owner
        self.pid, self.started = owner if owner is not None else (None, None)
        self.every_seconds, self.last_check = every_seconds, float("-inf")

    def gone(self) -> bool:
        """Checked at most once a second (it is asked after every training step; the answer rarely changes).

        Gone: no such process, a zombie (killed, not yet reaped by its own parent), or another process that
        was given the same PID since.
        """
        if self.pid is None or time.monotonic() - self.last_check < self.every_seconds:
            return False
        self.last_check = time.monotonic()
        return start_time(self.pid) != self.started
