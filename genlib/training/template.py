"""The training template every model family fills in: one resumable run from settings to final checkpoint.

A family gives a `RunTraining` (its networks, optimisers and one `iteration`) and a `CheckpointFormat`;
`train_resumably` does the rest, once for all families: the resume state and its checks, the loop
with its progress bar, divergence check and orphan check, the FID-over-training monitor, the
checkpoint dictionary, and the final files (genlib.training.resumable). A run whose final state is
still in resume/ (its checkpoint deleted by a scheduler that was killed before it recorded the job)
is published again instead of retrained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from genlib.config.validation import to_dict
from genlib.training.device import Accelerator
from genlib.training.resumable import ResumableRun, TrainResult, is_final


@dataclass(frozen=True)
class CheckpointFormat:
    """What a family's checkpoints say of themselves."""

    family: str  # the registry name, the settings' `family` key
    version: str  # e.g. "genlib.gan/3": a resume state of another version is not resumed

    def record(self, settings: Any, spec: Any, step: int, status: str, snapshot: dict[str, Any]) -> dict[str, Any]:
        """A checkpoint (or resume state) of this family: format, family, data kind and spec, settings, progress,
        and the saved parts and random states (`snapshot`)."""
        return {
            "format": self.version,
            "family": self.family,
            "data_kind": spec.kind,
            "settings": to_dict(settings),
            "data_spec": spec.to_dict(),
            "step": step,
            "status": status,
            **snapshot,
        }


class RunTraining:
    """One run in training, as a family fills it in: the parts to save, the networks to watch, one iteration.

    Subclasses set `settings`, `rng` (the run's random generator: batches, noise), `parts` (networks,
    optimisers and schedules by name, all that resume restores; None: absent) and `watched` (networks
    whose parameters count for divergence, put in train mode before the loop), and define `iteration`.
    """

    settings: Any
    rng: torch.Generator
    parts: dict[str, Any]
    watched: tuple[nn.Module, ...]

    @property
    def steps(self) -> int:
        """Training steps of the run (0: a fixed model with nothing to learn)."""
        return self.settings.steps

    def iteration(self, step: int) -> tuple[dict[str, float], dict[str, str]]:
        """One training step: its loss-log row and the progress bar's postfix."""
        raise NotImplementedError

    def train_mode(self) -> None:
        """Put the networks in training mode before the loop."""
        for network in self.watched:
            network.train()

    def after_resume(self, start: int) -> None:
        """Anything to rebuild from the step resumed from (a progressive GAN's growth)."""

    def monitor_view(self, step: int) -> tuple[nn.Module, Callable[[nn.Module], Any], dict[str, float]]:
        """For the monitor at `step`: the network samples are drawn with, how it becomes a sampling model, and
        the row's other columns (real images shown, ...)."""
        raise NotImplementedError(f"{type(self).__name__} has no monitor")

    def before_close(self, step: int, status: str) -> None:
        """Anything to do to the networks before the final checkpoint (an EMA generator's batch statistics)."""


def train_resumably(
    fmt: CheckpointFormat,
    settings: Any,
    data: Any,
    checkpoint_path: str | Path,
    losses_path: str | Path,
    build: Callable[[Accelerator], RunTraining],
    *,
    columns: tuple[str, ...],
    accelerator: Accelerator | None = None,
    monitor: Callable[[Any], dict[str, float]] | None = None,
    on_step: Callable[[int], None] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train one run (`build(accelerator)` makes its state) on `data`; write its final checkpoint and loss log
    atomically.

    In-progress state lives in resume/ beside the checkpoint and is resumed from when its settings, format and
    training data match. `monitor` is called every `settings.monitor_every` steps (and at the start and the
    end) with the sampling model of `RunTraining.monitor_view`. `on_step(step)` is called after every step,
    once that step's resume state (if any) is written.
    """
    accelerator = accelerator or Accelerator.choose("cpu")
    run = ResumableRun(
        checkpoint_path,
        losses_path,
        fmt=fmt.version,
        settings=to_dict(settings),
        columns=columns,
        data_sha256=data.sha256,
    )
    saved = run.restore()
    if saved is not None and is_final(saved):
        return run.republish(saved)
    training = build(accelerator)
    start = run.load(saved, training.parts, training.rng)
    training.after_resume(start)

    def state(step: int, status: str) -> dict[str, Any]:
        return fmt.record(settings, data.spec, step, status, run.snapshot(training.parts, training.rng))

    def monitored(step: int) -> None:
        if monitor is not None and settings.monitor_every:
            network, as_model, extra = training.monitor_view(step)
            run.observe(step, network, lambda net: {**monitor(as_model(net)), **extra}, accelerator)

    training.train_mode()
    status, step = run.loop(
        settings,
        start,
        training.iteration,
        state=state,
        monitored=monitored,
        on_step=on_step,
        progress=progress,
        watched=training.watched,
        steps=training.steps,
    )
    training.before_close(step, status)
    return run.close(state(step, status), status=status, step=step, resumed_from=start, device=accelerator.describe())
