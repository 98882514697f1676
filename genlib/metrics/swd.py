"""Sliced Wasserstein distance between two image sets on Laplacian-pyramid patches (Karras et al. 2018, Sec. 5).

As the authors' code computes it (tkarras/progressive_growing_of_gans, metrics/sliced_wasserstein.py):
each image is decomposed into a Laplacian pyramid (5 x 5 binomial filter, mirrored borders, as
cv2.pyrDown / pyrUp), one level per resolution from the image's own down to 16 px; from every level
128 random 7 x 7 neighbourhoods are cut per image (all channels); each set's descriptors are
normalised per channel by that set's own mean and standard deviation; the distance of a level is
the mean, over 4 repeats of 128 random unit directions, of the mean absolute difference between
the sorted projections of the two sets (the 1-D Wasserstein-1 distance of each projection),
multiplied by 10^3. The report gives each level and their average.

Unlike the authors' code, every random draw (patch positions, directions) comes from one seeded
generator, so the same two sets always give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

NEIGHBOURHOOD = 7  # side of a descriptor patch (nhood_size)
PER_IMAGE = 128  # descriptors cut from each image at each level (nhoods_per_image)
REPEATS = 4  # rounds of random directions (dir_repeats)
DIRECTIONS = 128  # random unit directions per round (dirs_per_repeat)
SMALLEST_LEVEL = 16  # the pyramid goes down to the last resolution of at least 16 px

# The binomial filter of cv2.pyrDown, as the authors' gaussian_filter.
BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


@dataclass(frozen=True)
class SlicedWasserstein:
    """SWD (x 10^3) of each pyramid level, finest first, and their average."""

    resolutions: tuple[int, ...]  # side of each level, e.g. (32, 16)
    per_level: tuple[float, ...]
    average: float


def pyramid_resolutions(size: int) -> tuple[int, ...]:
    """The levels the authors score for images of side `size`: size, size / 2, ... while >= 16 px."""
    levels = []
    while size >= SMALLEST_LEVEL:
        levels.append(size)
        size //= 2
    return tuple(levels)


def _blur(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """Separable 5 x 5 binomial filter with mirrored borders (scipy's mode 'mirror', torch's 'reflect')."""
    channels = x.shape[1]
    kernel = (BINOMIAL[:, None] * BINOMIAL[None, :] * gain).to(x)
    padded = F.pad(x, (2, 2, 2, 2), mode="reflect")
    return F.conv2d(padded, kernel.expand(channels, 1, 5, 5), groups=channels)


def pyramid_down(x: torch.Tensor) -> torch.Tensor:
    """cv2.pyrDown: blur, then every second pixel (N, C, H, W) -> (N, C, H/2, W/2)."""
    return _blur(x)[:, :, ::2, ::2]


def pyramid_up(x: torch.Tensor) -> torch.Tensor:
    """cv2.pyrUp: zeros between the pixels, then the blur at gain 4 (N, C, h, w) -> (N, C, 2h, 2w)."""
    n, c, h, w = x.shape
    spread = x.new_zeros(n, c, 2 * h, 2 * w)
    spread[:, :, ::2, ::2] = x
    return _blur(spread, gain=4.0)


def laplacian_pyramid(images: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """Band-pass levels of images (uint8 read as float32), finest first; the last level is the low-pass residual."""
    pyramid = [images if images.is_floating_point() else images.float()]
    for _ in range(1, levels):
        pyramid.append(pyramid_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - pyramid_up(pyramid[-1])
    return pyramid


def patch_descriptors(level: torch.Tensor, rng: torch.Generator, per_image: int = PER_IMAGE) -> torch.Tensor:
    """`per_image` random 7 x 7 neighbourhoods of every image of a level, (N * per_image, C, 7, 7), centres at
    least 3 pixels from the border (the authors' get_descriptors_for_minibatch)."""
    n, _, height, width = level.shape
    half = NEIGHBOURHOOD // 2
    count = n * per_image
    image = torch.arange(count) // per_image
    ys = torch.randint(half, height - half, (count,), generator=rng)
    xs = torch.randint(half, width - half, (count,), generator=rng)
    offsets = torch.arange(-half, half + 1)
    rows = (ys[:, None] + offsets)[:, :, None]  # (count, 7, 1)
    columns = (xs[:, None] + offsets)[:, None, :]  # (count, 1, 7)
    # (count, 7, 7, C) -> (count, C, 7, 7)
    return level.permute(0, 2, 3, 1)[image[:, None, None], rows, columns].permute(0, 3, 1, 2)


def normalised(descriptors: torch.Tensor) -> torch.Tensor:
    """Descriptors (M, C, 7, 7) -> (M, C * 49), each channel at zero mean and unit standard deviation over the set."""
    mean = descriptors.mean(dim=(0, 2, 3), keepdim=True)
    std = descriptors.std(dim=(0, 2, 3), keepdim=True, correction=0)
    return ((descriptors - mean) / std).reshape(len(descriptors), -1)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, directions: np.ndarray) -> float:
    """Mean over unit `directions` (D, K) of the mean |sorted projection of a - sorted projection of b|, for
    equally many descriptors a, b (M, D): the average 1-D Wasserstein-1 distance of the projections."""
    if a.shape != b.shape:
        raise ValueError(f"SWD compares equally many descriptors; got {a.shape} and {b.shape}")
    total = 0.0
    # 32 projections at a time bound the memory; each sorted along a contiguous row (numpy's vectorised sort
    # is about twice as fast as torch's on these sizes)
    for start in range(0, directions.shape[1], 32):
        chunk = directions[:, start : start + 32].T
        projected_a = np.sort(chunk @ a.T, axis=1)
        projected_b = np.sort(chunk @ b.T, axis=1)
        total += float(np.abs(projected_a - projected_b).mean(axis=1).sum())
    return total / directions.shape[1]


