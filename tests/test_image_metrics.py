"""Image metrics on precomputed features: FID and KID against SciPy and torchmetrics (custom feature
module, so nothing is downloaded), improved precision/recall, classifier score and class histograms."""

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import torch
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance

from genlib.metrics.classifier_score import class_histogram, classifier_score
from genlib.metrics.frechet import frechet_distance, gaussian_stats
from genlib.metrics.kid import kernel_inception_distance
from genlib.metrics.precision_recall import precision_recall


class FlatFeatures(torch.nn.Module):
    """Stands in for Inception: the 'images' are already feature vectors (N, D)."""

    def __init__(self, num_features: int):
        super().__init__()
        # torchmetrics reads this instead of pushing a dummy 3x299x299 image through the module.
        self.num_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)


def two_gaussians(seed: int, n: int = 500, d: int = 16) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) * 0.5
    b = 1.5 * rng.standard_normal((n, d)) + 0.3
    return a, b


def fid(a: np.ndarray, b: np.ndarray) -> float:
    return frechet_distance(gaussian_stats(a), gaussian_stats(b))


# FID


def test_fid_of_a_feature_set_with_itself_is_zero():
    a, _ = two_gaussians(0)
    assert fid(a, a) == pytest.approx(0.0, abs=1e-6)


def test_fid_matches_pytorch_fid_sqrtm_formula():
    a, b = two_gaussians(1)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(ca @ cb).real
    diff = a.mean(0) - b.mean(0)
    direct = diff @ diff + np.trace(ca) + np.trace(cb) - 2 * np.trace(covmean)
    assert fid(a, b) == pytest.approx(direct, rel=1e-4)


def test_fid_matches_torchmetrics_with_a_custom_feature_module():
    a, b = two_gaussians(2)
    metric = FrechetInceptionDistance(feature=FlatFeatures(a.shape[1]))
    metric.update(torch.from_numpy(a), real=True)  # float64 in, so torchmetrics returns float64
    metric.update(torch.from_numpy(b), real=False)
    assert fid(b, a) == pytest.approx(metric.compute().item(), rel=1e-4)


def test_fid_is_invariant_to_sample_order():
    a, b = two_gaussians(3)
    shuffled = a[np.random.default_rng(3).permutation(len(a))]
    assert fid(shuffled, b) == pytest.approx(fid(a, b), rel=1e-9)
    assert fid(a, b) > 0.1  # two different Gaussians: a metric stuck at zero would pass the line above


# KID


def test_kid_of_two_samples_of_one_distribution_is_zero_within_noise():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((1000, 16)), rng.standard_normal((1000, 16))
    mean, std = kernel_inception_distance(x, y, subsets=20, subset_size=100)
    assert abs(mean) < 3 * std + 1e-3


def test_kid_of_shifted_gaussians_is_clearly_positive():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((1000, 16)) + 1.0, rng.standard_normal((1000, 16))
    mean, std = kernel_inception_distance(x, y, subsets=20, subset_size=100)
    assert mean > 0.5 and mean > 10 * std


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance` will save")
def test_kid_matches_torchmetrics_on_one_subset_of_every_sample():
    gen, ref = two_gaussians(6, n=300)
    metric = KernelInceptionDistance(feature=FlatFeatures(gen.shape[1]), subsets=1, subset_size=len(gen))
    metric.update(torch.from_numpy(ref), real=True)
    metric.update(torch.from_numpy(gen), real=False)
    expected_mean, expected_std = metric.compute()
    mean, std = kernel_inception_distance(gen, ref, subsets=1, subset_size=len(gen))
    assert mean == pytest.approx(expected_mean.item(), rel=1e-4)
    assert std == expected_std.item() == 0.0


def test_kid_equals_a_hand_computed_unbiased_mmd2():
    x = [(1, 0), (0, 2), (-1, 1), (3, -2)]
    y = [(2, 2), (1, -1), (0, 0), (-2, 3)]

    def k(u, v):  # (u.v / d + 1)^3 with d = 2, exactly
        return (Fraction(u[0] * v[0] + u[1] * v[1], 2) + 1) ** 3

    m = len(x)
    within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    across = sum(k(u, v) for u in x for v in y)
    exact = within / (m * (m - 1)) - 2 * across / m**2
    mean, std = kernel_inception_distance(np.array(x), np.array(y), subsets=3, subset_size=100)
    assert mean == pytest.approx(float(exact), abs=1e-10)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_kid_rejects_mismatched_dimensions_and_single_samples():
    with pytest.raises(ValueError, match="dimensions differ"):
        kernel_inception_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="N >= 2"):
        kernel_inception_distance(np.zeros((1, 3)), np.zeros((5, 3)))


# Improved precision and recall


def test_precision_and_recall_of_one_distribution_are_high():
    rng = np.random.default_rng(7)
    ref, gen = rng.standard_normal((1000, 2)), rng.standard_normal((1000, 2))
    precision, recall = precision_recall(ref, gen)
    assert precision > 0.9 and recall > 0.9


def test_collapsed_generator_has_high_precision_and_low_recall():
    rng = np.random.default_rng(8)
    ref = rng.standard_normal((1000, 2))
    gen = 0.1 * rng.standard_normal((1000, 2))  # every sample near the reference mode
    precision, recall = precision_recall(ref, gen)
    assert precision > 0.9 and recall < 0.3


def test_generator_far_from_the_reference_has_zero_precision_and_recall():
    rng = np.random.default_rng(9)
    ref = rng.standard_normal((500, 4))
    gen = rng.standard_normal((500, 4)) + 100.0
    assert precision_recall(ref, gen) == (0.0, 0.0)


def test_precision_and_recall_do_not_depend_on_the_batch_size():
    rng = np.random.default_rng(10)
    ref, gen = rng.standard_normal((700, 2)), 0.8 * rng.standard_normal((600, 2)) + 0.3
    assert precision_recall(ref, gen, batch_size=128) == precision_recall(ref, gen, batch_size=10000)


# Classifier score and class histograms


def test_classifier_score_of_confident_evenly_spread_predictions_is_the_class_count():
    probabilities = np.eye(10)[np.tile(np.arange(10), 100)]  # every chunk of 100 holds 10 of each class
    mean, std = classifier_score(probabilities, splits=10)
    assert mean == pytest.approx(10.0, abs=1e-6)
    assert std == pytest.approx(0.0, abs=1e-6)


def test_classifier_score_of_a_single_predicted_class_is_one():
    probabilities = np.eye(10)[np.full(1000, 3)]
    assert classifier_score(probabilities)[0] == pytest.approx(1.0, abs=1e-9)


def test_classifier_score_of_uniform_predictions_is_one():
    assert classifier_score(np.full((1000, 10), 0.1))[0] == pytest.approx(1.0, abs=1e-9)


def test_classifier_score_rejects_logits():
    with pytest.raises(ValueError, match="softmax"):
        classifier_score(np.random.default_rng(11).standard_normal((100, 10)))


def test_class_histogram_counts_coverage_and_kl_to_uniform():
    # p = (1/2, 1/2, 0, 0) against u = 1/4: KL = 2 * 1/2 log(2) = log 2.
    h = class_histogram(np.array([0, 0, 1, 1]), num_classes=4)
    assert h.counts == [2, 2, 0, 0]
    assert h.classes_covered == 2
    assert h.kl_to_uniform == pytest.approx(math.log(2))
