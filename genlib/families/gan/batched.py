"""The GAN family's batched trainer: runs that differ only in their seed, trained as one computation.

The seeds' networks are stacked (genlib.gan.batched) and every run draws from its own generator, so
each computes what `train_gan` computes for its seed; each run still gets its own checkpoint, loss
log and resume state, in `train_gan`'s format. The loop, progress bar, save schedule and orphan
check are the ones every trainer shares (genlib.training.resumable).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from genlib.config.validation import to_dict
from genlib.families.gan.networks import build_discriminator, build_generator
from genlib.families.gan.run_parts import CHECKPOINT, build_optimizer, loss_columns
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.gan.batched import StackedAdversaries, StackedNetwork, StackedOptimizerView, StackedView
from genlib.gan.objectives import objective
from genlib.training.device import Accelerator
from genlib.training.resumable import (
    ResumableRun,
    TrainResult,
    divergence_of,
    is_final,
    progress_bar,
    refuse_shared_folders,
    step_loop,
)

log = logging.getLogger(__name__)


def _resumable_run(
    settings: GANSettings, data: TrainingData, checkpoint_path: str | Path, losses_path: str | Path
) -> ResumableRun:
    """The resume state, loss log and final files of one run of the batched trainer, as `train_gan`'s."""
    return ResumableRun(
        checkpoint_path,
        losses_path,
        fmt=CHECKPOINT.version,
        settings=to_dict(settings),
        columns=loss_columns(settings),
        data_sha256=data.sha256,
    )


def train_gan_group(
    settings_list: list[GANSettings],
    data: TrainingData,
    checkpoint_paths: list[str | Path],
    losses_paths: list[str | Path],
    *,
    accelerator: Accelerator | None = None,
    on_step: Callable[[int], None] | None = None,
    progress: bool = True,
) -> list[TrainResult]:
    """Train runs that differ only in their seed as one batched computation (genlib.gan.batched) and write
    each run's checkpoint and loss log as `train_gan` would (same format, resumable the same way).

    Each run starts from the initialisation `train_gan` gives its seed and draws from its own generator,
    so it computes what `train_gan` computes, whatever its group. The rounding of batched matmuls differs,
    and GAN training amplifies it: the same run agrees to 2e-9 after 100 float64 steps at the PacGAN
    authors' network size, but parts by 0.02 in discriminator weights after 300 float32 steps.
    A run that diverges gets its checkpoint at that step and drops out; the others go on. The group
    resumes when every run has a resume state of the same step, and starts afresh otherwise.
    """
    problem = GANSettings.group_problem(settings_list)
    if problem:
        raise ValueError(problem)
    refuse_shared_folders(checkpoint_paths)
    group = GroupTraining(settings_list, data, checkpoint_paths, losses_paths, accelerator or Accelerator.choose("cpu"))
    return group.train(on_step=on_step, progress=progress)


