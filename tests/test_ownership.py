"""Ownership of a run: one trainer per run folder, and a trainer whose Snakemake died saves and stops."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

import pytest
import torch

from genlib import cli
from genlib.config.catalogue import point_spec
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.atomic import write_json
from genlib.io.checkpoint import load_checkpoint
from genlib.training import resumable
from genlib.training.ownership import (
    OWNER_ENV,
    OrphanedRunError,
    ParentWatch,
    RunBusyError,
    RunLock,
    owner_process,
    owner_token,
    start_time,
)


def test_a_second_trainer_of_the_same_run_is_refused_naming_the_holder(tmp_path):
    lock = tmp_path / "run" / "train.lock"
    second = RunLock(lock, wait_seconds=0.2, poll_seconds=0.05)
    with RunLock(lock), pytest.raises(RunBusyError, match=rf"is being trained by process {os.getpid()} "), second:
        pass


def test_the_lock_is_released_when_its_holder_dies_however_it_dies(tmp_path):
    lock = tmp_path / "train.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"""
import fcntl, time
handle = open({str(lock)!r}, "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(60)
""",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(RunBusyError):
        RunLock(lock, wait_seconds=0.1, poll_seconds=0.05).__enter__()
    holder.kill()  # SIGKILL: no clean-up runs in the holder
    holder.wait()
    with RunLock(lock, wait_seconds=5):
        assert lock.read_text().strip() == str(os.getpid())


def test_the_train_verb_refuses_a_run_another_trainer_holds_in_one_line(tmp_path, capsys):
    write_json(tmp_path / "ring8.json", {"name": "ring8", "n_train": 500, "n_test": 100})
    data = tmp_path / "data" / "ring8"
    assert cli.main(["prepare", "--settings", str(tmp_path / "ring8.json"), "--out-dir", str(data)]) == 0
    run = tmp_path / "run"
    write_json(
        run / "settings.json",
        {**family_presets()["gan-nonsaturating"], "dataset": "ring8", "model": "m", "seed": 0, "steps": 2},
    )
    with open(run / "train.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("4242\n")
        handle.flush()
        status = cli.main(
            [
                "train",
                "--settings",
                str(run / "settings.json"),
                "--data",
                str(data),
                "--checkpoint",
                str(run / "checkpoint.pt"),
                "--losses",
                str(run / "losses.csv"),
                "--lock-wait",
                "0.2",
                "--no-progress",
            ]
        )
    assert status == 2 and "is being trained by process 4242" in capsys.readouterr().err
    assert not (run / "checkpoint.pt").exists() and not (run / "resume").exists()


class GoneAfter:
    """A ParentWatch whose Snakemake process disappears after `steps` checks."""

    def __init__(self, steps: int):
        self.steps, self.pid = steps, 99999

    def gone(self) -> bool:
        self.steps -= 1
        return self.steps < 0


def test_a_trainer_whose_snakemake_is_gone_saves_its_state_stops_and_resumes_exactly(tmp_path, monkeypatch):
    settings = GANSettings(
        **{
            **family_presets()["gan-nonsaturating"],
            "dataset": "ring8",
            "model": "m",
            "seed": 1,
            "steps": 10,
            "batch_size": 16,
            "g_width": 8,
            "g_depth": 1,
            "d_width": 8,
            "d_depth": 1,
            "checkpoint_every": 100,
        }
    )
    data = TrainingData(torch.randn(256, 2, generator=torch.Generator().manual_seed(0)), point_spec())
    train_gan(settings, data, tmp_path / "straight.pt", tmp_path / "straight.csv", progress=False)

    monkeypatch.setattr(resumable, "ParentWatch", lambda: GoneAfter(3))
    run = tmp_path / "run"
    with pytest.raises(
        OrphanedRunError,
        match=r"PID 99999\) that started this job is gone: saved the resume state at "
        r"step 4 .*run snakemake --unlock, then snakemake again to resume",
    ):
        train_gan(settings, data, run / "checkpoint.pt", run / "losses.csv", progress=False)
    assert load_checkpoint(run / "resume" / "state.pt")["step"] == 4 and not (run / "checkpoint.pt").exists()

    monkeypatch.setattr(resumable, "ParentWatch", lambda: GoneAfter(10**6))
    result = train_gan(settings, data, run / "checkpoint.pt", run / "losses.csv", progress=False)
    assert result.resumed_from == 4
    straight, resumed = load_checkpoint(tmp_path / "straight.pt"), load_checkpoint(run / "checkpoint.pt")
    for name in ("generator", "discriminator"):
        for key in straight[name]:
            assert torch.equal(straight[name][key], resumed[name][key]), (name, key)


def owner_seen_by_a_child(token: str | None) -> str:
    """What owner_process() finds in a child process of this one, given `token` in OWNER_ENV."""
    env = {key: value for key, value in os.environ.items() if key != OWNER_ENV}
    if token is not None:
        env[OWNER_ENV] = token
    code = "from genlib.training.ownership import owner_process; print(owner_process())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def test_a_job_finds_the_owner_handed_down_by_pid_and_start_time_whatever_its_command_line():
    assert owner_seen_by_a_child(owner_token()) == f"({os.getpid()}, {start_time(os.getpid())})\n"


def test_a_job_without_a_handed_down_owner_watches_nothing(monkeypatch):
    assert owner_seen_by_a_child(None) == "None\n"
    monkeypatch.delenv(OWNER_ENV, raising=False)
    watch = ParentWatch(every_seconds=0.0)
    assert owner_process() is None and watch.pid is None and not watch.gone()


def test_an_owner_that_is_not_an_ancestor_or_whose_pid_was_reused_is_ignored():
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert owner_seen_by_a_child(owner_token(bystander.pid)) == "None\n"  # alive, but not above the job
    finally:
        bystander.kill()
        bystander.wait()
    assert owner_seen_by_a_child(f"{os.getpid()}:{start_time(os.getpid()) + 1}") == "None\n"  # another process
    assert owner_seen_by_a_child("garbage") == "None\n"


def test_the_watch_sees_a_dead_process_or_a_reused_pid_as_gone_and_a_live_one_as_not():
    assert not ParentWatch((os.getpid(), start_time(os.getpid()))).gone()
    assert ParentWatch((os.getpid(), start_time(os.getpid()) - 1)).gone()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert ParentWatch((dead.pid, 0)).gone()
