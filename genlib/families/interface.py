"""What every model family offers the pipeline: train, load for sampling, describe, and its own pictures.

A family is one module under genlib.families holding one object that satisfies `Family`; the
registry (genlib.families.registry) maps the `family` key of a run's settings to it. Everything
outside genlib.families reaches a family only through this interface, so a new family needs no
edit in the sampling, evaluation or report code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from genlib.config.catalogue import DataKind
from genlib.config.validation import from_dict
from genlib.data.training_data import TrainingData
from genlib.training.device import Accelerator
from genlib.training.resumable import TrainResult


@dataclass
class SamplingModel:
    """A trained model as a generator: `generator(x, labels)` returns samples in the data's range.

    A generative model draws from noise x of shape (N, *noise_shape), with (N,) class labels when
    `num_classes` > 0. A translator maps fixed held-out inputs (`inputs`, domain A in [-1, 1]) and
    the labels it draws are their source labels, so that a classifier can check that an output kept
    its input's class; for paired data `targets` holds the true translation of each input. `draw`
    gives whichever the model takes, so sampling and evaluation treat every family alike.
    """

    generator: nn.Module
    noise_shape: tuple[int, ...]  # one noise sample: (latent_dim,) for a GAN, the data's shape for diffusion
    num_classes: int  # classes the generator is conditioned on; 0: unconditional
    inputs: torch.Tensor | None = None  # a translator's held-out inputs (M, C, h, w) in [-1, 1]
    input_labels: torch.Tensor | None = None  # (M,) their labels (-1: unlabelled)
    targets: torch.Tensor | None = None  # paired: uint8 (M, C, H, W), the true output for each input
    round_trip: nn.Module | None = None  # CycleGAN: the map back, B -> A, whose reconstructions are scored

    def to(self, device: torch.device) -> SamplingModel:
        self.generator = self.generator.to(device)
        if self.round_trip is not None:
            self.round_trip = self.round_trip.to(device)
        return self

    def draw(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Generator inputs of n samples and the labels they are drawn for (None: unconditional).

        Noise and balanced class labels from `rng`, or the held-out inputs in order, cycled to n.
        """
        if self.inputs is not None:
            index = self.cycled(n)
            labels = None if self.input_labels is None else self.input_labels[index]
            return self.inputs[index], labels
        noise = torch.randn(n, *self.noise_shape, generator=rng)
        if not self.num_classes:
            return noise, None
        labels = torch.arange(n) % self.num_classes  # each class n / K times, in seeded order
        return noise, labels[torch.randperm(n, generator=rng)]

    def drawn_targets(self, n: int) -> torch.Tensor | None:
        """The true outputs of the first n drawn inputs (paired translators), else None."""
        return None if self.targets is None else self.targets[self.cycled(n)]

    def cycled(self, n: int) -> torch.Tensor:
        return torch.arange(n) % len(self.inputs)


def sampled_weights(checkpoint: dict[str, Any], trained: str, *, use_ema: bool = True) -> dict[str, torch.Tensor]:
    """The weights samples are drawn with: the EMA copy when the checkpoint has one (and it is wanted), else `trained`."""
    return checkpoint["ema"] if use_ema and checkpoint.get("ema") is not None else checkpoint[trained]


# Called every `monitor_every` steps with the model being trained; returns one row of a curve (e.g. FID).
Monitor = Callable[[SamplingModel], dict[str, float]]


