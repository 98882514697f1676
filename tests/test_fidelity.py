"""PSNR and SSIM of outputs against their targets, checked against computations written here from the papers."""

import math

import numpy as np
import pytest

from genlib.metrics.fidelity import PSNR_CAP_DB, luminance, psnr, ssim


def images(seed, shape=(3, 1, 24, 24)):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 256, shape).astype(np.uint8)
    output = np.clip(target.astype(int) + rng.integers(-30, 31, shape), 0, 255).astype(np.uint8)
    return output, target


def independent_psnr(output, target, border):
    values = []
    for x, y in zip(output.astype(float), target.astype(float)):
        x, y = x[:, border:-border, border:-border], y[:, border:-border, border:-border]
        values.append(10 * math.log10(255.0**2 / np.mean((x - y) ** 2)))
    return sum(values) / len(values)


def independent_ssim(output, target, border):
    """Wang et al. 2004, eq. 13, with an 11 x 11 Gaussian window (sigma 1.5) at every position inside the image."""
    radius, sigma = 5, 1.5
    g = np.exp(-(np.arange(-radius, radius + 1) ** 2) / (2 * sigma**2))
    window = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for x, y in zip(output.astype(float), target.astype(float)):
        x, y = x[0, border:-border, border:-border], y[0, border:-border, border:-border]
        size = x.shape[0] - 2 * radius
        for i in range(size):
            for j in range(size):
                px, py = x[i : i + 11, j : j + 11], y[i : i + 11, j : j + 11]
                mx, my = (window * px).sum(), (window * py).sum()
                vx, vy = (window * (px - mx) ** 2).sum(), (window * (py - my) ** 2).sum()
                cov = (window * (px - mx) * (py - my)).sum()
                scores.append(((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(scores))


def test_psnr_is_the_mean_over_images_of_10_log10_255_squared_over_mse_inside_the_border():
    output, target = images(0)
    assert psnr(output, target, border=4) == pytest.approx(independent_psnr(output, target, 4), abs=1e-5)


def test_ssim_matches_wang_et_al_written_out_with_a_gaussian_window():
    output, target = images(1)
    assert ssim(output, target, border=4) == pytest.approx(independent_ssim(output, target, 4), abs=1e-6)


def test_identical_images_score_the_capped_psnr_and_ssim_one_and_noise_lowers_both():
    output, target = images(2)
    assert ssim(target, target) == pytest.approx(1.0)
    assert psnr(target, target) == PSNR_CAP_DB == 100.0
    # one exact image among others no longer makes the mean infinite: it counts as 100 dB
    both = psnr(np.concatenate([target[:1], output[1:]]), target)
    expected = (100.0 + len(target[1:]) * psnr(output[1:], target[1:])) / len(target)
    assert math.isfinite(both) and both == pytest.approx(expected, rel=1e-9)
    noisier = np.clip(target.astype(int) + np.random.default_rng(3).integers(-60, 61, target.shape), 0, 255)
    assert psnr(noisier.astype(np.uint8), target) < psnr(output, target)
    assert ssim(noisier.astype(np.uint8), target) < ssim(output, target)


def test_rgb_is_scored_on_bt601_luminance():
    white, black = np.full((1, 3, 1, 1), 255, np.uint8), np.zeros((1, 3, 1, 1), np.uint8)
    assert luminance(white).item() == pytest.approx(235.0)  # 16 + 219: BT.601's nominal range
    assert luminance(black).item() == pytest.approx(16.0)


def test_outputs_and_targets_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match="must be equal non-empty"):
        psnr(np.zeros((2, 1, 8, 8), np.uint8), np.zeros((3, 1, 8, 8), np.uint8))
