"""End to end: the Snakemake pipeline on a tiny config in a temporary folder (CPU, offline)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from damaging import flip_a_data_byte

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TINY = {
    "experiment": "tiny",
    "datasets": ["ring8", "grid25"],
    "models": ["gan-nonsaturating", "hinge-sn", "ddpm"],
    "seeds": [0, 1],
    "model_overrides": {"ddpm": {"timesteps": 50, "sampler_steps": 10, "width": 16, "depth": 2}},
    "data": {"ring8": {"n_train": 2000, "n_test": 500}, "grid25": {"n_train": 2000, "n_test": 500}},
    "training": {
        "steps": 20,
        "batch_size": 32,
        "g_width": 16,
        "g_depth": 2,
        "d_width": 16,
        "d_depth": 2,
        "checkpoint_every": 10,
    },
    "evaluation": {"n_samples": 300},
}


ONE_RUN = dict(
    TINY,
    datasets=["ring8"],
    models=["gan-nonsaturating"],
    seeds=[0],
    data={"ring8": TINY["data"]["ring8"]},
    model_overrides={},
)
ONE_RUN_FOLDER = "results/tiny/ring8/gan-nonsaturating/seed0"


def make_workdir(tmp_path: Path, config: dict, *, folder: str = "work") -> Path:
    work = tmp_path / folder
    work.mkdir()
    shutil.copy(ROOT / "Snakefile", work)
    for folder in ("workflow", "profiles", "config"):
        shutil.copytree(ROOT / folder, work / folder)
    shutil.copy(ROOT / ".gitignore", work)
    (work / "tiny.yaml").write_text(yaml.safe_dump(config))
    git(work, "init", "-q")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "tiny pipeline")
    return work


def git(work: Path, *args: str) -> str:
    identity = ["-c", "user.name=genlib tests", "-c", "user.email=tests@genlib.invalid"]
    return subprocess.run(
        ["git", *identity, *args], cwd=work, capture_output=True, text=True, check=True
    ).stdout.strip()


def snakemake(
    work: Path,
    *args: str,
    check: bool = True,
    target: str | None = None,
    python: str = sys.executable,
    configfile: str = "tiny.yaml",
) -> subprocess.CompletedProcess:
    command = [
        python,
        "-m",
        "snakemake",
        *([target] if target else []),
        "--cores",
        "2",
        "--resources",
        "gpu=1",
        "--configfile",
        configfile,
        *args,
    ]
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_jobs(result: subprocess.CompletedProcess) -> dict[str, int]:
    """Job counts of a dry run's 'Job stats' table."""
    lines = (result.stdout + result.stderr).splitlines()
    counts, in_table = {}, False
    for line in lines:
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table:
            parts = line.split()
            if not parts or parts[0].startswith("-"):
                continue
            if parts[0] == "total":
                break
            counts[parts[0]] = int(parts[1])
    return counts


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    work = make_workdir(tmp_path_factory.mktemp("pipeline"), TINY)
    snakemake(work)
    return work


