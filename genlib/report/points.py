"""The report's section for a 2-D mixture: modes, high-quality fraction and reverse KL beside PacGAN's table."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from genlib.config import paths
from genlib.io.figures import plt
from genlib.report.pieces import POINT_METRICS, data_uri, figure_html, loss_curves, state_curves_html, step_range


def points_section(dataset: str, runs: pd.DataFrame, summary: pd.DataFrame, published: pd.DataFrame) -> str:
    ours = summary[summary["dataset"] == dataset]
    these_runs = runs[runs["dataset"] == dataset]
    theirs = published[published["dataset"] == dataset]
    n_modes = these_runs["n_modes"].dropna()
    parts = [f"<h2 id='{html.escape(dataset)}'>{html.escape(dataset)}</h2>"]
    if len(n_modes):
        parts.append(
            f"<p>{int(n_modes.iloc[0])} modes. Mean &plusmn; standard deviation over completed seeds; best mean per column in bold.</p>"
        )
    parts.append(_ours_table(ours))
    parts.append(_published_table(theirs))
    parts.append(_protocol_notes(these_runs, theirs))
    parts.append(
        figure_html(
            _metric_bars(dataset, ours, theirs),
            f"{dataset}: metrics per model (error bars: std over seeds); dashed: published GAN baselines",
        )
    )
    parts.append(
        figure_html(
            loss_curves(dataset, these_runs),
            f"{dataset}: discriminator and generator losses per step, one line per seed",
        )
    )
    parts.append(state_curves_html(dataset, these_runs))
    parts.append(_scatter_grid(these_runs))
    return "\n".join(parts)


def _ours_table(ours: pd.DataFrame) -> str:
    best = {}
    for column, _, direction, _ in POINT_METRICS:
        means = ours[f"{column}_mean"]
        if means.notna().any():
            best[column] = means.max() if direction == "higher" else means.min()
    head = "".join(
        f"<th>{html.escape(h)} ({'&uarr;' if d == 'higher' else '&darr;'})</th>" for _, h, d, _ in POINT_METRICS
    )
    rows = []
    for _, row in ours.iterrows():
        cells = []
        for column, _, _, fmt in POINT_METRICS:
            mean, std = row[f"{column}_mean"], row[f"{column}_std"]
            text = (
                "&mdash;"
                if np.isnan(mean)
                else fmt.format(mean) + ("" if np.isnan(std) else f" &plusmn; {fmt.format(std)}")
            )
            cells.append(f"<td><b>{text}</b></td>" if column in best and mean == best[column] else f"<td>{text}</td>")
        diverged = f"{row['n_diverged']} diverged" if row["n_diverged"] else ""
        rows.append(
            f"<tr><td>{html.escape(row['model'])}</td><td>{html.escape(row['objective'])}</td>{''.join(cells)}"
            f"<td>{row['n_completed']}/{row['n_seeds']} {diverged}</td><td>{row['train_steps']}</td></tr>"
        )
    return (
        "<h3>This pipeline</h3><table><tr><th>model</th><th>objective</th>"
        + head
        + "<th>seeds completed</th><th>training steps</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _published_table(theirs: pd.DataFrame) -> str:
    if theirs.empty:
        return "<p>No published numbers for this benchmark in the published table.</p>"
    metrics = [m for m, *_ in POINT_METRICS if m in set(theirs["metric"])]
    headings = {m: h for m, h, *_ in POINT_METRICS}
    rows = []
    for (method, source), group in theirs.groupby(["method", "source"], sort=False):
        by_metric = {r["metric"]: r for _, r in group.iterrows()}
        cells = []
        for metric in metrics:
            r = by_metric.get(metric)
            if r is None:
                cells.append("<td>&mdash;</td>")
            else:
                spread = "" if pd.isna(r["spread"]) else f" &plusmn; {r['spread']:g} ({r['spread_kind']})"
                cells.append(f"<td>{r['value']:g}{spread}</td>")
        first = group.iloc[0]
        rows.append(
            f"<tr><td>{html.escape(method)}</td>{''.join(cells)}<td>{int(first['n_runs'])}</td>"
            f"<td>{html.escape(source)}</td><td class='protocol'>{html.escape(first['protocol'])}</td></tr>"
        )
    head = "".join(f"<th>{html.escape(headings[m])}</th>" for m in metrics)
    return (
        "<h3>Published</h3><table><tr><th>method</th>"
        + head
        + "<th>runs</th><th>source</th><th>protocol</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _protocol_notes(these_runs: pd.DataFrame, theirs: pd.DataFrame) -> str:
    if theirs.empty:
        return ""
    notes = []
    ours_generated = sorted(set(these_runs["n_generated"]))
    theirs_generated = sorted(set(theirs["n_generated"].dropna().astype(int)))
    if ours_generated != theirs_generated:
        notes.append(f"generated samples evaluated: ours {ours_generated}, published {theirs_generated}")
    n_seeds = these_runs.groupby("model")["seed"].nunique().max()
    notes.append(
        f"spread: ours is the standard deviation over {n_seeds} seeds; the published spreads are as marked "
        f"(se = standard error of the mean) over the runs listed"
    )
    notes.append(
        f"training length: ours {step_range(these_runs)} training steps per run (see the steps column), sized by the "
        "config's budget; the published runs were trained to convergence. A short run that spreads its samples "
        "loosely around the modes scores a low high-quality fraction even when it covers every mode"
    )
    notes.append(
        "methods: the published rows are the plain GAN baseline and mode-collapse remedies (ALI, PacGAN, "
        "Unrolled GAN, VEEGAN); our GAN rows vary the objective of one MLP pair, so only the GAN rows are like for like; a diffusion row has no published counterpart here"
    )
    return "<h3>Protocol differences</h3><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"


def _metric_bars(dataset: str, ours: pd.DataFrame, theirs: pd.DataFrame) -> plt.Figure:
    figure, axes = plt.subplots(1, len(POINT_METRICS), figsize=(4 * len(POINT_METRICS), 3.2))
    x = np.arange(len(ours))
    for axis, (column, heading, direction, _) in zip(axes, POINT_METRICS):
        axis.bar(x, ours[f"{column}_mean"], yerr=ours[f"{column}_std"].fillna(0), color="tab:blue", capsize=3)
        gan = theirs[(theirs["metric"] == column) & (theirs["method"] == "GAN")]
        for (_, row), colour in zip(gan.iterrows(), ("tab:orange", "tab:green", "tab:purple")):
            axis.axhline(row["value"], ls="--", lw=1, color=colour, label=f"GAN, {row['source']}")
        if len(gan):
            axis.legend(fontsize=6, loc="best")
        axis.set_xticks(x, ours["model"], rotation=35, ha="right", fontsize=8)
        axis.set_title(f"{heading} ({'higher' if direction == 'higher' else 'lower'} is better)", fontsize=9)
    figure.suptitle(dataset, fontsize=10)
    figure.tight_layout()
    return figure


def _scatter_grid(these_runs: pd.DataFrame) -> str:
    cells = []
    for _, run in these_runs.sort_values(["model", "seed"], kind="stable").iterrows():
        png = Path(paths.run_at(run["run_dir"]).scatter).read_bytes()
        cells.append(
            f"<img class='scatter' alt='{html.escape(run['model'])} seed {run['seed']}' src='{data_uri(png)}'>"
        )
    return "<h3>Samples (red) over held-out real points (grey)</h3><div class='grid'>" + "".join(cells) + "</div>"
