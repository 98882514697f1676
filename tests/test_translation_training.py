"""The image-to-image family: history pool, cycle and decay rules, bit-identical resume, and real learning."""

import numpy as np
import pytest
import torch
from mnist_mirror import MIRROR, needs_mnist
from test_train import Interrupt, assert_same_parameters, interrupt_at

from genlib.config.catalogue import DataSpec
from genlib.config.settings import SettingsError, TranslationDatasetSettings
from genlib.data.translation import load_translation, load_translation_meta, prepare_translation
from genlib.families.interface import TrainingData
from genlib.families.translation.family import FAMILY, linear_decay, train_translator
from genlib.families.translation.settings import TranslationSettings
from genlib.io.checkpoint import load_checkpoint, save_checkpoint
from genlib.metrics.backbones import load_backbone, train_classifier
from genlib.translation.pool import ImagePool
from genlib.translation.steps import cycle_loss

# --- the rules, on hand-made inputs ---------------------------------------------------------------


def test_history_pool_shows_images_as_they_come_until_full_then_an_old_one_half_the_time():
    pool, rng = ImagePool(3), torch.Generator().manual_seed(0)
    first = torch.arange(3.0).reshape(3, 1, 1, 1)
    assert torch.equal(pool.query(first, rng), first)  # filling: each image is stored and shown
    old_shown, stored = 0, {0.0, 1.0, 2.0}
    for value in range(10, 2010):
        shown = pool.query(torch.full((1, 1, 1, 1), float(value)), rng).item()
        if shown != value:
            assert shown in stored, "an old image must come from the pool"
            old_shown += 1
        stored = {image.item() for image in pool.images}
        assert len(stored) == 3
    assert 0.45 < old_shown / 2000 < 0.55


def test_history_pool_of_size_zero_shows_the_current_batch():
    batch = torch.randn(4, 1, 2, 2)
    assert ImagePool(0).query(batch, torch.Generator()) is batch


def test_cycle_loss_is_zero_for_a_pair_of_inverse_generators_and_measures_the_round_trip_otherwise():
    a, b = torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8)
    identity = torch.nn.Identity()
    assert [t.item() for t in cycle_loss(identity, identity, a, b)] == [0.0, 0.0]
    negate = lambda x: -x  # noqa: E731 - its own inverse
    assert [t.item() for t in cycle_loss(negate, negate, a, b)] == [0.0, 0.0]
    shift, back = (lambda x: x + 0.5), identity
    forward, backward = cycle_loss(shift, back, a, b)
    assert forward.item() == pytest.approx(0.5) and backward.item() == pytest.approx(0.5)


def test_linear_decay_keeps_the_rate_then_falls_as_the_authors_linear_policy():
    settings = TranslationSettings(dataset="d", model="m", seed=0, method="cyclegan", steps=100, decay_from=0.5)
    factor = linear_decay(settings)
    # lr_l = 1 - max(0, step - n_keep) / (n_decay + 1), with n_keep = 50 and n_decay = 50
    assert [factor(s) for s in (0, 50, 51, 75, 100)] == pytest.approx([1, 1, 1 - 1 / 51, 1 - 25 / 51, 1 - 50 / 51])
    constant = linear_decay(TranslationSettings(dataset="d", model="m", seed=0, method="cyclegan"))
    assert constant(10_000) == 1.0


def test_a_method_without_any_loss_term_is_refused_naming_the_keys():
    with pytest.raises(SettingsError, match="pix2pix with adversarial_weight 0 and l1_weight 0 has no loss"):
        TranslationSettings(dataset="d", model="m", seed=0, method="pix2pix", adversarial_weight=0, l1_weight=0)
    with pytest.raises(SettingsError, match="generator 'srresnet' does not fit method cyclegan"):
        TranslationSettings(dataset="d", model="m", seed=0, method="cyclegan", generator="srresnet")


# --- training on real digits -----------------------------------------------------------------------


def task(tmp_path_factory, source, max_train):
    folder = tmp_path_factory.mktemp(source)
    settings = TranslationDatasetSettings(
        name=source, source=source, mirror=str(MIRROR), split="test", holdout=1000, max_train=max_train
    )
    prepare_translation(settings, folder)
    split, meta = load_translation(folder, "train"), load_translation_meta(folder)
    spec = DataSpec(meta["kind"], tuple(meta["image_shape"]), meta["num_classes"], tuple(meta["input_shape"]))
    data = TrainingData(
        torch.from_numpy(split.a),
        spec,
        torch.from_numpy(split.labels_a),
        targets=torch.from_numpy(split.b),
        target_labels=torch.from_numpy(split.labels_b),
    )
    return folder, data


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    return task(tmp_path_factory, "mnist-edges", 3000)