def test_pipeline_writes_metrics_for_every_run(finished_run):
    metrics = sorted(finished_run.glob("results/tiny/*/*/seed*/metrics.json"))
    assert len(metrics) == 2 * 3 * 2
    for path in metrics:
        result = json.loads(path.read_text())
        assert result["status"] == "completed" and result["train_steps"] == 20
        assert 0 <= result["metrics"]["modes_covered"] <= result["metrics"]["n_modes"]
        assert result["protocol"]["n_generated"] == 300
        assert (path.parent / "scatter.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_same_table(made: Path, golden: Path, rtol: dict[str, float] | None = None) -> None:
    """The table a run made equals the golden one: text and counts exactly, metrics to 1e-4 relative
    (or to `rtol[column]`, and a standard deviation to that share of its mean).

    The Frechet distances and KIDs go through the CPU's own LAPACK and BLAS kernels (the matrix square root,
    the kernel sums): on two x86 machines the counts (modes, high-quality share, reverse KL) came out the same
    while FID and KID moved by up to 5e-5 relative. A standard
    deviation over seeds is the difference of nearly equal numbers, so it is held to 1e-4 of its mean.
    """
    rtol = rtol or {}
    ours, theirs = pd.read_csv(made), pd.read_csv(golden)
    assert list(ours.columns) == list(theirs.columns) and len(ours) == len(theirs)
    for column in ours.columns:
        if ours[column].dtype.kind not in "fc" and theirs[column].dtype.kind not in "fc":
            pd.testing.assert_series_equal(ours[column], theirs[column])
            continue
        mean_column = column[: -len("_std")] + "_mean" if column.endswith("_std") else None
        scale = theirs[mean_column].abs().max() if mean_column in theirs.columns else 0.0
        tolerance = rtol.get(mean_column or column, 1e-4)
        np.testing.assert_allclose(
            ours[column].to_numpy(float),
            theirs[column].to_numpy(float),
            rtol=tolerance,
            atol=tolerance * scale if np.isfinite(scale) else 0.0,
            equal_nan=True,
            err_msg=f"{made.name}, column {column}",
        )


def golden_tolerance(golden: Path) -> dict[str, float]:
    """Per-column relative tolerances of a golden table of trained image models, for the host running the test.

    A trained model amplifies the last bits of the CPU's kernels (AVX2 and AVX-512 convolutions and matmuls
    round differently) and of the libraries' versions. On the host the golden values were made on (CPU model,
    torch's kernel level, torch, numpy and scipy versions: `<golden>.host.json`) they hold to 1e-4; on any other,
    to the cross-host spread measured by tools/golden_spread.py, doubled.
    """
    from golden_host import host_key

    record = json.loads(golden.with_suffix(".host.json").read_text())
    if host_key() == record["made_on"]:
        return {}
    return record["cross_host"]["rtol"]


def test_tiny_run_summary_equals_the_golden_summary(finished_run):
    """Behaviour pinned: the summary of this tiny run (2-D GANs and DDPM), as assert_same_table compares. Made
    before the package was reshaped, and made again when the reverse KL came to count high-quality samples
    only (as the PacGAN authors' code; these 20-step runs mostly have none, so it is mostly empty)."""
    assert_same_table(finished_run / "results/tiny/report/summary.csv", GOLDEN / "tiny-summary.csv")


def test_every_metrics_file_carries_its_provenance(finished_run):
    import hashlib
    from importlib import metadata

    from genlib.config.experiment import config_hash, load_config

    commit = git(finished_run, "rev-parse", "HEAD")
    config_sha256 = config_hash(load_config(finished_run / "results/tiny/config.yaml"))
    for path in sorted(finished_run.glob("results/tiny/*/*/seed*/metrics.json")):
        provenance = json.loads(path.read_text())["provenance"]
        checkpoint = hashlib.sha256((path.parent / "checkpoint.pt").read_bytes()).hexdigest()
        assert provenance["checkpoint_sha256"] == checkpoint
        assert provenance["git_commit"] == commit and provenance["git_dirty"] is False
        assert provenance["settings_sha256"] == hashlib.sha256((path.parent / "settings.json").read_bytes()).hexdigest()
        assert provenance["versions"]["torch"] == metadata.version("torch")
        assert provenance["versions"]["torchmetrics"] == metadata.version("torchmetrics")
        assert provenance["device"].startswith("cpu") and provenance["train_device"].startswith("cpu")
    page = (finished_run / "results/tiny/report/index.html").read_text()
    assert checkpoint[:16] in page and commit in page and config_sha256[:16] in page
    assert "not every run was scored under its settings" not in page


def test_report_summary_is_the_mean_and_std_of_the_run_metrics(finished_run):
    summary = pd.read_csv(finished_run / "results/tiny/report/summary.csv")
    assert len(summary) == 6 and set(summary["n_completed"]) == {2}
    assert "diffusion, DDIM 10 steps, eta 0" in set(summary["objective"])
    row = summary[(summary["dataset"] == "grid25") & (summary["model"] == "hinge-sn")].iloc[0]
    values = [
        json.loads((finished_run / f"results/tiny/grid25/hinge-sn/seed{s}/metrics.json").read_text())["metrics"]
        for s in (0, 1)
    ]
    kl = pd.Series([v["reverse_kl"] for v in values])
    assert row["reverse_kl_mean"] == pytest.approx(kl.mean(), rel=1e-5)
    assert row["reverse_kl_std"] == pytest.approx(kl.std(ddof=1), rel=1e-4, abs=1e-9)


def test_report_page_is_self_contained_and_shows_ours_beside_published(finished_run):
    page = (finished_run / "results/tiny/report/index.html").read_text()
    for text in (
        "ring8",
        "grid25",
        "gan-nonsaturating",
        "hinge-sn",
        "PacGAN (Lin et al. 2018) Table 1",
        "Protocol differences",
    ):
        assert text in page
    assert "data:image/png;base64," in page
    assert "src='http" not in page and 'src="http' not in page


def test_snakemake_report_holds_the_rule_graph_run_times_and_captioned_figures(finished_run):
    snakemake(finished_run, "--report", "report.html")
    page = (finished_run / "report.html").read_text()
    assert "train_points" in page and "evaluate_points" in page  # rules of the graph and their run times
    assert "modes are marked" in page and "2-D samples" in page  # the scatter plots with their caption
    assert "provenance (commit, config hash, checkpoint hashes)" in page  # the comparison page, captioned


def test_every_job_log_ends_with_its_usage_and_genlib_usage_sums_them_per_stage(finished_run):
    result = subprocess.run(
        [sys.executable, "-m", "genlib", "usage", "logs"], cwd=finished_run, capture_output=True, text=True, check=True
    )
    rows = {line.split("|")[1].strip(): line.split("|")[2:] for line in result.stdout.splitlines()[2:]}
    runs = 2 * 3 * 2
    assert {stage: int(cells[0]) for stage, cells in rows.items() if stage in ("train", "sample", "evaluate")} == {
        "train": runs,
        "sample": runs,
        "evaluate": runs,
    }
    assert int(rows["prepare"][0]) == 2 and int(rows["report"][0]) == 1
    assert all(float(cells[2]) > 0 for cells in rows.values())  # CPU seconds of every stage
    assert not list(finished_run.glob("benchmarks/tiny/**/*.tsv"))  # per-run jobs are not polled by Snakemake


def test_second_invocation_has_nothing_to_do(finished_run):
    result = snakemake(finished_run, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_adding_a_seed_plans_only_the_new_seeds_jobs_and_the_report(finished_run):
    (finished_run / "tiny-3-seeds.yaml").write_text(yaml.safe_dump(dict(TINY, seeds=[0, 1, 2])))
    result = snakemake(finished_run, "-n", configfile="tiny-3-seeds.yaml")
    new_runs = 2 * 3  # datasets x models of seed 2
    per_run = {
        "run_settings": new_runs,
        "train_points": new_runs,
        "sample_points": new_runs,
        "evaluate_points": new_runs,
    }
    assert planned_jobs(result) == {**per_run, "resolved_config": 1, "report": 1, "all": 1}
    planned = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.strip().startswith("output: ")]
    assert planned and not any("seed0" in files or "seed1" in files for files in planned)


def test_deleting_one_checkpoint_retrains_only_that_run(finished_run):
    (finished_run / "results/tiny/ring8/hinge-sn/seed1/checkpoint.pt").unlink()
    result = snakemake(finished_run, "-n")
    assert planned_jobs(result) == {"train_points": 1, "sample_points": 1, "evaluate_points": 1, "report": 1, "all": 1}
    assert "results/tiny/ring8/hinge-sn/seed1/checkpoint.pt" in result.stdout + result.stderr


PACKED = {
    "experiment": "packed",
    "datasets": ["ring8"],
    "models": ["pg1", "pg2"],
    "seeds": [0, 1],
    "batch_seeds": True,
    "reproduces": {"pg1": "GAN", "pg2": "PacGAN2"},
    "reproduction_notes": ["SHORTENED: 10 iterations"],
    "custom_models": {
        "pg1": {"objective": "nonsaturating", "network": "pacgan", "packing": 1, "batch_size": 20},
        "pg2": {"objective": "nonsaturating", "network": "pacgan", "packing": 2, "batch_size": 40},
    },
    "data": {"ring8": {"n_train": 2000, "n_test": 500}},
    "training": {"steps": 10, "g_width": 16, "g_depth": 2, "d_width": 8, "d_depth": 2, "updates": "simultaneous"},
    "evaluation": {"n_samples": 200},
}


def test_batch_seeds_trains_each_variant_in_one_job_and_the_report_prints_the_reproduced_table(tmp_path):
    work = make_workdir(tmp_path, PACKED)
    snakemake(work)
    for model in ("pg1", "pg2"):  # one training job per model, none per seed
        assert (work / f"logs/packed/ring8/{model}/train-group.log").read_text().startswith("training 2 runs as one")
        assert not list((work / f"logs/packed/ring8/{model}").glob("seed*/train.log"))
        for seed in (0, 1):
            metrics = json.loads((work / f"results/packed/ring8/{model}/seed{seed}/metrics.json").read_text())
            assert metrics["status"] == "completed" and metrics["train_steps"] == 10
    table = pd.read_csv(work / "results/packed/report/reproduction.csv")
    assert sorted(set(table["method"])) == ["GAN", "PacGAN2"]
    assert set(table["metric"]) == {"modes_covered", "high_quality_percent", "reverse_kl"}
    assert (table["ours_seeds"] <= 2).all()
    page = (work / "results/packed/report/index.html").read_text()
    assert "Published table reproduced" in page and "SHORTENED: 10 iterations" in page


def test_batch_seeds_names_the_models_it_cannot_batch_in_the_dry_run_and_trains_them_one_job_per_seed(tmp_path):
    config = dict(ONE_RUN, models=["gan-nonsaturating", "hinge-sn"], seeds=[0, 1], batch_seeds=True)
    work = make_workdir(tmp_path, config)
    result = snakemake(work, "-n")
    assert (
        "batch_seeds: hinge-sn on ring8 is not batched: the batched trainer takes no spectral_norm (nor any of"
        in result.stderr
    )
    assert "gan-nonsaturating on ring8 is not batched" not in result.stderr
    jobs = planned_jobs(result)
    assert jobs["train_points_group"] == 1 and jobs["train_points"] == 2


def test_bad_config_fails_before_any_job_naming_the_key(tmp_path):
    bad = dict(TINY, training={**TINY["training"], "stepz": 5})
    work = make_workdir(tmp_path, bad)
    result = snakemake(work, check=False)
    assert result.returncode != 0
    assert "training.stepz: unknown key; allowed keys:" in result.stdout + result.stderr
    assert not (work / "results").exists() and not (work / "data").exists()


def test_a_config_file_with_a_key_given_twice_fails_before_any_job_naming_file_and_line(tmp_path):
    work = make_workdir(tmp_path, TINY)
    text = (work / "tiny.yaml").read_text()
    (work / "tiny.yaml").write_text(text + "models: [wgan]\n")  # Snakemake alone would keep this one silently
    result = snakemake(work, check=False)
    assert result.returncode != 0
    assert "tiny.yaml:" in result.stderr and "key 'models' appears twice in one mapping (first at line" in result.stderr
    assert not (work / "results").exists() and not (work / "data").exists()


# --- faults: kills, concurrent runs -------------------------------------------------------------

# One run with networks of the default config's size (a few ms a step): it cannot finish in the
# moment between its first resumable state and the fault.
KILL_CONFIG = dict(
    ONE_RUN,
    training={
        **TINY["training"],
        "steps": 1000,
        "checkpoint_every": 50,
        "g_width": 128,
        "g_depth": 3,
        "d_width": 128,
        "d_depth": 3,
    },
)
KILL_RUN = ONE_RUN_FOLDER


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict:
    """The checkpoint of the run trained straight through, to compare interrupted runs with."""
    from genlib.io.checkpoint import load_checkpoint

    work = make_workdir(tmp_path_factory.mktemp("straight"), KILL_CONFIG)
    snakemake(work, target="trained")
    return load_checkpoint(work / KILL_RUN / "checkpoint.pt")


def assert_same_training(work: Path, straight: dict) -> None:
    """The finished run equals the uninterrupted one: every parameter and optimiser state, bit for bit."""
    from genlib.io.checkpoint import load_checkpoint

    finished = load_checkpoint(work / KILL_RUN / "checkpoint.pt")
    assert finished["step"] == straight["step"] == 1000
    for part in ("generator", "discriminator", "opt_g", "opt_d"):
        assert all(torch_equal(finished[part], straight[part])), part


def torch_equal(a, b) -> list[bool]:
    import torch

    if isinstance(a, dict):
        return [x for key in a for x in torch_equal(a[key], b[key])]
    if isinstance(a, (list, tuple)):
        return [x for p, q in zip(a, b) for x in torch_equal(p, q)]
    return [torch.equal(a, b)] if isinstance(a, torch.Tensor) else [a == b]


def start_and_wait_for_state(work: Path, python: str = sys.executable, **popen) -> subprocess.Popen:
    # The `trained` target: the checkpoints only, all that these faults concern.
    command = [python, "-m", "snakemake", "trained", "--cores", "2", "--configfile", "tiny.yaml"]
    process = subprocess.Popen(
        command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **popen
    )
    state = work / KILL_RUN / "resume/state.pt"
    deadline = time.monotonic() + 300
    while not state.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert state.exists(), "training never wrote its resumable state"
    return process


def resumed_from(work: Path) -> int:
    log = (work / "logs/tiny/ring8/gan-nonsaturating/seed0/train.log").read_text()
    return int(log.rsplit("resumed from step ", 1)[1].split(")")[0])


def test_ctrl_c_then_the_same_command_resumes_training_bit_identically(tmp_path, uninterrupted):
    work = make_workdir(tmp_path, KILL_CONFIG)
    # As a terminal's Ctrl-C: SIGINT at its default action, even where this test was started with it
    # ignored (a background job of a non-interactive shell), which Snakemake and its jobs would inherit.
    process = start_and_wait_for_state(work, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    assert not (work / KILL_RUN / "checkpoint.pt").exists()

    snakemake(work, target="trained")
    assert resumed_from(work) >= 50
    assert_same_training(work, uninterrupted)


def test_kill_9_of_the_whole_process_group_resumes_bit_identically_after_unlock(tmp_path, uninterrupted):
    work = make_workdir(tmp_path, KILL_CONFIG)
    process = start_and_wait_for_state(work)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    locked = snakemake(work, target="trained", check=False)
    assert locked.returncode != 0 and "It can be removed with the --unlock argument" in locked.stdout + locked.stderr
    snakemake(work, "--unlock")
    snakemake(work, "--rerun-incomplete", target="trained")
    assert resumed_from(work) >= 50
    assert_same_training(work, uninterrupted)


def test_kill_9_of_snakemake_alone_stops_its_trainer_and_nothing_trained_is_lost(tmp_path, uninterrupted):
    """As the OOM killer or a closed login session would: Snakemake dies, its training job does not at
    first. The trainer notices, saves its state and stops; after --unlock the rerun resumes from that state."""
    work = make_workdir(tmp_path, KILL_CONFIG)
    process = start_and_wait_for_state(work)
    process.kill()  # SIGKILL to Snakemake only: its job runs on
    process.wait(timeout=30)

    deadline = time.monotonic() + 60
    log = work / "logs/tiny/ring8/gan-nonsaturating/seed0/train.log"
    while "that started this job is gone" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "that started this job is gone: saved the resume state at step" in log.read_text()
    stopped_at = int(log.read_text().rsplit("resume state at step ", 1)[1].split()[0])
    assert not (work / KILL_RUN / "checkpoint.pt").exists()

    assert snakemake(work, target="trained", check=False).returncode != 0  # the lock Snakemake left behind
    snakemake(work, "--unlock")
    snakemake(work, "--rerun-incomplete", target="trained")
    assert resumed_from(work) == stopped_at > 0
    assert_same_training(work, uninterrupted)


def test_kill_9_the_moment_the_checkpoint_appears_loses_no_step_after_rerun_incomplete(tmp_path, uninterrupted):
    """The trainer wrote its final checkpoint but Snakemake died before recording the job: --rerun-incomplete
    deletes that checkpoint as incomplete, and the rerun publishes the final state kept in resume/ again."""
    work = make_workdir(tmp_path, KILL_CONFIG)
    process = start_and_wait_for_state(work)
    checkpoint = work / KILL_RUN / "checkpoint.pt"
    deadline = time.monotonic() + 300
    while not checkpoint.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert checkpoint.exists(), "training never wrote its checkpoint"

    snakemake(work, "--unlock")
    rerun = snakemake(work, "--rerun-incomplete", target="trained")
    assert "train_points" in rerun.stdout + rerun.stderr, "Snakemake had recorded the job: the race was not hit"
    assert resumed_from(work) == 1000
    assert_same_training(work, uninterrupted)
    assert (work / KILL_RUN / "resume" / "final.pt").exists()  # until the sample step has read the checkpoint
    snakemake(work, target=f"{KILL_RUN}/samples.npz")
    assert not (work / KILL_RUN / "resume").exists()


def venv_inside(work: Path) -> str:
    """A virtual environment in `work`/.venv that sees this one's packages (as a clone with the README's venv)."""
    import site
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(work / ".venv")], check=True)
    python = work / ".venv/bin/python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    lines = [f"import site; site.addsitedir({path!r})" for path in dict.fromkeys(outer)]
    (Path(purelib) / "outer-environment.pth").write_text("\n".join(lines) + "\n")
    return str(python)