def random_directions(dimension: int, count: int, rng: torch.Generator) -> np.ndarray:
    """`count` random unit vectors of `dimension`, as float32 columns (dimension, count)."""
    directions = torch.randn(dimension, count, generator=rng, dtype=torch.float64)
    return (directions / directions.norm(dim=0, keepdim=True)).float().numpy()


def sliced_wasserstein_distance(
    real: np.ndarray, generated: np.ndarray, *, seed: int = 0, per_image: int = PER_IMAGE, batch_size: int = 512
) -> SlicedWasserstein:
    """SWD x 10^3 between uint8 image sets (N, C, H, W) of the same size, per pyramid level and averaged.

    The larger set is cut to the smaller one's size (the authors compare equally many images).
    """
    if real.shape[1:] != generated.shape[1:]:
        raise ValueError(f"SWD compares images of one shape; got {real.shape[1:]} and {generated.shape[1:]}")
    side = real.shape[-1]
    resolutions = pyramid_resolutions(min(real.shape[-2:]))
    if not resolutions:
        raise ValueError(f"SWD needs images of at least {SMALLEST_LEVEL} px; these have {side}")
    n = min(len(real), len(generated))
    rng = torch.Generator().manual_seed(seed)
    descriptors = []
    for images in (real[:n], generated[:n]):
        levels: list[list[torch.Tensor]] = [[] for _ in resolutions]
        for start in range(0, n, batch_size):
            batch = torch.from_numpy(np.ascontiguousarray(images[start : start + batch_size]))
            for level, band in enumerate(laplacian_pyramid(batch, len(resolutions))):
                levels[level].append(patch_descriptors(band, rng, per_image))
        descriptors.append([normalised(torch.cat(parts)).numpy() for parts in levels])
    per_level = []
    for real_level, generated_level in zip(*descriptors):
        distances = [
            sliced_wasserstein(real_level, generated_level, random_directions(real_level.shape[1], DIRECTIONS, rng))
            for _ in range(REPEATS)
        ]
        per_level.append(1e3 * float(np.mean(distances)))
    return SlicedWasserstein(resolutions, tuple(per_level), float(np.mean(per_level)))


PROTOCOL = (
    f"sliced Wasserstein distance x 10^3 on Laplacian-pyramid levels down to {SMALLEST_LEVEL} px: {PER_IMAGE} random "
    f"{NEIGHBOURHOOD} x {NEIGHBOURHOOD} neighbourhoods per image and level, each set normalised per channel by its "
    f"own mean and std, {REPEATS} x {DIRECTIONS} random directions (Karras et al. 2018; the authors' "
    "metrics/sliced_wasserstein.py), seeded"
)
