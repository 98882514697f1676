"""PacGAN (Lin et al. 2018): packing for every objective and network, and the authors' 2-D networks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genlib.config.catalogue import DataSpec, point_spec
from genlib.config.settings import SettingsError, from_dict
from genlib.data.mixtures import ring8
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.networks import build_discriminator, build_generator
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.gan.objectives import gradient_penalty
from genlib.io.checkpoint import load_checkpoint
from genlib.networks.pacgan import Maxout, MaxoutDiscriminator2D, PacGANGenerator2D, PackedDiscriminator, pack


def settings(**overrides) -> GANSettings:
    values = dict(family_presets()["gan-nonsaturating"], dataset="ring8", model="m", seed=0, steps=3, batch_size=12)
    values.update(overrides)
    return GANSettings(**values)


def test_packing_concatenates_consecutive_samples_as_features_or_channels():
    points = torch.arange(8.0).reshape(4, 2)
    assert pack(points, 2).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert torch.equal(pack(points, 1), points)
    images = torch.arange(16.0).reshape(4, 1, 2, 2)
    packed = pack(images, 2)
    assert packed.shape == (2, 2, 2, 2)
    assert torch.equal(packed[1, 0], images[2, 0]) and torch.equal(packed[1, 1], images[3, 0])


def test_a_packed_discriminator_scores_each_example_from_all_its_samples():
    torch.manual_seed(0)
    critic = build_discriminator(settings(packing=3), point_spec())
    assert isinstance(critic, PackedDiscriminator) and critic.inner.net[0].in_features == 6
    x = torch.randn(12, 2)
    scores = critic(x)
    assert scores.shape == (4,)
    moved = x.clone()
    moved[5] += 1.0  # the third sample of the second example
    changed = critic(moved) != scores
    assert changed.tolist() == [False, True, False, False]


@pytest.mark.parametrize("network", ["mlp", "dcgan"])
def test_image_discriminators_take_packed_channels(network):
    spec = DataSpec("images", (1, 28, 28), 10)
    overrides = dict(family_presets()["dcgan" if network == "dcgan" else "gan-nonsaturating"])
    s = GANSettings(
        **{
            **overrides,
            "dataset": "mnist",
            "model": "m",
            "seed": 0,
            "network": network,
            "packing": 2,
            "batch_size": 4,
            "d_channels": 8,
        }
    )
    critic = build_discriminator(s, spec)
    assert critic(torch.randn(4, 1, 28, 28)).shape == (2,)


def test_packing_one_is_an_ordinary_discriminator():
    torch.manual_seed(0)
    plain = build_discriminator(settings(), point_spec())
    assert not isinstance(plain, PackedDiscriminator) and plain.net[0].in_features == 2


def test_the_gradient_penalty_of_a_packed_critic_takes_one_norm_per_packed_example():
    """A linear critic w . [x_1, x_2] with ||w|| = 2 has gradient w at every packed input: penalty (2 - 1)^2 = 1.
    Per-sample norms would be ||w_1|| = ||w_2|| = sqrt(2): (sqrt(2) - 1)^2."""
    inner = torch.nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        inner.weight.fill_(1.0)  # ||w|| = 2
    critic = PackedDiscriminator(inner, 2)
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    penalty = gradient_penalty(
        lambda x: critic(x).squeeze(-1), real, fake, generator=torch.Generator().manual_seed(0), packing=2
    )
    assert float(penalty.detach()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"packing": 0}, r"packing"),
        ({"packing": 2.5}, r"packing"),
        ({"packing": 5}, r"packing 5 does not divide batch_size 12.*multiple of 5"),
    ],
)
def test_bad_packing_is_refused_naming_the_key(overrides, message):
    values = {
        **dict(family_presets()["gan-nonsaturating"]),
        "dataset": "ring8",
        "model": "m",
        "seed": 0,
        "batch_size": 12,
    }
    with pytest.raises(SettingsError, match=message):
        from_dict(GANSettings, {**values, **overrides}, where="training")


def test_packing_is_refused_with_class_conditioning():
    values = {
        **dict(family_presets()["dcgan"]),
        "dataset": "mnist",
        "model": "m",
        "seed": 0,
        "batch_size": 12,
        "conditioning": "concat",
        "network": "dcgan",
        "packing": 2,
    }
    with pytest.raises(SettingsError, match=r"packing 2 with conditioning 'concat'"):
        GANSettings(**values)


def test_the_authors_generator_is_bias_free_batch_norm_relu_with_normal_weights():
    torch.manual_seed(0)
    generator = PacGANGenerator2D()
    linears = [m for m in generator.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features, m.bias is not None) for m in linears] == [
        (2, 400, False),
        (400, 400, False),
        (400, 400, False),
        (400, 400, False),
        (400, 2, True),
    ]
    norms = [m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(norms) == 4 and all(m.momentum == 0.05 and m.eps == 1e-4 for m in norms)
    weights = torch.cat([m.weight.detach().flatten() for m in linears])
    assert float(weights.std()) == pytest.approx(0.02, abs=5e-4) and float(linears[-1].bias.detach().abs().max()) == 0.0
    assert sum(p.numel() for p in generator.parameters()) == 2 * 400 + 3 * 400 * 400 + 4 * 2 * 400 + 400 * 2 + 2


def test_maxout_takes_the_largest_of_consecutive_pieces():
    unit = Maxout(1, 2, 3)
    with torch.no_grad():
        unit.linear.weight.copy_(torch.tensor([[1.0], [3.0], [2.0], [-1.0], [-2.0], [-3.0]]))
        unit.linear.bias.zero_()
    assert unit(torch.tensor([[2.0], [-1.0]])).tolist() == [[6.0, -2.0], [-1.0, 3.0]]


def test_the_authors_discriminator_has_three_maxout_layers_of_200_by_5_and_packed_inputs():
    critic = MaxoutDiscriminator2D(inputs=2 * 4)
    assert sum(p.numel() for p in critic.parameters()) == (8 * 1000 + 1000) + 2 * (200 * 1000 + 1000) + 201
    assert critic(torch.randn(5, 8)).shape == (5,)


def test_network_pacgan_is_for_points_only():
    with pytest.raises(SettingsError, match="network pacgan is the PacGAN authors' 2-D pair; mnist holds images"):
        GANSettings(
            **{
                **dict(family_presets()["gan-nonsaturating"]),
                "dataset": "mnist",
                "model": "m",
                "seed": 0,
                "network": "pacgan",
            }
        )


@pytest.mark.parametrize("model", ["gan-nonsaturating", "wgan-gp", "lsgan", "hinge-sn"])
def test_every_objective_trains_packed_with_the_authors_networks(tmp_path, model):
    data = TrainingData(torch.from_numpy(ring8().sample(256, np.random.default_rng(0))), point_spec())
    s = GANSettings(
        **{
            **dict(family_presets()[model]),
            "dataset": "ring8",
            "model": model,
            "seed": 0,
            "steps": 3,
            "batch_size": 12,
            "packing": 3,
            "network": "pacgan",
            "g_width": 16,
            "d_width": 8,
        }
    )
    result = train_gan(s, data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    assert result.status == "completed"
    checkpoint = load_checkpoint(tmp_path / "c.pt")
    assert checkpoint["discriminator"]["inner.net.0.linear.weight"].shape == (8 * 5, 6)
    generator = build_generator(s, point_spec())
    generator.load_state_dict(checkpoint["generator"])


def test_a_simultaneous_update_takes_both_gradients_at_the_same_parameters():
    """ALI's `ali_algorithm`: D's gradient and G's gradient both at (G_0, D_0), from one batch. With SGD at lr 1
    the new parameters are the old minus those gradients, computed here on copies."""
    import copy

    from genlib.gan.objectives import objective
    from genlib.gan.step import Adversaries, simultaneous_step
    from genlib.training.device import Accelerator

    torch.manual_seed(0)
    s = settings(packing=2, network="pacgan", g_width=8, g_depth=2, d_width=4, d_depth=1)
    generator, critic = build_generator(s, point_spec()), build_discriminator(s, point_spec())
    g0, d0 = copy.deepcopy(generator), copy.deepcopy(critic)
    nets = Adversaries(
        generator,
        critic,
        torch.optim.SGD(generator.parameters(), lr=1.0),
        torch.optim.SGD(critic.parameters(), lr=1.0),
        objective("nonsaturating"),
        latent_dim=2,
        packing=2,
    )
    real = torch.randn(12, 2, generator=torch.Generator().manual_seed(1))
    simultaneous_step(nets, real, None, rng=torch.Generator().manual_seed(2), accelerator=Accelerator.choose("cpu"))

    z = torch.randn(12, 2, generator=torch.Generator().manual_seed(2))
    fake = g0(z)
    scores = d0(torch.cat([real, fake]))
    d_loss = torch.nn.functional.softplus(-scores[:6]).mean() + torch.nn.functional.softplus(scores[6:]).mean()
    g_loss = torch.nn.functional.softplus(
        -scores[6:]
    ).mean()  # non-saturating; the authors add E softplus(D(x)), constant in G
    d_grads = torch.autograd.grad(d_loss, list(d0.parameters()), retain_graph=True)
    g_grads = torch.autograd.grad(g_loss, list(g0.parameters()))
    for new, old, grad in zip(critic.parameters(), d0.parameters(), d_grads):
        torch.testing.assert_close(new.detach(), (old - grad).detach())
    for new, old, grad in zip(generator.parameters(), g0.parameters(), g_grads):
        torch.testing.assert_close(new.detach(), (old - grad).detach())


def test_simultaneous_updates_need_one_critic_step_and_no_penalty():
    with pytest.raises(SettingsError, match="updates: simultaneous .* needs n_critic 1, no gradient_penalty"):
        settings(updates="simultaneous", n_critic=2)
