"""Kinds of data, as objects: 2-D points, one set of images, and paired or unpaired image domains.

A run's data kind is decided once, from its settings, and written into its checkpoint and metrics
(as its `name`). Everything that differs between kinds is asked of the kind here: how a dataset of
that kind is prepared and read for training, whether its samples are images (scored with an image
backbone, drawn as pictures) and, for two domains, whether they are aligned pairs. No other module
compares a kind's name. Heavy readers are imported when called, so the config checks can ask a
kind without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genlib.config.catalogue import TRANSLATION_SOURCES, data_kind

if TYPE_CHECKING:
    from genlib.data.training_data import TrainingData


@dataclass(frozen=True)
class DataKind:
    """One kind of data and what the pipeline does with it."""

    name: str  # as written in settings, checkpoints, metrics and file names
    description: str  # for messages: "2-D points", "paired image domains (A -> B)"
    images: bool  # samples are uint8 images: image backbone, image metrics, sample pictures
    domains: int  # 1: one set to generate from noise; 2: an image-to-image task (A -> B)
    aligned: bool = False  # two domains: B[i] is the translation of A[i]

    def prepare(self, values: dict[str, Any], out_dir: str | Path, *, where: str) -> None:
        """Prepare a dataset of this kind from its settings (a dict, checked here) into `out_dir`."""
        from genlib.config.data_settings import ImageDatasetSettings, MixtureSettings, TranslationDatasetSettings
        from genlib.config.validation import from_dict

        if not self.images:
            from genlib.data.mixtures import prepare_mixture

            prepare_mixture(from_dict(MixtureSettings, values, where=where), out_dir)
        elif self.domains == 2:
            from genlib.data.translation import prepare_translation

            prepare_translation(from_dict(TranslationDatasetSettings, values, where=where), out_dir)
        else:
            from genlib.data.images import prepare_images
            from genlib.data.stacked import prepare_stacked_mnist

            settings = from_dict(ImageDatasetSettings, values, where=where)
            (prepare_stacked_mnist if settings.source == "stacked-mnist" else prepare_images)(settings, out_dir)

    def training_data(self, data_dir: str | Path, *, wanted_by: str) -> TrainingData:
        """The training split of a prepared dataset of this kind, checked against the file's recorded SHA-256.

        `wanted_by` names the model asking, for the error when the folder holds another kind of data.
        """
        import torch

        from genlib.config.catalogue import DataSpec, point_spec
        from genlib.data.integrity import recorded_split_sha256
        from genlib.data.training_data import TrainingData

        sha256 = recorded_split_sha256(data_dir, "train", self.name)  # checked against the file as it is read
        if not self.images:
            from genlib.data.mixtures import load_points

            return TrainingData(torch.from_numpy(load_points(data_dir, "train")), point_spec(), sha256=sha256)
        if self.domains == 2:
            from genlib.data.translation import load_translation, load_translation_meta

            split, meta = load_translation(data_dir, "train"), load_translation_meta(data_dir)
            if meta["kind"] != self.name:
                raise ValueError(
                    f"{data_dir} holds {kind_of(meta['kind']).description}, but {wanted_by} trains on "
                    f"{self.description}; prepare the dataset again or pick the method for that data"
                )
            spec = DataSpec(self.name, tuple(meta["image_shape"]), meta["num_classes"], tuple(meta["input_shape"]))
            return TrainingData(
                torch.from_numpy(split.a),
                spec,
                torch.from_numpy(split.labels_a),
                sha256=sha256,
                targets=torch.from_numpy(split.b),
                target_labels=torch.from_numpy(split.labels_b),
            )
        from genlib.data.images import load_image_meta, load_images

        images, labels = load_images(data_dir, "train")
        spec = DataSpec(self.name, tuple(images.shape[1:]), load_image_meta(data_dir)["num_classes"])
        return TrainingData(torch.from_numpy(images), spec, torch.from_numpy(labels), sha256=sha256)


POINTS = DataKind("points", "2-D points", images=False, domains=1)
IMAGES = DataKind("images", "one set of images", images=True, domains=1)
PAIRED = DataKind("paired", "paired image domains (A -> B)", images=True, domains=2, aligned=True)
UNPAIRED = DataKind("unpaired", "unpaired image domains (A <-> B)", images=True, domains=2)

KINDS: dict[str, DataKind] = {kind.name: kind for kind in (POINTS, IMAGES, PAIRED, UNPAIRED)}


def kind_of(name: str) -> DataKind:
    """The kind recorded under `name` (in settings, a checkpoint, a metrics file)."""
    if name not in KINDS:
        raise ValueError(f"unknown data kind {name!r}; allowed values: {', '.join(KINDS)}")
    return KINDS[name]


def kind_of_dataset(values: dict[str, Any]) -> DataKind:
    """The kind of a dataset from its settings: the 2-D mixtures hold points; an image-to-image source paired or
    unpaired domains (its settings' `kind`); every other source one set of images."""
    if data_kind(values.get("name", "")) == POINTS.name:
        return POINTS
    if values.get("source") in TRANSLATION_SOURCES:
        from genlib.config.catalogue import PAIRED_SOURCES

        return PAIRED if values["source"] in PAIRED_SOURCES else UNPAIRED
    return IMAGES


def prepare_dataset(values: dict[str, Any], out_dir: str | Path, *, where: str) -> None:
    """Prepare one dataset from its settings, as its kind does."""
    kind_of_dataset(values).prepare(values, out_dir, where=where)
