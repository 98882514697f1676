"""Image-to-image datasets: the digit tasks, the folder layouts of pix2pix and CycleGAN, and their bad input."""

import numpy as np
import pytest
from mnist_mirror import MIRROR, needs_mnist
from PIL import Image

from genlib.config.catalogue import DataSpec
from genlib.config.settings import SettingsError, TranslationDatasetSettings
from genlib.data.images import read_digit_splits
from genlib.data.translation import (
    bicubic_upscale,
    downscale,
    invert,
    load_translation,
    load_translation_meta,
    prepare_translation,
    sobel_edges,
    thicken,
)
from genlib.experiment import ConfigError, dataset_settings, dataset_spec, validate_config

SCHEMA = "workflow/schemas/config.schema.yaml"


def digit_task(tmp_path, source, **extra):
    settings = TranslationDatasetSettings(
        name=source, source=source, mirror=str(MIRROR), split="test", holdout=1000, max_train=600, seed=5, **extra
    )
    prepare_translation(settings, tmp_path / source)
    return settings, tmp_path / source


# --- the transforms, against computations written here ---------------------------------------------


def test_sobel_edges_of_a_square_are_its_outline_computed_by_hand():
    image = np.zeros((1, 1, 9, 9), dtype=np.uint8)
    image[0, 0, 2:7, 2:7] = 255
    # Sobel magnitude by explicit loops over the zero-padded image
    padded = np.pad(image[0, 0].astype(float), 1)
    kx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    magnitude = np.zeros((9, 9))
    for y in range(9):
        for x in range(9):
            window = padded[y : y + 3, x : x + 3]
            magnitude[y, x] = np.hypot((window * kx).sum(), (window * kx.T).sum())
    expected = (magnitude >= 0.25 * magnitude.max()) * 255
    edges = sobel_edges(image)
    np.testing.assert_array_equal(edges[0, 0], expected)
    assert edges[0, 0, 4, 4] == 0 and edges[0, 0, 0, 0] == 0  # the square's centre and the far corner
    assert edges[0, 0, 2, 4] == 255 and edges[0, 0, 1, 4] == 255  # both sides of its top edge


def test_thickening_turns_one_pixel_into_its_3_by_3_neighbourhood():
    image = np.zeros((1, 1, 5, 5), dtype=np.uint8)
    image[0, 0, 2, 2] = 200
    expected = np.zeros((5, 5), dtype=np.uint8)
    expected[1:4, 1:4] = 200
    np.testing.assert_array_equal(thicken(image)[0, 0], expected)


def test_inversion_is_255_minus_the_pixel():
    image = np.array([[[[0, 1, 254, 255]]]], dtype=np.uint8)
    np.testing.assert_array_equal(invert(image), [[[[255, 254, 1, 0]]]])


def test_downscaling_keeps_a_constant_image_and_divides_the_side():
    image = np.full((2, 1, 28, 28), 77, dtype=np.uint8)
    small = downscale(image, 4)
    assert small.shape == (2, 1, 7, 7) and (small == 77).all()
    assert bicubic_upscale(small, 4).shape == (2, 1, 28, 28)
    with pytest.raises(SettingsError, match="upscale 3 does not divide"):
        downscale(image, 3)


# --- the prepared digit tasks ----------------------------------------------------------------------


@needs_mnist
def test_edges_to_digit_pairs_hold_the_digit_its_edges_and_its_label(tmp_path):
    settings, folder = digit_task(tmp_path, "mnist-edges")
    train, test = load_translation(folder, "train"), load_translation(folder, "test")
    assert train.a.shape == train.b.shape == (600, 1, 28, 28) and test.a.shape == (1000, 1, 28, 28)
    np.testing.assert_array_equal(train.a, sobel_edges(train.b))
    np.testing.assert_array_equal(train.labels_a, train.labels_b)
    # each B image is an MNIST digit with the label kept beside it
    (digits, labels), _ = read_digit_splits_of(settings)
    index = {digit.tobytes(): label for digit, label in zip(digits, labels)}
    assert all(index[image.tobytes()] == label for image, label in zip(train.b, train.labels_b))
    meta = load_translation_meta(folder)
    assert meta["kind"] == "paired" and meta["input_shape"] == [1, 28, 28] and meta["num_classes"] == 10
    assert DataSpec.from_dict({**meta, "shape": meta["image_shape"]}).input_shape == (1, 28, 28)


