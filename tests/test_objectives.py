"""Objectives: golden values on known discriminator outputs, and the gradient penalty."""

import math

import pytest
import torch

from genlib.families.gan.settings import OBJECTIVE_NAMES
from genlib.gan import objectives as obj

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])


@pytest.mark.parametrize(
    "loss, args, golden",
    [
        # -mean(log sigmoid(real)) - mean(log(1 - sigmoid(fake)))
        (obj.minimax_discriminator_loss, (REAL, FAKE), 1.2314270171575221),
        (obj.minimax_generator_loss, (FAKE,), -0.5113321678769244),
        (obj.nonsaturating_generator_loss, (FAKE,), 1.7613321678769243),
        (obj.wasserstein_critic_loss, (REAL, FAKE), -1.75),
        (obj.wasserstein_generator_loss, (FAKE,), 1.25),
        (obj.least_squares_discriminator_loss, (REAL, FAKE), 3.5625),
        (obj.least_squares_generator_loss, (FAKE,), 4.0625),
        (obj.hinge_discriminator_loss, (REAL, FAKE), 1.75),
        (obj.hinge_generator_loss, (FAKE,), 1.25),
    ],
)
def test_loss_matches_golden_value(loss, args, golden):
    assert loss(*args).item() == pytest.approx(golden, rel=1e-6)


def test_minimax_losses_stay_finite_for_extreme_logits():
    big = torch.tensor([1e4, -1e4])
    assert torch.isfinite(obj.minimax_discriminator_loss(big, -big))
    assert torch.isfinite(obj.minimax_generator_loss(big))
    assert torch.isfinite(obj.nonsaturating_generator_loss(-big))


def test_saturating_generator_gradient_vanishes_where_nonsaturating_does_not():
    # When D confidently rejects fakes (logit -10), log(1 - D) is flat; -log D is not (Goodfellow et al. 2014, Sec. 3).
    fake = torch.tensor([-10.0], requires_grad=True)
    (saturating,) = torch.autograd.grad(obj.minimax_generator_loss(fake), fake)
    (nonsaturating,) = torch.autograd.grad(obj.nonsaturating_generator_loss(fake), fake)
    assert abs(saturating.item()) < 1e-4
    assert abs(nonsaturating.item()) > 0.99


@pytest.mark.parametrize("weights, golden", [((3.0, 4.0), 16.0), ((0.6, 0.8), 0.0), ((0.0, 2.0), 1.0)])
def test_gradient_penalty_of_linear_critic(weights, golden):
    # f(x) = w . x has gradient w everywhere, so the penalty is (||w|| - 1)^2 at any interpolate.
    w = torch.tensor(weights)
    critic = lambda x: x @ w  # noqa: E731
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    penalty = obj.gradient_penalty(critic, real, fake, generator=torch.Generator().manual_seed(0))
    assert penalty.item() == pytest.approx(golden, abs=1e-5)


def test_gradient_penalty_of_quadratic_critic_uses_interpolates():
    # f(x) = 0.5 ||x||^2 has gradient x; with real = fake = x0 every interpolate is x0.
    x0 = torch.tensor([[3.0, 0.0], [0.0, 0.5]])
    penalty = obj.gradient_penalty(lambda x: 0.5 * (x**2).sum(1), x0, x0.clone())
    assert penalty.item() == pytest.approx(((3 - 1) ** 2 + (0.5 - 1) ** 2) / 2)


def test_gradient_penalty_interpolates_each_sample_with_one_seeded_fraction():
    """Gulrajani et al. 2017, Algorithm 1: one eps ~ U[0, 1] per sample (not per coordinate), drawn from the
    given generator; with f(x) = 0.5 ||x||^2 the gradient at x_hat is x_hat itself."""
    real = torch.tensor([[2.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    fake = torch.tensor([[0.0, 3.0], [4.0, 0.0], [-1.0, 2.0]])
    penalty = obj.gradient_penalty(
        lambda x: 0.5 * (x**2).sum(1), real, fake, generator=torch.Generator().manual_seed(7)
    )
    eps = torch.rand((3, 1), generator=torch.Generator().manual_seed(7))
    x_hat = eps * real + (1 - eps) * fake
    assert penalty.item() == pytest.approx(((x_hat.norm(dim=1) - 1) ** 2).mean().item(), rel=1e-6)


def test_gradient_penalty_is_differentiable_in_critic_parameters():
    layer = torch.nn.Linear(2, 1)
    penalty = obj.gradient_penalty(lambda x: layer(x).squeeze(1), torch.randn(8, 2), torch.randn(8, 2))
    penalty.backward()
    expected = 2 * (layer.weight.norm() - 1) * layer.weight / layer.weight.norm()
    assert torch.allclose(layer.weight.grad, expected.detach(), atol=1e-5)


def test_every_objective_setting_has_a_loss_pair():
    assert set(obj.OBJECTIVES) == set(OBJECTIVE_NAMES)


def test_unknown_objective_names_the_allowed_values():
    with pytest.raises(ValueError, match="unknown objective 'wgna'; allowed values: minimax, nonsaturating"):
        obj.objective("wgna")


def test_hinge_discriminator_loss_is_zero_beyond_the_margin():
    assert obj.hinge_discriminator_loss(torch.tensor([1.5, 3.0]), torch.tensor([-1.0, -2.0])).item() == 0.0
    assert math.isclose(obj.hinge_discriminator_loss(torch.tensor([0.0]), torch.tensor([0.0])).item(), 2.0)
