"""The progressive GAN family: fade-in, equalised learning rate, minibatch stddev, the authors' schedule,
bit-identical resume mid-fade, and bad settings refused with the key named."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from test_train import Interrupt, assert_same_parameters, interrupt_at

from genlib.config.catalogue import DataSpec
from genlib.config.settings import SettingsError
from genlib.families.interface import TrainingData
from genlib.families.progressive.family import FAMILY, train_progressive
from genlib.families.progressive.settings import ProgressiveSettings
from genlib.families.registry import family
from genlib.io.checkpoint import load_checkpoint
from genlib.networks.progressive import (
    EqualizedConv2d,
    EqualizedLinear,
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    faded_reals,
    minibatch_stddev,
)

SMALL = {"channels_base": 64, "channels_max": 16}


@pytest.fixture(autouse=True)
def one_thread():
    """Networks this small run fastest on one thread (and a second thread only waits on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def generator(**options):
    torch.manual_seed(0)
    return ProgressiveGenerator(latent_dim=8, image_channels=1, resolution=16, **SMALL, **options).eval()


# --- the networks ------------------------------------------------------------------------------------------


def test_at_alpha_zero_the_new_block_is_invisible_and_at_alpha_one_it_alone_makes_the_image():
    g = generator()
    z = torch.randn(4, 8)
    with torch.no_grad():
        g.grow_to(1, 1.0)
        old = g(z, full_size=False)  # (4, 1, 8, 8): the 8 px network, faded in
        g.grow_to(2, 0.0)
        faded_out = g(z, full_size=False)
        g.grow_to(2, 1.0)
        new = g(z, full_size=False)
        # the new block's own image, computed by hand from its layers
        x = g._normalise(
            F.leaky_relu(g.dense(z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)).view(4, 16, 4, 4), 0.2)
        )
        for level in range(3):
            x = g._block(level, x)
        by_hand = g.to_image[2](x)
        g.grow_to(2, 0.25)
        quarter = g(z, full_size=False)
    assert faded_out.shape == (4, 1, 16, 16)
    torch.testing.assert_close(faded_out, F.interpolate(old, scale_factor=2, mode="nearest"))
    torch.testing.assert_close(new, by_hand)
    torch.testing.assert_close(quarter, 0.75 * faded_out + 0.25 * new)
    assert not torch.allclose(new, faded_out)


def test_the_discriminator_fades_in_the_same_way():
    torch.manual_seed(0)
    d = ProgressiveDiscriminator(image_channels=1, resolution=16, stddev_group=4, **SMALL)
    images = torch.randn(4, 1, 16, 16)
    with torch.no_grad():
        d.grow_to(1, 1.0)
        old = d(F.avg_pool2d(images, 2))
        d.grow_to(2, 0.0)
        faded_out = d(images)
        d.grow_to(2, 1.0)
        new = d(images)
    torch.testing.assert_close(faded_out, old)
    assert not torch.allclose(new, old)


def test_generated_images_are_enlarged_to_the_final_resolution_by_pixel_repetition():
    g = generator()
    g.grow_to(0, 1.0)
    z = torch.randn(2, 8)
    with torch.no_grad():
        small, full = g(z, full_size=False), g(z)
    assert small.shape == (2, 1, 4, 4) and full.shape == (2, 1, 16, 16)
    torch.testing.assert_close(full, small.repeat_interleave(4, -2).repeat_interleave(4, -1))


def test_real_images_are_pooled_to_the_level_and_blended_with_their_coarser_version_while_it_fades_in():
    images = torch.arange(16.0).reshape(1, 1, 4, 4)
    assert torch.equal(faded_reals(images, 0, 1.0), images)  # 4 px at level 0
    coarse = torch.tensor([[2.5, 4.5], [10.5, 12.5]]).repeat_interleave(2, 0).repeat_interleave(2, 1)
    torch.testing.assert_close(faded_reals(images, 0, 0.0)[0, 0], images[0, 0])  # level 0 never fades
    big = images.repeat_interleave(2, -2).repeat_interleave(2, -1)  # an 8 px image whose 4 px version is `images`
    torch.testing.assert_close(
        faded_reals(big, 1, 0.0)[0, 0], images[0, 0].repeat_interleave(2, 0).repeat_interleave(2, 1)
    )
    assert faded_reals(torch.randn(3, 2, 16, 16), 1, 1.0).shape == (3, 2, 8, 8)
    torch.testing.assert_close(F.avg_pool2d(images, 2)[0, 0].repeat_interleave(2, 0).repeat_interleave(2, 1), coarse)