@pytest.fixture(scope="module")
def thick(tmp_path_factory):
    return task(tmp_path_factory, "mnist-thick", 200)


def tiny(method, **overrides):
    values = dict(
        dataset="d", model=method, seed=3, method=method, g_channels=8, d_channels=8, batch_size=4, steps=8,
        checkpoint_every=4, log_every=1, resnet_blocks=1, pool_size=3, decay_from=0.25,
    )  # fmt: skip
    return TranslationSettings(**{**values, **overrides})


@needs_mnist
@pytest.mark.parametrize(("method", "fixture"), [("pix2pix", "edges"), ("cyclegan", "thick")])
def test_a_run_interrupted_mid_way_resumes_bit_identically_with_its_pool_and_schedule(
    tmp_path, request, method, fixture
):
    _, data = request.getfixturevalue(fixture)
    settings = tiny(method)
    straight = tmp_path / "straight" / "checkpoint.pt"
    train_translator(settings, data, straight, tmp_path / "straight" / "losses.csv", progress=False)
    resumed = tmp_path / "resumed" / "checkpoint.pt"
    with pytest.raises(Interrupt):
        train_translator(
            settings, data, resumed, tmp_path / "resumed" / "losses.csv", on_step=interrupt_at(6), progress=False
        )
    result = train_translator(settings, data, resumed, tmp_path / "resumed" / "losses.csv", progress=False)
    assert result.resumed_from == 4
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    assert_same_parameters(a, b)
    assert a["schedule_g"]["last_epoch"] == 8 and a["opt_g"]["param_groups"][0]["lr"] < settings.lr
    if method == "cyclegan":
        assert len(a["pool_b"]["images"]) == 3 and torch.equal(a["pool_b"]["images"], b["pool_b"]["images"])
    assert straight.read_bytes() == resumed.read_bytes()
    assert (tmp_path / "straight" / "losses.csv").read_text() == (tmp_path / "resumed" / "losses.csv").read_text()


@needs_mnist
def test_a_short_pix2pix_run_on_real_edges_makes_digits_the_classifier_reads_as_their_source(tmp_path, edges):
    folder, data = edges
    test = load_translation(folder, "test")
    classifier = train_classifier(
        data.targets.numpy(), data.target_labels.numpy(), (test.b, test.labels_b), num_classes=10, epochs=3,
        seed=0, progress=False,
    )  # fmt: skip
    assert classifier["reference_accuracy"] > 0.9
    save_checkpoint(tmp_path / "classifier.pt", classifier)
    backbone = load_backbone("classifier", tmp_path / "classifier.pt", device=torch.device("cpu"))

    def accuracy(steps: int) -> float:
        settings = tiny("pix2pix", g_channels=16, d_channels=16, batch_size=8, steps=steps, decay_from=None, seed=0)
        run = tmp_path / f"steps{steps}"
        train_translator(settings, data, run / "checkpoint.pt", run / "losses.csv", progress=False)
        model = FAMILY.sampling_model(load_checkpoint(run / "checkpoint.pt"), data_dir=folder)
        inputs, labels = model.draw(500, torch.Generator())
        with torch.no_grad():
            outputs = model.generator(inputs, labels)
        pixels = outputs.add(1).mul(127.5).round().clamp(0, 255).to(torch.uint8).numpy()
        _, probabilities = backbone.embed(pixels)
        return float((probabilities.argmax(1) == labels.numpy()).mean())

    before, after = accuracy(1), accuracy(400)
    # Measured: 0.06 -> 0.46. The outputs read as digits by eye sooner than by this classifier, which a mild
    # blur already confuses (README, "Image-to-image translation").
    assert before < 0.15 and after > 3 * before and after > 0.3, (before, after)
    losses = np.genfromtxt(tmp_path / "steps400" / "losses.csv", delimiter=",", names=True)
    assert losses["g_l1"][-10:].mean() < 0.5 * losses["g_l1"][:3].mean()
