"""The bookkeeping every training run shares: resumable state, the loss log, the monitor curve, final files.

In-progress files live in `<run>/resume/` (state.pt every `checkpoint_every` steps, losses.csv);
a run whose saved settings and format match resumes from them. The final state is written there
first (final.pt), then published as the checkpoint (a hard link, so no second copy on disk) and the
loss log, atomically. It stays in resume/ until the sample step has read the checkpoint: a
scheduler killed between the trainer's last write and its own record of the job deletes the
checkpoint as incomplete (`snakemake --rerun-incomplete`), and the rerun then publishes the final
state again instead of training from step 0.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from genlib.config import paths
from genlib.io.atomic import atomic_path
from genlib.io.checkpoint import load_checkpoint, save_checkpoint
from genlib.io.corrupt import CorruptFileError
from genlib.io.loss_log import append_loss_rows, read_loss_rows, write_loss_rows
from genlib.training.device import Accelerator
from genlib.training.ownership import OrphanedRunError, ParentWatch

log = logging.getLogger(__name__)

# The key of a resume state that names the checkpoint of the run it belongs to (the state lives in that
# checkpoint's folder, so two runs given one folder would otherwise take each other's state).
RESUME_OF = "resume_of"


@dataclass(frozen=True)
class TrainResult:
    status: str  # "completed" or "diverged"
    step: int  # training steps done
    resumed_from: int  # step the run resumed from (0 for a fresh start)
    curve: list[dict[str, float]]  # rows of the monitor (e.g. FID over training), one per monitored step


def resume_dir_for(checkpoint_path: str | Path) -> Path:
    """Folder of the in-progress state of the run whose final checkpoint is `checkpoint_path`."""
    return Path(paths.run_at(Path(checkpoint_path).parent).resume)


def refuse_shared_folders(checkpoint_paths: list[str | Path]) -> None:
    """Runs trained together need a folder each: a run's resume state lives in its checkpoint's folder."""
    folders: dict[Path, Path] = {}
    for checkpoint in map(Path, checkpoint_paths):
        other = folders.setdefault(checkpoint.parent.resolve(), checkpoint)
        if other != checkpoint:
            raise ValueError(
                f"checkpoints {other} and {checkpoint} are in one folder, whose resume/ would hold the in-progress "
                "state of both; give each run its own folder (as the pipeline does: .../seed{seed}/checkpoint.pt)"
            )


class ResumableRun:
    """Resume state, loss rows and curve rows of one run, and the writing of its final files."""

    def __init__(
        self,
        checkpoint_path: str | Path,
        losses_path: str | Path,
        *,
        fmt: str,
        settings: dict[str, Any],
        columns: tuple[str, ...],
        data_sha256: str | None = None,
    ):
        self.checkpoint_path, self.losses_path = Path(checkpoint_path), Path(losses_path)
        self.fmt, self.settings, self.columns = fmt, settings, columns
        self.data_sha256 = data_sha256  # the training split's: a state trained on other data is not resumed
        self.resume_dir = resume_dir_for(checkpoint_path)
        files = paths.run_at(Path(checkpoint_path).parent)
        self.state_path, self.log_path = Path(files.resume_state), Path(files.resume_losses)
        self.previous_state_path = Path(files.resume_previous_state)
        self.final_state_path = Path(files.resume_final_state)
        self.curve: list[dict[str, float]] = []
        self.diverged_because: str | None = None
        self.parent = ParentWatch()  # the Snakemake process that started this job, if any
        self.pending: list[dict[str, float]] = []

    def restore(self) -> dict[str, Any] | None:
        """The saved in-progress state when its settings and format match (else None, stale state removed).

        Leaves the loss log holding exactly the rows up to the step resumed from.
        """
        saved = self._last_readable_state()
        owner = saved.get(RESUME_OF) if saved is not None else None
        if owner is not None and owner != self.checkpoint_path.name:
            raise ValueError(
                f"{self.resume_dir} holds the in-progress state of the run whose checkpoint is {owner}, not "
                f"{self.checkpoint_path.name}: runs in one folder would share it; give each run its own folder"
            )
        if saved is not None and (saved.get("settings") != self.settings or saved.get("format") != self.fmt):
            log.warning("settings changed since %s was written: starting afresh", self.resume_dir)
            shutil.rmtree(self.resume_dir)
            saved = None
        if saved is not None and saved.get("data_sha256") != self.data_sha256:
            log.warning("the training data changed since %s was written: starting afresh", self.resume_dir)
            shutil.rmtree(self.resume_dir)
            saved = None
        if saved is not None:
            self.curve = list(saved["curve"])
            finished = " (its final state: training had ended)" if is_final(saved) else ""
            log.info("resuming %s from step %d%s", self.checkpoint_path, saved["step"], finished)
        start = int(saved["step"]) if saved else 0
        rows = read_loss_rows(self.log_path, up_to_step=start) if start else []
        self.resume_dir.mkdir(parents=True, exist_ok=True)
        write_loss_rows(self.log_path, rows, self.columns)
        return saved

    def _last_readable_state(self) -> dict[str, Any] | None:
        """The newest snapshot that can be read; a damaged one is moved aside (`*.damaged`) with a warning."""
        for path in (self.final_state_path, self.state_path, self.previous_state_path):
            if not path.is_file():
                continue
            try:
                return load_checkpoint(path)
            except CorruptFileError as error:
                aside = path.with_name(path.name + ".damaged")
                path.replace(aside)
                log.warning("%s; moved it to %s and resuming from the snapshot before it, if any", error, aside)
        return None

    def resume(self, parts: dict[str, Any], rng: torch.Generator) -> int:
        """Load a matching saved state into `parts` (networks and optimisers by name; None: absent) and
        the RNGs; return the step to start from (0 without one)."""
        return self.load(self.restore(), parts, rng)

    def load(self, saved: dict[str, Any] | None, parts: dict[str, Any], rng: torch.Generator) -> int:
        """Load the state `restore` returned (None: start afresh) into `parts` and the RNGs; the step to start from."""
        if saved is None:
            return 0
        for name, part in parts.items():
            if part is not None:
                part.load_state_dict(saved[name])
        rng.set_state(saved["rng"])
        torch.set_rng_state(saved["torch_rng"])
        _restore_cuda_rng(saved.get("cuda_rng"))
        return int(saved["step"])

    def snapshot(self, parts: dict[str, Any], rng: torch.Generator) -> dict[str, Any]:
        """What `resume` needs: the state dicts of `parts` (None stays None), both RNG states and the curve so far."""
        return {
            **{name: None if part is None else part.state_dict() for name, part in parts.items()},
            "rng": rng.get_state(),
            "torch_rng": torch.get_rng_state(),
            # Dropout and other kernels on a GPU draw from each device's own generator.
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "curve": list(self.curve),
            "data_sha256": self.data_sha256,
        }

    def record(self, row: dict[str, float], *, every: int, keep: bool = False) -> None:
        """Keep a loss row every `every` steps (and whenever `keep`: the row of a diverged step)."""
        if row["step"] % every == 0 or keep:
            self.pending.append(row)

    def observe(
        self, step: int, model: nn.Module, monitor: Callable[[nn.Module], dict[str, float]], accelerator: Accelerator
    ) -> None:
        """Add the monitor's row for `model` (put in eval mode for it) to the curve."""
        was_training = model.training
        model.eval()
        with torch.no_grad(), accelerator.autocast():
            self.curve.append({"step": step, **monitor(model)})
        model.train(was_training)
        log.info("step %d: %s", step, self.curve[-1])

    def loop(
        self,
        settings: Any,
        start: int,
        train_step: Callable[[int], tuple[dict[str, float], dict[str, str]]],
        *,
        state: Callable[[int, str], dict[str, Any]],
        monitored: Callable[[int], None],
        on_step: Callable[[int], None] | None,
        progress: bool,
        watched: tuple[nn.Module, ...] = (),
        steps: int | None = None,
    ) -> tuple[str, int]:
        """Run `train_step(step)` (returning its loss row and progress-bar postfix) from `start` + 1 to the last
        step (`steps`, else settings.steps), with the bookkeeping of `end_step` after each; return the status
        ("completed" or "diverged") and the last step done."""
        steps = settings.steps if steps is None else steps
        if start == 0:
            monitored(0)
        description = f"{settings.dataset}/{settings.model}/seed{settings.seed}"
        with progress_bar(steps, start, description, enabled=progress) as bar:

            def advance(step: int) -> bool:
                row, postfix = train_step(step)
                return self.end_step(
                    step, row, settings, bar=bar, postfix=postfix, monitored=monitored, watched=watched
                )

            completed, step = step_loop(
                steps,
                start,
                advance,
                bar=bar,
                save=lambda step: self.save(state(step, "running")),
                checkpoint_every=settings.checkpoint_every,
                on_step=on_step,
                parent=self.parent,
                saved_where=lambda step: f"the resume state at step {step} ({self.state_path})",
            )
        return ("completed" if completed else "diverged"), step

    def end_step(
        self,
        step: int,
        row: dict[str, float],
        settings: Any,
        *,
        bar: Any,
        postfix: dict[str, str],
        monitored: Callable[[int], None],
        watched: tuple[nn.Module, ...] = (),
    ) -> bool:
        """The bookkeeping after a training step: loss row, progress bar postfix, monitor.

        `settings` has log_every, monitor_every, steps and divergence_bound. Returns False when the run
        diverged (see `divergence`): a diverged run is a result (Lucic et al. 2018), to be stopped and
        recorded.
        """
        problem = divergence(row, watched, settings.divergence_bound)
        self.record(row, every=settings.log_every, keep=problem is not None)
        if problem is not None:
            log.warning("step %d: %s: the run is marked diverged", step, problem)
            self.diverged_because = problem
            return False
        if step % settings.log_every == 0:
            bar.set_postfix(postfix, refresh=False)
        if settings.monitor_every and (step % settings.monitor_every == 0 or step == settings.steps):
            monitored(step)
        return True

    def close(self, final: dict[str, Any], *, status: str, step: int, resumed_from: int, device: str) -> TrainResult:
        """Write the final files (a diverged run records where; every run the device it trained on) and summarise the run."""
        final["device"] = device
        if status == "diverged":
            final["diverged_at_step"] = step
            final["diverged_because"] = self.diverged_because
        self.finish(final)
        return TrainResult(status=status, step=step, resumed_from=resumed_from, curve=list(self.curve))

    def save(self, state: dict[str, Any]) -> None:
        """Write the in-progress state (and the loss rows so far) to resume from, keeping the one before it."""
        self._flush()
        if self.state_path.is_file():
            self.state_path.replace(self.previous_state_path)
        save_checkpoint(self.state_path, {**state, RESUME_OF: self.checkpoint_path.name})

    def finish(self, state: dict[str, Any]) -> None:
        """Write the final state into resume/, publish it as the checkpoint and loss log, then drop the
        in-progress snapshots (the final state stays until `release_final_state`)."""
        self._flush()
        save_checkpoint(self.final_state_path, state)
        self.publish()

    def publish(self) -> None:
        """The final state as the run's checkpoint and the loss log beside it, each written atomically."""
        with atomic_path(self.checkpoint_path) as tmp:
            try:
                tmp.unlink()
                os.link(self.final_state_path, tmp)  # one file on disk for both names
            except OSError:  # a file system without hard links
                shutil.copyfile(self.final_state_path, tmp)
        with atomic_path(self.losses_path) as tmp:
            shutil.copyfile(self.log_path, tmp)
        for snapshot in (self.state_path, self.previous_state_path):
            snapshot.unlink(missing_ok=True)

    def republish(self, saved: dict[str, Any]) -> TrainResult:
        """A run whose final state was found in resume/ (its checkpoint deleted after training ended): publish it
        again instead of training."""
        self.publish()
        step = int(saved["step"])
        return TrainResult(status=saved["status"], step=step, resumed_from=step, curve=list(saved["curve"]))

    def _flush(self) -> None:
        append_loss_rows(self.log_path, self.pending, self.columns)
        self.pending = []


