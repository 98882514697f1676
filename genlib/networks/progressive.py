"""Progressive GAN networks (Karras et al. 2018, "Progressive Growing of GANs", ICLR; Table 2 and Sec. 2-4).

As the authors' G_paper and D_paper (tkarras/progressive_growing_of_gans, networks.py), in their
"linear" structure with separate upscale/downscale layers (their fused_scale=False; the fused
transposed convolution computes the same map faster): every resolution from 4 x 4 to the final one
has its block and its 1 x 1 to-image (from-image) layer from the start, and the growth state
(`level`: the highest resolution in use, 0 = 4 x 4; `alpha`: how far its block is faded in) is a
buffer of each network, so it travels with the weights. The tricks of Sec. 4 are options:
equalised learning rate (weights drawn from N(0, 1) and scaled at run time by He's constant),
pixelwise feature normalisation after every convolution of G, and the minibatch standard
deviation layer before D's last block (Sec. 3).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LEAK = 0.2  # leaky ReLU slope of every hidden layer


def channels_at(stage: int, base: int, maximum: int) -> int:
    """Feature maps of a stage: the authors' nf(stage) = min(fmap_base / 2^stage, fmap_max); the block of
    resolution 2^r has nf(r - 1)."""
    return min(int(base / 2.0**stage), maximum)


class EqualizedConv2d(nn.Conv2d):
    """A convolution with equalised learning rate (Sec. 4.1): w ~ N(0, 1), used as w * gain / sqrt(fan_in).

    Without `equalized` the weights are drawn from N(0, (gain / sqrt(fan_in))^2) and used as they are (He
    initialisation). Either way the layer starts as the same function; only the size of Adam's steps
    relative to each weight's scale differs.
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel: int, *, gain: float = math.sqrt(2), equalized: bool = True
    ):
        super().__init__(in_channels, out_channels, kernel, padding=kernel // 2)
        he = gain / math.sqrt(in_channels * kernel * kernel)
        self.scale = he if equalized else 1.0
        with torch.no_grad():
            self.weight.normal_(0.0, 1.0 if equalized else he)
            self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class EqualizedLinear(nn.Linear):
    """A dense layer with equalised learning rate, as EqualizedConv2d."""

    def __init__(self, in_features: int, out_features: int, *, gain: float = math.sqrt(2), equalized: bool = True):
        super().__init__(in_features, out_features)
        he = gain / math.sqrt(in_features)
        self.scale = he if equalized else 1.0
        with torch.no_grad():
            self.weight.normal_(0.0, 1.0 if equalized else he)
            self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Each pixel's feature vector scaled to unit root mean square (Sec. 4.2, eq. 2)."""
    return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + eps)


def minibatch_stddev(x: torch.Tensor, group_size: int = 4) -> torch.Tensor:
    """x (N, C, H, W) with one more feature map: the standard deviation of each feature over a group of
    samples, averaged over features and pixels (Sec. 3; the authors' minibatch_stddev_layer).

    As the authors group: the batch is read as (G, M) with G = min(group_size, N), so sample n belongs to
    group n mod M; N must be a multiple of G.
    """
    n, c, h, w = x.shape
    group = min(group_size, n)
    if n % group:
        raise ValueError(f"minibatch stddev: a batch of {n} cannot be split into groups of {group}")
    y = x.float().reshape(group, -1, c, h, w)  # (G, M, C, H, W)
    y = y - y.mean(dim=0, keepdim=True)
    y = torch.sqrt(y.square().mean(dim=0) + 1e-8)  # (M, C, H, W): standard deviation over the group
    y = y.mean(dim=(1, 2, 3), keepdim=True).to(x.dtype)  # (M, 1, 1, 1)
    return torch.cat([x, y.repeat(group, 1, h, w)], dim=1)  # row n gets group n mod M


