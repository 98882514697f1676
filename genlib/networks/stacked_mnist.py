"""The PacGAN authors' Stacked MNIST networks (Lin et al. 2018, Tables 2 and 3; fjxmlzn/PacGAN).

Both pairs are TensorFlow code; this is their PyTorch form, layer for layer:
- "veegan-dcgan" (Table 2, stacked_MNIST_experiments/VEEGAN_experiment/model.py): Taehoon Kim's
  DCGAN (carpedm20/DCGAN-tensorflow) at 28 px: 5 x 5 kernels of stride 2 with TF "SAME" padding,
  G 100 -> linear 2 x 2 x 8g -> 4 x 4 x 4g -> 7 x 7 x 2g -> 14 x 14 x g -> 28 x 28 x 3 (tanh), batch
  norm after every hidden layer; D 28 -> 14 x 14 x d -> 7 x 7 x 2d -> 4 x 4 x 4d -> 2 x 2 x 8d
  -> linear 1, LeakyReLU 0.2, batch norm on all but the first layer; g = d = 64.
- "unrolled-dcgan" (Table 3, stacked_MNIST_experiments/unrolled_GAN_experiment/D=0.25G and D=0.5G,
  the networks of Metz et al. 2017, Appendix D): 3 x 3 kernels; G 256 -> linear 4 x 4 x 64 -> 7 x 7
  x 32 -> 14 x 14 x 16 -> 28 x 28 x 8 -> 3 x 3 convolution to 3 channels (tanh), batch norm after
  every hidden layer; D 28 -> 14 x 14 x w -> 7 x 7 x 2w -> 4 x 4 x 4w -> linear 1, batch norm after
  every convolution and LeakyReLU 0.3; w = 2 is "D 1/4 the size of G", w = 4 "1/2".
Weights as their ops.py draws them: N(0, 0.02) (truncated at two std for convolutions), biases 0,
batch-norm scales 1; TF's batch norm (decay 0.9, epsilon 1e-5) is PyTorch's momentum 0.1.
With packing m the discriminator is built for 3m channels (genlib.networks.pacgan.PackedDiscriminator).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """(before, after) padding of TF's "SAME" convolution of a `size` input: output ceil(size / stride)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """A convolution with TF's "SAME" padding (more on the bottom/right when the total is odd)."""

    def __init__(self, fan_in: int, fan_out: int, kernel: int, stride: int, size: int):
        super().__init__(fan_in, fan_out, kernel, stride, padding=0)
        before, after = same_padding(size, kernel, stride)
        self.pad = (before, after, before, after)  # (left, right, top, bottom)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, self.pad))


class SameConvTranspose2d(nn.ConvTranspose2d):
    """TF's conv2d_transpose with "SAME" padding to an `out_size` output: the transpose of SameConv2d."""

    def __init__(self, fan_in: int, fan_out: int, kernel: int, stride: int, out_size: int):
        super().__init__(fan_in, fan_out, kernel, stride, padding=0)
        self.crop, self.out_size = same_padding(out_size, kernel, stride)[0], out_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        full = super().forward(x)  # (B, C, (n - 1) s + k, ...)
        end = self.crop + self.out_size
        return full[:, :, self.crop : end, self.crop : end]


def init_tf_weights(module: nn.Module) -> None:
    """The authors' initialisers: truncated N(0, 0.02) convolutions, N(0, 0.02) deconvolutions and linear layers."""
    if isinstance(module, (nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Conv2d):
        nn.init.trunc_normal_(module.weight, 0.0, 0.02, a=-0.04, b=0.04)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def _norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)


class _ProjectAndReshape(nn.Module):
    """linear z -> (B, C, S, S)."""

    def __init__(self, latent_dim: int, channels: int, side: int):
        super().__init__()
        self.linear, self.shape = nn.Linear(latent_dim, channels * side * side), (channels, side, side)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.linear(z).reshape(-1, *self.shape)