@pytest.mark.parametrize("batched", [False, True], ids=["one-run-per-job", "batched-seeds"])
def test_in_a_clone_named_genlib_with_its_venv_inside_a_kill_9_of_snakemake_loses_no_step(
    tmp_path, uninterrupted, batched
):
    """The trainer knows its Snakemake by the PID and start time handed down, not by words in command lines:
    here Snakemake's command line holds "genlib" (the clone's folder) as well as "snakemake"."""
    config = dict(KILL_CONFIG, seeds=[0, 1], batch_seeds=True) if batched else KILL_CONFIG
    work = make_workdir(tmp_path, config, folder="genlib")
    python = venv_inside(work)
    process = start_and_wait_for_state(work, python=python)
    command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    assert b"/genlib/.venv/bin/python" in command_line and b"snakemake" in command_line
    process.kill()  # SIGKILL to Snakemake only: its job runs on until it notices
    process.wait(timeout=30)

    log = work / "logs/tiny/ring8/gan-nonsaturating" / ("train-group.log" if batched else "seed0/train.log")
    deadline = time.monotonic() + 60
    while "that started this job is gone" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "that started this job is gone: saved the resume state" in log.read_text()
    stopped_at = int(log.read_text().split(" at step ")[-1].split()[0])
    seeds = (0, 1) if batched else (0,)
    assert not any((work / f"results/tiny/ring8/gan-nonsaturating/seed{seed}/checkpoint.pt").exists() for seed in seeds)

    snakemake(work, "--unlock", python=python)
    snakemake(work, "--rerun-incomplete", target="trained", python=python)
    resumed = [int(part.split(")")[0]) for part in log.read_text().split("resumed from step ")[1:]]
    assert resumed == [stopped_at] * len(seeds) and stopped_at > 0  # every finished step was kept
    if not batched:
        assert_same_training(work, uninterrupted)


