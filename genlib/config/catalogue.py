"""What the pipeline knows of datasets before reading any file: their kind, shape and classes.

Dataset facts are read by the config validation, the data readers and the networks alike, so that a
shape or class count is written down once. Named model variants live with their family
(`PRESETS` in genlib/families/<name>/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

# points: 2-D mixtures; images: one image set; paired / unpaired: two image domains, A (inputs) and B (targets),
# with aligned pairs or without (image-to-image translation)
DataKind = Literal["points", "images", "paired", "unpaired"]

MIXTURE_NAMES: tuple[str, ...] = ("ring8", "grid25")  # the 2-D Gaussian mixtures of genlib.data.mixtures
# Image datasets known by name; any other name is an image folder (`source: image-folder`, `folder: ...`).
NAMED_IMAGE_DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "cifar10", "stacked-mnist")
# Stacked MNIST (Metz et al. 2017; Srivastava et al. 2017; PacGAN, Lin et al. 2018, Sec. 5.2): three MNIST
# digits in the three channels, one class per digit triple.
STACKED_CHANNELS = 3
DIGIT_CLASSES = 10
NATIVE_SHAPES: dict[str, tuple[int, int, int]] = {
    "mnist": (1, 28, 28),
    "stacked-mnist": (STACKED_CHANNELS, 28, 28),
    "fashion-mnist": (1, 28, 28),
    "cifar10": (3, 32, 32),
}
CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": tuple("0123456789"),
    "fashion-mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    # class 100 r + 10 g + b is the triple (r, g, b) of the digits in the red, green and blue channels
    "stacked-mnist": tuple(f"{i:0{STACKED_CHANNELS}d}" for i in range(DIGIT_CLASSES**STACKED_CHANNELS)),
}
IMAGE_SIZES: tuple[int, ...] = (28, 32, 64, 128, 256)  # square sizes an image dataset may be resized to
DCGAN_SIZES: tuple[int, ...] = (28, 32, 64)  # square sizes the DCGAN and MLP image networks are built for
FOLDER_IMAGE_SIZES: tuple[int, ...] = (32, 64, 128, 256)  # sizes an image folder may be resized to
# Image-to-image sets (genlib.data.translation), by source; the paired ones hold aligned (A, B) images.
TRANSLATION_SOURCES: tuple[str, ...] = (
    "mnist-edges",
    "mnist-downscaled",
    "downscaled-folder",
    "paired-folder",
    "mnist-thick",
    "mnist-inverted",
    "unpaired-folder",
)
PAIRED_SOURCES: tuple[str, ...] = TRANSLATION_SOURCES[:4]
TRANSLATION_FOLDER_SIZES: tuple[int, ...] = (32, 64, 128, 256)  # sizes a translation folder may be resized to
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp")  # files an image folder is read from
POINT_SHAPE: tuple[int] = (2,)  # one sample of a 2-D mixture

# torch-fidelity's InceptionV3 weights (the TF Inception of published FIDs, ported), as torch hub names it.
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"


@dataclass(frozen=True)
class DataSpec:
    """What a family and its networks need to know of a dataset: its kind, one sample's shape, its classes."""

    kind: DataKind  # "points" (2-D mixtures), "images", or "paired" / "unpaired" image domains A -> B
    shape: tuple[int, ...]  # (2,) for points, (C, H, W) for images and for the B (target) images of a translation
    num_classes: int = 0  # 0: no labels
    input_shape: tuple[int, ...] | None = None  # paired / unpaired: (C, h, w) of the A (input) images

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as checkpoints store it."""
        values = {"kind": self.kind, "shape": list(self.shape), "num_classes": self.num_classes}
        if self.input_shape is not None:
            values["input_shape"] = list(self.input_shape)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DataSpec:
        """The spec a checkpoint or meta.json stored."""
        input_shape = values.get("input_shape")
        return cls(
            kind=values["kind"],
            shape=tuple(values["shape"]),
            num_classes=int(values["num_classes"]),
            input_shape=None if input_shape is None else tuple(input_shape),
        )


class ImageDatasetFacts(Protocol):
    """What the facts below read of an image dataset's settings (genlib.config.settings.ImageDatasetSettings)."""

    source: str | None
    image_size: int | None


def data_kind(dataset: str) -> DataKind:
    """The kind of data a dataset name holds: the 2-D mixtures hold points, every other dataset images."""
    return "points" if dataset in MIXTURE_NAMES else "images"


def prepared_shape(settings: ImageDatasetFacts) -> tuple[int, int, int]:
    """(C, H, W) of the images `prepare_images` writes for these settings, known before any file is read."""
    if settings.source == "image-folder":
        return (3, settings.image_size, settings.image_size)
    channels, height, width = NATIVE_SHAPES[settings.source]
    size = settings.image_size
    return (channels, height, width) if size is None else (channels, size, size)


def class_count(settings: ImageDatasetFacts) -> int:
    """Number of classes of the dataset (0 for an unlabelled image folder)."""
    return 0 if settings.source == "image-folder" else len(CLASS_NAMES[settings.source])


class TranslationDatasetFacts(Protocol):
    """What the facts below read of an image-to-image dataset's settings (TranslationDatasetSettings)."""

    source: str
    kind: DataKind
    target_size: int
    upscale: int


def translation_spec(settings: TranslationDatasetFacts) -> DataSpec:
    """The spec of the domains `prepare_translation` writes: B's shape, A's as input_shape, the digit classes."""
    channels = 3 if settings.source.endswith("-folder") else 1
    side = settings.target_size
    input_side = side // settings.upscale if "downscaled" in settings.source else side
    classes = 0 if settings.source.endswith("-folder") else len(CLASS_NAMES["mnist"])
    return DataSpec(settings.kind, (channels, side, side), classes, (channels, input_side, input_side))


def point_spec() -> DataSpec:
    """The spec of every 2-D mixture."""
    return DataSpec("points", POINT_SHAPE, 0)


def image_spec(settings: ImageDatasetFacts) -> DataSpec:
    """The spec of the images `prepare_images` writes for these settings."""
    return DataSpec("images", prepared_shape(settings), class_count(settings))
