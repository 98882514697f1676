"""Image networks, pictures and backbone errors: shapes, conditioning, every objective on every network."""

import numpy as np
import pytest
import torch

from genlib.config.catalogue import DataSpec
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.networks import build_discriminator, build_generator
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.mosaic import tile
from genlib.metrics.backbones import INCEPTION_FILE, fetch_inception_weights
from genlib.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from genlib.sampling.pictures import nearest_neighbours, slerp


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_dcgan_maps_noise_to_images_of_the_dataset_shape_and_back_to_one_score(shape):
    generator = DCGANGenerator(latent_dim=16, image_shape=shape, channels=8)
    discriminator = DCGANDiscriminator(image_shape=shape, channels=8)
    images = generator(torch.randn(5, 16))
    assert images.shape == (5, *shape)
    assert images.min() >= -1 and images.max() <= 1  # Tanh output
    assert discriminator(images).shape == (5,)


def test_dcgan_rejects_an_image_size_it_is_not_built_for():
    with pytest.raises(ValueError, match="DCGAN is built for 28, 32 or 64 px images, not 48"):
        DCGANGenerator(image_shape=(1, 48, 48))


@pytest.mark.parametrize("conditioning", ["concat", "projection"])
def test_conditional_discriminator_scores_depend_on_the_label(conditioning):
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(image_shape=(1, 28, 28), channels=8, num_classes=10, conditioning=conditioning)
    with torch.no_grad():
        for module in discriminator.modules():  # random, non-zero embedding weights
            if isinstance(module, torch.nn.Embedding):
                module.weight.normal_()
    x = torch.randn(4, 1, 28, 28).repeat(2, 1, 1, 1)
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    scores = discriminator.eval()(x, labels)
    assert not torch.allclose(scores[:4], scores[4:])


def test_conditional_generator_output_depends_on_the_label():
    generator = DCGANGenerator(latent_dim=8, image_shape=(1, 28, 28), channels=8, num_classes=10).eval()
    z = torch.randn(1, 8).repeat(2, 1)
    images = generator(z, torch.tensor([3, 7]))
    assert not torch.allclose(images[0], images[1])


def test_gradient_penalised_dcgan_critic_has_no_batch_norm():
    settings = GANSettings(
        **family_presets()["dcgan-wgan-gp"], dataset="mnist", model="dcgan-wgan-gp", seed=0, d_channels=8
    )
    critic = build_discriminator(settings, DataSpec("images", (1, 28, 28), 10))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
    plain = build_discriminator(
        GANSettings(**family_presets()["dcgan"], dataset="mnist", model="dcgan", seed=0),
        DataSpec("images", (1, 28, 28), 10),
    )
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())


@pytest.mark.parametrize(
    "model",
    [
        "mlp-gan",
        "dcgan-minimax",
        "dcgan-wgan",
        "dcgan-wgan-gp",
        "dcgan-lsgan",
        "dcgan-hinge-sn",
        "cgan",
        "cgan-projection",
    ],
)
def test_every_image_model_trains_a_few_steps_with_finite_losses(model, tmp_path):
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    data = TrainingData(images, DataSpec("images", tuple(images.shape[1:]), 10), torch.arange(64) % 10)
    settings = GANSettings(
        **family_presets()[model],
        dataset="mnist",
        model=model,
        seed=0,
        g_channels=4,
        d_channels=4,
        steps=2,
        batch_size=8,
        checkpoint_every=10,
    )
    result = train_gan(settings, data, tmp_path / "c.pt", tmp_path / "l.csv", progress=False)
    assert result.status == "completed" and result.step == 2
    generator = build_generator(settings, data.spec)
    assert generator(
        torch.randn(3, 100), torch.tensor([0, 1, 2]) if settings.conditioning != "none" else None
    ).shape == (3, 1, 28, 28)


def test_slerp_keeps_its_end_points_and_walks_the_great_circle():
    a, b = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 2.0])
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert torch.allclose(path[0], a) and torch.allclose(path[-1], b, atol=1e-6)
    assert torch.allclose(path.norm(dim=1), torch.full((5,), 2.0), atol=1e-6)  # stays on the circle of radius 2
    assert torch.allclose(path[2], torch.tensor([2.0, 2.0]) / 2**0.5, atol=1e-6)  # half way: 45 degrees


def test_tile_lays_images_out_in_rows_with_padding():
    images = np.zeros((5, 1, 4, 4), dtype=np.uint8)
    mosaic = tile(images, columns=3, pad=1)
    assert mosaic.shape == (2 * 5 + 1, 3 * 5 + 1, 1)
    assert mosaic[1:5, 1:5].max() == 0 and mosaic[0, 0, 0] == 255


def test_nearest_neighbour_of_a_training_image_is_itself():
    training = np.random.default_rng(0).integers(0, 256, (50, 1, 8, 8), dtype=np.uint8)
    assert (nearest_neighbours(training[[7, 3, 41]], training) == [7, 3, 41]).all()


def test_missing_inception_weights_offline_name_the_file_and_the_offline_backbone(tmp_path):
    missing = tmp_path / "nowhere" / INCEPTION_FILE
    with pytest.raises(FileNotFoundError) as error:
        fetch_inception_weights(str(missing), tmp_path / "out.pth")
    message = str(error.value)
    assert str(missing) in message and "evaluation.backbone: classifier" in message
    assert not (tmp_path / "out.pth").exists()


