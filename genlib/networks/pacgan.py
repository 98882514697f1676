"""The PacGAN authors' networks for the 2-D mixtures, and packing for any discriminator.

Lin et al. 2018, "PacGAN: The power of two samples in generative adversarial networks", Sec. 5.1 and
the authors' code (fjxmlzn/PacGAN, synthetic_data_experiments/2D*_GAN&PacGAN/pacgan_task.py):

- generator: 2 -> 400 -> 400 -> 400 -> 400 -> 2, each hidden layer linear without bias, batch norm,
  ReLU; the output layer linear with bias;
- discriminator: three maxout layers of 200 units with 5 pieces each, then linear -> 1; its input is
  the m samples of one packed example, concatenated (2m features);
- every weight drawn from N(0, 0.02), every bias 0 (the blocks `IsotropicGaussian(0.02)` and
  `Constant(0)` of that code); batch-norm scale 1 and shift 0.

Batch norm: the authors' population statistics are updated as 0.95 * old + 0.05 * batch, which is
PyTorch's `momentum=0.05`; blocks' default epsilon is 1e-4. Blocks tracks a population standard
deviation where PyTorch tracks a variance; the two agree once the statistics settle.
"""

from __future__ import annotations

import torch
from torch import nn

WEIGHT_STD = 0.02  # the authors' `weights_init_std`
BATCH_NORM_MOMENTUM = 0.05  # population statistics: 0.95 * old + 0.05 * batch
BATCH_NORM_EPS = 1e-4  # blocks' BatchNormalization default


def _normal_init(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0.0, WEIGHT_STD)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class PacGANGenerator2D(nn.Module):
    """Noise (B, latent_dim) -> points (B, 2): `depth` bias-free linear + batch norm + ReLU layers of `width`."""

    def __init__(self, *, latent_dim: int = 2, width: int = 400, depth: int = 4):
        super().__init__()
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        fan_in = latent_dim
        for _ in range(depth):
            layers += [
                nn.Linear(fan_in, width, bias=False),  # batch norm's shift stands in for the bias
                nn.BatchNorm1d(width, eps=BATCH_NORM_EPS, momentum=BATCH_NORM_MOMENTUM),
                nn.ReLU(),
            ]
            fan_in = width
        layers.append(nn.Linear(fan_in, 2))
        self.net = nn.Sequential(*layers)
        self.apply(_normal_init)

    def forward(self, z: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(z)  # (B, 2)


class Maxout(nn.Module):
    """max over `pieces` linear maps (Goodfellow et al. 2013): (B, fan_in) -> (B, fan_out)."""

    def __init__(self, fan_in: int, fan_out: int, pieces: int):
        super().__init__()
        self.fan_out, self.pieces = fan_out, pieces
        self.linear = nn.Linear(fan_in, fan_out * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # blocks' LinearMaxout groups consecutive outputs: unit j is the max of outputs j*pieces .. j*pieces+pieces-1.
        # max (not amax): its backward scatters to the arg-max, where amax's compares every piece with the max.
        return self.linear(x).view(x.shape[0], self.fan_out, self.pieces).max(dim=2).values


class MaxoutDiscriminator2D(nn.Module):
    """Packed points (B, inputs) -> scores (B,): `depth` maxout layers of `width` units, then linear -> 1."""

    def __init__(self, *, inputs: int = 2, width: int = 200, depth: int = 3, pieces: int = 5):
        super().__init__()
        layers: list[nn.Module] = []
        fan_in = inputs
        for _ in range(depth):
            layers.append(Maxout(fan_in, width, pieces))
            fan_in = width
        layers.append(nn.Linear(fan_in, 1))
        self.net = nn.Sequential(*layers)
        self.apply(_normal_init)

    def forward(self, x: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.net(x).squeeze(1)  # (B,)


def pack(x: torch.Tensor, packing: int) -> torch.Tensor:
    """Group consecutive samples into packed examples: (B, F) -> (B/m, m F) for features, (B, C, H, W) ->
    (B/m, m C, H, W) for images (PacGAN: the m samples of one example are concatenated)."""
    if packing == 1:
        return x
    batch = x.shape[0]
    if batch % packing:
        raise ValueError(f"a batch of {batch} samples cannot be packed {packing} at a time")
    return x.reshape(batch // packing, packing * x.shape[1], *x.shape[2:])


class PackedDiscriminator(nn.Module):
    """A discriminator of packed examples, called on ordinary batches: (B, ...) -> scores (B / packing,)."""

    def __init__(self, inner: nn.Module, packing: int):
        super().__init__()
        self.inner, self.packing = inner, packing

    def forward(self, x: torch.Tensor, labels: None = None) -> torch.Tensor:
        return self.inner(pack(x, self.packing))
