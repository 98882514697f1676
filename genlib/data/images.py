"""Image datasets: raw files verified against their published MD5s, prepared once into uint8 arrays.

MNIST (LeCun et al. 1998, "Gradient-based learning applied to document recognition") and
Fashion-MNIST (Xiao et al. 2017, arXiv:1708.07747) come as IDX files, CIFAR-10 (Krizhevsky 2009,
"Learning multiple layers of features from tiny images") as one tar archive of pickled batches; an
image folder is any tree of .png/.jpg/.jpeg/.webp files. The published MD5s and URLs below are the
ones torchvision's MNIST, FashionMNIST and CIFAR10 loaders check.

`prepare_images` writes train.npz and test.npz (`images` uint8 (N, C, H, W), `labels` int64 (N,))
and last meta.json. The test split is the reference set: the other original split, or `holdout`
images held out from the training split.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genlib.config import paths
from genlib.config.catalogue import CLASS_NAMES, IMAGE_SUFFIXES
from genlib.config.data_settings import ImageDatasetSettings
from genlib.config.validation import SettingsError, to_dict
from genlib.data.integrity import check_split, split_hashes
from genlib.io.atomic import atomic_path, read_json, write_json
from genlib.io.corrupt import prepared_remedy, reading


class ChecksumError(ValueError):
    """A raw file's MD5 differs from the published one."""


@dataclass(frozen=True)
class Source:
    """Raw files of one named dataset and where they are published."""

    label: str  # name in messages
    base_url: str  # a file's URL is base_url + its name
    files: dict[str, dict[str, str]]  # original split -> {file name: published MD5}


