"""A one-node SLURM cluster on localhost for tests: munged, slurmctld and slurmd with their state in a temporary folder.

Needs Debian's slurm-wlm and munge packages (.ci/run installs them) and root, which the daemons
run as. `start_cluster` raises ClusterUnavailable with the reason when a machine cannot start one;
tests skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "srun", "sinfo")


class ClusterUnavailable(RuntimeError):
    """Why no test cluster could be started here."""


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if found is None:
        raise ClusterUnavailable(f"{name} is not installed (apt-get install slurm-wlm munge)")
    return found


def _slurm_conf(folder: Path, host: str, munge_socket: Path) -> str:
    return f"""ClusterName=genlibtest
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MpiDefault=none
GresTypes=gpu
# The node claims the CPUs and memory that profiles/slurm asks for per job; the jobs of the tiny
# test pipeline use one thread each.
SlurmdParameters=config_overrides
NodeName={host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=64000 Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


@contextmanager
def start_cluster(folder: Path) -> Iterator[dict[str, str]]:
    """Start the cluster; yield the environment its clients need (SLURM_CONF, PATH with an srun wrapper)."""
    if os.geteuid() != 0:
        raise ClusterUnavailable("the test cluster's daemons run as root; this user is not root")
    binaries = {name: _binary(name) for name in DAEMONS}
    host = socket.gethostname().split(".")[0]
    for sub in ("state", "spool", "munge", "bin"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(folder / "munge", 0o755)
    key, munge_socket = folder / "munge/munge.key", folder / "munge/munge.socket"
    subprocess.run([binaries["mungekey"], "-c", "-f", "-k", str(key)], check=True, capture_output=True)
    os.chmod(key, 0o600)
    conf = folder / "slurm.conf"
    conf.write_text(_slurm_conf(folder, host, munge_socket))
    (folder / "gres.conf").write_text(f"NodeName={host} Name=gpu File=/dev/null\n")
    # The plugin's job step drops SLURM_* variables before calling srun: a wrapper puts SLURM_CONF back.
    wrapper = folder / "bin/srun"
    wrapper.write_text(f'#!/bin/sh\nSLURM_CONF={conf} exec {binaries["srun"]} "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "SLURM_CONF": str(conf), "PATH": f"{folder / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    started: list[subprocess.Popen] = []
    try:
        munged = subprocess.run(
            [
                binaries["munged"],
                "-f",
                "--key-file",
                str(key),
                "--socket",
                str(munge_socket),
                "--pid-file",
                str(folder / "munge/munged.pid"),
                "--log-file",
                str(folder / "munge/munged.log"),
                "--seed-file",
                str(folder / "munge/munged.seed"),
            ],
            capture_output=True,
            text=True,
        )
        if munged.returncode != 0:
            raise ClusterUnavailable(f"munged did not start: {munged.stderr.strip()}")
        for daemon in ("slurmctld", "slurmd"):
            log = open(folder / f"{daemon}.out", "w")  # noqa: SIM115 (the daemon writes to it after this block)
            started.append(subprocess.Popen([binaries[daemon], "-D", "-f", str(conf)], env=env, stdout=log, stderr=log))
        deadline = time.monotonic() + 30
        state = ""
        while time.monotonic() < deadline:
            state = subprocess.run(
                [binaries["sinfo"], "-h", "-o", "%T"], env=env, capture_output=True, text=True
            ).stdout.strip()
            if state == "idle":
                break
            if any(p.poll() is not None for p in started):
                break
            time.sleep(0.5)
        if state != "idle":
            logs = "".join(
                (folder / name).read_text()[-800:]
                for name in ("slurmctld.log", "slurmd.log")
                if (folder / name).exists()
            )
            raise ClusterUnavailable(f"the node did not become idle (sinfo says {state or 'nothing'}): {logs}")
        yield env
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        pid_file = folder / "munge/munged.pid"
        if pid_file.exists():
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().strip()), 15)
