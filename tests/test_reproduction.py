"""A published table reproduced: ours (mean +- standard error) beside theirs, and a verdict per cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genlib.report.reproduction import reproduction_rows, reproduction_section


def runs_of(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for model, modes in values.items():
        for seed, value in enumerate(modes):
            rows.append(
                {"dataset": "ring8", "model": model, "seed": seed, "status": "completed", "modes_covered": value}
            )
    rows.append({"dataset": "ring8", "model": "pacgan2", "seed": 9, "status": "diverged", "modes_covered": np.nan})
    return pd.DataFrame(rows)


PUBLISHED = pd.DataFrame(
    [
        {
            "dataset": "ring8",
            "method": "GAN",
            "metric": "modes_covered",
            "value": 6.3,
            "spread": 0.5,
            "spread_kind": "se",
        },
        {
            "dataset": "ring8",
            "method": "PacGAN2",
            "metric": "modes_covered",
            "value": 7.9,
            "spread": 0.1,
            "spread_kind": "se",
        },
    ]
)


def test_each_cell_is_our_mean_and_standard_error_beside_theirs_with_the_miss_in_their_units():
    runs = runs_of({"gan": [6.0, 7.0, 5.0, 6.0], "pacgan2": [7.0, 7.0, 8.0, 7.0]})
    table = reproduction_rows(runs, PUBLISHED, {"gan": "GAN", "pacgan2": "PacGAN2"}, ["modes_covered"]).set_index(
        "method"
    )
    gan, pac = table.loc["GAN"], table.loc["PacGAN2"]
    # GAN: mean 6.0, sample std sqrt(2/3), se = std / 2; |6.0 - 6.3| = 0.3 <= 0.5: inside.
    assert gan["ours_mean"] == 6.0 and gan["ours_se"] == pytest.approx(np.sqrt(2 / 3) / 2) and gan["inside"]
    assert gan["miss"] == 0.0 and gan["ours_seeds"] == 4
    # PacGAN2: mean 7.25 from the 4 completed seeds (the diverged one left out); |7.25 - 7.9| - 0.1 = 0.55.
    assert pac["ours_mean"] == 7.25 and pac["ours_seeds"] == 4 and not pac["inside"]
    assert pac["miss"] == pytest.approx(0.55) and pac["miss_in_spreads"] == pytest.approx(5.5)
    assert gan["seeds_run"] == 4 and pac["seeds_run"] == 5


def test_the_section_has_the_published_tables_shape_and_counts_the_numbers_reproduced():
    runs = runs_of({"gan": [6.0, 7.0, 5.0, 6.0], "pacgan2": [7.0, 7.0, 8.0, 7.0]})
    table = reproduction_rows(runs, PUBLISHED, {"gan": "GAN", "pacgan2": "PacGAN2"}, ["modes_covered"])
    page = reproduction_section(table, {"modes_covered": ("modes covered", "{:.1f}")}, ["SHORTENED: 3,000 steps"], "T1")
    assert "1 of 2 published numbers reproduced" in page
    assert "<th>ring8 modes covered</th>" in page and page.index(">GAN<") < page.index(">PacGAN2<")
    assert "published 6.3 &plusmn; 0.5" in page and "inside" in page
    assert "outside by 0.55 (5.5&times; their error)" in page and "SHORTENED: 3,000 steps" in page


def test_a_cell_over_fewer_seeds_than_were_run_says_how_many():
    """A seed without a high-quality sample has no reverse KL: the mean is over the others, and the cell says so."""
    runs = runs_of({"gan": [6.0, 7.0, np.nan, 6.0], "pacgan2": [7.0, 7.0, 8.0, 7.0]})
    table = reproduction_rows(runs, PUBLISHED, {"gan": "GAN", "pacgan2": "PacGAN2"}, ["modes_covered"])
    page = reproduction_section(table, {"modes_covered": ("modes covered", "{:.1f}")}, [], "T1")
    gan = table.set_index("method").loc["GAN"]
    assert gan["ours_seeds"] == 3 and gan["seeds_run"] == 4 and gan["ours_mean"] == pytest.approx(19 / 3)
    assert "(3 of 4 seeds)" in page and "(4 of 5 seeds)" in page  # PacGAN2: one seed diverged
    full = reproduction_rows(runs_of({"gan": [6.0, 7.0]}).iloc[:2], PUBLISHED, {"gan": "GAN"}, ["modes_covered"])
    assert "seeds)" not in reproduction_section(full, {"modes_covered": ("modes covered", "{:.1f}")}, [], "T1")


def test_models_without_a_published_row_or_a_mapping_are_left_out():
    runs = runs_of({"gan": [6.0, 7.0]})
    assert reproduction_rows(runs, PUBLISHED, {"gan": "ALI"}, ["modes_covered"]).empty
    assert reproduction_rows(runs, PUBLISHED, {}, ["modes_covered"]).empty


def test_a_mean_on_the_edge_of_the_published_spread_is_inside_despite_rounding():
    runs = runs_of({"pacgan2": [7.0, 8.0, 8.0, 8.0, 8.0]})  # mean 7.8; the published 7.9 +- 0.1
    table = reproduction_rows(runs, PUBLISHED, {"pacgan2": "PacGAN2"}, ["modes_covered"])
    assert bool(table["inside"].iloc[0]) and table["miss"].iloc[0] == 0.0


def test_a_method_published_under_two_settings_is_one_row_with_a_column_group_per_setting():
    # PacGAN Table 3: DCGAN with D 1/4 and 1/2 the size of G.
    published = pd.DataFrame(
        [
            {"dataset": "stacked-mnist", "method": "DCGAN", "metric": "classes_covered", "value": value,
             "spread": spread, "spread_kind": "se", "setting": setting}
            for setting, value, spread in (("D = 1/4 G", 78.5, 17.56), ("D = 1/2 G", 487.7, 34.59))
        ]
    )  # fmt: skip
    runs = pd.DataFrame(
        [
            {"dataset": "stacked-mnist", "model": model, "seed": seed, "status": "completed", "classes_covered": value}
            for model, values in (("quarter", [60.0, 80.0]), ("half", [900.0, 950.0]))
            for seed, value in enumerate(values)
        ]
    )
    reproduces = {
        "quarter": {"method": "DCGAN", "setting": "D = 1/4 G"},
        "half": {"method": "DCGAN", "setting": "D = 1/2 G"},
    }
    table = reproduction_rows(runs, published, reproduces, ["classes_covered"]).set_index("setting")
    assert table.loc["D = 1/4 G", "ours_mean"] == 70.0 and bool(table.loc["D = 1/4 G", "inside"])
    assert table.loc["D = 1/2 G", "ours_mean"] == 925.0 and not table.loc["D = 1/2 G", "inside"]
    assert table.loc["D = 1/2 G", "miss"] == pytest.approx(925.0 - 487.7 - 34.59)
    page = reproduction_section(table.reset_index(), {"classes_covered": ("modes", "{:.1f}")}, [], "Table 3")
    assert "<th>stacked-mnist D = 1/4 G modes</th><th>stacked-mnist D = 1/2 G modes</th>" in page
    assert page.count("<tr><td>DCGAN") == 1 and "quarter, half" in page


def test_an_analogue_task_sets_our_metric_beside_theirs_without_a_verdict_and_compares_the_ordering():
    runs = pd.DataFrame(
        [
            {"dataset": "edges2digits", "model": model, "seed": seed, "status": "completed", "label_accuracy": value}
            for model, values in {"p2p-l1": [0.60, 0.64], "p2p-cgan": [0.30, 0.34], "p2p-both": [0.70, 0.72]}.items()
            for seed, value in enumerate(values)
        ]
    )
    published = pd.DataFrame(
        [
            {"dataset": "cityscapes", "method": m, "metric": "fcn_per_pixel_accuracy", "value": v, "spread": np.nan,
             "spread_kind": "none reported"}
            for m, v in (("L1", 0.42), ("cGAN", 0.57), ("L1+cGAN", 0.66))
        ]
    )  # fmt: skip
    analogue = {"dataset": "cityscapes", "metrics": {"label_accuracy": "fcn_per_pixel_accuracy"}}
    reproduces = {"p2p-l1": "L1", "p2p-cgan": "cGAN", "p2p-both": "L1+cGAN"}
    table = reproduction_rows(runs, published, reproduces, ["label_accuracy"], analogue)
    assert table["inside"].isna().all() and list(table["published_metric"].unique()) == ["fcn_per_pixel_accuracy"]
    assert table.set_index("method").loc["L1+cGAN", "ours_mean"] == pytest.approx(0.71)
    html = reproduction_section(table, {"label_accuracy": ("label accuracy", "{:.3f}")}, [], "pix2pix Table 1")
    assert "outside" not in html and "inside" not in html
    assert "ours L1+cGAN &gt; L1 &gt; cGAN; published L1+cGAN &gt; cGAN &gt; L1: <b>the same best method</b>" in html
    assert "published 0.66 (fcn per pixel accuracy, another protocol)" in html


def test_an_analogue_ordering_is_given_per_dataset_when_a_preset_has_several():
    runs = pd.DataFrame(
        [
            {"dataset": dataset, "model": model, "seed": 0, "status": "completed", "psnr": value}
            for dataset, values in {"x2": {"sr": 25.4, "gan": 25.5}, "x4": {"sr": 18.8, "gan": 18.0}}.items()
            for model, value in values.items()
        ]
    )
    published = pd.DataFrame(
        [
            {"dataset": "bsd100", "method": m, "metric": "psnr", "value": v, "spread": np.nan,
             "spread_kind": "none reported"}
            for m, v in (("SRResNet", 27.58), ("SRGAN", 25.16))
        ]
    )  # fmt: skip
    analogue = {"dataset": "bsd100", "metrics": {"psnr": "psnr"}}
    table = reproduction_rows(runs, published, {"sr": "SRResNet", "gan": "SRGAN"}, ["psnr"], analogue)
    html = reproduction_section(table, {"psnr": ("PSNR (dB)", "{:.2f}")}, [], "SRGAN Table 2")
    assert (
        "x2: PSNR (dB) vs their psnr: ours SRGAN &gt; SRResNet; published SRResNet &gt; SRGAN: <b>another best" in html
    )
    assert (
        "x4: PSNR (dB) vs their psnr: ours SRResNet &gt; SRGAN; published SRResNet &gt; SRGAN: <b>the same ordering"
        in html
    )
