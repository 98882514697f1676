"""Image-to-image datasets: domain A (inputs) and domain B (targets), paired or unpaired, prepared once.

The MNIST tasks stand in, offline, for the published ones; each keeps the source digit's label so
that a digit classifier can score translations (the FCN-score analogue of Isola et al. 2017, Sec. 4.2):
- mnist-edges (paired, as edges2shoes in pix2pix, Isola et al. 2017): A is the digit's Sobel edge map
  (gradient magnitude of 3 x 3 Sobel kernels, binarised at a quarter of the image's largest
  magnitude; pix2pix used HED edges), B the digit.
- mnist-downscaled (paired, super-resolution as in SRGAN, Ledig et al. 2017): A is the digit shrunk
  by `upscale` with an antialiased bicubic kernel (MATLAB's imresize, which the SRGAN authors used),
  B the 28 x 28 digit.
- mnist-thick and mnist-inverted (unpaired, as CycleGAN's horse <-> zebra, Zhu et al. 2017): A holds
  digits, B thickened digits (3 x 3 grey dilation) or inverted digits (255 - x); the two domains are
  drawn from disjoint halves of the digits, so no image of B is the translation of one of A.
Folder tasks read the published sets unchanged: paired-folder the pix2pix layout ({train,test}/ of
A|B images side by side), unpaired-folder CycleGAN's (trainA/, trainB/, testA/, testB/), and
downscaled-folder a folder of high-resolution images ({train,test}/) shrunk as above.

`prepare_translation` writes train.npz and test.npz (`a` uint8 (N, C, h, w), `b` uint8 (M, C, H, W),
`labels_a` (N,), `labels_b` (M,), -1 where unlabelled; N = M and aligned for paired sets) and last
meta.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genlib.config import paths
from genlib.config.catalogue import CLASS_NAMES, IMAGE_SUFFIXES
from genlib.config.data_settings import ImageDatasetSettings, TranslationDatasetSettings
from genlib.config.validation import SettingsError, to_dict
from genlib.data.images import (
    SOURCES,
    image_files,
    md5sum,
    open_rgb,
    read_digit_splits,
    read_image_files,
    square_resized,
)
from genlib.data.integrity import check_split, split_hashes
from genlib.io.atomic import atomic_path, read_json, write_json
from genlib.io.corrupt import prepared_remedy, reading

EDGE_THRESHOLD = 0.25  # mnist-edges: an edge where the Sobel magnitude reaches this share of the image's largest
UNLABELLED = -1


@dataclass(frozen=True)
class TranslationSplit:
    """One split of an image-to-image dataset: domain A (inputs), domain B (targets) and their digit labels."""

    a: np.ndarray  # (N, C, h, w) uint8
    b: np.ndarray  # (M, C, H, W) uint8; paired: M = N, b[i] the target of a[i]
    labels_a: np.ndarray  # (N,) int64, -1: unlabelled
    labels_b: np.ndarray  # (M,) int64


# --- the MNIST tasks -----------------------------------------------------------------------------


def sobel_edges(images: np.ndarray, threshold: float = EDGE_THRESHOLD) -> np.ndarray:
    """Binary edge maps (N, C, H, W) uint8 (0 or 255) of uint8 images: Sobel magnitude >= threshold x its image's max."""
    x = np.pad(images.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = images.shape[-2:]

    def at(dy: int, dx: int) -> np.ndarray:  # the image shifted by (dy, dx), dy and dx in {-1, 0, 1}
        return x[..., 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]

    gx = (at(-1, 1) + 2 * at(0, 1) + at(1, 1)) - (at(-1, -1) + 2 * at(0, -1) + at(1, -1))
    gy = (at(1, -1) + 2 * at(1, 0) + at(1, 1)) - (at(-1, -1) + 2 * at(-1, 0) + at(-1, 1))
    magnitude = np.hypot(gx, gy)
    largest = magnitude.max(axis=(1, 2, 3), keepdims=True)
    edges = (magnitude >= threshold * largest) & (largest > 0)
    return (edges * 255).astype(np.uint8)


def thicken(images: np.ndarray) -> np.ndarray:
    """Grey dilation by a 3 x 3 square (each pixel the largest of its neighbourhood): strokes about 2 px wider."""
    x = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    h, w = images.shape[-2:]
    return np.max([x[..., dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)], axis=0)


def invert(images: np.ndarray) -> np.ndarray:
    """255 - x: white digits on black become black digits on white."""
    return 255 - images


def downscale(images: np.ndarray, factor: int) -> np.ndarray:
    """uint8 (N, C, H, W) shrunk by `factor` with an antialiased bicubic kernel (as MATLAB's imresize), rounded."""
    import torch  # imported here: reading prepared data needs no torch

    n, c, h, w = images.shape
    if h % factor or w % factor:
        raise SettingsError(f"upscale {factor} does not divide the {h} x {w} images; pick a divisor of the side")
    small = torch.nn.functional.interpolate(
        torch.from_numpy(images).double(), size=(h // factor, w // factor), mode="bicubic", antialias=True
    )
    return small.round().clamp(0, 255).to(torch.uint8).numpy()


def bicubic_upscale(images: np.ndarray, factor: int) -> np.ndarray:
    """uint8 (N, C, h, w) enlarged by `factor` with the bicubic kernel: the super-resolution baseline."""
    import torch

    big = torch.nn.functional.interpolate(torch.from_numpy(images).double(), scale_factor=factor, mode="bicubic")
    return big.round().clamp(0, 255).to(torch.uint8).numpy()


_PAIRED_DIGIT_TASKS = {
    "mnist-edges": lambda d, s: sobel_edges(d),
    "mnist-downscaled": lambda d, s: downscale(d, s.upscale),
}
_UNPAIRED_DIGIT_TASKS = {"mnist-thick": thicken, "mnist-inverted": invert}
DESCRIPTIONS = {
    "mnist-edges": f"A: Sobel edges of the digit (binarised at {EDGE_THRESHOLD:g} of the largest magnitude); B: the digit",
    "mnist-downscaled": "A: the digit shrunk {u}x (antialiased bicubic); B: the 28 x 28 digit",
    "downscaled-folder": "A: the image shrunk {u}x (antialiased bicubic); B: the image",
    "paired-folder": "A|B images side by side ({d})",
    "mnist-thick": "A: digits; B: other digits thickened by a 3 x 3 grey dilation (disjoint halves, unpaired)",
    "mnist-inverted": "A: digits; B: other digits inverted, 255 - x (disjoint halves, unpaired)",
    "unpaired-folder": "A: trainA/ and testA/; B: trainB/ and testB/ (unpaired)",
}


def _digit_task(settings: TranslationDatasetSettings, rng: np.random.Generator) -> tuple[dict, str, list[str]]:
    """Train and test splits of an MNIST task, the description of the test set, and the raw splits read."""
    digits_settings = ImageDatasetSettings(
        name=settings.name,
        source="mnist",
        split=settings.split,
        holdout=settings.holdout,
        mirror=settings.mirror,
        resources=settings.resources,
        download=settings.download,
        seed=settings.seed,
    )
    (train, test), reference, needed = read_digit_splits(digits_settings, rng)
    if settings.max_train is not None and settings.max_train < len(train[0]):
        subset = np.sort(rng.choice(len(train[0]), size=settings.max_train, replace=False))
        train = (train[0][subset], train[1][subset])
    splits = {}
    for name, (digits, labels) in (("train", train), ("test", test)):
        if settings.source in _PAIRED_DIGIT_TASKS:
            splits[name] = TranslationSplit(
                _PAIRED_DIGIT_TASKS[settings.source](digits, settings), digits, labels, labels
            )
        else:  # two disjoint halves: A keeps its digits, B's are transformed
            order = rng.permutation(len(digits))
            half_a, half_b = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])
            transform = _UNPAIRED_DIGIT_TASKS[settings.source]
            splits[name] = TranslationSplit(digits[half_a], transform(digits[half_b]), labels[half_a], labels[half_b])
    return splits, reference, needed


