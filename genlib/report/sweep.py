"""The report's sampler sweep: FID of one trained diffusion model over sampling steps S, per sampler.

Our curves (one line per sampler, mean +- standard deviation over seeds) sit beside the published
curves of Song et al. 2021, Table 1, on separate axes: the two differ in dataset, backbone and
sample count, so only the shape is compared (how fast FID falls with S, and which sampler wins at
small S), never the values.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from genlib.config import paths
from genlib.config.settings import SweepPoint
from genlib.io.atomic import read_json
from genlib.io.figures import plt
from genlib.report.pieces import figure_html

# The samplers in legend order, with one colour each (ours and published alike).
SAMPLER_COLOURS = {
    "DDIM eta=0": "tab:blue",
    "DDIM eta=0.2": "tab:cyan",
    "DDIM eta=0.5": "tab:purple",
    "DDIM eta=1": "tab:orange",
    "DDPM (sigma-hat)": "tab:red",
}


def collect_sweep(run_dirs: list[Path], tags: list[str]) -> pd.DataFrame:
    """One row per (run, sampler setting) that has a sweep result: identity, sampler, S and FID."""
    rows = []
    for run_dir in run_dirs:
        for tag in tags:
            path = Path(paths.run_at(run_dir).sweep(tag).metrics)
            if not path.is_file():
                continue  # the sweep covers diffusion models on images only
            result = read_json(path)
            sampler = result["sampler"]
            point = SweepPoint(
                sampler=sampler["sampler"],
                sampler_steps=sampler["sampler_steps"],
                eta=sampler["eta"],
                spacing=sampler["spacing"],
            )
            rows.append(
                {
                    "dataset": result["dataset"],
                    "model": result["model"],
                    "seed": result["seed"],
                    "tag": tag,
                    "sampler": point.label,
                    "steps": point.sampler_steps,
                    "spacing": point.spacing,
                    "status": result["status"],
                    "n_generated": result["protocol"]["n_generated"],
                    "backbone": result["backbone"],
                    "fid": (result["metrics"] or {}).get("fid", np.nan),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "dataset",
            "model",
            "seed",
            "tag",
            "sampler",
            "steps",
            "spacing",
            "status",
            "n_generated",
            "backbone",
            "fid",
        ],
    )


def summarise_sweep(sweep: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample standard deviation (ddof=1) of FID per (dataset, model, sampler, S) over seeds."""
    grouped = sweep.groupby(["dataset", "model", "sampler", "steps"], sort=False)["fid"]
    summary = grouped.agg(fid_mean="mean", fid_std=lambda v: v.std(ddof=1) if len(v) > 1 else np.nan, n_seeds="count")
    return summary.reset_index()


def published_sweep(published: pd.DataFrame) -> pd.DataFrame:
    """The published rows that are FIDs over sampling steps (they carry a `sampling_steps` column)."""
    if "sampling_steps" not in published.columns:
        return published.iloc[:0]
    return published[published["sampling_steps"].notna()]


def sweep_section(dataset: str, sweep: pd.DataFrame, theirs: pd.DataFrame) -> str:
    """HTML of the sampler sweep of one dataset: the FID table over S, our and the published curves, the protocol."""
    ours = sweep[sweep["dataset"] == dataset]
    if ours.empty:
        return ""
    summary = summarise_sweep(ours)
    backbone = ours["backbone"].iloc[0]
    parts = [
        "<h3>Sampling steps: FID over S</h3>",
        f"<p>Each trained diffusion model sampled again with every sampler of the config's <code>sampler_sweep</code> "
        f"at every S ({ours['spacing'].iloc[0]} spacing), {int(ours['n_generated'].iloc[0])} images per setting from the "
        f"same noise, scored with the {html.escape(backbone)} backbone; mean &plusmn; standard deviation over seeds. "
        "The shape of Song et al. 2021, Table 1.</p>",
    ]
    for model, rows in summary.groupby("model", sort=False):
        parts.append(_table(model, rows, backbone))
    parts.append(
        figure_html(
            _curves(dataset, summary, theirs, backbone),
            f"{dataset}: FID over sampling steps S; left ours, right the published Table 1 of Song et al. 2021",
        )
    )
    if not theirs.empty:
        datasets = ", ".join(sorted(set(theirs["dataset"])))
        notes = [
            f"dataset: ours {dataset}, published {datasets}",
            f"backbone: ours {backbone}, published Inception; the FID values are on different scales and are not compared",
            f"samples: ours {int(ours['n_generated'].iloc[0])} per setting",
            "training: ours as trained in this experiment (see the ranking table); published: the fully trained models of Ho et al. 2020",
            f"spacing: ours {ours['spacing'].iloc[0]}; published "
            + "; ".join(f"{d}: {', '.join(sorted(set(g['spacing'])))}" for d, g in theirs.groupby("dataset")),
        ]
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(parts)


def _table(model: str, rows: pd.DataFrame, backbone: str) -> str:
    steps = sorted(set(rows["steps"]))
    head = "".join(f"<th>S = {s}</th>" for s in steps)
    body = []
    for sampler, group in rows.groupby("sampler", sort=False):
        by_steps = group.set_index("steps")
        best = group["fid_mean"].min()
        cells = []
        for s in steps:
            if s not in by_steps.index or np.isnan(by_steps.loc[s, "fid_mean"]):
                cells.append("<td>&mdash;</td>")
                continue
            mean, std = by_steps.loc[s, "fid_mean"], by_steps.loc[s, "fid_std"]
            text = f"{mean:.2f}" + ("" if np.isnan(std) else f" &plusmn; {std:.2f}")
            cells.append(f"<td><b>{text}</b></td>" if mean == best else f"<td>{text}</td>")
        body.append(f"<tr><td>{html.escape(sampler)}</td>{''.join(cells)}</tr>")
    return (
        f"<h4>{html.escape(model)}: {html.escape(backbone)} FID (&darr;), best S per sampler in bold</h4>"
        f"<table><tr><th>sampler</th>{head}</tr>{''.join(body)}</table>"
    )


def _curves(dataset: str, summary: pd.DataFrame, theirs: pd.DataFrame, backbone: str) -> plt.Figure:
    panels = 2 if not theirs.empty else 1
    figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 3.8), squeeze=False)
    ours_axis = axes[0, 0]
    for (model, sampler), group in summary.groupby(["model", "sampler"], sort=False):
        group = group.sort_values("steps")
        ours_axis.errorbar(
            group["steps"],
            group["fid_mean"],
            yerr=group["fid_std"].fillna(0),
            marker="o",
            capsize=3,
            color=SAMPLER_COLOURS.get(sampler),
            label=f"{model}: {sampler}" if summary["model"].nunique() > 1 else sampler,
        )
    ours_axis.set_title(f"ours: {dataset}, {backbone} FID", fontsize=9)
    if panels == 2:
        their_axis = axes[0, 1]
        for (name, method), group in theirs.groupby(["dataset", "method"], sort=False):
            group = group.sort_values("sampling_steps")
            their_axis.plot(
                group["sampling_steps"],
                group["value"],
                marker="o",
                color=SAMPLER_COLOURS.get(method),
                linestyle="-" if name == theirs["dataset"].iloc[0] else "--",
                label=f"{name}: {method}",
            )
        their_axis.set_title("published: Song et al. 2021, Table 1 (Inception FID)", fontsize=9)
    for axis in axes[0]:
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("sampling steps S", fontsize=8)
        axis.set_ylabel("FID", fontsize=8)
        axis.legend(fontsize=7)
    figure.tight_layout()
    return figure
