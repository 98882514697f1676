"""Every file name the pipeline writes, made in one place.

The rules (through workflow/rules/common.smk), the DVC stage writer, the CLI and the report ask
this module; called with wildcard names ("{dataset}") it gives Snakemake's patterns.

    data/{dataset}/                  prepared data, metric backbone, reference statistics
    resources/                       raw downloads, the Inception weights
    results/{experiment}/{dataset}/{model}/seed{seed}/   one run
    results/{experiment}/report/     the comparison report
    logs/                            one log per job, ending with its resource use (genlib.pipeline.job_usage)
    benchmarks/                      Snakemake's timing of the prepare and backbone jobs
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genlib.config.catalogue import INCEPTION_FILE

DATA = "data"
RESOURCES = "resources"
RESULTS = "results"
LOGS = "logs"
BENCHMARKS = "benchmarks"
DEFAULT_CONFIG = "config/config.yaml"
LOCK = "requirements.lock"  # exact versions of everything the README installs (genlib.io.lock)
DEFAULT_PUBLISHED = ("config/published/toy2d.csv",)
INCEPTION_WEIGHTS = f"{RESOURCES}/inception/{INCEPTION_FILE}"
# The pictures every image run draws in its sample step (families may add their own).
RUN_PICTURES = ("grid", "classes", "interpolation")


@dataclass(frozen=True)
class DatasetPaths:
    """Files of one prepared dataset, in its folder (data/{dataset} in the pipeline)."""

    folder: str

    def file(self, name: str) -> str:
        return f"{self.folder}/{name}"

    @property
    def settings(self) -> str:
        return self.file("settings.json")

    @property
    def meta(self) -> str:
        """Written last by the prepare step: its presence marks a finished dataset."""
        return self.file("meta.json")

    def split(self, split: str, kind: str) -> str:
        """The prepared array of a split: .npy points or .npz images with labels."""
        return self.file(f"{split}.{'npy' if kind == 'points' else 'npz'}")

    @property
    def classifier(self) -> str:
        return self.file("classifier.pt")

    def reference(self, backbone_tag: str) -> str:
        """Reference features and statistics under one backbone (its tag names the resize, see backbone_tag)."""
        return self.file(f"reference-{backbone_tag}.npz")


def dataset(name: str) -> DatasetPaths:
    """The files of dataset `name` in the pipeline's data folder."""
    return DatasetPaths(f"{DATA}/{name}")


def dataset_at(folder: str | Path) -> DatasetPaths:
    """The files of the prepared dataset in `folder`."""
    return DatasetPaths(str(folder))


def backbone_tag(backbone: str, inception_antialias: bool) -> str:
    """The backbone's name in file names: Inception features depend on the resize, so it is part of the name."""
    return backbone + ("-antialias" if backbone == "inception" and inception_antialias else "")


def backbone_weights(name: str, backbone: str) -> str:
    """Weights of the image-metric backbone of dataset `name`."""
    return dataset(name).classifier if backbone == "classifier" else INCEPTION_WEIGHTS


@dataclass(frozen=True)
class RunPaths:
    """Files of one run (dataset x model x seed), in its folder (results/{experiment}/{dataset}/{model}/seed{seed})."""

    folder: str

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
        """Folder of the in-progress state of a training run; after the run it holds the final state until the
        sample step has read the checkpoint (genlib.training.resumable.release_final_state)."""
        return self.file("resume")

    @property
    def train_lock(self) -> str:
        """Held by the training job of the run for its whole life (genlib.training.ownership)."""
        return self.file("train.lock")

    @property
    def resume_state(self) -> str:
        return f"{self.resume}/state.pt"

    @property
    def resume_previous_state(self) -> str:
        """The snapshot before the last one, kept in case the last one is damaged."""
        return f"{self.resume}/state.previous.pt"

    @property
    def resume_final_state(self) -> str:
        """The finished run's checkpoint (a hard link to it where the file system has them), kept outside the
        job's outputs: a rerun that finds the checkpoint deleted (--rerun-incomplete) publishes it again."""
        return f"{self.resume}/final.pt"

    @property
    def resume_losses(self) -> str:
        return f"{self.resume}/losses.csv"

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

    @property
    def arithmetic(self) -> str:
        """Latent arithmetic's shares (genlib.sampling.arithmetic); its figure is picture("arithmetic")."""
        return self.file("arithmetic.json")

    def picture(self, name: str) -> str:
        """A picture of the run: grid, classes, interpolation, or a family's own (forward, trajectory)."""
        return self.file(f"{name}.png")

    def sweep(self, tag: str) -> RunPaths:
        """Files of one sampler setting of the sampler sweep (samples.npz, metrics.json), in their own folder."""
        return RunPaths(self.file(f"sweep/{tag}"))

    def log(self, step: str) -> str:
        """The log of one job of the run, under logs/ with the run folder's relative path."""
        return f"{LOGS}/{self._relative}/{step}.log"

    @property
    def _relative(self) -> str:
        prefix = f"{RESULTS}/"
        if not self.folder.startswith(prefix):
            raise ValueError(f"{self.folder} is not a run folder under {prefix}")
        return self.folder[len(prefix) :]


def run(experiment: str, dataset: str, model: str, seed: str | int) -> RunPaths:
    """The files of one run of an experiment."""
    return RunPaths(f"{RESULTS}/{experiment}/{dataset}/{model}/seed{seed}")


def run_at(folder: str | Path) -> RunPaths:
    """The files of the run whose folder is `folder`."""
    return RunPaths(str(folder))


@dataclass(frozen=True)
class ModelPaths:
    """Files of all seeds of one model on one dataset (the batched trainer's job)."""

    experiment: str
    dataset: str
    model: str

    def runs(self, seeds: list[int]) -> list[RunPaths]:
        return [run(self.experiment, self.dataset, self.model, seed) for seed in seeds]

    def log(self, step: str) -> str:
        return f"{LOGS}/{self.experiment}/{self.dataset}/{self.model}/{step}.log"


def model_pattern() -> ModelPaths:
    """The seeds-of-one-model paths with Snakemake wildcards."""
    return ModelPaths("{experiment}", "{dataset}", "{model}")


def run_pattern() -> RunPaths:
    """A run's paths with Snakemake wildcards for every part."""
    return run("{experiment}", "{dataset}", "{model}", "{seed}")


@dataclass(frozen=True)
class ReportPaths:
    """Files of the comparison report, in its folder (results/{experiment}/report)."""

    folder: str

    def file(self, name: str) -> str:
        return f"{self.folder}/{name}"

    @property
    def page(self) -> str:
        return self.file("index.html")

    @property
    def summary_csv(self) -> str:
        return self.file("summary.csv")

    @property
    def summary_json(self) -> str:
        return self.file("summary.json")

    @property
    def runs_csv(self) -> str:
        return self.file("runs.csv")

    @property
    def sweep_csv(self) -> str:
        return self.file("sweep.csv")

    @property
    def reproduction_csv(self) -> str:
        """A published table reproduced, one row per (method, dataset, metric) (configs with `reproduces`)."""
        return self.file("reproduction.csv")


def report_at(folder: str | Path) -> ReportPaths:
    return ReportPaths(str(folder))


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
    def report(self) -> ReportPaths:
        return ReportPaths(f"{self.folder}/report")

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
