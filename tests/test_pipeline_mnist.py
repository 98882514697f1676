"""End to end on images: the MNIST pipeline on the real digits, tiny (CPU, offline)."""

import json
from pathlib import Path

import pandas as pd
import pytest
from mnist_mirror import MIRROR, needs_mnist
from pipeline_helpers import (
    GOLDEN,
    assert_same_table,
    golden_tolerance,
    make_workdir,
    snakemake,
)

from genlib.io.loss_log import read_curve

pytestmark = pytest.mark.slow


TINY_MNIST = {
    "experiment": "tinymnist",
    "datasets": ["mnist"],
    "models": ["mlp-gan", "cgan", "ddpm-cfg"],
    "seeds": [0, 1],
    "model_overrides": {"ddpm-cfg": {"channels": 8, "timesteps": 50, "sampler_steps": 5}},
    "data": {"mnist": {"mirror": str(MIRROR), "split": "test", "holdout": 300, "max_train": 600}},
    "training": {
        "steps": 6,
        "batch_size": 16,
        "g_channels": 8,
        "d_channels": 8,
        "checkpoint_every": 3,
        "monitor_every": 3,
        "monitor_samples": 40,
    },
    "evaluation": {
        "n_samples": 120,
        "classifier_epochs": 2,
        "kid_subsets": 10,
        "kid_subset_size": 50,
        "grid_size": 16,
        "swd_images": 0,  # SWD is tested in test_swd.py; the golden table holds values of one host only
    },
    "sampler_sweep": {
        "steps": [2, 5],
        "samplers": [{"sampler": "ddim", "eta": 0.0}, {"sampler": "ddpm"}],
        "spacing": "quadratic",
        "n_samples": 30,
    },
    "published": ["config/published/lucic2018.csv", "config/published/ddim.csv"],
    "device": "cpu",
}


@pytest.fixture(scope="module")
def finished_mnist_run(tmp_path_factory) -> Path:
    if MIRROR is None:
        pytest.skip("MNIST test files not found in ../shared/data/mnist nor in $GENLIB_MNIST_MIRROR")
    work = make_workdir(tmp_path_factory.mktemp("mnist"), TINY_MNIST)
    snakemake(work)
    return work


@needs_mnist
def test_tiny_mnist_summary_and_sweep_equal_the_golden_tables(finished_mnist_run):
    """Made before the package was reshaped, and made again when DDIM stopped clipping its predicted x_0 by
    default and the quadratic spacing took the DDIM authors' rounding."""
    report = finished_mnist_run / "results/tinymnist/report"
    for table in ("summary", "sweep"):
        golden = GOLDEN / f"tinymnist-{table}.csv"
        assert_same_table(report / f"{table}.csv", golden, golden_tolerance(golden))


@pytest.mark.parametrize("table", ["tinymnist-summary", "tinymnist-sweep", "tiny-summary"])
def test_a_planted_one_percent_change_in_any_metric_mean_fails_the_golden_comparison_on_its_host(tmp_path, table):
    """What the golden tests can still see on the host the golden values were made on."""
    golden = GOLDEN / f"{table}.csv"
    theirs = pd.read_csv(golden)
    means = [
        c
        for c in theirs.columns
        if c.endswith("_mean") and theirs[c].dtype.kind == "f" and theirs[c].fillna(0).ne(0).any()
    ]
    assert means
    for column in means:
        planted = theirs.copy()
        row = int(planted[column].abs().fillna(0).to_numpy().argmax())
        planted.loc[row, column] *= 1.01
        planted.to_csv(tmp_path / "planted.csv", index=False)
        with pytest.raises(AssertionError, match=f"column {column}"):
            assert_same_table(tmp_path / "planted.csv", golden)
    assert_same_table(golden, golden)