# --- the folder tasks ----------------------------------------------------------------------------


def _folder(settings: TranslationDatasetSettings, *parts: str) -> Path:
    path = Path(settings.folder, *parts)
    if not path.is_dir():
        layout = {
            "paired-folder": "train/ and test/ of A|B images side by side",
            "downscaled-folder": "train/ and test/ of images",
            "unpaired-folder": "trainA/, trainB/, testA/ and testB/",
        }[settings.source]
        raise FileNotFoundError(
            f"data.{settings.name}: folder {path} does not exist; source {settings.source} reads {settings.folder} "
            f"laid out as {layout}"
        )
    return path


def read_side_by_side(files: list[Path], size: int, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """A|B images (pix2pix's aligned layout) -> A and B (N, 3, size, size) uint8; BtoA swaps the halves."""
    a = np.empty((len(files), 3, size, size), dtype=np.uint8)
    b = np.empty_like(a)
    for i, path in enumerate(files):
        image = open_rgb(path)
        width, height = image.size
        if width % 2:
            raise ValueError(
                f"paired image {path} is {width} px wide: its A|B halves differ in size; a paired image is the A "
                "and B images of equal size side by side (fix or delete the file)"
            )
        half = width // 2
        left = square_resized(image.crop((0, 0, half, height)), size)
        right = square_resized(image.crop((half, 0, width, height)), size)
        a[i], b[i] = (left, right) if direction == "AtoB" else (right, left)
    return a, b


def _folder_task(settings: TranslationDatasetSettings) -> tuple[dict, str]:
    """Train and test splits of a folder task and the description of the test set."""
    size, splits = settings.image_size, {}
    for name in ("train", "test"):
        if settings.source == "unpaired-folder":
            a = read_image_files(_domain_files(settings, f"{name}A"), size)
            b = read_image_files(_domain_files(settings, f"{name}B"), size)
        elif settings.source == "paired-folder":
            a, b = read_side_by_side(image_files(_folder(settings, name)), size, settings.direction)
        else:  # downscaled-folder
            b = read_image_files(image_files(_folder(settings, name)), size)
            a = downscale(b, settings.upscale)
        splits[name] = TranslationSplit(
            a, b, np.full(len(a), UNLABELLED, dtype=np.int64), np.full(len(b), UNLABELLED, dtype=np.int64)
        )
    train = splits["train"]
    if settings.max_train is not None:
        rng = np.random.default_rng(settings.seed)
        keep_a = np.sort(rng.permutation(len(train.a))[: settings.max_train])
        keep_b = keep_a if settings.kind == "paired" else np.sort(rng.permutation(len(train.b))[: settings.max_train])
        splits["train"] = TranslationSplit(
            train.a[keep_a], train.b[keep_b], train.labels_a[keep_a], train.labels_b[keep_b]
        )
    return splits, f"the test images of folder {settings.folder}"


def _domain_files(settings: TranslationDatasetSettings, domain: str) -> list[Path]:
    folder = _folder(settings, domain)
    try:
        return image_files(folder)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"data.{settings.name}: the unpaired domain {folder} holds no images; put that domain's images there"
        ) from None


