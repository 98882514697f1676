"""Settings of the datasets: 2-D Gaussian mixtures, image sets and image-to-image sets (torch-free)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal, get_args

from genlib.config.catalogue import (
    FOLDER_IMAGE_SIZES,
    IMAGE_SIZES,
    MIXTURE_NAMES,
    NAMED_IMAGE_DATASETS,
    PAIRED_SOURCES,
    STACKED_CHANNELS,
    TRANSLATION_FOLDER_SIZES,
    TRANSLATION_SOURCES,
    DataKind,
)
from genlib.config.validation import SettingsError, bounded, check_bounds

MixtureName = Literal["ring8", "grid25"]
ImageSource = Literal["mnist", "fashion-mnist", "cifar10", "stacked-mnist", "image-folder"]

TranslationSource = Literal[
    "mnist-edges",
    "mnist-downscaled",
    "downscaled-folder",
    "paired-folder",
    "mnist-thick",
    "mnist-inverted",
    "unpaired-folder",
]

IMAGE_SOURCES: tuple[str, ...] = get_args(ImageSource)
assert get_args(MixtureName) == MIXTURE_NAMES, "MixtureName must list the catalogue's mixtures"
assert get_args(TranslationSource) == TRANSLATION_SOURCES, "TranslationSource must list the catalogue's sources"


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


@dataclass(frozen=True)
class TranslationDatasetSettings:
    """An image-to-image dataset (genlib.data.translation): domain A (inputs) and domain B (targets).

    Paired sets hold aligned (A, B) images, unpaired sets two image sets with no pairs. The MNIST
    tasks read the digits like `ImageDatasetSettings` (split, holdout, mirror) and keep each source
    digit's label for evaluation.
    """

    name: str  # the dataset's name in the config; also its folder under data/
    source: TranslationSource  # the task: mnist-edges (Sobel edges -> digit), mnist-downscaled (low-res -> digit),
    # downscaled-folder (low-res -> a folder's images), paired-folder (A|B side by side), mnist-thick and
    # mnist-inverted (digit <-> thickened / inverted digit, unpaired), unpaired-folder (trainA/, trainB/, ...)
    split: Literal["train", "test"] = "train"  # MNIST tasks: original split whose digits make the training set
    holdout: int = bounded(0, minimum=0)  # MNIST tasks: digits of `split` held out as the test set; 0: other split
    mirror: str | None = None  # MNIST tasks: folder already holding the raw MNIST files
    resources: str = "resources"  # MNIST tasks: downloads land in {resources}/mnist/
    download: bool = True  # MNIST tasks: download missing raw files; false: fail and say what to put where
    folder: str | None = None  # folder tasks: root holding train/ and test/ (paired) or trainA/ ... testB/ (unpaired)
    image_size: int | None = None  # folder tasks: square side of the B images after resizing
    direction: Literal["AtoB", "BtoA"] = "AtoB"  # paired-folder: AtoB takes the left half as the input
    upscale: int = bounded(4, minimum=2)  # downscaled tasks: B's side over A's (4: 7 x 7 -> 28 x 28)
    max_train: int | None = bounded(None, minimum=1)  # keep at most this many training pairs (or images per domain)
    seed: int = bounded(0, minimum=0)  # seed of the holdout, the subset and the split of unpaired domains

    @property
    def kind(self) -> DataKind:
        """ "paired" or "unpaired": decided by the source."""
        return "paired" if self.source in PAIRED_SOURCES else "unpaired"

    @property
    def target_size(self) -> int:
        """Side of the B images in pixels."""
        return self.image_size if self.source.endswith("-folder") else 28

    def __post_init__(self) -> None:
        where = f"data.{self.name}"
        if self.source.endswith("-folder"):
            if not self.folder:
                raise SettingsError(f"{where}: source {self.source} needs folder: <path>")
            if self.image_size not in TRANSLATION_FOLDER_SIZES:
                raise SettingsError(
                    f"{where}.image_size of source {self.source} must be one of "
                    f"{', '.join(map(str, TRANSLATION_FOLDER_SIZES))}, got {self.image_size!r}"
                )
        else:
            for key in ("folder", "image_size"):
                if getattr(self, key) is not None:
                    raise SettingsError(f"{where}.{key} applies to the folder sources only; remove it")
        if self.source in ("mnist-downscaled", "downscaled-folder") and self.target_size % self.upscale:
            sides = [f for f in range(2, self.target_size) if self.target_size % f == 0]
            raise SettingsError(
                f"{where}.upscale {self.upscale} does not divide the {self.target_size}-pixel images; "
                f"allowed values: {', '.join(map(str, sides))}"
            )
        check_bounds(self)


MIXTURE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(MixtureSettings))
IMAGE_DATASET_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ImageDatasetSettings))
TRANSLATION_DATASET_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(TranslationDatasetSettings))
