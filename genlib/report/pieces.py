"""HTML pieces and figures every section of the report shares: metric columns, embedded figures, loss curves."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd

from genlib.config import paths
from genlib.data.kinds import kind_of
from genlib.io.figures import plt

# Metrics in table order: (column, heading, better direction, format).
POINT_METRICS = (
    ("modes_covered", "modes covered", "higher", "{:.1f}"),
    ("high_quality_percent", "high quality %", "higher", "{:.1f}"),
    ("reverse_kl", "reverse KL", "lower", "{:.3f}"),
    ("frechet_distance", "Frechet distance", "lower", "{:.4f}"),
)
IMAGE_METRICS = (
    ("fid", "FID", "lower", "{:.2f}"),
    ("kid_mean", "KID", "lower", "{:.4f}"),
    ("swd", "SWD x1e3", "lower", "{:.2f}"),
    ("precision", "precision", "higher", "{:.3f}"),
    ("recall", "recall", "higher", "{:.3f}"),
    ("score_mean", "score", "higher", "{:.2f}"),
    ("classes_covered", "classes covered", "higher", "{:.1f}"),
    ("class_kl", "class KL", "lower", "{:.3f}"),
    ("label_accuracy", "label accuracy", "higher", "{:.3f}"),
    ("psnr", "PSNR (dB)", "higher", "{:.2f}"),
    ("ssim", "SSIM", "higher", "{:.4f}"),
    ("cycle_l1", "cycle L1", "lower", "{:.4f}"),
)
METRICS = POINT_METRICS + IMAGE_METRICS
LOSS_COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange")
PUBLISHED_COLUMNS = (
    "dataset",
    "method",
    "metric",
    "value",
    "spread",
    "spread_kind",
    "n_runs",
    "n_generated",
    "source",
    "protocol",
)


def metrics_of(kind: str) -> tuple[tuple[str, str, str, str], ...]:
    """The metric columns of a dataset kind: the 2-D mixtures' own, and the image metrics for every kind of
    image data (a translator's outputs are images)."""
    return IMAGE_METRICS if kind_of(kind).images else POINT_METRICS


def step_range(runs: pd.DataFrame) -> str:
    """The runs' training lengths: one number, or "low to high"."""
    low, high = int(runs["train_steps"].min()), int(runs["train_steps"].max())
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def figure_html(figure: plt.Figure, caption: str) -> str:
    """A figure as an embedded PNG with its caption."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return f"<figure><img src='{data_uri(buffer.getvalue())}' alt='{html.escape(caption)}'><figcaption>{html.escape(caption)}</figcaption></figure>"


def data_uri(png: bytes) -> str:
    """PNG bytes as a data: URI, so the page needs no other file."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def loss_curves(dataset: str, these_runs: pd.DataFrame) -> plt.Figure:
    """Loss curves of every run of a dataset, one panel per model, one line per seed."""
    models = list(dict.fromkeys(these_runs["model"]))
    columns = min(3, len(models))
    rows = int(np.ceil(len(models) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False)
    for axis, model in zip(axes.ravel(), models):
        for _, run in these_runs[these_runs["model"] == model].iterrows():
            losses = pd.read_csv(paths.run_at(run["run_dir"]).losses)
            smooth = max(1, len(losses) // 100)
            # Every loss a family logs (GANs: D and G; diffusion: the denoising loss), not its training state
            # (the family's `state_columns`); a column that is zero throughout (a GAN's gradient penalty when it
            # has none) is left out.
            state = ("step", *run["state_columns"])
            shown = [c for c in losses.columns if c not in state and losses[c].abs().sum() > 0]
            for column, colour in zip(shown, LOSS_COLOURS):
                curve = losses[column].rolling(smooth, min_periods=1).mean()
                axis.plot(
                    losses["step"],
                    curve,
                    color=colour,
                    lw=0.8,
                    alpha=0.7,
                    label=run["loss_labels"].get(column, column) if run["seed"] == these_runs["seed"].min() else None,
                )
            if len(shown) == 1 and (losses[shown[0]] > 0).all():
                axis.set_yscale("log")  # a single positive loss falling over decades
        axis.set_title(model, fontsize=9)
        axis.set_xlabel("training step", fontsize=8)
        axis.tick_params(labelsize=7)
        axis.legend(fontsize=7)
    for axis in axes.ravel()[len(models) :]:
        axis.set_visible(False)
    figure.tight_layout()
    return figure


def state_curve(column: str, these_runs: pd.DataFrame) -> plt.Figure | None:
    """A training-state column of the loss logs (a family's `state_plots`, e.g. Diffusion-GAN's chain length T)
    over training, one panel per model that logs it, one line per seed (None when no run does)."""
    logged: dict[str, list[tuple[int, pd.DataFrame, str]]] = {}
    for _, run in these_runs.iterrows():
        if column not in run["state_plots"]:
            continue
        losses = pd.read_csv(paths.run_at(run["run_dir"]).losses)
        if column in losses.columns:
            logged.setdefault(run["model"], []).append((run["seed"], losses, run["loss_labels"].get(column, column)))
    if not logged:
        return None
    figure, axes = plt.subplots(1, len(logged), figsize=(4.2 * len(logged), 2.8), squeeze=False)
    for axis, (model, seeds) in zip(axes.ravel(), logged.items()):
        for seed, losses, _ in seeds:
            axis.plot(losses["step"], losses[column], lw=0.8, alpha=0.8, label=f"seed {seed}")
        axis.set_title(model, fontsize=9)
        axis.set_xlabel("training step", fontsize=8)
        axis.set_ylabel(seeds[0][2], fontsize=8)
        axis.tick_params(labelsize=7)
        axis.legend(fontsize=6)
    figure.tight_layout()
    return figure


def state_curves_html(dataset: str, these_runs: pd.DataFrame) -> str:
    """Every training-state figure the runs' families ask for (their `state_plots`), with its caption."""
    captions = {column: caption for plots in these_runs["state_plots"] for column, caption in plots.items()}
    parts = []
    for column, caption in captions.items():
        figure = state_curve(column, these_runs)
        if figure is not None:
            parts.append(figure_html(figure, f"{dataset}: {caption}"))
    return "".join(parts)