def test_inception_backbone_embeds_grey_images_as_torchmetrics_does(tmp_path, monkeypatch):
    # Random weights in the layout of torch-fidelity's file: the pipeline's wrapper is tested, not the weights.
    from torchmetrics.image.fid import NoTrainInceptionV3

    from genlib.metrics.backbones import load_backbone

    with monkeypatch.context() as patch:
        patch.setattr(torch, "load", lambda *args, **kwargs: {})
        patch.setattr(NoTrainInceptionV3, "load_state_dict", lambda self, state, *args, **kwargs: None)
        network = NoTrainInceptionV3(
            name="inception-v3-compat", features_list=["2048"], feature_extractor_weights_path="x"
        )
    torch.save(network.state_dict(), tmp_path / "inception.pth")
    backbone = load_backbone("inception", tmp_path / "inception.pth", device=torch.device("cpu"))
    images = np.random.default_rng(0).integers(0, 256, (3, 1, 28, 28), dtype=np.uint8)
    features, probabilities = backbone.embed(images)
    assert features.shape == (3, 2048) and features.dtype == np.float64
    assert probabilities.shape == (3, 1008) and np.allclose(probabilities.sum(1), 1.0)
    assert backbone.name == "inception" and "without antialiasing" in backbone.description


@pytest.mark.parametrize("antialias", [False, True])
def test_the_protocol_card_says_how_inception_inputs_were_resized(antialias):
    from genlib.config.settings import EvaluationSettings
    from genlib.evaluation.images import evaluate_image_samples
    from genlib.metrics.backbones import Backbone, Reference
    from genlib.metrics.frechet import gaussian_stats

    class Toy(torch.nn.Module):  # stands in for the network; only the card is under test
        def _torch_fidelity_forward(self, batch):
            flat = batch.float().flatten(1)[:, :4]
            return flat, flat[:, :3]

    features = np.random.default_rng(0).normal(size=(12, 4))
    reference = Reference(
        features, gaussian_stats(features), np.full((12, 3), 1 / 3), np.zeros(12, np.int64), "inception", "f" * 64, ""
    )
    info = {
        "settings": {
            "dataset": "mnist",
            "model": "m",
            "seed": 0,
            "family": "gan",
            "objective": "nonsaturating",
            "network": "dcgan",
            "conditioning": "none",
        },
        "family": "gan",
        "data_kind": "images",
        "status": "diverged",
        "step": 1,
    }
    backbone = Backbone("inception", "f" * 64, "toy", Toy(), torch.device("cpu"))
    settings = EvaluationSettings(inception_antialias=antialias)
    card = evaluate_image_samples(np.zeros((0, 1, 2, 2), np.uint8), None, info, backbone, reference, settings, "test")[
        "protocol"
    ]
    expected = "bilinear to 299 px with antialiasing" if antialias else "bilinear to 299 px without antialiasing"
    assert card["inception_resize"].startswith(expected)


def test_spectrally_normalised_layers_get_dcgans_initialisation_and_a_converged_power_iteration():
    """Miyato et al. 2018 normalise W / sigma(W); the stored W is what N(0, 0.02) must reach (the normalised
    `weight` is recomputed on every access, so drawing into it changes nothing)."""
    torch.manual_seed(0)
    critic = DCGANDiscriminator(image_shape=(1, 28, 28), channels=16, batch_norm=False, spectral_norm=True)
    for layer in (critic.features[0], critic.features[2], critic.head):
        stored = layer.parametrizations.weight.original
        stored = stored.detach()
        assert abs(float(stored.std()) - 0.02) < 0.004 and abs(float(stored.mean())) < 0.005
        sigma = torch.linalg.matrix_norm(stored.detach().reshape(stored.shape[0], -1), 2)
        torch.testing.assert_close(layer.weight.detach() * sigma, stored.detach(), rtol=0.05, atol=1e-4)


def test_inception_weights_that_carry_code_are_refused(tmp_path):
    from genlib.metrics.backbones import load_backbone

    torch.save({"weights": torch.zeros(1), "hook": print}, tmp_path / "evil.pth")
    with pytest.raises(Exception, match="Weights only load failed|Unsupported global"):
        load_backbone("inception", tmp_path / "evil.pth", device=torch.device("cpu"))


def test_classifier_backbone_identity_is_its_weights_not_its_file(tmp_path):
    from genlib.io.checkpoint import save_checkpoint
    from genlib.metrics.backbones import load_backbone
    from genlib.networks.classifier import ConvClassifier

    weights = ConvClassifier().state_dict()
    checkpoint = {
        "weights": weights,
        "image_shape": [1, 28, 28],
        "num_classes": 10,
        "n_train": 1,
        "epochs": 1,
        "reference_accuracy": 0.5,
    }
    save_checkpoint(tmp_path / "a.pt", checkpoint)
    save_checkpoint(tmp_path / "b.pt", checkpoint)  # same weights, another file (torch.save names the archive after it)
    a = load_backbone("classifier", tmp_path / "a.pt", device=torch.device("cpu"))
    b = load_backbone("classifier", tmp_path / "b.pt", device=torch.device("cpu"))
    assert a.weights_sha256 == b.weights_sha256
    weights["head.bias"] = weights["head.bias"] + 1
    save_checkpoint(tmp_path / "c.pt", {**checkpoint, "weights": weights})
    assert load_backbone("classifier", tmp_path / "c.pt", device=torch.device("cpu")).weights_sha256 != a.weights_sha256
