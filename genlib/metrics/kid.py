"""Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs", ICLR; the KID definition).

KID is the unbiased estimate of the squared maximum mean discrepancy between two feature sets
under the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, with d the feature dimension:

    MMD^2 = 1/(m(m-1)) sum_{i!=j} [k(x_i, x_j) + k(y_i, y_j)] - 2/m^2 sum_{i,j} k(x_i, y_j)

(unbiased because the within-set sums skip i = j and the two sets are independent), averaged
over random subsets of m samples from each set. This is the estimator of the authors' code and of
torchmetrics' KernelInceptionDistance (mean and population std over subsets), computed here in
float64 with a seeded NumPy generator choosing the subsets.
"""

from __future__ import annotations

import numpy as np


def kernel_inception_distance(
    generated: np.ndarray, reference: np.ndarray, *, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Mean and std over `subsets` random subsets of the unbiased polynomial-kernel MMD^2 of (N, D) features.

    `subset_size` is capped at min(len(generated), len(reference)), so a small evaluation uses every
    sample in each subset instead of failing as torchmetrics does; subsets are drawn without
    replacement within a subset and independently across subsets.
    """
    x = _features(generated, "generated")
    y = _features(reference, "reference")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature dimensions differ: generated has {x.shape[1]}, reference has {y.shape[1]}")
    if subsets < 1:
        raise ValueError(f"subsets must be >= 1, got {subsets}")
    if subset_size < 2:
        raise ValueError(f"subset_size must be >= 2 (the estimator divides by m(m-1)), got {subset_size}")
    m = min(subset_size, len(x), len(y))
    rng = np.random.default_rng(seed)
    scores = np.empty(subsets, dtype=np.float64)
    for s in range(subsets):
        scores[s] = unbiased_mmd2(x[rng.choice(len(x), m, replace=False)], y[rng.choice(len(y), m, replace=False)])
    # Population std (ddof=0), as in the authors' code and torchmetrics.
    return float(scores.mean()), float(scores.std())


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 of two equal-size (m, D) feature sets under the cubic polynomial kernel."""
    m = len(x)
    if len(y) != m or m < 2:
        raise ValueError(f"need two sets of the same size >= 2, got {len(x)} and {len(y)}")
    k_xx, k_yy, k_xy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
    # Dropping the diagonals k(x_i, x_i) is what makes the within-set terms unbiased.
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def _poly_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def _features(features: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"{name} features must have shape (N, D) with N >= 2, got {x.shape}")
    return x
