"""Training of denoising diffusion models with the simple loss, resumable like the GANs.

Each step draws x_0 from the data, t uniformly from the T steps and eps ~ N(0, I), and descends
||eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t)||^2 (Ho et al. 2020, Algorithm 1 and
eq. 14). Conditional models see the "no class" label with probability `label_dropout`, which
teaches the unconditional model that classifier-free guidance needs (Ho & Salimans 2021, Alg. 1).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genlib.config.catalogue import DataSpec, data_kind
from genlib.config.settings import from_dict
from genlib.data.kinds import kind_of
from genlib.diffusion.generator import DiffusionSampler
from genlib.diffusion.samplers import visited_timesteps
from genlib.diffusion.schedules import NoiseSchedule, q_sample
from genlib.families.diffusion.networks import build_denoiser
from genlib.families.diffusion.settings import DiffusionSettings
from genlib.families.interface import FamilyBase, SamplingModel, TrainingData, sampled_weights
from genlib.io.mosaic import save_png, tile
from genlib.io.pixels import to_pixels, to_unit_range
from genlib.training.device import Accelerator
from genlib.training.ema import update_ema
from genlib.training.resumable import TrainResult
from genlib.training.template import CheckpointFormat, RunTraining, train_resumably

log = logging.getLogger(__name__)

LOSS_COLUMNS = ("step", "loss")
CHECKPOINT = CheckpointFormat("diffusion", "genlib.diffusion/2")


class DenoiserTraining(RunTraining):
    """The state of one diffusion run in training: epsilon network, EMA, optimiser, schedule, data, random generator."""

    def __init__(self, settings: DiffusionSettings, data: TrainingData, accelerator: Accelerator):
        self.settings, self.spec, self.accelerator = settings, data.spec, accelerator
        self.device = device = accelerator.device
        self.schedule = NoiseSchedule.create(settings.schedule, settings.timesteps)
        torch.manual_seed(settings.seed)  # initialisation and dropout
        self.rng = torch.Generator(device=device).manual_seed(settings.seed)  # batches, steps, noise, label dropout
        self.model = accelerator.prepare(build_denoiser(settings, self.spec))
        self.ema = copy.deepcopy(self.model).requires_grad_(False) if settings.ema_decay is not None else None
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.lr, fused=True)
        self.samples = data.samples.to(device)
        self.labels = data.labels.to(device) if data.labels is not None and settings.conditional else None
        self.parts = {"model": self.model, "ema": self.ema, "optimizer": self.optimizer}
        self.watched = (self.model,)

    def iteration(self, step: int) -> tuple[dict[str, float], dict[str, str]]:
        """One step of Algorithm 1 of Ho et al. 2020: x_0, t and eps drawn, the simple loss descended."""
        settings, rng, device = self.settings, self.rng, self.device
        batch = settings.batch_size
        index = torch.randint(0, self.samples.shape[0], (batch,), generator=rng, device=device)
        x0 = TrainingData.batch_of(self.samples, index)
        t = torch.randint(0, settings.timesteps, (batch,), generator=rng, device=device)
        noise = torch.randn(x0.shape, generator=rng, device=device)
        y = None
        if self.labels is not None:
            drop = torch.rand(batch, generator=rng, device=device) < settings.label_dropout
            y = torch.where(drop, self.spec.num_classes, self.labels[index])  # num_classes is the "no class" label
        x_t = q_sample(self.schedule, x0, t, noise).to(x0.dtype)
        with self.accelerator.autocast():
            loss = F.mse_loss(self.model(x_t, t, y).float(), noise)  # eq. 14
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.ema is not None:
            # Warm-up of the decay, (1 + step) / (10 + step): early weights, which are far from the
            # final ones, leave the average quickly (as in TensorFlow's ExponentialMovingAverage).
            update_ema(self.ema, self.model, min(settings.ema_decay, (1 + step) / (10 + step)))
        value = loss.item()
        return {"step": step, "loss": value}, {"loss": f"{value:.4f}"}

    def monitor_view(self, step: int) -> tuple[nn.Module, Callable[[nn.Module], SamplingModel], dict[str, float]]:
        """The EMA network inside the configured sampler; the clock curves of different batches share."""
        network = self.ema if self.ema is not None else self.model
        shown = {"images": float(step * self.settings.batch_size)}
        return network, lambda net: _sampling_model(net, self.settings, self.spec), shown


def train_diffusion(
    settings: DiffusionSettings,
    data: TrainingData,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    **options: Any,
) -> TrainResult:
    """Train one diffusion model on `data`; write its final checkpoint and loss log atomically.

    `options` are those of genlib.training.template.train_resumably (accelerator, monitor, on_step, progress).
    """
    build = lambda accelerator: DenoiserTraining(settings, data, accelerator)  # noqa: E731
    return train_resumably(
        CHECKPOINT, settings, data, checkpoint_path, losses_path, build, columns=LOSS_COLUMNS, **options
    )


def _sampling_model(denoiser: nn.Module, settings: DiffusionSettings, spec: DataSpec) -> SamplingModel:
    sampler = DiffusionSampler(denoiser, settings, spec.shape, num_classes=spec.num_classes, clip=settings.clips_x0)
    return SamplingModel(sampler, spec.shape, spec.num_classes if settings.conditional else 0)


def _to_pixels(x: torch.Tensor) -> np.ndarray:
    """States x_t (any range; data in [-1, 1]) -> uint8 images, noise clipped to black and white."""
    return to_pixels(x).numpy()


class DiffusionFamily(FamilyBase):
    """Denoising diffusion models (Ho et al. 2020) sampled with DDPM or DDIM (Song et al. 2021)."""

    name = "diffusion"
    settings_class = DiffusionSettings
    data_kinds = ("points", "images")
    loss_plots = {"loss": "diffusion loss"}
    loss_labels = {"loss": "denoising loss"}
    sampling_overrides = ("sampler", "sampler_steps", "eta", "spacing")  # the sampler sweep's settings

    def train(
        self,
        settings: DiffusionSettings,
        data: TrainingData,
        checkpoint_path: str | Path,
        losses_path: str | Path,
        **options: Any,
    ) -> TrainResult:
        return train_diffusion(settings, data, checkpoint_path, losses_path, **options)

    def sampling_model(
        self,
        checkpoint: dict[str, Any],
        overrides: dict[str, Any] | None = None,
        *,
        data_dir: Path | None = None,
        use_ema: bool = True,
    ) -> SamplingModel:
        settings, spec = self.settings_of(checkpoint), DataSpec.from_dict(checkpoint["data_spec"])
        denoiser = build_denoiser(settings, spec)
        weights = sampled_weights(checkpoint, "model", use_ema=use_ema)
        denoiser.load_state_dict(weights)
        settings = dataclasses.replace(settings, **(overrides or {}))  # validated again: S <= T, eta in [0, 1]
        return _sampling_model(denoiser.eval(), settings, spec)

    def describe(self, settings: dict[str, Any]) -> str:
        steps = settings["sampler_steps"] or settings["timesteps"]
        if settings["sampler"] == "ddpm":
            return f"diffusion, DDPM {steps} steps"
        return f"diffusion, DDIM {steps} steps, eta {settings['eta']:g}"

    def identity(self, settings: dict[str, Any]) -> dict[str, Any]:
        sampler = {key: settings[key] for key in ("sampler", "sampler_steps", "eta", "spacing")}
        sampler["sampler_steps"] = settings["sampler_steps"] or settings["timesteps"]
        resolved = from_dict(DiffusionSettings, settings, where="run settings")
        sampler["clip_x0"] = resolved.clips_x0  # resolved: what the sampler did
        sampler["network_evaluations"] = len(
            visited_timesteps(resolved.timesteps, resolved.sampler_steps, resolved.spacing)
        )
        network = "unet" if kind_of(data_kind(settings["dataset"])).images else "mlp"
        return {"network": network, "conditioning": "cfg" if settings["conditional"] else "none", "sampler": sampler}

    @torch.no_grad()
    def draw_picture(
        self,
        name: str,
        checkpoint: dict[str, Any],
        data_dir: Path,
        out: Path,
        *,
        device: torch.device,
        rows: int = 4,
        columns: int = 10,
    ) -> None:
        """forward: training images noised from x_0 to x_T (q(x_t | x_0), left to right); trajectory: the
        sampler's states from x_T to x_0 for a few noise draws, as in the lecture's figures."""
        from genlib.data.images import load_images

        model = self.sampling_model(checkpoint).to(device)
        sampler = model.generator
        schedule, settings = sampler.schedule, sampler.settings
        if name == "forward":
            steps = torch.linspace(0, schedule.timesteps - 1, columns).round().long()
            real = load_images(data_dir, "train")[0][:rows]
            x0 = to_unit_range(torch.from_numpy(real))  # (rows, C, H, W)
            noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(3))
            strip = [q_sample(schedule, x0, torch.full((rows,), int(t)), noise) for t in steps]  # each (rows, C, H, W)
            save_png(tile(_to_pixels(torch.stack(strip, 1).flatten(0, 1)), columns), out)
        elif name == "trajectory":
            visited = visited_timesteps(schedule.timesteps, settings.sampler_steps, settings.spacing)
            keep = tuple(visited[int(i)] for i in torch.linspace(len(visited) - 1, 0, columns - 1).round().long())
            labels = torch.arange(rows) % model.num_classes if model.num_classes else None
            start = torch.randn(rows, *model.noise_shape, generator=torch.Generator().manual_seed(4)).to(device)
            final, kept = sampler.trajectory(start, None if labels is None else labels.to(device), keep=keep)
            states = [kept[t] for t in keep] + [final.cpu()]  # x_T ... x_0
            save_png(tile(_to_pixels(torch.stack(states, 1).flatten(0, 1)), columns), out)
        else:
            raise self.unknown_picture(name)


FAMILY = DiffusionFamily()
