# Config validation and the run matrix. Runs at parse time, before any job starts.
import yaml
from pathlib import Path

from snakemake.exceptions import WorkflowError

from genlib.atomic import write_json, write_text
from genlib.config import ConfigError, RunKey, dataset_settings, run_matrix, run_settings, validate_config
from genlib.settings import to_dict

try:
    validate_config(config, Path(workflow.current_basedir) / ".." / "schemas" / "config.schema.yaml")
except ConfigError as error:
    raise WorkflowError(str(error)) from None

EXPERIMENT = config["experiment"]
RUNS = run_matrix(config)
EVALUATION = {"n_samples": 2500, "sample_seed": 12345, **config.get("evaluation", {})}
THREADS = config.get("threads", 1)

RUN_DIR = "results/{experiment}/{dataset}/{model}/seed{seed}"

wildcard_constraints:
    experiment=EXPERIMENT.replace(".", r"\."),
    dataset=r"[A-Za-z0-9_-]+",
    model=r"[a-z0-9][a-z0-9-]*",
    seed=r"\d+",

localrules: dataset_settings, run_settings, resolved_config


def run_dirs(experiment):
    """Folders of every run of the config, in matrix order."""
    return [f"results/{experiment}/{r.dataset}/{r.model}/seed{r.seed}" for r in RUNS]


def run_key(wildcards):
    return RunKey(wildcards.dataset, wildcards.model, int(wildcards.seed))


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
