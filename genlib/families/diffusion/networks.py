"""The diffusion family's denoiser, built from a run's settings and its data's spec."""

from __future__ import annotations

from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.data.kinds import kind_of
from genlib.families.diffusion.settings import DiffusionSettings
from genlib.networks.unet import MLPDenoiser, UNet


def build_denoiser(settings: DiffusionSettings, spec: DataSpec) -> nn.Module:
    """The epsilon network a run's settings describe, for data of `spec`."""
    if not kind_of(spec.kind).images:
        return MLPDenoiser(width=settings.width, depth=settings.depth)
    problem = settings.data_problem(spec)
    if problem:
        raise ValueError(problem)
    return UNet(
        image_shape=spec.shape,
        channels=settings.channels,
        res_blocks=settings.res_blocks,
        dropout=settings.dropout,
        attention=settings.attention,
        num_classes=spec.num_classes if settings.conditional else 0,
    )