class GroupTraining:
    """The state of a group of runs in batched training: stacked networks, optimisers, one generator per run."""

    def __init__(
        self,
        settings_list: list[GANSettings],
        data: TrainingData,
        checkpoint_paths: list[str | Path],
        losses_paths: list[str | Path],
        accelerator: Accelerator,
    ):
        self.settings_list, self.first, self.spec = settings_list, settings_list[0], data.spec
        self.accelerator, self.device = accelerator, accelerator.device
        self.runs = [
            _resumable_run(settings, data, checkpoint, losses)
            for settings, checkpoint, losses in zip(settings_list, checkpoint_paths, losses_paths)
        ]
        generators, discriminators = [], []
        for settings in settings_list:  # each run's initialisation, exactly as AdversarialTraining draws it
            torch.manual_seed(settings.seed)
            generators.append(build_generator(settings, self.spec).to(self.device))
            discriminators.append(build_discriminator(settings, self.spec).to(self.device))
        self.generator, self.discriminator = StackedNetwork(generators), StackedNetwork(discriminators)
        first = self.first
        self.nets = StackedAdversaries(
            self.generator,
            self.discriminator,
            opt_g=build_optimizer(self.generator.parameters(), first, first.lr_g),
            opt_d=build_optimizer(self.discriminator.parameters(), first, first.lr_d),
            objective=objective(first.objective),
            latent_dim=first.latent_dim,
            packing=first.packing,
            weight_clip=first.weight_clip,
        )
        self.rngs = [torch.Generator(device=self.device).manual_seed(s.seed) for s in settings_list]
        self.parts = [
            {
                "generator": StackedView(self.generator, k),
                "discriminator": StackedView(self.discriminator, k),
                "ema": None,
                "opt_g": StackedOptimizerView(self.nets.opt_g, self.generator.parameters(), k),
                "opt_d": StackedOptimizerView(self.nets.opt_d, self.discriminator.parameters(), k),
            }
            for k in range(len(self.runs))
        ]
        self.samples = data.samples.to(self.device)
        self.results: dict[int, TrainResult] = {}
        self.active = list(range(len(self.runs)))
        self.start = 0

    def real_batch(self) -> torch.Tensor:
        """(runs, batch_size, ...) real samples, each run's drawn with its own generator."""
        n, size = self.samples.shape[0], self.first.batch_size
        return torch.stack(
            [
                TrainingData.batch_of(self.samples, torch.randint(0, n, (size,), generator=rng, device=self.device))
                for rng in self.rngs
            ]
        )

    def state(self, k: int, step: int, status: str) -> dict[str, Any]:
        """Run k's checkpoint (or resume state) in the format of `train_gan`."""
        snapshot = self.runs[k].snapshot(self.parts[k], self.rngs[k])
        return CHECKPOINT.record(self.settings_list[k], self.spec, step, status, snapshot)

    def close(self, k: int, step: int, status: str) -> None:
        self.results[k] = self.runs[k].close(
            self.state(k, step, status),
            status=status,
            step=step,
            resumed_from=self.start,
            device=self.accelerator.describe(),
        )

    def record(self, step: int, d_losses: torch.Tensor, g_losses: torch.Tensor) -> None:
        """Each active run's loss row; a run that diverged gets its checkpoint and leaves the group."""
        largest = torch.maximum(self.generator.largest_magnitude(), self.discriminator.largest_magnitude()).tolist()
        d_values, g_values = d_losses.tolist(), g_losses.tolist()
        for k in list(self.active):
            row = {"step": step, "d_loss": d_values[k], "g_loss": g_values[k], "penalty": 0.0}
            problem = divergence_of(row, largest[k], self.first.divergence_bound)
            self.runs[k].record(row, every=self.first.log_every, keep=problem is not None)
            if problem is not None:
                seed = self.settings_list[k].seed
                log.warning(
                    "%s seed %d, step %d: %s: the run is marked diverged", self.first.model, seed, step, problem
                )
                self.runs[k].diverged_because = problem
                self.close(k, step, "diverged")
                self.active.remove(k)

    def save(self, step: int) -> None:
        for k in self.active:
            self.runs[k].save(self.state(k, step, "running"))

    def advance(self, step: int) -> bool:
        """One batched iteration of every run; False once none is left (every run diverged)."""
        self.record(step, *self.nets.iteration(self.first, self.real_batch, self.rngs))
        return bool(self.active)

    def train(self, *, on_step: Callable[[int], None] | None, progress: bool) -> list[TrainResult]:
        first = self.first
        finished = self.resume()
        if finished is not None:
            return finished
        self.generator.train()
        self.discriminator.train()
        description = f"{first.dataset}/{first.model} ({len(self.runs)} seeds)"
        with progress_bar(first.steps, self.start, description, enabled=progress) as bar:
            _, step = step_loop(
                first.steps,
                self.start,
                self.advance,
                bar=bar,
                save=self.save,
                checkpoint_every=first.checkpoint_every,
                on_step=on_step,
                parent=self.runs[0].parent,
                saved_where=lambda step: f"the resume states at step {step}",
            )
        for k in self.active:
            self.close(k, step, "completed")
        return [self.results[k] for k in range(len(self.runs))]

    def resume(self) -> list[TrainResult] | None:
        """Load every run's resume state (`_resume_group`); when every run's final state is there (their
        checkpoints deleted after training ended), publish them again and return their results."""
        saved = [run.restore() for run in self.runs]
        if all(state is not None and is_final(state) for state in saved):
            return [run.republish(state) for run, state in zip(self.runs, saved)]
        self.start = _resume_group(self.runs, saved, self.parts, self.rngs)
        return None


def _resume_group(
    runs: list[ResumableRun],
    saved: list[dict[str, Any] | None],
    parts: list[dict[str, Any]],
    rngs: list[torch.Generator],
) -> int:
    """Load every run's resume state (`saved`, as restored) when all are of one step and none is final; the step
    to start from (0: afresh)."""
    steps = {None if s is None else int(s["step"]) for s in saved}
    if steps == {None}:
        return 0
    if len(steps) != 1 or any(is_final(s) for s in saved if s is not None):
        log.warning(
            "the runs' resume states are of different steps, or some runs had ended (%s): the group starts afresh",
            sorted(map(str, steps)),
        )
        for run in runs:
            shutil.rmtree(run.resume_dir, ignore_errors=True)
            run.restore()
        return 0
    for run, run_parts, rng, state in zip(runs, parts, rngs, saved):
        for name, part in run_parts.items():
            if part is not None:
                part.load_state_dict(state[name])
        rng.set_state(state["rng"])
        run.curve = list(state["curve"])
    torch.set_rng_state(saved[0]["torch_rng"])
    return steps.pop()
