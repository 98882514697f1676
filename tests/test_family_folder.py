"""A model family is one folder: tests/plugin_families/constant, found through GENLIB_FAMILY_DIRS, runs through
prepare, train, sample, evaluate and report of the Snakemake pipeline with no edit anywhere else.

Its folder holds its settings (a bounded field `shrink`, a file it reads `offset`, two presets), its
training (the shared template), its sampling model (one sampling override), its loss labels and
state column for the report, and a picture of its own.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from mnist_mirror import MIRROR, needs_mnist
from pipeline_helpers import make_workdir, snakemake

from genlib.io.loss_log import read_curve

pytestmark = pytest.mark.slow

PLUGINS = Path(__file__).resolve().parent / "plugin_families"
RUN = "results/family-folder/mnist/half-mean/seed0"


def family_config(offset: Path) -> dict:
    return {
        "experiment": "family-folder",
        "datasets": ["mnist"],
        "models": ["half-mean"],  # a preset of the folder's settings.py
        "seeds": [0],
        "model_overrides": {"half-mean": {"offset": str(offset)}},
        "data": {"mnist": {"mirror": str(MIRROR), "split": "test", "holdout": 300, "max_train": 600}},
        "training": {"steps": 30, "batch_size": 16, "checkpoint_every": 10, "monitor_every": 10, "monitor_samples": 50},
        "evaluation": {"n_samples": 100, "classifier_epochs": 1, "kid_subsets": 5, "kid_subset_size": 50},
        "published": ["config/published/lucic2018.csv"],
        "device": "cpu",
    }


@pytest.fixture(scope="module")
def family_run(tmp_path_factory) -> Path:
    if MIRROR is None:
        pytest.skip("MNIST test files not found in ../shared/data/mnist nor in $GENLIB_MNIST_MIRROR")
    root = tmp_path_factory.mktemp("family-folder")
    offset = root / "offset.npy"
    np.save(offset, np.full((1, 28, 28), -1.0, dtype=np.float32))  # black
    work = make_workdir(root, family_config(offset))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENLIB_FAMILY_DIRS", str(PLUGINS))
        snakemake(work)
    return work


def genlib_cli(*args: str, cwd: Path, plugins: Path | None = PLUGINS) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "GENLIB_FAMILY_DIRS"}
    if plugins is not None:
        env["GENLIB_FAMILY_DIRS"] = str(plugins)
    return subprocess.run([sys.executable, "-m", "genlib", *args], cwd=cwd, capture_output=True, text=True, env=env)


@needs_mnist
def test_a_family_folder_runs_through_the_whole_pipeline_and_its_samples_are_what_it_learnt(family_run):
    from genlib.io.checkpoint import load_checkpoint

    run = family_run / RUN
    checkpoint = load_checkpoint(run / "checkpoint.pt")
    assert checkpoint["family"] == "constant" and checkpoint["format"] == "test.constant/2"
    assert checkpoint["settings"]["shrink"] == 0.5 and checkpoint["step"] == 30
    samples = np.load(run / "samples.npz")["samples"]
    mean = checkpoint["generator"]["mean"].numpy()
    expected = np.round((0.5 * mean + 0.5 * -1.0 + 1.0) * 127.5).clip(0, 255)  # halfway to the black offset
    assert samples.shape == (100, 1, 28, 28) and (samples == expected.astype(np.uint8)).all()
    train = np.load(family_run / "data/mnist/train.npz")["images"][:600].astype(np.float64) / 127.5 - 1.0
    assert np.abs(mean - train.mean(0)).max() < 0.25  # 30 batches of 16: near the training mean
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["family"] == "constant" and metrics["objective"] == "constant: the training mean x 0.5"
    assert metrics["metrics"]["fid"] > 0 and metrics["metrics"]["classes_covered"] <= 1  # one image, one class
    summary = (family_run / "results/family-folder/report/summary.csv").read_text()
    assert "half-mean" in summary and "constant: the training mean x 0.5" in summary


@needs_mnist
def test_its_training_input_reaches_it_through_the_workflow(family_run):
    from genlib.io.checkpoint import load_checkpoint

    log = (family_run / "logs/family-folder/mnist/half-mean/seed0/train.log").read_text()
    assert "completed after 30 steps" in log
    offset = load_checkpoint(family_run / RUN / "checkpoint.pt")["generator"]["offset"]
    assert (offset == -1.0).all()  # read from the file the config named, handed over as --input offset=...


@needs_mnist
def test_its_picture_loss_labels_and_state_column_reach_the_report(family_run):
    from PIL import Image

    from genlib.report.page import collect_runs
    from genlib.report.pieces import loss_curves, state_curve

    picture = family_run / RUN / "mean.png"
    assert Image.open(picture).size == (4 * 32, 4 * 32)  # 28 px + the mosaic's border, enlarged 4 times
    losses = (family_run / RUN / "losses.csv").read_text().splitlines()
    assert losses[0] == "step,distance,shrink"
    runs = collect_runs([family_run / RUN])
    assert runs.loc[0, "loss_labels"] == {"distance": "distance to the batch mean"}
    assert runs.loc[0, "state_columns"] == ("shrink",)
    legend = [text.get_text() for text in loss_curves("mnist", runs).axes[0].get_legend().get_texts()]
    assert legend == ["distance to the batch mean"]  # the state column is not drawn as a loss
    (line,) = state_curve("shrink", runs).axes[0].get_lines()  # drawn apart, as its `state_plots` asks
    assert list(line.get_xdata()) == list(range(1, 31)) and set(line.get_ydata()) == {0.5}
    page = (family_run / "results/family-folder/report/index.html").read_text()
    assert "the mean image it learnt, enlarged" in page
    assert "mnist: the constant family&#x27;s shrink over training" in page
    curve = read_curve(family_run / RUN / "fid_curve.csv")  # the monitor's curve, written beside the loss log
    assert [row["step"] for row in curve] == [0, 10, 20, 30] and all(row["fid"] >= 0 for row in curve)


def sample_with(run: Path, override: str, out: Path) -> subprocess.CompletedProcess:
    checkpoint = str(run / "checkpoint.pt")
    arguments = [
        "--checkpoint",
        checkpoint,
        "--n-samples",
        "4",
        "--seed",
        "0",
        "--override",
        override,
        "--out",
        str(out),
    ]
    return genlib_cli("sample", *arguments, cwd=run)


@needs_mnist
def test_its_sampling_override_is_taken_and_an_unknown_one_refused_naming_what_it_takes(family_run, tmp_path):
    from genlib.io.checkpoint import load_checkpoint

    run = family_run / RUN
    made = sample_with(run, "shrink=1.0", tmp_path / "full.npz")
    assert made.returncode == 0, made.stderr
    mean = load_checkpoint(run / "checkpoint.pt")["generator"]["mean"].numpy()
    expected = np.round((mean + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
    assert (np.load(tmp_path / "full.npz")["samples"] == expected).all()
    refused = sample_with(run, "eta=0.5", tmp_path / "refused.npz")
    assert refused.returncode == 2 and not (tmp_path / "refused.npz").exists()
    assert "sampler settings eta do not apply to this checkpoint, a constant model" in refused.stderr
    assert "sampling settings are: shrink" in refused.stderr


@needs_mnist
def test_a_bad_value_of_its_bounded_field_and_a_missing_input_fail_before_any_job(tmp_path):
    offset = tmp_path / "missing.npy"
    config = family_config(offset)
    config["model_overrides"]["half-mean"]["shrink"] = 1.5
    work = make_workdir(tmp_path, config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENLIB_FAMILY_DIRS", str(PLUGINS))
        result = snakemake(work, "-n", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "model_overrides.half-mean.shrink: 1.5 is out of range (maximum 1.0)" in out
    config["model_overrides"]["half-mean"]["shrink"] = 0.5
    (work / "tiny.yaml").write_text(yaml.safe_dump(config))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENLIB_FAMILY_DIRS", str(PLUGINS))
        result = snakemake(work, "-n", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and f"offset {offset} does not exist" in out


def test_a_family_folder_missing_a_piece_fails_at_start_up_naming_the_folder_and_the_piece(tmp_path):
    from pipeline_helpers import ONE_RUN

    broken = tmp_path / "families"
    shutil.copytree(PLUGINS, broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "constant" / "family.py").unlink()
    work = make_workdir(tmp_path, ONE_RUN)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GENLIB_FAMILY_DIRS", str(broken))
        result = snakemake(work, "-n", check=False)
    assert result.returncode != 0
    assert f"family folder {broken / 'constant'} has no family.py" in result.stdout + result.stderr

    (broken / "constant" / "settings.py").write_text("PRESETS = {}\n")
    checked = genlib_cli("check-config", "--config", "tiny.yaml", cwd=work, plugins=broken)
    assert checked.returncode != 0
    assert f"family folder {broken / 'constant'}: settings.py defines no SETTINGS" in checked.stderr
