"""Many runs of one GAN configuration trained as one batched computation.

The runs of a group differ only in their seed. Their networks are stacked with
`torch.func.stack_module_state` and called through `torch.func.functional_call` under `vmap`, so each
layer of all runs is one batched matmul; one optimiser over the stacked tensors is one optimiser per
run, since Adam's and RMSprop's updates are elementwise. Every run draws its batches and noise from
its own generator in the order `genlib.gan.step` draws them for a single run, so a run's result does
not depend on the group it was trained in.

Each step is Algorithm 1 of Goodfellow et al. 2014 (k = n_critic discriminator steps, then one
generator step) or the simultaneous update of the ALI code base (`updates: simultaneous`), exactly as
`genlib.gan.step` takes them for one run; gradient penalties are left to the single-run trainer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from genlib.gan.objectives import ObjectivePair


class StackedNetwork:
    """`len(modules)` networks of one architecture as stacked tensors (run first), called as one."""

    def __init__(self, modules: list[nn.Module]):
        self.runs = len(modules)
        self.params, self.buffers = stack_module_state(modules)  # name -> (runs, ...)
        self.template = copy.deepcopy(modules[0]).to("meta")  # structure and mode only

        def call(params: dict, buffers: dict, x: torch.Tensor) -> torch.Tensor:
            return functional_call(self.template, (params, buffers), (x,))

        self._call = vmap(call)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (runs, B, ...) -> (runs, B', ...), run r through network r."""
        return self._call(self.params, self.buffers, x)

    def parameters(self) -> list[torch.Tensor]:
        return list(self.params.values())

    def train(self, mode: bool = True) -> None:
        self.template.train(mode)

    def requires_grad_(self, flag: bool) -> None:
        for param in self.params.values():
            param.requires_grad_(flag)

    def state_dict_of(self, run: int) -> dict[str, torch.Tensor]:
        """The state dict of run `run`'s network, as its own nn.Module would give it."""
        return {name: tensor[run].detach().clone() for name, tensor in {**self.params, **self.buffers}.items()}

    @torch.no_grad()
    def load_run(self, run: int, state: dict[str, torch.Tensor]) -> None:
        for name, tensor in {**self.params, **self.buffers}.items():
            tensor[run].copy_(state[name])

    @torch.no_grad()
    def largest_magnitude(self) -> torch.Tensor:
        """(runs,) the largest |parameter| of each run (NaN when any is NaN)."""
        flat = torch.cat([p.detach().reshape(self.runs, -1) for p in self.params.values()], dim=1)
        return flat.abs().amax(dim=1)


class StackedOptimizerView:
    """One run's slice of an optimiser over stacked tensors, with the state dict a per-run optimiser has."""

    def __init__(self, optimizer: torch.optim.Optimizer, params: list[torch.Tensor], run: int):
        self.optimizer, self.params, self.run = optimizer, params, run

    def state_dict(self) -> dict[str, Any]:
        state = {}
        for index, param in enumerate(self.params):
            slots = self.optimizer.state.get(param)
            if slots:
                state[index] = {
                    key: value.clone() if key == "step" or value.dim() == 0 else value[self.run].clone()
                    for key, value in slots.items()
                }
        groups = [
            {**{k: v for k, v in group.items() if k != "params"}, "params": list(range(len(self.params)))}
            for group in self.optimizer.param_groups
        ]
        return {"state": state, "param_groups": groups}

    @torch.no_grad()
    def load_state_dict(self, saved: dict[str, Any]) -> None:
        for index, slots in saved["state"].items():
            param = self.params[int(index)]
            current = self.optimizer.state.setdefault(param, {})
            for key, value in slots.items():
                if key == "step" or value.dim() == 0:
                    current[key] = value.clone().to(param.device)  # shared by every run of the group
                else:
                    current.setdefault(key, torch.zeros_like(param))[self.run].copy_(value)


class StackedView:
    """One run's slice of a stacked network, as an object with `state_dict`/`load_state_dict`."""

    def __init__(self, network: StackedNetwork, run: int):
        self.network, self.run = network, run

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.network.state_dict_of(self.run)

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.network.load_run(self.run, state)


def _split_scores(scores: torch.Tensor, examples: int) -> tuple[torch.Tensor, torch.Tensor]:
    real, fake = scores.split(examples, dim=1)
    return real.float(), fake.float()


