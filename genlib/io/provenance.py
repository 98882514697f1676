"""Where a number came from: code (git commit and dirty flag), config, software, device and checkpoint.

Every metrics file carries a `provenance` block built here, and the report repeats it per run, so
a number can be traced back to the exact checkpoint (by hash) and the code and config that made it.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import genlib

CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def git_state(where: str | Path = ".") -> dict[str, Any]:
    """The commit checked out at `where` and whether tracked files differ from it (None outside a git checkout)."""
    try:

        def git(*args: str) -> str:
            return subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, check=True).stdout.strip()

        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": commit, "git_dirty": dirty}


def versions() -> dict[str, str | None]:
    """Versions of the software a number depends on."""
    return {
        "genlib": genlib.__version__,
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "torch": _version("torch"),
        "torchvision": _version("torchvision"),
        "torchmetrics": _version("torchmetrics"),
    }


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it (else what the platform says, or "unknown")."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def vector_extensions() -> list[str]:
    """The CPU's wide vector extensions that decide which kernels run (AVX2, AVX-512, AMX), from /proc/cpuinfo."""
    try:
        flags = next(
            line.split(":", 1)[1].split()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("flags")
        )
    except (OSError, StopIteration):
        return []
    return [name for name in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if name in flags]


def host_line() -> str:
    """One line naming the machine a timing was measured on: CPU, vector extensions, cores, torch and its kernels."""
    import os

    import torch

    extensions = " ".join(vector_extensions()) or "no AVX2"
    return (
        f"host: {cpu_model()} ({extensions}), {os.cpu_count()} cores, torch {_version('torch')} "
        f"(CPU kernels: {torch.backends.cpu.get_cpu_capability()}), numpy {_version('numpy')}, "
        f"Python {platform.python_version()}"
    )


def provenance(
    *, settings_sha256: str | None, checkpoint_sha256: str | None, device: str, train_device: str | None = None
) -> dict[str, Any]:
    """The provenance block of one metrics file: `settings_sha256` is that of the run's settings file (the settings
    its job read, and nothing wider, so that adding a run to a config leaves the scored runs as they are)."""
    return {
        **git_state(),
        "settings_sha256": settings_sha256,
        "versions": versions(),
        "device": device,
        "train_device": train_device,
        "checkpoint_sha256": checkpoint_sha256,
    }


def describe_git(state: dict[str, Any]) -> str:
    """One line for pages: the commit, marked when the working tree had uncommitted changes."""
    if state.get("git_commit") is None:
        return "unknown (not a git checkout)"
    return state["git_commit"] + (" (with uncommitted changes)" if state.get("git_dirty") else "")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
