"""The model-family interface: a family added through the registry alone trains, samples, is scored and reported.

A new family touches, besides its own module (here, this test file): its settings dataclass, one
registry line (here `registry.register`), its networks, a preset in the catalogue and its published
rows. Nothing in sampling, evaluation, the report or the CLI is edited for it.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from genlib import cli
from genlib.config import paths
from genlib.config.catalogue import DataKind, DataSpec, data_kind
from genlib.config.settings import FAMILY_SETTINGS, bounded, check_bounds, from_dict, to_dict
from genlib.families import registry
from genlib.families.interface import SamplingModel, TrainingData
from genlib.io.atomic import write_json
from genlib.io.checkpoint import load_checkpoint, save_checkpoint
from genlib.io.loss_log import write_loss_rows
from genlib.sampling.samples import draw_samples
from genlib.training.resumable import TrainResult


@dataclass(frozen=True)
class ConstantSettings:
    """A "generator" that always returns the mean of the training data (the simplest possible family)."""

    dataset: str
    model: str
    seed: int
    family: Literal["constant"] = "constant"
    steps: int = bounded(1, minimum=1)  # kept for the report's training-length column

    def __post_init__(self) -> None:
        check_bounds(self)

    @property
    def data_kind(self) -> DataKind:
        return data_kind(self.dataset)

    def data_problem(self, spec: DataSpec) -> str | None:
        return None


class ConstantGenerator(nn.Module):
    """Returns the stored mean for every noise vector."""

    def __init__(self, mean: torch.Tensor):
        super().__init__()
        self.register_buffer("mean", mean)
        self.anchor = nn.Parameter(torch.zeros(()))  # samplers find the device through a parameter

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.mean.expand(len(noise), *self.mean.shape).clone()


class ConstantFamily:
    name = "constant"
    data_kinds = ("points", "images")
    loss_plots = {"distance": "distance to the mean"}
    extra_pictures: dict[str, str] = {}

    def train(self, settings, data: TrainingData, checkpoint_path, losses_path, **options: Any) -> TrainResult:
        mean = data.samples.float().mean(0)
        losses = Path(losses_path).with_suffix(".rows.csv")
        write_loss_rows(losses, [{"step": 1, "distance": float(mean.norm())}], ("step", "distance"))
        Path(losses).replace(losses_path)
        save_checkpoint(
            checkpoint_path,
            {
                "format": "test.constant/1",
                "family": self.name,
                "data_kind": data.spec.kind,
                "settings": to_dict(settings),
                "data_spec": data.spec.to_dict(),
                "step": 1,
                "status": "completed",
                "mean": mean,
            },
        )
        return TrainResult(status="completed", step=1, resumed_from=0, curve=[])

    def settings_of(self, checkpoint: dict[str, Any]) -> ConstantSettings:
        return from_dict(ConstantSettings, checkpoint["settings"])

    def sampling_model(
        self, checkpoint: dict[str, Any], overrides: dict[str, Any] | None = None, *, data_dir=None
    ) -> SamplingModel:
        return SamplingModel(ConstantGenerator(checkpoint["mean"]), (1,), 0)

    def describe(self, settings: dict[str, Any]) -> str:
        return "constant: the training mean"

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {"network": "none", "conditioning": "none"}

    def draw_picture(self, name, checkpoint, data_dir, out, *, device) -> None:
        raise ValueError(f"no picture {name!r}")


@pytest.fixture
def constant_family():
    registry.register(ConstantFamily(), ConstantSettings)
    yield registry.family("constant")
    del registry.FAMILIES["constant"]
    del FAMILY_SETTINGS["constant"]


def test_a_family_added_through_the_registry_trains_samples_is_scored_and_reported(
    tmp_path, constant_family, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write_json("ring8.json", {"name": "ring8", "n_train": 2000, "n_test": 500})
    data = paths.dataset("ring8")
    assert cli.main(["prepare", "--settings", "ring8.json", "--out-dir", data.folder]) == 0
    run = paths.run("families", "ring8", "mean", 0)
    write_json(run.settings, to_dict(ConstantSettings(dataset="ring8", model="mean", seed=0)))
    steps = [
        [
            "train",
            "--settings",
            run.settings,
            "--data",
            data.folder,
            "--checkpoint",
            run.checkpoint,
            "--losses",
            run.losses,
            "--no-progress",
        ],
        [
            "sample",
            "--checkpoint",
            run.checkpoint,
            "--settings",
            run.settings,
            "--n-samples",
            "300",
            "--seed",
            "1",
            "--out",
            run.samples,
        ],
        [
            "evaluate",
            "--samples",
            run.samples,
            "--data",
            data.folder,
            "--metrics",
            run.metrics,
            "--scatter",
            run.scatter,
        ],
        [
            "report",
            "--runs",
            run.folder,
            "--published",
            str(Path(__file__).parents[1] / "config/published/toy2d.csv"),
            "--out-dir",
            paths.experiment("families").report.folder,
        ],
    ]
    for argv in steps:
        assert cli.main(argv) == 0, argv

    training_mean = np.load(data.split("train", "points")).mean(0)
    samples, labels, info, _ = draw_samples(run.checkpoint, 5, seed=0)
    assert np.allclose(samples, training_mean, atol=1e-6) and (labels == -1).all()
    metrics = pd.read_json(run.metrics, typ="series")
    assert metrics["family"] == "constant" and metrics["data_kind"] == "points"
    # Every sample sits at the ring's centre, 1 (100 std) from every mode: no mode, no high-quality sample.
    assert metrics["metrics"]["modes_covered"] == 0 and metrics["metrics"]["high_quality_percent"] == 0.0
    summary = pd.read_csv(paths.experiment("families").report.summary_csv)
    row = summary.set_index("model").loc["mean"]
    assert row["objective"] == "constant: the training mean" and row["n_completed"] == 1
    assert row["frechet_distance_mean"] > 0.4  # the ring's spread (variance 1/2 per axis) is missing entirely
    assert "constant: the training mean" in Path(paths.experiment("families").report.page).read_text()


def _gan_checkpoint(tmp_path: Path) -> Path:
    from genlib.config.catalogue import MODEL_CATALOGUE, point_spec
    from genlib.config.settings import GANSettings
    from genlib.families.gan import train_gan

    settings = GANSettings(
        **{
            **MODEL_CATALOGUE["gan-nonsaturating"],
            "dataset": "ring8",
            "model": "mine",
            "seed": 0,
            "steps": 2,
            "batch_size": 8,
            "g_width": 8,
            "g_depth": 1,
            "d_width": 8,
            "d_depth": 1,
        }
    )
    points = torch.randn(64, 2)
    train_gan(
        settings,
        TrainingData(points, point_spec()),
        tmp_path / "checkpoint.pt",
        tmp_path / "losses.csv",
        progress=False,
    )
    return tmp_path / "checkpoint.pt"


def test_a_checkpoint_of_another_family_than_the_config_says_names_both_and_what_to_do(tmp_path):
    checkpoint = _gan_checkpoint(tmp_path)
    wanted = {"family": "diffusion", "model": "mine", "dataset": "ring8", "seed": 0}
    with pytest.raises(
        ValueError,
        match=r"holds a gan model, but the config's model 'mine' is of family 'diffusion': "
        r"delete .*checkpoint.pt .*to retrain it",
    ):
        draw_samples(checkpoint, 10, seed=0, run_settings=wanted)


def test_a_checkpoint_that_records_no_family_says_to_retrain(tmp_path):
    path = _gan_checkpoint(tmp_path)
    state = load_checkpoint(path)
    del state["family"]
    save_checkpoint(path, state)
    with pytest.raises(ValueError, match=r"records no model family \(it was written by an older genlib\): delete it"):
        draw_samples(path, 10, seed=0)


def test_the_cli_refuses_a_checkpoint_of_another_family_with_one_line(tmp_path, capsys):
    checkpoint = _gan_checkpoint(tmp_path)
    settings = tmp_path / "settings.json"
    write_json(settings, {"family": "diffusion", "model": "mine", "dataset": "ring8", "seed": 0})
    status = cli.main(
        [
            "sample",
            "--checkpoint",
            str(checkpoint),
            "--settings",
            str(settings),
            "--n-samples",
            "4",
            "--seed",
            "0",
            "--out",
            str(tmp_path / "s.npz"),
        ]
    )
    assert status == 2
    assert capsys.readouterr().err.startswith("error: ") and not (tmp_path / "s.npz").exists()


def test_every_registered_family_declares_the_interface():
    for name, family in registry.FAMILIES.items():
        assert family.name == name and name in FAMILY_SETTINGS
        assert set(family.data_kinds) <= set(typing.get_args(DataKind))
        for attribute in ("train", "settings_of", "sampling_model", "describe", "identity", "draw_picture"):
            assert callable(getattr(family, attribute)), (name, attribute)
        assert dataclasses.is_dataclass(FAMILY_SETTINGS[name])
