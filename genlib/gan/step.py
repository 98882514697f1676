"""One step of adversarial training, as Algorithm 1 of Goodfellow et al. 2014 writes it.

Each training iteration runs k discriminator steps (`discriminator_step`, ascending the
discriminator's objective) and then one generator step (`generator_step`, descending the
generator's loss); k is `n_critic` (Arjovsky et al. 2017, Algorithm 1). The losses themselves are
pure functions in genlib.gan.objectives.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from genlib.gan.diffusion_gan import DiffusedDiscriminator
from genlib.gan.objectives import ObjectivePair, gradient_penalty
from genlib.training.device import Accelerator


@dataclass
class Adversaries:
    """The two networks of a GAN, their optimisers, and how the discriminator is trained."""

    generator: nn.Module
    discriminator: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    objective: ObjectivePair
    latent_dim: int
    penalty_weight: float = 0.0  # lambda of the WGAN-GP penalty (Gulrajani et al. 2017); 0: none
    weight_clip: float | None = None  # clip D's weights to [-c, c] after each step (Arjovsky et al. 2017)
    packing: int = 1  # samples per packed example of D (PacGAN, Lin et al. 2018)
    # G calls per fake batch: 1, or `packing` (one per packed slot, as the PacGAN authors' code; see `generate`)
    generator_slots: int = 1
    # Diffusion-GAN's D (genlib.gan.diffusion_gan), told every D step's real scores; None: no instance noise
    instance_noise: DiffusedDiscriminator | None = None

    # Whether real and fake batches may share one forward pass of D (not with batch norm in D).
    joint_batch: bool = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.joint_batch = not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in self.discriminator.modules())


def generate(nets: Adversaries, noise: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """G's fake batch for `noise`: one call, or (generator_slots s > 1) s calls on consecutive equal parts of the
    noise, interleaved so that packed example i (genlib.networks.pacgan.pack: s consecutive samples) holds the
    i-th sample of every call, as the PacGAN authors concatenate their per-slot outputs on channels."""
    if nets.generator_slots == 1:
        return nets.generator(noise, labels)
    parts = noise.chunk(nets.generator_slots)
    label_parts = [None] * len(parts) if labels is None else labels.chunk(nets.generator_slots)
    calls = [nets.generator(part, part_labels) for part, part_labels in zip(parts, label_parts)]
    return torch.stack(calls, dim=1).flatten(0, 1)


def score_real_and_fake(
    nets: Adversaries, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """D's float32 scores of a real and a fake batch (fakes share the real batch's labels), one per packed example."""
    if nets.joint_batch:
        # One forward pass over real and fake together: half the per-call overhead.
        both_labels = None if labels is None else torch.cat([labels, labels])
        scores = nets.discriminator(torch.cat([real, fake]), both_labels).float()
        return scores.split(real.shape[0] // nets.packing)
    # Batch norm in D: real and fake batches are normalised apart, as in the DCGAN reference code; a
    # mixed batch would let D tell them apart by batch statistics that the generator's (all-fake) step
    # never shows it.
    return nets.discriminator(real, labels).float(), nets.discriminator(fake, labels).float()


def discriminator_step(
    nets: Adversaries,
    real: torch.Tensor,
    labels: torch.Tensor | None,
    *,
    rng: torch.Generator,
    accelerator: Accelerator,
    noise: torch.Tensor | None = None,
) -> tuple[float, float]:
    """One update of D on a real batch and a fake batch from `noise`, or fresh noise (fakes share the real batch's
    labels).

    Returns the discriminator's loss and the gradient penalty (0 without one).
    """
    batch, device = real.shape[0], real.device
    if noise is None:
        noise = torch.randn(batch, nets.latent_dim, generator=rng, device=device)
    with torch.no_grad(), accelerator.autocast():
        fake = generate(nets, noise, labels)
    fake = fake.to(real.dtype)
    with accelerator.autocast():
        real_scores, fake_scores = score_real_and_fake(nets, real, fake, labels)
        d_loss = nets.objective.discriminator_loss(real_scores, fake_scores)
    if nets.instance_noise is not None:
        nets.instance_noise.observe(real_scores - nets.objective.real_threshold)
    penalty_value = 0.0
    if nets.penalty_weight > 0:
        penalty = gradient_penalty(
            lambda x: nets.discriminator(x, labels), real, fake, generator=rng, packing=nets.packing
        )
        d_loss = d_loss + nets.penalty_weight * penalty
        penalty_value = penalty.item()
    nets.opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    nets.opt_d.step()
    if nets.weight_clip is not None:
        with torch.no_grad():
            for param in nets.discriminator.parameters():
                param.clamp_(-nets.weight_clip, nets.weight_clip)
    return d_loss.item(), penalty_value


def generator_step(
    nets: Adversaries,
    batch: int,
    labels: torch.Tensor | None,
    *,
    rng: torch.Generator,
    accelerator: Accelerator,
    device: torch.device,
    noise: torch.Tensor | None = None,
) -> float:
    """One update of G on a fake batch for `labels` (from `noise`, or fresh noise); returns the generator's loss."""
    nets.discriminator.requires_grad_(False)  # its weight gradients would be discarded: skip them
    if noise is None:
        noise = torch.randn(batch, nets.latent_dim, generator=rng, device=device)
    with accelerator.autocast():
        fake = generate(nets, noise, labels)
        g_loss = nets.objective.generator_loss(nets.discriminator(fake, labels).float())
    nets.opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    nets.discriminator.requires_grad_(True)
    nets.opt_g.step()
    return g_loss.item()


def simultaneous_step(
    nets: Adversaries,
    real: torch.Tensor,
    labels: torch.Tensor | None,
    *,
    rng: torch.Generator,
    accelerator: Accelerator,
) -> tuple[float, float]:
    """One simultaneous update of D and G from one batch: both losses from the same scores, both gradients at
    the same parameters, then both optimiser steps (the ALI code base's `ali_algorithm`, with which Lin et al.
    2018 trained PacGAN). Returns the discriminator's and the generator's loss."""
    batch, device = real.shape[0], real.device
    with accelerator.autocast():
        fake = generate(nets, torch.randn(batch, nets.latent_dim, generator=rng, device=device), labels).to(real.dtype)
        real_scores, fake_scores = score_real_and_fake(nets, real, fake, labels)
        d_loss = nets.objective.discriminator_loss(real_scores, fake_scores)
        g_loss = nets.objective.generator_loss(fake_scores)
    if nets.instance_noise is not None:
        nets.instance_noise.observe(real_scores - nets.objective.real_threshold)
    nets.opt_d.zero_grad(set_to_none=True)
    nets.opt_g.zero_grad(set_to_none=True)
    # Each loss's gradient into its own network only (`inputs`), through autograd's accumulation, which
    # gives every .grad the layout of its parameter (the fused optimisers rely on it).
    d_loss.backward(inputs=[p for p in nets.discriminator.parameters() if p.requires_grad], retain_graph=True)
    g_loss.backward(inputs=[p for p in nets.generator.parameters() if p.requires_grad])
    nets.opt_d.step()
    nets.opt_g.step()
    return d_loss.item(), g_loss.item()
