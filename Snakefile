# genlib pipeline: prepare -> train -> sample -> evaluate -> report, over datasets x models x seeds.
# Every rule is one `python -m genlib <verb>` call; all logic lives in the genlib package.
from snakemake.utils import min_version

min_version("9.0")  # the workflow API of Snakemake 9 (pyproject.toml allows >=9,<10)

# The default experiment, unless the command line names its own config file(s): Snakemake would
# otherwise merge the two, leaking the default's keys into every other experiment.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# `snakemake --report report.html`: the rule graph, run times and the figures marked report() in the rules.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# Wildcards of every rule below.
wildcard_constraints:
    experiment=EXPERIMENT.replace(".", r"\."),
    dataset=r"[A-Za-z0-9_-]+",
    model=r"[a-z0-9][a-z0-9-]*",
    seed=r"\d+",


include: "workflow/rules/settings.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/backbone.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"


localrules:
    dataset_settings,
    run_settings,
    resolved_config,
    evaluation_settings_file,


rule all:
    default_target: True
    input:
        paths.experiment(EXPERIMENT).report.page,
        # Checkpoints and every run's files are products too: one deleted (or removed by a job that failed on
        # a damaged input) is made again, with what depends on it, instead of an old report standing over it.
        checkpoints(),
        report_inputs,


# Targets of the DVC stages (dvc.yaml): the prepared data with its metric backbone, and the checkpoints.
rule prepared:
    input:
        [paths.dataset(dataset).meta for dataset in config["datasets"]],
        [reference_stats(dataset) for dataset in image_datasets(config)],


rule trained:
    input:
        checkpoints(),


# A profile's resources are checked once every rule is known: a misspelt one would be ignored silently.
check_resources()
# Finished files that were cut short are named before any job starts (Snakemake alone goes by dates).
check_finished_files()
