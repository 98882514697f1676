"""The training split of a prepared dataset as tensors, with its spec: what every family's trainer reads."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from genlib.config.catalogue import DataSpec
from genlib.io.pixels import to_unit_range


@dataclass(frozen=True)
class TrainingData:
    """Training samples of one dataset with its spec: float points (N, 2), or uint8 images (N, C, H, W).

    Image-to-image data (kinds paired and unpaired) holds domain A in `samples` and domain B in
    `targets`; for paired data targets[i] is the translation of samples[i].
    """

    samples: torch.Tensor
    spec: DataSpec
    labels: torch.Tensor | None = None  # (N,) int64 class labels; None: unlabelled
    sha256: str | None = None  # of the prepared split the samples were read from: recorded in the checkpoint
    targets: torch.Tensor | None = None  # paired / unpaired: domain B, uint8 (M, C, H, W)
    target_labels: torch.Tensor | None = None  # (M,) int64 labels of the targets

    @property
    def num_classes(self) -> int:
        return self.spec.num_classes

    @staticmethod
    def batch_of(samples: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Samples at `index` as float network inputs."""
        chosen = samples[index]
        if chosen.dtype == torch.uint8:
            return to_unit_range(chosen)  # [0, 255] -> [-1, 1], the range of G's Tanh
        return chosen