def levels_for(resolution: int) -> int:
    """Resolutions from 4 x 4 up to `resolution` (a power of two >= 4): 32 px has 4 (4, 8, 16, 32)."""
    if resolution < 4 or resolution & (resolution - 1):
        raise ValueError(f"progressive growing needs a power-of-two resolution of at least 4 px, got {resolution}")
    return int(math.log2(resolution)) - 1


class Growing(nn.Module):
    """The growth state both networks share: the level in use and how far it is faded in."""

    def __init__(self, resolution: int):
        super().__init__()
        self.resolution = resolution
        self.num_levels = levels_for(resolution)
        self.register_buffer("level", torch.tensor(self.num_levels - 1))  # trained: the final resolution
        self.register_buffer("alpha", torch.tensor(1.0))

    def grow_to(self, level: int, alpha: float) -> None:
        """Use resolutions up to `level` (0: 4 x 4), the top one faded in by `alpha` in [0, 1]."""
        if not 0 <= level < self.num_levels or not 0.0 <= alpha <= 1.0:
            raise ValueError(
                f"growth level {level} (0..{self.num_levels - 1}) with alpha {alpha} (0..1) does not exist"
            )
        self.level.fill_(level)
        self.alpha.fill_(alpha)

    @property
    def current_resolution(self) -> int:
        return 4 * 2 ** int(self.level)


class ProgressiveGenerator(Growing):
    """G: latent -> 4 x 4 (dense + conv), then per level upscale 2x + two 3 x 3 convs, and a 1 x 1 to-image layer
    per level; during a fade the output is (1 - alpha) x the previous level's image, upscaled, + alpha x the new."""

    def __init__(
        self,
        *,
        latent_dim: int,
        image_channels: int,
        resolution: int,
        channels_base: int = 8192,
        channels_max: int = 512,
        pixelnorm: bool = True,
        equalized: bool = True,
    ):
        super().__init__(resolution)
        self.latent_dim, self.pixelnorm = latent_dim, pixelnorm
        nf = [channels_at(level + 1, channels_base, channels_max) for level in range(self.num_levels)]
        self.first_channels = nf[0]
        # 4 x 4: the gain sqrt(2) / 4 of the authors' first dense layer ("to match the original Theano implementation")
        self.dense = EqualizedLinear(latent_dim, nf[0] * 16, gain=math.sqrt(2) / 4, equalized=equalized)
        self.blocks = nn.ModuleList([nn.ModuleList([EqualizedConv2d(nf[0], nf[0], 3, equalized=equalized)])])
        for level in range(1, self.num_levels):
            self.blocks.append(
                nn.ModuleList(
                    [
                        EqualizedConv2d(nf[level - 1], nf[level], 3, equalized=equalized),
                        EqualizedConv2d(nf[level], nf[level], 3, equalized=equalized),
                    ]
                )
            )
        self.to_image = nn.ModuleList(
            [
                EqualizedConv2d(nf[level], image_channels, 1, gain=1.0, equalized=equalized)
                for level in range(self.num_levels)
            ]
        )

    def _normalise(self, x: torch.Tensor) -> torch.Tensor:
        return pixel_norm(x) if self.pixelnorm else x

    def _block(self, level: int, x: torch.Tensor) -> torch.Tensor:
        if level > 0:
            x = F.interpolate(x, scale_factor=2, mode="nearest")  # (N, C, 2H, 2W)
        for conv in self.blocks[level]:
            x = self._normalise(F.leaky_relu(conv(x), LEAK))
        return x

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, *, full_size: bool = True) -> torch.Tensor:
        """Images at the current resolution, or (`full_size`) enlarged to the final one by pixel repetition."""
        top, alpha = int(self.level), float(self.alpha)
        x = pixel_norm(z)  # the authors normalise the latents too (normalize_latents)
        x = self.dense(x).view(len(z), self.first_channels, 4, 4)  # (N, nf(1), 4, 4)
        x = self._normalise(F.leaky_relu(x, LEAK))
        previous = x
        for level in range(top + 1):
            previous, x = x, self._block(level, x)
        image = self.to_image[top](x)
        if top > 0 and alpha < 1.0:  # fade-in: the previous level's image, upscaled, blended into the new one
            old = F.interpolate(self.to_image[top - 1](previous), scale_factor=2, mode="nearest")
            image = torch.lerp(old, image, alpha)
        if full_size and image.shape[-1] != self.resolution:
            image = F.interpolate(image, size=(self.resolution, self.resolution), mode="nearest")
        return image


