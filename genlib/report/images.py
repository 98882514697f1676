"""The report's section for an image dataset: models ranked by FID under one backbone, published numbers apart.

Numbers from different backbones are never ranked together: our table holds only our runs (one
backbone per experiment), the published table is shown beside it with its own protocol, and every
difference between the two is listed.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from genlib.config import paths
from genlib.io.atomic import read_json
from genlib.io.figures import plt
from genlib.report.pieces import IMAGE_METRICS, data_uri, figure_html, loss_curves, state_curves_html, step_range

BAR_METRICS = ("fid", "kid_mean", "precision", "recall")


def image_dataset_section(dataset: str, runs: pd.DataFrame, summary: pd.DataFrame, published: pd.DataFrame) -> str:
    """HTML of one image dataset: ranking, published numbers, protocol notes, curves and pictures."""
    these_runs = runs[runs["dataset"] == dataset]
    ours = summary[summary["dataset"] == dataset].sort_values("fid_mean", na_position="last")
    theirs = published[published["dataset"] == dataset]
    protocol = these_runs["result"].iloc[0]["protocol"]
    backbone = these_runs["backbone"].iloc[0]
    parts = [
        f"<h2 id='{html.escape(dataset)}'>{html.escape(dataset)}</h2>",
        f"<p>Backbone: <b>{html.escape(backbone)}</b> ({html.escape(protocol['backbone_description'])}; weights "
        f"SHA-256 {html.escape(protocol['backbone_weights_sha256'][:12])}). Reference set: {html.escape(protocol['reference'])}, "
        f"{protocol['n_reference']} images; {protocol['n_generated']} generated images per run. Models are ranked by "
        f"mean {html.escape(backbone)} FID over completed seeds (&plusmn; standard deviation); best mean per column in bold. "
        + (
            f"The real reference images score {protocol['reference_score']:.2f} (the ceiling of the score column). "
            if "reference_score" in protocol
            else ""
        )
        + (
            f"Real training images against the held-out ones have SWD x1e3 {protocol['swd_real_floor']:.2f}: the "
            "floor of the SWD column (two real sets do not score 0)."
            if "swd_real_floor" in protocol
            else ""
        )
        + "</p>",
        _ranking_table(ours, backbone),
        _published_table(theirs),
        _protocol_notes(these_runs, theirs, backbone, protocol),
        figure_html(
            _metric_bars(dataset, ours, backbone),
            f"{dataset}: {backbone} metrics per model (error bars: std over seeds)",
        ),
        figure_html(
            _fid_curves(dataset, these_runs, backbone),
            f"{dataset}: {backbone} FID over training on a small fixed-noise sample (and, under the dataset's "
            "classifier, the classes that sample covers), one line per seed",
        ),
        figure_html(
            loss_curves(dataset, these_runs),
            f"{dataset}: discriminator and generator losses per step, one line per seed",
        ),
        state_curves_html(dataset, these_runs),
        _arithmetic_table(these_runs),
        _pictures(these_runs),
    ]
    return "\n".join(parts)


def _cell(mean: float, std: float, fmt: str, bold: bool) -> str:
    text = "&mdash;" if np.isnan(mean) else fmt.format(mean) + ("" if np.isnan(std) else f" &plusmn; {fmt.format(std)}")
    return f"<td><b>{text}</b></td>" if bold else f"<td>{text}</td>"


def _ranking_table(ours: pd.DataFrame, backbone: str) -> str:
    columns = [m for m in IMAGE_METRICS if ours[f"{m[0]}_mean"].notna().any()]
    best = {
        column: (ours[f"{column}_mean"].max() if direction == "higher" else ours[f"{column}_mean"].min())
        for column, _, direction, _ in columns
    }
    head = "".join(
        f"<th>{html.escape(h if c != 'fid' else f'{backbone} FID')} ({'&uarr;' if d == 'higher' else '&darr;'})</th>"
        for c, h, d, _ in columns
    )
    rows = []
    for rank, (_, row) in enumerate(ours.iterrows(), start=1):
        cells = "".join(
            _cell(row[f"{c}_mean"], row[f"{c}_std"], fmt, row[f"{c}_mean"] == best[c]) for c, _, _, fmt in columns
        )
        diverged = f" ({row['n_diverged']} diverged)" if row["n_diverged"] else ""
        rows.append(
            f"<tr><td>{rank if not np.isnan(row['fid_mean']) else '&mdash;'}</td><td>{html.escape(row['model'])}</td>"
            f"<td>{html.escape(row['objective'])}</td>{cells}<td>{row['n_completed']}/{row['n_seeds']}{diverged}</td>"
            f"<td>{row['train_steps']}</td></tr>"
        )
    return (
        f"<h3>This pipeline ({html.escape(backbone)} backbone)</h3><table><tr><th>rank</th><th>model</th><th>objective</th>"
        + head
        + "<th>seeds completed</th><th>training steps</th></tr>"
        + "".join(rows)
        + "</table>"
        "<p class='note'>score: the Inception Score formula on the backbone's class probabilities (the Inception "
        "Score itself with the Inception backbone). Class columns read the classifier's predicted labels; label "
        "accuracy is for conditional models (the class asked for) and translators (the input's class) only.</p>"
    )


def _published_table(theirs: pd.DataFrame) -> str:
    if theirs.empty:
        return "<p>No published numbers for this dataset in the published tables.</p>"
    rows = []
    for _, r in theirs.iterrows():
        spread = "" if pd.isna(r["spread"]) else f" &plusmn; {r['spread']:g} ({html.escape(str(r['spread_kind']))})"
        setting = str(r["setting"]) if "setting" in r and not pd.isna(r["setting"]) else ""
        method = f"{r['method']} ({setting})" if setting else r["method"]
        rows.append(
            f"<tr><td>{html.escape(method)}</td><td>{html.escape(r['metric'])}</td><td>{r['value']:g}{spread}</td>"
            f"<td>{html.escape(str(r['backbone']))}</td><td>{html.escape(r['source'])}</td>"
            f"<td class='protocol'>{html.escape(r['protocol'])}</td></tr>"
        )
    return (
        "<h3>Published (own protocol; not ranked with ours)</h3><table><tr><th>method</th><th>metric</th><th>value</th>"
        "<th>backbone</th><th>source</th><th>protocol</th></tr>" + "".join(rows) + "</table>"
    )


def _protocol_notes(these_runs: pd.DataFrame, theirs: pd.DataFrame, backbone: str, protocol: dict) -> str:
    notes = []
    their_backbones = sorted(set(theirs["backbone"].astype(str))) if not theirs.empty else []
    if their_backbones and their_backbones != [backbone]:
        notes.append(
            f"backbone: ours is {backbone}, the published numbers use {', '.join(their_backbones)}; FIDs of different "
            "backbones are on different scales and are not compared"
        )
    if not theirs.empty:
        generated = sorted(set(theirs["n_generated"].dropna().astype(int)))
        notes.append(
            f"samples: ours {protocol['n_generated']} generated vs {protocol['n_reference']} reference images; published {generated} generated"
        )
        notes.append(
            f"training length: ours {step_range(these_runs)} training steps per run, sized by the config's "
            "budget; the published runs were trained to their papers' lengths (and Lucic et al. report the best FID "
            "of a hyper-parameter search, not a mean)"
        )
    notes.append(f"reference set: {protocol['reference']}")
    if "classifier_accuracy" in protocol:
        notes.append(
            f"classifier accuracy on its held-out images: {100 * protocol['classifier_accuracy']:.2f}% (a misread "
            "digit moves a sample to another class, or another Stacked MNIST triple)"
        )
    if "inception_resize" in protocol:
        notes.append(f"Inception input: {protocol['inception_resize']}")
    return "<h3>Protocol</h3><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"


def _metric_bars(dataset: str, ours: pd.DataFrame, backbone: str) -> plt.Figure:
    shown = [m for m in IMAGE_METRICS if m[0] in BAR_METRICS]
    figure, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 3.2))
    x = np.arange(len(ours))
    for axis, (column, heading, direction, _) in zip(axes, shown):
        axis.bar(x, ours[f"{column}_mean"], yerr=ours[f"{column}_std"].fillna(0), color="tab:blue", capsize=3)
        axis.set_xticks(x, ours["model"], rotation=35, ha="right", fontsize=8)
        label = f"{backbone} {heading}" if column in ("fid", "kid_mean") else heading
        axis.set_title(f"{label} ({direction} is better)", fontsize=9)
    figure.suptitle(dataset, fontsize=10)
    figure.tight_layout()
    return figure


def _fid_curves(dataset: str, these_runs: pd.DataFrame, backbone: str) -> plt.Figure:
    """FID over training per run; beside it the classes its small sample covers, where the monitor counted them;
    dotted lines where a family marks a landmark of training (its `curve_marks`, e.g. where a new resolution fades in)."""
    curves, marks = {}, {}
    for _, run in these_runs.iterrows():
        curve = pd.read_csv(paths.run_at(run["run_dir"]).fid_curve)  # written beside the loss log by training
        if not curve.empty and "fid" in curve:
            curves[run["run_dir"]] = (run["model"], curve)
            # a family's landmarks of training (its `curve_marks`), once per model
            marks.setdefault(run["model"], run["result"].get("curve_marks") or [])
    with_modes = any("classes_covered" in curve for _, curve in curves.values())
    figure, axes = plt.subplots(1, 2 if with_modes else 1, figsize=(11 if with_modes else 7, 3.6), squeeze=False)
    colours = dict(zip(dict.fromkeys(these_runs["model"]), plt.rcParams["axes.prop_cycle"].by_key()["color"] * 3))
    plotted = set()
    # real images shown is the common clock of runs of different batch sizes and critic steps; curves that do
    # not record it (older runs) are drawn by generator step
    by_images = bool(curves) and all("images" in curve for _, curve in curves.values())
    x = "images" if by_images else "step"
    for model, curve in curves.values():
        label = model if model not in plotted else None
        plotted.add(model)
        style = {"color": colours[model], "lw": 1, "alpha": 0.8, "label": label, "marker": "."}
        axes[0, 0].plot(curve[x], curve["fid"], **style)
        if with_modes and "classes_covered" in curve:
            axes[0, 1].plot(curve[x], curve["classes_covered"], **style)
    for model, model_marks in marks.items() if by_images else ():
        for images, label in model_marks:
            for axis in axes[0]:
                axis.axvline(images, color=colours[model], lw=0.6, ls=":", alpha=0.7)
            axes[0, 0].annotate(
                label, (images, 1.0), xycoords=("data", "axes fraction"), rotation=90, fontsize=6, va="top",
                ha="right", color=colours[model],
            )  # fmt: skip
    axes[0, 0].set_ylabel(f"{backbone} FID (small sample)", fontsize=8)
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_title(
        f"{dataset}: FID over training" if plotted else f"{dataset}: no FID monitor in this config (monitor_every: 0)",
        fontsize=9,
    )
    if with_modes:
        axes[0, 1].set_ylabel("classes covered by the small sample", fontsize=8)
        axes[0, 1].set_title(f"{dataset}: modes over training", fontsize=9)
    for axis in axes[0]:
        axis.set_xlabel("real images shown" if by_images else "generator step", fontsize=8)
        if plotted:
            axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


ARITHMETIC_COLUMNS = (
    ("expected_digit", "read as d"),
    ("expected_digit_random", "read as d, random triples"),
    ("chance", "chance"),
    ("thickened", "thickened"),
    ("thickened_random", "thickened, random triples"),
)


def _arithmetic_table(these_runs: pd.DataFrame) -> str:
    """Latent arithmetic per model (mean &plusmn; std over seeds), where the config asked for it."""
    rows = []
    for model, group in these_runs.groupby("model", sort=False):
        found = [paths.run_at(r).arithmetic for r in group["run_dir"] if Path(paths.run_at(r).arithmetic).is_file()]
        read = [read_json(f) for f in found]
        shares = [s for s in read if s.get("status") == "completed"]
        if not shares:
            if read:  # every seed without a result: say why
                reason = html.escape(read[0].get("reason", read[0].get("status", "")))
                rows.append(f"<tr><td>{html.escape(model)}</td><td>0</td><td colspan='5'>{reason}</td></tr>")
            continue
        cells = []
        for key, _ in ARITHMETIC_COLUMNS:
            values = np.array([s[key] for s in shares])
            spread = f" &plusmn; {values.std(ddof=1):.1%}" if len(values) > 1 else ""
            cells.append(f"<td>{values.mean():.1%}{spread}</td>")
        rows.append(f"<tr><td>{html.escape(model)}</td><td>{len(shares)}</td>{''.join(cells)}</tr>")
    if not rows:
        return ""
    heads = "".join(f"<th>{html.escape(label)}</th>" for _, label in ARITHMETIC_COLUMNS)
    return (
        "<h3>Latent arithmetic</h3><p>thick a &minus; thin a + thin d should be a thick d (Radford et al. 2016, "
        "Sec. 6.3; genlib.sampling.arithmetic): the share of 500 results per seed the classifier reads as d and the "
        "share with more ink than the thin-d exemplars, against the same with the thickness vector replaced by the "
        "difference of two random exemplar means, and chance.</p>"
        f"<table><tr><th>model</th><th>seeds</th>{heads}</tr>{''.join(rows)}</table>"
    )


def _image(path: str | Path, alt: str) -> str:
    return f"<img alt='{html.escape(alt)}' title='{html.escape(alt)}' src='{data_uri(Path(path).read_bytes())}'>"


def _pictures(these_runs: pd.DataFrame) -> str:
    """Per model: the fixed-noise grid of every seed; for the first seed the interpolations, class grid and neighbours."""
    parts = [
        "<h3>Samples</h3><p>Grids use the same noise for every run. Interpolations walk a great circle "
        "(slerp) between two noise vectors per row. A translator's grid shows held-out inputs, their "
        "translations and (paired data) the true targets side by side, and its interpolation walks in "
        "input space between two held-out inputs. Neighbour panels put samples over their nearest training "
        "images in pixel space, as in Goodfellow et al. 2014, Fig. 2: samples that are not copies of the "
        "training set differ from their neighbours.</p>"
    ]
    for model, group in these_runs.groupby("model", sort=False):
        group = group.sort_values("seed")
        first = paths.run_at(group["run_dir"].iloc[0])
        grids = "".join(
            _image(paths.run_at(r).picture("grid"), f"{model} seed {s}")
            for r, s in zip(group["run_dir"], group["seed"])
        )
        extras = [_image(first.picture("interpolation"), f"{model}: slerp interpolations")]
        result = group["result"].iloc[0]
        if result["conditioning"] != "none":
            extras.append(_image(first.picture("classes"), f"{model}: one row per class"))
        for name, caption in result.get("extra_pictures", {}).items():
            extras.append(_image(first.picture(name), f"{model}: {caption}"))
        if Path(first.picture("arithmetic")).is_file():
            extras.append(_image(first.picture("arithmetic"), f"{model}: latent arithmetic"))
        parts.append(
            f"<h4>{html.escape(model)}</h4><div class='pictures'>{grids}{''.join(extras)}</div>"
            f"<div class='neighbours'>{_image(first.neighbours, f'{model}: nearest training neighbours')}</div>"
        )
    return "\n".join(parts)