def test_a_second_invocation_while_one_runs_is_refused_and_the_first_finishes(tmp_path, uninterrupted):
    work = make_workdir(tmp_path, KILL_CONFIG)
    first = start_and_wait_for_state(work)
    # The trainer (its PID is in the run's lock file) is paused while the second invocation starts: on a fast
    # host the first run could otherwise finish before the second one has parsed the workflow.
    trainer = int((work / KILL_RUN / "train.lock").read_text().split()[0])
    os.kill(trainer, signal.SIGSTOP)
    try:
        second = snakemake(work, target="trained", check=False)
    finally:
        os.kill(trainer, signal.SIGCONT)
    assert second.returncode != 0 and "cannot be locked" in second.stdout + second.stderr
    assert first.wait(timeout=600) == 0
    assert_same_training(work, uninterrupted)


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


# --- images: the MNIST pipeline on the real digits, tiny ----------------------------------------

from mnist_mirror import MIRROR, needs_mnist  # noqa: E402

TINY_MNIST = {
    "experiment": "tinymnist",
    "datasets": ["mnist"],
    "models": ["mlp-gan", "cgan", "ddpm-cfg"],
    "seeds": [0, 1],
    "model_overrides": {"ddpm-cfg": {"channels": 8, "timesteps": 50, "sampler_steps": 5}},
    "data": {"mnist": {"mirror": str(MIRROR), "split": "test", "holdout": 300, "max_train": 600}},
    "training": {
        "steps": 6,
        "batch_size": 16,
        "g_channels": 8,
        "d_channels": 8,
        "checkpoint_every": 3,
        "monitor_every": 3,
        "monitor_samples": 40,
    },
    "evaluation": {
        "n_samples": 120,
        "classifier_epochs": 2,
        "kid_subsets": 10,
        "kid_subset_size": 50,
        "grid_size": 16,
        "swd_images": 0,  # SWD is tested in test_swd.py; the golden table holds values of one host only
    },
    "sampler_sweep": {
        "steps": [2, 5],
        "samplers": [{"sampler": "ddim", "eta": 0.0}, {"sampler": "ddpm"}],
        "spacing": "quadratic",
        "n_samples": 30,
    },
    "published": ["config/published/lucic2018.csv", "config/published/ddim.csv"],
    "device": "cpu",
}