def read_digit_splits_of(settings):
    from genlib.config.settings import ImageDatasetSettings

    digits = ImageDatasetSettings(name="d", source="mnist", mirror=settings.mirror, split="test", holdout=1000, seed=5)
    (train, _), reference, _ = read_digit_splits(digits)
    return train, reference


@needs_mnist
def test_super_resolution_pairs_shrink_the_digit_by_the_upscale_factor(tmp_path):
    _, folder = digit_task(tmp_path, "mnist-downscaled", upscale=2)
    train = load_translation(folder, "train")
    assert train.a.shape == (600, 1, 14, 14) and train.b.shape == (600, 1, 28, 28)
    np.testing.assert_array_equal(train.a, downscale(train.b, 2))
    spec = dataset_spec(TranslationDatasetSettings(name="s", source="mnist-downscaled", upscale=2))
    assert (spec.kind, spec.shape, spec.input_shape) == ("paired", (1, 28, 28), (1, 14, 14))


@needs_mnist
@pytest.mark.parametrize(("source", "transform"), [("mnist-thick", thicken), ("mnist-inverted", invert)])
def test_unpaired_domains_come_from_disjoint_halves_so_no_pair_exists(tmp_path, source, transform):
    _, folder = digit_task(tmp_path, source)
    for split, total in (("train", 600), ("test", 1000)):
        data = load_translation(folder, split)
        assert len(data.a) + len(data.b) == total and abs(len(data.a) - len(data.b)) <= 1
        translated_a = {image.tobytes() for image in transform(data.a)}
        assert not translated_a & {image.tobytes() for image in data.b}, "an image of B is the translation of one of A"
        assert set(data.labels_a) == set(data.labels_b) == set(range(10))
    assert load_translation_meta(folder)["kind"] == "unpaired"


# --- the folder layouts ----------------------------------------------------------------------------


