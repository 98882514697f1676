# Config validation and the run matrix. Runs at parse time, before any job starts.
# Every file name comes from genlib.config.paths; the run's family from genlib.families.registry.
import json
import os
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from genlib.config import paths
from genlib.config.catalogue import MIXTURE_NAMES, data_kind
from genlib.experiment import (
    arithmetic_runs,
    seed_batching,
    ConfigError,
    RunKey,
    dataset_settings,
    evaluation_settings,
    image_datasets,
    load_config,
    model_family,
    run_matrix,
    run_settings,
    sampler_sweep,
    sweep_runs,
    training_inputs,
    validate_config,
)
from genlib.config.settings import to_dict
from genlib.data.kinds import kind_of
from genlib.families.discovery import FAMILY_SETTINGS, all_extra_pictures
from genlib.io.atomic import write_settings
from genlib.io.damage import damaged_files, damaged_files_message
from genlib.pipeline.resources import resource_problems
from genlib.training.ownership import OWNER_ENV, owner_token

try:
    # Snakemake has read the config files already, keeping the last of two equal keys without a word;
    # read them again, refusing duplicates, before validating what Snakemake made of them.
    for configfile_path in workflow.overwrite_configfiles or workflow.configfiles:
        load_config(configfile_path)
    validate_config(config, Path(workflow.current_basedir) / ".." / "schemas" / "config.schema.yaml")
except ConfigError as error:
    raise WorkflowError(str(error)) from None

# Training jobs watch the Snakemake process that parsed this file and runs their shell command (named by PID and
# start time, never by its command line): when it dies, they save their state and stop.
os.environ[OWNER_ENV] = owner_token()

# Jobs run genlib with the interpreter that runs Snakemake (the project's environment), whatever PATH says.
PYTHON = shlex.quote(sys.executable)
EXPERIMENT = config["experiment"]
RUNS = run_matrix(config)
EVALUATION = evaluation_settings(config)
THREADS = config.get("threads", 1)
DEVICE = config.get("device", "auto")
# Image jobs claim the one `gpu` resource unless the config pins them to the CPU.
GPU_JOB = 0 if DEVICE == "cpu" else 1
MIXTURES = "|".join(MIXTURE_NAMES)
# Any other dataset name is an image dataset (the wildcard is always followed by "/" in paths).
IMAGE_DATASET_PATTERN = f"(?!(?:{MIXTURES})/)[A-Za-z0-9_-]+"
BACKBONE_TAG = paths.backbone_tag(EVALUATION.backbone, EVALUATION.inception_antialias)
PUBLISHED = config.get("published", list(paths.DEFAULT_PUBLISHED))
# Wildcard patterns of one run and one dataset: Snakemake fills {experiment}, {dataset}, {model}, {seed}.
RUN = paths.run_pattern()
DATA = paths.dataset("{dataset}")
EXTRA_PICTURES = all_extra_pictures()


def check_resources():
    """Reject resources of the profile or command line (default-resources, set-resources) that no executor reads."""
    settings = workflow.resource_settings
    default = list(settings.default_resources.keys()) if settings.default_resources else []
    overwrites = {name: list(resources) for name, resources in settings.overwrite_resources.items()}
    problems = resource_problems(default, overwrites, [rule.name for rule in workflow.rules])
    if problems:
        raise WorkflowError("invalid resources:\n" + "\n".join(f"  - {p}" for p in problems))


def model_pattern(models):
    """Wildcard pattern matching exactly these names (nothing when there are none)."""
    return "|".join(re.escape(m) for m in models) if models else "(?!)"


def run_paths(key):
    return paths.run(EXPERIMENT, key.dataset, key.model, key.seed)


# Models whose seeds train as one batched job (config `batch_seeds`; the family's `train_group`).
BATCHING = seed_batching(config)
GROUPED_MODELS = model_pattern(sorted({model for (_, model), reason in BATCHING.items() if reason is None}))
# Said at every start (a dry run included): batch_seeds does not batch these.
for (dataset, model), reason in BATCHING.items():
    if reason is not None:
        print(f"batch_seeds: {model} on {dataset} is not batched: {reason}", file=sys.stderr)
MODEL = paths.model_pattern()
SEEDS = config["seeds"]


