"""Stacked MNIST: the dataset, its channel-wise digit classifier and the 1,000-mode count."""

import copy
import dataclasses
import math

import numpy as np
import pytest
import torch
from mnist_mirror import MIRROR, needs_mnist

from genlib.config.catalogue import DataSpec
from genlib.config.settings import ImageDatasetSettings, SettingsError
from genlib.data.images import load_image_meta, load_images
from genlib.data.stacked import load_digits, prepare_stacked_mnist, stack_digits, triple_of
from genlib.families.gan.family import AdversarialTraining
from genlib.families.gan.networks import build_discriminator, build_generator
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.metrics.classifier_score import class_histogram
from genlib.networks.classifier import ChannelwiseDigitClassifier, ConvClassifier
from genlib.networks.stacked_mnist import SameConvTranspose2d, UnrolledDCGANDiscriminator, same_padding
from genlib.training.device import Accelerator


@pytest.fixture(scope="module")
def stacked_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("stacked-mnist")
    settings = ImageDatasetSettings(
        name="stacked-mnist",
        mirror=str(MIRROR),
        split="test",
        holdout=500,
        stacked_count=400,
        stacked_reference=200,
        seed=3,
    )
    prepare_stacked_mnist(settings, out)
    return out


@needs_mnist
def test_each_stacked_label_is_the_triple_of_the_digits_in_its_three_channels(stacked_dir):
    images, labels = load_images(stacked_dir, "train")
    digits, digit_labels = load_digits(stacked_dir, "train")
    assert images.shape == (400, 3, 28, 28) and images.dtype == np.uint8
    label_of_digit = {digit.tobytes(): int(label) for digit, label in zip(digits[:, 0], digit_labels)}
    triples = triple_of(labels)
    for image, triple in zip(images, triples):
        assert [label_of_digit[channel.tobytes()] for channel in image] == list(triple)
    assert labels.min() >= 0 and labels.max() < 1000
    meta = load_image_meta(stacked_dir)
    assert meta["num_classes"] == 1000 and meta["class_names"][123] == "123"
    assert meta["stacked"] == {"channels": 3, "digit_classes": 10, "digits": {"train": 9500, "test": 500}}


@needs_mnist
def test_reference_stacks_are_drawn_from_held_out_digits_only(stacked_dir):
    train_digits, _ = load_digits(stacked_dir, "train")
    test_images, _ = load_images(stacked_dir, "test")
    test_digits, _ = load_digits(stacked_dir, "test")
    assert test_images.shape == (200, 3, 28, 28) and len(test_digits) == 500
    held_out = {digit.tobytes() for digit in test_digits[:, 0]}
    seen_in_training = {digit.tobytes() for digit in train_digits[:, 0]}
    channels = {channel.tobytes() for image in test_images for channel in image}
    assert channels <= held_out
    assert not channels & seen_in_training


def test_stack_labels_weigh_the_red_channel_100_and_green_10():
    digits = np.arange(10, dtype=np.uint8)[:, None, None, None] * np.ones((1, 1, 2, 2), dtype=np.uint8)
    images, labels = stack_digits(digits, np.arange(10), 50, np.random.default_rng(0))
    corner = images[:, :, 0, 0].astype(np.int64)  # the digit drawn into each channel
    assert np.array_equal(labels, corner[:, 0] * 100 + corner[:, 1] * 10 + corner[:, 2])
    assert np.array_equal(triple_of(np.array([7, 42, 999])), [[0, 0, 7], [0, 4, 2], [9, 9, 9]])


def test_a_thousand_distinct_triples_are_a_thousand_modes_with_kl_zero():
    histogram = class_histogram(np.arange(1000), 1000)
    assert histogram.classes_covered == 1000
    assert histogram.kl_to_uniform == pytest.approx(0.0, abs=1e-12)


def test_one_triple_is_one_mode_with_kl_log_1000():
    histogram = class_histogram(np.full(26_000, 417), 1000)
    assert histogram.classes_covered == 1
    assert histogram.kl_to_uniform == pytest.approx(math.log(1000), rel=1e-12)


def test_half_the_samples_on_one_triple_and_half_on_another_is_kl_log_500():
    histogram = class_histogram(np.repeat([3, 998], 50), 1000)
    assert (histogram.classes_covered, histogram.kl_to_uniform) == (2, pytest.approx(math.log(500), rel=1e-12))


