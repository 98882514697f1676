"""What the GAN family's single-run trainer (family.py) and its batched 2-D trainer (batched.py) share: the
checkpoint format, the loss-log columns and the optimiser."""

from __future__ import annotations

from typing import Any

import torch

from genlib.families.gan.settings import GANSettings
from genlib.training.template import CheckpointFormat

LOSS_COLUMNS = ("step", "d_loss", "g_loss", "penalty")
DIFFUSION_COLUMNS = ("diffusion_p", "diffusion_T")  # Diffusion-GAN's strength and chain length after each step
CHECKPOINT = CheckpointFormat("gan", "genlib.gan/3")


def build_optimizer(params: Any, settings: GANSettings, lr: float) -> torch.optim.Optimizer:
    """Adam or RMSprop with the run's hyper-parameters."""
    if settings.optimizer == "adam":
        # The fused kernel updates all tensors at once: about 15% faster per step for the 2-D MLPs on CPU.
        return torch.optim.Adam(params, lr=lr, betas=(settings.beta1, settings.beta2), fused=True)
    return torch.optim.RMSprop(params, lr=lr)


def loss_columns(settings: GANSettings) -> tuple[str, ...]:
    return LOSS_COLUMNS + (DIFFUSION_COLUMNS if settings.diffusion_gan else ())