# --- preparation and reading ---------------------------------------------------------------------


def prepare_translation(settings: TranslationDatasetSettings, out_dir: str | Path) -> None:
    """Write train.npz, test.npz and last meta.json of an image-to-image dataset into `out_dir`, each atomically."""
    rng = np.random.default_rng(settings.seed)
    # Everything is read and checked before anything is written, so a failure leaves out_dir untouched.
    if settings.source.startswith("mnist-"):
        splits, reference, needed = _digit_task(settings, rng)
        raw = {name: md5 for s in needed for name, md5 in SOURCES["mnist"].files[s].items()}
        class_names = list(CLASS_NAMES["mnist"])
    else:
        splits, reference = _folder_task(settings)
        raw, class_names = {}, []

    out = paths.dataset_at(out_dir)
    Path(out.meta).unlink(missing_ok=True)  # an old meta.json must not vouch for the arrays written now
    files = {}
    for name, split in splits.items():
        path = out.split(name, "images")
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, a=split.a, b=split.b, labels_a=split.labels_a, labels_b=split.labels_b)
        files[Path(path).name] = md5sum(path)
    train = splits["train"]
    meta = {
        "kind": settings.kind,
        "settings": to_dict(settings),
        "task": DESCRIPTIONS[settings.source].format(u=settings.upscale, d=settings.direction),
        "input_shape": list(train.a.shape[1:]),
        "image_shape": list(train.b.shape[1:]),
        "num_classes": len(class_names),
        "class_names": class_names,
        "splits": {name: {"a": len(split.a), "b": len(split.b)} for name, split in splits.items()},
        "reference": reference,
        "files": files,
        "sha256": split_hashes([out.split("train", "images"), out.split("test", "images")]),
        "raw_files": raw,
    }
    write_json(out.meta, meta)  # written last: its presence marks a finished dataset


