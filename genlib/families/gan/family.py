"""The GAN family: adversarial training, seeded and resumable, with a per-step loss log.

Each iteration is `n_critic` discriminator steps followed by `g_steps` (usually one) generator steps
(Goodfellow et al. 2014, Algorithm 1, with k = n_critic as in Arjovsky et al. 2017, Algorithm 1);
the steps are in genlib.gan.step and the objectives in genlib.gan.objectives. Options that change
only what D sees are wrappers of D: packing (genlib.networks.pacgan) and Diffusion-GAN's adaptive
instance noise (genlib.gan.diffusion_gan, adapted after every iteration; its state is part of D's
state dict). All randomness (initialisation, batches, noise, dropout) comes from the run's seed,
and the resumable checkpoint holds every random state, so a run interrupted and resumed ends with
the same parameters as one trained straight through.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.families.gan.batched import train_gan_group
from genlib.families.gan.networks import build_discriminator, build_generator
from genlib.families.gan.run_parts import CHECKPOINT, DIFFUSION_COLUMNS, build_optimizer, loss_columns
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import FamilyBase, SamplingModel, TrainingData, sampled_weights
from genlib.gan.diffusion_gan import diffused
from genlib.gan.objectives import objective
from genlib.gan.step import Adversaries, discriminator_step, generator_step, simultaneous_step
from genlib.networks.batch_statistics import BatchStatisticsSampler
from genlib.training.device import Accelerator
from genlib.training.ema import standing_statistics, update_ema
from genlib.training.resumable import (
    TrainResult,
)
from genlib.training.template import RunTraining, train_resumably

log = logging.getLogger(__name__)


class AdversarialTraining(RunTraining):
    """The state of one GAN run in training: networks, optimisers, EMA, data and random generator."""

    def __init__(self, settings: GANSettings, data: TrainingData, accelerator: Accelerator):
        self.settings, self.spec, self.accelerator = settings, data.spec, accelerator
        self.device = device = accelerator.device
        torch.manual_seed(settings.seed)  # initialisation and dropout
        self.rng = torch.Generator(device=device).manual_seed(settings.seed)  # batches, noise, penalty interpolation
        generator = accelerator.prepare(build_generator(settings, self.spec))
        discriminator = accelerator.prepare(build_discriminator(settings, self.spec))
        # Diffusion-GAN: D sees real and generated samples diffused to an adaptive timestep (Wang et al. 2023).
        self.instance_noise = diffused(discriminator, settings, self.rng) if settings.diffusion_gan else None
        if self.instance_noise is not None:
            discriminator = self.instance_noise
        self.nets = Adversaries(
            generator,
            discriminator,
            opt_g=build_optimizer(generator.parameters(), settings, settings.lr_g),
            opt_d=build_optimizer(discriminator.parameters(), settings, settings.lr_d),
            objective=objective(settings.objective),
            latent_dim=settings.latent_dim,
            penalty_weight=settings.gradient_penalty,
            weight_clip=settings.weight_clip,
            packing=settings.packing,
            generator_slots=settings.packing if settings.per_slot_generation else 1,
            instance_noise=self.instance_noise,
        )
        self.ema = copy.deepcopy(generator).requires_grad_(False) if settings.ema_decay is not None else None
        self.samples = data.samples.to(device)
        conditional = data.labels is not None and settings.conditioning != "none"
        self.labels = data.labels.to(device) if conditional else None
        self.parts = {
            "generator": generator,
            "discriminator": discriminator,
            "ema": self.ema,
            "opt_g": self.nets.opt_g,
            "opt_d": self.nets.opt_d,
        }
        self.watched = (generator, discriminator)

    def real_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A minibatch of real samples (and their labels) drawn with replacement."""
        n = self.samples.shape[0]
        index = torch.randint(0, n, (self.settings.batch_size,), generator=self.rng, device=self.device)
        return TrainingData.batch_of(self.samples, index), None if self.labels is None else self.labels[index]

    def generator_labels(self) -> torch.Tensor | None:
        """Labels of generated samples, following the data's class frequencies."""
        if self.labels is None:
            return None
        n = self.samples.shape[0]
        return self.labels[torch.randint(0, n, (self.settings.batch_size,), generator=self.rng, device=self.device)]

    def iteration(self, step: int) -> tuple[dict[str, float], dict[str, str]]:
        """One iteration of Algorithm 1: k = n_critic discriminator steps, then one generator step."""
        settings, rng, accelerator = self.settings, self.rng, self.accelerator
        if settings.updates == "simultaneous":
            d_loss, g_loss = simultaneous_step(self.nets, *self.real_batch(), rng=rng, accelerator=accelerator)
            if self.ema is not None:
                update_ema(self.ema, self.nets.generator, settings.ema_decay)
            row = {"step": step, "d_loss": d_loss, "g_loss": g_loss, "penalty": 0.0}
            return self.with_diffusion(row), {"d": f"{d_loss:.3f}", "g": f"{g_loss:.3f}"}
        # shared_noise: one draw for the D step and the G steps, as the PacGAN authors' Stacked MNIST code
        shared = None
        if settings.shared_noise:
            shared = torch.randn(settings.batch_size, settings.latent_dim, generator=rng, device=self.device)
        d_results = [
            discriminator_step(self.nets, *self.real_batch(), rng=rng, accelerator=accelerator, noise=shared)
            for _ in range(settings.n_critic)
        ]
        labels = self.generator_labels()
        # More than one generator step reuses one noise batch, as the PacGAN authors' Table 2 code does.
        noise = shared
        if noise is None and settings.g_steps > 1:
            noise = torch.randn(settings.batch_size, settings.latent_dim, generator=rng, device=self.device)
        for _ in range(settings.g_steps):
            g_loss = generator_step(
                self.nets,
                settings.batch_size,
                labels,
                rng=rng,
                accelerator=accelerator,
                device=self.device,
                noise=noise,
            )
        if self.ema is not None:
            update_ema(self.ema, self.nets.generator, settings.ema_decay)
        row = {
            "step": step,
            "d_loss": sum(d for d, _ in d_results) / settings.n_critic,
            "g_loss": g_loss,
            "penalty": sum(p for _, p in d_results) / settings.n_critic,
        }
        return self.with_diffusion(row), {"d": f"{row['d_loss']:.3f}", "g": f"{row['g_loss']:.3f}"}

    def with_diffusion(self, row: dict[str, float]) -> dict[str, float]:
        """Diffusion-GAN: adapt T after the iteration, and log p and T beside the losses."""
        if self.instance_noise is None:
            return row
        self.instance_noise.adapt()
        return {**row, "diffusion_p": float(self.instance_noise.p), "diffusion_T": float(self.instance_noise.T)}

    def sampled_network(self, step: int) -> torch.nn.Module:
        """The generator that samples are drawn from at `step`: the EMA copy when there is one, with
        batch-norm statistics of its own (`standing_statistics`), else the live generator."""
        if self.ema is None:
            return self.nets.generator
        settings, device = self.settings, self.device
        # Noise (and labels) of their own, seeded by run and step: the training streams are not touched,
        # and the same step always gives the same statistics (after a resume too).
        rng = torch.Generator(device=device).manual_seed(settings.seed * 1_000_003 + step)
        n = self.samples.shape[0]

        def forward_pass(_: int) -> None:
            noise = torch.randn(settings.batch_size, settings.latent_dim, generator=rng, device=device)
            labels = None
            if self.labels is not None:
                labels = self.labels[torch.randint(0, n, (settings.batch_size,), generator=rng, device=device)]
            with self.accelerator.autocast():
                self.ema(noise, labels)

        standing_statistics(self.ema, forward_pass)
        return self.ema

    def monitor_view(self, step: int) -> tuple[nn.Module, Callable[[nn.Module], SamplingModel], dict[str, float]]:
        """The sampled generator, and the real images the discriminator has seen: the x-axis that compares runs
        of different n_critic."""
        shown = {"images": float(step * self.settings.batch_size * self.settings.n_critic)}
        return self.sampled_network(step), lambda net: _sampling_model(net, self.settings, self.spec), shown

    def before_close(self, step: int, status: str) -> None:
        self.sampled_network(step)  # the EMA generator's own batch-norm statistics, saved with it


