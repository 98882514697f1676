"""Edges of the metric formulas: validation boundaries with their messages, the chunks of the score, round-off.

Each test here was written against a change to the code that the rest of the suite let through
(a mutation score run, README "Mutation testing").
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from genlib.metrics.classifier_score import class_histogram, classifier_score
from genlib.metrics.frechet import GaussianStats, frechet_distance, gaussian_stats
from genlib.metrics.modes import mode_metrics

# --- Frechet distance ---------------------------------------------------------------------------


def test_gaussian_stats_of_two_vectors_is_their_mean_and_unbiased_covariance_in_float64():
    # float32 input with a large offset: a float32 mean loses the fractional parts that float64 keeps.
    features = np.array([[1e6 + 0.25, 1.0], [1e6 + 0.5, 3.0]], dtype=np.float32)
    stats = gaussian_stats(features)
    exact = features.astype(np.float64)
    assert stats.n == 2 and stats.mean.dtype == np.float64 and stats.cov.shape == (2, 2)
    np.testing.assert_array_equal(stats.mean, exact.mean(axis=0))
    d = exact[1] - exact[0]
    np.testing.assert_allclose(stats.cov, np.outer(d, d) / 2, rtol=1e-12)  # (x1 - m)(x1 - m)^T + ... over N - 1


def test_gaussian_stats_counts_vectors_not_dimensions():
    assert gaussian_stats(np.zeros((3, 5)) + np.arange(3)[:, None]).n == 3


@pytest.mark.parametrize("shape", [(1, 4), (4,), (2, 2, 2)])
def test_gaussian_stats_refuses_fewer_than_two_vectors_or_another_shape(shape):
    with pytest.raises(
        ValueError, match=r"need at least 2 feature vectors of shape \(N, D\), got " + re.escape(str(shape))
    ):
        gaussian_stats(np.zeros(shape))


def _cov_with_eigenvalues(values):
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(len(values), len(values))))
    return rotation @ np.diag(values) @ rotation.T


@pytest.mark.parametrize("which", ["a", "b"])
def test_a_covariance_with_a_round_off_negative_eigenvalue_gives_the_psd_answer_not_nan(which):
    """Covariances of fewer samples than dimensions are singular, and round-off makes a zero eigenvalue
    slightly negative: its square root is taken as 0, as for the exact matrix."""
    rounded = _cov_with_eigenvalues([1.0, 2.0, -1e-12])
    exact = _cov_with_eigenvalues([1.0, 2.0, 0.0])
    identity = np.eye(3)
    mean = np.zeros(3)
    pair = (rounded, identity) if which == "a" else (identity, rounded)
    value = frechet_distance(GaussianStats(mean, pair[0], 10), GaussianStats(mean, pair[1], 10))
    # Tr(A) + Tr(B) - 2 Tr((A B)^(1/2)) for the exact matrices: 3 + 3 - 2 (1 + sqrt 2 + 0).
    assert value == pytest.approx(6 - 2 * (1 + np.sqrt(2)), abs=1e-6)
    assert value == pytest.approx(
        frechet_distance(GaussianStats(mean, exact, 10), GaussianStats(mean, identity, 10)), abs=1e-6
    )


# --- classifier score and class histograms ---------------------------------------------------------


def _hand_score(chunk: np.ndarray) -> float:
    marginal = chunk.mean(axis=0)
    return float(np.exp(np.mean([np.sum(row * np.log(row / marginal)) for row in chunk])))


def test_classifier_score_chunks_are_consecutive_and_differ_in_size_by_at_most_one():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(4) * 0.3, size=10)
    chunks = [p[0:3], p[3:6], p[6:10]]  # 10 samples, 3 splits: i * n // 3 boundaries 0, 3, 6, 10
    scores = [_hand_score(chunk) for chunk in chunks]
    mean, std = classifier_score(p, splits=3)
    assert mean == pytest.approx(np.mean(scores), rel=1e-9) and std == pytest.approx(np.std(scores), rel=1e-9)


def test_classifier_score_allows_one_split_and_one_sample_per_split():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    assert classifier_score(p, splits=1)[0] == pytest.approx(_hand_score(p))
    assert classifier_score(p, splits=3) == (1.0, 0.0)  # one sample: p(y|x) = p(y), KL 0, score 1


@pytest.mark.parametrize("splits", [0, 4])
def test_classifier_score_refuses_splits_outside_one_to_n(splits):
    with pytest.raises(ValueError, match=rf"splits must be in \[1, N = 3\], got {splits}$"):
        classifier_score(np.full((3, 2), 0.5), splits=splits)


@pytest.mark.parametrize("shape", [(0, 3), (3,)])
def test_classifier_score_refuses_no_samples_or_a_flat_array(shape):
    with pytest.raises(ValueError, match=r"probabilities must have shape \(N, C\) with N >= 1"):
        classifier_score(np.ones(shape) / 3, splits=1)


def test_classifier_score_accepts_float32_round_off_and_refuses_rows_that_do_not_sum_to_one():
    close = np.array([[0.5005, 0.5], [0.25, 0.7505]])  # sums 1.0005: softmax in float32 is this far off
    assert classifier_score(close, splits=1)[0] > 1.0
    with pytest.raises(ValueError, match=r"non-negative rows summing to 1 \(apply softmax to logits first\)"):
        classifier_score(np.array([[0.502, 0.5], [0.25, 0.75]]), splits=1)  # a row summing to 1.002
    with pytest.raises(ValueError, match="non-negative rows summing to 1"):
        classifier_score(np.array([[1.5, -0.5], [0.25, 0.75]]), splits=1)  # sums to 1, one entry negative


def test_a_class_predicted_once_is_covered():
    histogram = class_histogram(np.array([0, 0, 2]), num_classes=3)
    assert histogram.counts == [2, 0, 1] and histogram.classes_covered == 2


def test_a_class_histogram_of_one_class():
    assert class_histogram(np.array([0]), num_classes=1).classes_covered == 1


@pytest.mark.parametrize(
    ("predicted", "num_classes", "message"),
    [
        (
            np.array([], dtype=np.int64),
            3,
            r"predicted must be a non-empty 1-D array of class indices, got shape \(0,\)",
        ),
        (np.zeros((2, 2), dtype=np.int64), 3, r"non-empty 1-D array of class indices, got shape \(2, 2\)"),
        (np.array([0.0, 1.0]), 3, r"predicted must hold integer class indices, got dtype float64"),
        (np.array([-1, 0]), 3, r"class indices must lie in \[0, 3\), got \[-1, 0\]"),
        (np.array([0, 3]), 3, r"class indices must lie in \[0, 3\), got \[0, 3\]"),
        (np.array([0, 0]), 0, r"class indices must lie in \[0, 0\)"),
    ],
)
def test_class_histogram_refuses_bad_predictions_naming_them(predicted, num_classes, message):
    with pytest.raises(ValueError, match=message):
        class_histogram(predicted, num_classes)


# --- mode metrics ----------------------------------------------------------------------------------


def test_high_quality_means_strictly_less_than_three_std_as_the_authors_code():
    metrics = mode_metrics(np.array([[2.999, 0.0], [3.0, 0.0]]), np.array([[0.0, 0.0], [10.0, 0.0]]), std=1.0)
    assert metrics.high_quality_fraction == 0.5 and metrics.mode_counts == [1, 0]


def test_mode_metrics_refuse_an_empty_sample():
    with pytest.raises(ValueError, match="^no samples to evaluate$"):
        mode_metrics(np.zeros((0, 2)), np.zeros((1, 2)), std=1.0)


def test_the_classifier_score_takes_ten_splits_by_default_as_the_original_code():
    p = np.random.default_rng(4).dirichlet(np.ones(3), size=40)
    assert classifier_score(p) == classifier_score(p, splits=10) != classifier_score(p, splits=11)