def test_channelwise_classifier_reads_the_triple_of_the_channels_argmaxes_and_its_probabilities_sum_to_one():
    torch.manual_seed(0)
    digit = ConvClassifier(image_shape=(1, 28, 28), num_classes=10).eval()
    stacked = ChannelwiseDigitClassifier(digit, 3).eval()
    x = torch.rand(6, 3, 28, 28) * 2 - 1
    with torch.no_grad():
        log_p = stacked(x)
        per_channel = torch.stack([digit(x[:, c : c + 1]) for c in range(3)], dim=1)  # (6, 3, 10)
        features = stacked.features(x)
    assert log_p.shape == (6, 1000) and features.shape == (6, 384)
    assert torch.allclose(log_p.exp().sum(1), torch.ones(6, dtype=torch.float64))
    expected = per_channel.argmax(2) @ torch.tensor([100, 10, 1])
    assert torch.equal(log_p.argmax(1), expected)
    # The joint probability of one triple is the product of the channels' softmax probabilities.
    p = torch.softmax(per_channel.double(), dim=2)
    assert log_p[0, 123].exp().item() == pytest.approx((p[0, 0, 1] * p[0, 1, 2] * p[0, 2, 3]).item(), rel=1e-9)


def test_stacked_channels_other_than_3_are_refused_naming_the_key():
    with pytest.raises(SettingsError, match=r"data.stacked-mnist.channels: stacked MNIST has 3 channels"):
        ImageDatasetSettings(name="stacked-mnist", channels=4)
    with pytest.raises(SettingsError, match=r"data.mnist.channels applies to source stacked-mnist only"):
        ImageDatasetSettings(name="mnist", channels=3)
    with pytest.raises(SettingsError, match=r"image_size: stacked MNIST is 28 px"):
        ImageDatasetSettings(name="stacked-mnist", image_size=32)


@pytest.mark.parametrize("packing", [1, 2, 3, 4])
@pytest.mark.parametrize(("network", "latent"), [("veegan-dcgan", 100), ("unrolled-dcgan", 256)])
def test_the_authors_stacked_networks_make_28_px_rgb_and_judge_packed_examples(network, latent, packing):
    settings = GANSettings(
        dataset="stacked-mnist",
        model="m",
        seed=0,
        objective="nonsaturating",
        network=network,
        latent_dim=latent,
        g_channels=8,
        d_channels=4,
        packing=packing,
        batch_size=4 * packing,
    )
    spec = DataSpec("images", (3, 28, 28), 1000)
    fake = build_generator(settings, spec)(torch.randn(4 * packing, latent))
    assert fake.shape == (4 * packing, 3, 28, 28) and fake.abs().max() <= 1
    assert build_discriminator(settings, spec)(fake).shape == (4,)


def test_tf_same_padding_gives_ceil_of_size_over_stride_with_the_odd_pixel_at_the_end():
    assert same_padding(28, 5, 2) == (1, 2)  # 14 outputs: (14 - 1) * 2 + 5 - 28 = 3
    assert same_padding(7, 5, 2) == (2, 2)  # 4 outputs
    assert same_padding(28, 3, 1) == (1, 1)
    layer = SameConvTranspose2d(1, 1, 5, 2, 7)
    assert layer(torch.zeros(1, 1, 4, 4)).shape == (1, 1, 7, 7)


def test_table_3_discriminators_have_the_authors_parameter_counts():
    # D = 1/4 G (w = 2): conv 3*2*9+2, BN 2*2, conv 2*4*9+4, BN 2*4, conv 4*8*9+8, BN 2*8, linear 8*16+1
    quarter = UnrolledDCGANDiscriminator(image_shape=(3, 28, 28), channels=2)
    assert sum(p.numel() for p in quarter.parameters()) == 56 + 4 + 76 + 8 + 296 + 16 + 129
    half = UnrolledDCGANDiscriminator(image_shape=(3, 28, 28), channels=4)
    assert sum(p.numel() for p in half.parameters()) == (3 * 4 * 9 + 4) + 8 + (4 * 8 * 9 + 8) + 16 + (
        8 * 16 * 9 + 16
    ) + 32 + (16 * 16 + 1)


def test_two_generator_steps_per_iteration_update_g_twice_on_one_noise_draw():
    settings = GANSettings(
        dataset="stacked-mnist", model="m", seed=0, objective="nonsaturating", network="unrolled-dcgan",
        latent_dim=16, d_channels=2, batch_size=8, g_steps=2,
    )  # fmt: skip
    training = AdversarialTraining(
        settings, TrainingData(torch.zeros(20, 3, 28, 28, dtype=torch.uint8), DataSpec("images", (3, 28, 28), 1000)),
        Accelerator.choose("cpu"),
    )  # fmt: skip
    before = training.rng.get_state()
    training.iteration(1)
    assert [int(s["step"]) for s in training.nets.opt_g.state.values()][:1] == [2]
    assert [int(s["step"]) for s in training.nets.opt_d.state.values()][:1] == [1]
    # One draw of G's noise, not two: the run's generator moved as far as for one real batch and two noise batches.
    rng = torch.Generator().set_state(before)
    torch.randint(0, 20, (8,), generator=rng)
    torch.randn(8, 16, generator=rng)
    torch.randn(8, 16, generator=rng)
    assert torch.equal(rng.get_state(), training.rng.get_state())


