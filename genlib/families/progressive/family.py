"""The progressive GAN family (Karras et al. 2018): grow G and D from 4 x 4 to the data's resolution.

The schedule is the authors' (train.py, TrainingSchedule): a number of real images shown at each
resolution, then the next resolution's blocks fade in linearly by images shown (settings.phase_at);
real images are pooled to the resolution in use and, during a fade, blended with their 2x coarser
version, as process_reals does. Each iteration is one D step and one G step on batches of
`batch_size` (the authors' D_repeats 1), with WGAN-GP (lambda 10) plus the drift term
eps * E[D(x)^2] (eps 1e-3; loss.py's D_wgangp_acgan) and G's -E[D(G(z))]; Adam (lr 1e-3, betas 0 and
0.99) is reset whenever a fade starts or ends (reset_opt_for_new_lod); G's exponential moving
average (G_smoothing 0.999) is the model samples come from. Differences from their code: the
schedule is read every step (theirs every 4 minibatches) and one batch size serves every resolution
(theirs can change it per resolution). A grid of 16 images from fixed noise is kept at the end of
every phase and drawn as the "growth" picture.

Resume is bit-identical mid-fade: the growth state (level, alpha) is a buffer of both networks, the
images shown follow from the step, and the phase grids, optimisers and random states are in the
checkpoint.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.config.validation import from_dict
from genlib.families.interface import FamilyBase, SamplingModel, TrainingData, sampled_weights
from genlib.families.progressive.networks import build_progressive_pair
from genlib.families.progressive.settings import ProgressiveSettings
from genlib.gan.objectives import gradient_penalty, wasserstein_critic_loss, wasserstein_generator_loss
from genlib.io.pixels import to_pixels
from genlib.networks.progressive import ProgressiveGenerator, faded_reals
from genlib.training.device import Accelerator
from genlib.training.ema import update_ema
from genlib.training.resumable import TrainResult
from genlib.training.template import CheckpointFormat, RunTraining, train_resumably

CHECKPOINT = CheckpointFormat("progressive", "genlib.progressive/1")
LOSS_COLUMNS = ("step", "d_loss", "g_loss", "penalty", "drift", "resolution", "alpha")
GRID_IMAGES = 16  # images of each phase-end grid, from the same noise every time


class PhaseGrids:
    """The grids kept at the end of each phase: uint8 images (16, C, H, W) at full size, with their labels."""

    def __init__(self) -> None:
        self.grids: list[torch.Tensor] = []
        self.labels: list[str] = []

    def add(self, images: torch.Tensor, label: str) -> None:
        self.grids.append(images.cpu())
        self.labels.append(label)

    def state_dict(self) -> dict[str, Any]:
        return {"grids": list(self.grids), "labels": list(self.labels)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.grids, self.labels = list(state["grids"]), list(state["labels"])


def phase_label(settings: ProgressiveSettings, level: int, alpha: float, step: int) -> str:
    """The name of a phase that ended, for pictures: "16 px faded in" (the end of a fade) or "16 px" (of a
    stabilisation), with the real images shown by then."""
    size = settings.resolutions[level]
    state = f"{size} px" if alpha >= 1.0 else f"{size} px faded in"
    return f"{state}, {step * settings.batch_size:,} images"


def phase_key(phase: tuple[int, float]) -> tuple[int, bool]:
    """What names a phase: its level, and whether it is fading in (alpha < 1) or stabilising."""
    return phase[0], phase[1] < 1.0


class ProgressiveTraining(RunTraining):
    """The state of one progressive run in training: networks, optimisers, EMA, data, random generator."""

    def __init__(self, settings: ProgressiveSettings, data: TrainingData, accelerator: Accelerator):
        self.settings, self.spec, self.accelerator = settings, data.spec, accelerator
        self.device = device = accelerator.device
        torch.manual_seed(settings.seed)  # initialisation
        self.rng = torch.Generator(device=device).manual_seed(settings.seed)  # batches, noise, penalty mixing
        generator, discriminator = build_progressive_pair(settings, data.spec)
        self.g, self.d = accelerator.prepare(generator), accelerator.prepare(discriminator)
        betas = (settings.beta1, settings.beta2)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=settings.lr, betas=betas, eps=1e-8)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=settings.lr, betas=betas, eps=1e-8)
        self.ema = copy.deepcopy(self.g).requires_grad_(False) if settings.ema_decay is not None else None
        self.grids = PhaseGrids()
        self.samples = data.samples.to(device)
        self.grid_noise = torch.randn(GRID_IMAGES, settings.latent_dim, generator=torch.Generator().manual_seed(0))
        self.parts: dict[str, Any] = {
            "generator": self.g,
            "discriminator": self.d,
            "ema": self.ema,
            "opt_g": self.opt_g,
            "opt_d": self.opt_d,
            "phase_grids": self.grids,
        }
        self.watched = (self.g, self.d)
        self.grow_to(self.phase(0))

    def phase(self, step: int) -> tuple[int, float]:
        """(level, alpha) of the iteration after `step` iterations, in the networks' levels (0 = 4 x 4)."""
        level, alpha = self.settings.phase_at(step * self.settings.batch_size)
        return level + self.settings.first_level, alpha

    def grow_to(self, phase: tuple[int, float]) -> None:
        for network in (self.g, self.d, self.ema):
            if network is not None:
                network.grow_to(*phase)

    def iteration(self, step: int) -> tuple[dict[str, float], dict[str, str]]:
        """One D step and one G step at the growth state of this step (Karras et al. 2018, App. A.1)."""
        settings, rng, device = self.settings, self.rng, self.device
        level, alpha = before = self.phase(step - 1)
        self.grow_to(before)
        size = settings.batch_size
        index = torch.randint(0, len(self.samples), (size,), generator=rng, device=device)
        real = faded_reals(TrainingData.batch_of(self.samples, index), level, alpha)
        with self.accelerator.autocast():
            with torch.no_grad():
                fake = self.g(torch.randn(size, settings.latent_dim, generator=rng, device=device), full_size=False)
            real_scores, fake_scores = self.d(real), self.d(fake.to(real.dtype))
            drift = real_scores.float().square().mean()
            d_loss = wasserstein_critic_loss(real_scores.float(), fake_scores.float()) + settings.drift * drift
        penalty = torch.zeros(())
        if settings.gradient_penalty > 0:
            penalty = gradient_penalty(self.d, real, fake.to(real.dtype), generator=rng)
            d_loss = d_loss + settings.gradient_penalty * penalty
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        with self.accelerator.autocast():
            fake = self.g(torch.randn(size, settings.latent_dim, generator=rng, device=device), full_size=False)
            g_loss = wasserstein_generator_loss(self.d(fake).float())
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        if self.ema is not None:
            update_ema(self.ema, self.g, settings.ema_decay)
        if phase_key(self.phase(step)) != phase_key(before):
            self.end_of_phase(step, before)
        row = {
            "step": step,
            "d_loss": d_loss.item(),
            "g_loss": g_loss.item(),
            "penalty": penalty.item(),
            "drift": drift.item(),
            "resolution": float(4 * 2**level),
            "alpha": alpha,
        }
        return row, {"d": f"{row['d_loss']:.3f}", "g": f"{row['g_loss']:.3f}", "px": str(4 * 2**level)}

    def end_of_phase(self, step: int, phase: tuple[int, float]) -> None:
        """A fade started or ended after this step: keep a grid of the phase that ended, and (as the authors)
        restart Adam's moments for the next one."""
        self.grid(step, phase)
        if self.settings.reset_optimizer:
            for optimizer in (self.opt_g, self.opt_d):
                optimizer.state.clear()

    @torch.no_grad()
    def grid(self, step: int, phase: tuple[int, float]) -> None:
        network = self.sampled_network()
        was_training = network.training
        network.eval()
        images = network(self.grid_noise.to(self.device)).float()
        network.train(was_training)
        pixels = to_pixels(images)
        level = phase[0] - self.settings.first_level
        self.grids.add(pixels, phase_label(self.settings, level, phase[1], step))

    def sampled_network(self) -> ProgressiveGenerator:
        return self.ema if self.ema is not None else self.g

    def after_resume(self, start: int) -> None:
        self.grow_to(self.phase(start))

    def monitor_view(self, step: int) -> tuple[nn.Module, Callable[[nn.Module], SamplingModel], dict[str, float]]:
        """The sampled generator at the growth state of `step`, the real images shown and its resolution."""
        network = self.sampled_network()
        network.grow_to(*self.phase(step))
        row = {"images": float(step * self.settings.batch_size), "resolution": float(network.current_resolution)}
        return network, lambda net: _sampling_model(net, self.settings), row

    def before_close(self, step: int, status: str) -> None:
        self.grow_to(self.phase(step))
        if status == "completed":
            self.grid(step, self.phase(step))


