"""Evaluation of one run's samples: metrics with their protocol card (features, sample counts, rules, versions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from genlib.data.mixtures import Mixture
from genlib.metrics.frechet import frechet_distance, gaussian_stats
from genlib.metrics.modes import mode_metrics

HIGH_QUALITY_STD = 3.0  # PacGAN: a sample is high quality within 3 std of a mode


def evaluate_mixture_samples(
    samples: np.ndarray, info: dict[str, Any], dist: Mixture, reference: np.ndarray
) -> dict[str, Any]:
    """Metrics of 2-D samples (with the sample step's `info`) against their mixture and held-out points."""
    result: dict[str, Any] = {
        **run_identity(info),
        "metrics": None,
        "protocol": _protocol(len(samples), len(reference)),
    }
    if info["status"] == "diverged" or not np.isfinite(samples).all():
        result["status"] = "diverged"
        return result
    modes = mode_metrics(samples, dist.modes, dist.std, threshold=HIGH_QUALITY_STD)
    result["metrics"] = {
        "modes_covered": modes.modes_covered,
        "n_modes": len(dist.modes),
        "high_quality_percent": 100.0 * modes.high_quality_fraction,
        "reverse_kl": modes.reverse_kl,
        "reverse_kl_all_samples": modes.reverse_kl_all_samples,
        "frechet_distance": frechet_distance(gaussian_stats(samples), gaussian_stats(reference)),
        "mode_counts": modes.mode_counts,
        "nearest_counts": modes.nearest_counts,
    }
    return result


def _protocol(n_generated: int, n_reference: int) -> dict[str, Any]:
    return {
        "features": "raw 2-D coordinates",
        "n_generated": n_generated,
        "reference_split": "test",
        "n_reference": n_reference,
        "high_quality_rule": f"less than {HIGH_QUALITY_STD:g} std from the nearest mode (PacGAN authors' code)",
        "reverse_kl": "KL(histogram of the high-quality samples over their modes || uniform), nats, as the PacGAN "
        "authors' code; undefined (null) without a high-quality sample",
        "reverse_kl_all_samples": "KL(histogram of all samples over their nearest modes || uniform), nats",
    }


def run_identity(info: dict[str, Any]) -> dict[str, Any]:
    """Which run a sample set came from: the identity the sample job recorded with the samples (so that
    scoring 2-D samples needs no torch), or, for an archive without one, worked out from its family."""
    if "identity" in info:
        return dict(info["identity"])
    from genlib.families.registry import run_identity as identity_of

    return identity_of(info)
