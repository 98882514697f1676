"""Settings of the evaluation: how samples are scored, and the points of a sampler sweep (torch-free)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from genlib.config.catalogue import MIXTURE_NAMES
from genlib.config.validation import SettingsError, bounded, check_bounds


@dataclass(frozen=True)
class EvaluationSettings:
    """How samples are scored: sample counts, the feature backbone of image metrics, and its options."""

    n_samples: int | None = bounded(
        None, minimum=2
    )  # generated samples scored per run; None: 2,500 for 2-D data (PacGAN), 10,000 for images
    sample_seed: int = bounded(12345, minimum=0)  # seed of the evaluation noise, the same for every run
    backbone: Literal["classifier", "inception"] = (
        "classifier"  # features of image metrics (see genlib.metrics.backbones)
    )
    inception_weights: str | None = None  # torch-fidelity's InceptionV3 weights file; None: the torch hub cache
    inception_antialias: bool = (
        False  # antialiased resize to 299 px; false matches the TF Inception of published tables
    )
    classifier_epochs: int = bounded(3, minimum=1)  # epochs of the offline classifier backbone on the training split
    classifier_seed: int = bounded(0, minimum=0)  # seed of the classifier's training
    kid_subsets: int = bounded(100, minimum=1)  # random subsets of the KID estimate (Binkowski et al. 2018)
    kid_subset_size: int = bounded(1000, minimum=2)  # samples per KID subset (capped at the smaller set)
    precision_recall_k: int = bounded(
        3, minimum=1
    )  # k of the k-NN manifolds of precision and recall (Kynkaanniemi et al. 2019)
    grid_size: int = bounded(64, minimum=1)  # images in the fixed-noise sample grid (a square number)
    # sliced Wasserstein distance (Karras et al. 2018) of at most this many generated images against as many
    # held-out real ones, on every image family's samples of at least 16 px; 0: off. The authors use 16,384;
    # the cost is about 12 s per 1,000 images of 32 px (two pyramid levels) on one CPU core (genlib.metrics.swd)
    swd_images: int = bounded(2000, minimum=0)

    def __post_init__(self) -> None:
        check_bounds(self)
        if int(self.grid_size**0.5) ** 2 != self.grid_size:
            raise SettingsError(f"grid_size must be a square number (16, 64, 100, ...), got {self.grid_size!r}")

    def samples_for(self, dataset: str) -> int:
        """Generated samples scored per run of `dataset`."""
        if self.n_samples is not None:
            return self.n_samples
        return 2500 if dataset in MIXTURE_NAMES else 10_000


@dataclass(frozen=True)
class SweepPoint:
    """One sampler setting of a sampler sweep (config key `sampler_sweep`), applied to a trained diffusion model."""

    sampler: Literal["ddpm", "ddim"]  # DDPM with sigma-hat, or DDIM (Song et al. 2021, Table 1)
    sampler_steps: int  # S
    eta: float = 0.0  # DDIM only
    spacing: Literal["uniform", "quadratic"] = "uniform"

    @property
    def tag(self) -> str:
        """The setting's folder name, e.g. ddim-eta0-quadratic-S10."""
        eta = f"-eta{self.eta:g}" if self.sampler == "ddim" else ""
        return f"{self.sampler}{eta}-{self.spacing}-S{self.sampler_steps}"

    @property
    def label(self) -> str:
        """The setting's sampler without S, for plots and tables, e.g. "DDIM eta=0"."""
        return f"DDIM eta={self.eta:g}" if self.sampler == "ddim" else "DDPM (sigma-hat)"

    def overrides(self) -> dict[str, Any]:
        """The DiffusionSettings fields this setting replaces."""
        return dataclasses.asdict(self)
