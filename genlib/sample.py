"""Sampling of trained generators into a fixed-size evaluation set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from genlib.checkpoint import load_checkpoint
from genlib.train import load_generator


@torch.no_grad()
def sample_points(checkpoint_path: str | Path, n_samples: int, seed: int) -> tuple[np.ndarray, dict]:
    """`n_samples` points (n, 2) from a checkpoint's generator, with noise drawn from `seed`."""
    checkpoint = load_checkpoint(checkpoint_path)
    info = {
        "status": checkpoint["status"],
        "step": int(checkpoint["step"]),
        "diverged_at_step": checkpoint.get("diverged_at_step"),
        "settings": checkpoint["settings"],
    }
    if checkpoint["status"] == "diverged":
        return np.zeros((0, 2), dtype=np.float32), info
    generator, settings = load_generator(checkpoint)
    noise = torch.randn(n_samples, settings.latent_dim, generator=torch.Generator().manual_seed(seed))
    return generator(noise).numpy().astype(np.float32), info
