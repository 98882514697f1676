"""Validation of experiment configs before any job starts: the schema, then what the schema cannot see.

Each problem is reported with the key it sits at and the values that key allows; every problem of a
config is listed at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

from genlib.config.catalogue import DataSpec
from genlib.config.loading import ConfigError
from genlib.config.settings import SettingsError
from genlib.data.images import digit_source_problem
from genlib.data.kinds import kind_of
from genlib.data.translation import folder_layout_problem
from genlib.experiment.matrix import (
    RunKey,
    dataset_settings,
    dataset_spec,
    evaluation_settings,
    image_datasets,
    model_family,
    model_names,
    run_settings,
    sampler_sweep,
    sweep_runs,
)
from genlib.experiment.schema import config_schema
from genlib.families.discovery import family_fields, family_presets
from genlib.report.reproduction import published_problems


def validate_config(config: dict[str, Any], schema_path: str | Path) -> None:
    """Raise ConfigError naming every bad key and its allowed values; return None when all is well."""
    schema = config_schema(schema_path)
    import jsonschema  # here, not at the top: it takes a while to import

    validator = jsonschema.Draft202012Validator(schema)
    problems = [
        _describe(error) for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    ]
    if not problems:
        problems = _semantic_problems(config)
    if problems:
        raise ConfigError("invalid config:\n" + "\n".join(f"  - {p}" for p in problems))


def _semantic_problems(config: dict[str, Any]) -> list[str]:
    """Problems the schema cannot see: model names, per-model values, duplicates."""
    problems = _name_problems(config)
    if problems:
        return problems
    problems = (
        _settings_problems(config) + _sweep_problems(config) + published_problems(config) + _arithmetic_problems(config)
    )
    return list(dict.fromkeys(problems))


def _arithmetic_problems(config: dict[str, Any]) -> list[str]:
    """`latent_arithmetic` models that are not run, have no latent vector, or are told their class; and a
    config whose image datasets have no digit classifier to score them."""
    chosen = config.get("latent_arithmetic") or []
    problems = []
    for model in chosen:
        if model not in config["models"]:
            problems.append(
                f"latent_arithmetic: {model!r} is not a model of this config; models: {', '.join(config['models'])}"
            )
            continue
        family = model_family(config, model)
        if "latent_dim" not in family_fields(family):
            problems.append(
                f"latent_arithmetic: model {model} (family {family}) has no latent vector to add and subtract; "
                "remove it from latent_arithmetic (only GANs, of any family, have one)"
            )
            continue
        for dataset in image_datasets(config)[:1]:
            try:
                settings = run_settings(config, RunKey(dataset, model, config["seeds"][0]))
            except SettingsError:
                continue  # named by _settings_problems
            conditioning = getattr(settings, "conditioning", "none")
            if conditioning != "none":
                problems.append(
                    f"latent_arithmetic: model {model} is conditional (conditioning {conditioning}): its generator is "
                    "told the digit; remove it from latent_arithmetic"
                )
    if chosen and evaluation_settings(config).backbone != "classifier":
        problems.append(
            "latent_arithmetic reads digits with the dataset's classifier; set evaluation.backbone: classifier"
        )
    return problems


def _name_problems(config: dict[str, Any]) -> list[str]:
    """Unknown models, sections naming datasets or models the config does not run, entries listed twice."""
    problems = []
    allowed = model_names(config)
    for name in config["models"]:
        if name not in allowed:
            problems.append(f"models: unknown model {name!r}; allowed values: {', '.join(allowed)}")
    for name in config.get("data") or {}:
        if name not in config["datasets"]:
            problems.append(f"data.{name}: not a dataset of this config; datasets: {', '.join(config['datasets'])}")
    for name in config.get("custom_models") or {}:
        if name in family_presets():
            problems.append(
                f"custom_models.{name}: the {family_presets()[name]['family']} family already has a preset of this "
                f"name; choose another name, or change the preset's settings under model_overrides.{name}"
            )
    for section in ("model_overrides", "reproduces"):
        for name in config.get(section) or {}:
            if name not in config["models"]:
                problems.append(f"{section}.{name}: not a model of this config; models: {', '.join(config['models'])}")
    for section in ("datasets", "models", "seeds"):
        duplicates = sorted({str(v) for v in config[section] if config[section].count(v) > 1})
        if duplicates:
            problems.append(f"{section}: listed twice: {', '.join(duplicates)}")
    return problems


def _settings_problems(config: dict[str, Any]) -> list[str]:
    """Dataset, evaluation and run settings that cannot be built, and runs whose networks cannot take their data."""
    problems, datasets = [], {}
    for name in config["datasets"]:
        try:
            datasets[name] = dataset_settings(config, name)
        except SettingsError as error:
            problems.append(str(error))
            continue
        problem = digit_source_problem(datasets[name]) or folder_layout_problem(datasets[name])
        if problem:
            problems.append(problem)
    try:
        evaluation_settings(config)
    except SettingsError as error:
        problems.append(str(error))
    for key in _first_seed_runs(config):
        try:
            settings = run_settings(config, key)
        except SettingsError as error:
            problems.append(f"dataset {key.dataset}: {error}")
            continue
        if key.dataset in datasets:
            spec = dataset_spec(datasets[key.dataset])
            problem = (
                _kind_problem(settings, spec)
                or settings.data_problem(spec)
                or settings.run_problem(config["models"], spec)
            )
            if problem:
                problems.append(f"model {key.model} on {key.dataset}: {problem}")
    return problems


def _kind_problem(settings: Any, spec: DataSpec) -> str | None:
    """Why a run's family cannot train on a dataset of another kind (a GAN on paired domains, CycleGAN on pairs)."""
    if settings.data_kind == spec.kind:
        return None
    return (
        f"a model of family {settings.family} ({settings.data_kind}) trains on {kind_of(settings.data_kind).description}, "
        f"but {settings.dataset} holds {kind_of(spec.kind).description}; pick a model made for that kind of data, or another dataset"
    )


