"""Each `python -m genlib` job ends its log with its exact resource use; `genlib usage` sums it per stage."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from genlib.pipeline.job_usage import PREFIX, JobUsage, collect, per_stage, read_log, stage_table

BURN = """
import time
from genlib.pipeline.job_usage import measure
started = time.monotonic()
end = time.process_time() + {seconds}
while time.process_time() < end:
    pass
print(measure("burn", started).line())
"""


def test_a_job_line_counts_the_cpu_it_burnt_and_the_wall_time_it_took():
    result = subprocess.run(
        [sys.executable, "-c", BURN.format(seconds=0.4)], capture_output=True, text=True, check=True
    )
    usage = JobUsage.parse(result.stdout.strip())
    assert usage is not None and usage.verb == "burn"
    assert 0.4 <= usage.cpu_s < 0.4 + 2.0  # interpreter start-up adds a little, never less than what was burnt
    assert usage.wall_s >= 0.39
    assert usage.max_rss_mb > 1


def test_every_verb_run_as_a_job_ends_its_stderr_with_one_usage_line(tmp_path):
    out = tmp_path / "settings.json"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "genlib", "write-settings", "--json", '{"a": 1}', "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    took = time.monotonic() - started
    last = result.stderr.strip().splitlines()[-1]
    usage = JobUsage.parse(last)
    assert usage is not None and usage.verb == "write-settings"
    assert 0 < usage.wall_s <= took and usage.cpu_s > 0
    assert out.read_text().strip() == '{\n  "a": 1\n}'


def test_a_failing_verb_still_reports_its_usage_after_the_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "genlib", "usage", str(tmp_path / "missing")], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "no log folder" in result.stderr and PREFIX not in result.stderr  # `usage` itself adds no line
    result = subprocess.run(
        [sys.executable, "-m", "genlib", "prepare", "--settings", str(tmp_path / "none.json"), "--out-dir", "data"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-2].startswith("error: JSON file") and JobUsage.parse(lines[-1]).verb == "prepare"


def write_log(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_usage_is_read_past_progress_bars_and_summed_per_stage_as_by_hand(tmp_path):
    logs = tmp_path / "logs"
    bar = "ring8/gan:  50%|#####     | 10/20\rring8/gan: 100%|##########| 20/20\r"
    write_log(
        logs / "a/seed0/train.log",
        bar + f"{PREFIX} verb=train wall_s=10.00 user_s=8.50 system_s=0.50 max_rss_mb=300\n",
    )
    write_log(
        logs / "a/seed1/train.log", f"{PREFIX} verb=train wall_s=12.00 user_s=9.00 system_s=1.00 max_rss_mb=320\n"
    )
    write_log(
        logs / "a/seed0/sample.log", f"{PREFIX} verb=sample wall_s=3.00 user_s=2.50 system_s=0.25 max_rss_mb=200\n"
    )
    write_log(logs / "a/seed1/sample.log", "Traceback: killed before the end\n")  # no line: not counted
    write_log(logs / "a/seed0/evaluate.log", f"{PREFIX} verb=evaluate wall_s=oops\n")  # damaged: not counted

    found = collect(logs)
    assert [path.relative_to(logs).as_posix() for path, _ in found] == [
        "a/seed0/sample.log",
        "a/seed0/train.log",
        "a/seed1/train.log",
    ]
    rows = per_stage(usage for _, usage in found)
    assert [(r.stage, r.jobs, r.wall_s, r.cpu_s, r.max_rss_mb) for r in rows] == [
        ("train", 2, 22.0, 19.0, 320.0),
        ("sample", 1, 3.0, 2.75, 200.0),
    ]
    table = stage_table(rows).splitlines()
    assert table[2] == "| train | 2 | 22.0 | 19.0 | 320 |"
    assert table[-1] == "| all | 3 | 25.0 | 21.8 | 320 |"
    assert read_log(logs / "a/seed0/evaluate.log") is None


def test_usage_of_a_folder_that_is_not_there_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="run snakemake first"):
        collect(tmp_path / "logs")
