"""Sampling of trained generators: a fixed-size evaluation set from seeded noise."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genlib.io.checkpoint import load_checkpoint
from genlib.io.provenance import file_sha256
from genlib.families.gan import load_generator


def is_diffusion_checkpoint(checkpoint: dict[str, Any]) -> bool:
    """Whether a checkpoint holds a diffusion model (an epsilon network) rather than a GAN."""
    return checkpoint["format"].startswith("genlib.diffusion")


def load_sampling_model(checkpoint: dict[str, Any], sampler: dict[str, Any] | None = None) -> tuple[torch.nn.Module, bool]:
    """The checkpoint's model as a generator `module(noise, labels)`, and whether it takes class labels.

    `sampler` replaces a diffusion model's sampling settings (sampler, sampler_steps, eta, spacing).
    """
    if is_diffusion_checkpoint(checkpoint):
        from genlib.diffusion.generator import DiffusionSampler
        from genlib.families.diffusion import load_denoiser

        denoiser, settings = load_denoiser(checkpoint)
        settings = dataclasses.replace(settings, **(sampler or {}))  # validated again: S <= T, eta in [0, 1]
        spec = checkpoint["data_spec"]
        sampler = DiffusionSampler(denoiser, settings, tuple(spec["shape"]), num_classes=spec["num_classes"])
        return sampler, settings.conditional
    if sampler:
        raise ValueError(f"sampler settings {', '.join(sorted(sampler))} apply to diffusion models; this checkpoint holds a GAN")
    generator, settings = load_generator(checkpoint)
    return generator, settings.conditioning != "none"


def noise_shape(model: torch.nn.Module) -> tuple[int, ...]:
    """Shape of one noise sample of a generator: (latent_dim,) for a GAN, the data's shape for diffusion."""
    return tuple(getattr(model, "latent_shape", None) or (model.latent_dim,))


def checkpoint_info(checkpoint: dict[str, Any], sampler: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the evaluation needs to know of the checkpoint a sample came from (and the sampler that drew it)."""
    return {
        "train_device": checkpoint.get("device"),
        "status": checkpoint["status"],
        "step": int(checkpoint["step"]),
        "diverged_at_step": checkpoint.get("diverged_at_step"),
        "settings": {**checkpoint["settings"], **(sampler or {})},
        "data_spec": checkpoint["data_spec"],
        "curve": checkpoint.get("curve", []),
    }


@torch.no_grad()
def sample_points(
    checkpoint_path: str | Path, n_samples: int, seed: int, *, sampler: dict[str, Any] | None = None
) -> tuple[np.ndarray, dict]:
    """`n_samples` points (n, 2) from a checkpoint's generator, with noise drawn from `seed`."""
    checkpoint = load_checkpoint(checkpoint_path)
    info = {**checkpoint_info(checkpoint, sampler), "checkpoint_sha256": file_sha256(checkpoint_path)}
    if checkpoint["status"] == "diverged":
        return np.zeros((0, 2), dtype=np.float32), info
    generator, _ = load_sampling_model(checkpoint, sampler)
    noise = torch.randn(n_samples, *noise_shape(generator), generator=torch.Generator().manual_seed(seed))
    return generator(noise).numpy().astype(np.float32), info


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8 pixels, rounded as the training data was stored."""
    return images.float().add(1.0).mul(127.5).round().clamp(0, 255).to(torch.uint8)


@torch.no_grad()
def generate_images(
    generator: torch.nn.Module, noise: torch.Tensor, labels: torch.Tensor | None, *, batch_size: int = 500
) -> np.ndarray:
    """uint8 images (N, C, H, W) of `generator` for the given noise (and labels), in batches."""
    device = next(generator.parameters()).device
    parts = []
    noise = noise.to(torch.float32)
    for start in range(0, len(noise), batch_size):
        y = None if labels is None else labels[start:start + batch_size].to(device)
        parts.append(to_uint8(generator(noise[start:start + batch_size].to(device), y)).cpu())
    return torch.cat(parts).numpy()


def class_labels(n: int, num_classes: int, generator: torch.Generator) -> torch.Tensor:
    """Balanced class labels for conditional sampling: each class n / K times, in seeded order."""
    labels = torch.arange(n) % num_classes
    return labels[torch.randperm(n, generator=generator)]


@torch.no_grad()
def sample_images(
    checkpoint_path: str | Path, n_samples: int, seed: int, *, device: torch.device | None = None,
    sampler: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """`n_samples` uint8 images from a checkpoint's generator (EMA when present), their labels (-1: none), and info.

    `sampler` replaces a diffusion model's sampling settings (see `load_sampling_model`).
    """
    checkpoint = load_checkpoint(checkpoint_path)
    info = {**checkpoint_info(checkpoint, sampler), "checkpoint_sha256": file_sha256(checkpoint_path)}
    shape = tuple(checkpoint["data_spec"]["shape"])
    if checkpoint["status"] == "diverged":
        return np.zeros((0, *shape), dtype=np.uint8), np.zeros(0, dtype=np.int64), info
    generator, conditional = load_sampling_model(checkpoint, sampler)
    generator = generator.to(device or torch.device("cpu"))
    rng = torch.Generator().manual_seed(seed)
    noise = torch.randn(n_samples, *noise_shape(generator), generator=rng)
    num_classes = checkpoint["data_spec"]["num_classes"] if conditional else 0
    labels = class_labels(n_samples, num_classes, rng) if num_classes else None
    images = generate_images(generator, noise, labels)
    return images, (labels.numpy() if labels is not None else np.full(n_samples, -1, dtype=np.int64)), info
