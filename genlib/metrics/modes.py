"""Mode-collapse metrics of 2-D mixtures, with the protocol of PacGAN (Lin et al. 2018, Sec. 5.1),
computed as the authors' code computes them (fjxmlzn/PacGAN, pacgan/extensions.py, MetricLogger).

A sample is high quality when it lies less than 3 standard deviations from its nearest mode; a mode
is covered when it is the nearest mode of at least one high-quality sample; the reverse KL compares
the histogram of the high-quality samples over their modes with the uniform histogram over the
modes (samples far from every mode are not counted). The KL of the histogram of all samples over
their nearest modes is kept beside it as `reverse_kl_all_samples`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModeMetrics:
    modes_covered: int  # modes that are the nearest mode of >= 1 high-quality sample
    high_quality_fraction: float  # fraction of samples less than `threshold` std from their nearest mode
    reverse_kl: float | None  # KL(high-quality samples' mode histogram || uniform), nats; None: no such sample
    reverse_kl_all_samples: float  # KL(all samples' nearest-mode histogram || uniform), nats
    mode_counts: list[int]  # high-quality samples per mode
    nearest_counts: list[int]  # samples per nearest mode, high quality or not


def nearest_modes(points: np.ndarray, modes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest mode (N,) and the distance to it (N,) for each point."""
    distances = np.linalg.norm(points[:, None, :].astype(np.float64) - modes[None, :, :], axis=2)  # (N, K)
    nearest = distances.argmin(axis=1)
    return nearest, distances[np.arange(len(points)), nearest]


def mode_metrics(points: np.ndarray, modes: np.ndarray, std: float, *, threshold: float = 3.0) -> ModeMetrics:
    """Modes covered, high-quality fraction and reverse KL of `points` (N, 2) against a mixture."""
    if len(points) == 0:
        raise ValueError("no samples to evaluate")
    nearest, distance = nearest_modes(points, modes)
    high_quality = distance < threshold * std  # strictly, as `min_dis < self.dis_thre` in the authors' code
    counts = np.bincount(nearest[high_quality], minlength=len(modes))
    all_counts = np.bincount(nearest, minlength=len(modes))
    return ModeMetrics(
        modes_covered=int((counts > 0).sum()),
        high_quality_fraction=float(high_quality.mean()),
        reverse_kl=reverse_kl_to_uniform(counts) if counts.sum() else None,
        reverse_kl_all_samples=reverse_kl_to_uniform(all_counts),
        mode_counts=counts.tolist(),
        nearest_counts=all_counts.tolist(),
    )


def reverse_kl_to_uniform(counts: np.ndarray) -> float:
    """KL(p || u) of the histogram p = counts / sum against the uniform u over len(counts) bins."""
    p = np.asarray(counts, dtype=np.float64)
    p = p / p.sum()
    nonzero = p > 0
    return float(np.sum(p[nonzero] * np.log(p[nonzero] * len(p))))
