"""Settings of the datasets: 2-D Gaussian mixtures and image sets (torch-free)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, get_args

from genlib.config.catalogue import (
    FOLDER_IMAGE_SIZES,
    IMAGE_SIZES,
    MIXTURE_NAMES,
    NAMED_IMAGE_DATASETS,
    STACKED_CHANNELS,
)
from genlib.config.validation import SettingsError, bounded, check_bounds

MixtureName = Literal["ring8", "grid25"]
ImageSource = Literal["mnist", "fashion-mnist", "cifar10", "stacked-mnist", "image-folder"]

IMAGE_SOURCES: tuple[str, ...] = get_args(ImageSource)
assert get_args(MixtureName) == MIXTURE_NAMES, "MixtureName must list the catalogue's mixtures"


@dataclass(frozen=True)
class MixtureSettings:
    """A 2-D Gaussian mixture of the mode-collapse benchmark (genlib.data.mixtures)."""

    name: MixtureName  # which mixture to draw
    n_train: int = bounded(100_000, minimum=1)  # training points (PacGAN protocol: 100k)
    n_test: int = bounded(10_000, minimum=1)  # held-out points, the reference set of the Frechet distance
    seed: int = bounded(2018, minimum=0)  # seed of the data draw; independent of the run seeds

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True)
class ImageDatasetSettings:
    """An image dataset (genlib.data.images): where its raw files come from and how it is split."""

    name: str  # the dataset's name in the config; also its folder under data/
    source: ImageSource | None = None  # reader of the raw files; None: the name itself (mnist, fashion-mnist, cifar10)
    split: Literal["train", "test"] = "train"  # original split whose images train the models
    holdout: int = bounded(
        0, minimum=0
    )  # images of `split` held out as the reference set; 0: the other original split is the reference
    mirror: str | None = None  # folder already holding the raw files (read there, never downloaded)
    resources: str = "resources"  # downloads land in {resources}/{source}/
    download: bool = (
        True  # download missing raw files (published checksums verified); false: fail and say what to put where
    )
    image_size: int | None = None  # square side in pixels after resizing; None: native (28 MNIST, 32 CIFAR-10)
    folder: str | None = None  # image-folder: root of the image files (searched recursively)
    max_train: int | None = bounded(
        None, minimum=1
    )  # keep at most this many training images (a seeded subset); None: all
    seed: int = bounded(0, minimum=0)  # seed of the holdout split, the max_train subset and the stacked draws
    # stacked-mnist (PacGAN, Lin et al. 2018, Sec. 5.2): images of `channels` MNIST digits drawn at random
    # (with replacement) from the digits of `split` into the channels; the reference stacks are drawn from
    # the held-out digits (`holdout`, or the other MNIST split), which also score the digit classifier
    stacked_count: int = bounded(128_000, minimum=1)  # training stacks (the paper's 128,000)
    stacked_reference: int = bounded(10_000, minimum=2)  # reference stacks, drawn from held-out digits
    channels: int | None = bounded(None, minimum=1)  # stacked-mnist: digits per image, 3 (1,000 triples); None: 3

    def __post_init__(self) -> None:
        if self.source is None:
            if self.name not in NAMED_IMAGE_DATASETS:
                known = ", ".join(MIXTURE_NAMES + NAMED_IMAGE_DATASETS)
                raise SettingsError(
                    f"unknown dataset {self.name!r}; allowed values: {known}, or a folder of images "
                    f"(set data.{self.name}.source: image-folder and data.{self.name}.folder: <path>)"
                )
            object.__setattr__(self, "source", self.name)
        if self.source == "image-folder":
            if not self.folder:
                raise SettingsError("source image-folder needs folder: <path of the images>")
            if self.image_size not in FOLDER_IMAGE_SIZES:
                raise SettingsError(
                    f"image_size of an image folder must be one of {', '.join(map(str, FOLDER_IMAGE_SIZES))}, got {self.image_size!r}"
                )
        if self.source == "stacked-mnist":
            if self.channels not in (None, STACKED_CHANNELS):
                raise SettingsError(
                    f"data.{self.name}.channels: stacked MNIST has {STACKED_CHANNELS} channels (one digit each, "
                    f"1,000 triples), got {self.channels}; remove the key or set it to {STACKED_CHANNELS}"
                )
            if self.image_size not in (None, 28):
                raise SettingsError(
                    f"data.{self.name}.image_size: stacked MNIST is 28 px, as its digit classifier reads it; "
                    f"remove the key, got {self.image_size}"
                )
        elif self.channels is not None:
            raise SettingsError(f"data.{self.name}.channels applies to source stacked-mnist only; remove it")
        if self.image_size is not None and self.image_size not in IMAGE_SIZES:
            raise SettingsError(
                f"image_size {self.image_size!r} is not allowed; allowed values: {', '.join(map(str, IMAGE_SIZES))}"
            )
        check_bounds(self)


MIXTURE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MixtureSettings))
IMAGE_DATASET_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ImageDatasetSettings))
