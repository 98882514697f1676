"""Samplers of denoising diffusion models: pure functions of a noise schedule and an epsilon network.

`model(x_t, t, labels)` predicts the noise eps in x_t (t: (B,) 0-based step indices). With class
labels and guidance weight w > 0, the prediction is classifier-free guided (Ho & Salimans 2021,
eq. 6): eps = (1 + w) eps(x_t, c) - w eps(x_t, null), where label `null_label` means "no class".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from genlib.diffusion.schedules import NoiseSchedule

EpsModel = Callable[[torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor]
Spacing = Literal["uniform", "quadratic"]


@dataclass(frozen=True)
class Guidance:
    """Classifier-free guidance: the class labels, the "no class" label and the weight w."""

    labels: torch.Tensor  # (B,) int64
    null_label: int
    weight: float = 0.0


def predict_noise(model: EpsModel, x: torch.Tensor, t: torch.Tensor, guidance: Guidance | None) -> torch.Tensor:
    """eps(x_t, t), guided when `guidance` has a positive weight."""
    if guidance is None:
        return model(x, t, None)
    if guidance.weight == 0:
        return model(x, t, guidance.labels)
    null = torch.full_like(guidance.labels, guidance.null_label)
    both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([guidance.labels, null]))
    conditional, unconditional = both.chunk(2)
    return (1 + guidance.weight) * conditional - guidance.weight * unconditional


def _gather(values: torch.Tensor, t: int, like: torch.Tensor) -> torch.Tensor:
    return values[t].to(device=like.device, dtype=like.dtype)


# One reverse step: (x_t, eps, abar_t, abar_t', is_last) -> x_t' for the next visited step t' < t.
Step = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, bool], torch.Tensor]


def _reverse(
    schedule: NoiseSchedule,
    model: EpsModel,
    noise: torch.Tensor,
    sequence: list[int],
    step: Step,
    guidance: Guidance | None,
    keep: tuple[int, ...],
) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """Walk the visited steps from x_T = `noise` down to x_0 with `step`; keep the states at the steps in `keep`."""
    x = noise
    kept: dict[int, torch.Tensor] = {}
    for i in reversed(range(len(sequence))):
        t, t_prev = sequence[i], (sequence[i - 1] if i > 0 else -1)
        if t in keep:
            kept[t] = x.cpu()
        batch_t = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
        eps = predict_noise(model, x, batch_t, guidance).to(x.dtype)
        abar = _gather(schedule.alphas_cumprod, t, x)
        abar_prev = _gather(schedule.alphas_cumprod, t_prev, x) if t_prev >= 0 else torch.ones_like(abar)
        x = step(x, eps, abar, abar_prev, t_prev < 0)
    return x, kept


def _noise_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)


@torch.no_grad()
def ddpm_sample(
    schedule: NoiseSchedule,
    model: EpsModel,
    noise: torch.Tensor,
    *,
    steps: int | None = None,
    spacing: Spacing = "uniform",
    generator: torch.Generator | None = None,
    guidance: Guidance | None = None,
    clip: bool = True,
    keep: tuple[int, ...] = (),
) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """Ancestral sampling from x_T = `noise` (Ho et al. 2020, Algorithm 2, sigma_t^2 = beta_t).

    Over all T steps when `steps` is None; otherwise over S of them, visited as DDIM visits them,
    with the step from t to t' < t taken as one DDPM step of beta = 1 - abar_t / abar_t' and the
    larger variance sigma-hat^2 = beta (the "DDPM" rows of Song et al. 2021, Table 1).
    Returns x_0 and the states x_t at the 0-based steps in `keep` (for trajectory pictures).
    """

    def step(x, eps, abar, abar_prev, last):
        alpha = abar / abar_prev  # alpha_t of the (possibly strided) step; 1 - beta_t for consecutive steps
        beta = 1 - alpha
        if clip:
            # Equivalent form through the clipped "predicted x_0" (Ho et al.'s code clips it to the data range).
            x0 = ((x - (1 - abar).sqrt() * eps) / abar.sqrt()).clamp(-1, 1)
            # Mean of the posterior q(x_{t-1} | x_t, x_0) (Ho et al. 2020, eq. 7).
            mean = (abar_prev.sqrt() * beta / (1 - abar)) * x0 + (alpha.sqrt() * (1 - abar_prev) / (1 - abar)) * x
        else:
            mean = (x - beta / (1 - abar).sqrt() * eps) / alpha.sqrt()  # Algorithm 2, line 4
        return mean if last else mean + beta.sqrt() * _noise_like(x, generator)

    return _reverse(schedule, model, noise, visited_timesteps(schedule.timesteps, steps, spacing), step, guidance, keep)


def ddim_timesteps(timesteps: int, steps: int, spacing: Spacing) -> list[int]:
    """The steps DDIM visits for S = `steps` of T, increasing (Song et al. 2021, Sec. 4.2 and App. D.2),
    exactly as the authors' code chooses them (ermongroup/ddim, runners/diffusion.py, `sample_image`):

    - uniform: `range(0, T, T // S)`; when S does not divide T this visits more than S steps
      (T = 1000, S = 300: 334), as that code does;
    - quadratic: `int(x)` of `linspace(0, sqrt(0.8 T), S) ** 2`, ending at 0.8 T, with the first few
      steps repeated for large S (a repeated step leaves x unchanged);
    - S = T: the full chain 0 .. T-1 whatever the spacing (the authors' quadratic list would repeat
      steps and never start at T - 1), so that S = T is always DDPM's own chain of steps.
    """
    if not 1 <= steps <= timesteps:
        raise ValueError(f"DDIM steps S must lie in [1, T={timesteps}], got {steps}")
    if steps == timesteps:
        return list(range(timesteps))
    if spacing == "uniform":
        return list(range(0, timesteps, timesteps // steps))
    if spacing == "quadratic":
        return [int(s) for s in np.linspace(0, np.sqrt(timesteps * 0.8), steps) ** 2]
    raise ValueError(f"unknown spacing {spacing!r}; allowed values: uniform, quadratic")


def visited_timesteps(timesteps: int, steps: int | None, spacing: Spacing) -> list[int]:
    """The steps a sampler visits, increasing: all T when `steps` is None, else the S of `ddim_timesteps`."""
    return list(range(timesteps)) if steps is None else ddim_timesteps(timesteps, steps, spacing)


@torch.no_grad()
def ddim_sample(
    schedule: NoiseSchedule,
    model: EpsModel,
    noise: torch.Tensor,
    *,
    steps: int | None,
    eta: float = 0.0,
    spacing: Spacing = "uniform",
    generator: torch.Generator | None = None,
    guidance: Guidance | None = None,
    clip: bool = False,
    keep: tuple[int, ...] = (),
) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """DDIM over S of the T steps (all T when `steps` is None) (Song et al. 2021, eq. 12); eta = 0 is
    deterministic, eta = 1 is DDPM-like. The authors' generalised step does not clip the predicted
    x_0 (ermongroup/ddim, functions/denoising.py, `generalized_steps`), hence `clip` off by default;
    their DDPM step does clip it (`ddpm_steps`), as `ddpm_sample` does by default."""
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must lie in [0, 1], got {eta}")

    def step(x, eps, abar, abar_prev, last):
        x0 = (x - (1 - abar).sqrt() * eps) / abar.sqrt()  # "predicted x_0", eq. 12
        if clip:
            x0 = x0.clamp(-1, 1)
            eps = (x - abar.sqrt() * x0) / (1 - abar).sqrt()  # the noise consistent with the clipped x_0
        sigma = eta * ((1 - abar_prev) / (1 - abar) * (1 - abar / abar_prev)).sqrt()  # eq. 16
        x = abar_prev.sqrt() * x0 + (1 - abar_prev - sigma**2).clamp(min=0).sqrt() * eps  # "direction pointing to x_t"
        return x if eta == 0 or last else x + sigma * _noise_like(x, generator)

    return _reverse(schedule, model, noise, visited_timesteps(schedule.timesteps, steps, spacing), step, guidance, keep)