_CIFAR_MD5 = {"cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a"}
SOURCES: dict[str, Source] = {
    "mnist": Source(
        "MNIST",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        {
            "train": {
                "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            },
            "test": {
                "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
            },
        },
    ),
    "fashion-mnist": Source(
        "Fashion-MNIST",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        {
            "train": {
                "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            },
            "test": {
                "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
                "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
            },
        },
    ),
    # One archive holds both splits, so either split needs the whole archive.
    "cifar10": Source(
        "CIFAR-10",
        "https://www.cs.toronto.edu/~kriz/",
        {"train": _CIFAR_MD5, "test": _CIFAR_MD5},
    ),
}


_OTHER = {"train": "test", "test": "train"}


def md5sum(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex MD5 of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def raw_files(settings: ImageDatasetSettings, splits: list[str]) -> dict[str, Path]:
    """Verified paths of the raw files of `splits`, downloading missing ones if allowed."""
    source = SOURCES[settings.source]
    wanted = {name: md5 for split in splits for name, md5 in source.files[split].items()}
    folder = Path(settings.mirror) if settings.mirror else Path(settings.resources) / settings.source
    missing = [name for name in wanted if not (folder / name).is_file()]
    why = "download is off"
    if settings.mirror:
        # A mirror is someone else's read-only copy: it is never written, so never downloaded into.
        why = (
            f"files in a mirror are never downloaded; unset mirror and set download: true to download "
            f"them into {Path(settings.resources) / settings.source}"
        )
    elif missing and settings.download:
        failures = _download(source, folder, {name: wanted[name] for name in missing})
        missing = [name for name in wanted if not (folder / name).is_file()]
        why = f"download failed: {'; '.join(failures)}"
    if missing:
        raise FileNotFoundError(
            f"{source.label} files missing from {folder}: {', '.join(missing)}. Put them there, or set "
            f"data.{settings.name}.mirror to a folder that holds them ({why})"
        )
    for name, expected in wanted.items():
        actual = md5sum(folder / name)
        if actual != expected:
            raise ChecksumError(
                f"{folder / name}: MD5 {actual} differs from the published {expected}; the file is corrupt or "
                f"incomplete: delete it or replace it with a good copy"
            )
    return {name: folder / name for name in wanted}


def _download(source: Source, folder: Path, files: dict[str, str]) -> list[str]:
    """Download `files` into `folder`; return one message per file that failed."""
    from torchvision.datasets.utils import download_url  # imported here: reading prepared data needs no torchvision

    failures = []
    folder.mkdir(parents=True, exist_ok=True)
    for name, md5 in files.items():
        # Download into a temporary folder and rename, so an interrupted download leaves no partial file.
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download.") as tmp:
            try:
                download_url(source.base_url + name, tmp, filename=name, md5=md5)
                os.replace(Path(tmp) / name, folder / name)
            except Exception as error:  # noqa: BLE001 - any failure is reported with the file's name
                failures.append(f"{source.base_url + name}: {error}")
    return failures


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """Array stored in a gzipped IDX file (big-endian header: magic, then one int32 per dimension)."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    header = np.frombuffer(data, dtype=">i4", count=1)
    if int(header[0]) != magic:
        raise ValueError(f"{path} is not an IDX file of magic {magic}; delete it or replace it with a good copy")
    dims = np.frombuffer(data, dtype=">i4", count=magic & 0xFF, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(tuple(int(d) for d in dims))


def _read_split(settings: ImageDatasetSettings, split: str, paths: dict[str, Path]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, C, H, W) uint8 and labels (N,) int64 of one original split of a named dataset."""
    if settings.source == "cifar10":
        members = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        images, labels = [], []
        # The members are Python pickles, and unpickling can run code: they are read only because the
        # archive's MD5 was verified against the published one in raw_files.
        with tarfile.open(paths["cifar-10-python.tar.gz"], "r:gz") as archive:
            for member in members:
                batch = pickle.load(archive.extractfile(f"cifar-10-batches-py/{member}"), encoding="bytes")
                images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
                labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
        return np.concatenate(images), np.concatenate(labels)
    stem = "train" if split == "train" else "t10k"
    images = _read_idx(paths[f"{stem}-images-idx3-ubyte.gz"], 0x0803)
    labels = _read_idx(paths[f"{stem}-labels-idx1-ubyte.gz"], 0x0801)
    return images[:, None, :, :].copy(), labels.astype(np.int64)


def _read_folder(settings: ImageDatasetSettings) -> np.ndarray:
    """Every image under settings.folder, centre-cropped square and resized: (N, 3, S, S) uint8."""
    root = Path(settings.folder)
    if not root.is_dir():
        raise FileNotFoundError(
            f"image folder {root} does not exist; set data.{settings.name}.folder to a folder of images"
        )
    return read_image_files(image_files(root), settings.image_size)


def image_files(root: Path) -> list[Path]:
    """The image files under `root` (searched recursively), sorted by relative path; an error when there are none."""
    # Sorted relative paths make the order, and so a seeded split, independent of the file system.
    found = sorted(
        (p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    if not found:
        raise FileNotFoundError(f"no {'/'.join(IMAGE_SUFFIXES)} files under {root}; put the images there")
    return found


def open_rgb(path: Path):
    """The image file at `path` as an RGB Pillow image; an error naming the file when it cannot be read."""
    from PIL import Image  # imported here: only image folders need it

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except OSError as error:
        raise ValueError(f"cannot read image {path}: {error}; delete or replace it") from error


def square_resized(image, size: int) -> np.ndarray:
    """A Pillow image centre-cropped square and resized to size x size: uint8 (3, size, size)."""
    from PIL import Image

    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    # Pillow's bilinear filter widens its support when shrinking, i.e. it antialiases.
    image = image.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.uint8).transpose(2, 0, 1)


def read_image_files(files: list[Path], size: int) -> np.ndarray:
    """Image files centre-cropped square and resized: (N, 3, size, size) uint8."""
    out = np.empty((len(files), 3, size, size), dtype=np.uint8)
    for i, path in enumerate(files):
        out[i] = square_resized(open_rgb(path), size)
    return out


def resize(images: np.ndarray, size: int, batch: int = 4096) -> np.ndarray:
    """Resize uint8 (N, C, H, W) images to (N, C, size, size): antialiased bilinear, rounded back to uint8."""
    import torch  # imported here: reading prepared data needs no torch

    out = np.empty(images.shape[:2] + (size, size), dtype=np.uint8)
    for start in range(0, len(images), batch):  # in batches: float copies of a whole dataset can be large
        chunk = torch.from_numpy(images[start : start + batch]).float()
        chunk = torch.nn.functional.interpolate(
            chunk, size=(size, size), mode="bilinear", antialias=True, align_corners=False
        )
        out[start : start + batch] = chunk.round().clamp(0, 255).to(torch.uint8).numpy()
    return out


def _hold_out(
    count: int, settings: ImageDatasetSettings, what: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices (kept, held out) of a seeded holdout of `settings.holdout` out of `count` images."""
    if settings.holdout >= count:
        raise SettingsError(
            f"holdout {settings.holdout} must be smaller than the {count:,} images of {what}; lower data.{settings.name}.holdout"
        )
    order = rng.permutation(count)
    return np.sort(order[settings.holdout :]), np.sort(order[: settings.holdout])


Split = tuple[np.ndarray, np.ndarray]  # images (N, C, H, W) uint8, labels (N,) int64


def read_digit_splits(
    settings: ImageDatasetSettings, rng: np.random.Generator | None = None
) -> tuple[tuple[Split, Split], str, list[str]]:
    """The training and reference images of a named dataset, as `split` and `holdout` choose them from its
    verified raw files; with a description of the reference set and the original splits read."""
    rng = rng or np.random.default_rng(settings.seed)
    source = SOURCES[settings.source]
    split, other = settings.split, _OTHER[settings.split]
    needed = [split] if settings.holdout else [split, other]
    used = raw_files(settings, needed)
    train = _read_split(settings, split, used)
    if settings.holdout:
        keep, held = _hold_out(len(train[0]), settings, f"the {source.label} {split} split", rng)
        train, test = (train[0][keep], train[1][keep]), (train[0][held], train[1][held])
        reference = f"{source.label} {split} split, {settings.holdout:,} images held out from it (seed {settings.seed})"
    else:
        test = _read_split(settings, other, used)
        reference = f"{source.label} {other} split"
    return (train, test), reference, needed


def prepare_images(settings: ImageDatasetSettings, out_dir: str | Path) -> None:
    """Write train.npz, test.npz and last meta.json of one image dataset into `out_dir`, each atomically."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(settings.seed)
    # Everything is read and checked before anything is written, so a failure leaves out_dir untouched.
    if settings.source == "image-folder":
        if settings.holdout <= 0:
            raise SettingsError(
                f"an image folder is one set of images: set data.{settings.name}.holdout > 0 to hold out its reference set"
            )
        images = _read_folder(settings)
        labels = np.zeros(len(images), dtype=np.int64)
        keep, held = _hold_out(len(images), settings, f"folder {settings.folder}", rng)
        train, test = (images[keep], labels[keep]), (images[held], labels[held])
        class_names: list[str] = []
        reference = f"{settings.holdout:,} images held out from folder {settings.folder} (seed {settings.seed})"
        raw: dict[str, str] = {}
    else:
        (train, test), reference, needed = read_digit_splits(settings, rng)
        raw = {name: md5 for s in needed for name, md5 in SOURCES[settings.source].files[s].items()}
        class_names = list(CLASS_NAMES[settings.source])
    if settings.max_train is not None and settings.max_train < len(train[0]):
        subset = np.sort(rng.choice(len(train[0]), size=settings.max_train, replace=False))
        train = (train[0][subset], train[1][subset])
    if settings.image_size is not None and settings.image_size != train[0].shape[-1]:
        train = (resize(train[0], settings.image_size), train[1])
        test = (resize(test[0], settings.image_size), test[1])

    # A meta.json left from an earlier preparation must not vouch for the arrays written now.
    out = paths.dataset_at(out_dir)
    Path(out.meta).unlink(missing_ok=True)
    files = {}
    for name, (images, labels) in (("train", train), ("test", test)):
        path = out.split(name, "images")
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez(handle, images=np.ascontiguousarray(images), labels=labels.astype(np.int64))
        files[Path(path).name] = md5sum(path)
    meta = {
        "kind": "images",
        "settings": to_dict(settings),
        "image_shape": list(train[0].shape[1:]),
        "num_classes": len(class_names),
        "class_names": class_names,
        "splits": {"train": len(train[0]), "test": len(test[0])},
        "reference": reference,
        "files": files,
        "sha256": split_hashes([out.split("train", "images"), out.split("test", "images")]),
        "raw_files": raw,  # the raw files read, with their (verified) published MD5s
    }
    write_json(out.meta, meta)  # written last: its presence marks a finished dataset


def load_images(data_dir: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, C, H, W) uint8 and labels (N,) int64 of one prepared split."""
    path = paths.dataset_at(data_dir).split(split, "images")
    check_split(data_dir, path)
    with reading(path, "prepared image split", prepared_remedy(data_dir)), np.load(path, allow_pickle=False) as arrays:
        return arrays["images"], arrays["labels"]


def load_image_meta(data_dir: str | Path) -> dict:
    """The meta.json of a prepared image dataset."""
    return read_json(paths.dataset_at(data_dir).meta)


def digit_source_problem(settings: Any) -> str | None:
    """Why a dataset made from MNIST digits (stacked MNIST, the digit translation tasks) has no MNIST files, or None."""
    source = getattr(settings, "source", None) or ""
    if source != "stacked-mnist" and not source.startswith("mnist-"):
        return None
    what = "stacked MNIST" if source == "stacked-mnist" else f"the {source} task"
    where = f"data.{settings.name}"
    if settings.mirror:
        if not Path(settings.mirror).is_dir():
            return (
                f"{where}.mirror: {settings.mirror} is not a folder; {what} draws its digits from the MNIST "
                "files: point mirror at a folder holding them, or remove mirror and set download: true"
            )
        return None
    local = Path(settings.resources) / "mnist"
    if not settings.download and not local.is_dir():
        return (
            f"{where}: {what} needs an MNIST source, and there is none: {local} does not exist and download "
            f"is false; set {where}.mirror to a folder holding the MNIST files, or set {where}.download: true"
        )
    return None
