"""Image datasets: preparation from real MNIST files offline, checksums, errors, image folders."""

import dataclasses
import gzip
import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from mnist_mirror import MIRROR, needs_mnist
from PIL import Image

import genlib.data.images as images_module
from genlib.config.settings import ImageDatasetSettings, SettingsError
from genlib.data.images import ChecksumError, load_image_meta, load_images, prepare_images

OUTPUTS = ("train.npz", "test.npz", "meta.json")


def mnist(tmp_path, **overrides) -> ImageDatasetSettings:
    values = dict(
        name="mnist",
        split="test",
        holdout=2000,
        mirror=str(MIRROR),
        download=False,
        resources=str(tmp_path / "resources"),
    )
    return ImageDatasetSettings(**{**values, **overrides})


def row_hashes(images: np.ndarray) -> list[bytes]:
    return [hashlib.md5(row.tobytes()).digest() for row in images]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    out = tmp_path_factory.mktemp("mnist")
    prepare_images(mnist(out), out / "data")
    return out / "data"


@needs_mnist
def test_test_split_with_holdout_gives_disjoint_8000_and_2000_real_digits(prepared):
    train_x, train_y = load_images(prepared, "train")
    test_x, test_y = load_images(prepared, "test")
    assert train_x.shape == (8000, 1, 28, 28) and train_x.dtype == np.uint8
    assert test_x.shape == (2000, 1, 28, 28) and test_x.dtype == np.uint8
    assert train_y.dtype == np.int64 and train_y.shape == (8000,) and test_y.shape == (2000,)
    # Disjoint, and together exactly the 10,000 original test images (read here independently).
    assert not set(row_hashes(train_x)) & set(row_hashes(test_x))
    with gzip.open(MIRROR / "t10k-images-idx3-ubyte.gz") as handle:
        original = np.frombuffer(handle.read(), dtype=np.uint8, offset=16).reshape(10000, 1, 28, 28)
    assert sorted(row_hashes(train_x) + row_hashes(test_x)) == sorted(row_hashes(original))
    for labels in (train_y, test_y):
        assert labels.min() >= 0 and labels.max() <= 9 and len(np.unique(labels)) == 10
    assert (train_x / 255.0).mean() == pytest.approx(0.13, abs=0.01)  # MNIST's well-known pixel mean


@needs_mnist
def test_meta_describes_the_prepared_dataset(prepared):
    meta = load_image_meta(prepared)
    assert meta["kind"] == "images" and meta["image_shape"] == [1, 28, 28]
    assert meta["num_classes"] == 10 and meta["class_names"] == [str(i) for i in range(10)]
    assert meta["splits"] == {"train": 8000, "test": 2000}
    assert meta["reference"] == "MNIST test split, 2,000 images held out from it (seed 0)"
    assert meta["settings"]["holdout"] == 2000 and meta["settings"]["source"] == "mnist"
    assert set(meta["files"]) == {"train.npz", "test.npz"}
    for name, md5 in meta["files"].items():
        assert hashlib.md5((prepared / name).read_bytes()).hexdigest() == md5
    assert meta["raw_files"] == {
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }


@needs_mnist
def test_same_seed_reproduces_the_split_and_another_seed_changes_it(prepared, tmp_path):
    prepare_images(mnist(tmp_path), tmp_path / "again")
    prepare_images(mnist(tmp_path, seed=1), tmp_path / "other")
    for split in ("train", "test"):
        for first, second in zip(load_images(prepared, split), load_images(tmp_path / "again", split)):
            np.testing.assert_array_equal(first, second)
    assert set(row_hashes(load_images(prepared, "test")[0])) != set(
        row_hashes(load_images(tmp_path / "other", "test")[0])
    )


@needs_mnist
def test_image_size_32_resizes_to_1x32x32_uint8(tmp_path):
    prepare_images(mnist(tmp_path, image_size=32, max_train=500), tmp_path / "data")
    train_x, _ = load_images(tmp_path / "data", "train")
    test_x, _ = load_images(tmp_path / "data", "test")
    assert train_x.shape == (500, 1, 32, 32) and test_x.shape == (2000, 1, 32, 32) and train_x.dtype == np.uint8
    assert (train_x / 255.0).mean() == pytest.approx(0.13, abs=0.02)  # the digits survive resizing
    assert load_image_meta(tmp_path / "data")["image_shape"] == [1, 32, 32]


