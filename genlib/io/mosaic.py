"""Image mosaics (sample grids, denoising strips) as PNG, written atomically, with numpy and Pillow only.

Kept apart from genlib.io.figures so that training and sampling jobs, which draw mosaics, do not import
matplotlib (about half a second of every job's start-up).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from genlib.io.atomic import atomic_path


def tile(images: np.ndarray, columns: int, pad: int = 2) -> np.ndarray:
    """uint8 images (N, C, H, W) -> one (rows*(H+pad)+pad, columns*(W+pad)+pad, C) mosaic on a white ground."""
    n, channels, height, width = images.shape
    rows = math.ceil(n / columns)
    mosaic = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad, channels), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        top, left = pad + (i // columns) * (height + pad), pad + (i % columns) * (width + pad)
        mosaic[top : top + height, left : left + width] = image.transpose(1, 2, 0)
    return mosaic


def save_png(mosaic: np.ndarray, path: str | Path, scale: int = 2) -> None:
    """Write a uint8 mosaic (H, W, C) as PNG atomically, enlarged `scale` times (nearest neighbour)."""
    from PIL import Image

    pixels = mosaic.repeat(scale, axis=0).repeat(scale, axis=1)
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
