"""The image-to-image family's generators and discriminators, built from a run's settings and its data's spec."""

from __future__ import annotations

from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.families.translation.settings import TranslationSettings
from genlib.networks.translation import (
    BicubicUpscaler,
    PatchDiscriminator,
    ResNetGenerator,
    SRGANDiscriminator,
    SRResNet,
    UNetGenerator,
)


def build_translator(settings: TranslationSettings, spec: DataSpec, *, reverse: bool = False) -> nn.Module:
    """The generator mapping domain A to B (`reverse`: B to A, CycleGAN's F) for data of `spec`."""
    problem = settings.data_problem(spec)
    if problem:
        raise ValueError(problem)
    source, target = (spec.shape, spec.input_shape) if reverse else (spec.input_shape, spec.shape)
    if settings.generator == "bicubic":
        return BicubicUpscaler(scale=target[-1] // source[-1])
    if settings.generator == "srresnet":
        return SRResNet(
            channels=target[0], scale=target[-1] // source[-1], width=settings.g_channels, blocks=settings.sr_blocks
        )
    if settings.generator == "unet":
        return UNetGenerator(
            in_channels=source[0],
            out_channels=target[0],
            size=target[-1],
            width=settings.g_channels,
            norm=settings.norm,
            dropout=settings.dropout,
            dropout_levels=settings.dropout_levels,
        )
    return ResNetGenerator(
        in_channels=source[0],
        out_channels=target[0],
        width=settings.g_channels,
        blocks=settings.resnet_blocks,
        norm=settings.norm,
    )


def build_critic(settings: TranslationSettings, spec: DataSpec, *, domain: str = "b") -> nn.Module:
    """The discriminator of a translator: pix2pix's judges (input, output) pairs, CycleGAN's one domain
    (`domain` "a" or "b"), SRGAN's high-resolution images."""
    channels, size = (spec.input_shape if domain == "a" else spec.shape)[0], spec.shape[-1]
    if settings.method == "srgan":
        return SRGANDiscriminator(channels=channels, size=size, width=settings.d_channels)
    if settings.method == "pix2pix":
        channels = spec.input_shape[0] + spec.shape[0]  # the conditional D sees input and output stacked
    return PatchDiscriminator(
        in_channels=channels, width=settings.d_channels, layers=settings.patch_layers_for(size), norm=settings.norm
    )
