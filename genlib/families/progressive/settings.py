"""Settings of the progressive GAN family (genlib.families.progressive; Karras et al. 2018) (torch-free).

Defaults are the authors' code (tkarras/progressive_growing_of_gans: config.py, train.py's
TrainingSchedule and train_progressive_gan, loss.py's D_wgangp_acgan, networks.py's G_paper and
D_paper). Training shows `stabilise_images` real images at each resolution, then fades the next
one in over `fade_images`, as their schedule does (lod_training_kimg, lod_transition_kimg).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from genlib.config.catalogue import DataKind, DataSpec
from genlib.config.run_settings import RunSettings
from genlib.config.validation import SettingsError, bounded, check_bounds
from genlib.data.kinds import IMAGES, kind_of

Phase = tuple[int, float]  # (level: index into the resolutions, alpha: how far that level is faded in)


@dataclass(frozen=True)
class ProgressiveSettings(RunSettings):
    """Everything that determines one progressive GAN run (dataset x model x seed); family "progressive"."""

    extra_pictures: ClassVar[dict[str, str]] = {
        "growth": "the EMA generator's images from fixed noise at the end of every phase of growth"
    }

    dataset: str  # prepared image dataset of square images whose side is the last resolution
    model: str  # name of the model variant
    seed: int  # seed of initialisation, batches and noise
    family: Literal["progressive"] = "progressive"
    # the resolutions trained in turn, each double the one before, from 4 px to the dataset's image size
    resolutions: tuple[int, ...] = bounded((4, 8, 16, 32), minimum=4)
    stabilise_images: int = bounded(600_000, minimum=1)  # real images shown at each resolution once faded in
    fade_images: int = bounded(600_000, minimum=1)  # real images shown while the next resolution fades in
    # real images shown in all; None: until the last resolution has faded in and stabilised once
    images: int | None = bounded(None, minimum=1)
    latent_dim: int | None = bounded(None, minimum=1)  # None: the channels of the 4 x 4 stage (the authors' nf(0))
    channels_base: int = bounded(8192, minimum=1)  # feature maps at resolution 2^r: min(base / 2^(r-1), max)
    channels_max: int = bounded(512, minimum=1)
    pixelnorm: bool = True  # pixelwise feature normalisation in G (Sec. 4.2)
    equalized_lr: bool = True  # equalised learning rate (Sec. 4.1); false: He-initialised weights used as they are
    stddev_group: int = bounded(4, minimum=0)  # minibatch stddev layer's group (Sec. 3); 0 or 1: no such layer
    gradient_penalty: float = bounded(10.0, minimum=0.0)  # WGAN-GP lambda (Gulrajani et al. 2017)
    drift: float = bounded(1e-3, minimum=0.0)  # epsilon_drift of the extra term eps * E[D(x)^2] (App. A.1)
    lr: float = bounded(1e-3, exclusive_minimum=0.0)  # Adam, both networks
    beta1: float = bounded(0.0, minimum=0.0, exclusive_maximum=1.0)
    beta2: float = bounded(0.99, minimum=0.0, exclusive_maximum=1.0)
    reset_optimizer: bool = True  # fresh Adam moments whenever a fade starts or ends (reset_opt_for_new_lod)
    batch_size: int = bounded(16, minimum=1)  # the authors' minibatch_base (their v2 preset: 64 at 32 px)
    ema_decay: float | None = bounded(0.999, exclusive_minimum=0.0, exclusive_maximum=1.0)  # G_smoothing; None: off
    checkpoint_every: int = bounded(500, minimum=1)  # steps between resumable states
    log_every: int = bounded(1, minimum=1)  # steps between rows of the loss log
    divergence_bound: float | None = bounded(1e6, exclusive_minimum=0.0)  # as for the GANs
    monitor_every: int = bounded(0, minimum=0)  # FID over training every this many steps; 0: off
    monitor_samples: int = bounded(1000, minimum=2)  # generated images per point of the curve

    def __post_init__(self) -> None:
        if self.latent_dim is None:
            object.__setattr__(self, "latent_dim", min(self.channels_base, self.channels_max))
        check_bounds(self)
        first = self.resolutions[0] if self.resolutions else None
        doubling = all(b == 2 * a for a, b in zip(self.resolutions, self.resolutions[1:]))
        if first is None or first & (first - 1) or not doubling:
            raise SettingsError(
                f"resolutions {list(self.resolutions)} must start at a power of two and double at each step "
                "(e.g. [4, 8, 16, 32])"
            )
        group = self.stddev_group
        if group > 1 and self.batch_size % min(group, self.batch_size):
            raise SettingsError(
                f"batch_size {self.batch_size} must be a multiple of stddev_group {group}: the minibatch stddev "
                "layer splits each batch into groups of that size"
            )
        if self.images is not None and self.images < self.growth_images:
            raise SettingsError(
                f"images {self.images:,} ends before the last resolution is faded in ({self.growth_images:,} images: "
                "stabilise_images x (resolutions - 1) + fade_images x (resolutions - 1)); raise images or set it to null"
            )

    @property
    def growth_images(self) -> int:
        """Real images shown until the last resolution is fully faded in."""
        return (len(self.resolutions) - 1) * (self.stabilise_images + self.fade_images)

    @property
    def total_images(self) -> int:
        """Real images shown in all: `images`, or the growth plus one stabilisation phase at the last resolution."""
        return self.images if self.images is not None else self.growth_images + self.stabilise_images

    @property
    def steps(self) -> int:
        """Training iterations (one D and one G update on a batch each)."""
        return math.ceil(self.total_images / self.batch_size)

    @property
    def first_level(self) -> int:
        """The 4 x 4 networks' level of the first resolution: 0 at 4 px, 1 at 8 px, ..."""
        return int(math.log2(self.resolutions[0])) - 2

    def phase_at(self, images_shown: int) -> Phase:
        """(level, alpha) after `images_shown` real images, as the authors' TrainingSchedule: each resolution
        stabilises for `stabilise_images`, then the next fades in linearly over `fade_images` (level counts from
        the first of `resolutions`; the networks' own level adds `first_level`)."""
        period = self.stabilise_images + self.fade_images
        index, within = divmod(images_shown, period)
        last = len(self.resolutions) - 1
        if index >= last:
            return last, 1.0
        if within <= self.stabilise_images:
            return index, 1.0
        return index + 1, (within - self.stabilise_images) / self.fade_images

    def phase_boundaries(self) -> list[tuple[int, str]]:
        """(real images shown, label) where each fade starts and ends: the marks of curves over training."""
        marks = []
        for index in range(1, len(self.resolutions)):
            start = index * self.stabilise_images + (index - 1) * self.fade_images
            size = self.resolutions[index]
            marks += [(start, f"{size} px fades in"), (start + self.fade_images, f"{size} px")]
        return [(images, label) for images, label in marks if images < self.total_images]

    @property
    def data_kind(self) -> DataKind:
        return IMAGES.name

    def data_problem(self, spec: DataSpec) -> str | None:
        """Why this run's networks cannot take data of `spec`, or None when they can."""
        if kind_of(spec.kind) is not IMAGES:
            return f"a progressive GAN generates images, but {self.dataset} holds {spec.kind}"
        _, height, width = spec.shape
        if height != width or height != self.resolutions[-1]:
            return (
                f"resolutions end at {self.resolutions[-1]} px, but {self.dataset} has {height} x {width} images: "
                f"end resolutions at {height} (and set data.{self.dataset}.image_size to a power of two, e.g. 32)"
            )
        return None


SETTINGS = ProgressiveSettings


# The progressive GAN's model variant (a config may add its own or change any field).
PRESETS: dict[str, dict[str, Any]] = {
    # Karras et al. 2018: progressive growing 4 px -> the data's size, WGAN-GP + drift, the authors' defaults
    # (genlib.families.progressive.settings); resolutions must end at the dataset's image size.
    "progressive": dict(),
}
