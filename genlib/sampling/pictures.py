"""Pictures of image generators: fixed-noise sample grids, per-class grids, latent interpolations, nearest neighbours."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from genlib.config import paths
from genlib.families.interface import SamplingModel
from genlib.families.registry import family_of_checkpoint
from genlib.io.checkpoint import load_checkpoint
from genlib.io.mosaic import save_png, tile
from genlib.sampling.samples import generate_images, load_sampling_model, to_uint8

if TYPE_CHECKING:  # matplotlib (genlib.io.figures) is imported by the neighbour panel only: sample jobs skip it
    from genlib.io.figures import plt


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between noise vectors a, b (D,) at fractions t (T,) -> (T, D) (Shoemake 1985; White 2016)."""
    cos = torch.dot(a / a.norm(), b / b.norm()).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-6:  # parallel vectors: slerp is lerp
        return (1 - t)[:, None] * a + t[:, None] * b
    return (torch.sin((1 - t) * omega)[:, None] * a + torch.sin(t * omega)[:, None] * b) / torch.sin(omega)


def interpolation_noise(latent_dim: int, rows: int, steps: int, seed: int) -> torch.Tensor:
    """`rows` slerp paths of `steps` points between seeded noise pairs -> (rows * steps, latent_dim)."""
    rng = torch.Generator().manual_seed(seed)
    ends = torch.randn(rows, 2, latent_dim, generator=rng)
    t = torch.linspace(0, 1, steps)
    return torch.cat([slerp(ends[r, 0], ends[r, 1], t) for r in range(rows)])


