"""A published table reproduced: its shape, our mean +- standard error beside each published number, a verdict.

A config names which published method each of its models reproduces (`reproduces: {model: method}`,
or `{model: {method: ..., setting: ...}}` where one table reports a method under several settings, such
as PacGAN's Table 3 with discriminators of two sizes: the published rows then carry a `setting`).
For every such model, dataset and metric that has a published row, the cell shows ours (mean +-
standard error of the mean over the completed seeds, the published tables' spread) beside theirs, and
whether our mean lies inside their mean +- their error; when it does not, by how much it misses
(in the metric's units, and in units of their error). A cell that rests on fewer seeds than were run
(a seed diverged, or has no value of that metric, such as a reverse KL without a high-quality sample)
says how many.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Columns of reproduction.csv, one row per (method, dataset, metric).
COLUMNS = (
    "method",
    "setting",
    "model",
    "dataset",
    "metric",
    "ours_mean",
    "ours_se",
    "ours_seeds",
    "seeds_run",
    "published",
    "published_spread",
    "published_spread_kind",
    "inside",
    "miss",
    "miss_in_spreads",
    "published_metric",  # the metric of the published row; another than ours where the task is an analogue
)


def reproduction_rows(
    runs: pd.DataFrame,
    published: pd.DataFrame,
    reproduces: dict[str, str],
    metrics: list[str],
    analogue: dict | None = None,
) -> pd.DataFrame:
    """One row per (method, dataset, metric) with a published number and a model that reproduces it.

    With an `analogue` ({dataset, metrics: {ours: theirs}}), our task stands in for the published
    dataset: each of our metrics is set beside the published metric it stands for, with no verdict
    (`inside` is None: the protocols differ, only the ordering of the methods can be compared).
    """
    rows = []
    settings = published["setting"].fillna("").astype(str) if "setting" in published.columns else None
    pairs = list(analogue["metrics"].items()) if analogue else [(metric, metric) for metric in metrics]
    for model, target in reproduces.items():
        method, setting = reproduced_method(target)
        for dataset in runs.loc[runs["model"] == model, "dataset"].unique():
            theirs = published[
                (published["method"] == method) & (published["dataset"] == (analogue or {}).get("dataset", dataset))
            ]
            if settings is not None:
                theirs = theirs[settings.loc[theirs.index] == setting]
            ran = runs[(runs["model"] == model) & (runs["dataset"] == dataset)]
            done = ran[ran["status"] == "completed"]
            for metric, their_metric in pairs:
                row = theirs[theirs["metric"] == their_metric]
                if row.empty or metric not in done.columns:
                    continue
                published_value, spread = float(row["value"].iloc[0]), float(row["spread"].iloc[0])
                values = done[metric].astype(float).dropna()
                mean = float(values.mean()) if len(values) else np.nan
                se = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan
                distance = abs(mean - published_value)
                # On the edge counts as inside: |7.8 - 7.9| is 0.1000000000000005 in floating point.
                inside = bool(distance <= spread or np.isclose(distance, spread)) if not np.isnan(mean) else False
                miss = 0.0 if inside else distance - spread
                if analogue:
                    inside, miss = None, np.nan
                rows.append(
                    {
                        "method": method,
                        "setting": setting,
                        "model": model,
                        "dataset": dataset,
                        "metric": metric,
                        "ours_mean": mean,
                        "ours_se": se,
                        "ours_seeds": len(values),
                        "seeds_run": len(ran),
                        "published": published_value,
                        "published_spread": spread,
                        "published_spread_kind": str(row["spread_kind"].iloc[0]),
                        "inside": inside,
                        "miss": miss,
                        "miss_in_spreads": miss / spread if spread > 0 else np.nan,
                        "published_metric": their_metric,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def reproduced_method(target: str | dict[str, str]) -> tuple[str, str]:
    """(method, setting) of a `reproduces` value: a method's name, or a mapping with `method` and `setting`."""
    if isinstance(target, dict):
        return str(target["method"]), str(target.get("setting") or "")
    return str(target), ""


def _cell(row: pd.Series, fmt: str) -> str:
    ours = "&mdash;" if np.isnan(row["ours_mean"]) else fmt.format(row["ours_mean"])
    if not np.isnan(row["ours_se"]):
        ours += f" &plusmn; {fmt.format(row['ours_se'])}"
    if 0 < row["ours_seeds"] < row["seeds_run"]:
        # A seed that diverged, or has no value of this metric (no high-quality sample: no reverse KL), is left out.
        ours += f" <small class='miss'>({row['ours_seeds']} of {row['seeds_run']} seeds)</small>"
    theirs = f"{row['published']:g}" + (
        "" if np.isnan(row["published_spread"]) else f" &plusmn; {row['published_spread']:g}"
    )
    if pd.isna(row["inside"]):  # an analogue task: another protocol, no verdict
        metric = html.escape(str(row["published_metric"]).replace("_", " "))
        return f"<td>{ours}<br><small>published {theirs} ({metric}, another protocol)</small></td>"
    if np.isnan(row["ours_mean"]):
        verdict = "<span class='miss'>no completed seed</span>"
    elif row["inside"]:
        verdict = "<span class='inside'>inside</span>"
    else:
        verdict = (
            f"<span class='miss'>outside by {row['miss']:.2g} ({row['miss_in_spreads']:.1f}&times; their error)</span>"
        )
    return f"<td>{ours}<br><small>published {theirs}</small><br>{verdict}</td>"


