"""The GAN family's networks, built from a run's settings and its data's spec (the modules are in genlib.networks)."""

from __future__ import annotations

from torch import nn

from genlib.config.catalogue import DataSpec
from genlib.data.kinds import kind_of
from genlib.families.gan.settings import GANSettings
from genlib.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from genlib.networks.mlp import MLPDiscriminator2D, MLPGenerator2D, MLPImageDiscriminator, MLPImageGenerator
from genlib.networks.pacgan import MaxoutDiscriminator2D, PacGANGenerator2D, PackedDiscriminator
from genlib.networks.stacked_mnist import (
    UnrolledDCGANDiscriminator,
    UnrolledDCGANGenerator,
    VEEGANDCGANDiscriminator,
    VEEGANDCGANGenerator,
)


def uses_discriminator_batch_norm(settings: GANSettings) -> bool:
    """DCGAN's discriminator batch norm unless a gradient penalty or spectral norm stands in for it."""
    if settings.d_batch_norm is not None:
        return settings.d_batch_norm
    return settings.gradient_penalty == 0 and not settings.spectral_norm


def check_compatible(settings: GANSettings, spec: DataSpec) -> None:
    """Raise ValueError when the run's networks cannot take the data (before any training starts)."""
    problem = settings.data_problem(spec)
    if problem:
        raise ValueError(problem)


def build_generator(settings: GANSettings, spec: DataSpec) -> nn.Module:
    """The generator a run's settings describe, for data of `spec`."""
    check_compatible(settings, spec)
    if settings.network == "pacgan":
        return PacGANGenerator2D(latent_dim=settings.latent_dim, width=settings.g_width, depth=settings.g_depth)
    if not kind_of(spec.kind).images:
        return MLPGenerator2D(
            latent_dim=settings.latent_dim,
            width=settings.g_width,
            depth=settings.g_depth,
            batch_norm=settings.g_batch_norm,
        )
    if settings.network == "mlp":
        return MLPImageGenerator(latent_dim=settings.latent_dim, image_shape=spec.shape)
    if settings.network == "veegan-dcgan":
        return VEEGANDCGANGenerator(
            latent_dim=settings.latent_dim, image_shape=spec.shape, channels=settings.g_channels
        )
    if settings.network == "unrolled-dcgan":
        return UnrolledDCGANGenerator(latent_dim=settings.latent_dim, image_shape=spec.shape)
    return DCGANGenerator(
        latent_dim=settings.latent_dim,
        image_shape=spec.shape,
        channels=settings.g_channels,
        batch_norm=settings.g_batch_norm,
        num_classes=spec.num_classes if settings.conditioning != "none" else 0,
    )


def build_discriminator(settings: GANSettings, spec: DataSpec) -> nn.Module:
    """The discriminator (critic) a run's settings describe, for data of `spec`; with packing m > 1 it
    judges m samples at once (PacGAN, Lin et al. 2018) and is called on ordinary batches. For Diffusion-GAN
    it takes one more channel, the timestep (the family puts genlib.gan.diffusion_gan in front of it)."""
    check_compatible(settings, spec)
    seen = spec
    if settings.diffusion_gan:  # Diffusion-GAN: D also sees t, as one more channel (genlib.gan.diffusion_gan)
        seen = DataSpec(spec.kind, (spec.shape[0] + 1, *spec.shape[1:]), spec.num_classes)
    discriminator = _unpacked_discriminator(settings, seen)
    if settings.packing > 1:
        discriminator = PackedDiscriminator(discriminator, settings.packing)
    return discriminator


def _unpacked_discriminator(settings: GANSettings, spec: DataSpec) -> nn.Module:
    """D of one (unpacked) example of `spec`, built for `packing` of them side by side."""
    m = settings.packing
    if settings.network == "pacgan":
        return MaxoutDiscriminator2D(
            inputs=spec.shape[0] * m, width=settings.d_width, depth=settings.d_depth, pieces=settings.maxout_pieces
        )
    if not kind_of(spec.kind).images:
        return MLPDiscriminator2D(
            inputs=spec.shape[0] * m,
            width=settings.d_width,
            depth=settings.d_depth,
            spectral_norm=settings.spectral_norm,
        )
    channels, height, width = spec.shape
    packed_shape = (channels * m, height, width)  # m images stacked along the channels
    if settings.network == "mlp":
        return MLPImageDiscriminator(image_shape=packed_shape, spectral_norm=settings.spectral_norm)
    if settings.network == "veegan-dcgan":
        return VEEGANDCGANDiscriminator(image_shape=packed_shape, channels=settings.d_channels)
    if settings.network == "unrolled-dcgan":
        return UnrolledDCGANDiscriminator(image_shape=packed_shape, channels=settings.d_channels)
    return DCGANDiscriminator(
        image_shape=packed_shape,
        channels=settings.d_channels,
        batch_norm=uses_discriminator_batch_norm(settings),
        spectral_norm=settings.spectral_norm,
        num_classes=spec.num_classes if settings.conditioning != "none" else 0,
        conditioning=settings.conditioning,
    )
