"""Sliced Wasserstein distance on Laplacian-pyramid patches, checked against computations written here from the
description of Karras et al. 2018 (Sec. 5, Appendix D) and their metrics/sliced_wasserstein.py."""

import numpy as np
import pytest
import scipy.ndimage
import scipy.stats
import torch

from genlib.metrics.swd import (
    laplacian_pyramid,
    normalised,
    pyramid_down,
    pyramid_resolutions,
    pyramid_up,
    sliced_wasserstein,
    sliced_wasserstein_distance,
)

BINOMIAL = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0


def smooth_images(seed, n=80, size=32, sigma=1.5):
    """Blurred random fields in [0, 255]: images with structure at several scales."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(n, 1, size, size))
    fields = scipy.ndimage.gaussian_filter(noise, sigma=(0, 0, sigma, sigma))
    fields = (fields - fields.mean()) / fields.std()
    return np.clip(128 + 50 * fields, 0, 255).astype(np.uint8)


def independent_swd(real, fake, rng, per_image=128, repeats=4, directions=128):
    """The whole metric in numpy, from the paper's description: cv2-style pyramid (scipy, mirrored borders),
    random 7 x 7 patches, per-set normalisation, sorted random projections, x 10^3, mean over levels."""

    def down(x):
        return scipy.ndimage.convolve(x, BINOMIAL[None, None], mode="mirror")[:, :, ::2, ::2]

    def up(x):
        spread = np.zeros((*x.shape[:2], 2 * x.shape[2], 2 * x.shape[3]))
        spread[:, :, ::2, ::2] = x
        return scipy.ndimage.convolve(spread, 4 * BINOMIAL[None, None], mode="mirror")

    def levels(x, count):
        pyramid = [x.astype(np.float64)]
        for _ in range(1, count):
            pyramid.append(down(pyramid[-1]))
            pyramid[-2] = pyramid[-2] - up(pyramid[-1])
        return pyramid

    def descriptors(level):
        out = []
        for image in level:
            for _ in range(per_image):
                y, x = rng.integers(3, level.shape[2] - 3), rng.integers(3, level.shape[3] - 3)
                out.append(image[:, y - 3 : y + 4, x - 3 : x + 4])
        d = np.stack(out)
        d = (d - d.mean(axis=(0, 2, 3), keepdims=True)) / d.std(axis=(0, 2, 3), keepdims=True)
        return d.reshape(len(d), -1)

    count = len(pyramid_resolutions(real.shape[-1]))
    distances = []
    for a_level, b_level in zip(levels(real, count), levels(fake, count)):
        a, b = descriptors(a_level), descriptors(b_level)
        per_repeat = []
        for _ in range(repeats):
            dirs = rng.normal(size=(a.shape[1], directions))
            dirs /= np.linalg.norm(dirs, axis=0)
            per_repeat.append(np.abs(np.sort(a @ dirs, axis=0) - np.sort(b @ dirs, axis=0)).mean())
        distances.append(1e3 * np.mean(per_repeat))
    return distances


def test_levels_are_the_authors_from_the_image_size_down_to_16_px():
    assert pyramid_resolutions(32) == (32, 16)
    assert pyramid_resolutions(128) == (128, 64, 32, 16)
    assert pyramid_resolutions(28) == (28,)
    assert pyramid_resolutions(8) == ()


def test_pyramid_steps_match_a_mirrored_binomial_convolution():
    x = np.random.default_rng(0).uniform(0, 255, (2, 3, 16, 16))
    expected_down = scipy.ndimage.convolve(x, BINOMIAL[None, None], mode="mirror")[:, :, ::2, ::2]
    np.testing.assert_allclose(pyramid_down(torch.from_numpy(x)).numpy(), expected_down, rtol=1e-10, atol=1e-9)
    small = x[:, :, :8, :8]
    spread = np.zeros((2, 3, 16, 16))
    spread[:, :, ::2, ::2] = small
    expected_up = scipy.ndimage.convolve(spread, 4 * BINOMIAL[None, None], mode="mirror")
    np.testing.assert_allclose(pyramid_up(torch.from_numpy(small)).numpy(), expected_up, rtol=1e-10, atol=1e-9)


def test_laplacian_pyramid_adds_back_up_to_the_image():
    images = torch.from_numpy(smooth_images(0, n=4, size=64)).double()
    pyramid = laplacian_pyramid(images, 3)
    assert [level.shape[-1] for level in pyramid] == [64, 32, 16]
    rebuilt = pyramid[-1]
    for band in pyramid[-2::-1]:
        rebuilt = pyramid_up(rebuilt) + band
    torch.testing.assert_close(rebuilt, images, rtol=0, atol=1e-9)


def test_each_projection_scores_its_one_dimensional_wasserstein_distance():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(300, 5)).astype(np.float32), rng.normal(0.5, 2.0, size=(300, 5)).astype(np.float32)
    directions = rng.normal(size=(5, 7))
    directions = (directions / np.linalg.norm(directions, axis=0)).astype(np.float32)
    expected = np.mean([scipy.stats.wasserstein_distance(a @ d, b @ d) for d in directions.T])
    assert sliced_wasserstein(a, b, directions) == pytest.approx(expected, rel=1e-5)


def test_descriptors_are_normalised_per_channel_over_the_set():
    d = torch.randn(500, 3, 7, 7, dtype=torch.float64) * torch.tensor([1.0, 5.0, 0.1])[None, :, None, None] + 3
    flat = normalised(d).reshape(500, 3, 49)
    torch.testing.assert_close(flat.mean(dim=(0, 2)), torch.zeros(3, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(flat.std(dim=(0, 2), correction=0), torch.ones(3, dtype=torch.float64))


def test_a_set_against_itself_is_near_zero_and_the_distance_grows_with_added_noise():
    real = smooth_images(0)
    itself = sliced_wasserstein_distance(real, real, seed=3)
    rng = np.random.default_rng(5)
    shifted = [
        sliced_wasserstein_distance(
            real, np.clip(real + rng.normal(0, sigma, real.shape), 0, 255).astype(np.uint8), seed=3
        ).per_level[0]
        for sigma in (16, 40, 96)
    ]
    assert itself.resolutions == (32, 16)
    assert itself.average < 0.3 * shifted[0]  # independent patch draws: sampling noise only
    assert shifted[0] < shifted[1] < shifted[2]


def test_matches_an_independent_computation_of_the_metric():
    real, fake = smooth_images(0, n=60), smooth_images(1, n=60, sigma=2.5)  # coarser structure: a real gap
    ours = sliced_wasserstein_distance(real, fake, seed=0)
    theirs = independent_swd(real, fake, np.random.default_rng(0))
    # different random patches and directions: the two estimates agree to their sampling noise
    np.testing.assert_allclose(ours.per_level, theirs, rtol=0.1)
    assert ours.average == pytest.approx(np.mean(ours.per_level))


def test_refuses_images_below_16_px_and_mismatched_shapes():
    with pytest.raises(ValueError, match="at least 16 px"):
        sliced_wasserstein_distance(np.zeros((4, 1, 8, 8), np.uint8), np.zeros((4, 1, 8, 8), np.uint8))
    with pytest.raises(ValueError, match="one shape"):
        sliced_wasserstein_distance(np.zeros((4, 1, 32, 32), np.uint8), np.zeros((4, 3, 32, 32), np.uint8))


class MeanPixel(torch.nn.Module):
    """A stand-in classifier: features are the image's mean and spread, two classes by brightness."""

    def features(self, x):
        flat = x.flatten(1)
        return torch.stack([flat.mean(1), flat.std(1)], 1)

    def head(self, features):
        return torch.stack([features[:, 0], -features[:, 0]], 1)