def train_gan(
    settings: GANSettings,
    data: TrainingData,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    **options: Any,
) -> TrainResult:
    """Train one GAN on `data` and write its final checkpoint and loss log atomically (resumably).

    `options` are those of genlib.training.template.train_resumably (accelerator, monitor, on_step,
    progress); the monitor sees the sampled generator in eval mode.
    """
    build = lambda accelerator: AdversarialTraining(settings, data, accelerator)  # noqa: E731
    columns = loss_columns(settings)
    return train_resumably(CHECKPOINT, settings, data, checkpoint_path, losses_path, build, columns=columns, **options)


def _sampling_model(generator: torch.nn.Module, settings: GANSettings, spec: DataSpec) -> SamplingModel:
    """The generator as a sampling model; with sampling_batch_norm "batch", normalised by each sampling batch's
    own statistics in batches of one slot (batch_size / packing), as the PacGAN authors' Table 3 sampler."""
    classes = spec.num_classes if settings.conditioning != "none" else 0
    if settings.sampling_batch_norm == "batch":
        generator = BatchStatisticsSampler(generator, settings.batch_size // settings.packing)
    return SamplingModel(generator, (settings.latent_dim,), classes)


class GANFamily(FamilyBase):
    """Generative adversarial networks of every objective, plain or class-conditional."""

    name = "gan"
    settings_class = GANSettings
    data_kinds = ("points", "images")
    loss_plots = {"d_loss": "discriminator loss", "g_loss": "generator loss"}
    loss_labels = {
        "d_loss": "D loss",
        "g_loss": "G loss",
        "penalty": "gradient penalty",
        "diffusion_p": "augmentation strength p",
        "diffusion_T": "chain length T",
    }
    state_columns = DIFFUSION_COLUMNS  # Diffusion-GAN's p and T, drawn apart from the losses
    state_plots = {
        "diffusion_T": "Diffusion-GAN's chain length T over training, adapted toward r_d = E[sign D(real)] = target "
        "(Wang et al. 2023)"
    }

    def train_group(
        self,
        settings_list: list[GANSettings],
        data: TrainingData,
        checkpoint_paths: list[str | Path],
        losses_paths: list[str | Path],
        **options: Any,
    ) -> list[TrainResult]:
        return train_gan_group(settings_list, data, checkpoint_paths, losses_paths, **options)

    def train(
        self,
        settings: GANSettings,
        data: TrainingData,
        checkpoint_path: str | Path,
        losses_path: str | Path,
        **options: Any,
    ) -> TrainResult:
        return train_gan(settings, data, checkpoint_path, losses_path, **options)

    def sampling_model(
        self,
        checkpoint: dict[str, Any],
        overrides: dict[str, Any] | None = None,
        *,
        data_dir: Path | None = None,
        use_ema: bool = True,
    ) -> SamplingModel:
        settings, spec = self.settings_of(checkpoint), DataSpec.from_dict(checkpoint["data_spec"])
        generator = build_generator(settings, spec)
        weights = sampled_weights(checkpoint, "generator", use_ema=use_ema)
        generator.load_state_dict(weights)
        return _sampling_model(generator.eval(), settings, spec)

    def describe(self, settings: dict[str, Any]) -> str:
        return settings["objective"]

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {"network": settings["network"], "conditioning": settings["conditioning"]}


FAMILY = GANFamily()