@pytest.fixture(scope="module")
def finished_mnist_run(tmp_path_factory) -> Path:
    if MIRROR is None:
        pytest.skip("MNIST test files not found in ../shared/data/mnist nor in $GENLIB_MNIST_MIRROR")
    work = make_workdir(tmp_path_factory.mktemp("mnist"), TINY_MNIST)
    snakemake(work)
    return work


@needs_mnist
def test_tiny_mnist_summary_and_sweep_equal_the_golden_tables(finished_mnist_run):
    """Made before the package was reshaped, and made again when DDIM stopped clipping its predicted x_0 by
    default and the quadratic spacing took the DDIM authors' rounding."""
    report = finished_mnist_run / "results/tinymnist/report"
    for table in ("summary", "sweep"):
        golden = GOLDEN / f"tinymnist-{table}.csv"
        assert_same_table(report / f"{table}.csv", golden, golden_tolerance(golden))


@pytest.mark.parametrize("table", ["tinymnist-summary", "tinymnist-sweep", "tiny-summary"])
def test_a_planted_one_percent_change_in_any_metric_mean_fails_the_golden_comparison_on_its_host(tmp_path, table):
    """What the golden tests can still see on the host the golden values were made on."""
    golden = GOLDEN / f"{table}.csv"
    theirs = pd.read_csv(golden)
    means = [
        c
        for c in theirs.columns
        if c.endswith("_mean") and theirs[c].dtype.kind == "f" and theirs[c].fillna(0).ne(0).any()
    ]
    assert means
    for column in means:
        planted = theirs.copy()
        row = int(planted[column].abs().fillna(0).to_numpy().argmax())
        planted.loc[row, column] *= 1.01
        planted.to_csv(tmp_path / "planted.csv", index=False)
        with pytest.raises(AssertionError, match=f"column {column}"):
            assert_same_table(tmp_path / "planted.csv", golden)
    assert_same_table(golden, golden)


