"""dvc.yaml for an experiment config: DVC stages that run the Snakemake targets and track what they write.

Snakemake writes, DVC tracks and restores. Each stage runs one Snakemake target; its outputs are
`persist`ent (DVC never deletes them before the command, so Snakemake alone decides what is out of
date) and cached (so `dvc push` shares them and `dvc pull` restores them). The outputs are listed in
pipeline order (every file after the files it is made from), which `genlib.pipeline.dvc_restore` relies on.

    prepare  data/<dataset>/...           prepared data, metric backbone, reference statistics
    train    results/<exp>/.../seed<n>/   run settings, checkpoint, loss log
    report   results/<exp>/report/        metrics summary (dvc metrics), curves (dvc plots), report page

The paths listed here are those the rules of workflow/rules/ write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genlib.config.experiment import (
    evaluation_settings, image_datasets, is_image_dataset, load_config, run_matrix, run_settings,
)
from genlib.config.catalogue import INCEPTION_FILE
from genlib.config.settings import DiffusionSettings

OPTIONS = "--cores all --resources gpu=1"
CODE = ["Snakefile", "workflow", "genlib"]
INCEPTION_WEIGHTS = f"resources/inception/{INCEPTION_FILE}"  # as workflow/rules/common.smk
PARAMS_OF_STAGE = {
    "prepare": ("datasets", "data", "evaluation"),
    "train": ("models", "seeds", "training", "model_overrides", "custom_models"),
    "report": ("evaluation", "sampler_sweep", "published"),
}


def data_files(config: dict[str, Any], dataset: str) -> list[str]:
    """Files of a prepared dataset, with its metric backbone and reference statistics for images."""
    folder = f"data/{dataset}"
    if not is_image_dataset(dataset):
        return [f"{folder}/{name}" for name in ("settings.json", "train.npy", "test.npy", "meta.json")]
    evaluation = evaluation_settings(config)
    tag = evaluation.backbone + ("-antialias" if evaluation.backbone == "inception" and evaluation.inception_antialias else "")
    files = [f"{folder}/{name}" for name in ("settings.json", "train.npz", "test.npz", "meta.json")]
    if evaluation.backbone == "classifier":
        files.append(f"{folder}/classifier.pt")
    return files + [f"{folder}/reference-{tag}.npz"]


def run_folder(config: dict[str, Any], dataset: str, model: str, seed: int) -> str:
    return f"results/{config['experiment']}/{dataset}/{model}/seed{seed}"


def dvc_pipeline(config: dict[str, Any], config_path: str) -> dict[str, Any]:
    """The dvc.yaml document of `config` (read from `config_path`, relative to the repository root)."""
    experiment = config["experiment"]
    data = [f for dataset in config["datasets"] for f in data_files(config, dataset)]
    if evaluation_settings(config).backbone == "inception" and image_datasets(config):
        data.append(INCEPTION_WEIGHTS)
    runs = run_matrix(config)
    folders = [run_folder(config, r.dataset, r.model, r.seed) for r in runs]
    checkpoints = [f"{folder}/checkpoint.pt" for folder in folders]
    trained = [f"{folder}/{name}" for folder in folders for name in ("settings.json", "checkpoint.pt", "losses.csv")]
    report = f"results/{experiment}/report"
    published = config.get("published", ["config/published/toy2d.csv"])
    configfile = "" if config_path == "config/config.yaml" else f" --configfile {config_path}"

    def params(stage: str) -> list[dict[str, list[str]]]:
        return [{config_path: [key for key in PARAMS_OF_STAGE[stage] if key in config]}]

    stages = {
        "prepare": {
            "cmd": f"snakemake prepared {OPTIONS}{configfile}",
            "deps": CODE,
            "params": params("prepare"),
            "outs": [{path: {"persist": True}} for path in data],
        },
        "train": {
            "cmd": f"snakemake trained {OPTIONS}{configfile}",
            "deps": [*data, *CODE],
            "params": params("train"),
            "outs": [{path: {"persist": True}} for path in trained],
        },
        "report": {
            "cmd": f"snakemake {OPTIONS}{configfile}",
            "deps": [*checkpoints, *data, *published, *CODE],
            "params": params("report"),
            "metrics": [{f"{report}/summary.json": {"cache": False}}],
            "outs": [{f"{report}/{name}": {"cache": False}} for name in ("index.html", "summary.csv", "runs.csv")],
        },
    }
    return {"stages": stages, "plots": _plots(config, runs)}


def _plots(config: dict[str, Any], runs: list) -> list[dict[str, Any]]:
    """Loss curves per dataset and family, and FID over training where the monitor is on (dvc plots show)."""
    plots = []
    for dataset in config["datasets"]:
        these = [r for r in runs if r.dataset == dataset]
        settings = {r: run_settings(config, r) for r in these}
        diffusion = [r for r in these if isinstance(settings[r], DiffusionSettings)]
        gans = [r for r in these if r not in diffusion]
        for title, group, column in ((f"{dataset}: discriminator loss", gans, "d_loss"),
                                     (f"{dataset}: generator loss", gans, "g_loss"),
                                     (f"{dataset}: diffusion loss", diffusion, "loss")):
            if group:
                plots.append({title: {"x": "step", "y": {f"{run_folder(config, r.dataset, r.model, r.seed)}/losses.csv": column
                                                         for r in group}}})
        monitored = [r for r in these if is_image_dataset(dataset) and settings[r].monitor_every]
        if monitored:
            plots.append({f"{dataset}: FID over training": {
                "x": "step", "y": {f"{run_folder(config, r.dataset, r.model, r.seed)}/fid_curve.csv": "fid" for r in monitored}}})
    return plots


def write_dvc_yaml(config_path: str | Path, out: str | Path) -> None:
    """Write the dvc.yaml of the config at `config_path` (a path relative to the repository root)."""
    import yaml

    from genlib.io.atomic import write_text

    document = dvc_pipeline(load_config(config_path), str(config_path))
    header = (
        f"# DVC stages of {config_path}: each runs a Snakemake target and tracks what it writes.\n"
        f"# Written by `python -m genlib dvc-yaml --config {config_path}`; run it again after changing the\n"
        "# config's datasets, models or seeds.\n"
    )
    write_text(out, header + yaml.safe_dump(document, sort_keys=False, width=120))