# The sampler sweep: each trained diffusion model on images, sampled and scored again per sampler setting.
SWEEP = {point.tag: point for point in sampler_sweep(config)}
SWEEP_RUNS = sweep_runs(config)
SWEEP_MODELS = model_pattern(sorted({key.model for key in SWEEP_RUNS}))
SWEEP_SAMPLES = (config.get("sampler_sweep") or {}).get("n_samples")


# Runs whose generators get the latent-arithmetic check (config `latent_arithmetic`).
ARITHMETIC_RUNS = set(arithmetic_runs(config))
ARITHMETIC_MODELS = model_pattern(sorted({key.model for key in ARITHMETIC_RUNS}))


def run_dirs():
    """Folders of every run of the config, in matrix order."""
    return [run_paths(r).folder for r in RUNS]


def checkpoints():
    return [run_paths(r).checkpoint for r in RUNS]


def sweep_metrics():
    """Metrics files of every (run, sampler setting) of the sweep, in matrix order."""
    return [run_paths(r).sweep(tag).metrics for r in SWEEP_RUNS for tag in SWEEP]


def sweep_options(wildcards):
    """The sample verb's options of one sweep setting: each of its sampler settings as an override."""
    overrides = SWEEP[wildcards.sweep].overrides()
    return " ".join(f"--override {shlex.quote(f'{key}={value}')}" for key, value in overrides.items())


def data_folder(wildcards):
    """Folder of the prepared dataset of a job."""
    return paths.dataset(wildcards.dataset).folder


def run_key(wildcards):
    return RunKey(wildcards.dataset, wildcards.model, int(wildcards.seed))


def backbone_weights(dataset):
    """Weights of the image-metric backbone of `dataset`."""
    return paths.backbone_weights(dataset, EVALUATION.backbone)


def reference_stats(dataset):
    """Cached reference features and statistics of `dataset` under the configured backbone."""
    return paths.dataset(dataset).reference(BACKBONE_TAG)


def train_inputs(wildcards):
    """What a train job reads besides its data: for the FID-over-training monitor the backbone and reference
    statistics; the checkpoint a run starts from and the feature network of its content loss."""
    key = run_key(wildcards)
    inputs = training_inputs(config, key)
    if run_settings(config, key).monitor_every:
        inputs.update(backbone=backbone_weights(wildcards.dataset), reference=reference_stats(wildcards.dataset))
    return inputs


def train_args(wildcards, input):
    args = []
    if "reference" in input.keys():
        args.append(
            f"--backbone {EVALUATION.backbone} --backbone-weights {input.backbone} --reference {input.reference}"
        )
    for name in training_inputs(config, run_key(wildcards)):  # the files the run's family reads
        args.append(f"--input {shlex.quote(f'{name}={getattr(input, name)}')}")
    return " ".join(args)


def run_files(key):
    """Every file of one run that the report reads: the common ones and those of its data kind and family."""
    run = run_paths(key)
    files = [run.metrics, run.losses, run.settings]
    if not kind_of(data_kind(key.dataset)).images:
        return files + [run.scatter]
    pictures = [*paths.RUN_PICTURES, *FAMILY_SETTINGS[model_family(config, key.model)].extra_pictures]
    if key in ARITHMETIC_RUNS:
        files += [run.arithmetic, run.picture("arithmetic")]
    return files + [run.picture(name) for name in pictures] + [run.neighbours, run.fid_curve]


def report_inputs(wildcards):
    """Every file of every run that the report reads."""
    return [f for key in RUNS for f in run_files(key)] + sweep_metrics()


def finished_files():
    """Every file of the config's datasets and runs that a later stage reads, and every product of a run."""
    files = [paths.experiment(EXPERIMENT).evaluation]
    for dataset in config["datasets"]:
        data = paths.dataset(dataset)
        kind = data_kind(dataset)
        files += [data.settings, data.meta, data.split("train", kind), data.split("test", kind)]
    for dataset in image_datasets(config):
        files += [backbone_weights(dataset), reference_stats(dataset)]
    for key in RUNS:
        run = run_paths(key)
        files += [run.settings, run.checkpoint, run.samples, *run_files(key)]
    for key in SWEEP_RUNS:
        files += [run_paths(key).sweep(tag).samples for tag in SWEEP]
    return files + sweep_metrics()


def check_finished_files():
    """Stop before any job when a finished file is damaged: Snakemake, which goes by dates, would take it for done."""
    damaged = damaged_files(finished_files())
    if damaged:
        raise WorkflowError(damaged_files_message(damaged))
