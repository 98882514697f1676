"""Experiment configs: validation against the schema, the run matrix, and per-run settings.

A config names datasets, model variants and seeds (see config/config.yaml for every key). It is
validated as a whole before any job starts, and each problem is reported with the key it sits at
and the values that key allows.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import jsonschema

from genlib.config.catalogue import (
    IMAGE_SUFFIXES,
    MIXTURE_NAMES,
    MODEL_CATALOGUE,
    NAMED_IMAGE_DATASETS,
    TRANSLATION_SOURCES,
    DataSpec,
    data_kind,
    image_spec,
    point_spec,
    translation_spec,
)
from genlib.config.schema import config_schema
from genlib.config.settings import (
    FAMILY_SETTINGS,
    EvaluationSettings,
    ImageDatasetSettings,
    MixtureSettings,
    SettingsError,
    SweepPoint,
    TranslationDatasetSettings,
    family_fields,
    from_dict,
    to_dict,
)
from genlib.data.kinds import kind_of


class ConfigError(ValueError):
    """A config that cannot run; the message lists every problem found."""


@dataclass(frozen=True)
class RunKey:
    """Coordinates of one run in the matrix."""

    dataset: str
    model: str
    seed: int


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses a key given twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                first = seen[key]
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping (first at line {first.line + 1}); "
                    "YAML would keep only the last one: merge the two",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file, refusing duplicate keys; every error names the file (and line and column)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist; give the path of a YAML config (see config/config.yaml)")
    try:
        config = yaml.load(path.read_text(), Loader=StrictLoader)  # a SafeLoader: builds plain data only
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a config must be a mapping of keys to values")
    return config


def validate_config(config: dict[str, Any], schema_path: str | Path) -> None:
    """Raise ConfigError naming every bad key and its allowed values; return None when all is well."""
    schema = config_schema(schema_path)
    import jsonschema  # here, not at the top: training jobs import this module for group_problem alone

    validator = jsonschema.Draft202012Validator(schema)
    problems = [
        _describe(error) for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    ]
    if not problems:
        problems = _semantic_problems(config)
    if problems:
        raise ConfigError("invalid config:\n" + "\n".join(f"  - {p}" for p in problems))


def model_names(config: dict[str, Any]) -> list[str]:
    """Every model name a config may use: the catalogue's and its own custom models."""
    return sorted(set(MODEL_CATALOGUE) | set(config.get("custom_models") or {}))


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
    """Every model variant a config may use, by name: the catalogue's and the config's own."""
    return {**MODEL_CATALOGUE, **(config.get("custom_models") or {})}


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
    """Files a run's training reads besides its data: the checkpoint of the run it starts from (`init_from`,
    SRGAN from SRResNet) and the feature network of a feature content loss (the dataset's classifier unless
    `content_network` names one)."""
    from genlib.config import paths

    settings, inputs = run_settings(config, key), {}
    if getattr(settings, "init_from", None):
        inputs["init_checkpoint"] = paths.run(
            config["experiment"], key.dataset, settings.init_from, key.seed
        ).checkpoint
    if getattr(settings, "content_loss", None) == "features":
        inputs["content_network"] = settings.content_network or paths.dataset(key.dataset).classifier
    return inputs


def group_problem(settings_list: list[Any]) -> str | None:
    """Why these runs cannot be trained as one batched group (None when they can)."""
    first = settings_list[0]
    if any({**to_dict(s), "seed": 0} != {**to_dict(first), "seed": 0} for s in settings_list):
        return "the runs of a group must differ in their seed only"
    if len({s.seed for s in settings_list}) != len(settings_list):
        return "the runs of a group need distinct seeds"
    if kind_of(first.data_kind).images:
        return "the batched trainer is for 2-D runs; image runs train one per job"
    refused = {
        "gradient_penalty": bool(first.gradient_penalty),
        # spectral norm's power iteration writes its vectors in place, which vmap cannot batch
        "spectral_norm": bool(first.spectral_norm),
        "ema_decay": first.ema_decay is not None,
        "monitor_every": bool(first.monitor_every),
        "diffusion_gan": first.diffusion_gan,
        "g_steps": first.g_steps > 1,
    }
    if any(refused.values()):
        return (
            f"the batched trainer takes no {', '.join(name for name, used in refused.items() if used)} "
            f"(nor any of {', '.join(refused)}); these runs train one per job"
        )
    return None


def seed_batching(config: dict[str, Any]) -> dict[tuple[str, str], str | None]:
    """With `batch_seeds`, every 2-D GAN (dataset, model) pair and why the batched trainer cannot take its seeds
    (None: they train as one batched job, genlib.gan.batched); without it, no pair."""
    if not config.get("batch_seeds"):
        return {}
    pairs = {}
    for dataset in config["datasets"]:
        for model in config["models"]:
            if is_image_dataset(dataset) or model_family(config, model) != "gan":
                continue
            group = [run_settings(config, RunKey(dataset, model, seed)) for seed in config["seeds"]]
            pairs[(dataset, model)] = group_problem(group)
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


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of the config's canonical JSON form (key order and YAML layout do not matter)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def _semantic_problems(config: dict[str, Any]) -> list[str]:
    """Problems the schema cannot see: model names, per-model values, duplicates."""
    problems = _name_problems(config)
    if problems:
        return problems
    problems = (
        _settings_problems(config)
        + _sweep_problems(config)
        + _published_problems(config)
        + _arithmetic_problems(config)
    )
    return list(dict.fromkeys(problems))


