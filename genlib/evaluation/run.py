"""Scoring one run: its samples against the real data, with the pictures only scoring has at hand.

The data kind recorded in the samples decides how (genlib.data.kinds): 2-D points by their modes
and a scatter plot, images (a translator's outputs too) by an image backbone and the nearest-training-neighbour panel. The metrics file gets its
provenance: code, the run's settings file, devices and the checkpoint the samples came from.
Scoring 2-D samples imports no torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from genlib.data.kinds import kind_of
from genlib.io.atomic import read_json, write_json
from genlib.io.provenance import file_sha256, provenance
from genlib.io.sample_archive import read_samples


def score_run(
    samples_path: Path,
    data_dir: Path,
    metrics_path: Path,
    *,
    checkpoint: Path | None = None,
    settings: Path | None = None,
    scatter: Path | None = None,
    evaluation: Path | None = None,
    backbone: str | None = None,
    weights: Path | None = None,
    reference: Path | None = None,
    neighbours: Path | None = None,
    threads: int = 1,
    device: str = "cpu",
) -> dict[str, Any]:
    """Score a run's samples and write its metrics file (and, for its data kind, its pictures).

    `checkpoint`: the samples must have been drawn from it as it is now. `settings`: the run's settings
    file, hashed into the provenance. Images need `evaluation`, `backbone`, `weights` and `reference`.
    """
    samples, info = read_samples(samples_path)
    if checkpoint is not None:
        check_drawn_from(samples_path, info, checkpoint)
    settings_sha256 = None if settings is None else file_sha256(settings)
    if kind_of(info["data_kind"]).images:  # images, and the outputs of image-to-image translators
        result = _score_images(
            samples_path, samples, info, data_dir, evaluation, backbone, weights, reference, threads, device
        )
        result["provenance"] = provenance(
            settings_sha256=settings_sha256,
            checkpoint_sha256=info.get("checkpoint_sha256"),
            device=result.pop("scored_on"),
            train_device=info.get("train_device"),
        )
        if neighbours is not None:
            _neighbour_panel(samples, result, data_dir, neighbours)
    else:
        result = _score_points(samples, info, data_dir, scatter)
        result["provenance"] = provenance(
            settings_sha256=settings_sha256,
            checkpoint_sha256=info.get("checkpoint_sha256"),
            device="cpu (numpy)",
            train_device=info.get("train_device"),
        )
    write_json(metrics_path, result)
    return result


def reference_of_dataset(
    data_dir: Path, backbone: str, weights: Path, out: Path, *, device: Any, antialias: bool = False
) -> None:
    """The reference statistics of a prepared dataset's held-out split (its targets, for a translation set)
    under one backbone, written to `out` with the split's checksum."""
    from genlib.data.integrity import recorded_split_sha256
    from genlib.data.translation import load_target_images
    from genlib.metrics.backbones import load_backbone, write_reference

    network = load_backbone(backbone, weights, device=device, antialias=antialias)
    images, labels = load_target_images(data_dir, "test")
    write_reference(out, network, images, labels, source_sha256=recorded_split_sha256(data_dir, "test", "images"))


def check_drawn_from(samples_path: Path, info: dict[str, Any], checkpoint: Path) -> None:
    """Refuse samples that were not drawn from the checkpoint as it is now (it changed, or was damaged, since)."""
    recorded, current = info.get("checkpoint_sha256"), file_sha256(checkpoint)
    if recorded != current:
        raise ValueError(
            f"samples {samples_path} were drawn from a checkpoint with SHA-256 {str(recorded)[:12]}, but {checkpoint} "
            f"now has {current[:12]}: it changed after sampling; delete {samples_path} and run snakemake again"
        )


def _score_points(samples: np.ndarray, info: dict[str, Any], data_dir: Path, scatter: Path | None) -> dict[str, Any]:
    """Modes, high-quality share, reverse KL and Frechet distance of 2-D samples, and their scatter plot."""
    from genlib.data.mixtures import load_mixture, load_points
    from genlib.evaluation.points import evaluate_mixture_samples
    from genlib.io.figures import save_figure, scatter_figure

    dist, real = load_mixture(data_dir), load_points(data_dir, "test")
    result = evaluate_mixture_samples(samples, info, dist, real)
    title = f"{result['dataset']} / {result['model']} / seed {result['seed']}"
    if result["metrics"] is not None:
        m = result["metrics"]
        title += f"\n{m['modes_covered']}/{m['n_modes']} modes, {m['high_quality_percent']:.1f}% high quality"
    else:
        title += f"\n{result['status']} at step {result['diverged_at_step'] or result['train_steps']}"
        samples = samples[:0]
    if scatter is not None:
        save_figure(scatter_figure(real, samples, dist.modes, title), scatter)
    return result


def _score_images(
    samples_path: Path,
    images: np.ndarray,
    info: dict[str, Any],
    data_dir: Path,
    evaluation: Path | None,
    backbone_name: str | None,
    weights: Path | None,
    reference: Path | None,
    threads: int,
    device: str,
) -> dict[str, Any]:
    """Image metrics of the samples under the backbone; `scored_on` names the device."""
    import torch

    from genlib.config.settings import EvaluationSettings, from_dict
    from genlib.data.images import load_image_meta
    from genlib.data.integrity import recorded_split_sha256
    from genlib.data.translation import load_target_images
    from genlib.evaluation.images import evaluate_image_samples
    from genlib.io.sample_archive import read_extras, read_labels
    from genlib.metrics.backbones import load_backbone, read_reference
    from genlib.training.device import Accelerator

    missing = [name for name, value in (("evaluation", evaluation), ("backbone", backbone_name), ("weights", weights),
                                        ("reference", reference)) if value is None]  # fmt: skip
    if missing:
        raise ValueError(f"scoring images needs {', '.join('--' + m for m in missing)}")
    torch.set_num_threads(threads)
    settings = from_dict(EvaluationSettings, read_json(evaluation), where=str(evaluation))
    accelerator = Accelerator.choose(device)
    backbone = load_backbone(backbone_name, weights, device=accelerator.device, antialias=settings.inception_antialias)
    extras = read_extras(samples_path)
    result = evaluate_image_samples(
        images,
        read_labels(samples_path),
        info,
        backbone,
        read_reference(reference, source_sha256=recorded_split_sha256(data_dir, "test", "images")),
        settings,
        load_image_meta(data_dir)["reference"],
        targets=extras.get("targets"),
        round_trip=(extras["inputs"], extras["reconstructions"]) if "reconstructions" in extras else None,
        real_images=load_target_images(data_dir, "test")[0] if settings.swd_images else None,
        train_images=load_target_images(data_dir, "train")[0] if settings.swd_images else None,
    )
    result["scored_on"] = accelerator.describe()
    return result


def _neighbour_panel(images: np.ndarray, result: dict[str, Any], data_dir: Path, out: Path) -> None:
    """Ten samples and their nearest training images (pixel L2): a memorising generator shows here."""
    from genlib.data.translation import load_target_images
    from genlib.sampling.pictures import save_neighbour_panel

    training, _ = load_target_images(data_dir, "train")
    shown = images[:10] if len(images) else np.full((1, *training.shape[1:]), 255, dtype=np.uint8)
    title = (
        f"{result['dataset']} / {result['model']} / seed {result['seed']}: samples and their nearest training "
        "images (pixel L2)"
    )
    save_neighbour_panel(shown, training, title, out)