class RecordingGenerator(torch.nn.Module):
    """The unrolled-DCGAN generator of `settings`, recording the noise of every call."""

    def __init__(self, settings: GANSettings):
        super().__init__()
        self.net = build_generator(settings, DataSpec("images", (3, 28, 28), 1000))
        self.calls: list[torch.Tensor] = []

    def forward(self, noise, labels=None):
        self.calls.append(noise.clone())
        return self.net(noise, labels)


def stacked_training(**overrides) -> AdversarialTraining:
    settings = GANSettings(
        **{
            "dataset": "stacked-mnist", "model": "m", "seed": 0, "objective": "nonsaturating",
            "network": "unrolled-dcgan", "latent_dim": 16, "d_channels": 2, "batch_size": 8, **overrides,
        }
    )  # fmt: skip
    data = TrainingData(torch.zeros(20, 3, 28, 28, dtype=torch.uint8), DataSpec("images", (3, 28, 28), 1000))
    training = AdversarialTraining(settings, data, Accelerator.choose("cpu"))
    training.nets.generator = RecordingGenerator(settings)
    return training


def test_shared_noise_feeds_one_draw_to_the_d_step_and_both_g_steps_as_the_pacgan_authors_code():
    shared = stacked_training(g_steps=2, shared_noise=True)
    before = shared.rng.get_state()
    shared.iteration(1)
    d_call, *g_calls = shared.nets.generator.calls
    assert len(g_calls) == 2 and all(torch.equal(d_call, g) for g in g_calls)  # one feed_dict_z for all three
    rng = torch.Generator().set_state(before)
    assert torch.equal(d_call, torch.randn(8, 16, generator=rng))  # drawn first, then the real batch
    torch.randint(0, 20, (8,), generator=rng)
    assert torch.equal(rng.get_state(), shared.rng.get_state())  # and nothing else
    fresh = stacked_training(g_steps=2)
    fresh.iteration(1)
    d_call, *g_calls = fresh.nets.generator.calls
    assert torch.equal(g_calls[0], g_calls[1]) and not torch.equal(d_call, g_calls[0])


def test_per_slot_generation_calls_g_once_per_packed_slot_and_packs_the_ith_sample_of_every_call():
    from genlib.gan.step import generate
    from genlib.networks.pacgan import pack

    training = stacked_training(packing=2, per_slot_generation=True)
    nets, generator = training.nets, training.nets.generator
    noise = torch.randn(8, 16, generator=torch.Generator().manual_seed(1))
    fake = generate(nets, noise, None)
    assert [tuple(call.shape) for call in generator.calls] == [(4, 16), (4, 16)]  # two calls of one slot each
    first, second = generator.net(noise[:4]), generator.net(noise[4:])  # training-mode batch norm, per call
    packed = pack(fake, 2)  # (4, 6, 28, 28): packed example i is (first[i], second[i]) on channels
    assert torch.allclose(packed[:, :3], first, atol=1e-6) and torch.allclose(packed[:, 3:], second, atol=1e-6)
    assert not torch.allclose(fake, generator.net(noise), atol=1e-3)  # one call of 8 normalises differently
    training.iteration(1)
    assert [tuple(call.shape) for call in generator.calls[2:]] == [(4, 16)] * 4  # the D step's two, the G step's two


def test_batch_statistics_sampling_normalises_each_slot_sized_batch_alone_and_leaves_the_running_statistics():
    from genlib.families.gan.family import _sampling_model

    settings = GANSettings(
        dataset="stacked-mnist", model="m", seed=0, objective="nonsaturating", network="unrolled-dcgan",
        latent_dim=16, d_channels=2, batch_size=8, packing=2, sampling_batch_norm="batch",
    )  # fmt: skip
    spec = DataSpec("images", (3, 28, 28), 1000)
    generator = build_generator(settings, spec)
    with torch.no_grad():
        generator.train()(torch.randn(64, 16))  # running statistics that differ from any one batch's
    generator.eval()
    running = {k: v.clone() for k, v in generator.state_dict().items()}
    model = _sampling_model(generator, settings, spec)
    noise = torch.randn(10, 16, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        samples = model.generator(noise, None)
        reference = copy.deepcopy(generator).train()
        expected = torch.cat([reference(noise[:4]), reference(noise[4:8]), reference(noise[8:])])  # slots of 4
    assert torch.allclose(samples, expected, atol=1e-6)
    assert not generator.training and all(torch.equal(v, generator.state_dict()[k]) for k, v in running.items())
    with torch.no_grad():
        assert not torch.allclose(samples, generator(noise), atol=1e-3)  # running statistics give other images
    plain = _sampling_model(generator, dataclasses.replace(settings, sampling_batch_norm="running"), spec)
    assert plain.generator is generator


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shared_noise": True, "n_critic": 2}, "shared_noise feeds one noise draw to the one D step and the G steps"),
        ({"per_slot_generation": True}, "per_slot_generation calls G once per packed slot; with packing 1"),
    ],
)
def test_the_authors_stacked_mnist_options_refuse_settings_they_cannot_take(overrides, message):
    with pytest.raises(SettingsError, match=message):
        stacked_training(**overrides)