def arithmetic_runs(config: dict[str, Any]) -> list[RunKey]:
    """Runs that get the latent-arithmetic check: the `latent_arithmetic` models on the image datasets."""
    chosen = set(config.get("latent_arithmetic") or [])
    return [key for key in run_matrix(config) if key.model in chosen and is_image_dataset(key.dataset)]


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


def published_methods(csv_paths: list[str | Path]) -> dict[str, set[str]]:
    """The methods with a published row, per dataset, in the published CSV files (lines starting with # are notes);
    a method published under a setting (a `setting` column) is named "method @ setting"."""
    methods: dict[str, set[str]] = {}
    for path in csv_paths:
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(line for line in handle if not line.startswith("#")):
                name = _method_name(row.get("method") or "", row.get("setting") or "")
                methods.setdefault(row.get("dataset") or "", set()).add(name)
    return methods


def _method_name(method: str, setting: str) -> str:
    return f"{method} @ {setting}" if setting else method


def _published_problems(config: dict[str, Any]) -> list[str]:
    """Published files that do not exist, and `reproduces` methods with no published row on the config's datasets."""
    from genlib.config.paths import DEFAULT_PUBLISHED

    csv_paths = list(config.get("published") or DEFAULT_PUBLISHED)
    missing = [path for path in csv_paths if not Path(path).is_file()]
    if missing:
        return [f"published: {path}: no such file (paths are relative to the working directory)" for path in missing]
    reproduces = config.get("reproduces") or {}
    if not reproduces:
        return []
    methods = published_methods(csv_paths)
    # an analogue task reads the published rows of the dataset it stands in for
    datasets = [config["analogue"]["dataset"]] if config.get("analogue") else config["datasets"]
    available = sorted({method for dataset in datasets for method in methods.get(dataset, ())})
    problems = []
    for model, target in reproduces.items():
        method, setting = (target["method"], target.get("setting") or "") if isinstance(target, dict) else (target, "")
        if _method_name(method, setting) not in available:
            problems.append(
                f"reproduces.{model}: no published row of method {_method_name(method, setting)!r} for the datasets "
                f"{', '.join(datasets)} in {', '.join(csv_paths)}; methods with rows there: "
                f"{', '.join(available) or 'none'}"
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
        if name in MODEL_CATALOGUE:
            problems.append(
                f"custom_models.{name}: the catalogue already has a model of this name; choose another name, "
                f"or change the catalogue model's settings under model_overrides.{name}"
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
        problem = _digit_source_problem(datasets[name]) or _folder_layout_problem(datasets[name])
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
                _kind_problem(settings, spec) or settings.data_problem(spec) or _start_problem(config, settings, spec)
            )
            if problem:
                problems.append(f"model {key.model} on {key.dataset}: {problem}")
    return problems


def _start_problem(config: dict[str, Any], settings: Any, spec: DataSpec) -> str | None:
    """Why a run cannot find what it starts from: the model of `init_from`, or its content loss's feature network."""
    start = getattr(settings, "init_from", None)
    if start is not None:
        if start not in config["models"]:
            return f"init_from {start!r} is not a model of this config; models: {', '.join(config['models'])}"
        if start == settings.model:
            return "init_from names the model itself; name the model whose generator starts this one (e.g. srresnet)"
    if getattr(settings, "content_loss", None) == "features":
        network = settings.content_network
        if network is not None and not Path(network).is_file():
            return (
                f"content_network {network} does not exist: the feature content loss needs its network; give the "
                "path of a classifier checkpoint (python -m genlib train-classifier), or set content_loss: pixel"
            )
        if network is None and spec.num_classes < 2:
            return (
                f"content_loss features reads the dataset's digit classifier, but {settings.dataset} has no class "
                "labels to train one; set content_network to a classifier checkpoint, or content_loss: pixel"
            )
    return None


def _kind_problem(settings: Any, spec: DataSpec) -> str | None:
    """Why a run's family cannot train on a dataset of another kind (a GAN on paired domains, CycleGAN on pairs)."""
    if settings.data_kind == spec.kind:
        return None
    return (
        f"a model of family {settings.family} ({settings.data_kind}) trains on {kind_of(settings.data_kind).description}, "
        f"but {settings.dataset} holds {kind_of(spec.kind).description}; pick a model made for that kind of data, or another dataset"
    )


def _digit_source_problem(settings: DatasetSettings) -> str | None:
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


FOLDER_LAYOUTS = {
    "paired-folder": ("train", "test"),
    "downscaled-folder": ("train", "test"),
    "unpaired-folder": ("trainA", "trainB", "testA", "testB"),
}


def _folder_layout_problem(settings: DatasetSettings) -> str | None:
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