def nearest_neighbours(samples: np.ndarray, training: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Index of each sample's nearest training image in pixel space (Euclidean), (N,)."""
    train = torch.from_numpy(training.reshape(len(training), -1)).float()
    train_sq = (train**2).sum(1)
    found = []
    for start in range(0, len(samples), batch_size):
        x = torch.from_numpy(samples[start : start + batch_size].reshape(-1, train.shape[1])).float()
        distances = train_sq[None, :] - 2 * x @ train.T  # ||x||^2 is the same for every candidate
        found.append(distances.argmin(1))
    return torch.cat(found).numpy()


def neighbour_figure(samples: np.ndarray, training: np.ndarray, title: str) -> plt.Figure:
    """Samples (top row) over their nearest training images (bottom row), as in Goodfellow et al. 2014, Fig. 2."""
    from genlib.io.figures import plt

    nearest = training[nearest_neighbours(samples, training)]
    columns = len(samples)
    figure, axes = plt.subplots(2, columns, figsize=(0.9 * columns, 2.2), squeeze=False)
    for column in range(columns):
        for row, image in ((0, samples[column]), (1, nearest[column])):
            axis = axes[row, column]
            picture = image.transpose(1, 2, 0)
            axis.imshow(picture[:, :, 0] if picture.shape[2] == 1 else picture, cmap="gray", vmin=0, vmax=255)
            axis.set_xticks([])
            axis.set_yticks([])
    axes[0, 0].set_ylabel("sample", fontsize=8)
    axes[1, 0].set_ylabel("nearest\ntraining", fontsize=8)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    return figure


def save_neighbour_panel(samples: np.ndarray, training: np.ndarray, title: str, path: str | Path) -> None:
    """Write the nearest-training-neighbour panel of `samples` as PNG."""
    from genlib.io.figures import save_figure

    save_figure(neighbour_figure(samples, training, title), path)


def draw_run_pictures(
    checkpoint_path: str | Path,
    out_dir: str | Path,
    *,
    grid_size: int,
    device: torch.device,
    data_dir: str | Path | None = None,
) -> None:
    """grid.png (fixed noise), classes.png (one row per class; blank when unconditional) and interpolation.png of a run.

    A translator's grid shows input | output | target triples of its first held-out inputs, and its
    interpolation walks in input space between pairs of them.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    out = paths.run_at(out_dir)
    blank = np.full((1, *checkpoint["data_spec"]["shape"]), 255, dtype=np.uint8)
    if checkpoint["status"] == "diverged":
        for name in paths.RUN_PICTURES:
            save_png(tile(blank, 1), out.picture(name))
        return
    model = load_sampling_model(checkpoint, path=checkpoint_path, data_dir=data_dir).to(device)
    if model.inputs is not None:
        _draw_translator_pictures(model, out, grid_size, blank)
        return
    generator, shape, num_classes = model.generator, model.noise_shape, model.num_classes
    # The same noise (seed 0) for every run and step: grids are comparable across runs.
    noise = torch.randn(grid_size, *shape, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(grid_size) % num_classes if num_classes else None
    save_png(tile(generate_images(generator, noise, labels), int(grid_size**0.5)), out.picture("grid"))
    steps, rows = 10, 6
    path = interpolation_noise(math.prod(shape), rows, steps, seed=1).view(rows * steps, *shape)
    labels = (torch.arange(rows) % num_classes).repeat_interleave(steps) if num_classes else None
    save_png(tile(generate_images(generator, path, labels), steps), out.picture("interpolation"))
    if not num_classes:
        save_png(tile(blank, 1), out.picture("classes"))
        return
    per_class = 8  # the same 8 noise vectors in every row: only the label changes down a column
    noise = torch.randn(per_class, *shape, generator=torch.Generator().manual_seed(2)).repeat(
        num_classes, *([1] * len(shape))
    )
    labels = torch.arange(num_classes).repeat_interleave(per_class)
    save_png(tile(generate_images(generator, noise, labels), per_class), out.picture("classes"))


def _draw_translator_pictures(model: SamplingModel, out: paths.RunPaths, grid_size: int, blank: np.ndarray) -> None:
    """grid: columns of (input, output, target) triples; interpolation: outputs along straight lines between inputs."""
    count = max(grid_size // 4, 1)  # 16 of a 64-image grid: whole rows of triples (or pairs)
    inputs, labels = model.draw(count, torch.Generator())
    outputs = generate_images(model.generator, inputs, labels)
    shown = [as_output_size(to_uint8(inputs), outputs.shape[-1]), outputs]
    targets = model.drawn_targets(count)
    if targets is not None:
        shown.append(targets.numpy())
    columns = 8 // len(shown) * len(shown)  # whole triples per row
    save_png(tile(np.stack(shown, 1).reshape(-1, *outputs.shape[1:]), columns), out.picture("grid"))
    steps, rows = 10, 6
    ends, _ = model.draw(2 * rows, torch.Generator())
    t = torch.linspace(0, 1, steps)[None, :, None, None, None]
    path = ((1 - t) * ends[0::2, None] + t * ends[1::2, None]).reshape(rows * steps, *ends.shape[1:])
    save_png(tile(generate_images(model.generator, path, None), steps), out.picture("interpolation"))
    save_png(tile(blank, 1), out.picture("classes"))


def as_output_size(images: torch.Tensor, size: int) -> np.ndarray:
    """uint8 images (N, C, h, w) enlarged to size x size by pixel repetition (a low-resolution input shown as it is)."""
    factor = size // images.shape[-1]
    return images.repeat_interleave(factor, -2).repeat_interleave(factor, -1).numpy()


def draw_family_picture(
    name: str, checkpoint_path: str | Path, data_dir: str | Path, out: str | Path, *, device: torch.device
) -> None:
    """A picture only some families draw (e.g. a diffusion model's denoising trajectory); blank for a diverged run."""
    checkpoint = load_checkpoint(checkpoint_path)
    family = family_of_checkpoint(checkpoint, checkpoint_path)
    if name not in family.extra_pictures:
        raise ValueError(
            f"the {family.name} family draws no picture {name!r}; it draws: {', '.join(family.extra_pictures) or 'none'}"
        )
    if checkpoint["status"] == "diverged":
        save_png(tile(np.full((1, *checkpoint["data_spec"]["shape"]), 255, dtype=np.uint8), 1), out)
        return
    family.draw_picture(name, checkpoint, Path(data_dir), Path(out), device=device)
