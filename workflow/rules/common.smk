# Config validation and the run matrix. Runs at parse time, before any job starts.
import re
import shlex
import sys
from pathlib import Path

import yaml

from snakemake.exceptions import WorkflowError

from genlib.io.atomic import write_json, write_text
from genlib.config.experiment import (
    ConfigError, RunKey, dataset_settings, evaluation_settings, image_datasets, run_matrix, run_settings,
    sampler_sweep, sweep_runs, validate_config,
)
from genlib.pipeline.resources import resource_problems
from genlib.config.settings import INCEPTION_FILE, MIXTURE_NAMES, MODEL_CATALOGUE, to_dict

try:
    validate_config(config, Path(workflow.current_basedir) / ".." / "schemas" / "config.schema.yaml")
except ConfigError as error:
    raise WorkflowError(str(error)) from None

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
INCEPTION_WEIGHTS = f"resources/inception/{INCEPTION_FILE}"
# The backbone's name in file names: Inception features depend on the resize, so it is part of the name.
BACKBONE_TAG = EVALUATION.backbone + ("-antialias" if EVALUATION.backbone == "inception" and EVALUATION.inception_antialias else "")
PUBLISHED = config.get("published", ["config/published/toy2d.csv"])


def check_resources():
    """Reject resources of the profile or command line (default-resources, set-resources) that no executor reads."""
    settings = workflow.resource_settings
    default = list(settings.default_resources.keys()) if settings.default_resources else []
    per_rule = {rule: list(resources) for rule, resources in settings.overwrite_resources.items()}
    problems = resource_problems(default, per_rule, [rule.name for rule in workflow.rules])
    if problems:
        raise WorkflowError("invalid resources:\n" + "\n".join(f"  - {p}" for p in problems))


def is_diffusion(model):
    """Whether a model of the config is a diffusion model (its sample step also draws the denoising strips)."""
    return {**MODEL_CATALOGUE, **(config.get("custom_models") or {})}[model].get("family") == "diffusion"


def model_pattern(models):
    """Wildcard pattern matching exactly these model names (nothing when there are none)."""
    return "|".join(re.escape(m) for m in models) if models else "(?!)"


DIFFUSION_MODELS = model_pattern([m for m in config["models"] if is_diffusion(m)])
GAN_MODELS = model_pattern([m for m in config["models"] if not is_diffusion(m)])

RUN_DIR = "results/{experiment}/{dataset}/{model}/seed{seed}"
# The sampler sweep: each trained diffusion model on images, sampled and scored again per sampler setting.
SWEEP = {point.tag: point for point in sampler_sweep(config)}
SWEEP_RUNS = sweep_runs(config)
SWEEP_DIR = RUN_DIR + "/sweep/{sweep}"
SWEEP_SAMPLES = (config.get("sampler_sweep") or {}).get("n_samples")

wildcard_constraints:
    experiment=EXPERIMENT.replace(".", r"\."),
    dataset=r"[A-Za-z0-9_-]+",
    model=r"[a-z0-9][a-z0-9-]*",
    seed=r"\d+",

localrules: dataset_settings, run_settings, resolved_config, evaluation_settings_file


def run_dirs(experiment):
    """Folders of every run of the config, in matrix order."""
    return [f"results/{experiment}/{r.dataset}/{r.model}/seed{r.seed}" for r in RUNS]


def sweep_metrics(experiment):
    """Metrics files of every (run, sampler setting) of the sweep, in matrix order."""
    return [
        f"results/{experiment}/{r.dataset}/{r.model}/seed{r.seed}/sweep/{tag}/metrics.json"
        for r in SWEEP_RUNS for tag in SWEEP
    ]


def sweep_options(wildcards):
    """The sample verb's options of one sweep setting."""
    point = SWEEP[wildcards.sweep]
    return f"--sampler {point.sampler} --sampler-steps {point.sampler_steps} --eta {point.eta} --spacing {point.spacing}"


def run_key(wildcards):
    return RunKey(wildcards.dataset, wildcards.model, int(wildcards.seed))


def backbone_weights(dataset):
    """Weights of the image-metric backbone of `dataset`."""
    return f"data/{dataset}/classifier.pt" if EVALUATION.backbone == "classifier" else INCEPTION_WEIGHTS


def reference_stats(dataset):
    """Cached reference features and statistics of `dataset` under the configured backbone."""
    return f"data/{dataset}/reference-{BACKBONE_TAG}.npz"


def monitor_inputs(wildcards):
    """The train job's FID-over-training monitor needs the backbone and the reference statistics."""
    if run_settings(config, run_key(wildcards)).monitor_every == 0:
        return {}
    return {"backbone": backbone_weights(wildcards.dataset), "reference": reference_stats(wildcards.dataset)}


def monitor_args(wildcards, input):
    if "reference" not in input.keys():
        return ""
    return f"--backbone {EVALUATION.backbone} --backbone-weights {input.backbone} --reference {input.reference}"


rule resolved_config:
    output:
        "results/{experiment}/config.yaml",
    params:
        config=config,
    run:
        write_text(output[0], yaml.safe_dump(params.config, sort_keys=False))


rule run_settings:
    output:
        RUN_DIR + "/settings.json",
    params:
        settings=lambda w: to_dict(run_settings(config, run_key(w))),
    run:
        write_json(output[0], params.settings)


rule evaluation_settings_file:
    output:
        "results/{experiment}/evaluation.json",
    params:
        settings=to_dict(EVALUATION),
    run:
        write_json(output[0], params.settings)
