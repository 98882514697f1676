"""Latent vector arithmetic on a generator's noise, scored by the digit classifier (Radford et al. 2016, Sec. 6.3).

DCGAN's paper shows "smiling woman - neutral woman + neutral man = smiling man": the mean latent of
three exemplars of each concept, added and subtracted, gives an image with the first concept's
attribute on the third's subject. On digits the attribute is stroke thickness, measured as the
share of ink in the image, and the subject is the digit, read by the classifier:

    thick a - thin a + thin d  ->  a thick d

For every trial the exemplars are 3 generated images each (as in the paper) drawn from the
confidently classified samples of digit a in the top quarter of a's ink (thick) and in the bottom
quarter (thin), and of digit d in its bottom quarter. A result counts as the expected digit when
the classifier reads d, and as thickened when it holds more ink than its thin-d exemplars. The
baseline replaces the thickness vector by the difference of two random exemplar means (random latent
triples, the same thin-d exemplars); chance is 1 / classes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from genlib.families.interface import SamplingModel
from genlib.io.figures import plt
from genlib.sampling.samples import generate_images

EXEMPLARS = 3  # latents averaged per concept (Radford et al. 2016, Fig. 7: "three exemplars")
CONFIDENT = 0.9  # exemplars are samples the classifier reads with at least this probability
QUARTER = 0.25  # thin: the bottom quarter of a digit's ink; thick: the top quarter


class NoDistinctDigits(ValueError):
    """The generator's samples hold too few confidently read digits to choose exemplars from (a result, not a fault)."""


Classify = Callable[[np.ndarray], np.ndarray]  # uint8 images (N, C, H, W) -> class probabilities (N, K)


@dataclass(frozen=True)
class ArithmeticResult:
    """Shares of arithmetic results (and of the random-triple baseline) read as the expected digit and thickened."""

    trials: int
    expected_digit: float  # share of thick a - thin a + thin d read as d
    expected_digit_random: float  # the same share with the thickness vector replaced by random triples
    thickened: float  # share with more ink than their thin-d exemplars
    thickened_random: float
    chance: float  # 1 / classes
    samples: int  # generated images the exemplars were chosen from
    digits: int  # digits with enough confident exemplars at both ends of their ink range

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "protocol": PROTOCOL}


PROTOCOL = (
    f"mean latent of {EXEMPLARS} exemplars per concept (Radford et al. 2016, Sec. 6.3); exemplars from generated "
    f"images the classifier reads with probability >= {CONFIDENT}, thick/thin = top/bottom {QUARTER:.0%} of a digit's "
    "ink (mean pixel value); result = thick a - thin a + thin d for random digits a != d; expected: read as d, and "
    "more ink than its thin-d exemplars; baseline: the thickness vector replaced by the difference of two means of "
    f"{EXEMPLARS} random latents"
)


def ink(images: np.ndarray) -> np.ndarray:
    """Stroke thickness of uint8 images (N, C, H, W): the mean pixel value in [0, 1] (more ink, thicker strokes)."""
    return images.reshape(len(images), -1).mean(axis=1) / 255.0


