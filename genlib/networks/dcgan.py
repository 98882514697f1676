"""Deep convolutional GAN (Radford et al. 2016, Sec. 3) for 28, 32 and 64 px, optionally class-conditional.

The architecture guidelines of the paper: strided convolutions in D and fractionally strided
convolutions in G instead of pooling; batch norm in both (not on G's output or D's input); ReLU in
G with Tanh on its output; LeakyReLU(0.2) in D; weights drawn from N(0, 0.02).

Resolutions: 64 px is the paper's network (4 -> 8 -> 16 -> 32 -> 64); 32 px drops one stage
(4 -> 8 -> 16 -> 32); 28 px starts from 7 x 7 (7 -> 14 -> 28), the usual MNIST form.

Conditioning on class labels (`num_classes > 0`):
- G always receives the one-hot label concatenated to the noise (Mirza & Osindero 2014, Sec. 4.1).
- D either receives the one-hot label as extra constant input planes ("concat", the image form of
  Mirza & Osindero's concatenation) or scores its features with a learned class embedding
  ("projection", Miyato & Koyama 2018, eq. 3: f(x, y) = psi(phi(x)) + embed(y) . phi(x)).

The discriminator returns raw scores (B,); the objective decides how to read them.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm

Conditioning = Literal["none", "concat", "projection"]


def dcgan_geometry(size: int) -> tuple[int, int]:
    """(side of the first feature map, number of x2 stages) of a DCGAN for `size` px images."""
    if size == 28:
        return 7, 2
    if size in (32, 64):
        return 4, {32: 3, 64: 4}[size]
    raise ValueError(
        f"DCGAN is built for 28, 32 or 64 px images, not {size}; set the dataset's image_size to one of them"
    )


def init_dcgan_weights(module: nn.Module) -> None:
    """N(0, 0.02) for (transposed) convolutions and linear layers, N(1, 0.02) for batch-norm scales (Radford et al. 2016, Sec. 4).

    A spectrally normalised layer is skipped: `with_spectral_norm` drew its weight before the
    parametrisation (which computes `weight` afresh on every access, so drawing into it would change
    nothing) and its power iteration started from that draw.
    """
    if parametrize.is_parametrized(module):
        return
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def with_spectral_norm(layer: nn.Module) -> nn.Module:
    """`layer` with DCGAN's N(0, 0.02) weights, divided by their largest singular value (Miyato et al. 2018, eq. 8)."""
    init_dcgan_weights(layer)
    return apply_spectral_norm(layer)


class DCGANGenerator(nn.Module):
    """Noise (B, latent_dim) [+ labels (B,)] -> images (B, C, H, W) in [-1, 1]."""

    def __init__(
        self,
        *,
        latent_dim: int = 100,
        image_shape: tuple[int, int, int] = (1, 28, 28),
        channels: int = 64,
        batch_norm: bool = True,
        num_classes: int = 0,
    ):
        super().__init__()
        self.latent_dim, self.image_shape, self.num_classes = latent_dim, image_shape, num_classes
        out_channels, size, _ = image_shape
        base, stages = dcgan_geometry(size)
        widths = [channels * 2 ** (stages - 1 - i) for i in range(stages)]  # e.g. 32 px: [4c, 2c, c]

        def norm(width: int) -> nn.Module:
            return nn.BatchNorm2d(width) if batch_norm else nn.Identity()

        # Project and reshape: a transposed convolution over a 1 x 1 input.   # (B, widths[0], base, base)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim + num_classes, widths[0], base, 1, 0, bias=not batch_norm),
            norm(widths[0]),
            nn.ReLU(True),
        ]
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):  # each stage doubles the side
            layers += [nn.ConvTranspose2d(fan_in, fan_out, 4, 2, 1, bias=not batch_norm), norm(fan_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[-1], out_channels, 4, 2, 1), nn.Tanh()]  # (B, C, size, size)
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes:
            z = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], dim=1)
        return self.net(z[:, :, None, None])  # (B, C, H, W)


class DCGANDiscriminator(nn.Module):
    """Images (B, C, H, W) [+ labels (B,)] -> scores (B,)."""

    def __init__(
        self,
        *,
        image_shape: tuple[int, int, int] = (1, 28, 28),
        channels: int = 64,
        batch_norm: bool = True,
        spectral_norm: bool = False,
        num_classes: int = 0,
        conditioning: Conditioning = "none",
    ):
        super().__init__()
        if num_classes and conditioning == "none":
            raise ValueError("a discriminator with classes needs conditioning 'concat' or 'projection'")
        self.num_classes, self.conditioning = num_classes, conditioning
        in_channels, size, _ = image_shape
        base, stages = dcgan_geometry(size)
        widths = [channels * 2**i for i in range(stages)]  # e.g. 32 px: [c, 2c, 4c]

        def sn(layer: nn.Module) -> nn.Module:
            return with_spectral_norm(layer) if spectral_norm else layer

        extra = num_classes if conditioning == "concat" else 0
        # No batch norm on D's input layer (Radford et al. 2016, Sec. 3).
        layers: list[nn.Module] = [sn(nn.Conv2d(in_channels + extra, widths[0], 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):  # each stage halves the side
            layers += [
                sn(nn.Conv2d(fan_in, fan_out, 4, 2, 1, bias=not batch_norm)),
                nn.BatchNorm2d(fan_out) if batch_norm else nn.Identity(),
                nn.LeakyReLU(0.2, True),
            ]
        self.features = nn.Sequential(*layers, nn.Flatten())  # (B, widths[-1] * base * base)
        feature_dim = widths[-1] * base * base
        # The paper's final base x base convolution to one channel is this linear layer on the flattened map.
        self.head = sn(nn.Linear(feature_dim, 1))
        self.embed = sn(nn.Embedding(num_classes, feature_dim)) if conditioning == "projection" else None
        self.apply(init_dcgan_weights)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.conditioning == "concat":
            planes = F.one_hot(labels, self.num_classes).to(x.dtype)[:, :, None, None]
            x = torch.cat([x, planes.expand(-1, -1, *x.shape[2:])], dim=1)
        phi = self.features(x)  # (B, F)
        scores = self.head(phi).squeeze(1)  # (B,)
        if self.embed is not None:
            scores = scores + (self.embed(labels) * phi).sum(dim=1)  # projection term
        return scores