@needs_mnist
def test_mnist_pipeline_writes_image_metrics_with_their_backbone(finished_mnist_run):
    metrics = sorted(finished_mnist_run.glob("results/tinymnist/mnist/*/seed*/metrics.json"))
    assert len(metrics) == 3 * 2
    for path in metrics:
        result = json.loads(path.read_text())
        assert result["status"] == "completed" and result["backbone"] == "classifier"
        m = result["metrics"]
        assert m["fid"] > 0 and 0 <= m["precision"] <= 1 and 0 <= m["recall"] <= 1
        assert 1 <= m["score_mean"] <= 10 and 1 <= m["classes_covered"] <= 10
        assert result["protocol"]["n_generated"] == 120 and result["protocol"]["n_reference"] == 300
        assert [row["step"] for row in result["curve"]] == [0, 3, 6]
        for picture in ("grid.png", "classes.png", "interpolation.png", "neighbours.png"):
            assert (path.parent / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for conditional in ("cgan", "ddpm-cfg"):
        result = json.loads(
            (finished_mnist_run / f"results/tinymnist/mnist/{conditional}/seed0/metrics.json").read_text()
        )
        assert 0 <= result["metrics"]["label_accuracy"] <= 1


@needs_mnist
def test_mnist_reference_statistics_are_computed_once_and_shared(finished_mnist_run):
    assert sorted(p.name for p in (finished_mnist_run / "data/mnist").glob("reference-*.npz")) == [
        "reference-classifier.npz"
    ]
    log = (finished_mnist_run / "logs/backbone/mnist-classifier.log").read_text()
    assert "accuracy on the reference set" in log


@needs_mnist
def test_mnist_report_ranks_models_by_classifier_fid_apart_from_published_inception_fids(finished_mnist_run):
    summary = pd.read_csv(finished_mnist_run / "results/tinymnist/report/summary.csv")
    assert set(summary["model"]) == {"mlp-gan", "cgan", "ddpm-cfg"} and set(summary["backbone"]) == {"classifier"}
    page = (finished_mnist_run / "results/tinymnist/report/index.html").read_text()
    assert "classifier FID" in page and "Published (own protocol; not ranked with ours)" in page
    assert "the published numbers use inception" in page
    ranked = summary.sort_values("fid_mean")["model"].tolist()
    assert (
        page.index(f"<td>1</td><td>{ranked[0]}</td>")
        < page.index(f"<td>2</td><td>{ranked[1]}</td>")
        < page.index(f"<td>3</td><td>{ranked[2]}</td>")
    )
    assert "src='http" not in page


@needs_mnist
def test_mnist_sampler_sweep_scores_each_sampler_and_step_count_of_the_diffusion_model(finished_mnist_run):
    sweep_dirs = sorted(
        p.parent.relative_to(finished_mnist_run)
        for p in finished_mnist_run.glob("results/tinymnist/mnist/*/seed*/sweep/*/metrics.json")
    )
    tags = ["ddim-eta0-quadratic-S2", "ddim-eta0-quadratic-S5", "ddpm-quadratic-S2", "ddpm-quadratic-S5"]
    assert [str(d) for d in sweep_dirs] == [
        f"results/tinymnist/mnist/ddpm-cfg/seed{s}/sweep/{t}" for s in (0, 1) for t in tags
    ]
    result = json.loads((finished_mnist_run / sweep_dirs[2] / "metrics.json").read_text())
    # The DDPM step clips its predicted x_0, as the DDIM authors' `ddpm_steps`; quadratic S = 2 of T = 50 visits [0, 6].
    assert result["sampler"] == {
        "sampler": "ddpm",
        "sampler_steps": 2,
        "eta": 0.0,
        "spacing": "quadratic",
        "clip_x0": True,
        "network_evaluations": 2,
    }
    assert result["objective"] == "diffusion, DDPM 2 steps" and result["protocol"]["n_generated"] == 30
    assert result["metrics"]["fid"] > 0
    table = pd.read_csv(finished_mnist_run / "results/tinymnist/report/sweep.csv")
    assert sorted(zip(table["sampler"], table["steps"])) == [
        ("DDIM eta=0", 2),
        ("DDIM eta=0", 5),
        ("DDPM (sigma-hat)", 2),
        ("DDPM (sigma-hat)", 5),
    ]
    assert (table["n_seeds"] == 2).all()
    page = (finished_mnist_run / "results/tinymnist/report/index.html").read_text()
    assert "Sampling steps: FID over S" in page
    assert "mnist: FID over sampling steps S; left ours, right the published Table 1 of Song et al. 2021" in page
    assert "dataset: ours mnist, published celeba, cifar10" in page
    # The published sweep rows are not listed in the plain published table of the dataset.
    assert "DDPM (sigma-hat)</td><td>fid" not in page