@torch.no_grad()
def latent_arithmetic(
    model: SamplingModel, classify: Classify, *, samples: int = 5000, trials: int = 500, seed: int = 0
) -> tuple[ArithmeticResult, plt.Figure]:
    """Score thick a - thin a + thin d on `trials` random digit pairs and draw 6 of them."""
    if model.inputs is not None or len(model.noise_shape) != 1:
        raise ValueError("latent arithmetic needs a generator of a latent vector (a GAN); this model has none")
    if model.num_classes:
        raise ValueError("latent arithmetic needs an unconditional generator: a conditional one is told its digit")
    rng = torch.Generator().manual_seed(seed)
    picker = np.random.default_rng(seed)
    latents, labels = model.draw(samples, rng)
    images = generate_images(model.generator, latents, labels)
    probabilities = classify(images)
    digit, confidence, amount = probabilities.argmax(1), probabilities.max(1), ink(images)
    groups: dict[int, dict[str, np.ndarray]] = {}
    for d in range(probabilities.shape[1]):
        members = np.flatnonzero((digit == d) & (confidence >= CONFIDENT))
        if len(members) < 4 * EXEMPLARS:
            continue
        low, high = np.quantile(amount[members], [QUARTER, 1 - QUARTER])
        groups[d] = {"thin": members[amount[members] <= low], "thick": members[amount[members] >= high]}
    if len(groups) < 2:
        raise NoDistinctDigits(
            f"latent arithmetic needs at least 2 digits with {4 * EXEMPLARS} confident samples each among {samples}; "
            f"found {len(groups)}: the generator has not learned distinct digits"
        )
    usable = sorted(groups)

    def mean_of(index: np.ndarray) -> torch.Tensor:
        return latents[torch.from_numpy(index)].mean(0)

    arithmetic, baseline, targets, thin_ink, shown = [], [], [], [], []
    for _ in range(trials):
        a, d = picker.choice(usable, size=2, replace=False)
        thick_a, thin_a, thin_d = (
            picker.choice(groups[a]["thick"], EXEMPLARS, replace=False),
            picker.choice(groups[a]["thin"], EXEMPLARS, replace=False),
            picker.choice(groups[d]["thin"], EXEMPLARS, replace=False),
        )
        random_1, random_2 = (
            picker.choice(samples, EXEMPLARS, replace=False),
            picker.choice(samples, EXEMPLARS, replace=False),
        )
        arithmetic.append(mean_of(thick_a) - mean_of(thin_a) + mean_of(thin_d))
        baseline.append(mean_of(random_1) - mean_of(random_2) + mean_of(thin_d))
        targets.append(d)
        thin_ink.append(amount[thin_d].mean())
        if len(shown) < 6:
            shown.append((a, d, [mean_of(thick_a), mean_of(thin_a), mean_of(thin_d)]))
    results = generate_images(model.generator, torch.stack(arithmetic), None)
    random_results = generate_images(model.generator, torch.stack(baseline), None)
    targets_np, thin_np = np.array(targets), np.array(thin_ink)
    read, read_random = classify(results).argmax(1), classify(random_results).argmax(1)
    result = ArithmeticResult(
        trials=trials,
        expected_digit=float((read == targets_np).mean()),
        expected_digit_random=float((read_random == targets_np).mean()),
        thickened=float((ink(results) > thin_np).mean()),
        thickened_random=float((ink(random_results) > thin_np).mean()),
        chance=1.0 / probabilities.shape[1],
        samples=samples,
        digits=len(groups),
    )
    return result, _figure(model, shown, results, random_results, result)


def _figure(
    model: SamplingModel,
    shown: list[tuple[int, int, list[torch.Tensor]]],
    results: np.ndarray,
    random_results: np.ndarray,
    result: ArithmeticResult,
) -> plt.Figure:
    """Rows of: G(mean thick a), G(mean thin a), G(mean thin d) = result; and the random-triple result."""
    headings = ["thick a", "- thin a", "+ thin d", "= result", "random triple"]
    figure, axes = plt.subplots(len(shown), 5, figsize=(6.2, 1.3 * len(shown) + 0.6), squeeze=False)
    for row, (a, d, means) in enumerate(shown):
        concepts = generate_images(model.generator, torch.stack(means), None)
        for column, image in enumerate([*concepts, results[row], random_results[row]]):
            axis = axes[row, column]
            picture = image.transpose(1, 2, 0)
            axis.imshow(picture[:, :, 0] if picture.shape[2] == 1 else picture, cmap="gray", vmin=0, vmax=255)
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(headings[column], fontsize=8)
        axes[row, 0].set_ylabel(f"a={a}, d={d}", fontsize=8)
    figure.suptitle(
        f"thick a - thin a + thin d: read as d {result.expected_digit:.0%} (random triples "
        f"{result.expected_digit_random:.0%}, chance {result.chance:.0%}); thickened {result.thickened:.0%} "
        f"(random {result.thickened_random:.0%})",
        fontsize=8,
    )
    figure.tight_layout()
    return figure
