"""Adversarial training: seeded, resumable, with a per-step loss log and divergence detection.

One generator step is `n_critic` discriminator steps followed by one generator step (Arjovsky et
al. 2017, Algorithm 1; with n_critic = 1 it is Goodfellow et al. 2014, Algorithm 1 with k = 1).
All randomness (initialisation, batches, noise, dropout) comes from the run's seed, and the
resumable checkpoint holds every random state, so a run interrupted and resumed ends with the same
parameters as one trained straight through.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from genlib.training.device import Accelerator
from genlib.training.resumable import ResumableRun, TrainResult
from genlib.networks.build import DataSpec, build_discriminator, build_generator
from genlib.gan.objectives import gradient_penalty, objective
from genlib.config.settings import RunSettings, from_dict, to_dict

log = logging.getLogger(__name__)

LOSS_COLUMNS = ("step", "d_loss", "g_loss", "penalty")
FORMAT = "genlib.gan/2"


@dataclass(frozen=True)
class TrainingData:
    """Training samples: float points (N, 2), or uint8 images (N, C, H, W) scaled to [-1, 1] per batch."""

    samples: torch.Tensor
    labels: torch.Tensor | None = None  # (N,) int64 class labels; None: unlabelled
    num_classes: int = 0  # classes of the dataset (0: unlabelled)

    @property
    def spec(self) -> DataSpec:
        return DataSpec(shape=tuple(self.samples.shape[1:]), num_classes=self.num_classes)

    @staticmethod
    def batch_of(samples: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Samples at `index` as float network inputs."""
        chosen = samples[index]
        if chosen.dtype == torch.uint8:
            return chosen.float().div_(127.5).sub_(1.0)  # [0, 255] -> [-1, 1], the range of G's Tanh
        return chosen


