"""The comparison report: one self-contained HTML page plus CSV tables.

Per dataset: our models with mean +- standard deviation over seeds, the published numbers of the
same benchmark beside them with every protocol difference stated, sample scatter plots, loss
curves, and provenance of every number.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genlib.io.atomic import atomic_path, read_json, write_json, write_text
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
    ("precision", "precision", "higher", "{:.3f}"),
    ("recall", "recall", "higher", "{:.3f}"),
    ("score_mean", "score", "higher", "{:.2f}"),
    ("classes_covered", "classes covered", "higher", "{:.1f}"),
    ("class_kl", "class KL", "lower", "{:.3f}"),
    ("label_accuracy", "label accuracy", "higher", "{:.3f}"),
)
METRICS = POINT_METRICS + IMAGE_METRICS
PUBLISHED_COLUMNS = ("dataset", "method", "metric", "value", "spread", "spread_kind", "n_runs", "n_generated", "source", "protocol")


def metrics_of(kind: str) -> tuple[tuple[str, str, str, str], ...]:
    """The metric columns of a dataset kind ("points" or "images")."""
    return IMAGE_METRICS if kind == "images" else POINT_METRICS


def collect_runs(run_dirs: list[Path]) -> pd.DataFrame:
    """One row per run: identity, status and metrics read from each run folder's metrics.json."""
    rows = []
    for run_dir in run_dirs:
        result = read_json(Path(run_dir) / "metrics.json")
        row = {key: result[key] for key in ("dataset", "model", "objective", "seed", "status", "train_steps")}
        row["kind"] = "images" if "backbone" in result else "points"
        row["backbone"] = result.get("backbone", "raw 2-D coordinates")
        row["diverged_at_step"] = result.get("diverged_at_step")
        row["n_generated"] = result["protocol"]["n_generated"]
        row["run_dir"] = str(run_dir)
        for column, *_ in METRICS:
            row[column] = (result["metrics"] or {}).get(column, np.nan)
        row["n_modes"] = (result["metrics"] or {}).get("n_modes", np.nan)
        row["kid_std"] = (result["metrics"] or {}).get("kid_std", np.nan)
        source = result.get("provenance") or {}
        for key in ("git_commit", "git_dirty", "config_sha256", "checkpoint_sha256", "device", "train_device"):
            row[key] = source.get(key)
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample standard deviation (ddof=1) of each metric per (dataset, model) over finished seeds."""
    records = []
    for (dataset, model), group in runs.groupby(["dataset", "model"], sort=False):
        done = group[group["status"] == "completed"]
        record: dict[str, Any] = {
            "dataset": dataset, "model": model, "objective": group["objective"].iloc[0],
            "backbone": group["backbone"].iloc[0],
            "n_seeds": len(group), "n_completed": len(done), "n_diverged": int((group["status"] == "diverged").sum()),
            "train_steps": int(group["train_steps"].max()),
        }
        for column, *_ in metrics_of(group["kind"].iloc[0]):
            values = done[column].astype(float).dropna()
            record[f"{column}_mean"] = values.mean() if len(values) else np.nan
            record[f"{column}_std"] = values.std(ddof=1) if len(values) > 1 else np.nan
        records.append(record)
    return pd.DataFrame(records)


def load_published(path: Path) -> pd.DataFrame:
    """Published numbers in long form (one row per dataset, method and metric)."""
    table = pd.read_csv(path, comment="#")
    missing = [c for c in PUBLISHED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(missing)}; expected {', '.join(PUBLISHED_COLUMNS)}")
    if "backbone" not in table.columns:
        table["backbone"] = "raw 2-D coordinates"
    return table


def build_report(
    run_dirs: list[Path], *, published_csvs: list[Path], out_dir: Path, config_path: Path | None = None,
    sweep_tags: list[str] | None = None,
) -> None:
    """Write index.html, summary.csv, summary.json and runs.csv (and sweep.csv with a sampler sweep) into `out_dir`."""
    from genlib.report.images import image_dataset_section
    from genlib.report.sweep import collect_sweep, published_sweep, summarise_sweep, sweep_section

    out_dir = Path(out_dir)
    runs = collect_runs([Path(d) for d in run_dirs])
    summary = summarise(runs)
    published = pd.concat([load_published(Path(p)) for p in published_csvs], ignore_index=True)
    their_sweep = published_sweep(published)
    published = published.drop(index=their_sweep.index)
    sweep = collect_sweep([Path(d) for d in run_dirs], sweep_tags or [])
    sections = []
    for dataset in runs["dataset"].unique():
        if runs.loc[runs["dataset"] == dataset, "kind"].iloc[0] == "images":
            sections.append(image_dataset_section(dataset, runs, summary, published)
                            + sweep_section(dataset, sweep, their_sweep))
        else:
            sections.append(_dataset_section(dataset, runs, summary, published))
    provenance = _provenance(config_path)
    page = _page(sections, provenance, _runs_provenance(runs, provenance), len(runs))
    _write_csv(summary, out_dir / "summary.csv")
    write_json(out_dir / "summary.json", summary_metrics(summary))
    _write_csv(runs.drop(columns=["run_dir"]), out_dir / "runs.csv")
    if not sweep.empty:
        _write_csv(summarise_sweep(sweep), out_dir / "sweep.csv")
    write_text(out_dir / "index.html", page)


def summary_metrics(summary: pd.DataFrame) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """The summary as nested JSON, dataset -> model -> metric mean and std (absent ones left out), for `dvc metrics`."""
    nested: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for _, row in summary.iterrows():
        values: dict[str, float | int | None] = {"n_completed": int(row["n_completed"]), "n_seeds": int(row["n_seeds"])}
        for column, *_ in METRICS:
            for suffix in ("mean", "std"):
                key = f"{column}_{suffix}"
                if key in row.index and not pd.isna(row[key]):
                    values[key] = float(row[key])
        nested.setdefault(row["dataset"], {})[row["model"]] = values
    return nested


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6g")


def _dataset_section(dataset: str, runs: pd.DataFrame, summary: pd.DataFrame, published: pd.DataFrame) -> str:
    ours = summary[summary["dataset"] == dataset]
    these_runs = runs[runs["dataset"] == dataset]
    theirs = published[published["dataset"] == dataset]
    n_modes = these_runs["n_modes"].dropna()
    parts = [f"<h2 id='{html.escape(dataset)}'>{html.escape(dataset)}</h2>"]
    if len(n_modes):
        parts.append(f"<p>{int(n_modes.iloc[0])} modes. Mean &plusmn; standard deviation over completed seeds; best mean per column in bold.</p>")
    parts.append(_ours_table(ours))
    parts.append(_published_table(theirs))
    parts.append(_protocol_notes(these_runs, theirs))
    parts.append(figure_html(_metric_bars(dataset, ours, theirs), f"{dataset}: metrics per model (error bars: std over seeds); dashed: published GAN baselines"))
    parts.append(figure_html(loss_curves(dataset, these_runs), f"{dataset}: discriminator and generator losses per step, one line per seed"))
    parts.append(_scatter_grid(these_runs))
    return "\n".join(parts)


def _ours_table(ours: pd.DataFrame) -> str:
    best = {}
    for column, _, direction, _ in POINT_METRICS:
        means = ours[f"{column}_mean"]
        if means.notna().any():
            best[column] = means.max() if direction == "higher" else means.min()
    head = "".join(f"<th>{html.escape(h)} ({'&uarr;' if d == 'higher' else '&darr;'})</th>" for _, h, d, _ in POINT_METRICS)
    rows = []
    for _, row in ours.iterrows():
        cells = []
        for column, _, _, fmt in POINT_METRICS:
            mean, std = row[f"{column}_mean"], row[f"{column}_std"]
            text = "&mdash;" if np.isnan(mean) else fmt.format(mean) + ("" if np.isnan(std) else f" &plusmn; {fmt.format(std)}")
            cells.append(f"<td><b>{text}</b></td>" if column in best and mean == best[column] else f"<td>{text}</td>")
        diverged = f"{row['n_diverged']} diverged" if row["n_diverged"] else ""
        rows.append(
            f"<tr><td>{html.escape(row['model'])}</td><td>{html.escape(row['objective'])}</td>{''.join(cells)}"
            f"<td>{row['n_completed']}/{row['n_seeds']} {diverged}</td><td>{row['train_steps']}</td></tr>"
        )
    return (
        "<h3>This pipeline</h3><table><tr><th>model</th><th>objective</th>" + head
        + "<th>seeds completed</th><th>training steps</th></tr>" + "".join(rows) + "</table>"
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
        "<h3>Published</h3><table><tr><th>method</th>" + head + "<th>runs</th><th>source</th><th>protocol</th></tr>"
        + "".join(rows) + "</table>"
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


def step_range(runs: pd.DataFrame) -> str:
    """The runs' training lengths: one number, or "low to high"."""
    low, high = int(runs["train_steps"].min()), int(runs["train_steps"].max())
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


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