class VEEGANDCGANGenerator(nn.Module):
    """Noise (B, latent_dim) -> stacked digits (B, C, 28, 28) in [-1, 1]; PacGAN Table 2's G."""

    def __init__(self, *, latent_dim: int = 100, image_shape: tuple[int, int, int] = (3, 28, 28), channels: int = 64):
        super().__init__()
        self.latent_dim, self.image_shape = latent_dim, image_shape
        g = channels
        self.net = nn.Sequential(
            _ProjectAndReshape(latent_dim, 8 * g, 2), _norm(8 * g), nn.ReLU(True),  # (B, 8g, 2, 2)
            SameConvTranspose2d(8 * g, 4 * g, 5, 2, 4), _norm(4 * g), nn.ReLU(True),  # (B, 4g, 4, 4)
            SameConvTranspose2d(4 * g, 2 * g, 5, 2, 7), _norm(2 * g), nn.ReLU(True),  # (B, 2g, 7, 7)
            SameConvTranspose2d(2 * g, g, 5, 2, 14), _norm(g), nn.ReLU(True),  # (B, g, 14, 14)
            SameConvTranspose2d(g, image_shape[0], 5, 2, 28), nn.Tanh(),  # (B, C, 28, 28)
        )  # fmt: skip
        self.apply(init_tf_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class VEEGANDCGANDiscriminator(nn.Module):
    """Stacked digits (B, C, 28, 28) -> scores (B,); PacGAN Table 2's D (C = 3m when packed)."""

    def __init__(self, *, image_shape: tuple[int, int, int] = (3, 28, 28), channels: int = 64):
        super().__init__()
        d = channels
        self.net = nn.Sequential(
            SameConv2d(image_shape[0], d, 5, 2, 28), nn.LeakyReLU(0.2, True),  # (B, d, 14, 14)
            SameConv2d(d, 2 * d, 5, 2, 14), _norm(2 * d), nn.LeakyReLU(0.2, True),  # (B, 2d, 7, 7)
            SameConv2d(2 * d, 4 * d, 5, 2, 7), _norm(4 * d), nn.LeakyReLU(0.2, True),  # (B, 4d, 4, 4)
            SameConv2d(4 * d, 8 * d, 5, 2, 4), _norm(8 * d), nn.LeakyReLU(0.2, True),  # (B, 8d, 2, 2)
            nn.Flatten(), nn.Linear(8 * d * 2 * 2, 1),  # (B, 1)
        )  # fmt: skip
        self.apply(init_tf_weights)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x).squeeze(1)


class UnrolledDCGANGenerator(nn.Module):
    """Noise (B, latent_dim) -> stacked digits (B, C, 28, 28) in [-1, 1]; PacGAN Table 3's G."""

    def __init__(self, *, latent_dim: int = 256, image_shape: tuple[int, int, int] = (3, 28, 28)):
        super().__init__()
        self.latent_dim, self.image_shape = latent_dim, image_shape
        self.net = nn.Sequential(
            _ProjectAndReshape(latent_dim, 64, 4), _norm(64), nn.ReLU(True),  # (B, 64, 4, 4)
            SameConvTranspose2d(64, 32, 3, 2, 7), _norm(32), nn.ReLU(True),  # (B, 32, 7, 7)
            SameConvTranspose2d(32, 16, 3, 2, 14), _norm(16), nn.ReLU(True),  # (B, 16, 14, 14)
            SameConvTranspose2d(16, 8, 3, 2, 28), _norm(8), nn.ReLU(True),  # (B, 8, 28, 28)
            SameConv2d(8, image_shape[0], 3, 1, 28), nn.Tanh(),  # (B, C, 28, 28)
        )  # fmt: skip
        self.apply(init_tf_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class UnrolledDCGANDiscriminator(nn.Module):
    """Stacked digits (B, C, 28, 28) -> scores (B,); PacGAN Table 3's D of width w (2: 1/4 of G, 4: 1/2)."""

    def __init__(self, *, image_shape: tuple[int, int, int] = (3, 28, 28), channels: int = 2):
        super().__init__()
        w = channels
        self.net = nn.Sequential(
            SameConv2d(image_shape[0], w, 3, 2, 28), _norm(w), nn.LeakyReLU(0.3, True),  # (B, w, 14, 14)
            SameConv2d(w, 2 * w, 3, 2, 14), _norm(2 * w), nn.LeakyReLU(0.3, True),  # (B, 2w, 7, 7)
            SameConv2d(2 * w, 4 * w, 3, 2, 7), _norm(4 * w), nn.LeakyReLU(0.3, True),  # (B, 4w, 4, 4)
            nn.Flatten(), nn.Linear(4 * w * 4 * 4, 1),  # (B, 1)
        )  # fmt: skip
        self.apply(init_tf_weights)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(x).squeeze(1)
