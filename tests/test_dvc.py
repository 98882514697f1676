"""DVC: datasets and checkpoints pushed to a remote, pulled into a fresh clone, and not retrained there."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pipeline_helpers import ROOT, TINY, git, planned_jobs

pytestmark = pytest.mark.slow

# The 2-D tiny config of the pipeline tests, one dataset and seed, a GAN and a DDPM.
TINY_DVC = dict(
    TINY,
    experiment="tinydvc",
    datasets=["ring8"],
    models=["gan-nonsaturating", "ddpm"],
    seeds=[0],
    data={"ring8": TINY["data"]["ring8"]},
)
CHECKPOINTS = [f"results/tinydvc/ring8/{model}/seed0/checkpoint.pt" for model in ("gan-nonsaturating", "ddpm")]


def run(where: Path, *command: str, check: bool = True) -> subprocess.CompletedProcess:
    # DVC runs the stages' `snakemake` commands through the shell: the test's environment comes first on PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(list(command), cwd=where, capture_output=True, text=True, timeout=600, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def dvc(where: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(where, sys.executable, "-m", "dvc", *args, check=check)


def snakemake_dry_run(where: Path) -> dict[str, int]:
    return planned_jobs(run(where, sys.executable, "-m", "snakemake", "-n", "--cores", "2", "--resources", "gpu=1"))


@pytest.fixture(scope="module")
def pushed(tmp_path_factory) -> dict[str, Path]:
    """A project with the tiny config as its default, reproduced with `dvc repro`, committed and pushed."""
    root = tmp_path_factory.mktemp("dvc")
    origin, remote = root / "origin", root / "remote"
    origin.mkdir()
    for name in ("Snakefile", ".gitignore", ".dvcignore"):
        shutil.copy(ROOT / name, origin)
    for folder in ("workflow", "profiles", "config", "genlib"):
        shutil.copytree(ROOT / folder, origin / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (origin / ".dvc").mkdir()
    for name in ("config", ".gitignore"):
        shutil.copy(ROOT / ".dvc" / name, origin / ".dvc")
    (origin / "config/config.yaml").write_text(yaml.safe_dump(TINY_DVC))
    run(origin, sys.executable, "-m", "genlib", "dvc-yaml")
    git(origin, "init", "-q")
    dvc(origin, "remote", "add", "-d", "shared", str(remote))
    dvc(origin, "repro")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "tiny experiment, reproduced")
    dvc(origin, "push")
    return {"origin": origin, "remote": remote, "root": root}


def clone(pushed: dict[str, Path], name: str) -> Path:
    target = pushed["root"] / name
    run(pushed["root"], "git", "clone", "-q", str(pushed["origin"]), str(target))
    return target


def test_project_dvc_config_turns_analytics_and_update_checks_off():
    core = (ROOT / ".dvc/config").read_text()
    assert "analytics = false" in core and "check_update = false" in core


def test_committed_dvc_yaml_is_the_one_the_default_config_generates(tmp_path):
    run(ROOT, sys.executable, "-m", "genlib", "dvc-yaml", "--out", str(tmp_path / "dvc.yaml"))
    assert (tmp_path / "dvc.yaml").read_text() == (ROOT / "dvc.yaml").read_text()


def test_dvc_repro_tracks_checkpoints_and_shows_metrics_and_plots(pushed):
    origin = pushed["origin"]
    lock = yaml.safe_load((origin / "dvc.lock").read_text())
    tracked = {out["path"] for stage in lock["stages"].values() for out in stage.get("outs", [])}
    assert set(CHECKPOINTS) <= tracked and "data/ring8/train.npy" in tracked
    metrics = json.loads(dvc(origin, "metrics", "show", "--json").stdout)
    summary = next(iter(metrics.values()))["data"]["results/tinydvc/report/summary.json"]["data"]
    assert set(summary["ring8"]) == {"gan-nonsaturating", "ddpm"}
    assert 0 <= summary["ring8"]["ddpm"]["modes_covered_mean"] <= 8
    plots = dvc(origin, "plots", "show", "-o", str(pushed["root"] / "plots"))
    page = (pushed["root"] / "plots/index.html").read_text()
    assert "ring8: discriminator loss" in page and "ring8: diffusion loss" in page, plots.stdout


def test_pulled_checkpoints_in_a_fresh_clone_are_not_retrained_and_give_the_same_metrics(pushed):
    fresh = clone(pushed, "fresh")
    run(fresh, sys.executable, "-m", "genlib", "pull")
    for path in CHECKPOINTS:
        assert (fresh / path).read_bytes() == (pushed["origin"] / path).read_bytes()
    planned = snakemake_dry_run(fresh)
    assert not {"train_points", "prepare_mixture", "run_settings", "dataset_settings"} & set(planned), planned
    assert planned["sample_points"] == 2 and planned["evaluate_points"] == 2
    run(fresh, sys.executable, "-m", "snakemake", "--cores", "2", "--resources", "gpu=1")
    ours = json.loads((fresh / "results/tinydvc/report/summary.json").read_text())
    theirs = json.loads((pushed["origin"] / "results/tinydvc/report/summary.json").read_text())
    assert ours == theirs
    for path in CHECKPOINTS:
        provenance = json.loads((fresh / path).with_name("metrics.json").read_text())["provenance"]
        assert provenance["git_commit"] == git(fresh, "rev-parse", "HEAD") and provenance["git_dirty"] is False


def test_pull_from_a_remote_missing_an_object_names_it_and_leaves_a_usable_workspace(pushed):
    import hashlib

    lost = CHECKPOINTS[0]
    digest = hashlib.md5((pushed["origin"] / lost).read_bytes()).hexdigest()
    partial_remote = pushed["root"] / "partial-remote"
    shutil.copytree(pushed["remote"], partial_remote)
    (partial_remote / "files/md5" / digest[:2] / digest[2:]).unlink()
    fresh = clone(pushed, "partial")
    dvc(fresh, "remote", "modify", "--local", "shared", "url", str(partial_remote))
    result = run(fresh, sys.executable, "-m", "genlib", "pull", check=False)
    assert result.returncode != 0
    assert (
        f"1 tracked files are not in the workspace (the remote lacks them or the download failed):\n  {lost}\n"
        in result.stderr
    )
    for path in CHECKPOINTS[1:]:
        assert (fresh / path).is_file()
    planned = snakemake_dry_run(fresh)
    assert planned.get("train_points") == 1 and "prepare_mixture" not in planned, planned


def test_order_timestamps_dates_files_in_list_order_ending_now(tmp_path):
    from genlib.pipeline.dvc_restore import order_timestamps

    paths = [tmp_path / name for name in ("data.npy", "settings.json", "checkpoint.pt")]
    for path in reversed(paths):  # written in the wrong order, as a pull may
        path.write_text(path.name)
    order_timestamps([str(p) for p in paths], now=1_000_000.0)
    assert [p.stat().st_mtime_ns for p in paths] == [999_999_998_000_000, 999_999_999_000_000, 1_000_000_000_000_000]


def test_tracked_outputs_follow_the_pipeline_order_of_dvc_yaml():
    from genlib.pipeline.dvc_restore import tracked_outputs

    tracked = tracked_outputs(ROOT / "dvc.yaml")
    assert tracked.index("data/ring8/settings.json") < tracked.index("data/ring8/train.npy")
    assert tracked.index("data/ring8/train.npy") < tracked.index("results/toy2d/ring8/wgan/seed0/settings.json")
    assert tracked.index("results/toy2d/ring8/wgan/seed0/settings.json") < tracked.index(
        "results/toy2d/ring8/wgan/seed0/checkpoint.pt"
    )
    assert not any(path.startswith("results/toy2d/report") for path in tracked)  # not cached: made anew


def test_genlib_pull_passes_the_options_after_a_double_dash_to_dvc():
    from genlib.cli import build_parser

    assert build_parser().parse_args(["pull", "--", "-r", "shared", "-j", "4"]).dvc_args == ["-r", "shared", "-j", "4"]
    assert build_parser().parse_args(["pull"]).dvc_args == []
