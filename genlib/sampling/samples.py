"""Samples of trained models of any family: a fixed-size evaluation set from seeded noise.

The checkpoint names its family and data kind; the family (through genlib.families.registry)
turns it into a generator, and everything here treats all families alike.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from genlib.data.kinds import kind_of
from genlib.families.interface import SamplingModel
from genlib.families.registry import check_family, family_of_checkpoint, run_identity
from genlib.io.checkpoint import load_checkpoint
from genlib.io.pixels import to_pixels, to_unit_range
from genlib.io.provenance import file_sha256


def load_sampling_model(
    checkpoint: dict[str, Any],
    sampler: dict[str, Any] | None = None,
    path: Any = "checkpoint",
    *,
    data_dir: str | Path | None = None,
) -> SamplingModel:
    """The checkpoint's model as a generator; `sampler` replaces a diffusion model's sampling settings and
    `data_dir` is the prepared dataset whose held-out inputs a translator maps."""
    family = family_of_checkpoint(checkpoint, path)
    refused = sorted(set(sampler or {}) - set(family.sampling_overrides))
    if refused:
        takes = ", ".join(family.sampling_overrides) or "none"
        raise ValueError(
            f"sampler settings {', '.join(refused)} do not apply to this checkpoint, a {family.name} model: the "
            f"{family.name} family's sampling settings are: {takes}"
        )
    return family.sampling_model(checkpoint, sampler, data_dir=None if data_dir is None else Path(data_dir))


def checkpoint_info(checkpoint: dict[str, Any], sampler: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the evaluation needs to know of the checkpoint a sample came from (and the sampler that drew it)."""
    return {
        "family": checkpoint["family"],
        "data_kind": checkpoint["data_kind"],
        "train_device": checkpoint.get("device"),
        "data_sha256": checkpoint.get("data_sha256"),
        "status": checkpoint["status"],
        "step": int(checkpoint["step"]),
        "diverged_at_step": checkpoint.get("diverged_at_step"),
        "settings": {**checkpoint["settings"], **(sampler or {})},
        "data_spec": checkpoint["data_spec"],
    }


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Generator output in [-1, 1] -> uint8 pixels, rounded as the training data was stored."""
    return to_pixels(images)


@torch.no_grad()
def generate_images(
    generator: torch.nn.Module,
    noise: torch.Tensor,
    labels: torch.Tensor | None,
    *,
    batch_size: int = 500,
    progress: bool = False,
) -> np.ndarray:
    """uint8 images (N, C, H, W) of `generator` for the given noise (and labels), in batches; `progress`
    shows a bar (a diffusion sampler on the CPU takes minutes for 26,000 images)."""
    device = next(generator.parameters(), torch.empty(0)).device  # a fixed map (bicubic upscaling) has none: CPU
    parts = []
    noise = noise.to(torch.float32)
    starts = range(0, len(noise), batch_size)
    for start in tqdm(starts, desc="sampling", unit="batch", disable=not progress, file=sys.stderr, mininterval=10.0):
        y = None if labels is None else labels[start : start + batch_size].to(device)
        parts.append(to_uint8(generator(noise[start : start + batch_size].to(device), y)).cpu())
    return torch.cat(parts).numpy()


@torch.no_grad()
def draw_samples(
    checkpoint_path: str | Path,
    n_samples: int,
    seed: int,
    *,
    device: torch.device | None = None,
    sampler: dict[str, Any] | None = None,
    run_settings: dict[str, Any] | None = None,
    data_dir: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any], dict[str, np.ndarray]]:
    """`n_samples` samples of a checkpoint's model (EMA when present), their labels (-1: none), info, and a
    translator's extra arrays (genlib.io.sample_archive.EXTRA_ARRAYS: targets, inputs, reconstructions).

    Points come back as float32 (N, 2), images as uint8 (N, C, H, W). A diverged run gives no
    samples. `sampler` replaces a diffusion model's sampling settings; `run_settings` (the config's
    settings of the run) is checked against the family the checkpoint records; `data_dir` is the
    prepared dataset (a translator maps its held-out inputs).
    """
    checkpoint = load_checkpoint(checkpoint_path)
    if run_settings is not None:
        check_family(checkpoint, run_settings, checkpoint_path)
    model = load_sampling_model(checkpoint, sampler, checkpoint_path, data_dir=data_dir)
    info = {**checkpoint_info(checkpoint, sampler), "checkpoint_sha256": file_sha256(checkpoint_path)}
    info["identity"] = run_identity(info)  # evaluation reads it from the archive, without the family's code
    shape, kind = tuple(checkpoint["data_spec"]["shape"]), kind_of(checkpoint["data_kind"])
    if checkpoint["status"] == "diverged":
        empty = np.zeros((0, *shape), dtype=np.uint8 if kind.images else np.float32)
        return empty, np.zeros(0, dtype=np.int64), info, {}
    model.to(device or torch.device("cpu"))
    rng = torch.Generator().manual_seed(seed)
    noise, labels = model.draw(n_samples, rng)
    if not kind.images:
        # One pass: a diffusion sampler's own noise then matches the single batch it was drawn for.
        samples = model.generator(noise.to(device or torch.device("cpu"))).cpu().numpy().astype(np.float32)
    else:
        samples = generate_images(model.generator, noise, labels, progress=True)
    labels_out = labels.numpy() if labels is not None else np.full(n_samples, -1, dtype=np.int64)
    extras = {}
    if model.targets is not None:
        extras["targets"] = model.drawn_targets(n_samples).numpy()
    if model.round_trip is not None:  # F(G(a)), from the outputs as they were stored
        extras["inputs"] = to_uint8(noise).numpy()
        back = to_unit_range(torch.from_numpy(samples))
        extras["reconstructions"] = generate_images(model.round_trip, back, None)
    return samples, labels_out, info, extras