def evaluated(images, real, train=None, **settings):
    from genlib.config.settings import EvaluationSettings
    from genlib.evaluation.images import evaluate_image_samples
    from genlib.metrics.backbones import Backbone, Reference
    from genlib.metrics.frechet import gaussian_stats

    backbone = Backbone("classifier", "c" * 64, "toy", MeanPixel(), torch.device("cpu"), accuracy=1.0)
    features, probabilities = backbone.embed(real)
    reference = Reference(
        features, gaussian_stats(features), probabilities, np.zeros(len(real), np.int64), "classifier", "c" * 64, ""
    )
    info = {
        "settings": {"dataset": "d", "model": "m", "seed": 0, "family": "gan", "objective": "nonsaturating",
                     "network": "dcgan", "conditioning": "none"},
        "family": "gan", "data_kind": "images", "status": "completed", "step": 1,
    }  # fmt: skip
    evaluation = EvaluationSettings(kid_subsets=2, kid_subset_size=10, **settings)
    return evaluate_image_samples(
        images, None, info, backbone, reference, evaluation, "test", real_images=real, train_images=train
    )


def test_every_image_evaluation_scores_the_swd_against_a_seeded_draw_of_held_out_images():
    real, generated = smooth_images(0, n=40), smooth_images(1, n=30, sigma=2.5)
    result = evaluated(generated, real, swd_images=20, sample_seed=7)
    chosen = real[np.random.default_rng(7).permutation(40)[:20]]
    expected = sliced_wasserstein_distance(chosen, generated[:20], seed=7)
    assert result["metrics"]["swd"] == pytest.approx(expected.average)
    assert result["metrics"]["swd_per_level"] == pytest.approx(
        {"32": expected.per_level[0], "16": expected.per_level[1]}
    )
    assert "20 generated against 20 held-out real images" in result["protocol"]["swd"]
    assert "swd" not in evaluated(generated, real, swd_images=0)["metrics"]
    small = smooth_images(2, n=20, size=8)
    assert "swd" not in evaluated(small, small)["metrics"]  # below 16 px: no pyramid level to score


def test_the_real_against_real_floor_is_the_swd_of_as_many_training_images_against_the_same_held_out_ones():
    real, train, generated = smooth_images(0, n=40), smooth_images(3, n=50), smooth_images(1, n=30, sigma=2.5)
    result = evaluated(generated, real, train, swd_images=20, sample_seed=7)
    chosen = real[np.random.default_rng(7).permutation(40)[:20]]
    floor = sliced_wasserstein_distance(chosen, train[np.random.default_rng(8).permutation(50)[:20]], seed=7)
    assert result["protocol"]["swd_real_floor"] == pytest.approx(floor.average)
    assert f"20 training images against the same held-out ones: {floor.average:.2f}" in result["protocol"]["swd"]
    assert 0 < floor.average < result["metrics"]["swd"]  # two real sets of one distribution: above 0, below a blur
