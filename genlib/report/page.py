"""The comparison report: one self-contained HTML page plus CSV tables.

Per dataset: our models with mean +- standard deviation over seeds, the published numbers of the
same benchmark beside them with every protocol difference stated, sample scatter plots, loss
curves, and provenance of every number.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genlib.config import paths
from genlib.data.kinds import IMAGES, kind_of
from genlib.io.atomic import atomic_path, read_json, write_json, write_text
from genlib.io.provenance import file_sha256
from genlib.report.images import image_dataset_section
from genlib.report.pieces import METRICS, PUBLISHED_COLUMNS, metrics_of, step_range
from genlib.report.points import points_section
from genlib.report.reproduction import reproduction_rows, reproduction_section
from genlib.report.sweep import collect_sweep, published_sweep, summarise_sweep, sweep_section

# The section of the page for each kind of data.
# The section of each data kind; a translator's outputs are images, scored and shown as images.


def collect_runs(run_dirs: list[Path]) -> pd.DataFrame:
    """One row per run: identity, status and metrics read from each run folder's metrics.json."""
    rows = []
    for run_dir in run_dirs:
        result = read_json(paths.run_at(run_dir).metrics)
        row = {key: result[key] for key in ("dataset", "model", "objective", "seed", "status", "train_steps")}
        row["kind"] = result["data_kind"]
        row["family"] = result["family"]
        row["backbone"] = result.get("backbone", "raw 2-D coordinates")
        row["diverged_at_step"] = result.get("diverged_at_step")
        row["n_generated"] = result["protocol"]["n_generated"]
        row["run_dir"] = str(run_dir)
        for column, *_ in METRICS:
            row[column] = (result["metrics"] or {}).get(column, np.nan)
        row["n_modes"] = (result["metrics"] or {}).get("n_modes", np.nan)
        row["kid_std"] = (result["metrics"] or {}).get("kid_std", np.nan)
        source = result.get("provenance") or {}
        for key in ("git_commit", "git_dirty", "settings_sha256", "checkpoint_sha256", "device", "train_device"):
            row[key] = source.get(key)
        settings_file = Path(paths.run_at(run_dir).settings)
        row["settings_current"] = settings_file.is_file() and file_sha256(settings_file) == row["settings_sha256"]
        row["versions"] = source.get("versions") or {}
        row["loss_labels"] = result.get("loss_labels") or {}  # the family's, recorded at sampling time
        row["state_columns"] = tuple(result.get("state_columns") or ())
        row["state_plots"] = result.get("state_plots") or {}
        row["result"] = result  # the whole metrics file, read once here for every section
        rows.append(row)
    return pd.DataFrame(rows)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample standard deviation (ddof=1) of each metric per (dataset, model) over finished seeds."""
    records = []
    for (dataset, model), group in runs.groupby(["dataset", "model"], sort=False):
        done = group[group["status"] == "completed"]
        record: dict[str, Any] = {
            "dataset": dataset,
            "model": model,
            "objective": group["objective"].iloc[0],
            "backbone": group["backbone"].iloc[0],
            "n_seeds": len(group),
            "n_completed": len(done),
            "n_diverged": int((group["status"] == "diverged").sum()),
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
    run_dirs: list[Path],
    *,
    published_csvs: list[Path],
    out_dir: Path,
    config_path: Path | None = None,
    sweep_tags: list[str] | None = None,
    lock_path: Path | None = None,
) -> None:
    """Write index.html, summary.csv, summary.json and runs.csv (and sweep.csv with a sampler sweep) into `out_dir`."""
    out_dir = Path(out_dir)
    runs = collect_runs([Path(d) for d in run_dirs])
    summary = summarise(runs)
    published = pd.concat([load_published(Path(p)) for p in published_csvs], ignore_index=True)
    their_sweep = published_sweep(published)
    published = published.drop(index=their_sweep.index)
    sweep = collect_sweep([Path(d) for d in run_dirs], sweep_tags or [])
    sections = []
    from genlib.config.loading import load_config

    config = load_config(config_path) if config_path is not None else {}
    reproduced = reproduction_rows(
        runs, published, config.get("reproduces") or {}, [m for m, *_ in METRICS], config.get("analogue")
    )
    if not reproduced.empty:
        notes = [
            f"training length: ours {step_range(runs[runs['model'].isin(list(config['reproduces']))])} steps per run",
            *(config.get("reproduction_notes") or []),
        ]
        names = {column: (heading, fmt) for column, heading, _, fmt in METRICS}
        sections.append(reproduction_section(reproduced, names, notes, "Published table reproduced"))
    for dataset in runs["dataset"].unique():
        kind = kind_of(runs.loc[runs["dataset"] == dataset, "kind"].iloc[0])
        section = (image_dataset_section if kind.images else points_section)(dataset, runs, summary, published)
        if kind is IMAGES:  # a sampler sweep draws generated images, not translations
            section += sweep_section(dataset, sweep, their_sweep)
        sections.append(section)
    provenance = _provenance(config_path)
    page = _page(sections, provenance, _runs_provenance(runs, provenance, lock_path), len(runs))
    files = paths.report_at(out_dir)
    _write_csv(summary, files.summary_csv)
    write_json(files.summary_json, summary_metrics(summary))
    _write_csv(
        runs.drop(columns=["run_dir", "versions", "loss_labels", "state_columns", "state_plots", "result"]),
        files.runs_csv,
    )
    if not sweep.empty:
        _write_csv(summarise_sweep(sweep), files.sweep_csv)
    if not reproduced.empty:
        _write_csv(reproduced, files.reproduction_csv)
    write_text(files.page, page)


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


def _provenance(config_path: Path | None) -> dict[str, str]:
    """The page's provenance: when and from which code, config and software it was made."""
    from genlib.io.provenance import describe_git, git_state, versions

    info = {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git commit": describe_git(git_state()),
        **{name: version or "not installed" for name, version in versions().items()},
    }
    if config_path is not None:
        from genlib.config.loading import config_hash, load_config

        info["config"] = str(config_path)
        info["config SHA-256"] = config_hash(load_config(config_path))
    return info