def loss_curves(dataset: str, these_runs: pd.DataFrame) -> plt.Figure:
    """Loss curves of every run of a dataset, one panel per model, one line per seed."""
    models = list(dict.fromkeys(these_runs["model"]))
    columns = min(3, len(models))
    rows = int(np.ceil(len(models) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False)
    for axis, model in zip(axes.ravel(), models):
        for _, run in these_runs[these_runs["model"] == model].iterrows():
            losses = pd.read_csv(Path(run["run_dir"]) / "losses.csv")
            smooth = max(1, len(losses) // 100)
            # GANs log the D and G losses; diffusion models their one denoising loss.
            for column, colour, label in (("d_loss", "tab:blue", "D loss"), ("g_loss", "tab:red", "G loss"),
                                          ("loss", "tab:green", "denoising loss")):
                if column not in losses:
                    continue
                curve = losses[column].rolling(smooth, min_periods=1).mean()
                axis.plot(losses["step"], curve, color=colour, lw=0.8, alpha=0.7,
                          label=label if run["seed"] == these_runs["seed"].min() else None)
            if "loss" in losses:
                axis.set_yscale("log")
        axis.set_title(model, fontsize=9)
        axis.set_xlabel("training step", fontsize=8)
        axis.tick_params(labelsize=7)
        axis.legend(fontsize=7)
    for axis in axes.ravel()[len(models):]:
        axis.set_visible(False)
    figure.tight_layout()
    return figure


def _scatter_grid(these_runs: pd.DataFrame) -> str:
    cells = []
    for _, run in these_runs.sort_values(["model", "seed"], kind="stable").iterrows():
        png = (Path(run["run_dir"]) / "scatter.png").read_bytes()
        cells.append(f"<img class='scatter' alt='{html.escape(run['model'])} seed {run['seed']}' src='{data_uri(png)}'>")
    return "<h3>Samples (red) over held-out real points (grey)</h3><div class='grid'>" + "".join(cells) + "</div>"


def figure_html(figure: plt.Figure, caption: str) -> str:
    """A figure as an embedded PNG with its caption."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return f"<figure><img src='{data_uri(buffer.getvalue())}' alt='{html.escape(caption)}'><figcaption>{html.escape(caption)}</figcaption></figure>"


def data_uri(png: bytes) -> str:
    """PNG bytes as a data: URI, so the page needs no other file."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _provenance(config_path: Path | None) -> dict[str, str]:
    """The page's provenance: when and from which code, config and software it was made."""
    from genlib.io.provenance import describe_git, git_state, versions

    info = {
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git commit": describe_git(git_state()),
        **{name: version or "not installed" for name, version in versions().items()},
    }
    if config_path is not None:
        from genlib.config.experiment import config_hash, load_config

        info["config"] = str(config_path)
        info["config SHA-256"] = config_hash(load_config(config_path))
    return info


def _runs_provenance(runs: pd.DataFrame, page: dict[str, str]) -> str:
    """Per run: the checkpoint its numbers came from (SHA-256), the devices, and the code and config that scored it."""
    from genlib.io.provenance import describe_git

    rows = []
    for _, run in runs.iterrows():
        commit = describe_git({"git_commit": run["git_commit"], "git_dirty": run["git_dirty"]})
        rows.append(
            f"<tr><td>{html.escape(run['dataset'])}</td><td>{html.escape(run['model'])}</td><td>{run['seed']}</td>"
            f"<td><code>{html.escape(str(run['checkpoint_sha256'] or '')[:16])}</code></td>"
            f"<td>{html.escape(str(run['train_device'] or 'not recorded'))}</td><td>{html.escape(str(run['device'] or ''))}</td>"
            f"<td><code>{html.escape(commit[:48])}</code></td><td><code>{html.escape(str(run['config_sha256'] or '')[:16])}</code></td></tr>"
        )
    warnings = []
    if runs["git_commit"].nunique(dropna=False) > 1 or runs["git_dirty"].nunique(dropna=False) > 1:
        warnings.append("the runs were scored by different versions of the code")
    if set(runs["config_sha256"]) != {page.get("config SHA-256")}:
        warnings.append("not every run was scored under this page's config")
    note = "".join(f"<p class='note'><b>Note:</b> {html.escape(w)}.</p>" for w in warnings)
    return (
        "<h3>Per run</h3>" + note + "<table><tr><th>dataset</th><th>model</th><th>seed</th><th>checkpoint SHA-256</th>"
        "<th>trained on</th><th>scored on</th><th>git commit at scoring</th><th>config SHA-256</th></tr>"
        + "".join(rows) + "</table>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1300px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; }
td.protocol { font-size: 0.85em; color: #555; max-width: 32em; }
figure { margin: 1em 0; } figcaption { font-size: 0.85em; color: #555; }
figure img { max-width: 100%; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 6px; }
.grid img { width: 100%; }
.pictures { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.pictures img { max-width: 300px; image-rendering: pixelated; }
.neighbours img { max-width: 100%; }
p.note { font-size: 0.85em; color: #555; }
"""


def _page(sections: list[str], provenance: dict[str, str], runs_provenance: str, n_runs: int) -> str:
    prov = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in provenance.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>genlib report</title><style>{STYLE}</style></head>
<body>
<h1>Generative model comparison</h1>
<p>{n_runs} runs. Numbers are computed by this pipeline from its own samples; published numbers are
quoted from their sources with their protocols.</p>
{''.join(sections)}
<h2>Provenance</h2><table>{prov}</table>
{runs_provenance}
</body></html>
"""
