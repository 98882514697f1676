"""One training step of pix2pix, CycleGAN and SRGAN, with every loss term named and weighted.

Each step follows the authors' `optimize_parameters` (junyanz/pytorch-CycleGAN-and-pix2pix,
models/pix2pix_model.py and cycle_gan_model.py) and, for SRGAN, Ledig et al. 2017, Sec. 2.2:
- pix2pix (Isola et al. 2017, eq. 4): G* = arg min_G max_D L_cGAN(G, D) + lambda L_L1(G); D judges
  (input, output) pairs, patch by patch; D's loss is halved "to slow down the rate at which D learns".
- CycleGAN (Zhu et al. 2017, eq. 3): L_GAN(G, D_B) + L_GAN(F, D_A) + lambda L_cyc(G, F), plus the
  identity term lambda_idt lambda E||G(b) - b||_1 (Sec. 5.2, the authors' default 0.5); G steps
  first, then each D on its history pool; least squares (Mao et al. 2017) as the authors' code.
- SRGAN (Ledig et al. 2017, eq. 3): l_SR = l_content + 10^-3 l_Gen; SRResNet is the content loss
  alone (pixel MSE, or MSE of a feature network's maps as the VGG loss of eq. 5).
The adversarial losses are the objectives of genlib.gan.objectives in the authors' scaling
(`AdversarialLoss`); every step returns its loss terms for the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from genlib.gan.objectives import objective
from genlib.translation.pool import ImagePool

Tensor = torch.Tensor


@dataclass(frozen=True)
class AdversarialLoss:
    """The authors' GANLoss: D's loss is the mean of its real and fake terms, G's the loss of calling fakes real.

    For the logistic loss that is 1/2 of binary cross-entropy for D and -E[log D(G(x))] for G; for
    least squares 1/2 E[(D(y) - 1)^2] + 1/2 E[D(G(x))^2] for D and E[(D(G(x)) - 1)^2] for G. Scores
    may be patch maps: every patch counts as one decision.
    """

    kind: str  # "nonsaturating" or "least-squares"

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        pair = objective(self.kind)
        loss = pair.discriminator_loss(real, fake)  # BCE(real, 1) + BCE(fake, 0); least squares already halved
        return loss if self.kind == "least-squares" else 0.5 * loss

    def generator(self, fake: Tensor) -> Tensor:
        loss = objective(self.kind).generator_loss(fake)
        return 2.0 * loss if self.kind == "least-squares" else loss  # MSE(D(G(x)), 1) without the 1/2


def train_discriminator(
    discriminator: nn.Module, optimizer: torch.optim.Optimizer, loss: AdversarialLoss, real: Tensor, fake: Tensor
) -> float:
    """One update of D on a real and a (detached) generated batch; returns D's loss."""
    d_loss = loss.discriminator(discriminator(real), discriminator(fake.detach()))
    optimizer.zero_grad(set_to_none=True)
    d_loss.backward()
    optimizer.step()
    return d_loss.item()


def _generator_update(optimizer: torch.optim.Optimizer, frozen: tuple[nn.Module, ...], total: Tensor) -> None:
    """Descend G's total loss with the discriminators' weights left out of the gradient."""
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    optimizer.step()
    for net in frozen:
        net.requires_grad_(True)


def _frozen(*nets: nn.Module) -> tuple[nn.Module, ...]:
    for net in nets:
        net.requires_grad_(False)
    return nets


# --- pix2pix ----------------------------------------------------------------------------------------


def pix2pix_step(
    g: nn.Module,
    d: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    loss: AdversarialLoss,
    real_a: Tensor,
    real_b: Tensor,
    *,
    adversarial_weight: float,
    l1_weight: float,
) -> dict[str, float]:
    """D on (a, b) vs (a, G(a)), then G on adversarial_weight L_cGAN + l1_weight ||b - G(a)||_1."""
    fake_b = g(real_a)
    terms = {"d_loss": 0.0}
    if adversarial_weight > 0:  # "L1 alone" trains no D
        terms["d_loss"] = train_discriminator(
            d, opt_d, loss, torch.cat([real_a, real_b], 1), torch.cat([real_a, fake_b], 1)
        )
    frozen = _frozen(d)
    adversarial = loss.generator(d(torch.cat([real_a, fake_b], 1))) if adversarial_weight > 0 else fake_b.new_zeros(())
    l1 = F.l1_loss(fake_b, real_b)
    total = adversarial_weight * adversarial + l1_weight * l1
    _generator_update(opt_g, frozen, total)
    return {**terms, "g_loss": total.item(), "g_adversarial": adversarial.item(), "g_l1": l1.item()}


# --- CycleGAN ---------------------------------------------------------------------------------------