def _lock_warnings(runs: pd.DataFrame, lock_path: Path | None) -> list[str]:
    """Runs whose recorded software versions are not the lock's, and the report's own install if it differs."""
    if lock_path is None:
        return []
    from genlib.io.lock import differences_line, install_differences, locked_pins, recorded_differences

    pins = locked_pins(lock_path)
    counts: dict[str, int] = {}
    for versions in runs["versions"]:
        for difference in recorded_differences(versions, pins):
            counts[difference.describe()] = counts.get(difference.describe(), 0) + 1
    warnings = (
        [
            f"runs made with other versions than {lock_path}'s: "
            + ", ".join(f"{text} in {n} of {len(runs)} runs" for text, n in sorted(counts.items()))
        ]
        if counts
        else []
    )
    installed = install_differences(pins)
    if installed:
        warnings.append(f"this report was made where {differences_line(installed, lock_path)}")
    return warnings


def _runs_provenance(runs: pd.DataFrame, page: dict[str, str], lock_path: Path | None = None) -> str:
    """Per run: the checkpoint its numbers came from (SHA-256), the devices, and the code and settings that scored it."""
    from genlib.io.provenance import describe_git

    rows = []
    for _, run in runs.iterrows():
        commit = describe_git({"git_commit": run["git_commit"], "git_dirty": run["git_dirty"]})
        rows.append(
            f"<tr><td>{html.escape(run['dataset'])}</td><td>{html.escape(run['model'])}</td><td>{run['seed']}</td>"
            f"<td><code>{html.escape(str(run['checkpoint_sha256'] or '')[:16])}</code></td>"
            f"<td>{html.escape(str(run['train_device'] or 'not recorded'))}</td><td>{html.escape(str(run['device'] or ''))}</td>"
            f"<td><code>{html.escape(commit[:48])}</code></td><td><code>{html.escape(str(run['settings_sha256'] or '')[:16])}</code></td></tr>"
        )
    warnings = []
    if runs["git_commit"].nunique(dropna=False) > 1 or runs["git_dirty"].nunique(dropna=False) > 1:
        warnings.append("the runs were scored by different versions of the code")
    if not runs["settings_current"].all():
        warnings.append("not every run was scored under its settings as they are now (the run's settings.json)")
    warnings += _lock_warnings(runs, lock_path)
    note = "".join(f"<p class='note'><b>Note:</b> {html.escape(w)}.</p>" for w in warnings)
    return (
        "<h3>Per run</h3>" + note + "<table><tr><th>dataset</th><th>model</th><th>seed</th><th>checkpoint SHA-256</th>"
        "<th>trained on</th><th>scored on</th><th>git commit at scoring</th><th>settings SHA-256</th></tr>"
        + "".join(rows)
        + "</table>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1300px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; }
td.protocol { font-size: 0.85em; color: #555; max-width: 32em; }
span.inside { color: #1a7f37; font-weight: bold; }
span.miss { color: #b35900; }
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
{"".join(sections)}
<h2>Provenance</h2><table>{prov}</table>
{runs_provenance}
</body></html>
"""