def is_final(saved: dict[str, Any]) -> bool:
    """Whether a state read from resume/ is a finished run's final state (its status is no longer "running")."""
    return saved.get("status", "running") != "running"


def release_final_state(checkpoint_path: str | Path) -> None:
    """Remove a finished run's resume/ folder once its checkpoint is read downstream (the job is recorded by then).

    Only when it holds the final state of this very checkpoint: an in-progress state is never removed here.
    """
    resume_dir = resume_dir_for(checkpoint_path)
    final = Path(paths.run_at(Path(checkpoint_path).parent).resume_final_state)
    if not final.is_file() or not Path(checkpoint_path).is_file():
        return
    same = os.path.samefile(final, checkpoint_path) or (
        final.stat().st_size == Path(checkpoint_path).stat().st_size
        and final.read_bytes() == Path(checkpoint_path).read_bytes()
    )
    if same:
        shutil.rmtree(resume_dir)


def progress_bar(steps: int, start: int, description: str, *, enabled: bool) -> tqdm:
    """A progress bar with rate and ETA over a run's steps, starting at the step resumed from."""
    return tqdm(
        total=steps,
        initial=start,
        desc=description,
        unit="step",
        disable=not enabled,
        file=sys.stderr,
        mininterval=0.5 if sys.stderr.isatty() else 10.0,  # a log file gets a line every 10 s
    )


