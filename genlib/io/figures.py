"""Figures people look at: image mosaics, scatter plots of 2-D samples; PNG, written atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from genlib.io.atomic import atomic_path  # noqa: E402


def save_figure(figure: plt.Figure, path: str | Path) -> None:
    """Write `figure` as PNG atomically and release it."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)


def draw_scatter(axis: plt.Axes, real: np.ndarray, generated: np.ndarray, modes: np.ndarray, title: str) -> None:
    """Generated points (red) over real points (grey) and the mode centres (black crosses)."""
    axis.scatter(real[:, 0], real[:, 1], s=2, c="0.7", alpha=0.5, linewidths=0, label="real")
    if len(generated):
        axis.scatter(generated[:, 0], generated[:, 1], s=2, c="tab:red", alpha=0.6, linewidths=0, label="generated")
    axis.scatter(modes[:, 0], modes[:, 1], s=20, c="k", marker="x", linewidths=1, label="modes")
    span = np.abs(modes).max() * 1.5 + 0.5
    axis.set_xlim(-span, span)
    axis.set_ylim(-span, span)
    axis.set_aspect("equal")
    axis.set_title(title, fontsize=9)
    axis.tick_params(labelsize=7)


def scatter_figure(real: np.ndarray, generated: np.ndarray, modes: np.ndarray, title: str) -> plt.Figure:
    """One scatter plot of generated over real points."""
    figure, axis = plt.subplots(figsize=(4, 4))
    draw_scatter(axis, real, generated, modes, title)
    axis.legend(loc="upper right", fontsize=7, markerscale=3)
    return figure


def tile(images: np.ndarray, columns: int, pad: int = 2) -> np.ndarray:
    """uint8 images (N, C, H, W) -> one (rows*(H+pad)+pad, columns*(W+pad)+pad, C) mosaic on a white ground."""
    n, channels, height, width = images.shape
    rows = math.ceil(n / columns)
    mosaic = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        top, left = pad + (i // columns) * (height + pad), pad + (i % columns) * (width + pad)
        mosaic[top : top + height, left : left + width] = image.transpose(1, 2, 0)
    return mosaic


def save_png(mosaic: np.ndarray, path: str | Path, scale: int = 2) -> None:
    """Write a uint8 mosaic (H, W, C) as PNG atomically, enlarged `scale` times (nearest neighbour)."""
    from PIL import Image

    pixels = mosaic.repeat(scale, axis=0).repeat(scale, axis=1)
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
