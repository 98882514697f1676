"""`dvc pull` for this pipeline: restored files get timestamps in pipeline order, missing ones are named.

Snakemake rebuilds a file when one of its inputs is newer. `dvc pull` writes files in its own order,
so a pulled dataset can end up newer than the checkpoint trained on it, and Snakemake would train
again. After the pull, the files it restored get modification times in the order dvc.yaml lists
them (every output after its inputs, see genlib.pipeline.dvc_stages), all newer than what was there
before: restored checkpoints read as up to date, while samples and metrics made from older files
are remade. Files the remote lacks are named; everything else is in place and Snakemake rebuilds
only the missing ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml


def tracked_outputs(dvc_yaml: str | Path = "dvc.yaml") -> list[str]:
    """Paths of the cached outputs of dvc.yaml's stages, in stage and listing order."""
    document = yaml.safe_load(Path(dvc_yaml).read_text())
    paths = []
    for stage in document.get("stages", {}).values():
        for entry in stage.get("outs", []):
            path, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
            if (options or {}).get("cache", True):
                paths.append(path)
    return paths


def snapshot(paths: list[str]) -> dict[str, tuple[int, int] | None]:
    """(inode, mtime in ns) of each path, None when absent."""
    state = {}
    for path in paths:
        try:
            stat = os.stat(path)
            state[path] = (stat.st_ino, stat.st_mtime_ns)
        except FileNotFoundError:
            state[path] = None
    return state


def order_timestamps(paths: list[str], *, now: float | None = None) -> None:
    """Give `paths` increasing modification times in list order, one millisecond apart, ending at `now`."""
    end_ns = int((time.time() if now is None else now) * 1e9)
    for rank, path in enumerate(paths):
        stamp = end_ns - (len(paths) - 1 - rank) * 1_000_000
        os.utime(path, ns=(stamp, stamp))


def pull(dvc_args: list[str], *, dvc_yaml: str | Path = "dvc.yaml") -> int:
    """Run `dvc pull`, order the restored files' timestamps, and name the files still missing. Returns dvc's status."""
    tracked = tracked_outputs(dvc_yaml)
    before = snapshot(tracked)
    status = subprocess.run([sys.executable, "-m", "dvc", "pull", *dvc_args]).returncode
    after = snapshot(tracked)
    restored = [path for path in tracked if after[path] is not None and after[path] != before[path]]
    order_timestamps(restored)
    missing = [path for path in tracked if after[path] is None]
    print(f"genlib pull: {len(restored)} files restored and dated in pipeline order", file=sys.stderr)
    if missing:
        print(
            f"genlib pull: {len(missing)} tracked files are not in the workspace (the remote lacks them or the "
            "download failed):\n"
            + "".join(f"  {path}\n" for path in missing)
            + "Everything else is in place; `snakemake` rebuilds just these (and what depends on them).",
            file=sys.stderr,
        )
    return status if status != 0 or not missing else 1