def reproduction_section(
    table: pd.DataFrame, metric_names: dict[str, tuple[str, str]], notes: list[str], title: str
) -> str:
    """The published table's shape: methods down, (dataset, metric) across, ours beside theirs in each cell."""
    if table.empty:
        return ""
    # Column groups: one per dataset and setting (PacGAN Table 3: D 1/4 and 1/2 the size of G), metrics inside.
    groups = list(dict.fromkeys(zip(table["dataset"], table["setting"])))
    metrics = [m for m in metric_names if m in set(table["metric"])]
    head = "".join(
        f"<th>{html.escape(' '.join(filter(None, (d, s))))} {html.escape(metric_names[m][0])}</th>"
        for d, s in groups
        for m in metrics
    )
    rows = []
    for method, group in table.groupby("method", sort=False):
        cells = []
        for dataset, setting in groups:
            for metric in metrics:
                match = group[
                    (group["dataset"] == dataset) & (group["setting"] == setting) & (group["metric"] == metric)
                ]
                cells.append("<td>&mdash;</td>" if match.empty else _cell(match.iloc[0], metric_names[metric][1]))
        models = ", ".join(dict.fromkeys(group["model"]))
        rows.append(f"<tr><td>{html.escape(method)}<br><small>{html.escape(models)}</small></td>{''.join(cells)}</tr>")
    if table["inside"].isna().all():
        summary = _ordering_summary(table, metric_names)
    else:
        inside, total = int(table["inside"].sum()), len(table)
        summary = (
            f"<p>{inside} of {total} published numbers reproduced: our mean lies inside the published mean &plusmn; "
            "its error. Ours: mean &plusmn; standard error of the mean over the completed seeds.</p>"
        )
    listed = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        f"<h2 id='reproduction'>{html.escape(title)}</h2>{summary}<table><tr><th>method</th>{head}</tr>"
        + "".join(rows)
        + "</table>"
        + (f"<h3>What differs from the published protocol</h3><ul>{listed}</ul>" if notes else "")
    )


def method_orderings(table: pd.DataFrame) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """Per (metric, dataset) of an analogue table: the methods by our mean and by the published value, best
    first (higher is better for every metric such a table compares: accuracies, PSNR, SSIM)."""
    orderings = {}
    for (metric, dataset), group in table.groupby(["metric", "dataset"], sort=False):
        by_method = group.groupby("method", sort=False).first()
        ours = list(by_method["ours_mean"].sort_values(ascending=False).index)
        theirs = list(by_method["published"].sort_values(ascending=False).index)
        orderings[(metric, dataset)] = (ours, theirs)
    return orderings


def _ordering_summary(table: pd.DataFrame, metric_names: dict[str, tuple[str, str]]) -> str:
    """What an analogue table can say: whether our ordering of the methods is the paper's, per dataset."""
    lines = []
    several = table["dataset"].nunique() > 1
    for (metric, dataset), (ours, theirs) in method_orderings(table).items():
        their_metric = str(table.loc[table["metric"] == metric, "published_metric"].iloc[0]).replace("_", " ")
        verdict = (
            "the same ordering"
            if ours == theirs
            else ("the same best method" if ours[0] == theirs[0] else "another best method")
        )
        label = metric_names.get(metric, (metric, ""))[0]
        label = f"{dataset}: {label}" if several else label
        lines.append(
            f"<li>{html.escape(label)} vs their {html.escape(their_metric)}: "
            f"ours {html.escape(' > '.join(ours))}; published {html.escape(' > '.join(theirs))}: <b>{verdict}</b></li>"
        )
    return (
        "<p>Our task stands in for the published one (another dataset and recogniser): the numbers are not "
        "comparable, the ordering of the methods is. Ours: mean &plusmn; standard error over the completed seeds.</p>"
        f"<ul>{''.join(lines)}</ul>"
    )


def published_methods(csv_paths: list[str | Path]) -> dict[str, set[str]]:
    """The methods with a published row, per dataset, in the published CSV files (lines starting with # are notes);
    a method published under a setting (a `setting` column) is named "method @ setting"."""
    methods: dict[str, set[str]] = {}
    for path in csv_paths:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(line for line in handle if not line.startswith("#")):
                name = _method_name(row.get("method") or "", row.get("setting") or "")
                methods.setdefault(row.get("dataset") or "", set()).add(name)
    return methods


def _method_name(method: str, setting: str) -> str:
    return f"{method} @ {setting}" if setting else method


def published_problems(config: dict[str, Any]) -> list[str]:
    """Published files that do not exist, and `reproduces` methods with no published row on the config's datasets."""
    from genlib.config.paths import DEFAULT_PUBLISHED

    csv_paths = list(config.get("published") or DEFAULT_PUBLISHED)
    missing = [path for path in csv_paths if not Path(path).is_file()]
    if missing:
        return [f"published: {path}: no such file (paths are relative to the working directory)" for path in missing]
    reproduces = config.get("reproduces") or {}
    if not reproduces:
        return []
    methods = published_methods(csv_paths)
    # an analogue task reads the published rows of the dataset it stands in for
    datasets = [config["analogue"]["dataset"]] if config.get("analogue") else config["datasets"]
    available = sorted({method for dataset in datasets for method in methods.get(dataset, ())})
    problems = []
    for model, target in reproduces.items():
        method, setting = (target["method"], target.get("setting") or "") if isinstance(target, dict) else (target, "")
        if _method_name(method, setting) not in available:
            problems.append(
                f"reproduces.{model}: no published row of method {_method_name(method, setting)!r} for the datasets "
                f"{', '.join(datasets)} in {', '.join(csv_paths)}; methods with rows there: "
                f"{', '.join(available) or 'none'}"
            )
    return problems
