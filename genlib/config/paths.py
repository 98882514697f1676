"""Every file name the pipeline writes, made in one place.

The rules (through workflow/rules/common.smk), the DVC stage writer, the CLI and the report ask
this module; called with wildcard names ("{dataset}") it gives Snakemake's patterns.

    data/{dataset}/                  prepared data, metric backbone, reference statistics
    resources/                       raw downloads, the Inception weights
    results/{experiment}/{dataset}/{model}/seed{seed}/   one run
    results/{experiment}/report/     the comparison report
    logs/, benchmarks/               one log and one timing per job
"""

from __future__ import annotations

from dataclasses import dataclass

from genlib.config.catalogue import INCEPTION_FILE

DATA = "data"
RESOURCES = "resources"
RESULTS = "results"
LOGS = "logs"
BENCHMARKS = "benchmarks"
DEFAULT_CONFIG = "config/config.yaml"
DEFAULT_PUBLISHED = ("config/published/toy2d.csv",)
INCEPTION_WEIGHTS = f"{RESOURCES}/inception/{INCEPTION_FILE}"
# The pictures every image run draws in its sample step (families may add their own).
RUN_PICTURES = ("grid", "classes", "interpolation")


@dataclass(frozen=True)
class DatasetPaths:
    """Files of one prepared dataset."""

    name: str

    @property
    def folder(self) -> str:
        return f"{DATA}/{self.name}"

    @property
    def settings(self) -> str:
        return f"{self.folder}/settings.json"

    @property
    def meta(self) -> str:
        return f"{self.folder}/meta.json"

    def split(self, split: str, kind: str) -> str:
        """The prepared array of a split: .npy points or .npz images with labels."""
        return f"{self.folder}/{split}.{'npy' if kind == 'points' else 'npz'}"

    @property
    def classifier(self) -> str:
        return f"{self.folder}/classifier.pt"

    def reference(self, backbone_tag: str) -> str:
        """Reference features and statistics under one backbone (its tag names the resize, see backbone_tag)."""
        return f"{self.folder}/reference-{backbone_tag}.npz"


def dataset(name: str) -> DatasetPaths:
    return DatasetPaths(name)


def backbone_tag(backbone: str, inception_antialias: bool) -> str:
    """The backbone's name in file names: Inception features depend on the resize, so it is part of the name."""
    return backbone + ("-antialias" if backbone == "inception" and inception_antialias else "")


def backbone_weights(name: str, backbone: str) -> str:
    """Weights of the image-metric backbone of dataset `name`."""
    return dataset(name).classifier if backbone == "classifier" else INCEPTION_WEIGHTS


@dataclass(frozen=True)
class RunPaths:
    """Files of one run (dataset x model x seed) of an experiment."""

    experiment: str
    dataset: str
    model: str
    seed: str | int

    @property
    def folder(self) -> str:
        return f"{RESULTS}/{self.experiment}/{self.dataset}/{self.model}/seed{self.seed}"

    def file(self, name: str) -> str:
        return f"{self.folder}/{name}"

    @property
    def settings(self) -> str:
        return self.file("settings.json")

    @property
    def checkpoint(self) -> str:
        return self.file("checkpoint.pt")

    @property
    def losses(self) -> str:
        return self.file("losses.csv")

    @property
    def resume(self) -> str:
        """Folder of the in-progress state of a training run."""
        return self.file("resume")

    @property
    def samples(self) -> str:
        return self.file("samples.npz")

    @property
    def metrics(self) -> str:
        return self.file("metrics.json")

    @property
    def scatter(self) -> str:
        return self.file("scatter.png")

    @property
    def neighbours(self) -> str:
        return self.file("neighbours.png")

    @property
    def fid_curve(self) -> str:
        return self.file("fid_curve.csv")

    def picture(self, name: str) -> str:
        """A picture of the run: grid, classes, interpolation, or a family's own (forward, trajectory)."""
        return self.file(f"{name}.png")

    def sweep(self, tag: str) -> str:
        """Folder of one sampler setting of the sampler sweep."""
        return self.file(f"sweep/{tag}")

    def log(self, step: str) -> str:
        return f"{LOGS}/{self.experiment}/{self.dataset}/{self.model}/seed{self.seed}/{step}.log"

    def benchmark(self, step: str) -> str:
        return f"{BENCHMARKS}/{self.experiment}/{self.dataset}/{self.model}/seed{self.seed}/{step}.tsv"


def run(experiment: str, dataset: str, model: str, seed: str | int) -> RunPaths:
    return RunPaths(experiment, dataset, model, seed)


def run_pattern() -> RunPaths:
    """A run's paths with Snakemake wildcards for every part."""
    return RunPaths("{experiment}", "{dataset}", "{model}", "{seed}")


def sweep_file(run_paths: RunPaths, tag: str, name: str) -> str:
    return f"{run_paths.sweep(tag)}/{name}"


@dataclass(frozen=True)
class ExperimentPaths:
    """Files of an experiment as a whole."""

    experiment: str

    @property
    def folder(self) -> str:
        return f"{RESULTS}/{self.experiment}"

    @property
    def resolved_config(self) -> str:
        return f"{self.folder}/config.yaml"

    @property
    def evaluation(self) -> str:
        return f"{self.folder}/evaluation.json"

    @property
    def report(self) -> str:
        return f"{self.folder}/report"

    def report_file(self, name: str) -> str:
        """index.html, summary.csv, summary.json, runs.csv, sweep.csv."""
        return f"{self.report}/{name}"

    @property
    def report_log(self) -> str:
        return f"{LOGS}/{self.experiment}/report.log"


def experiment(name: str) -> ExperimentPaths:
    return ExperimentPaths(name)


def prepare_log(dataset_name: str) -> str:
    return f"{LOGS}/prepare/{dataset_name}.log"


def prepare_benchmark(dataset_name: str) -> str:
    return f"{BENCHMARKS}/prepare/{dataset_name}.tsv"


def backbone_log(name: str) -> str:
    return f"{LOGS}/backbone/{name}.log"


def backbone_benchmark(name: str) -> str:
    return f"{BENCHMARKS}/backbone/{name}.tsv"
