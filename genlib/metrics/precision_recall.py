"""Improved precision and recall (Kynkaanniemi et al. 2019, "Improved Precision and Recall Metric
for Assessing Generative Models", NeurIPS, Sec. 2).

Each feature set approximates its manifold by the union of balls around its points, the radius of a
point being the distance to its k-th nearest neighbour in the same set (k = 3 in the paper). A
generated sample counts toward precision when it lies inside the ball of at least one reference
point; recall is the same with the roles swapped. As in the authors' code, squared Euclidean
distances come from ||a||^2 - 2 a.b + ||b||^2 in float32 (one matrix product per block, and no
square roots since only comparisons matter), in square blocks of `batch_size` rows and columns so
memory stays at a few batch_size^2 floats.
"""

from __future__ import annotations

import numpy as np
import torch


def precision_recall(
    reference: np.ndarray, generated: np.ndarray, *, k: int = 3, batch_size: int = 10000
) -> tuple[float, float]:
    """Improved precision and recall of generated (M, D) against reference (N, D) features, each in [0, 1]."""
    real = _features(reference, "reference", k)
    fake = _features(generated, "generated", k)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature dimensions differ: reference has {real.shape[1]}, generated has {fake.shape[1]}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    with torch.no_grad():
        precision = _fraction_inside(fake, real, _knn_squared_radii(real, k, batch_size), batch_size)
        recall = _fraction_inside(real, fake, _knn_squared_radii(fake, k, batch_size), batch_size)
    return precision, recall


def _knn_squared_radii(points: torch.Tensor, k: int, batch_size: int) -> torch.Tensor:
    """Squared distance (N,) from each point to its k-th nearest other point of the same set."""
    radii = torch.empty(len(points), dtype=points.dtype)
    for start in range(0, len(points), batch_size):
        rows = points[start : start + batch_size]
        # Keep the k + 1 smallest distances seen so far: the point itself is one of them at distance ~0.
        nearest = torch.full((len(rows), k + 1), float("inf"), dtype=points.dtype)
        for col in range(0, len(points), batch_size):
            block = _squared_distances(rows, points[col : col + batch_size])
            nearest = torch.topk(torch.cat([nearest, block], dim=1), k + 1, dim=1, largest=False).values
        radii[start : start + batch_size] = nearest.max(dim=1).values
    return radii


def _fraction_inside(queries: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int) -> float:
    """Fraction of queries inside at least one ball (centre, squared radius)."""
    inside = torch.zeros(len(queries), dtype=torch.bool)
    for start in range(0, len(queries), batch_size):
        rows = queries[start : start + batch_size]
        for col in range(0, len(centres), batch_size):
            block = _squared_distances(rows, centres[col : col + batch_size])
            inside[start : start + batch_size] |= (block <= radii[col : col + batch_size]).any(dim=1)
    return float(inside.double().mean())


def _squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    # Round-off can make the expansion slightly negative for (near-)identical points.
    squared = (a * a).sum(dim=1, keepdim=True) - 2.0 * a @ b.T + (b * b).sum(dim=1)
    return squared.clamp_(min=0.0)


def _features(features: np.ndarray, name: str, k: int) -> torch.Tensor:
    x = np.asarray(features, dtype=np.float32)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if x.ndim != 2 or x.shape[0] <= k:
        raise ValueError(f"{name} features must have shape (N, D) with N > k = {k}, got {x.shape}")
    return torch.from_numpy(np.ascontiguousarray(x))
