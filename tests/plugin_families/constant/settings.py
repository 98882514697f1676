"""Settings of the "constant" family: a generator that returns the training mean (torch-free).

This folder is a whole model family kept outside the package: the pipeline finds it through
GENLIB_FAMILY_DIRS (genlib.families.discovery) with no edit anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from genlib.config.catalogue import DataSpec
from genlib.config.run_settings import RunSettings
from genlib.config.validation import bounded, check_bounds


@dataclass(frozen=True)
class ConstantSettings(RunSettings):
    """A running mean of training batches, drawn back as every sample (shrunk toward mid-grey)."""

    extra_pictures: ClassVar[dict[str, str]] = {"mean": "the mean image it learnt, enlarged"}

    dataset: str
    model: str
    seed: int
    family: Literal["constant"] = "constant"
    shrink: float = bounded(1.0, minimum=0.0, maximum=1.0)  # samples = shrink * mean + (1 - shrink) * offset
    offset: str | None = None  # .npy image (C x H x W in [-1, 1]) the samples are shrunk toward; None: zeros
    batch_size: int = bounded(128, minimum=1)
    steps: int = bounded(2000, minimum=1)  # optimiser steps
    checkpoint_every: int = bounded(500, minimum=1)  # write a resumable checkpoint every this many steps
    log_every: int = bounded(1, minimum=1)  # write a loss row every this many steps
    divergence_bound: float | None = bounded(1e6, exclusive_minimum=0.0)
    monitor_every: int = bounded(0, minimum=0)  # images: FID of a small sample every this many steps; 0: off
    monitor_samples: int = bounded(1000, minimum=2)  # samples per point of that curve

    def __post_init__(self) -> None:
        check_bounds(self)

    def training_inputs(self, experiment: str) -> dict[str, str]:
        return {"offset": self.offset} if self.offset else {}

    def run_problem(self, models: list[str], spec: DataSpec) -> str | None:
        if self.offset and not Path(self.offset).is_file():
            return f"offset {self.offset} does not exist: give an .npy image of shape {spec.shape}, or remove offset"
        return None


PRESETS = {"mean": {"shrink": 1.0}, "half-mean": {"shrink": 0.5}}


SETTINGS = ConstantSettings
