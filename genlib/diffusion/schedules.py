"""Noise schedules and the closed-form forward process of denoising diffusion (Ho et al. 2020).

Forward process: q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I) for t = 1..T, so that
q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) with abar_t = prod_{s<=t} (1 - beta_s) (eq. 4).
Index t of the arrays below is the 0-based step t+1 of the papers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

ScheduleName = Literal["linear", "cosine"]
# The fewest steps of the scaled linear schedule whose last beta (0.02 x 1000 / T) stays below 1.
LINEAR_MIN_TIMESTEPS = 21


def linear_betas(timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """beta_t rising linearly from 1e-4 to 0.02 over T = 1000 steps (Ho et al. 2020, Sec. 4), float64 (T,)."""
    # Scaled so that other T keep the same total noise as T = 1000 (as in Nichol & Dhariwal 2021's code).
    scale = 1000 / timesteps
    if scale * beta_end >= 1:
        raise ValueError(
            f"a linear schedule over T = {timesteps} steps would reach beta = {scale * beta_end:g} >= 1 (beta_T = "
            f"{beta_end} x 1000 / T): use timesteps >= {LINEAR_MIN_TIMESTEPS}, or the cosine schedule"
        )
    return torch.linspace(scale * beta_start, scale * beta_end, timesteps, dtype=torch.float64)


def cosine_betas(timesteps: int, offset: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Betas of abar(t) = cos^2(((t/T + s) / (1 + s)) pi/2) (Nichol & Dhariwal 2021, eq. 17), clipped at 0.999, float64 (T,)."""
    t = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
    abar = torch.cos((t + offset) / (1 + offset) * math.pi / 2) ** 2
    return (1 - abar[1:] / abar[:-1]).clamp(max=max_beta)


@dataclass(frozen=True)
class NoiseSchedule:
    """beta_t and the products the samplers use, float64 tensors of shape (T,)."""

    betas: torch.Tensor
    alphas_cumprod: torch.Tensor  # abar_t

    @classmethod
    def create(cls, name: ScheduleName, timesteps: int) -> NoiseSchedule:
        """The schedule `name` over `timesteps` steps."""
        if name == "linear":
            betas = linear_betas(timesteps)
        elif name == "cosine":
            betas = cosine_betas(timesteps)
        else:
            raise ValueError(f"unknown schedule {name!r}; allowed values: linear, cosine")
        return cls(betas=betas, alphas_cumprod=torch.cumprod(1 - betas, dim=0))

    @property
    def timesteps(self) -> int:
        return len(self.betas)


def q_sample(schedule: NoiseSchedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, a draw from q(x_t | x_0) (Ho et al. 2020, eq. 4)."""
    abar = schedule.alphas_cumprod.to(x0.device)[t].to(x0.dtype)
    abar = abar.view(-1, *([1] * (x0.dim() - 1)))  # (B, 1, ...) broadcasts over the sample's dims
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise
