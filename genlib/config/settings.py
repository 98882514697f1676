"""Settings of datasets and evaluation, and the validation helpers every settings class uses, gathered here.

Every field carries a comment; a bad value fails at once with an error that names the key and the
allowed values (genlib.config.validation). A model family's settings live in its own folder
(genlib/families/<name>/settings.py), found by genlib.families.discovery.
"""

from __future__ import annotations

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
from genlib.config.evaluation_settings import EvaluationSettings, SweepPoint
from genlib.config.validation import Bounds, SettingsError, bounded, check_bounds, from_dict, to_dict

__all__ = [
    "IMAGE_DATASET_FIELDS",
    "IMAGE_SOURCES",
    "MIXTURE_FIELDS",
    "Bounds",
    "EvaluationSettings",
    "ImageDatasetSettings",
    "ImageSource",
    "MixtureName",
    "MixtureSettings",
    "SettingsError",
    "SweepPoint",
    "TranslationDatasetSettings",
    "bounded",
    "check_bounds",
    "from_dict",
    "to_dict",
]
