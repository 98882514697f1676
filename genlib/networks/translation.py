"""Networks of image-to-image translation and super-resolution.

- U-Net generator (pix2pix; Isola et al. 2017, Sec. 3.2.1 and App. 6.1.1; Ronneberger et al. 2015):
  4 x 4 convolutions of stride 2 down to 1 x 1, mirrored back up, each level's encoder features
  concatenated onto its decoder's; dropout 0.5 in the decoder blocks just above the innermost is the
  only noise: in the authors' 512-channel blocks (num_downs - 5 of them: 3 at 256 px, 1 at 64 px, none
  at 32 px), or in `dropout_levels` blocks counted from the innermost.
- ResNet-block generator (CycleGAN; Zhu et al. 2017, App. 7.2, after Johnson et al. 2016): c7s1-64,
  d128, d256, residual blocks, u128, u64, c7s1-C, reflection padding, instance norm.
- PatchGAN discriminator (Isola et al. 2017, Sec. 3.2.2): a fully convolutional classifier of
  overlapping patches; `layers` stride-2 convolutions set the patch (`patch_receptive_field`: 70 x 70
  at 3 layers, the published one at 256 px).
- SRResNet and the SRGAN discriminator (Ledig et al. 2017, Fig. 4): 9 x 9 input convolution, residual
  blocks of two 3 x 3 convolutions with batch norm and PReLU, a global skip, x2 sub-pixel
  convolutions (Shi et al. 2016) up to the scale, 9 x 9 output convolution; D of eight 3 x 3
  convolutions (64 -> 512 channels, stride 2 every other), dense 1024, dense 1.
Layer for layer as in junyanz/pytorch-CycleGAN-and-pix2pix (models/networks.py) for the first three,
including its N(0, 0.02) initialisation; SRResNet as the paper's figure.

Sizes that are not a power of two (the 28 px digits) are padded by replication to the next power of
two before the U-Net and cropped back after it, so its skips line up.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Norm = Literal["batch", "instance"]


def norm_layer(kind: Norm, channels: int) -> nn.Module:
    """Batch norm (pix2pix) or instance norm without affine parameters (CycleGAN), as the authors' `get_norm_layer`."""
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=True)
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


def init_normal(module: nn.Module, gain: float = 0.02) -> None:
    """The authors' `init_weights(init_type="normal")`: convolutions N(0, gain), norm scales N(1, gain), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, gain)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, gain)
        nn.init.zeros_(module.bias)


# --- pix2pix: U-Net generator -----------------------------------------------------------------------


class UNetBlock(nn.Module):
    """One level of the U-Net: down, the inner levels, up; its input concatenated onto its output (skip)."""

    def __init__(
        self,
        outer: int,
        inner: int,
        *,
        fan_in: int | None = None,
        submodule: nn.Module | None = None,
        outermost: bool = False,
        innermost: bool = False,
        norm: Norm = "batch",
        dropout: float = 0.0,
    ):
        super().__init__()
        self.outermost = outermost
        bias = norm == "instance"  # batch norm's shift makes a convolution bias redundant
        down_conv = nn.Conv2d(fan_in or outer, inner, 4, stride=2, padding=1, bias=bias)
        if outermost:  # image -> features ... features -> image (tanh)
            up = nn.ConvTranspose2d(inner * 2, outer, 4, stride=2, padding=1)
            layers = [down_conv, submodule, nn.ReLU(True), up, nn.Tanh()]
        elif innermost:  # the 1 x 1 bottleneck: no norm on the way down
            up = nn.ConvTranspose2d(inner, outer, 4, stride=2, padding=1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down_conv, nn.ReLU(True), up, norm_layer(norm, outer)]
        else:
            up = nn.ConvTranspose2d(inner * 2, outer, 4, stride=2, padding=1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down_conv, norm_layer(norm, inner), submodule]
            layers += [nn.ReLU(True), up, norm_layer(norm, outer)] + ([nn.Dropout(dropout)] if dropout else [])
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet_dropout_levels(size: int, levels: int | None) -> int:
    """Decoder blocks with dropout of the U-Net for `size` px: `levels` counted from the innermost, or (None) the
    authors' rule, their 512-channel blocks: num_downs - 5 (3 at 256 px, 2 at 128, 1 at 64, 0 at 32 and 28)."""
    downs = math.ceil(math.log2(size))
    if levels is None:
        return max(downs - 5, 0)
    if not 0 <= levels <= downs - 2:
        raise ValueError(
            f"dropout_levels {levels}: the U-Net at {size} px has {downs - 2} decoder blocks between its innermost "
            f"and outermost; set 0 to {downs - 2}"
        )
    return levels


