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

from genlib.config import paths
from genlib.config.catalogue import data_kind
from genlib.data.kinds import kind_of
from genlib.experiment import (
    evaluation_settings,
    image_datasets,
    is_image_dataset,
    load_config,
    model_family,
    run_matrix,
    run_settings,
)
from genlib.families.registry import all_families

OPTIONS = "--cores all --resources gpu=1"
CODE = ["Snakefile", "workflow", "genlib"]
PARAMS_OF_STAGE = {
    "prepare": ("datasets", "data", "evaluation"),
    "train": ("models", "seeds", "training", "model_overrides", "custom_models"),
    "report": ("evaluation", "sampler_sweep", "published"),
}


def data_files(config: dict[str, Any], dataset: str) -> list[str]:
    """Files of a prepared dataset, with its metric backbone and reference statistics for images."""
    files = paths.dataset(dataset)
    kind = data_kind(dataset)
    listed = [files.settings, files.split("train", kind), files.split("test", kind), files.meta]
    if not kind_of(kind).images:
        return listed
    evaluation = evaluation_settings(config)
    if evaluation.backbone == "classifier":
        listed.append(files.classifier)
    return listed + [files.reference(paths.backbone_tag(evaluation.backbone, evaluation.inception_antialias))]


def run_paths(config: dict[str, Any], key: Any) -> paths.RunPaths:
    return paths.run(config["experiment"], key.dataset, key.model, key.seed)


def dvc_pipeline(config: dict[str, Any], config_path: str) -> dict[str, Any]:
    """The dvc.yaml document of `config` (read from `config_path`, relative to the repository root)."""
    experiment = config["experiment"]
    data = [f for dataset in config["datasets"] for f in data_files(config, dataset)]
    if evaluation_settings(config).backbone == "inception" and image_datasets(config):
        data.append(paths.INCEPTION_WEIGHTS)
    runs = run_matrix(config)
    checkpoints = [run_paths(config, r).checkpoint for r in runs]
    trained = [
        f
        for r in runs
        for f in (run_paths(config, r).settings, run_paths(config, r).checkpoint, run_paths(config, r).losses)
        + ((run_paths(config, r).fid_curve,) if is_image_dataset(r.dataset) else ())  # the monitor's curve
    ]
    report = paths.experiment(experiment).report
    published = config.get("published", list(paths.DEFAULT_PUBLISHED))
    configfile = "" if config_path == paths.DEFAULT_CONFIG else f" --configfile {config_path}"

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
            "metrics": [{report.summary_json: {"cache": False}}],
            "outs": [{path: {"cache": False}} for path in (report.page, report.summary_csv, report.runs_csv)],
        },
    }
    return {"stages": stages, "plots": _plots(config, runs)}


def _plots(config: dict[str, Any], runs: list) -> list[dict[str, Any]]:
    """Loss curves per dataset and family, and FID over training where the monitor is on (dvc plots show)."""
    plots = []
    for dataset in config["datasets"]:
        these = [r for r in runs if r.dataset == dataset]
        for family in all_families().values():
            members = [r for r in these if model_family(config, r.model) == family.name]
            for column, title in family.loss_plots.items():
                if members:
                    plots.append(
                        {
                            f"{dataset}: {title}": {
                                "x": "step",
                                "y": {run_paths(config, r).losses: column for r in members},
                            }
                        }
                    )
        monitored = [r for r in these if is_image_dataset(dataset) and run_settings(config, r).monitor_every]
        if monitored:
            plots.append(
                {
                    f"{dataset}: FID over training": {
                        "x": "step",
                        "y": {run_paths(config, r).fid_curve: "fid" for r in monitored},
                    }
                }
            )
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
