"""Who owns a run while it trains: one trainer per run folder, and a trainer that outlives its Snakemake stops.

A training job takes an exclusive lock on its run folder for its whole life (flock: the kernel
releases it when the process dies, however it dies), so two trainers never share one resume state.
A second trainer waits a little (an orphan that noticed its Snakemake is gone stops within a step)
and then refuses, naming the holder. A trainer started by Snakemake watches that process: when it
is gone (kill -9, a closed login session, the OOM killer), the trainer saves its resume state and
stops, instead of training on as an orphan whose results nobody collects.
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


def snakemake_ancestor(pid: int | None = None) -> int | None:
    """The PID of the nearest ancestor process running Snakemake, or None (not started by Snakemake, or not Linux)."""
    pid = os.getppid() if pid is None else pid
    for _ in range(16):  # bash -c, timeout wrappers, the executor: a few levels at most
        if pid <= 1:
            return None
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        if b"snakemake" in command and b"genlib" not in command:
            return pid
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the command name: state, then ppid
    return None


class ParentWatch:
    """Whether the Snakemake process that started this trainer is still alive (always, outside Snakemake)."""

    def __init__(self, pid: int | None = None, *, every_seconds: float = 1.0):
        self.pid = snakemake_ancestor() if pid is None else pid
        self.every_seconds, self.last_check = every_seconds, float("-inf")

    def gone(self) -> bool:
        """Checked at most once a second (it is asked after every training step; the answer rarely changes)."""
        if self.pid is None or time.monotonic() - self.last_check < self.every_seconds:
            return False
        self.last_check = time.monotonic()
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        try:  # killed but not yet reaped by its own parent: a zombie is gone too
            return Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            return True
