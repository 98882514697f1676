"""Short DCGAN runs on the real MNIST digits, plain and with Diffusion-GAN: their classifier FID falls far below
their untrained generator's."""

import pytest
import torch
from mnist_mirror import MIRROR, needs_mnist

from genlib.config.catalogue import DataSpec
from genlib.config.settings import ImageDatasetSettings
from genlib.data.images import load_image_meta, load_images, prepare_images
from genlib.evaluation.images import fid_monitor
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.networks import build_discriminator, build_generator
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.checkpoint import load_checkpoint, save_checkpoint
from genlib.metrics.backbones import load_backbone, read_reference, train_classifier, write_reference


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """8,000 real digits (3,000 kept for training), a classifier trained on them, and its reference statistics."""
    tmp_path = tmp_path_factory.mktemp("digits")
    data_dir = tmp_path / "mnist"
    prepare_images(
        ImageDatasetSettings(name="mnist", mirror=str(MIRROR), split="test", holdout=1000, max_train=3000), data_dir
    )
    images, labels = load_images(data_dir, "train")
    classifier = train_classifier(
        images, labels, load_images(data_dir, "test"), num_classes=10, epochs=4, seed=0, progress=False
    )
    assert classifier["reference_accuracy"] > 0.8  # a real classifier, not noise
    save_checkpoint(tmp_path / "classifier.pt", classifier)
    backbone = load_backbone("classifier", tmp_path / "classifier.pt", device=torch.device("cpu"))
    write_reference(tmp_path / "reference.npz", backbone, *load_images(data_dir, "test"))
    data = TrainingData(
        torch.from_numpy(images),
        DataSpec("images", tuple(images.shape[1:]), load_image_meta(data_dir)["num_classes"]),
        torch.from_numpy(labels),
    )
    return data, backbone, read_reference(tmp_path / "reference.npz")


def short_dcgan(model: str, **overrides) -> GANSettings:
    """500 steps of a 32-channel DCGAN at batch 32, with its FID measured at the start and the end."""
    values = dict(
        family_presets()["dcgan"],
        dataset="mnist",
        model=model,
        seed=0,
        g_channels=32,
        d_channels=32,
        steps=500,
        batch_size=32,
        checkpoint_every=1000,
        monitor_every=500,
        monitor_samples=500,
    )
    return GANSettings(**{**values, **overrides})


def train_short(settings: GANSettings, digits, tmp_path):
    data, backbone, reference = digits
    monitor = fid_monitor(backbone, reference, n_samples=500, seed=0)
    return train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", monitor=monitor, progress=False)


@needs_mnist
def test_short_dcgan_run_on_real_digits_lowers_classifier_fid_far_below_the_untrained_generator(tmp_path, digits):
    data = digits[0]
    settings = short_dcgan("dcgan")
    result = train_short(settings, digits, tmp_path)
    untrained, trained = result.curve[0], result.curve[-1]
    assert (untrained["step"], trained["step"]) == (0, 500)
    assert trained["fid"] < 0.25 * untrained["fid"], result.curve
    # Under the digit classifier the monitor also counts the digits its 500 samples cover.
    assert untrained["classes_covered"] <= 3 and trained["classes_covered"] == 10, result.curve
    assert trained["class_kl"] < 0.25 * untrained["class_kl"], result.curve
    # Both networks learnt: every weight tensor moved from its initial value (batch-norm statistics alone,
    # which change in any forward pass in training mode, would not move them).
    torch.manual_seed(settings.seed)
    initial = {
        "generator": build_generator(settings, data.spec),
        "discriminator": build_discriminator(settings, data.spec),
    }
    final = load_checkpoint(tmp_path / "c.pt")
    for part, network in initial.items():
        for name, tensor in network.state_dict().items():
            if name.endswith("weight"):
                assert not torch.equal(tensor, final[part][name]), f"{part}.{name} never changed"


@needs_mnist
def test_short_diffusion_gan_run_on_real_digits_lowers_classifier_fid_far_below_the_untrained_generator(
    tmp_path, digits
):
    # p moves by 32 * 4 / 2000 per adjustment: T adapts within the run
    result = train_short(short_dcgan("diffusion-dcgan", diffusion_gan=True, diffusion_kimg=2.0), digits, tmp_path)
    untrained, trained = result.curve[0], result.curve[-1]
    assert trained["fid"] < 0.25 * untrained["fid"], result.curve
    chain = [float(row.split(",")[-1]) for row in (tmp_path / "l.csv").read_text().splitlines()[1:]]
    assert len(chain) == 500 and max(chain) > 10, "T never moved from t_min"
