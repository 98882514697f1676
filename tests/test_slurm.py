"""The tiny MNIST pipeline through `--profile profiles/slurm` on a real one-node SLURM cluster (see slurm_cluster.py)."""

import json
import re
import subprocess
import sys

import pytest
from mnist_mirror import MIRROR
from pipeline_helpers import make_workdir
from slurm_cluster import ClusterUnavailable, start_cluster

pytestmark = pytest.mark.slow

TINY_SLURM = {
    "experiment": "tinyslurm",
    "datasets": ["mnist"],
    "models": ["dcgan"],
    "seeds": [0],
    "data": {"mnist": {"mirror": str(MIRROR), "split": "test", "holdout": 300, "max_train": 600}},
    "training": {"steps": 4, "batch_size": 16, "g_channels": 8, "d_channels": 8, "checkpoint_every": 2},
    "evaluation": {"n_samples": 60, "classifier_epochs": 1, "kid_subsets": 5, "kid_subset_size": 30, "grid_size": 16},
    "published": ["config/published/lucic2018.csv"],
    "device": "auto",  # image jobs claim the `gpu` resource (and run on the CPU: torch sees no GPU here)
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if MIRROR is None:
        pytest.skip("MNIST test files not found in ../shared/data/mnist nor in $GENLIB_MNIST_MIRROR")
    try:
        with start_cluster(tmp_path_factory.mktemp("slurm")) as env:
            yield env
    except ClusterUnavailable as reason:
        pytest.skip(f"no SLURM test cluster on this machine: {reason}")


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    work = make_workdir(tmp_path_factory.mktemp("slurm-work"), TINY_SLURM)
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--profile",
        "profiles/slurm",
        "--configfile",
        "tiny.yaml",
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--verbose",
    ]
    result = subprocess.run(command, cwd=work, env=cluster, capture_output=True, text=True, timeout=900)
    return work, result


def sbatch_calls(result: subprocess.CompletedProcess) -> dict[str, str]:
    """The sbatch command line of each rule, from the plugin's debug log."""
    calls = {}
    for line in (result.stdout + result.stderr).splitlines():
        if line.startswith("sbatch call: "):
            rule = re.search(r"--job-name \S+ .*?rule_(\w+)|rule_(\w+)", line)
            name = next(g for g in rule.groups() if g) if rule else line
            calls[name] = line
    return calls


def test_tiny_pipeline_completes_through_the_slurm_profile(slurm_run):
    work, result = slurm_run
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    metrics = json.loads((work / "results/tinyslurm/mnist/dcgan/seed0/metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["metrics"]["fid"] > 0
    assert (work / "results/tinyslurm/report/index.html").is_file()


def test_gpu_rules_ask_slurm_for_a_gpu_with_the_profiles_runtime_memory_and_cores(slurm_run):
    work, result = slurm_run
    calls = sbatch_calls(result)
    train = calls["train_images"]
    assert "--gpus=1" in train or "--gpus 1" in train, train
    assert "-t 720" in train and "--mem 32000" in train and "--cpus-per-task=8" in train, train
    assert "slurm_extra" not in train
    prepare = calls["prepare_images"]
    assert "--gpus" not in prepare and "-t 60" in prepare and "--mem 8000" in prepare, prepare
    print("sbatch call of train_images:", train)


def test_a_profile_asking_for_an_unknown_resource_is_rejected_naming_it(cluster, tmp_path):
    work = make_workdir(tmp_path, TINY_SLURM)
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--profile",
        "profiles/slurm",
        "--configfile",
        "tiny.yaml",
        "--set-resources",
        "train_images:gpus=1",
    ]
    result = subprocess.run(command, cwd=work, env=cluster, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "set-resources.train_images: unknown resource 'gpus' (did you mean 'gpu'?)" in result.stdout + result.stderr
    assert not (work / "results").exists()
