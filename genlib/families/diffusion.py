"""Training of denoising diffusion models with the simple loss, resumable like the GANs.

Each step draws x_0 from the data, t uniformly from the T steps and eps ~ N(0, I), and descends
||eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t)||^2 (Ho et al. 2020, Algorithm 1 and
eq. 14). Conditional models see the "no class" label with probability `label_dropout`, which
teaches the unconditional model that classifier-free guidance needs (Ho & Salimans 2021, Alg. 1).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genlib.training.device import Accelerator
from genlib.diffusion.generator import DiffusionSampler
from genlib.diffusion.schedules import NoiseSchedule, q_sample
from genlib.training.resumable import ResumableRun, TrainResult
from genlib.networks.build import DataSpec
from genlib.networks.unet import MLPDenoiser, UNet
from genlib.config.settings import DiffusionSettings, from_dict, to_dict
from genlib.families.gan import TrainingData, update_ema

log = logging.getLogger(__name__)

LOSS_COLUMNS = ("step", "loss")
FORMAT = "genlib.diffusion/1"


def build_denoiser(settings: DiffusionSettings, spec: DataSpec) -> nn.Module:
    """The epsilon network a run's settings describe, for data of `spec`."""
    if not spec.is_image:
        return MLPDenoiser(width=settings.width, depth=settings.depth)
    if settings.conditional and spec.num_classes < 2:
        raise ValueError(f"conditional diffusion needs class labels, but {settings.dataset} has none")
    return UNet(
        image_shape=spec.shape, channels=settings.channels, res_blocks=settings.res_blocks, dropout=settings.dropout,
        attention=settings.attention, num_classes=spec.num_classes if settings.conditional else 0,
    )


def train_diffusion(
    settings: DiffusionSettings,
    data: TrainingData,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    *,
    accelerator: Accelerator | None = None,
    monitor: Callable[[nn.Module], dict[str, float]] | None = None,
    on_step: Callable[[int], None] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train one diffusion model on `data`; write its final checkpoint and loss log atomically.

    `monitor(sampler_of_the_ema_model)` is called every `monitor_every` steps, as for the GANs.
    """
    accelerator = accelerator or Accelerator.choose("cpu")
    device, spec = accelerator.device, data.spec
    schedule = NoiseSchedule.create(settings.schedule, settings.timesteps)
    run = ResumableRun(checkpoint_path, losses_path, fmt=FORMAT, settings=to_dict(settings), columns=LOSS_COLUMNS)

    torch.manual_seed(settings.seed)  # initialisation and dropout
    rng = torch.Generator(device=device).manual_seed(settings.seed)  # batches, steps, noise, label dropout
    model = accelerator.prepare(build_denoiser(settings, spec))
    ema = copy.deepcopy(model).requires_grad_(False) if settings.ema_decay is not None else None
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr, fused=True)
    samples = data.samples.to(device)
    labels = data.labels.to(device) if data.labels is not None and settings.conditional else None

    parts = {"model": model, "ema": ema, "optimizer": optimizer}

    def state(step: int, status: str) -> dict[str, Any]:
        return {
            "format": FORMAT, "settings": to_dict(settings),
            "data_spec": {"shape": list(spec.shape), "num_classes": spec.num_classes},
            "step": step, "status": status, **run.snapshot(parts, rng),
        }

    start = run.resume(parts, rng)

    def monitored(step: int) -> None:
        # The monitor sees the EMA network as a generator: the configured sampler around it.
        if monitor is None or not settings.monitor_every:
            return

        def sampled(net: nn.Module) -> dict[str, float]:
            return monitor(DiffusionSampler(net, settings, spec.shape, num_classes=spec.num_classes))

        run.observe(step, ema if ema is not None else model, sampled, accelerator)

    model.train()
    n, batch = samples.shape[0], settings.batch_size
    status, step = "completed", start
    if start == 0:
        monitored(0)
    with run.progress_bar(settings, start, enabled=progress) as bar:
        for step in range(start + 1, settings.steps + 1):
            index = torch.randint(0, n, (batch,), generator=rng, device=device)
            x0 = TrainingData.batch_of(samples, index)
            t = torch.randint(0, settings.timesteps, (batch,), generator=rng, device=device)
            noise = torch.randn(x0.shape, generator=rng, device=device)
            y = None
            if labels is not None:
                drop = torch.rand(batch, generator=rng, device=device) < settings.label_dropout
                y = torch.where(drop, spec.num_classes, labels[index])  # num_classes is the "no class" label
            x_t = q_sample(schedule, x0, t, noise).to(x0.dtype)
            with accelerator.autocast():
                loss = F.mse_loss(model(x_t, t, y).float(), noise)  # eq. 14
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if ema is not None:
                # Warm-up of the decay, (1 + step) / (10 + step): early weights, which are far from the
                # final ones, leave the average quickly (as in TensorFlow's ExponentialMovingAverage).
                update_ema(ema, model, min(settings.ema_decay, (1 + step) / (10 + step)))

            value = loss.item()
            if not run.end_step(step, {"step": step, "loss": value}, settings, bar=bar, postfix={"loss": f"{value:.4f}"},
                                state=lambda: state(step, "running"), monitored=monitored, on_step=on_step):
                status = "diverged"
                break

    return run.close(state(step, status), status=status, step=step, resumed_from=start,
                     device=accelerator.describe())


def load_denoiser(checkpoint: dict[str, Any], *, use_ema: bool = True) -> tuple[nn.Module, DiffusionSettings]:
    """The trained epsilon network of a checkpoint (its EMA copy when there is one), in eval mode."""
    settings = from_dict(DiffusionSettings, checkpoint["settings"], where="checkpoint settings")
    spec = checkpoint["data_spec"]
    model = build_denoiser(settings, DataSpec(shape=tuple(spec["shape"]), num_classes=int(spec["num_classes"])))
    weights = checkpoint["ema"] if use_ema and checkpoint.get("ema") is not None else checkpoint["model"]
    model.load_state_dict(weights)
    return model.eval(), settings
