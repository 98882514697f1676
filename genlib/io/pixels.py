"""The one conversion between stored pixels and network values: uint8 [0, 255] <-> float [-1, 1].

Images are stored as uint8 and networks see [-1, 1], the range of a generator's Tanh (as the DCGAN
reference code normalises them). Going back rounds to the nearest level and clips, so a generated
image is stored as the data was.
"""

from __future__ import annotations

import torch


def to_unit_range(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 pixels (any shape) -> float32 values in [-1, 1]."""
    return pixels.float().div(127.5).sub(1.0)


def to_pixels(values: torch.Tensor) -> torch.Tensor:
    """Values in [-1, 1] (any float tensor; outside is clipped) -> uint8 pixels, rounded to the nearest level."""
    return values.float().add(1.0).mul(127.5).round().clamp(0, 255).to(torch.uint8)