def load_translation(data_dir: str | Path, split: str) -> TranslationSplit:
    """Both domains of one prepared split of an image-to-image dataset."""
    path = paths.dataset_at(data_dir).split(split, "images")
    check_split(data_dir, path)
    with reading(path, "prepared image split", prepared_remedy(data_dir)), np.load(path, allow_pickle=False) as arrays:
        if "a" not in arrays.files:
            raise ValueError(f"{path} holds one image set, not the A and B domains of an image-to-image dataset")
        return TranslationSplit(arrays["a"], arrays["b"], arrays["labels_a"], arrays["labels_b"])


def load_translation_meta(data_dir: str | Path) -> dict:
    """The meta.json of a prepared image-to-image dataset."""
    return read_json(paths.dataset_at(data_dir).meta)


def load_target_images(data_dir: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The images a dataset's samples are scored against, with their labels: an image set's own images, or
    the target domain B of an image-to-image set (the classifier learns it and FID compares with it)."""
    from genlib.data.images import load_images

    if read_json(paths.dataset_at(data_dir).meta).get("kind") in ("paired", "unpaired"):
        split_data = load_translation(data_dir, split)
        return split_data.b, split_data.labels_b
    return load_images(data_dir, split)


FOLDER_LAYOUTS = {
    "paired-folder": ("train", "test"),
    "downscaled-folder": ("train", "test"),
    "unpaired-folder": ("trainA", "trainB", "testA", "testB"),
}


def folder_layout_problem(settings: Any) -> str | None:
    """Why an image-to-image folder cannot be read: a missing or empty part, or a paired image whose halves differ.

    Image headers only are read (no pixels), so this runs before any job even for thousands of files.
    """
    if not isinstance(settings, TranslationDatasetSettings) or settings.source not in FOLDER_LAYOUTS:
        return None
    where, root = f"data.{settings.name}", Path(settings.folder)
    for part in FOLDER_LAYOUTS[settings.source]:
        folder = root / part
        files = sorted(f for f in folder.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES) if folder.is_dir() else []
        if not files:
            what = "unpaired domain" if settings.source == "unpaired-folder" else "split"
            return (
                f"{where}.folder: the {what} {folder} holds no images; source {settings.source} reads "
                f"{', '.join(f'{root}/{p}/' for p in FOLDER_LAYOUTS[settings.source])}: put the images there"
            )
        if settings.source == "paired-folder":
            from PIL import Image

            for file in files:
                with Image.open(file) as image:  # the header only
                    if image.size[0] % 2:
                        return (
                            f"{where}: paired image {file} is {image.size[0]} px wide: its A|B halves differ in size; "
                            "a paired image is the A and B images of equal size side by side (fix or delete it)"
                        )
    return None
