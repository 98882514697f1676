"""Epsilon-prediction networks of denoising diffusion: a U-Net for images and an MLP for 2-D points.

The U-Net follows Ho et al. 2020 (App. B): a sinusoidal embedding of the step t (Vaswani et al.
2017) added into every residual block, group normalisation, self-attention at the lowest
resolution, and skip connections from each resolution of the encoder to the decoder (Ronneberger
et al. 2015). For classifier-free guidance (Ho & Salimans 2021) a class embedding is added to the
time embedding; label `num_classes` is the "no class" label that training drops labels to.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer steps t (B,) -> (B, dim) (Vaswani et al. 2017, Sec. 3.5)."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * frequencies[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def _groups(channels: int) -> int:
    return math.gcd(8, channels)


class SelfAttention(nn.Module):
    """Single-head self-attention over the H x W positions, residual."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.GroupNorm(_groups(channels), channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).transpose(2, 3).unbind(1)  # each (B, HW, C)
        attended = F.scaled_dot_product_attention(q, k, v)  # (B, HW, C)
        return x + self.out(attended.transpose(1, 2).reshape(b, c, h, w))


class ResidualBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, with the time embedding added in between, plus a (projected) skip;
    optionally followed by self-attention."""

    def __init__(self, fan_in: int, fan_out: int, embed_dim: int, dropout: float, attention: bool = False):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(_groups(fan_in), fan_in), nn.Conv2d(fan_in, fan_out, 3, padding=1)
        self.embed = nn.Linear(embed_dim, fan_out)
        self.norm2, self.conv2 = nn.GroupNorm(_groups(fan_out), fan_out), nn.Conv2d(fan_out, fan_out, 3, padding=1)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv2d(fan_in, fan_out, 1) if fan_in != fan_out else nn.Identity()
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity (as in Ho et al.'s code)
        nn.init.zeros_(self.conv2.bias)
        self.attention = SelfAttention(fan_out) if attention else nn.Identity()

    def forward(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embed(F.silu(embedding))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.attention(self.skip(x) + h)


class UNet(nn.Module):
    """(x_t (B, C, H, W), t (B,), labels (B,) or None) -> predicted noise (B, C, H, W)."""

    def __init__(
        self,
        *,
        image_shape: tuple[int, int, int] = (1, 28, 28),
        channels: int = 32,
        res_blocks: int = 1,
        dropout: float = 0.1,
        attention: bool = True,
        num_classes: int = 0,
    ):
        super().__init__()
        in_channels, size, _ = image_shape
        # Two halvings for 28 and 32 px (down to 7 or 8), three for 64 px (down to 8).
        mults = {28: (1, 2, 2), 32: (1, 2, 2), 64: (1, 2, 2, 2)}.get(size)
        if mults is None:
            raise ValueError(f"the U-Net is built for 28, 32 or 64 px images, not {size}")
        self.channels, self.num_classes = channels, num_classes
        embed_dim = 4 * channels
        self.time_mlp = nn.Sequential(nn.Linear(channels, embed_dim), nn.SiLU(), nn.Linear(embed_dim, embed_dim))
        self.class_embed = nn.Embedding(num_classes + 1, embed_dim) if num_classes else None  # + the null label
        self.conv_in = nn.Conv2d(in_channels, channels, 3, padding=1)

        self.down, skip_channels, width = nn.ModuleList(), [channels], channels
        for level, mult in enumerate(mults):
            lowest = level == len(mults) - 1
            for _ in range(res_blocks):
                self.down.append(ResidualBlock(width, channels * mult, embed_dim, dropout, attention and lowest))
                width = channels * mult
                skip_channels.append(width)
            if not lowest:
                self.down.append(nn.Conv2d(width, width, 3, stride=2, padding=1))  # halve H and W
                skip_channels.append(width)
        self.middle = nn.ModuleList(
            [
                ResidualBlock(width, width, embed_dim, dropout, attention),
                ResidualBlock(width, width, embed_dim, dropout),
            ]
        )
        self.up = nn.ModuleList()
        for level, mult in reversed(list(enumerate(mults))):
            lowest = level == len(mults) - 1
            for _ in range(res_blocks + 1):
                self.up.append(
                    ResidualBlock(
                        width + skip_channels.pop(), channels * mult, embed_dim, dropout, attention and lowest
                    )
                )
                width = channels * mult
            if level > 0:
                self.up.append(nn.Upsample(scale_factor=2, mode="nearest"))
                self.up.append(nn.Conv2d(width, width, 3, padding=1))
        self.norm_out = nn.GroupNorm(_groups(width), width)
        self.conv_out = nn.Conv2d(width, in_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        embedding = self.time_mlp(timestep_embedding(t, self.channels))  # (B, 4c)
        if self.class_embed is not None:
            if labels is None:
                labels = torch.full_like(t, self.num_classes)  # unconditional: the null label
            embedding = embedding + self.class_embed(labels)
        h = self.conv_in(x)
        skips = [h]
        for layer in self.down:  # every output is a skip for the decoder
            h = layer(h, embedding) if isinstance(layer, ResidualBlock) else layer(h)
            skips.append(h)
        for layer in self.middle:
            h = layer(h, embedding)
        for layer in self.up:
            if isinstance(layer, ResidualBlock):
                h = layer(torch.cat([h, skips.pop()], dim=1), embedding)
            else:
                h = layer(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class MLPDenoiser(nn.Module):
    """(x_t (B, 2), t (B,), labels=None) -> predicted noise (B, 2): an MLP on the point and its step embedding."""

    def __init__(self, *, width: int = 128, depth: int = 3, embed_dim: int = 32):
        super().__init__()
        self.embed_dim = embed_dim
        layers: list[nn.Module] = []
        fan_in = 2 + embed_dim
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), nn.SiLU()]
            fan_in = width
        layers.append(nn.Linear(fan_in, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(torch.cat([x, timestep_embedding(t, self.embed_dim)], dim=1))