def _sweep_problems(config: dict[str, Any]) -> list[str]:
    """Why the config's sampler sweep cannot run on its diffusion models (S > T, eta for DDPM, no model)."""
    if not config.get("sampler_sweep"):
        return []
    problems = [
        f"sampler_sweep.samplers[{i}]: eta applies to ddim only; DDPM's variance is fixed (sigma-hat)"
        for i, entry in enumerate(config["sampler_sweep"]["samplers"])
        if entry["sampler"] == "ddpm" and "eta" in entry
    ]
    runs = [key for key in sweep_runs(config) if key.seed == config["seeds"][0]]
    if not runs:
        problems.append(
            "sampler_sweep: this config has no diffusion model on an image dataset to sweep; "
            "add one (e.g. ddpm) or remove sampler_sweep"
        )
    for key in runs:
        try:
            settings = run_settings(config, key)
        except SettingsError:
            continue  # reported with the model
        for point in sampler_sweep(config):
            try:
                dataclasses.replace(settings, **point.overrides())
            except SettingsError as error:
                problems.append(f"sampler_sweep: model {key.model}: {error}")
    return problems


def _first_seed_runs(config: dict[str, Any]) -> Iterator[RunKey]:
    for dataset in config["datasets"]:
        for model in config["models"]:
            yield RunKey(dataset, model, config["seeds"][0])


def _describe(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        key = f"{where}.{extra[0]}" if where != "(top level)" else extra[0]
        return f"{key}: unknown key; allowed keys: {', '.join(allowed)}"
    if error.validator == "enum":
        return (
            f"{where}: {error.instance!r} is not allowed; allowed values: {', '.join(map(str, error.validator_value))}"
        )
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "type":
        return f"{where}: expected {_type_words(error.validator_value)}, got {error.instance!r}"
    if error.validator in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"{where}: {error.instance!r} is out of range ({error.validator} {error.validator_value})"
    return f"{where}: {error.message}"


def _key_path(path: Any) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def _type_words(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    return " or ".join(
        {
            "integer": "an integer",
            "number": "a number",
            "string": "a string",
            "boolean": "true or false",
            "array": "a list",
            "object": "a mapping",
            "null": "null",
        }.get(n, n)
        for n in names
    )
