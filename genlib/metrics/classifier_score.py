"""Inception Score formula and class histograms of classifier predictions.

The Inception Score (Salimans et al. 2016, "Improved Techniques for Training GANs", Sec. 4) is
exp(E_x KL(p(y|x) || p(y))), with p(y) the mean of p(y|x) over the samples: high when each sample is
classified confidently and the classes are used evenly. Fed the softmax of a classifier trained on
the dataset itself instead of Inception v3, it is the "classifier score". As in the original code,
the samples are cut into `splits` consecutive chunks and the score's mean and population std over
the chunks are reported (torchmetrics shuffles before chunking and reports the sample std).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genlib.metrics.modes import reverse_kl_to_uniform

# Guards log 0 for classes with zero probability; far below any probability that moves the score.
_EPS = 1e-12


@dataclass(frozen=True)
class ClassHistogram:
    counts: list[int]  # predictions per class, length num_classes
    classes_covered: int  # classes predicted at least once
    kl_to_uniform: float  # KL(histogram || uniform over num_classes), in nats


def classifier_score(probabilities: np.ndarray, *, splits: int = 10) -> tuple[float, float]:
    """Mean and std over `splits` consecutive chunks of exp(E_x KL(p(y|x) || p(y))) for probabilities (N, C)."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0:
        raise ValueError(f"probabilities must have shape (N, C) with N >= 1, got {p.shape}")
    if splits < 1 or splits > p.shape[0]:
        raise ValueError(f"splits must be in [1, N = {p.shape[0]}], got {splits}")
    # Logits or unnormalised scores would give a meaningless number rather than an error, so refuse them.
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probabilities must be non-negative rows summing to 1 (apply softmax to logits first)")
    n = p.shape[0]
    scores = np.empty(splits, dtype=np.float64)
    for i in range(splits):
        # The chunk boundaries of the original code: chunk sizes differ by at most one.
        part = p[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        kl = (part * (np.log(part + _EPS) - np.log(marginal + _EPS))).sum(axis=1)
        scores[i] = np.exp(kl.mean())
    return float(scores.mean()), float(scores.std())


def class_histogram(predicted: np.ndarray, num_classes: int) -> ClassHistogram:
    """Counts, classes covered and KL to uniform of predicted class indices (N,) in [0, num_classes)."""
    labels = np.asarray(predicted)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"predicted must be a non-empty 1-D array of class indices, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"predicted must hold integer class indices, got dtype {labels.dtype}")
    if num_classes < 1 or labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"class indices must lie in [0, {num_classes}), got [{labels.min()}, {labels.max()}]")
    counts = np.bincount(labels, minlength=num_classes)
    return ClassHistogram(
        counts=[int(c) for c in counts],
        classes_covered=int((counts > 0).sum()),
        kl_to_uniform=reverse_kl_to_uniform(counts),
    )
