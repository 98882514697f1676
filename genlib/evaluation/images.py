"""Evaluation of one run's generated images: FID, KID, precision/recall, classifier score, class histogram.

Every number is computed on features of one backbone (genlib.metrics.backbones) against the cached
reference statistics of the same backbone, and the result carries the protocol card: backbone and
weights hash, sample counts, reference set, library versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from genlib.config.settings import EvaluationSettings
from genlib.evaluation.points import run_identity
from genlib.families.interface import Monitor, SamplingModel
from genlib.metrics.backbones import Backbone, Reference
from genlib.metrics.classifier_score import class_histogram, classifier_score
from genlib.metrics.fidelity import BORDER, psnr, ssim
from genlib.metrics.frechet import frechet_distance, gaussian_stats
from genlib.metrics.kid import kernel_inception_distance
from genlib.metrics.precision_recall import precision_recall
from genlib.metrics.swd import PROTOCOL as SWD_PROTOCOL
from genlib.metrics.swd import pyramid_resolutions, sliced_wasserstein_distance
from genlib.sampling.samples import generate_images

RoundTrip = tuple[np.ndarray, np.ndarray]  # uint8 inputs and their reconstructions F(G(a)), (N, C, H, W) each


def fid_monitor_of_files(
    backbone: str, weights: Path, reference: Path, data_dir: Path, *, n_samples: int, seed: int, device: torch.device
) -> Monitor:
    """The FID monitor of a training run from the files the train verb names: the backbone and its weights, the
    reference statistics (checked against the prepared dataset's held-out split they were computed from)."""
    from genlib.data.integrity import recorded_split_sha256
    from genlib.metrics.backbones import load_backbone, read_reference

    network = load_backbone(backbone, weights, device=device)
    stats = read_reference(reference, source_sha256=recorded_split_sha256(data_dir, "test", "images"))
    return fid_monitor(network, stats, n_samples=n_samples, seed=seed)


def fid_monitor(backbone: Backbone, reference: Reference, *, n_samples: int, seed: int) -> Monitor:
    """FID of `n_samples` images from fixed noise of a generator, for FID-over-training curves.

    Under the dataset's own classifier the row also holds the classes the sample covers and the KL of
    its class histogram to uniform: the mode count over training (out of at most `n_samples`).
    """
    fixed: dict[str, Any] = {}

    def monitor(model: SamplingModel) -> dict[str, float]:
        if not fixed:  # the noise's shape is the generator's: drawn once, on first use
            fixed["noise"], fixed["labels"] = model.draw(n_samples, torch.Generator().manual_seed(seed))
        images = generate_images(model.generator, fixed["noise"], fixed["labels"])
        features, probabilities = backbone.embed(images)
        row = {"fid": frechet_distance(gaussian_stats(features), reference.stats)}
        if backbone.name == "classifier":
            histogram = class_histogram(probabilities.argmax(1), probabilities.shape[1])
            row.update(classes_covered=float(histogram.classes_covered), class_kl=histogram.kl_to_uniform)
        return row

    return monitor


def evaluate_image_samples(
    images: np.ndarray,
    labels: np.ndarray | None,
    info: dict[str, Any],
    backbone: Backbone,
    reference: Reference,
    settings: EvaluationSettings,
    reference_description: str,
    *,
    round_trip: RoundTrip | None = None,
    targets: np.ndarray | None = None,
    real_images: np.ndarray | None = None,
    train_images: np.ndarray | None = None,
) -> dict[str, Any]:
    """Metrics of uint8 images (N, C, H, W) generated for `labels` (-1 or None: unconditional).

    `real_images` (held-out) are the reference of the sliced Wasserstein distance; with `train_images` too, the
    SWD of as many training images against them is the floor a perfect generator would reach (protocol card).

    A translator's samples also come with `targets` (paired data: the true output of each sample's
    input; PSNR and SSIM then score them) and, for CycleGAN, a `round_trip` (the inputs and their
    reconstructions F(G(a)); the cycle error scores them)."""
    if reference.backbone != backbone.name or reference.weights_sha256 != backbone.weights_sha256:
        raise ValueError(
            f"reference statistics were computed with {reference.backbone} ({reference.weights_sha256[:12]}), "
            f"not with the {backbone.name} ({backbone.weights_sha256[:12]}) given; recompute them"
        )
    result: dict[str, Any] = {
        **run_identity(info),
        "backbone": backbone.name,
        "metrics": None,
        "protocol": {
            "backbone": backbone.name,
            "backbone_description": backbone.description,
            "backbone_weights_sha256": backbone.weights_sha256,
            **(
                {
                    "inception_resize": "bilinear to 299 px "
                    + (
                        "with antialiasing (torchmetrics >= 1.8 default; not the TF Inception of published tables)"
                        if settings.inception_antialias
                        else "without antialiasing (as the TF Inception of published tables; torchmetrics >= 1.8 "
                        "antialiases by default)"
                    )
                }
                if backbone.name == "inception"
                else {}
            ),
            **({"classifier_accuracy": backbone.accuracy} if backbone.accuracy is not None else {}),
            "n_generated": len(images),
            "n_reference": len(reference.features),
            # The score of the real reference images under the same backbone: the ceiling of "score".
            "reference_score": classifier_score(reference.probabilities.astype(np.float64))[0],
            "reference": reference_description,
            "fid": "Frechet distance of Gaussians fitted to the features, float64 (Heusel et al. 2017)",
            "kid": f"unbiased MMD^2, cubic polynomial kernel, {settings.kid_subsets} subsets of "
            f"{min(settings.kid_subset_size, len(images), len(reference.features))} (Binkowski et al. 2018)",
            "precision_recall": f"k-NN manifolds, k={settings.precision_recall_k} (Kynkaanniemi et al. 2019)",
        },
    }
    if info["status"] == "diverged" or len(images) < 2:
        result["status"] = "diverged"
        return result
    features, probabilities = backbone.embed(images, progress=True)
    kid_mean, kid_std = kernel_inception_distance(
        features,
        reference.features.astype(np.float64),
        subsets=settings.kid_subsets,
        subset_size=settings.kid_subset_size,
        seed=settings.sample_seed,
    )
    precision, recall = precision_recall(reference.features, features.astype(np.float32), k=settings.precision_recall_k)
    score_mean, score_std = classifier_score(probabilities)
    metrics: dict[str, Any] = {
        "fid": frechet_distance(gaussian_stats(features), reference.stats),
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "precision": precision,
        "recall": recall,
        # The Inception Score when the backbone is Inception (Salimans et al. 2016); the same formula on
        # the dataset's own classifier otherwise.
        "score_mean": score_mean,
        "score_std": score_std,
    }
    if backbone.name == "classifier":
        num_classes = probabilities.shape[1]
        predicted = probabilities.argmax(1)
        histogram = class_histogram(predicted, num_classes)
        metrics.update(
            classes_covered=histogram.classes_covered,
            n_classes=num_classes,
            class_kl=histogram.kl_to_uniform,
            class_counts=histogram.counts,
        )
        if labels is not None and (labels >= 0).all():
            # Conditional models: how often the classifier reads the class the sample was generated for; a
            # translator's: its input's class (the FCN-score analogue of Isola et al. 2017, Sec. 4.2).
            metrics["label_accuracy"] = float((predicted == labels).mean())
    if targets is not None:
        metrics.update(psnr=psnr(images, targets), ssim=ssim(images, targets))
        result["protocol"]["fidelity"] = (
            f"PSNR and SSIM (11 x 11 Gaussian window, sigma 1.5) of each output against its true target, on the "
            f"luminance with a {BORDER}-pixel border removed, mean over {len(images)} outputs (Ledig et al. 2017)"
        )
    if real_images is not None and settings.swd_images and pyramid_resolutions(min(images.shape[-2:])):
        count = min(settings.swd_images, len(images), len(real_images))
        real = real_images[np.random.default_rng(settings.sample_seed).permutation(len(real_images))[:count]]
        swd = sliced_wasserstein_distance(real, images[:count], seed=settings.sample_seed)
        metrics.update(swd=swd.average, swd_per_level=dict(zip(map(str, swd.resolutions), swd.per_level)))
        result["protocol"]["swd"] = f"{SWD_PROTOCOL}; {count} generated against {count} held-out real images"
        if train_images is not None and len(train_images) >= count:
            # Two real sets do not score 0 (new patches and projections per set): this is the floor to read against.
            chosen = np.random.default_rng(settings.sample_seed + 1).permutation(len(train_images))[:count]
            floor = sliced_wasserstein_distance(real, train_images[chosen], seed=settings.sample_seed)
            result["protocol"]["swd_real_floor"] = floor.average
            result["protocol"]["swd"] += (
                f"; {count} training images against the same held-out ones: {floor.average:.2f}"
            )
    if round_trip is not None:
        inputs, reconstructions = round_trip
        # mean |F(G(a)) - a| in the [-1, 1] units of the cycle loss (Zhu et al. 2017, eq. 2)
        metrics["cycle_l1"] = float(np.abs(reconstructions.astype(np.float64) - inputs).mean() / 127.5)
    result["metrics"] = metrics
    return result
