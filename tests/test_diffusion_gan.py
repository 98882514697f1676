"""Diffusion-GAN (Wang et al. 2023): the adaptive chain length against the authors' rule, computed by hand."""

import math

import numpy as np
import pytest
import torch
from test_train import Interrupt, assert_same_parameters, data, interrupt_at, read_losses, tiny_settings  # noqa: F401

from genlib.config.catalogue import DataSpec, point_spec
from genlib.families.gan.family import train_gan
from genlib.families.gan.networks import build_discriminator
from genlib.gan.diffusion_gan import DiffusedDiscriminator, adjusted_p, chain_length, sqrt_alpha_bars
from genlib.io.checkpoint import load_checkpoint


def test_one_adjustment_moves_p_by_batch_times_interval_over_kimg_toward_the_target():
    # r_d 0.8 above the target 0.6: p grows by 64 * 4 / (100 * 1000) = 0.00256 (the authors' defaults, batch 64)
    assert adjusted_p(0.0, 0.8, target=0.6, batch_size=64, interval=4, kimg=100) == pytest.approx(0.00256, abs=1e-15)
    # below the target it shrinks, and stays inside [0, 1]
    assert adjusted_p(0.001, 0.2, target=0.6, batch_size=64, interval=4, kimg=100) == 0.0
    assert adjusted_p(0.5, 0.2, target=0.6, batch_size=64, interval=4, kimg=100) == pytest.approx(0.49744, abs=1e-15)
    assert adjusted_p(0.9999, 1.0, target=0.6, batch_size=64, interval=4, kimg=100) == 1.0
    # exactly on the target (np.sign(0) = 0): p does not move
    assert adjusted_p(0.3, 0.6, target=0.6, batch_size=64, interval=4, kimg=100) == 0.3


def test_chain_length_is_t_min_plus_p_times_the_range_rounded_as_python_rounds():
    assert chain_length(0.0, 10, 1000) == 10
    assert chain_length(0.00256, 10, 1000) == 13  # 10 + round(2.5344)
    assert chain_length(0.5, 10, 1000) == 505  # 10 + round(495.0)
    assert chain_length(1.0, 10, 1000) == 1000
    assert chain_length(0.5, 10, 11) == 10  # round(0.5) == 0: Python's round half to even, as the authors' update_T


class ScoresOnly(torch.nn.Module):
    """A stand-in discriminator that returns what it is shown."""

    def forward(self, x, labels=None):
        return x


def diffused(**overrides) -> DiffusedDiscriminator:
    values = dict(
        target=0.6, t_min=10, t_max=1000, interval=2, kimg=0.1, t_sampling="priority", noise_std=0.05, batch_size=10
    )
    values.update(overrides)
    module = DiffusedDiscriminator(ScoresOnly(), **values)
    module.attach(torch.Generator().manual_seed(0))
    return module


def test_r_d_is_the_mean_sign_of_the_real_scores_of_one_interval_and_moves_p_and_T_as_the_authors_rule():
    d = diffused()
    d.observe(torch.tensor([1.0, -2.0, 3.0, 0.5, -1.0]))  # signs sum to 1
    d.adapt()  # one D step of an interval of two: nothing moves yet
    assert (float(d.p), int(d.T)) == (0.0, 10)
    d.observe(torch.tensor([2.0, 2.0, -3.0, 4.0, 5.0]))  # signs sum to 3: r_d = 4 / 10 = 0.4 < 0.6
    d.adapt()
    assert (float(d.p), int(d.T)) == (0.0, 10)  # p would fall below 0: clipped
    d.observe(torch.ones(5))
    d.observe(torch.ones(5))  # r_d = 1 > 0.6: p += 10 * 2 / (0.1 * 1000) = 0.2
    d.adapt()
    assert float(d.p) == pytest.approx(0.2, abs=1e-15)
    assert int(d.T) == 208  # 10 + round(0.2 * 990)
    d.observe(torch.tensor([1.0, 1.0, 1.0, 1.0, -1.0]))
    d.observe(torch.tensor([1.0, 1.0, 1.0, 1.0, -1.0]))  # r_d = 6 / 10 = 0.6, the target: p stays
    d.adapt()
    assert float(d.p) == pytest.approx(0.2, abs=1e-15) and int(d.T) == 208