def step_loop(
    steps: int,
    start: int,
    advance: Callable[[int], bool],
    *,
    bar: Any,
    save: Callable[[int], None],
    checkpoint_every: int,
    on_step: Callable[[int], None] | None,
    parent: ParentWatch,
    saved_where: Callable[[int], str],
) -> tuple[bool, int]:
    """The training loop every trainer shares: `advance(step)` from `start` + 1 to `steps` (False: stop), the
    progress bar, a resumable save every `checkpoint_every` steps, `on_step`, and the orphan check (the
    Snakemake process that started the job is gone: save and stop). Returns whether every step ran, and the
    last step done."""
    step = start
    for step in range(start + 1, steps + 1):
        if not advance(step):
            bar.update(1)
            return False, step
        bar.update(1)
        if step % checkpoint_every == 0 and step < steps:
            save(step)
        if on_step is not None:
            on_step(step)
        if parent.gone():
            save(step)
            raise OrphanedRunError(
                f"the Snakemake process (PID {parent.pid}) that started this job is gone: saved "
                f"{saved_where(step)} and stopped; run snakemake --unlock, then snakemake again to resume"
            )
    return True, step


def _restore_cuda_rng(states: list[torch.Tensor] | None) -> None:
    """Restore every GPU's generator; a state saved on other GPUs than these cannot be, and says so."""
    if states is None:
        return
    if not torch.cuda.is_available() or torch.cuda.device_count() != len(states):
        log.warning(
            "the resume state holds the generators of %d GPUs, not of the %d here: GPU randomness "
            "(dropout) will not repeat the uninterrupted run",
            len(states),
            torch.cuda.device_count(),
        )
        return
    torch.cuda.set_rng_state_all(states)


