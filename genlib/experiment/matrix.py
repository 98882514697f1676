"""The run matrix of a config: its runs, each run's settings (the dataclass of its family), and what it reads.

A config names datasets, model variants and seeds (see config/config.yaml for every key). A model
variant is a preset of a family folder (`PRESETS`, genlib.families.discovery) or of the config's
`custom_models`; its family decides its settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genlib.config.catalogue import (
    MIXTURE_NAMES,
    NAMED_IMAGE_DATASETS,
    TRANSLATION_SOURCES,
    DataSpec,
    data_kind,
    image_spec,
    point_spec,
    translation_spec,
)
from genlib.config.settings import (
    EvaluationSettings,
    ImageDatasetSettings,
    MixtureSettings,
    SettingsError,
    SweepPoint,
    TranslationDatasetSettings,
    from_dict,
)
from genlib.data.kinds import kind_of
from genlib.families.discovery import FAMILY_SETTINGS, family_fields, family_presets


@dataclass(frozen=True)
class RunKey:
    """Coordinates of one run in the matrix."""

    dataset: str
    model: str
    seed: int


def model_names(config: dict[str, Any]) -> list[str]:
    """Every model name a config may use: the family folders' presets and its own custom models."""
    return sorted(set(model_variants(config)))


def run_matrix(config: dict[str, Any]) -> list[RunKey]:
    """All (dataset, model, seed) runs of a config, in config order."""
    return [
        RunKey(dataset, model, seed)
        for dataset in config["datasets"]
        for model in config["models"]
        for seed in config["seeds"]
    ]


def is_image_dataset(name: str) -> bool:
    """Whether a dataset name is an image dataset (every name but the 2-D mixtures)."""
    return kind_of(data_kind(name)).images


DatasetSettings = MixtureSettings | ImageDatasetSettings | TranslationDatasetSettings


def dataset_settings(config: dict[str, Any], name: str) -> DatasetSettings:
    """Settings of one dataset: the config's `data.<name>` section over the defaults."""
    values = {"name": name, **((config.get("data") or {}).get(name) or {})}
    if is_image_dataset(name) and name not in NAMED_IMAGE_DATASETS and "source" not in values:
        known = ", ".join(MIXTURE_NAMES + NAMED_IMAGE_DATASETS)
        raise SettingsError(
            f"datasets: unknown dataset {name!r}; allowed values: {known}, a folder of images "
            f"(set data.{name}.source: image-folder and data.{name}.folder: <path>), or an image-to-image set "
            f"(data.{name}.source: one of {', '.join(TRANSLATION_SOURCES)})"
        )
    if not is_image_dataset(name):
        cls = MixtureSettings
    else:
        cls = TranslationDatasetSettings if values.get("source") in TRANSLATION_SOURCES else ImageDatasetSettings
    return from_dict(cls, values, where=f"data.{name}")


def evaluation_settings(config: dict[str, Any]) -> EvaluationSettings:
    """How samples are scored: the config's `evaluation` section over the defaults."""
    return from_dict(EvaluationSettings, config.get("evaluation") or {}, where="evaluation")


def image_datasets(config: dict[str, Any]) -> list[str]:
    """The config's image datasets, in config order."""
    return [name for name in config["datasets"] if is_image_dataset(name)]


def model_variants(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every model variant a config may use, by name: the family folders' presets and the config's own."""
    return {**family_presets(), **(config.get("custom_models") or {})}


def model_family(config: dict[str, Any], model: str) -> str:
    """The family of a model variant of the config; a custom model without `family` is a GAN."""
    return model_variants(config)[model].get("family", "gan")


def run_settings(config: dict[str, Any], key: RunKey) -> Any:
    """Settings of one run (the dataclass of its family): catalogue variant < config `training` < `model_overrides`.

    `training` applies to every model for the keys its family has (a GAN's g_width means nothing to
    a diffusion model); the variant and `model_overrides` must use only keys of the model's family.
    """
    variant = model_variants(config)[key.model]
    family = model_family(config, key.model)
    cls, fields = FAMILY_SETTINGS[family], family_fields(family)
    values = {
        "family": family,
        **variant,
        **{k: v for k, v in (config.get("training") or {}).items() if k in fields},
        **((config.get("model_overrides") or {}).get(key.model) or {}),
        "dataset": key.dataset,
        "model": key.model,
        "seed": key.seed,
    }
    return from_dict(cls, values, where=f"model {key.model}")


def training_inputs(config: dict[str, Any], key: RunKey) -> dict[str, str]:
    """Files a run's training reads besides its data, by name, as its family's settings say (another run's
    checkpoint it starts from, the feature network of a loss)."""
    return run_settings(config, key).training_inputs(config["experiment"])


def seed_batching(config: dict[str, Any]) -> dict[tuple[str, str], str | None]:
    """With `batch_seeds`, every (dataset, model) pair whose family can batch seeds on that data kind (its
    settings' `batched_kinds`) and why its seeds cannot train as one batched job (None: they do, through the
    family's `train_group`); without it, no pair."""
    if not config.get("batch_seeds"):
        return {}
    pairs = {}
    for dataset in config["datasets"]:
        for model in config["models"]:
            group = [run_settings(config, RunKey(dataset, model, seed)) for seed in config["seeds"]]
            if group[0].data_kind in type(group[0]).batched_kinds:
                pairs[(dataset, model)] = type(group[0]).group_problem(group)
    return pairs


def sampler_sweep(config: dict[str, Any]) -> list[SweepPoint]:
    """The sampler settings of the config's `sampler_sweep` (none without one), samplers x steps in config order."""
    sweep = config.get("sampler_sweep")
    if not sweep:
        return []
    spacing = sweep.get("spacing", "uniform")
    return [
        SweepPoint(sampler=entry["sampler"], sampler_steps=steps, eta=float(entry.get("eta", 0.0)), spacing=spacing)
        for entry in sweep["samplers"]
        for steps in sweep["steps"]
    ]


def sweep_runs(config: dict[str, Any]) -> list[RunKey]:
    """The runs a sampler sweep applies to: every model on an image dataset whose family has a sampler (diffusion)."""
    if not config.get("sampler_sweep"):
        return []
    return [
        key
        for key in run_matrix(config)
        if is_image_dataset(key.dataset) and "sampler" in family_fields(model_family(config, key.model))
    ]


def dataset_spec(settings: DatasetSettings) -> DataSpec:
    """Kind, sample shape and classes of a dataset, known from its settings before any file is read."""
    if isinstance(settings, TranslationDatasetSettings):
        return translation_spec(settings)
    return image_spec(settings) if isinstance(settings, ImageDatasetSettings) else point_spec()


def arithmetic_runs(config: dict[str, Any]) -> list[RunKey]:
    """Runs that get the latent-arithmetic check: the `latent_arithmetic` models on the image datasets."""
    chosen = set(config.get("latent_arithmetic") or [])
    return [key for key in run_matrix(config) if key.model in chosen and is_image_dataset(key.dataset)]