def test_equalised_learning_rate_stores_unit_normal_weights_and_scales_them_by_he_constant_at_run_time():
    torch.manual_seed(0)
    conv = EqualizedConv2d(32, 64, 3)
    assert conv.weight.std().item() == pytest.approx(1.0, abs=0.02)
    assert conv.scale == pytest.approx(math.sqrt(2) / math.sqrt(32 * 9))
    x = torch.randn(2, 32, 5, 5)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight * math.sqrt(2 / (32 * 9)), conv.bias, padding=1))
    dense = EqualizedLinear(100, 10, gain=1.0)
    assert dense.scale == pytest.approx(0.1)
    y = torch.randn(3, 100)
    torch.testing.assert_close(dense(y), y @ (dense.weight * 0.1).T + dense.bias)
    # without it: He-initialised weights, used as they are
    plain = EqualizedConv2d(32, 64, 3, equalized=False)
    assert plain.scale == 1.0 and plain.weight.std().item() == pytest.approx(math.sqrt(2 / 288), rel=0.05)


def test_minibatch_stddev_appends_the_mean_group_standard_deviation_as_the_authors_group():
    # 4 samples, groups of 2: the authors' reshape puts samples 0 and 2 in one group, 1 and 3 in the other
    x = torch.zeros(4, 2, 1, 1)
    x[0], x[2] = torch.tensor([[[1.0]], [[3.0]]]), torch.tensor([[[3.0]], [[3.0]]])  # stds 1, 0 -> mean 0.5
    x[1], x[3] = torch.tensor([[[0.0]], [[0.0]]]), torch.tensor([[[4.0]], [[8.0]]])  # stds 2, 4 -> mean 3
    out = minibatch_stddev(x, group_size=2)
    assert out.shape == (4, 3, 1, 1)
    assert torch.equal(out[:, :2], x)
    torch.testing.assert_close(out[:, 2, 0, 0], torch.tensor([0.5, 3.0, 0.5, 3.0]), atol=1e-4, rtol=0)
    wide = minibatch_stddev(torch.randn(8, 3, 4, 4), group_size=4)
    assert wide.shape == (8, 4, 4, 4) and torch.equal(wide[:, 3], wide[:, 3, :1, :1].expand(8, 4, 4))
    with pytest.raises(ValueError, match="batch of 6 cannot be split into groups of 4"):
        minibatch_stddev(torch.randn(6, 1, 4, 4), group_size=4)


# --- the schedule ------------------------------------------------------------------------------------------


def test_the_schedule_stabilises_then_fades_in_by_images_shown_as_the_authors_training_schedule():
    settings = ProgressiveSettings(dataset="d", model="m", seed=0, stabilise_images=600, fade_images=300)
    # TrainingSchedule: lod = 3 - phase - max(within - 600, 0) / 300, resolution = 32 / 2^floor(lod)
    assert settings.phase_at(0) == (0, 1.0)
    assert settings.phase_at(600) == (0, 1.0)
    assert settings.phase_at(750) == (1, 0.5)
    assert settings.phase_at(900) == (1, 1.0)
    assert settings.phase_at(2 * 900 + 600 + 100) == (3, pytest.approx(1 / 3))
    assert settings.phase_at(10**6) == (3, 1.0)
    assert settings.growth_images == 3 * 900 and settings.total_images == 3 * 900 + 600
    assert settings.steps == math.ceil(3300 / 16)
    assert settings.phase_boundaries()[:2] == [(600, "8 px fades in"), (900, "8 px")]


def test_bad_growth_settings_are_refused_naming_the_key():
    with pytest.raises(SettingsError, match=r"resolutions \[4, 8, 24\] must start at a power of two and double"):
        ProgressiveSettings(dataset="d", model="m", seed=0, resolutions=(4, 8, 24))
    with pytest.raises(SettingsError, match="fade_images must be >= 1, got 0"):
        ProgressiveSettings(dataset="d", model="m", seed=0, fade_images=0)
    with pytest.raises(SettingsError, match="stabilise_images must be >= 1"):
        ProgressiveSettings(dataset="d", model="m", seed=0, stabilise_images=-5)
    with pytest.raises(SettingsError, match="batch_size 6 must be a multiple of stddev_group 4"):
        ProgressiveSettings(dataset="d", model="m", seed=0, batch_size=6)
    settings = ProgressiveSettings(dataset="digits", model="m", seed=0)
    assert "resolutions end at 32 px, but digits has 28 x 28" in settings.data_problem(
        DataSpec("images", (1, 28, 28), 10)
    )
    assert settings.data_problem(DataSpec("images", (1, 32, 32), 10)) is None