def write_side_by_side(path, left_value, right_value, *, width=16, height=8):
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, : width // 2] = left_value
    image[:, width // 2 :] = right_value
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


def test_a_paired_folder_splits_each_image_into_its_a_and_b_halves_and_bto_a_swaps_them(tmp_path):
    for split in ("train", "test"):
        for i in range(3):
            write_side_by_side(tmp_path / "facades" / split / f"{i}.png", 10 * i, 200)
    for direction, (a_value, b_value) in (("AtoB", (10, 200)), ("BtoA", (200, 10))):
        settings = TranslationDatasetSettings(
            name="facades", source="paired-folder", folder=str(tmp_path / "facades"), image_size=32, direction=direction
        )
        prepare_translation(settings, tmp_path / direction)
        train = load_translation(tmp_path / direction, "train")
        assert train.a.shape == train.b.shape == (3, 3, 32, 32)
        assert train.a[1].min() == train.a[1].max() == a_value and train.b[1].min() == b_value
        assert (train.labels_a == -1).all()


def test_a_paired_image_whose_halves_differ_in_size_is_refused_naming_the_file(tmp_path):
    write_side_by_side(tmp_path / "maps" / "train" / "good.png", 0, 255)
    write_side_by_side(tmp_path / "maps" / "train" / "odd.png", 0, 255, width=17)
    write_side_by_side(tmp_path / "maps" / "test" / "t.png", 0, 255)
    settings = TranslationDatasetSettings(
        name="maps", source="paired-folder", folder=str(tmp_path / "maps"), image_size=32
    )
    with pytest.raises(ValueError, match=r"odd\.png is 17 px wide: its A\|B halves differ in size"):
        prepare_translation(settings, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_an_unpaired_folder_reads_its_four_domains_and_refuses_an_empty_one(tmp_path):
    root = tmp_path / "horse2zebra"
    for domain, count in (("trainA", 3), ("trainB", 2), ("testA", 1), ("testB", 1)):
        for i in range(count):
            (root / domain).mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.full((40, 50, 3), 9, dtype=np.uint8)).save(root / domain / f"{i}.jpg")
    settings = TranslationDatasetSettings(name="h2z", source="unpaired-folder", folder=str(root), image_size=32)
    prepare_translation(settings, tmp_path / "h2z")
    train = load_translation(tmp_path / "h2z", "train")
    assert train.a.shape == (3, 3, 32, 32) and train.b.shape == (2, 3, 32, 32)
    for image in (root / "trainB").iterdir():
        image.unlink()
    with pytest.raises(FileNotFoundError, match=r"the unpaired domain .*trainB holds no images"):
        prepare_translation(settings, tmp_path / "h2z-again")


# --- bad input, before any job ---------------------------------------------------------------------


def test_an_upscale_factor_that_does_not_divide_the_image_size_is_refused_naming_the_key():
    with pytest.raises(
        SettingsError, match=r"data\.sr\.upscale 3 does not divide the 28-pixel images; allowed values: 2, 4, 7, 14"
    ):
        TranslationDatasetSettings(name="sr", source="mnist-downscaled", upscale=3)
    with pytest.raises(SettingsError, match=r"data\.sr\.upscale 3 does not divide the 256-pixel"):
        TranslationDatasetSettings(name="sr", source="downscaled-folder", folder="x", image_size=256, upscale=3)


def test_a_translation_dataset_in_a_config_gets_its_own_settings_and_a_digit_task_needs_an_mnist_source(tmp_path):
    config = {
        "experiment": "t",
        "datasets": ["edges2digits"],
        "models": ["gan-nonsaturating"],
        "seeds": [0],
        "data": {"edges2digits": {"source": "mnist-edges", "mirror": str(tmp_path / "nowhere")}},
    }
    settings = dataset_settings(config, "edges2digits")
    assert isinstance(settings, TranslationDatasetSettings) and settings.kind == "paired"
    with pytest.raises(
        ConfigError, match=r"data\.edges2digits\.mirror: .*nowhere is not a folder; the mnist-edges task"
    ):
        validate_config(config, SCHEMA)


@needs_mnist
def test_a_model_of_one_data_kind_given_a_dataset_of_another_is_refused_before_any_job():
    config = {
        "experiment": "t",
        "datasets": ["edges2digits"],
        "models": ["gan-nonsaturating"],
        "seeds": [0],
        "data": {"edges2digits": {"source": "mnist-edges", "mirror": str(MIRROR)}},
    }
    with pytest.raises(
        ConfigError,
        match=r"model gan-nonsaturating on edges2digits: a model of family gan \(images\) trains on one set of images, "
        r"but edges2digits holds paired image domains \(A -> B\); pick a model made for that kind of data",
    ):
        validate_config(config, SCHEMA)


def test_a_folder_dataset_with_an_empty_domain_or_an_odd_paired_image_is_refused_before_any_job(tmp_path):
    root = tmp_path / "h2z"
    for domain in ("trainA", "trainB", "testA", "testB"):
        (root / domain).mkdir(parents=True)
        if domain != "trainB":
            Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / domain / "0.png")
    config = {
        "experiment": "t",
        "datasets": ["h2z"],
        "models": ["cyclegan"],
        "seeds": [0],
        "data": {"h2z": {"source": "unpaired-folder", "folder": str(root), "image_size": 32}},
        "custom_models": {"cyclegan": {"family": "translation", "method": "cyclegan"}},
    }
    with pytest.raises(ConfigError, match=r"data\.h2z\.folder: the unpaired domain .*trainB holds no images"):
        validate_config(config, SCHEMA)
    write_side_by_side(tmp_path / "maps" / "train" / "odd.png", 0, 255, width=17)
    write_side_by_side(tmp_path / "maps" / "test" / "t.png", 0, 255)
    config["datasets"], config["models"] = ["maps"], ["pix2pix"]
    config["data"] = {"maps": {"source": "paired-folder", "folder": str(tmp_path / "maps"), "image_size": 32}}
    config["custom_models"] = {"pix2pix": {"family": "translation", "method": "pix2pix"}}
    with pytest.raises(ConfigError, match=r"data\.maps: paired image .*odd\.png is 17 px wide: its A\|B halves differ"):
        validate_config(config, SCHEMA)


@needs_mnist
def test_a_feature_content_loss_whose_network_is_missing_is_refused_before_any_job(tmp_path):
    config = {
        "experiment": "t",
        "datasets": ["sr4"],
        "models": ["srgan"],
        "seeds": [0],
        "data": {"sr4": {"source": "mnist-downscaled", "mirror": str(MIRROR)}},
        "custom_models": {
            "srgan": {
                "family": "translation",
                "method": "srgan",
                "content_loss": "features",
                "content_network": str(tmp_path / "vgg19.pt"),
            }
        },
    }
    with pytest.raises(
        ConfigError, match=r"model srgan on sr4: content_network .*vgg19\.pt does not exist: the feature"
    ):
        validate_config(config, SCHEMA)
    config["custom_models"]["srgan"]["init_from"] = "srresnet"
    del config["custom_models"]["srgan"]["content_network"]
    with pytest.raises(ConfigError, match=r"init_from 'srresnet' is not a model of this config; models: srgan"):
        validate_config(config, SCHEMA)
