"""Adversarial objectives as pure functions of discriminator outputs.

Every loss is a quantity to *minimise*. `real` and `fake` are the discriminator's raw outputs on
real and generated batches, shape (B,): logits for the probabilistic objectives, critic values for
the Wasserstein and hinge objectives. The gradient penalty alone needs the critic itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

Tensor = torch.Tensor


# --- minimax GAN (Goodfellow et al. 2014, eq. 1) ----------------------------------------------
# min_G max_D E[log D(x)] + E[log(1 - D(G(z)))], with D(x) = sigmoid(real logit).


def minimax_discriminator_loss(real: Tensor, fake: Tensor) -> Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))]: binary cross-entropy, real labelled 1 and fake 0."""
    # log sigmoid(l) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l), stable for any l.
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def minimax_generator_loss(fake: Tensor) -> Tensor:
    """E[log(1 - D(G(z)))], the saturating generator loss of eq. 1."""
    return -F.softplus(fake).mean()


# --- non-saturating GAN (Goodfellow et al. 2014, Sec. 3) ------------------------------------
# The generator maximises log D(G(z)) instead, which has strong gradients early in training.


def nonsaturating_generator_loss(fake: Tensor) -> Tensor:
    """-E[log D(G(z))]."""
    return F.softplus(-fake).mean()


# --- Wasserstein GAN (Arjovsky et al. 2017, eq. 3) ------------------------------------------
# The critic f estimates W(P_r, P_g) = max_{||f||_L <= 1} E[f(x)] - E[f(G(z))].


def wasserstein_critic_loss(real: Tensor, fake: Tensor) -> Tensor:
    """E[f(G(z))] - E[f(x)]: the negated Wasserstein estimate."""
    return fake.mean() - real.mean()


def wasserstein_generator_loss(fake: Tensor) -> Tensor:
    """-E[f(G(z))]."""
    return -fake.mean()


def gradient_penalty(
    critic: Callable[[Tensor], Tensor],
    real: Tensor,
    fake: Tensor,
    *,
    generator: torch.Generator | None = None,
    packing: int = 1,
) -> Tensor:
    """E[(||grad f(x_hat)||_2 - 1)^2] at x_hat = eps*x + (1-eps)*G(z) (Gulrajani et al. 2017, eq. 3).

    With packing m the critic's input is a packed example of m consecutive samples: each gets one
    eps (x_hat on the line between the packed real and the packed fake) and one gradient norm.
    """
    examples = real.shape[0] // packing
    shape = (examples,) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype).repeat_interleave(packing, 0)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.reshape(examples, -1).norm(2, dim=1) - 1) ** 2).mean()


# --- least squares GAN (Mao et al. 2017, eq. 9: a = 0, b = c = 1) ----------------------------


def least_squares_discriminator_loss(real: Tensor, fake: Tensor) -> Tensor:
    """1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def least_squares_generator_loss(fake: Tensor) -> Tensor:
    """1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ((fake - 1) ** 2).mean()


# --- hinge GAN (Lim & Ye 2017, eqs. 8-9; the form used by Miyato et al. 2018, eq. 17) --------


def hinge_discriminator_loss(real: Tensor, fake: Tensor) -> Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def hinge_generator_loss(fake: Tensor) -> Tensor:
    """-E[D(G(z))]."""
    return -fake.mean()


@dataclass(frozen=True)
class ObjectivePair:
    """The discriminator's and the generator's losses of one objective."""

    discriminator_loss: Callable[[Tensor, Tensor], Tensor]
    generator_loss: Callable[[Tensor], Tensor]
    # The score at which D's judgement turns from "fake" to "real": 0 for the logistic and hinge losses,
    # halfway between the targets 0 and 1 for least squares. Diffusion-GAN reads sign(score - threshold)
    # (genlib.gan.diffusion_gan); a Wasserstein critic has no such point, and 0 is taken by convention.
    real_threshold: float = 0.0


OBJECTIVES: dict[str, ObjectivePair] = {
    "minimax": ObjectivePair(minimax_discriminator_loss, minimax_generator_loss),
    "nonsaturating": ObjectivePair(minimax_discriminator_loss, nonsaturating_generator_loss),
    "wasserstein": ObjectivePair(wasserstein_critic_loss, wasserstein_generator_loss),
    "least-squares": ObjectivePair(least_squares_discriminator_loss, least_squares_generator_loss, real_threshold=0.5),
    "hinge": ObjectivePair(hinge_discriminator_loss, hinge_generator_loss),
}


def objective(name: str) -> ObjectivePair:
    """The loss pair registered under `name`."""
    if name not in OBJECTIVES:
        raise ValueError(f"unknown objective {name!r}; allowed values: {', '.join(OBJECTIVES)}")
    return OBJECTIVES[name]
