"""Settings of datasets, runs and evaluation: one torch-free module each, gathered here.

Every field carries a comment; a bad value fails at once with an error that names the key and the
allowed values (genlib.config.validation). A model family's settings live in its own module
(gan_settings, diffusion_settings, ...); adding a family means one such module and one line in
FAMILY_SETTINGS below.
"""

from __future__ import annotations

import dataclasses

from genlib.config.data_settings import (
    IMAGE_DATASET_FIELDS,
    IMAGE_SOURCES,
    MIXTURE_FIELDS,
    ImageDatasetSettings,
    ImageSource,
    MixtureName,
    MixtureSettings,
    TranslationDatasetSettings,
)
from genlib.config.diffusion_settings import DiffusionSettings
from genlib.config.evaluation_settings import EvaluationSettings, SweepPoint
from genlib.config.gan_settings import OBJECTIVE_NAMES, Conditioning, GANSettings, Network, Objective, Optimizer
from genlib.config.progressive_settings import ProgressiveSettings
from genlib.config.translation_settings import TranslationSettings
from genlib.config.validation import Bounds, SettingsError, bounded, check_bounds, from_dict, to_dict

__all__ = [
    "FAMILY_SETTINGS",
    "IMAGE_DATASET_FIELDS",
    "IMAGE_SOURCES",
    "MIXTURE_FIELDS",
    "OBJECTIVE_NAMES",
    "Bounds",
    "Conditioning",
    "DiffusionSettings",
    "EvaluationSettings",
    "GANSettings",
    "ImageDatasetSettings",
    "ImageSource",
    "MixtureName",
    "MixtureSettings",
    "Network",
    "Objective",
    "Optimizer",
    "ProgressiveSettings",
    "SettingsError",
    "SweepPoint",
    "TranslationDatasetSettings",
    "TranslationSettings",
    "bounded",
    "check_bounds",
    "family_fields",
    "from_dict",
    "to_dict",
    "tunable_run_fields",
]


# The settings class of each model family, by the `family` key of a model variant. A family's
# behaviour (train, load, sample) is in genlib.families, whose registry uses the same names.
FAMILY_SETTINGS: dict[str, type] = {
    "gan": GANSettings,
    "diffusion": DiffusionSettings,
    "translation": TranslationSettings,
    "progressive": ProgressiveSettings,
}


def family_fields(family: str) -> tuple[str, ...]:
    """The settings keys of a model family."""
    return tuple(f.name for f in dataclasses.fields(FAMILY_SETTINGS[family]))


def tunable_run_fields() -> tuple[str, ...]:
    """Fields a config may set per model or for all models (the run's identity comes from the matrix)."""
    names = (name for family in FAMILY_SETTINGS for name in family_fields(family))
    return tuple(dict.fromkeys(n for n in names if n not in ("dataset", "model", "seed", "family")))
