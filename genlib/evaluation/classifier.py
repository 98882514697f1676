"""The pipeline's own metric backbone: a digit classifier trained on a dataset's training split.

Stacked digits are read channel by channel: the classifier learns the single digits
(genlib.data.stacked) and is applied to each channel when it scores.
"""

from __future__ import annotations

from pathlib import Path

from genlib.data.images import load_image_meta
from genlib.data.stacked import load_digits
from genlib.data.translation import load_target_images
from genlib.io.checkpoint import save_checkpoint


def train_dataset_classifier(data_dir: Path, out: Path, *, epochs: int, seed: int, progress: bool) -> float:
    """Train the classifier on the prepared dataset and write its checkpoint; return its held-out accuracy."""
    from genlib.metrics.backbones import train_classifier

    meta = load_image_meta(data_dir)
    if meta["num_classes"] < 2:
        raise ValueError(
            f"{data_dir} has no class labels: the classifier backbone needs them; use evaluation.backbone: inception"
        )
    stacked = meta.get("stacked")
    load = load_digits if stacked else load_target_images
    checkpoint = train_classifier(
        *load(data_dir, "train"),
        load(data_dir, "test"),
        num_classes=stacked["digit_classes"] if stacked else meta["num_classes"],
        epochs=epochs,
        seed=seed,
        progress=progress,
    )
    if stacked:
        checkpoint["stacked_channels"] = stacked["channels"]
    save_checkpoint(out, checkpoint)
    return float(checkpoint["reference_accuracy"])
