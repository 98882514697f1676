"""Stacked MNIST: three MNIST digits drawn at random into the three channels of one image (1,000 modes).

The mode-collapse benchmark of Metz et al. 2017 (unrolled GANs, Sec. 3.3), Srivastava et al. 2017
(VEEGAN, Sec. 5) and Lin et al. 2018 (PacGAN, Sec. 5.2, Tables 2 and 3). As the PacGAN authors'
code draws it (fjxmlzn/PacGAN, stacked_MNIST_experiments/*/model.py, `load_mnist` and
`generate_stacked_mnist`): each channel of each image is an independent uniform draw, with
replacement, from the MNIST digits, so every one of the 10^3 digit triples is a mode of about
equal mass. The class of an image is 100 r + 10 g + b for the digits (r, g, b) in its red, green
and blue channels.

`prepare_stacked_mnist` writes the same files as every image dataset (train.npz and test.npz with
`images` uint8 (N, 3, 28, 28) and `labels` int64 (N,), then meta.json), and keeps in each split the
single digits its stacks were drawn from (`digits` (M, 1, 28, 28), `digit_labels` (M,)): the
pipeline's digit classifier trains on the training digits and is scored on the held-out ones.
The training stacks are drawn from the digits of `split`; the reference stacks from the held-out
digits (`holdout` of `split`, or the other MNIST split), so no reference image shares a digit
image with training.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from genlib.config import paths
from genlib.config.catalogue import CLASS_NAMES, DIGIT_CLASSES, STACKED_CHANNELS
from genlib.config.data_settings import ImageDatasetSettings
from genlib.config.validation import to_dict
from genlib.data.images import SOURCES, md5sum, read_digit_splits
from genlib.data.integrity import check_split, split_hashes
from genlib.io.atomic import atomic_path, write_json
from genlib.io.corrupt import prepared_remedy, reading


def stack_digits(
    digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`count` stacks of uint8 digits (M, 1, H, W) drawn with replacement: images (count, 3, H, W), triple labels."""
    chosen = rng.integers(0, len(digits), size=(count, STACKED_CHANNELS))  # (count, 3) digit indices
    images = digits[chosen][:, :, 0]  # (count, 3, H, W): channel c holds digit chosen[:, c]
    triple = labels[chosen]  # (count, 3)
    powers = DIGIT_CLASSES ** np.arange(STACKED_CHANNELS - 1, -1, -1)  # (100, 10, 1)
    return np.ascontiguousarray(images), (triple * powers).sum(axis=1).astype(np.int64)


def triple_of(labels: np.ndarray) -> np.ndarray:
    """The digits (N, 3) of the red, green and blue channels of stacked-MNIST class labels (N,)."""
    powers = DIGIT_CLASSES ** np.arange(STACKED_CHANNELS - 1, -1, -1)
    return (np.asarray(labels)[:, None] // powers) % DIGIT_CLASSES


def prepare_stacked_mnist(settings: ImageDatasetSettings, out_dir: str | Path) -> None:
    """Write train.npz, test.npz and last meta.json of a stacked MNIST dataset into `out_dir`, each atomically."""
    out_dir = Path(out_dir)
    digits = dataclasses.replace(settings, source="mnist", channels=None)  # the digits: MNIST's raw files
    rng = np.random.default_rng(settings.seed)
    (train_digits, test_digits), reference, needed = read_digit_splits(digits, rng)
    stacks = {
        "train": (*stack_digits(*train_digits, settings.stacked_count, rng), train_digits),
        "test": (*stack_digits(*test_digits, settings.stacked_reference, rng), test_digits),
    }

    out = paths.dataset_at(out_dir)
    Path(out.meta).unlink(missing_ok=True)  # an old meta.json must not vouch for the arrays written now
    files = {}
    for name, (images, labels, (single, single_labels)) in stacks.items():
        path = out.split(name, "images")
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, images=images, labels=labels, digits=single, digit_labels=single_labels.astype(np.int64))
        files[Path(path).name] = md5sum(path)
    source = SOURCES["mnist"]
    meta = {
        "kind": "images",
        "settings": to_dict(settings),
        "image_shape": list(stacks["train"][0].shape[1:]),
        "num_classes": len(CLASS_NAMES["stacked-mnist"]),
        "class_names": list(CLASS_NAMES["stacked-mnist"]),
        "splits": {"train": settings.stacked_count, "test": settings.stacked_reference},
        "stacked": {
            "channels": STACKED_CHANNELS,
            "digit_classes": DIGIT_CLASSES,
            "digits": {"train": len(train_digits[0]), "test": len(test_digits[0])},
        },
        "reference": f"{settings.stacked_reference:,} stacks of held-out digits ({reference}; seed {settings.seed})",
        "files": files,
        "sha256": split_hashes([out.split("train", "images"), out.split("test", "images")]),
        "raw_files": {name: md5 for s in needed for name, md5 in source.files[s].items()},
    }
    write_json(out.meta, meta)  # written last: its presence marks a finished dataset


def load_digits(data_dir: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The single digits (M, 1, 28, 28) uint8 and labels (M,) a prepared stacked MNIST split was drawn from."""
    path = paths.dataset_at(data_dir).split(split, "images")
    check_split(data_dir, path)
    with reading(path, "prepared image split", prepared_remedy(data_dir)), np.load(path, allow_pickle=False) as arrays:
        if "digits" not in arrays.files:
            raise ValueError(f"{path} holds no single digits: it is not a stacked MNIST split")
        return arrays["digits"], arrays["digit_labels"]
