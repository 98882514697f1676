"""Settings of the diffusion family (genlib.families.diffusion): one diffusion run and its sampler (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from genlib.config.catalogue import MIXTURE_NAMES, DataKind, DataSpec, data_kind
from genlib.config.run_settings import RunSettings
from genlib.config.validation import SettingsError, bounded, check_bounds
from genlib.data.kinds import kind_of


@dataclass(frozen=True)
class DiffusionSettings(RunSettings):
    """Everything that determines one diffusion run (dataset x model x seed) and how it is sampled."""

    extra_pictures: ClassVar[dict[str, str]] = {
        "forward": "forward noising of real images, x_0 to x_T",
        "trajectory": "the sampler's states, x_T to x_0",
    }

    dataset: str  # prepared dataset to train on
    model: str  # name of the model variant
    seed: int  # seed of initialisation, batches, steps and noise
    family: Literal["diffusion"] = "diffusion"  # marks a diffusion variant in the catalogue
    # forward process (genlib.diffusion.schedules)
    schedule: Literal["linear", "cosine"] = "linear"  # Ho et al. 2020 / Nichol & Dhariwal 2021
    timesteps: int = bounded(1000, minimum=1)  # T
    # epsilon network: a U-Net for images, an MLP for 2-D points (genlib.networks.unet)
    channels: int = bounded(32, minimum=1)  # U-Net base channels
    res_blocks: int = bounded(1, minimum=1)  # residual blocks per U-Net resolution
    attention: bool = True  # self-attention at the U-Net's lowest resolution
    dropout: float = bounded(0.1, minimum=0.0, exclusive_maximum=1.0)  # dropout in the U-Net's residual blocks
    width: int = bounded(128, minimum=1)  # 2-D MLP: units per hidden layer
    depth: int = bounded(3, minimum=1)  # 2-D MLP: hidden layers
    conditional: bool = False  # class labels in, for classifier-free guidance (Ho & Salimans 2021); images only
    label_dropout: float = bounded(
        0.1, minimum=0.0, exclusive_maximum=1.0
    )  # probability of training on the "no class" label (conditional only)
    guidance: float = bounded(0.0, minimum=0.0)  # guidance weight w when sampling a conditional model
    # optimisation: Adam with the simple loss ||eps - eps_theta||^2 (Ho et al. 2020, eq. 14)
    lr: float = bounded(2e-4, exclusive_minimum=0.0)
    batch_size: int = bounded(128, minimum=1)
    steps: int = bounded(2000, minimum=1)  # optimiser steps
    ema_decay: float | None = bounded(
        0.999, exclusive_minimum=0.0, exclusive_maximum=1.0
    )  # exponential moving average of the weights, used for sampling; None: off
    checkpoint_every: int = bounded(500, minimum=1)  # write a resumable checkpoint every this many steps
    log_every: int = bounded(1, minimum=1)  # write a loss row every this many steps
    # a loss or parameter beyond +-this marks the run diverged at that step; null: only non-finite values do
    divergence_bound: float | None = bounded(1e6, exclusive_minimum=0.0)
    monitor_every: int = bounded(0, minimum=0)  # images: FID of a small sample every this many steps; 0: off
    monitor_samples: int = bounded(1000, minimum=2)  # samples per point of that curve
    # sampling (genlib.diffusion.samplers)
    sampler: Literal["ddpm", "ddim"] = "ddim"  # ancestral DDPM (Ho et al. 2020) or DDIM (Song et al. 2021)
    sampler_steps: int | None = bounded(50, minimum=1)  # S, the steps the sampler visits; None: all T
    eta: float = bounded(
        0.0, minimum=0.0, maximum=1.0
    )  # DDIM stochasticity: 0 deterministic, 1 DDPM-like (Song et al. 2021, eq. 16)
    spacing: Literal["uniform", "quadratic"] = "uniform"  # which S of the T steps the sampler visits
    # clip the predicted x_0 to the data range [-1, 1] in each step (images only); null: as the authors'
    # code (ermongroup/ddim): the DDPM step clips, the DDIM step does not
    clip_x0: bool | None = None

    def __post_init__(self) -> None:
        check_bounds(self)
        if self.sampler_steps is not None and not 1 <= self.sampler_steps <= self.timesteps:
            raise SettingsError(
                f"sampler_steps {self.sampler_steps} is outside 1 to timesteps {self.timesteps}; allowed values: 1 to {self.timesteps}, or null for all"
            )
        if self.conditional and self.dataset in MIXTURE_NAMES:
            raise SettingsError(f"conditional: 2-D dataset {self.dataset} has no classes")
        if self.clip_x0 and self.dataset in MIXTURE_NAMES:
            raise SettingsError(
                f"clip_x0: 2-D dataset {self.dataset} does not lie in [-1, 1], so its predicted x_0 cannot be "
                "clipped to it; set clip_x0 to false or null"
            )
        if self.schedule == "linear" and self.timesteps < 21:  # genlib.diffusion.schedules.LINEAR_MIN_TIMESTEPS
            raise SettingsError(
                f"timesteps {self.timesteps} is too few for the linear schedule: its last beta, 0.02 x 1000 / T, "
                f"would reach 1 or more; allowed values: 21 or more, or schedule: cosine"
            )

    @property
    def data_kind(self) -> DataKind:
        """The kind of data this run trains on, decided by its dataset."""
        return data_kind(self.dataset)

    @property
    def clips_x0(self) -> bool:
        """Whether the sampler clips its predicted x_0: `clip_x0`, or by default as the authors' code
        does (DDPM yes, DDIM no); never for 2-D points, which do not lie in [-1, 1]."""
        if not kind_of(self.data_kind).images:
            return False
        return self.clip_x0 if self.clip_x0 is not None else self.sampler == "ddpm"

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's denoiser cannot take data of `spec`, or None when it can."""
        if self.conditional and spec.num_classes < 2:
            return f"conditional diffusion needs class labels, but {self.dataset} has none"
        return None


SETTINGS = DiffusionSettings


# Named model variants of the diffusion family (a config may add its own or change any field).
PRESETS: dict[str, dict[str, Any]] = {
    # Ho et al. 2020: linear schedule, T = 1000, Adam 2e-4, EMA; sampled with DDIM, 50 steps, eta 0 (Song et al. 2021).
    "ddpm": dict(schedule="linear", timesteps=1000, lr=2e-4, sampler="ddim", sampler_steps=50, eta=0.0),
    # The same model sampled ancestrally over all T steps (Ho et al. 2020, Algorithm 2).
    "ddpm-ancestral": dict(schedule="linear", timesteps=1000, lr=2e-4, sampler="ddpm", sampler_steps=None),
    # Cosine schedule (Nichol & Dhariwal 2021).
    "ddpm-cosine": dict(schedule="cosine", timesteps=1000, lr=2e-4, sampler="ddim", sampler_steps=50),
    # Class-conditional with classifier-free guidance w = 1 (Ho & Salimans 2021).
    "ddpm-cfg": dict(
        schedule="linear",
        timesteps=1000,
        lr=2e-4,
        conditional=True,
        guidance=1.0,
        sampler="ddim",
        sampler_steps=50,
    ),
}
