"""Metrics: mode coverage on perfect and collapsed samplers; Frechet distance against SciPy."""

import math

import numpy as np
import pytest
import scipy.linalg

from genlib.data.mixtures import grid25, ring8
from genlib.metrics.frechet import frechet_distance, gaussian_stats
from genlib.metrics.modes import mode_metrics, reverse_kl_to_uniform


@pytest.mark.parametrize("make", [ring8, grid25])
def test_perfect_sampler_covers_every_mode_with_high_quality(make):
    dist = make()
    points = dist.sample(2500, np.random.default_rng(1))
    m = mode_metrics(points, dist.modes, dist.std)
    assert m.modes_covered == len(dist.modes)
    # P(||x - mu|| <= 3 std) for a 2-D isotropic Gaussian is 1 - exp(-9/2) = 0.98889.
    assert m.high_quality_fraction == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert m.reverse_kl < 0.02


def test_collapsed_sampler_covers_one_mode_and_has_maximal_reverse_kl():
    dist = ring8()
    rng = np.random.default_rng(2)
    points = (dist.modes[3] + dist.std * rng.standard_normal((2500, 2))).astype(np.float32)
    m = mode_metrics(points, dist.modes, dist.std)
    assert m.modes_covered == 1
    assert m.nearest_counts[3] == 2500 and sum(m.nearest_counts) == 2500
    assert m.mode_counts[3] == sum(m.mode_counts) == round(2500 * m.high_quality_fraction)  # high quality only
    assert m.reverse_kl == pytest.approx(math.log(8)) and m.reverse_kl_all_samples == pytest.approx(math.log(8))


def test_reverse_kl_counts_only_high_quality_samples_as_the_pacgan_authors_code():
    """Four modes on a line, std 1. Two samples sit on mode 0 and one on mode 1 (high quality); three lie
    4 std from modes 2 and 3 (low quality). The authors' histogram is (2, 1, 0, 0) / 3; all samples'
    nearest modes give (2, 1, 2, 1) / 6."""
    modes = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0]])
    points = np.array([[0.0, 0.0], [0.5, 0.0], [10.0, 0.0], [20.0, 4.0], [20.0, -4.0], [30.0, 4.0]])
    m = mode_metrics(points, modes, std=1.0)
    assert m.mode_counts == [2, 1, 0, 0] and m.nearest_counts == [2, 1, 2, 1]
    assert m.modes_covered == 2 and m.high_quality_fraction == 0.5
    assert m.reverse_kl == pytest.approx(2 / 3 * math.log(2 / 3 * 4) + 1 / 3 * math.log(1 / 3 * 4))
    assert m.reverse_kl_all_samples == pytest.approx(
        2 * (2 / 6 * math.log(2 / 6 * 4)) + 2 * (1 / 6 * math.log(1 / 6 * 4))
    )


def test_samples_far_from_modes_are_low_quality_and_cover_nothing():
    dist = grid25()
    points = np.full((100, 2), 1.0, dtype=np.float32)  # midway between four modes
    m = mode_metrics(points, dist.modes, dist.std)
    assert m.high_quality_fraction == 0.0 and m.modes_covered == 0
    assert m.reverse_kl is None, "no high-quality sample: the authors' histogram is empty and the KL undefined"


def test_reverse_kl_of_a_two_bin_histogram():
    # p = (3/4, 1/4), u = (1/2, 1/2): KL = 3/4 log(3/2) + 1/4 log(1/2)
    assert reverse_kl_to_uniform(np.array([3, 1])) == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5))


def test_frechet_distance_of_a_set_with_itself_is_zero():
    x = np.random.default_rng(3).standard_normal((500, 8))
    assert frechet_distance(gaussian_stats(x), gaussian_stats(x)) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_matches_scipy_sqrtm_formula():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 6))
    b = rng.standard_normal((300, 6)) * 2.0 + 0.5
    sa, sb = gaussian_stats(a), gaussian_stats(b)
    covmean = scipy.linalg.sqrtm(np.cov(a, rowvar=False) @ np.cov(b, rowvar=False)).real
    diff = a.mean(0) - b.mean(0)
    direct = diff @ diff + np.trace(np.cov(a, rowvar=False) + np.cov(b, rowvar=False) - 2 * covmean)
    assert frechet_distance(sa, sb) == pytest.approx(direct, rel=1e-4)


def test_frechet_distance_of_gaussians_with_known_moments():
    # N(0, a^2 I) vs N(m, b^2 I) in D dims: ||m||^2 + D (a - b)^2.
    rng = np.random.default_rng(5)
    a = rng.standard_normal((200_000, 2))
    b = 3.0 * rng.standard_normal((200_000, 2)) + np.array([1.0, 2.0])
    assert frechet_distance(gaussian_stats(a), gaussian_stats(b)) == pytest.approx(5.0 + 2 * 4.0, rel=0.01)


def test_frechet_distance_is_invariant_to_sample_order():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((300, 4)), rng.standard_normal((300, 4)) + 1
    shuffled = a[rng.permutation(len(a))]
    distance = frechet_distance(gaussian_stats(a), gaussian_stats(b))
    assert distance == pytest.approx(frechet_distance(gaussian_stats(shuffled), gaussian_stats(b)), rel=1e-9)
    assert distance == pytest.approx(4.0, abs=0.5)  # means 1 apart in each of 4 dims, equal covariances