def train_progressive(
    settings: ProgressiveSettings,
    data: TrainingData,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    **options: Any,
) -> TrainResult:
    """Train one progressive GAN on `data` and write its final checkpoint and loss log atomically (resumably).

    `options` are those of genlib.training.template.train_resumably (accelerator, monitor, on_step, progress).
    """
    build = lambda accelerator: ProgressiveTraining(settings, data, accelerator)  # noqa: E731
    return train_resumably(
        CHECKPOINT, settings, data, checkpoint_path, losses_path, build, columns=LOSS_COLUMNS, **options
    )


def _sampling_model(generator: torch.nn.Module, settings: ProgressiveSettings) -> SamplingModel:
    return SamplingModel(generator, (settings.latent_dim,), 0)


class ProgressiveFamily(FamilyBase):
    """Progressive growing of GANs: 4 x 4 up to the data's resolution, WGAN-GP, EMA generator."""

    name = "progressive"
    settings_class = ProgressiveSettings
    data_kinds = ("images",)
    loss_plots = {"d_loss": "critic loss (with penalty and drift)", "g_loss": "generator loss"}
    loss_labels = {
        "d_loss": "D loss",
        "g_loss": "G loss",
        "penalty": "gradient penalty",
        "drift": "drift term E[D(x)^2]",
    }
    state_columns = ("resolution", "alpha")  # the growth, logged beside the losses

    def train(
        self,
        settings: ProgressiveSettings,
        data: TrainingData,
        checkpoint_path: str | Path,
        losses_path: str | Path,
        **options: Any,
    ) -> TrainResult:
        return train_progressive(settings, data, checkpoint_path, losses_path, **options)

    def sampling_model(
        self,
        checkpoint: dict[str, Any],
        overrides: dict[str, Any] | None = None,
        *,
        data_dir: Path | None = None,
        use_ema: bool = True,
    ) -> SamplingModel:
        settings, spec = self.settings_of(checkpoint), DataSpec.from_dict(checkpoint["data_spec"])
        generator, _ = build_progressive_pair(settings, spec)
        generator.load_state_dict(sampled_weights(checkpoint, "generator", use_ema=use_ema))  # with its growth state
        return _sampling_model(generator.eval(), settings)

    def describe(self, settings: dict[str, Any]) -> str:
        return "progressive WGAN-GP"

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        boundaries = from_dict(ProgressiveSettings, settings, where="run settings").phase_boundaries()
        return {"network": "progressive", "conditioning": "none", "curve_marks": [list(m) for m in boundaries]}

    def draw_picture(
        self, name: str, checkpoint: dict[str, Any], data_dir: Path, out: Path, *, device: torch.device
    ) -> None:
        """growth: one row per phase end, the same 16 noise vectors each time, labelled with the phase."""
        if name != "growth":
            raise self.unknown_picture(name)
        from genlib.io.figures import plt, save_figure
        from genlib.io.mosaic import tile

        state = checkpoint["phase_grids"]
        rows = len(state["grids"])
        figure, axes = plt.subplots(rows, 1, figsize=(8, 0.75 * rows + 0.5), squeeze=False)
        for axis, grid, label in zip(axes[:, 0], state["grids"], state["labels"]):
            mosaic = tile(np.asarray(grid), GRID_IMAGES)
            axis.imshow(mosaic[:, :, 0] if mosaic.shape[2] == 1 else mosaic, cmap="gray", vmin=0, vmax=255)
            axis.set_title(label, fontsize=8, loc="left")
            axis.axis("off")
        figure.tight_layout()
        save_figure(figure, out)


FAMILY = ProgressiveFamily()