class ProgressiveDiscriminator(Growing):
    """D: a 1 x 1 from-image layer per level, per level two 3 x 3 convs + 2x average pooling, and at 4 x 4 the
    minibatch stddev, a 3 x 3 conv and two dense layers; during a fade the new level's features are blended
    with those of the previous level's from-image layer on the 2x downscaled input."""

    def __init__(
        self,
        *,
        image_channels: int,
        resolution: int,
        channels_base: int = 8192,
        channels_max: int = 512,
        stddev_group: int = 4,
        equalized: bool = True,
    ):
        super().__init__(resolution)
        self.stddev_group = stddev_group
        nf = [channels_at(level + 1, channels_base, channels_max) for level in range(self.num_levels)]
        self.from_image = nn.ModuleList(
            [EqualizedConv2d(image_channels, nf[level], 1, equalized=equalized) for level in range(self.num_levels)]
        )
        self.blocks = nn.ModuleList([nn.ModuleList()])  # level 0 is the head below
        for level in range(1, self.num_levels):
            self.blocks.append(
                nn.ModuleList(
                    [
                        EqualizedConv2d(nf[level], nf[level], 3, equalized=equalized),
                        EqualizedConv2d(nf[level], nf[level - 1], 3, equalized=equalized),
                    ]
                )
            )
        extra = 1 if stddev_group > 1 else 0
        self.head_conv = EqualizedConv2d(nf[0] + extra, nf[0], 3, equalized=equalized)
        self.head_dense = EqualizedLinear(nf[0] * 16, channels_at(0, channels_base, channels_max), equalized=equalized)
        self.head_out = EqualizedLinear(channels_at(0, channels_base, channels_max), 1, gain=1.0, equalized=equalized)

    def _from_image(self, level: int, image: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.from_image[level](image), LEAK)

    def _block(self, level: int, x: torch.Tensor) -> torch.Tensor:
        for conv in self.blocks[level]:
            x = F.leaky_relu(conv(x), LEAK)
        return F.avg_pool2d(x, 2)  # (N, C', H/2, W/2)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """Scores (N,) of images at the current resolution (larger ones are average-pooled down to it)."""
        top, alpha = int(self.level), float(self.alpha)
        size = 4 * 2**top
        if image.shape[-1] != size:
            image = F.avg_pool2d(image, image.shape[-1] // size)
        x = self._from_image(top, image)
        if top > 0:
            x = self._block(top, x)
            if alpha < 1.0:  # fade-in: the previous level's from-image layer on the input, downscaled
                x = torch.lerp(self._from_image(top - 1, F.avg_pool2d(image, 2)), x, alpha)
        for level in range(top - 1, 0, -1):
            x = self._block(level, x)
        if self.stddev_group > 1:
            x = minibatch_stddev(x, self.stddev_group)
        x = F.leaky_relu(self.head_conv(x), LEAK)
        x = F.leaky_relu(self.head_dense(x.flatten(1)), LEAK)
        return self.head_out(x).squeeze(1)


def faded_reals(images: torch.Tensor, level: int, alpha: float) -> torch.Tensor:
    """Real images (N, C, R, R) as D sees them at a growth state: average-pooled to the level's resolution and,
    while the level fades in, blended with their 2x coarser version (the authors' process_reals, FadeLOD)."""
    size = 4 * 2**level
    if images.shape[-1] != size:
        images = F.avg_pool2d(images, images.shape[-1] // size)
    if level > 0 and alpha < 1.0:
        coarse = F.interpolate(F.avg_pool2d(images, 2), scale_factor=2, mode="nearest")
        images = torch.lerp(coarse, images, alpha)
    return images