@needs_mnist
def test_max_train_keeps_that_many_training_images(tmp_path):
    prepare_images(mnist(tmp_path, max_train=1234), tmp_path / "data")
    train_x, train_y = load_images(tmp_path / "data", "train")
    assert len(train_x) == len(train_y) == 1234 and len(load_images(tmp_path / "data", "test")[0]) == 2000
    assert load_image_meta(tmp_path / "data")["splits"] == {"train": 1234, "test": 2000}


def test_missing_files_with_download_off_say_what_to_put_where(tmp_path):
    settings = ImageDatasetSettings(
        name="mnist", split="test", holdout=100, download=False, resources=str(tmp_path / "resources")
    )
    with pytest.raises(FileNotFoundError) as error:
        prepare_images(settings, tmp_path / "out")
    message = str(error.value)
    for needed in (
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        str(tmp_path / "resources" / "mnist"),
        "data.mnist.mirror",
        "download",
    ):
        assert needed in message
    assert not (tmp_path / "out").exists() and not (tmp_path / "resources").exists()


@needs_mnist
def test_wrong_checksum_names_the_file_and_writes_nothing(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (mirror / name).write_bytes((MIRROR / name).read_bytes())
    corrupt = bytearray((mirror / "t10k-images-idx3-ubyte.gz").read_bytes())
    corrupt[len(corrupt) // 2] ^= 0xFF
    (mirror / "t10k-images-idx3-ubyte.gz").write_bytes(bytes(corrupt))
    out = tmp_path / "out"
    with pytest.raises(ChecksumError) as error:
        prepare_images(mnist(tmp_path, mirror=str(mirror)), out)
    message = str(error.value)
    assert str(mirror / "t10k-images-idx3-ubyte.gz") in message and "9fb629c4189551a2d022fa330f9573f3" in message
    assert hashlib.md5(bytes(corrupt)).hexdigest() in message and "delete" in message
    assert not any((out / name).exists() for name in OUTPUTS)


@needs_mnist
def test_train_split_from_a_mirror_with_only_test_files_names_the_train_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz") as error:
        prepare_images(mnist(tmp_path, split="train", holdout=0), tmp_path / "out")
    assert str(MIRROR) in str(error.value) and "t10k" not in str(error.value)
    assert not (tmp_path / "out").exists()


@needs_mnist
def test_holdout_as_large_as_the_split_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match=r"holdout 10000 .*10,000 images"):
        prepare_images(mnist(tmp_path, holdout=10_000), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_image_folder_is_cropped_resized_and_split_by_holdout(tmp_path):
    rng = np.random.default_rng(0)
    sizes = [(40, 30), (30, 40), (64, 48), (33, 33), (50, 20), (20, 50)] * 2
    for i, (width, height) in enumerate(sizes):
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        sub = tmp_path / "photos" / ("a" if i % 2 else "b")
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(sub / f"{i:02d}.{'png' if i < 8 else 'jpg'}")
    (tmp_path / "photos" / "notes.txt").write_text("not an image")
    settings = ImageDatasetSettings(
        name="photos", source="image-folder", folder=str(tmp_path / "photos"), image_size=32, holdout=4
    )
    prepare_images(settings, tmp_path / "data")
    train_x, train_y = load_images(tmp_path / "data", "train")
    test_x, test_y = load_images(tmp_path / "data", "test")
    assert train_x.shape == (8, 3, 32, 32) and test_x.shape == (4, 3, 32, 32) and train_x.dtype == np.uint8
    assert not train_y.any() and not test_y.any()
    meta = load_image_meta(tmp_path / "data")
    assert meta["num_classes"] == 0 and meta["class_names"] == [] and meta["splits"] == {"train": 8, "test": 4}


def test_image_folder_crops_the_centre_square(tmp_path):
    pixels = np.zeros((30, 90, 3), dtype=np.uint8)
    pixels[:, 30:60] = 255  # left and right thirds black, centre white
    (tmp_path / "photos").mkdir()
    for i in range(2):
        Image.fromarray(pixels).save(tmp_path / "photos" / f"{i}.png")
    settings = ImageDatasetSettings(
        name="photos", source="image-folder", folder=str(tmp_path / "photos"), image_size=32, holdout=1
    )
    prepare_images(settings, tmp_path / "data")
    for split in ("train", "test"):
        assert load_images(tmp_path / "data", split)[0].mean() > 200  # squashing would give about 85


def test_image_folder_without_holdout_is_a_settings_error(tmp_path):
    settings = ImageDatasetSettings(name="photos", source="image-folder", folder=str(tmp_path), image_size=32)
    with pytest.raises(SettingsError, match="holdout"):
        prepare_images(settings, tmp_path / "out")


def test_cifar10_archive_is_read_as_rgb_planes(tmp_path, monkeypatch):
    # A miniature archive in CIFAR-10's layout; its MD5 stands in for the published one.
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for k, member in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
            data = np.zeros((3, 3072), dtype=np.uint8)
            data[:, 1024:2048] = 10 * k + 1  # green plane
            payload = pickle.dumps({b"data": data, b"labels": [k, k, 9]})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{member}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    (tmp_path / "cifar").mkdir()
    (tmp_path / "cifar" / "cifar-10-python.tar.gz").write_bytes(buffer.getvalue())
    md5 = {"cifar-10-python.tar.gz": hashlib.md5(buffer.getvalue()).hexdigest()}
    fake = images_module.Source(**{**vars(images_module.SOURCES["cifar10"]), "files": {"train": md5, "test": md5}})
    monkeypatch.setitem(images_module.SOURCES, "cifar10", fake)
    prepare_images(ImageDatasetSettings(name="cifar10", mirror=str(tmp_path / "cifar")), tmp_path / "data")
    train_x, train_y = load_images(tmp_path / "data", "train")
    test_x, test_y = load_images(tmp_path / "data", "test")
    assert train_x.shape == (15, 3, 32, 32) and test_x.shape == (3, 3, 32, 32)
    assert (train_x[:, 1] > 0).all() and not train_x[:, 0].any() and not train_x[:, 2].any()
    assert test_y.tolist() == [5, 5, 9] and (test_x[:, 1] == 51).all()
    meta = load_image_meta(tmp_path / "data")
    assert meta["reference"] == "CIFAR-10 test split" and meta["class_names"][0] == "airplane"


@needs_mnist
def test_missing_files_are_downloaded_into_resources_and_a_failed_download_is_reported(tmp_path, monkeypatch):
    import shutil

    import torchvision.datasets.utils

    def fake_download(url, root, filename, md5):  # stands in for the network: the mirror's copy
        assert url == "https://ossci-datasets.s3.amazonaws.com/mnist/" + filename and md5
        shutil.copyfile(MIRROR / filename, Path(root) / filename)

    monkeypatch.setattr(torchvision.datasets.utils, "download_url", fake_download)
    # No mirror and the settings' default download: missing files are fetched (here from the stand-in).
    downloading = ImageDatasetSettings(name="mnist", split="test", holdout=100, resources=str(tmp_path / "resources"))
    prepare_images(downloading, tmp_path / "data")
    assert sorted(p.name for p in (tmp_path / "resources" / "mnist").iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]  # no temporary leftovers
    assert load_image_meta(tmp_path / "data")["splits"] == {"train": 9900, "test": 100}

    def failing_download(url, root, filename, md5):
        raise RuntimeError("network unreachable")

    monkeypatch.setattr(torchvision.datasets.utils, "download_url", failing_download)
    with pytest.raises(FileNotFoundError, match="download failed: .*network unreachable") as error:
        prepare_images(dataclasses.replace(downloading, split="train", holdout=0), tmp_path / "out")
    assert "train-images-idx3-ubyte.gz" in str(error.value) and "data.mnist.mirror" in str(error.value)
    assert not (tmp_path / "out").exists()
