"""Matplotlib figures: scatter plots of 2-D samples; PNG, written atomically.

Image mosaics, which need no matplotlib, are in genlib.io.mosaic: training and sampling jobs draw
them without importing matplotlib.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
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