@pytest.mark.parametrize("sampling", ["priority", "uniform"])
def test_the_t_table_holds_32_timesteps_of_1_to_T_and_32_zeros(sampling):
    d = diffused(t_sampling=sampling)
    d.p.fill_(0.2)
    d.update_T()
    table = d.t_table.tolist()
    assert len(table) == 64 and table[32:] == [0] * 32
    # priority draws t with probability (t - 1) / sum: t = 1 never
    assert all((2 if sampling == "priority" else 1) <= t <= 208 for t in table[:32])


def test_priority_sampling_draws_t_with_probability_proportional_to_t_minus_1():
    d = diffused(t_min=3, t_max=4)
    draws = []
    for _ in range(200):  # T = 3: P(1, 2, 3) = (0, 1/3, 2/3)
        d.update_T()
        draws += d.t_table[:32].tolist()
    counts = np.bincount(draws, minlength=4)
    assert counts[1] == 0
    assert counts[3] / (counts[2] + counts[3]) == pytest.approx(2 / 3, abs=0.02)


def test_the_discriminator_sees_x_diffused_to_t_and_t_over_t_max_as_one_more_channel():
    d = diffused(noise_std=0.0)  # no noise: x_t = sqrt(abar_t) x exactly
    x = torch.randn(8, 3, 4, 4)
    d.t_table.zero_()  # t = 0: no diffusion
    assert torch.equal(d(x), torch.cat([x, torch.zeros(8, 1, 4, 4)], dim=1))
    d.p.fill_(0.5)
    d.update_T()
    T = int(d.T)
    d.t_table.fill_(T)
    alpha_bar = np.prod(1.0 - np.linspace(1e-4, 2e-2, T).astype(np.float32).astype(np.float64))  # independent
    seen = d(x)
    assert torch.allclose(seen[:, :3], math.sqrt(alpha_bar) * x, rtol=1e-4, atol=1e-6)
    assert torch.allclose(seen[:, 3], torch.full((8, 4, 4), T / 1000))
    assert sqrt_alpha_bars(T)[0][0] == 1.0 and sqrt_alpha_bars(T)[1][0] == 0.0


def test_the_networks_take_one_more_channel_and_packing_packs_it_with_the_others():
    settings = tiny_settings("gan-nonsaturating", diffusion_gan=True, packing=2)
    inner = build_discriminator(settings, point_spec())
    assert inner(torch.randn(32, 3)).shape == (16,)  # (x, y, t) per point, two points per packed example
    images = tiny_settings("dcgan", dataset="mnist", diffusion_gan=True, packing=2, d_channels=4, latent_dim=8)
    inner = build_discriminator(images, DataSpec("images", (1, 28, 28), 10))
    assert inner(torch.randn(32, 2, 28, 28)).shape == (16,)  # (digit, t plane) per image, packed in pairs


def test_a_run_interrupted_after_T_adapted_resumes_bit_identically(tmp_path, data):  # noqa: F811
    settings = tiny_settings(
        "gan-nonsaturating",
        diffusion_gan=True,
        diffusion_interval=2,
        diffusion_kimg=1.0,
        diffusion_target=0.1,
        steps=12,
    )
    straight = tmp_path / "straight" / "checkpoint.pt"
    train_gan(settings, data, straight, tmp_path / "straight" / "losses.csv", progress=False)
    resumed = tmp_path / "resumed" / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", on_step=interrupt_at(7), progress=False)
    result = train_gan(settings, data, resumed, tmp_path / "resumed" / "losses.csv", progress=False)
    assert result.resumed_from == 4
    rows = read_losses(tmp_path / "straight" / "losses.csv")
    assert float(rows[3]["diffusion_T"]) > 10, "T must have adapted before the resume state of step 4"
    assert [row["diffusion_T"] for row in rows] == [
        row["diffusion_T"] for row in read_losses(tmp_path / "resumed" / "losses.csv")
    ]
    assert_same_parameters(load_checkpoint(straight), load_checkpoint(resumed))
    assert straight.read_bytes() == resumed.read_bytes()