class StackedAdversaries:
    """The generators and discriminators of a group of runs, their optimisers and the objective."""

    def __init__(
        self,
        generator: StackedNetwork,
        discriminator: StackedNetwork,
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        objective: ObjectivePair,
        *,
        latent_dim: int,
        packing: int,
        weight_clip: float | None,
    ):
        self.generator, self.discriminator = generator, discriminator
        self.opt_g, self.opt_d, self.objective = opt_g, opt_d, objective
        self.latent_dim, self.packing, self.weight_clip = latent_dim, packing, weight_clip
        self.d_losses = vmap(objective.discriminator_loss)
        self.g_losses = vmap(objective.generator_loss)
        self.joint_batch = not any(
            isinstance(m, nn.modules.batchnorm._BatchNorm) for m in discriminator.template.modules()
        )

    def _scores(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        examples = real.shape[1] // self.packing
        if self.joint_batch:
            return _split_scores(self.discriminator(torch.cat([real, fake], dim=1)), examples)
        return self.discriminator(real).float(), self.discriminator(fake).float()

    def noise(self, rngs: list[torch.Generator], batch: int, device: torch.device) -> torch.Tensor:
        return torch.stack([torch.randn(batch, self.latent_dim, generator=rng, device=device) for rng in rngs])

    def discriminator_step(self, real: torch.Tensor, rngs: list[torch.Generator]) -> torch.Tensor:
        """One update of every run's D on its real batch (runs, B, ...) and a fresh fake batch; (runs,) losses."""
        with torch.no_grad():
            fake = self.generator(self.noise(rngs, real.shape[1], real.device)).to(real.dtype)
        real_scores, fake_scores = self._scores(real, fake)
        losses = self.d_losses(real_scores, fake_scores)
        self.opt_d.zero_grad(set_to_none=True)
        losses.sum().backward()  # the runs are independent: each run's gradient is its own loss's
        self.opt_d.step()
        if self.weight_clip is not None:
            with torch.no_grad():
                for param in self.discriminator.parameters():
                    param.clamp_(-self.weight_clip, self.weight_clip)
        return losses.detach()

    def generator_step(self, batch: int, rngs: list[torch.Generator], device: torch.device) -> torch.Tensor:
        """One update of every run's G on fresh noise; (runs,) losses."""
        self.discriminator.requires_grad_(False)
        fake = self.generator(self.noise(rngs, batch, device))
        losses = self.g_losses(self.discriminator(fake).float())
        self.opt_g.zero_grad(set_to_none=True)
        losses.sum().backward()
        self.discriminator.requires_grad_(True)
        self.opt_g.step()
        return losses.detach()

    def simultaneous_step(self, real: torch.Tensor, rngs: list[torch.Generator]) -> tuple[torch.Tensor, torch.Tensor]:
        """Both updates of every run from one batch, with both gradients at the same parameters (ALI)."""
        fake = self.generator(self.noise(rngs, real.shape[1], real.device)).to(real.dtype)
        real_scores, fake_scores = self._scores(real, fake)
        d_losses = self.d_losses(real_scores, fake_scores)
        g_losses = self.g_losses(fake_scores)
        self.opt_d.zero_grad(set_to_none=True)
        self.opt_g.zero_grad(set_to_none=True)
        # Each loss's gradient into its own network only; autograd's accumulation gives every .grad the
        # layout of its parameter, which the fused optimisers rely on.
        d_losses.sum().backward(inputs=self.discriminator.parameters(), retain_graph=True)
        g_losses.sum().backward(inputs=self.generator.parameters())
        self.opt_d.step()
        self.opt_g.step()
        return d_losses.detach(), g_losses.detach()

    def iteration(
        self, settings: Any, real_batch: Callable[[], torch.Tensor], rngs: list[torch.Generator]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One training iteration of every run, as `genlib.families.gan.AdversarialTraining.iteration` takes it
        for one: (runs,) discriminator losses (mean over the n_critic steps) and generator losses."""
        if settings.updates == "simultaneous":
            return self.simultaneous_step(real_batch(), rngs)
        d_losses = sum(self.discriminator_step(real_batch(), rngs) for _ in range(settings.n_critic))
        device = self.generator.parameters()[0].device
        return d_losses / settings.n_critic, self.generator_step(settings.batch_size, rngs, device)