def cycle_loss(g_ab: nn.Module, g_ba: nn.Module, real_a: Tensor, real_b: Tensor) -> tuple[Tensor, Tensor]:
    """(||F(G(a)) - a||_1, ||G(F(b)) - b||_1): the forward and backward cycle-consistency terms (eq. 2)."""
    return F.l1_loss(g_ba(g_ab(real_a)), real_a), F.l1_loss(g_ab(g_ba(real_b)), real_b)


@dataclass
class CycleGANNets:
    """CycleGAN's two mappings G: A -> B, F: B -> A, their discriminators, optimisers and history pools."""

    g_ab: nn.Module
    g_ba: nn.Module
    d_a: nn.Module  # judges domain A: real a against F(b)
    d_b: nn.Module  # judges domain B: real b against G(a)
    opt_g: torch.optim.Optimizer  # both generators, as the authors' itertools.chain
    opt_d: torch.optim.Optimizer  # both discriminators
    pool_a: ImagePool
    pool_b: ImagePool


def cyclegan_step(
    nets: CycleGANNets,
    loss: AdversarialLoss,
    real_a: Tensor,
    real_b: Tensor,
    rng: torch.Generator,
    *,
    adversarial_weight: float,
    cycle_weight: float,
    cycle_forward: bool,
    cycle_backward: bool,
    identity_weight: float,
) -> dict[str, float]:
    """G and F on the adversarial, cycle and identity terms, then D_A and D_B on their pools."""
    fake_b, fake_a = nets.g_ab(real_a), nets.g_ba(real_b)
    frozen = _frozen(nets.d_a, nets.d_b)
    zero = real_a.new_zeros(())
    adversarial = (loss.generator(nets.d_b(fake_b)) + loss.generator(nets.d_a(fake_a))) if adversarial_weight else zero
    forward = F.l1_loss(nets.g_ba(fake_b), real_a) if cycle_forward else zero
    backward = F.l1_loss(nets.g_ab(fake_a), real_b) if cycle_backward else zero
    identity = zero
    if identity_weight > 0:  # G should leave an image of its target domain as it is
        identity = F.l1_loss(nets.g_ab(real_b), real_b) + F.l1_loss(nets.g_ba(real_a), real_a)
    total = adversarial_weight * adversarial + cycle_weight * (forward + backward + identity_weight * identity)
    _generator_update(nets.opt_g, frozen, total)
    d_loss = 0.0
    if adversarial_weight > 0:  # "cycle alone" trains no D
        nets.opt_d.zero_grad(set_to_none=True)
        shown_b, shown_a = nets.pool_b.query(fake_b, rng), nets.pool_a.query(fake_a, rng)
        d_b = loss.discriminator(nets.d_b(real_b), nets.d_b(shown_b.detach()))
        d_a = loss.discriminator(nets.d_a(real_a), nets.d_a(shown_a.detach()))
        (d_a + d_b).backward()
        nets.opt_d.step()
        d_loss = (d_a + d_b).item()
    return {
        "d_loss": d_loss,
        "g_loss": total.item(),
        "g_adversarial": adversarial.item(),
        "g_cycle": (forward + backward).item(),
        "g_identity": identity.item(),
    }


# --- SRGAN ------------------------------------------------------------------------------------------


def srgan_step(
    g: nn.Module,
    d: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    loss: AdversarialLoss,
    low: Tensor,
    high: Tensor,
    content: Callable[[Tensor, Tensor], Tensor],
    *,
    adversarial_weight: float,
) -> dict[str, float]:
    """D on high-resolution vs super-resolved images, then G on content + adversarial_weight l_Gen."""
    fake = g(low)
    d_loss = train_discriminator(d, opt_d, loss, high, fake) if adversarial_weight > 0 else 0.0
    frozen = _frozen(d)
    adversarial = loss.generator(d(fake)) if adversarial_weight > 0 else fake.new_zeros(())
    content_term = content(fake, high)
    total = content_term + adversarial_weight * adversarial
    _generator_update(opt_g, frozen, total)
    return {
        "d_loss": d_loss,
        "g_loss": total.item(),
        "g_adversarial": adversarial.item(),
        "g_content": content_term.item(),
    }


def pixel_content(fake: Tensor, real: Tensor) -> Tensor:
    """The MSE content loss of SRResNet-MSE (eq. 4)."""
    return F.mse_loss(fake, real)


def feature_content(features: nn.Module) -> Callable[[Tensor, Tensor], Tensor]:
    """The MSE of a fixed network's feature maps (eq. 5, with VGG19's conv5_4 there): `features` takes [-1, 1] images."""
    features.requires_grad_(False).eval()

    def content(fake: Tensor, real: Tensor) -> Tensor:
        with torch.no_grad():
            target = features(real)
        return F.mse_loss(features(fake), target)

    return content
