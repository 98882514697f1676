"""End to end: the Snakemake pipeline on a tiny 2-D config in a temporary folder (CPU, offline)."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from pipeline_helpers import (
    GOLDEN,
    ONE_RUN,
    TINY,
    assert_same_table,
    git,
    make_workdir,
    planned_jobs,
    snakemake,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    work = make_workdir(tmp_path_factory.mktemp("pipeline"), TINY)
    snakemake(work)
    return work


def test_pipeline_writes_metrics_for_every_run(finished_run):
    metrics = sorted(finished_run.glob("results/tiny/*/*/seed*/metrics.json"))
    assert len(metrics) == 2 * 3 * 2
    for path in metrics:
        result = json.loads(path.read_text())
        assert result["status"] == "completed" and result["train_steps"] == 20
        assert 0 <= result["metrics"]["modes_covered"] <= result["metrics"]["n_modes"]
        assert result["protocol"]["n_generated"] == 300
        assert (path.parent / "scatter.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tiny_run_summary_equals_the_golden_summary(finished_run):
    """Behaviour pinned: the summary of this tiny run (2-D GANs and DDPM), as assert_same_table compares. Made
    before the package was reshaped, and made again when the reverse KL came to count high-quality samples
    only (as the PacGAN authors' code; these 20-step runs mostly have none, so it is mostly empty)."""
    assert_same_table(finished_run / "results/tiny/report/summary.csv", GOLDEN / "tiny-summary.csv")


def test_every_metrics_file_carries_its_provenance(finished_run):
    import hashlib
    from importlib import metadata

    from genlib.experiment import config_hash, load_config

    commit = git(finished_run, "rev-parse", "HEAD")
    config_sha256 = config_hash(load_config(finished_run / "results/tiny/config.yaml"))
    for path in sorted(finished_run.glob("results/tiny/*/*/seed*/metrics.json")):
        provenance = json.loads(path.read_text())["provenance"]
        checkpoint = hashlib.sha256((path.parent / "checkpoint.pt").read_bytes()).hexdigest()
        assert provenance["checkpoint_sha256"] == checkpoint
        assert provenance["git_commit"] == commit and provenance["git_dirty"] is False
        assert provenance["settings_sha256"] == hashlib.sha256((path.parent / "settings.json").read_bytes()).hexdigest()
        assert provenance["versions"]["torch"] == metadata.version("torch")
        assert provenance["versions"]["torchmetrics"] == metadata.version("torchmetrics")
        assert provenance["device"].startswith("cpu") and provenance["train_device"].startswith("cpu")
    page = (finished_run / "results/tiny/report/index.html").read_text()
    assert checkpoint[:16] in page and commit in page and config_sha256[:16] in page
    assert "not every run was scored under its settings" not in page


def test_report_summary_is_the_mean_and_std_of_the_run_metrics(finished_run):
    summary = pd.read_csv(finished_run / "results/tiny/report/summary.csv")
    assert len(summary) == 6 and set(summary["n_completed"]) == {2}
    assert "diffusion, DDIM 10 steps, eta 0" in set(summary["objective"])
    row = summary[(summary["dataset"] == "grid25") & (summary["model"] == "hinge-sn")].iloc[0]
    values = [
        json.loads((finished_run / f"results/tiny/grid25/hinge-sn/seed{s}/metrics.json").read_text())["metrics"]
        for s in (0, 1)
    ]
    kl = pd.Series([v["reverse_kl"] for v in values])
    assert row["reverse_kl_mean"] == pytest.approx(kl.mean(), rel=1e-5)
    assert row["reverse_kl_std"] == pytest.approx(kl.std(ddof=1), rel=1e-4, abs=1e-9)


def test_report_page_is_self_contained_and_shows_ours_beside_published(finished_run):
    page = (finished_run / "results/tiny/report/index.html").read_text()
    for text in (
        "ring8",
        "grid25",
        "gan-nonsaturating",
        "hinge-sn",
        "PacGAN (Lin et al. 2018) Table 1",
        "Protocol differences",
    ):
        assert text in page
    assert "data:image/png;base64," in page
    assert "src='http" not in page and 'src="http' not in page


def test_snakemake_report_holds_the_rule_graph_run_times_and_captioned_figures(finished_run):
    snakemake(finished_run, "--report", "report.html")
    page = (finished_run / "report.html").read_text()
    assert "train_points" in page and "evaluate_points" in page  # rules of the graph and their run times
    assert "modes are marked" in page and "2-D samples" in page  # the scatter plots with their caption
    assert "provenance (commit, config hash, checkpoint hashes)" in page  # the comparison page, captioned


def test_every_job_log_ends_with_its_usage_and_genlib_usage_sums_them_per_stage(finished_run):
    result = subprocess.run(
        [sys.executable, "-m", "genlib", "usage", "logs"], cwd=finished_run, capture_output=True, text=True, check=True
    )
    rows = {line.split("|")[1].strip(): line.split("|")[2:] for line in result.stdout.splitlines()[2:]}
    runs = 2 * 3 * 2
    assert {stage: int(cells[0]) for stage, cells in rows.items() if stage in ("train", "sample", "evaluate")} == {
        "train": runs,
        "sample": runs,
        "evaluate": runs,
    }
    assert int(rows["prepare"][0]) == 2 and int(rows["report"][0]) == 1
    assert all(float(cells[2]) > 0 for cells in rows.values())  # CPU seconds of every stage
    assert not list(finished_run.glob("benchmarks/tiny/**/*.tsv"))  # per-run jobs are not polled by Snakemake


def test_second_invocation_has_nothing_to_do(finished_run):
    result = snakemake(finished_run, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_adding_a_seed_plans_only_the_new_seeds_jobs_and_the_report(finished_run):
    (finished_run / "tiny-3-seeds.yaml").write_text(yaml.safe_dump(dict(TINY, seeds=[0, 1, 2])))
    result = snakemake(finished_run, "-n", configfile="tiny-3-seeds.yaml")
    new_runs = 2 * 3  # datasets x models of seed 2
    per_run = {
        "run_settings": new_runs,
        "train_points": new_runs,
        "sample_points": new_runs,
        "evaluate_points": new_runs,
    }
    assert planned_jobs(result) == {**per_run, "resolved_config": 1, "report": 1, "all": 1}
    planned = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.strip().startswith("output: ")]
    assert planned and not any("seed0" in files or "seed1" in files for files in planned)


def test_deleting_one_checkpoint_retrains_only_that_run(finished_run):
    (finished_run / "results/tiny/ring8/hinge-sn/seed1/checkpoint.pt").unlink()
    result = snakemake(finished_run, "-n")
    assert planned_jobs(result) == {"train_points": 1, "sample_points": 1, "evaluate_points": 1, "report": 1, "all": 1}
    assert "results/tiny/ring8/hinge-sn/seed1/checkpoint.pt" in result.stdout + result.stderr


PACKED = {
    "experiment": "packed",
    "datasets": ["ring8"],
    "models": ["pg1", "pg2"],
    "seeds": [0, 1],
    "batch_seeds": True,
    "reproduces": {"pg1": "GAN", "pg2": "PacGAN2"},
    "reproduction_notes": ["SHORTENED: 10 iterations"],
    "custom_models": {
        "pg1": {"objective": "nonsaturating", "network": "pacgan", "packing": 1, "batch_size": 20},
        "pg2": {"objective": "nonsaturating", "network": "pacgan", "packing": 2, "batch_size": 40},
    },
    "data": {"ring8": {"n_train": 2000, "n_test": 500}},
    "training": {"steps": 10, "g_width": 16, "g_depth": 2, "d_width": 8, "d_depth": 2, "updates": "simultaneous"},
    "evaluation": {"n_samples": 200},
}


def test_batch_seeds_trains_each_variant_in_one_job_and_the_report_prints_the_reproduced_table(tmp_path):
    work = make_workdir(tmp_path, PACKED)
    snakemake(work)
    for model in ("pg1", "pg2"):  # one training job per model, none per seed
        assert (work / f"logs/packed/ring8/{model}/train-group.log").read_text().startswith("training 2 runs as one")
        assert not list((work / f"logs/packed/ring8/{model}").glob("seed*/train.log"))
        for seed in (0, 1):
            metrics = json.loads((work / f"results/packed/ring8/{model}/seed{seed}/metrics.json").read_text())
            assert metrics["status"] == "completed" and metrics["train_steps"] == 10
    table = pd.read_csv(work / "results/packed/report/reproduction.csv")
    assert sorted(set(table["method"])) == ["GAN", "PacGAN2"]
    assert set(table["metric"]) == {"modes_covered", "high_quality_percent", "reverse_kl"}
    assert (table["ours_seeds"] <= 2).all()
    page = (work / "results/packed/report/index.html").read_text()
    assert "Published table reproduced" in page and "SHORTENED: 10 iterations" in page


def test_batch_seeds_names_the_models_it_cannot_batch_in_the_dry_run_and_trains_them_one_job_per_seed(tmp_path):
    config = dict(ONE_RUN, models=["gan-nonsaturating", "hinge-sn"], seeds=[0, 1], batch_seeds=True)
    work = make_workdir(tmp_path, config)
    result = snakemake(work, "-n")
    assert (
        "batch_seeds: hinge-sn on ring8 is not batched: the batched trainer takes no spectral_norm (nor any of"
        in result.stderr
    )
    assert "gan-nonsaturating on ring8 is not batched" not in result.stderr
    jobs = planned_jobs(result)
    assert jobs["train_points_group"] == 1 and jobs["train_points"] == 2


def test_bad_config_fails_before_any_job_naming_the_key(tmp_path):
    bad = dict(TINY, training={**TINY["training"], "stepz": 5})
    work = make_workdir(tmp_path, bad)
    result = snakemake(work, check=False)
    assert result.returncode != 0
    assert "training.stepz: unknown key; allowed keys:" in result.stdout + result.stderr
    assert not (work / "results").exists() and not (work / "data").exists()


def test_a_config_file_with_a_key_given_twice_fails_before_any_job_naming_file_and_line(tmp_path):
    work = make_workdir(tmp_path, TINY)
    text = (work / "tiny.yaml").read_text()
    (work / "tiny.yaml").write_text(text + "models: [wgan]\n")  # Snakemake alone would keep this one silently
    result = snakemake(work, check=False)
    assert result.returncode != 0
    assert "tiny.yaml:" in result.stderr and "key 'models' appears twice in one mapping (first at line" in result.stderr
    assert not (work / "results").exists() and not (work / "data").exists()
