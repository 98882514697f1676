"""Frechet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, eq. 6).

d^2 = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)), computed in float64. Applied to raw
coordinates it is the Frechet distance of two point sets; applied to network features it is FID.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GaussianStats:
    """Mean (D,) and covariance (D, D) of a feature set, float64."""

    mean: np.ndarray
    cov: np.ndarray
    n: int


def gaussian_stats(features: np.ndarray) -> GaussianStats:
    """Mean and unbiased covariance of features (N, D)."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"need at least 2 feature vectors of shape (N, D), got {x.shape}")
    return GaussianStats(mean=x.mean(axis=0), cov=np.atleast_2d(np.cov(x, rowvar=False)), n=x.shape[0])


def frechet_distance(a: GaussianStats, b: GaussianStats) -> float:
    """Squared Frechet distance between N(a.mean, a.cov) and N(b.mean, b.cov)."""
    diff = a.mean - b.mean
    # Tr((S_a S_b)^(1/2)) = sum of sqrt(eigenvalues of S_a^(1/2) S_b S_a^(1/2)), a symmetric PSD matrix,
    # which avoids the complex round-off of a general matrix square root.
    root_a = _psd_sqrt(a.cov)
    middle = root_a @ b.cov @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_sqrt = np.sqrt(np.clip(eigenvalues, 0.0, None)).sum()
    value = diff @ diff + np.trace(a.cov) + np.trace(b.cov) - 2.0 * trace_sqrt
    return float(max(value, 0.0))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    eigenvalues, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ vectors.T
