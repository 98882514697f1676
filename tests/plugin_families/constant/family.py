"""The "constant" family: the running mean of the training batches as a generator (a test of the plug-in folder).

Training averages batches with the template every family shares (genlib.training.template): it
resumes, logs its distance to the batch mean and its state column `shrink`, and monitors like any
family. Its own picture is the mean it learnt, enlarged; it takes one training input (`offset`, an
image the samples are shrunk toward) and one sampling override (`shrink`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.families.interface import FamilyBase, SamplingModel, TrainingData
from genlib.io.mosaic import save_png, tile
from genlib.io.pixels import to_pixels
from genlib.training.resumable import TrainResult
from genlib.training.template import CheckpointFormat, RunTraining, train_resumably

from .settings import ConstantSettings

CHECKPOINT = CheckpointFormat("constant", "test.constant/2")
LOSS_COLUMNS = ("step", "distance", "shrink")


class MeanImage(nn.Module):
    """shrink * mean + (1 - shrink) * offset for every noise vector, in [-1, 1]."""

    def __init__(self, shape: tuple[int, ...], shrink: float = 1.0):
        super().__init__()
        self.mean = nn.Parameter(torch.zeros(shape), requires_grad=False)
        self.register_buffer("offset", torch.zeros(shape))
        self.shrink = shrink

    def forward(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        image = self.shrink * self.mean + (1.0 - self.shrink) * self.offset
        return image.expand(len(noise), *image.shape).clone()


class MeanTraining(RunTraining):
    def __init__(self, settings: ConstantSettings, data: TrainingData, offset: Path | None):
        self.settings, self.spec = settings, data.spec
        self.rng = torch.Generator().manual_seed(settings.seed)
        self.net = MeanImage(data.spec.shape, settings.shrink)
        if offset is not None:
            self.net.offset.copy_(torch.from_numpy(np.load(offset)).float())
        self.samples = data.samples
        self.parts = {"generator": self.net}
        self.watched = (self.net,)

    def iteration(self, step: int) -> tuple[dict[str, float], dict[str, str]]:
        index = torch.randint(0, len(self.samples), (self.settings.batch_size,), generator=self.rng)
        batch_mean = TrainingData.batch_of(self.samples, index).mean(0)
        distance = float((batch_mean - self.net.mean).norm())
        self.net.mean.data += (batch_mean - self.net.mean.data) / step  # the running mean of the batch means
        return {"step": step, "distance": distance, "shrink": self.settings.shrink}, {"d": f"{distance:.3f}"}

    def monitor_view(self, step: int):
        return self.net, lambda net: SamplingModel(net, (1,), 0), {"images": float(step * self.settings.batch_size)}


class ConstantFamily(FamilyBase):
    name = "constant"
    settings_class = ConstantSettings
    data_kinds = ("images",)
    loss_plots = {"distance": "distance to the batch mean"}
    loss_labels = {"distance": "distance to the batch mean"}
    state_columns = ("shrink",)
    state_plots = {"shrink": "the constant family's shrink over training"}
    training_inputs = {"offset": "an image (.npy, C x H x W in [-1, 1]) the samples are shrunk toward"}
    sampling_overrides = ("shrink",)

    def train(self, settings, data, checkpoint_path, losses_path, *, offset=None, **options: Any) -> TrainResult:
        build = lambda accelerator: MeanTraining(settings, data, offset)  # noqa: E731
        return train_resumably(
            CHECKPOINT, settings, data, checkpoint_path, losses_path, build, columns=LOSS_COLUMNS, **options
        )

    def sampling_model(self, checkpoint, overrides=None, *, data_dir=None, use_ema: bool = True) -> SamplingModel:
        settings = dataclasses.replace(self.settings_of(checkpoint), **(overrides or {}))
        spec = DataSpec.from_dict(checkpoint["data_spec"])
        net = MeanImage(spec.shape, settings.shrink)
        net.load_state_dict(checkpoint["generator"])
        return SamplingModel(net.eval(), (1,), 0)

    def describe(self, settings: dict[str, Any]) -> str:
        return f"constant: the training mean x {settings['shrink']:g}"

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {"network": "mean", "conditioning": "none"}

    def draw_picture(self, name, checkpoint, data_dir, out, *, device) -> None:
        if name != "mean":
            raise self.unknown_picture(name)
        mean = to_pixels(checkpoint["generator"]["mean"])
        save_png(tile(mean.numpy()[None], 1), out, scale=4)


FAMILY = ConstantFamily()