class Family(Protocol):
    """The small interface of a model family (cf. the model classes of junyanz/pytorch-CycleGAN-and-pix2pix)."""

    name: str  # the settings' `family` key
    data_kinds: tuple[DataKind, ...]  # kinds of data it trains on
    loss_plots: dict[str, str]  # loss-log columns worth a plot of their own, column -> title
    loss_labels: dict[str, str]  # loss-log columns -> their label in the report's loss curves
    state_columns: tuple[str, ...]  # loss-log columns that are training state, not losses (drawn apart or not at all)
    state_plots: dict[str, str]  # state columns the report draws over training, column -> the figure's caption
    extra_pictures: dict[str, str]  # images only: picture name -> caption (its settings class declares them)
    training_inputs: dict[str, str]  # files `train` takes besides the data (keyword -> what it is): `--input NAME=PATH`
    sampling_overrides: tuple[str, ...]  # settings a sampler may replace at sampling time: `--override KEY=VALUE`

    def train(
        self,
        settings: Any,
        data: TrainingData,
        checkpoint_path: str | Path,
        losses_path: str | Path,
        *,
        accelerator: Accelerator | None = None,
        monitor: Monitor | None = None,
        on_step: Callable[[int], None] | None = None,
        progress: bool = True,
    ) -> TrainResult:
        """Train one run, resumably; write its final checkpoint and loss log atomically."""
        ...

    def settings_of(self, checkpoint: dict[str, Any]) -> Any:
        """The settings dataclass stored in a checkpoint of this family."""
        ...

    def sampling_model(
        self, checkpoint: dict[str, Any], overrides: dict[str, Any] | None = None, *, data_dir: Path | None = None
    ) -> SamplingModel:
        """The checkpoint's trained model as a generator (its EMA copy when there is one), in eval mode.

        `overrides` replaces settings that only affect sampling (a diffusion model's sampler); a family
        without such settings refuses them. `data_dir` is the prepared dataset the run trained on: a
        family whose samples start from held-out data (a translator's test inputs) reads them there.
        """
        ...

    def describe(self, settings: dict[str, Any]) -> str:
        """One phrase for tables: a GAN's objective, a diffusion model's sampler."""
        ...

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Family-specific fields of a run's identity in its metrics file (network, conditioning, sampler)."""
        ...

    def draw_picture(
        self, name: str, checkpoint: dict[str, Any], data_dir: Path, out: Path, *, device: torch.device
    ) -> None:
        """Draw the extra picture `name` (a key of `extra_pictures`) from a checkpoint and its prepared dataset."""
        ...


class FamilyBase:
    """What a family inherits unless it says otherwise: no extra pictures, inputs, sampling overrides, state
    columns or state plots; its settings read from a checkpoint as its `settings_class`; a picture it does not draw refused."""

    name: str
    settings_class: type  # the dataclass of its settings.py
    loss_labels: dict[str, str] = {}
    state_columns: tuple[str, ...] = ()
    state_plots: dict[str, str] = {}
    training_inputs: dict[str, str] = {}
    sampling_overrides: tuple[str, ...] = ()

    @property
    def extra_pictures(self) -> dict[str, str]:
        """The pictures its settings class declares (torch-free, for the workflow), name -> caption."""
        return self.settings_class.extra_pictures

    def settings_of(self, checkpoint: dict[str, Any]) -> Any:
        """The settings dataclass stored in a checkpoint of this family."""
        return from_dict(self.settings_class, checkpoint["settings"], where="checkpoint settings")

    def train_group(
        self,
        settings_list: list[Any],
        data: TrainingData,
        checkpoint_paths: list[str | Path],
        losses_paths: list[str | Path],
        **options: Any,
    ) -> list[TrainResult]:
        """Train runs that differ only in their seed as one batched job, each written as `train` writes it (a
        family with a batched trainer says on which data kinds: its settings' `batched_kinds`)."""
        raise ValueError(f"the {self.name} family has no batched trainer; train its runs one per job (train verb)")

    def draw_picture(
        self, name: str, checkpoint: dict[str, Any], data_dir: Path, out: Path, *, device: torch.device
    ) -> None:
        raise self.unknown_picture(name)

    def unknown_picture(self, name: str) -> ValueError:
        """The error for a picture this family does not draw, naming those it does."""
        return ValueError(
            f"the {self.name} family draws no picture {name!r}; allowed values: {', '.join(self.extra_pictures) or 'none'}"
        )
