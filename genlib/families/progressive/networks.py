"""The progressive family's G and D, built from a run's settings and its data's spec."""

from __future__ import annotations

from genlib.config.catalogue import DataSpec
from genlib.families.progressive.settings import ProgressiveSettings
from genlib.networks.progressive import ProgressiveDiscriminator, ProgressiveGenerator


def build_progressive_pair(
    settings: ProgressiveSettings, spec: DataSpec
) -> tuple[ProgressiveGenerator, ProgressiveDiscriminator]:
    """G and D of a run, for data of `spec` (checked first)."""
    problem = settings.data_problem(spec)
    if problem:
        raise ValueError(problem)
    channels, resolution = spec.shape[0], spec.shape[-1]
    widths = {"channels_base": settings.channels_base, "channels_max": settings.channels_max}
    generator = ProgressiveGenerator(
        latent_dim=settings.latent_dim,
        image_channels=channels,
        resolution=resolution,
        pixelnorm=settings.pixelnorm,
        equalized=settings.equalized_lr,
        **widths,
    )
    discriminator = ProgressiveDiscriminator(
        image_channels=channels,
        resolution=resolution,
        stddev_group=settings.stddev_group,
        equalized=settings.equalized_lr,
        **widths,
    )
    return generator, discriminator