def divergence(row: dict[str, float], watched: tuple[nn.Module, ...], bound: float | None) -> str | None:
    """Why a training step diverged, or None: a loss that is not finite or beyond +-`bound`, or a parameter of
    the `watched` networks that is (bound None: only non-finite values count)."""
    parameters = [p.detach() for module in watched for p in module.parameters()]
    # One flat copy and one reduction: about 40 us for the 2-D MLP pair, against 240 us for a per-tensor
    # infinity norm, on a step of about 3 ms. A NaN anywhere makes the maximum NaN.
    largest = torch.cat([p.reshape(-1) for p in parameters]).abs().max().item() if parameters else None
    return divergence_of(row, largest, bound)


def divergence_of(row: dict[str, float], largest: float | None, bound: float | None) -> str | None:
    """`divergence` given the largest |parameter| of the run (None: not watched)."""
    for name, value in row.items():
        if not math.isfinite(value):
            return f"loss {name} is {value}"
        if bound is not None and abs(value) > bound:
            return f"loss {name} = {value:.3g} is beyond +-{bound:g} (divergence_bound)"
    if largest is None:
        return None
    if not math.isfinite(largest):
        return f"a parameter is {largest}"
    if bound is not None and largest > bound:
        return f"a parameter reached {largest:.3g}, beyond +-{bound:g} (divergence_bound)"
    return None
