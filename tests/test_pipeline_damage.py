"""End to end, with damaged files: a finished file cut short or changed inside is never taken for done."""

import json
import os
import shutil
from pathlib import Path

import pytest
from damaging import flip_a_data_byte
from pipeline_helpers import (
    ONE_RUN,
    ONE_RUN_FOLDER,
    make_workdir,
    snakemake,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def one_finished_run(tmp_path_factory) -> Path:
    """The pipeline run once on one 2-D run; tests copy it before damaging it."""
    work = make_workdir(tmp_path_factory.mktemp("one-run"), ONE_RUN)
    snakemake(work)
    return work


def copy_of(work: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "work"
    shutil.copytree(work, copy, symlinks=True, copy_function=shutil.copy2)  # dates kept, as cp -p would
    return copy


def test_a_checkpoint_damaged_inside_fails_every_rerun_naming_it_until_it_is_rebuilt(tmp_path, one_finished_run):
    """No false success: the metrics depend on the checkpoint, so a damaged one is never taken for done. A bit
    changed inside keeps the archive whole and its length: the sample job finds it by the archive's CRC-32."""
    work = copy_of(one_finished_run, tmp_path)
    checkpoint = work / ONE_RUN_FOLDER / "checkpoint.pt"
    flip_a_data_byte(checkpoint)
    sample_log = work / "logs/tiny/ring8/gan-nonsaturating/seed0/sample.log"
    for _ in range(2):  # the second invocation must not report "Nothing to be done"
        result = snakemake(work, check=False)
        assert result.returncode != 0 and "Nothing to be done" not in result.stdout + result.stderr
        assert (
            f"checkpoint {ONE_RUN_FOLDER}/checkpoint.pt cannot be read (BadZipFile: member " in sample_log.read_text()
        )
        assert f"delete {ONE_RUN_FOLDER}/checkpoint.pt and run snakemake again" in sample_log.read_text()
    checkpoint.unlink()  # as the message says
    snakemake(work)
    assert json.loads((checkpoint.parent / "metrics.json").read_text())["status"] == "completed"


@pytest.mark.parametrize("name", ["checkpoint.pt", "samples.npz"])
def test_a_finished_file_cut_short_with_its_date_kept_stops_every_run_before_any_job_naming_it(
    tmp_path, one_finished_run, name
):
    """Snakemake goes by dates: a file cut short by a copy that kept its date would be taken for finished."""
    work = copy_of(one_finished_run, tmp_path)
    damaged = work / ONE_RUN_FOLDER / name
    stat = damaged.stat()
    damaged.write_bytes(damaged.read_bytes()[: stat.st_size // 2])
    os.utime(damaged, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    logs = {log: log.stat().st_mtime_ns for log in work.glob("logs/**/*.log")}
    for _ in range(2):
        result = snakemake(work, check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0 and "Nothing to be done" not in output
        assert "finished file(s) are damaged" in output and f"{ONE_RUN_FOLDER}/{name}: " in output
        assert f"delete them (rm {ONE_RUN_FOLDER}/{name}) and run snakemake again" in output
        assert {log: log.stat().st_mtime_ns for log in work.glob("logs/**/*.log")} == logs  # no job started
    damaged.unlink()  # as the message says
    snakemake(work)
    assert json.loads((work / ONE_RUN_FOLDER / "metrics.json").read_text())["status"] == "completed"
    assert "Nothing to be done" in snakemake(work, "-n").stdout


def test_every_finished_file_of_datasets_runs_and_report_inputs_is_checked_and_all_damaged_ones_are_named(
    tmp_path, one_finished_run
):
    work = copy_of(one_finished_run, tmp_path)
    files = [
        "data/ring8/settings.json",
        "data/ring8/train.npy",
        "data/ring8/test.npy",
        "data/ring8/meta.json",
        *(f"{ONE_RUN_FOLDER}/{name}" for name in ("settings.json", "losses.csv", "metrics.json", "scatter.png")),
    ]
    for name in files:
        path = work / name
        stat = path.stat()
        path.write_bytes(path.read_bytes()[: stat.st_size // 2 + 1])
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = snakemake(work, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and f"{len(files)} finished file(s) are damaged" in output
    named = [line.split(": ")[0].strip(" -") for line in output.splitlines() if line.startswith("  - ")]
    assert sorted(named) == sorted(files)


def test_a_samples_archive_damaged_inside_fails_evaluation_on_every_rerun_and_no_old_report_passes_for_done(
    tmp_path, one_finished_run
):
    """A bit changed inside the archive keeps its length and structure: the evaluate job fails on its CRC and
    Snakemake removes that job's outputs. Every rerun must make them again, not say "Nothing to be done"."""
    work = copy_of(one_finished_run, tmp_path)
    samples = work / ONE_RUN_FOLDER / "samples.npz"
    flip_a_data_byte(samples)  # a new date: the evaluation reruns on it
    evaluate_log = work / "logs/tiny/ring8/gan-nonsaturating/seed0/evaluate.log"
    for _ in range(2):
        result = snakemake(work, check=False)
        assert result.returncode != 0 and "Nothing to be done" not in result.stdout + result.stderr
        assert f"samples archive {ONE_RUN_FOLDER}/samples.npz cannot be read" in evaluate_log.read_text()
        assert not (work / ONE_RUN_FOLDER / "metrics.json").exists()
    samples.unlink()
    snakemake(work)
    assert (work / ONE_RUN_FOLDER / "metrics.json").is_file() and (work / ONE_RUN_FOLDER / "scatter.png").is_file()
    report = work / "results/tiny/report/index.html"
    assert report.stat().st_mtime_ns > (work / ONE_RUN_FOLDER / "metrics.json").stat().st_mtime_ns