@needs_mnist
def test_mnist_pipeline_writes_image_metrics_with_their_backbone(finished_mnist_run):
    metrics = sorted(finished_mnist_run.glob("results/tinymnist/mnist/*/seed*/metrics.json"))
    assert len(metrics) == 3 * 2
    for path in metrics:
        result = json.loads(path.read_text())
        assert result["status"] == "completed" and result["backbone"] == "classifier"
        m = result["metrics"]
        assert m["fid"] > 0 and 0 <= m["precision"] <= 1 and 0 <= m["recall"] <= 1
        assert 1 <= m["score_mean"] <= 10 and 1 <= m["classes_covered"] <= 10
        assert result["protocol"]["n_generated"] == 120 and result["protocol"]["n_reference"] == 300
        curve = read_curve(path.parent / "fid_curve.csv")  # written by training, beside the loss log
        assert [row["step"] for row in curve] == [0, 3, 6] and all(row["fid"] > 0 for row in curve)
        for picture in ("grid.png", "classes.png", "interpolation.png", "neighbours.png"):
            assert (path.parent / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for conditional in ("cgan", "ddpm-cfg"):
        result = json.loads(
            (finished_mnist_run / f"results/tinymnist/mnist/{conditional}/seed0/metrics.json").read_text()
        )
        assert 0 <= result["metrics"]["label_accuracy"] <= 1


@needs_mnist
def test_mnist_reference_statistics_are_computed_once_and_shared(finished_mnist_run):
    assert sorted(p.name for p in (finished_mnist_run / "data/mnist").glob("reference-*.npz")) == [
        "reference-classifier.npz"
    ]
    log = (finished_mnist_run / "logs/backbone/mnist-classifier.log").read_text()
    assert "accuracy on the reference set" in log


@needs_mnist
def test_mnist_report_ranks_models_by_classifier_fid_apart_from_published_inception_fids(finished_mnist_run):
    summary = pd.read_csv(finished_mnist_run / "results/tinymnist/report/summary.csv")
    assert set(summary["model"]) == {"mlp-gan", "cgan", "ddpm-cfg"} and set(summary["backbone"]) == {"classifier"}
    page = (finished_mnist_run / "results/tinymnist/report/index.html").read_text()
    assert "classifier FID" in page and "Published (own protocol; not ranked with ours)" in page
    assert "the published numbers use inception" in page
    ranked = summary.sort_values("fid_mean")["model"].tolist()
    assert (
        page.index(f"<td>1</td><td>{ranked[0]}</td>")
        < page.index(f"<td>2</td><td>{ranked[1]}</td>")
        < page.index(f"<td>3</td><td>{ranked[2]}</td>")
    )
    assert "src='http" not in page


@needs_mnist
def test_mnist_sampler_sweep_scores_each_sampler_and_step_count_of_the_diffusion_model(finished_mnist_run):
    sweep_dirs = sorted(
        p.parent.relative_to(finished_mnist_run)
        for p in finished_mnist_run.glob("results/tinymnist/mnist/*/seed*/sweep/*/metrics.json")
    )
    tags = ["ddim-eta0-quadratic-S2", "ddim-eta0-quadratic-S5", "ddpm-quadratic-S2", "ddpm-quadratic-S5"]
    assert [str(d) for d in sweep_dirs] == [
        f"results/tinymnist/mnist/ddpm-cfg/seed{s}/sweep/{t}" for s in (0, 1) for t in tags
    ]
    result = json.loads((finished_mnist_run / sweep_dirs[2] / "metrics.json").read_text())
    # The DDPM step clips its predicted x_0, as the DDIM authors' `ddpm_steps`; quadratic S = 2 of T = 50 visits [0, 6].
    assert result["sampler"] == {
        "sampler": "ddpm",
        "sampler_steps": 2,
        "eta": 0.0,
        "spacing": "quadratic",
        "clip_x0": True,
        "network_evaluations": 2,
    }
    assert result["objective"] == "diffusion, DDPM 2 steps" and result["protocol"]["n_generated"] == 30
    assert result["metrics"]["fid"] > 0
    table = pd.read_csv(finished_mnist_run / "results/tinymnist/report/sweep.csv")
    assert sorted(zip(table["sampler"], table["steps"])) == [
        ("DDIM eta=0", 2),
        ("DDIM eta=0", 5),
        ("DDPM (sigma-hat)", 2),
        ("DDPM (sigma-hat)", 5),
    ]
    assert (table["n_seeds"] == 2).all()
    page = (finished_mnist_run / "results/tinymnist/report/index.html").read_text()
    assert "Sampling steps: FID over S" in page
    assert "mnist: FID over sampling steps S; left ours, right the published Table 1 of Song et al. 2021" in page
    assert "dataset: ours mnist, published celeba, cifar10" in page
    # The published sweep rows are not listed in the plain published table of the dataset.
    assert "DDPM (sigma-hat)</td><td>fid" not in page
