"""Networks of the GANs, built from a run's settings and the shape of its data."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from genlib.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from genlib.networks.mlp import MLPDiscriminator2D, MLPGenerator2D, MLPImageDiscriminator, MLPImageGenerator
from genlib.config.settings import RunSettings


@dataclass(frozen=True)
class DataSpec:
    """What the networks need to know of a dataset: the shape of one sample and the number of classes."""

    shape: tuple[int, ...]  # (2,) for points, (C, H, W) for images
    num_classes: int = 0  # 0: no labels

    @property
    def is_image(self) -> bool:
        return len(self.shape) == 3


def uses_discriminator_batch_norm(settings: RunSettings) -> bool:
    """DCGAN's discriminator batch norm unless a gradient penalty or spectral norm stands in for it."""
    if settings.d_batch_norm is not None:
        return settings.d_batch_norm
    return settings.gradient_penalty == 0 and not settings.spectral_norm


def check_compatible(settings: RunSettings, spec: DataSpec) -> None:
    """Raise ValueError when the run's networks cannot take the data (before any training starts)."""
    if settings.network == "dcgan":
        if not spec.is_image:
            raise ValueError(f"network dcgan needs images, but {settings.dataset} holds points of shape {spec.shape}")
        channels, height, width = spec.shape
        if height != width or height not in (28, 32, 64):
            raise ValueError(
                f"network dcgan is built for square 28, 32 or 64 px images; {settings.dataset} has {height} x {width}: "
                f"set data.{settings.dataset}.image_size to 28, 32 or 64"
            )
    if settings.conditioning != "none" and spec.num_classes < 2:
        raise ValueError(f"conditioning {settings.conditioning!r} needs class labels, but {settings.dataset} has none")


def build_generator(settings: RunSettings, spec: DataSpec) -> nn.Module:
    """The generator a run's settings describe, for data of `spec`."""
    check_compatible(settings, spec)
    if not spec.is_image:
        return MLPGenerator2D(
            latent_dim=settings.latent_dim, width=settings.g_width, depth=settings.g_depth,
            batch_norm=settings.g_batch_norm,
        )
    if settings.network == "mlp":
        return MLPImageGenerator(latent_dim=settings.latent_dim, image_shape=spec.shape)
    return DCGANGenerator(
        latent_dim=settings.latent_dim, image_shape=spec.shape, channels=settings.g_channels,
        batch_norm=settings.g_batch_norm, num_classes=spec.num_classes if settings.conditioning != "none" else 0,
    )


def build_discriminator(settings: RunSettings, spec: DataSpec) -> nn.Module:
    """The discriminator (critic) a run's settings describe, for data of `spec`."""
    check_compatible(settings, spec)
    if not spec.is_image:
        return MLPDiscriminator2D(width=settings.d_width, depth=settings.d_depth, spectral_norm=settings.spectral_norm)
    if settings.network == "mlp":
        return MLPImageDiscriminator(image_shape=spec.shape, spectral_norm=settings.spectral_norm)
    return DCGANDiscriminator(
        image_shape=spec.shape, channels=settings.d_channels, batch_norm=uses_discriminator_batch_norm(settings),
        spectral_norm=settings.spectral_norm, num_classes=spec.num_classes if settings.conditioning != "none" else 0,
        conditioning=settings.conditioning,
    )
