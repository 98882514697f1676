"""Multilayer perceptron GANs: the 2-D benchmark pair and the classic image pair.

Unconditional: the `labels` argument of every forward exists only so that all networks share one
call signature. The discriminators return raw scores (logits for the probabilistic objectives, critic values for
the Wasserstein ones); the objective decides how to read them.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm


def _linear(fan_in: int, fan_out: int, spectral: bool) -> nn.Module:
    layer = nn.Linear(fan_in, fan_out)
    # Spectral normalisation divides W by its largest singular value (Miyato et al. 2018, eq. 8).
    return apply_spectral_norm(layer) if spectral else layer


class MLPGenerator2D(nn.Module):
    """Noise (B, latent_dim) -> points (B, 2): ReLU hidden layers with batch norm (the PacGAN authors'
    exact generator, bias-free with N(0, 0.02) weights, is genlib.networks.pacgan)."""

    def __init__(self, *, latent_dim: int = 2, width: int = 400, depth: int = 4, batch_norm: bool = True):
        super().__init__()
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        fan_in = latent_dim
        for _ in range(depth):
            layers.append(nn.Linear(fan_in, width))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
            fan_in = width
        layers.append(nn.Linear(fan_in, 2))  # linear output: the plane is unbounded
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(z)  # (B, 2)


class MLPDiscriminator2D(nn.Module):
    """Points (B, inputs) -> scores (B,); LeakyReLU(0.2) hidden layers, no normalisation of activations.

    The PacGAN authors' discriminator uses maxout units (genlib.networks.pacgan); LeakyReLU keeps this
    critic valid for every objective here, WGAN-GP included (no batch norm in a gradient-penalised
    critic, Gulrajani et al. 2017).
    """

    def __init__(self, *, inputs: int = 2, width: int = 200, depth: int = 3, spectral_norm: bool = False):
        super().__init__()
        layers: list[nn.Module] = []
        fan_in = inputs  # 2, or 2 m for m packed points
        for _ in range(depth):
            layers += [_linear(fan_in, width, spectral_norm), nn.LeakyReLU(0.2)]
            fan_in = width
        layers.append(_linear(fan_in, 1, spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B,)


class MLPImageGenerator(nn.Module):
    """Noise (B, 100) -> images (B, C, H, W) in [-1, 1]: 100 -> 256 -> 512 -> 1024 -> C*H*W.

    The fully connected generator of Goodfellow et al. 2014 as taught in the lecture notes.
    """

    def __init__(self, *, latent_dim: int = 100, image_shape: tuple[int, int, int] = (1, 28, 28)):
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = image_shape
        channels, height, width = image_shape
        self.net = nn.Sequential(
            nn.Linear(latent_dim, 256),
            nn.LeakyReLU(0.2),  # (B, 256)
            nn.Linear(256, 512),
            nn.LeakyReLU(0.2),  # (B, 512)
            nn.Linear(512, 1024),
            nn.LeakyReLU(0.2),  # (B, 1024)
            nn.Linear(1024, channels * height * width),
            nn.Tanh(),  # (B, C*H*W)
        )

    def forward(self, z: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.image_shape)  # (B, C, H, W)


class MLPImageDiscriminator(nn.Module):
    """Images (B, C, H, W) -> scores (B,): C*H*W -> 2048 -> 1024 -> 512 -> 256 -> 1.

    LeakyReLU(0.2) and Dropout(0.3) after each hidden layer, as in the lecture notes.
    """

    def __init__(self, *, image_shape: tuple[int, int, int] = (1, 28, 28), spectral_norm: bool = False):
        super().__init__()
        channels, height, width = image_shape
        widths = [channels * height * width, 2048, 1024, 512, 256]
        layers: list[nn.Module] = [nn.Flatten()]
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            layers += [_linear(fan_in, fan_out, spectral_norm), nn.LeakyReLU(0.2), nn.Dropout(0.3)]
        layers.append(_linear(widths[-1], 1, spectral_norm))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B,)
