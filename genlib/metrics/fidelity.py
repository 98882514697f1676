"""How close outputs are to their true targets: PSNR and SSIM, as super-resolution papers report them.

SRGAN (Ledig et al. 2017, Sec. 3.1) reports both on the luminance (Y) channel with a 4-pixel strip
removed from each border; PSNR per image, 10 log10(255^2 / MSE), averaged over the images; SSIM with
the 11 x 11 Gaussian window (sigma 1.5) of Wang et al. 2004, averaged over the window positions that
lie inside the image (as their reference code) and then over the images. Both are computed with
torchmetrics; a grey image is its own luminance, an RGB image's is ITU-R BT.601's (MATLAB's rgb2ycbcr,
which the SR benchmarks use).
"""

from __future__ import annotations

import numpy as np
import torch

# torchmetrics.functional.image is imported inside the two metrics: importing it costs about 6 s of CPU
# (it pulls in every image metric and torchvision's operators), which only translators' evaluations need.

BORDER = 4  # pixels removed from each side before scoring (Ledig et al. 2017)
# An image equal to its target has MSE 0 and an infinite PSNR, which would make the mean infinite: each image's
# PSNR is capped at 100 dB (an MSE of 255^2 / 1e10), the cap many super-resolution evaluation scripts use.
PSNR_CAP_DB = 100.0


def luminance(images: np.ndarray) -> torch.Tensor:
    """uint8 images (N, C, H, W) -> float64 luminance (N, 1, H, W) on the 0-255 scale (BT.601 for RGB)."""
    x = torch.from_numpy(np.asarray(images)).double()
    if x.shape[1] == 1:
        return x
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    return 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0


def _cropped(images: np.ndarray, border: int) -> torch.Tensor:
    y = luminance(images)
    return y[..., border : y.shape[-2] - border, border : y.shape[-1] - border] if border else y


def psnr(outputs: np.ndarray, targets: np.ndarray, *, border: int = BORDER) -> float:
    """Mean over images of the PSNR (dB, each capped at PSNR_CAP_DB) of uint8 outputs against their targets (N, C,
    H, W)."""
    from torchmetrics.functional.image import peak_signal_noise_ratio

    _check(outputs, targets)
    x, y = _cropped(outputs, border), _cropped(targets, border)
    per_image = peak_signal_noise_ratio(x, y, data_range=255.0, reduction="none", dim=(1, 2, 3))
    return float(per_image.clamp(max=PSNR_CAP_DB).mean())


def ssim(outputs: np.ndarray, targets: np.ndarray, *, border: int = BORDER) -> float:
    """Mean SSIM of uint8 outputs against their targets (N, C, H, W), Gaussian window 11 x 11, sigma 1.5."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    _check(outputs, targets)
    x, y = _cropped(outputs, border), _cropped(targets, border)
    _, full = structural_similarity_index_measure(
        x, y, data_range=255.0, kernel_size=11, sigma=1.5, return_full_image=True, reduction="none"
    )
    # torchmetrics pads by reflection and keeps every position; Wang et al.'s code ('valid' filtering) keeps
    # only the windows that lie inside the image, as here
    pad = 5
    return float(full[..., pad:-pad, pad:-pad].mean())


def _check(outputs: np.ndarray, targets: np.ndarray) -> None:
    if outputs.shape != targets.shape or outputs.ndim != 4 or len(outputs) == 0:
        raise ValueError(
            f"outputs {outputs.shape} and targets {targets.shape} must be equal non-empty (N, C, H, W) batches"
        )
