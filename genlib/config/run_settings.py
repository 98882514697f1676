"""What the pipeline asks of every model family's settings: the base of each family's settings dataclass.

A family's settings (the `SETTINGS` of its folder's settings.py, genlib.families.discovery) is a
frozen dataclass with the run's identity (dataset, model, seed), its `family` and its own fields,
each with a comment. The methods below are the questions the config checks and the workflow ask of
a run before any job starts; a family answers those that concern it and inherits the rest.
"""

from __future__ import annotations

from typing import Any, ClassVar

from genlib.config.catalogue import DataKind, DataSpec, data_kind


class RunSettings:
    """Defaults of the questions asked of a run's settings; subclasses are frozen dataclasses."""

    dataset: str
    model: str
    seed: int
    family: str
    # Data kinds on which the family can train all seeds of a model as one batched job (its FAMILY's
    # `train_group`), when a config asks for `batch_seeds`; none by default.
    batched_kinds: ClassVar[tuple[DataKind, ...]] = ()
    # Pictures the family draws besides the common ones (images only), name -> caption: declared here, torch-free,
    # so that the workflow plans their jobs without loading the family's code; its FAMILY draws them.
    extra_pictures: ClassVar[dict[str, str]] = {}

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this run trains on (genlib.data.kinds), by default decided by its dataset."""
        return data_kind(self.dataset)

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's networks cannot take data of `spec`, or None when they can."""
        return None

    def training_inputs(self, experiment: str) -> dict[str, str]:
        """Files the run's training reads besides its data, by name (the train verb's `--input NAME=PATH`): the
        checkpoint of another run it starts from, a feature network of its loss."""
        return {}

    def run_problem(self, models: list[str], spec: DataSpec) -> str | None:
        """Why the run cannot start in a config of these `models` on data of `spec` (what it reads is missing),
        or None."""
        return None

    @classmethod
    def group_problem(cls, settings_list: list[Any]) -> str | None:
        """Why these runs (one model's seeds, on one of `batched_kinds`) cannot train as one batched job, or None."""
        return f"the {settings_list[0].family} family has no batched trainer; these runs train one per job"
