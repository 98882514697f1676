"""End to end: the Snakemake pipeline on a tiny config in a temporary folder (CPU, offline)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TINY = {
    "experiment": "tiny",
    "datasets": ["ring8", "grid25"],
    "models": ["gan-nonsaturating", "hinge-sn"],
    "seeds": [0, 1],
    "data": {"n_train": 2000, "n_test": 500},
    "training": {"steps": 20, "batch_size": 32, "g_width": 16, "g_depth": 2, "d_width": 16, "d_depth": 2,
                 "checkpoint_every": 10},
    "evaluation": {"n_samples": 300},
}


def make_workdir(tmp_path: Path, config: dict) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "Snakefile", work)
    for folder in ("workflow", "profiles", "config"):
        shutil.copytree(ROOT / folder, work / folder)
    (work / "tiny.yaml").write_text(yaml.safe_dump(config))
    return work


def snakemake(work: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--resources", "gpu=1", "--configfile", "tiny.yaml", *args]
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


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    work = make_workdir(tmp_path_factory.mktemp("pipeline"), TINY)
    snakemake(work)
    return work


def test_pipeline_writes_metrics_for_every_run(finished_run):
    metrics = sorted(finished_run.glob("results/tiny/*/*/seed*/metrics.json"))
    assert len(metrics) == 2 * 2 * 2
    for path in metrics:
        result = json.loads(path.read_text())
        assert result["status"] == "completed" and result["train_steps"] == 20
        assert 0 <= result["metrics"]["modes_covered"] <= result["metrics"]["n_modes"]
        assert result["protocol"]["n_generated"] == 300
        assert (path.parent / "scatter.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_summary_is_the_mean_and_std_of_the_run_metrics(finished_run):
    summary = pd.read_csv(finished_run / "results/tiny/report/summary.csv")
    assert len(summary) == 4 and set(summary["n_completed"]) == {2}
    row = summary[(summary["dataset"] == "grid25") & (summary["model"] == "hinge-sn")].iloc[0]
    values = [json.loads((finished_run / f"results/tiny/grid25/hinge-sn/seed{s}/metrics.json").read_text())["metrics"]
              for s in (0, 1)]
    kl = pd.Series([v["reverse_kl"] for v in values])
    assert row["reverse_kl_mean"] == pytest.approx(kl.mean(), rel=1e-5)
    assert row["reverse_kl_std"] == pytest.approx(kl.std(ddof=1), rel=1e-4, abs=1e-9)


def test_report_page_is_self_contained_and_shows_ours_beside_published(finished_run):
    page = (finished_run / "results/tiny/report/index.html").read_text()
    for text in ("ring8", "grid25", "gan-nonsaturating", "hinge-sn", "PacGAN (Lin et al. 2018) Table 1", "Protocol differences"):
        assert text in page
    assert "data:image/png;base64," in page
    assert "src='http" not in page and 'src="http' not in page


def test_second_invocation_has_nothing_to_do(finished_run):
    result = snakemake(finished_run, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_deleting_one_checkpoint_retrains_only_that_run(finished_run):
    (finished_run / "results/tiny/ring8/hinge-sn/seed1/checkpoint.pt").unlink()
    result = snakemake(finished_run, "-n")
    assert planned_jobs(result) == {"train": 1, "sample": 1, "evaluate": 1, "report": 1, "all": 1}
    assert "results/tiny/ring8/hinge-sn/seed1/checkpoint.pt" in result.stdout + result.stderr


def test_bad_config_fails_before_any_job_naming_the_key(tmp_path):
    bad = dict(TINY, training={**TINY["training"], "stepz": 5})
    work = make_workdir(tmp_path, bad)
    result = snakemake(work, check=False)
    assert result.returncode != 0
    assert "training.stepz: unknown key; allowed keys:" in result.stdout + result.stderr
    assert not (work / "results").exists() and not (work / "data").exists()


def test_killed_pipeline_resumes_training_from_its_checkpoint(tmp_path):
    config = dict(TINY, datasets=["ring8"], models=["gan-nonsaturating"], seeds=[0],
                  training={**TINY["training"], "steps": 2000, "checkpoint_every": 100})
    work = make_workdir(tmp_path, config)
    state = work / "results/tiny/ring8/gan-nonsaturating/seed0/resume/state.pt"
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "tiny.yaml"]
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not state.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert state.exists(), "training never wrote its resumable state"
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    assert not (work / "results/tiny/ring8/gan-nonsaturating/seed0/checkpoint.pt").exists()

    snakemake(work)
    log = (work / "logs/tiny/ring8/gan-nonsaturating/seed0/train.log").read_text()
    resumed_from = int(log.rsplit("resumed from step ", 1)[1].split(")")[0])
    assert resumed_from >= 100
    assert json.loads((work / "results/tiny/ring8/gan-nonsaturating/seed0/metrics.json").read_text())["train_steps"] == 2000