# --- training ----------------------------------------------------------------------------------------------


def tiny(**changes):
    values = dict(
        dataset="blobs", model="progressive", seed=3, resolutions=(4, 8), stabilise_images=24, fade_images=32,
        batch_size=8, checkpoint_every=2, **SMALL,
    )  # fmt: skip
    return ProgressiveSettings(**{**values, **changes})


@pytest.fixture(scope="module")
def blobs():
    """Bright squares at random places on 8 px: something to learn in a few steps."""
    rng = np.random.default_rng(0)
    images = np.zeros((64, 1, 8, 8), np.uint8)
    for image in images:
        y, x = rng.integers(0, 5, 2)
        image[0, y : y + 3, x : x + 3] = 255
    return TrainingData(torch.from_numpy(images), DataSpec("images", (1, 8, 8), 0), sha256="blobs")


def test_a_run_interrupted_mid_fade_resumes_there_bit_identically(tmp_path, blobs):
    settings = tiny()  # 8 images a step: 4 px for steps 1-4, 8 px fades in over steps 5-7, then stabilises to 10
    assert settings.phase_at(5 * 8) == (1, 0.5) and settings.steps == 10
    straight = tmp_path / "straight" / "checkpoint.pt"
    train_progressive(settings, blobs, straight, tmp_path / "straight" / "losses.csv", progress=False)
    resumed = tmp_path / "resumed" / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_progressive(
            settings, blobs, resumed, tmp_path / "resumed" / "losses.csv", on_step=interrupt_at(7), progress=False
        )
    state = load_checkpoint(resumed.parent / "resume" / "state.pt")
    assert state["step"] == 6 and float(state["generator"]["alpha"]) == pytest.approx(0.5)  # saved mid-fade
    assert int(state["generator"]["level"]) == 1
    result = train_progressive(settings, blobs, resumed, tmp_path / "resumed" / "losses.csv", progress=False)
    assert result.resumed_from == 6
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    assert_same_parameters(a, b)
    assert straight.read_bytes() == resumed.read_bytes()
    assert (tmp_path / "straight" / "losses.csv").read_text() == (tmp_path / "resumed" / "losses.csv").read_text()
    rows = pd.read_csv(tmp_path / "straight" / "losses.csv").to_dict("records")
    # steps 1-4 see 0-24 images shown: 4 px; steps 5-7 see 32-48: 8 px fading in, alpha (shown - 24) / 32
    assert [r["resolution"] for r in rows] == [4.0] * 4 + [8.0] * 6
    assert [r["alpha"] for r in rows[3:]] == pytest.approx([1.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0])
    # a grid at the end of every phase: 4 px, 8 px fading in, 8 px (the end)
    assert len(a["phase_grids"]["labels"]) == 3
    assert a["phase_grids"]["labels"] == ["4 px, 32 images", "8 px faded in, 56 images", "8 px, 80 images"]
    assert a["phase_grids"]["grids"][0].shape == (16, 1, 8, 8)


def test_the_trained_model_samples_full_size_images_through_the_registry(tmp_path, blobs):
    settings = tiny(ema_decay=0.9)
    path = tmp_path / "run" / "checkpoint.pt"
    train_progressive(settings, blobs, path, tmp_path / "run" / "losses.csv", progress=False)
    checkpoint = load_checkpoint(path)
    assert family(checkpoint["family"]) is FAMILY
    model = FAMILY.sampling_model(checkpoint)
    noise, labels = model.draw(6, torch.Generator().manual_seed(0))
    with torch.no_grad():
        images = model.generator(noise, labels)
    assert images.shape == (6, 1, 8, 8) and labels is None
    assert int(model.generator.level) == 1 and float(model.generator.alpha) == 1.0
    out = tmp_path / "growth.png"
    FAMILY.draw_picture("growth", checkpoint, tmp_path, out, device=torch.device("cpu"))
    assert out.stat().st_size > 1000
    marks = FAMILY.identity(checkpoint["settings"])["curve_marks"]
    assert marks == [[24, "8 px fades in"], [56, "8 px"]]