def build_optimizer(params: Any, settings: RunSettings, lr: float) -> torch.optim.Optimizer:
    """Adam or RMSprop with the run's hyper-parameters."""
    if settings.optimizer == "adam":
        # The fused kernel updates all tensors at once: about 15% faster per step for the 2-D MLPs on CPU.
        return torch.optim.Adam(params, lr=lr, betas=(settings.beta1, settings.beta2), fused=True)
    return torch.optim.RMSprop(params, lr=lr)


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * model for parameters; buffers (batch-norm statistics) are copied."""
    for ema_param, param in zip(ema.parameters(), model.parameters()):
        ema_param.lerp_(param, 1.0 - decay)
    for ema_buffer, buffer in zip(ema.buffers(), model.buffers()):
        ema_buffer.copy_(buffer)


def train_gan(
    settings: RunSettings,
    data: TrainingData,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    *,
    accelerator: Accelerator | None = None,
    monitor: Callable[[nn.Module], dict[str, float]] | None = None,
    on_step: Callable[[int], None] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train one GAN on `data` and write its final checkpoint and loss log atomically.

    In-progress state lives in `resume_dir_for(checkpoint_path)` and is resumed from when its
    settings match; it is removed once the final checkpoint is in place. `monitor(generator)` is
    called every `settings.monitor_every` steps (and at the start and the end) with the generator
    in eval mode and returns a row of the curve. `on_step(step)` is called after every generator
    step, once that step's checkpoint (if any) is written.
    """
    accelerator = accelerator or Accelerator.choose("cpu")
    device = accelerator.device
    pair = objective(settings.objective)
    spec = data.spec
    run = ResumableRun(checkpoint_path, losses_path, fmt=FORMAT, settings=to_dict(settings), columns=LOSS_COLUMNS)

    torch.manual_seed(settings.seed)  # initialisation and dropout
    rng = torch.Generator(device=device).manual_seed(settings.seed)  # batches, noise, penalty interpolation
    generator = accelerator.prepare(build_generator(settings, spec))
    discriminator = accelerator.prepare(build_discriminator(settings, spec))
    ema = copy.deepcopy(generator).requires_grad_(False) if settings.ema_decay is not None else None
    opt_g = build_optimizer(generator.parameters(), settings, settings.lr_g)
    opt_d = build_optimizer(discriminator.parameters(), settings, settings.lr_d)
    samples = data.samples.to(device)
    labels = data.labels.to(device) if data.labels is not None and settings.conditioning != "none" else None
    joint_batch = not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.modules())

    parts = {"generator": generator, "discriminator": discriminator, "ema": ema, "opt_g": opt_g, "opt_d": opt_d}

    def state(step: int, status: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "settings": to_dict(settings),
            "data_spec": {"shape": list(spec.shape), "num_classes": spec.num_classes},
            "step": step,
            "status": status,
            **run.snapshot(parts, rng),
        }

    start = run.resume(parts, rng)

    def monitored(step: int) -> None:
        if monitor is not None and settings.monitor_every:
            run.observe(step, ema if ema is not None else generator, monitor, accelerator)

    def draw_labels(batch: int) -> torch.Tensor | None:
        # Labels of generated samples follow the data's class frequencies.
        return None if labels is None else labels[torch.randint(0, n, (batch,), generator=rng, device=device)]

    generator.train()
    discriminator.train()
    n, batch = samples.shape[0], settings.batch_size
    status, step = "completed", start
    if start == 0:
        monitored(0)
    with run.progress_bar(settings, start, enabled=progress) as bar:
        for step in range(start + 1, settings.steps + 1):
            # Discriminator: n_critic steps descending its loss (ascending its objective).
            d_total, penalty_total = 0.0, 0.0
            for _ in range(settings.n_critic):
                index = torch.randint(0, n, (batch,), generator=rng, device=device)
                real = data.batch_of(samples, index)
                y = None if labels is None else labels[index]  # fakes share the real batch's labels
                with torch.no_grad(), accelerator.autocast():
                    fake = generator(torch.randn(batch, settings.latent_dim, generator=rng, device=device), y)
                with accelerator.autocast():
                    if joint_batch:
                        # One forward pass over real and fake together: half the per-call overhead.
                        both_labels = None if y is None else torch.cat([y, y])
                        scores = discriminator(torch.cat([real, fake.to(real.dtype)]), both_labels).float()
                        real_scores, fake_scores = scores.split(batch)
                    else:
                        # Batch norm in D: real and fake batches are normalised apart, as in the DCGAN
                        # reference code; a mixed batch would let D tell them apart by batch
                        # statistics that the generator's (all-fake) step never shows it.
                        real_scores = discriminator(real, y).float()
                        fake_scores = discriminator(fake.to(real.dtype), y).float()
                    d_loss = pair.discriminator_loss(real_scores, fake_scores)
                if settings.gradient_penalty > 0:
                    penalty = gradient_penalty(lambda x: discriminator(x, y), real, fake.to(real.dtype), generator=rng)
                    d_loss = d_loss + settings.gradient_penalty * penalty
                    penalty_total += penalty.item()
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                if settings.weight_clip is not None:
                    with torch.no_grad():
                        for param in discriminator.parameters():
                            param.clamp_(-settings.weight_clip, settings.weight_clip)
                d_total += d_loss.item()
            # Generator: one step descending its loss.
            y = draw_labels(batch)
            discriminator.requires_grad_(False)  # its weight gradients would be discarded: skip them
            with accelerator.autocast():
                fake = generator(torch.randn(batch, settings.latent_dim, generator=rng, device=device), y)
                g_loss = pair.generator_loss(discriminator(fake, y).float())
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            discriminator.requires_grad_(True)
            opt_g.step()
            if ema is not None:
                update_ema(ema, generator, settings.ema_decay)

            row = {
                "step": step, "d_loss": d_total / settings.n_critic, "g_loss": g_loss.item(),
                "penalty": penalty_total / settings.n_critic,
            }
            postfix = {"d": f"{row['d_loss']:.3f}", "g": f"{row['g_loss']:.3f}"}
            if not run.end_step(step, row, settings, bar=bar, postfix=postfix, state=lambda: state(step, "running"),
                                monitored=monitored, on_step=on_step):
                status = "diverged"
                break

    return run.close(state(step, status), status=status, step=step, resumed_from=start,
                     device=accelerator.describe())


def load_generator(checkpoint: dict[str, Any], *, use_ema: bool = True) -> tuple[nn.Module, RunSettings]:
    """The trained generator of a checkpoint (its EMA copy when there is one), in eval mode."""
    settings = from_dict(RunSettings, checkpoint["settings"], where="checkpoint settings")
    generator = build_generator(settings, data_spec_of(checkpoint))
    weights = checkpoint["ema"] if use_ema and checkpoint.get("ema") is not None else checkpoint["generator"]
    generator.load_state_dict(weights)
    return generator.eval(), settings


def data_spec_of(checkpoint: dict[str, Any]) -> DataSpec:
    """The data shape a checkpoint's networks were built for."""
    spec = checkpoint["data_spec"]
    return DataSpec(shape=tuple(spec["shape"]), num_classes=int(spec["num_classes"]))


