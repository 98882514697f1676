"""Experiments: a config's validation before any job starts and its run matrix (what the workflow expands).

Reading a config file is in genlib.config.loading (the report reads configs too); the checks are in
genlib.experiment.validation, the runs and their settings in genlib.experiment.matrix.
"""

from genlib.config.loading import ConfigError, config_hash, load_config
from genlib.experiment.matrix import (
    RunKey,
    arithmetic_runs,
    dataset_settings,
    dataset_spec,
    evaluation_settings,
    image_datasets,
    is_image_dataset,
    model_family,
    model_names,
    model_variants,
    run_matrix,
    run_settings,
    sampler_sweep,
    seed_batching,
    sweep_runs,
    training_inputs,
)
from genlib.experiment.validation import validate_config

__all__ = [
    "ConfigError",
    "RunKey",
    "arithmetic_runs",
    "config_hash",
    "dataset_settings",
    "dataset_spec",
    "evaluation_settings",
    "image_datasets",
    "is_image_dataset",
    "load_config",
    "model_family",
    "model_names",
    "model_variants",
    "run_matrix",
    "run_settings",
    "sampler_sweep",
    "seed_batching",
    "sweep_runs",
    "training_inputs",
    "validate_config",
]
