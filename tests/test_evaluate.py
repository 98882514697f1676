"""Sampling and evaluation of trained runs, including diverged ones."""

import numpy as np
import pytest
import torch

from genlib.config.catalogue import point_spec
from genlib.data.mixtures import ring8
from genlib.evaluation.points import evaluate_mixture_samples
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.gan import objectives
from genlib.io.sample_archive import read_samples, write_samples
from genlib.sampling.samples import draw_samples


def train_tiny(tmp_path, model="gan-nonsaturating"):
    settings = GANSettings(
        **{
            **family_presets()[model],
            "dataset": "ring8",
            "model": model,
            "seed": 0,
            "g_width": 16,
            "g_depth": 2,
            "d_width": 16,
            "d_depth": 2,
            "steps": 5,
            "batch_size": 16,
        }
    )
    data = TrainingData(torch.from_numpy(ring8().sample(256, np.random.default_rng(0))), point_spec())
    train_gan(settings, data, tmp_path / "checkpoint.pt", tmp_path / "losses.csv", progress=False)
    return tmp_path / "checkpoint.pt"


def test_sampling_is_deterministic_in_its_seed_and_round_trips_through_the_archive(tmp_path):
    checkpoint = train_tiny(tmp_path)
    a, _labels, info, _ = draw_samples(checkpoint, 100, seed=1)
    b, _labels, _, _ = draw_samples(checkpoint, 100, seed=1)
    c, _labels, _, _ = draw_samples(checkpoint, 100, seed=2)
    assert a.shape == (100, 2) and np.array_equal(a, b) and not np.array_equal(a, c)
    write_samples(tmp_path / "s.npz", a, info)
    back, back_info = read_samples(tmp_path / "s.npz")
    assert np.array_equal(back, a) and back_info == info and info["step"] == 5


def test_evaluation_of_perfect_samples_reports_the_protocol():
    dist = ring8()
    rng = np.random.default_rng(0)
    info = {
        "family": "gan",
        "data_kind": "points",
        "status": "completed",
        "step": 9,
        "settings": {
            "dataset": "ring8",
            "model": "m",
            "seed": 0,
            "objective": "hinge",
            "network": "mlp",
            "conditioning": "none",
        },
    }
    reference = dist.sample(1000, rng)
    result = evaluate_mixture_samples(dist.sample(2500, rng), info, dist, reference)
    assert result["metrics"]["modes_covered"] == 8 and result["metrics"]["n_modes"] == 8
    assert result["metrics"]["high_quality_percent"] == pytest.approx(98.9, abs=1.0)
    assert result["metrics"]["frechet_distance"] < 0.01
    # All mass on one mode: ||mode||^2 = 1 plus the reference's total variance of about 1.
    collapsed = np.repeat(dist.modes[:1].astype(np.float32), 2500, axis=0)
    assert evaluate_mixture_samples(collapsed, info, dist, reference)["metrics"]["frechet_distance"] == pytest.approx(
        2.0, abs=0.1
    )
    assert result["protocol"]["n_generated"] == 2500 and result["protocol"]["n_reference"] == 1000
    assert result["train_steps"] == 9 and result["status"] == "completed"


def test_diverged_run_flows_through_sampling_and_evaluation_as_a_result(tmp_path, monkeypatch):
    pair = objectives.ObjectivePair(objectives.minimax_discriminator_loss, lambda fake: fake.mean() * float("inf"))
    monkeypatch.setitem(objectives.OBJECTIVES, "nonsaturating", pair)
    checkpoint = train_tiny(tmp_path)
    samples, _labels, info, _ = draw_samples(checkpoint, 100, seed=1)
    assert samples.shape == (0, 2) and info["status"] == "diverged" and info["diverged_at_step"] == 1
    dist = ring8()
    result = evaluate_mixture_samples(samples, info, dist, dist.sample(100, np.random.default_rng(0)))
    assert result["status"] == "diverged" and result["metrics"] is None


def test_non_finite_samples_are_reported_as_diverged():
    dist = ring8()
    info = {
        "family": "gan",
        "data_kind": "points",
        "status": "completed",
        "step": 3,
        "settings": {
            "dataset": "ring8",
            "model": "m",
            "seed": 0,
            "objective": "hinge",
            "network": "mlp",
            "conditioning": "none",
        },
    }
    samples = np.full((10, 2), np.nan, dtype=np.float32)
    result = evaluate_mixture_samples(samples, info, dist, dist.sample(100, np.random.default_rng(0)))
    assert result["status"] == "diverged" and result["metrics"] is None


def test_samples_from_another_checkpoint_than_the_one_given_are_refused(tmp_path, capsys):
    from genlib import cli
    from genlib.io.sample_archive import write_samples

    checkpoint = tmp_path / "checkpoint.pt"
    checkpoint.write_bytes(b"the checkpoint as it is now")
    write_samples(tmp_path / "samples.npz", np.zeros((4, 2), np.float32), {"checkpoint_sha256": "0" * 64})
    status = cli.main(
        [
            "evaluate",
            "--samples",
            str(tmp_path / "samples.npz"),
            "--checkpoint",
            str(checkpoint),
            "--data",
            str(tmp_path),
            "--metrics",
            str(tmp_path / "metrics.json"),
        ]
    )
    error = capsys.readouterr().err
    assert status == 2 and "were drawn from a checkpoint with SHA-256 000000000000, but" in error
    assert "it changed after sampling" in error and not (tmp_path / "metrics.json").exists()


def test_the_sample_job_records_the_runs_identity_and_scoring_2d_samples_imports_no_torch(tmp_path):
    """The family is decided once, at sampling; evaluation reads it from the archive, so a 2-D evaluate job
    starts without torch (about 3 s of CPU per job in the default run)."""
    import subprocess
    import sys

    from genlib.families.registry import run_identity

    checkpoint = train_tiny(tmp_path)
    samples, _, info, _ = draw_samples(checkpoint, 50, seed=1)
    identity = info["identity"]
    assert identity == run_identity(info) and identity["family"] == "gan" and identity["model"] == "gan-nonsaturating"
    result = evaluate_mixture_samples(
        samples,
        {**info, "identity": {**identity, "objective": "as recorded"}},
        ring8(),
        ring8().sample(100, np.random.default_rng(3)),
    )
    assert result["objective"] == "as recorded"
    code = "import sys, genlib.cli, genlib.evaluation.points, genlib.io.figures; print('torch' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
