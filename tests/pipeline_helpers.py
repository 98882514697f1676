"""What the end-to-end tests share: a tiny pipeline in a temporary folder, Snakemake runs, the golden tables."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "experiment": "tiny",
    "datasets": ["ring8", "grid25"],
    "models": ["gan-nonsaturating", "hinge-sn", "ddpm"],
    "seeds": [0, 1],
    "model_overrides": {"ddpm": {"timesteps": 50, "sampler_steps": 10, "width": 16, "depth": 2}},
    "data": {"ring8": {"n_train": 2000, "n_test": 500}, "grid25": {"n_train": 2000, "n_test": 500}},
    "training": {
        "steps": 20,
        "batch_size": 32,
        "g_width": 16,
        "g_depth": 2,
        "d_width": 16,
        "d_depth": 2,
        "checkpoint_every": 10,
    },
    "evaluation": {"n_samples": 300},
}


ONE_RUN = dict(
    TINY,
    datasets=["ring8"],
    models=["gan-nonsaturating"],
    seeds=[0],
    data={"ring8": TINY["data"]["ring8"]},
    model_overrides={},
)
ONE_RUN_FOLDER = "results/tiny/ring8/gan-nonsaturating/seed0"


def make_workdir(tmp_path: Path, config: dict, *, folder: str = "work") -> Path:
    work = tmp_path / folder
    work.mkdir()
    shutil.copy(ROOT / "Snakefile", work)
    for folder in ("workflow", "profiles", "config"):
        shutil.copytree(ROOT / folder, work / folder)
    shutil.copy(ROOT / ".gitignore", work)
    (work / "tiny.yaml").write_text(yaml.safe_dump(config))
    git(work, "init", "-q")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "tiny pipeline")
    return work


def git(work: Path, *args: str) -> str:
    identity = ["-c", "user.name=genlib tests", "-c", "user.email=tests@genlib.invalid"]
    return subprocess.run(
        ["git", *identity, *args], cwd=work, capture_output=True, text=True, check=True
    ).stdout.strip()


def snakemake(
    work: Path,
    *args: str,
    check: bool = True,
    target: str | None = None,
    python: str = sys.executable,
    configfile: str = "tiny.yaml",
) -> subprocess.CompletedProcess:
    command = [
        python,
        "-m",
        "snakemake",
        *([target] if target else []),
        "--cores",
        "2",
        "--resources",
        "gpu=1",
        "--configfile",
        configfile,
        *args,
    ]
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Job counts of a dry run's 'Job stats' table."""
    lines = (result.stdout + result.stderr).splitlines()
    counts, in_table = {}, False
    for line in lines:
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table:
            parts = line.split()
            if not parts or parts[0].startswith("-"):
                continue
            if parts[0] == "total":
                break
            counts[parts[0]] = int(parts[1])
    return counts


GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_same_table(made: Path, golden: Path, rtol: dict[str, float] | None = None) -> None:
    """The table a run made equals the golden one: text and counts exactly, metrics to 1e-4 relative
    (or to `rtol[column]`, and a standard deviation to that share of its mean).

    The Frechet distances and KIDs go through the CPU's own LAPACK and BLAS kernels (the matrix square root,
    the kernel sums): on two x86 machines the counts (modes, high-quality share, reverse KL) came out the same
    while FID and KID moved by up to 5e-5 relative. A standard
    deviation over seeds is the difference of nearly equal numbers, so it is held to 1e-4 of its mean.
    """
    rtol = rtol or {}
    ours, theirs = pd.read_csv(made), pd.read_csv(golden)
    assert list(ours.columns) == list(theirs.columns) and len(ours) == len(theirs)
    for column in ours.columns:
        if ours[column].dtype.kind not in "fc" and theirs[column].dtype.kind not in "fc":
            pd.testing.assert_series_equal(ours[column], theirs[column])
            continue
        mean_column = column[: -len("_std")] + "_mean" if column.endswith("_std") else None
        scale = theirs[mean_column].abs().max() if mean_column in theirs.columns else 0.0
        tolerance = rtol.get(mean_column or column, 1e-4)
        np.testing.assert_allclose(
            ours[column].to_numpy(float),
            theirs[column].to_numpy(float),
            rtol=tolerance,
            atol=tolerance * scale if np.isfinite(scale) else 0.0,
            equal_nan=True,
            err_msg=f"{made.name}, column {column}",
        )


def golden_tolerance(golden: Path) -> dict[str, float]:
    """Per-column relative tolerances of a golden table of trained image models, for the host running the test.

    A trained model amplifies the last bits of the CPU's kernels (AVX2 and AVX-512 convolutions and matmuls
    round differently) and of the libraries' versions. On the host the golden values were made on (CPU model,
    torch's kernel level, torch, numpy and scipy versions: `<golden>.host.json`) they hold to 1e-4; on any other,
    to the cross-host spread measured by tools/golden_spread.py, doubled.
    """
    from golden_host import host_key

    record = json.loads(golden.with_suffix(".host.json").read_text())
    if host_key() == record["made_on"]:
        return {}
    return record["cross_host"]["rtol"]
