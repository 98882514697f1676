"""End to end, under faults: Ctrl-C, kill -9 of Snakemake or of its jobs, two invocations at once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pipeline_helpers import (
    ONE_RUN,
    ONE_RUN_FOLDER,
    TINY,
    make_workdir,
    snakemake,
)

pytestmark = pytest.mark.slow


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