class UNetGenerator(nn.Module):
    """Images (B, C_in, S, S) -> images (B, C_out, S, S) in [-1, 1]; pix2pix's generator (ngf 64 in the paper)."""

    def __init__(
        self,
        *,
        in_channels: int,
        out_channels: int,
        size: int,
        width: int = 64,
        norm: Norm = "batch",
        dropout: float = 0.5,
        dropout_levels: int | None = None,
    ):
        super().__init__()
        self.size, self.padded = size, 1 << math.ceil(math.log2(size))
        downs = int(math.log2(self.padded))  # down to 1 x 1: 8 levels at 256 px, 5 at 32 (and 28, padded)
        if downs < 5:
            raise ValueError(f"the U-Net needs images of at least 32 px (5 levels), got {size}")
        levels = unet_dropout_levels(size, dropout_levels)
        # the blocks between the innermost and the outermost, from the inside out: (outer, inner) channels
        middle = [(width * 8, width * 8)] * (downs - 5) + [
            (width * 4, width * 8),
            (width * 2, width * 4),
            (width, width * 2),
        ]
        block = UNetBlock(width * 8, width * 8, innermost=True, norm=norm)
        for level, (outer, inner) in enumerate(middle):
            rate = dropout if level < levels else 0.0  # the authors' `use_dropout` blocks
            block = UNetBlock(outer, inner, submodule=block, norm=norm, dropout=rate)
        self.model = UNetBlock(out_channels, width, fan_in=in_channels, submodule=block, outermost=True, norm=norm)
        self.apply(init_normal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pad = self.padded - self.size
        if pad:  # replicate the border up to the power of two, translate, crop back
            x = F.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2), mode="replicate")
            return self.model(x)[..., pad // 2 : pad // 2 + self.size, pad // 2 : pad // 2 + self.size]
        return self.model(x)


# --- CycleGAN: ResNet-block generator ---------------------------------------------------------------


class ResidualBlock(nn.Module):
    """x + (reflect-pad, conv 3 x 3, norm, ReLU, reflect-pad, conv 3 x 3, norm)(x)."""

    def __init__(self, channels: int, norm: Norm):
        super().__init__()
        bias = norm == "instance"
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=bias), norm_layer(norm, channels),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResNetGenerator(nn.Module):
    """Images (B, C_in, S, S) -> images (B, C_out, S, S) in [-1, 1]; CycleGAN's generator (9 blocks at 256 px, 6 at 128)."""

    def __init__(
        self, *, in_channels: int, out_channels: int, width: int = 64, blocks: int = 9, norm: Norm = "instance"
    ):
        super().__init__()
        bias = norm == "instance"
        w = width
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, w, 7, bias=bias), norm_layer(norm, w), nn.ReLU(True),  # c7s1-64
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1, bias=bias), norm_layer(norm, 2 * w), nn.ReLU(True),  # d128
            nn.Conv2d(2 * w, 4 * w, 3, stride=2, padding=1, bias=bias), norm_layer(norm, 4 * w), nn.ReLU(True),  # d256
        ]  # fmt: skip
        layers += [ResidualBlock(4 * w, norm) for _ in range(blocks)]  # R256 x blocks
        layers += [
            nn.ConvTranspose2d(4 * w, 2 * w, 3, stride=2, padding=1, output_padding=1, bias=bias),  # u128
            norm_layer(norm, 2 * w), nn.ReLU(True),
            nn.ConvTranspose2d(2 * w, w, 3, stride=2, padding=1, output_padding=1, bias=bias),  # u64
            norm_layer(norm, w), nn.ReLU(True),
            nn.ReflectionPad2d(3), nn.Conv2d(w, out_channels, 7), nn.Tanh(),  # c7s1-C
        ]  # fmt: skip
        self.model = nn.Sequential(*layers)
        self.apply(init_normal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# --- PatchGAN discriminator -------------------------------------------------------------------------


def patch_receptive_field(layers: int) -> int:
    """Side in pixels of the input patch behind one output of a PatchGAN with `layers` stride-2 convolutions.

    The stack is `layers` 4 x 4 stride-2 convolutions then two 4 x 4 stride-1 ones; walking back from
    one output, each layer adds (kernel - 1) x (the product of the strides before it): 70 at 3 layers.
    """
    strides = [2] * layers + [1, 1]
    field, jump = 1, 1
    for stride in strides:
        field += 3 * jump
        jump *= stride
    return field


class PatchDiscriminator(nn.Module):
    """Images (B, C, S, S) -> one score per overlapping patch (B, 1, P, P); pix2pix's and CycleGAN's D."""

    def __init__(self, *, in_channels: int, width: int = 64, layers: int = 3, norm: Norm = "batch"):
        super().__init__()
        bias = norm == "instance"
        seq: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, layers):
            previous, mult = mult, min(2**n, 8)
            seq += [
                nn.Conv2d(width * previous, width * mult, 4, stride=2, padding=1, bias=bias),
                norm_layer(norm, width * mult),
                nn.LeakyReLU(0.2, True),
            ]
        previous, mult = mult, min(2**layers, 8)
        seq += [
            nn.Conv2d(width * previous, width * mult, 4, stride=1, padding=1, bias=bias),
            norm_layer(norm, width * mult),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width * mult, 1, 4, stride=1, padding=1),  # one logit per patch
        ]
        self.model = nn.Sequential(*seq)
        self.receptive_field = patch_receptive_field(layers)
        self.apply(init_normal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# --- SRGAN: SRResNet and its discriminator ----------------------------------------------------------


class SRResidualBlock(nn.Module):
    """x + (conv 3 x 3, BN, PReLU, conv 3 x 3, BN)(x): SRResNet's B residual blocks."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.PReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    """Low-resolution images (B, C, s, s) -> (B, C, s * scale, s * scale) in [-1, 1]; scale a power of two."""

    def __init__(self, *, channels: int, scale: int, width: int = 64, blocks: int = 16):
        super().__init__()
        if scale < 2 or scale & (scale - 1):
            raise ValueError(f"SRResNet upsamples by x2 sub-pixel steps: scale must be a power of two, got {scale}")
        self.head = nn.Sequential(nn.Conv2d(channels, width, 9, padding=4), nn.PReLU())
        self.blocks = nn.Sequential(
            *[SRResidualBlock(width) for _ in range(blocks)],
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width),
        )
        upsampling: list[nn.Module] = []
        for _ in range(int(math.log2(scale))):  # each: conv to 4x the channels, pixel shuffle to 2x the side
            upsampling += [nn.Conv2d(width, 4 * width, 3, padding=1), nn.PixelShuffle(2), nn.PReLU()]
        # The tanh keeps outputs in the data's [-1, 1] as every generator here; Ledig et al.'s Fig. 4 ends at the
        # last convolution (a difference stated in the README's SRGAN section).
        self.tail = nn.Sequential(*upsampling, nn.Conv2d(width, channels, 9, padding=4), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.head(x)
        return self.tail(features + self.blocks(features))  # the global skip over the residual blocks


class SRGANDiscriminator(nn.Module):
    """Images (B, C, S, S) -> scores (B,): eight 3 x 3 convolutions (64 to 512, stride 2 every other), dense 1024, 1."""

    def __init__(self, *, channels: int, size: int, width: int = 64):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.LeakyReLU(0.2, True)]
        fan_in, side = width, size
        for mult, stride in [(1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2)]:
            layers += [
                nn.Conv2d(fan_in, width * mult, 3, stride=stride, padding=1),
                nn.BatchNorm2d(width * mult),
                nn.LeakyReLU(0.2, True),
            ]
            fan_in, side = width * mult, (side + stride - 1) // stride
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(fan_in * side * side, 1024), nn.LeakyReLU(0.2, True), nn.Linear(1024, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)


class BicubicUpscaler(nn.Module):
    """Images (B, C, s, s) -> (B, C, s * scale, s * scale) by bicubic interpolation: the baseline of SR tables."""

    def __init__(self, *, scale: int):
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False).clamp(-1.0, 1.0)
