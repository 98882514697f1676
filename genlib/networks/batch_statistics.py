"""A generator sampled with its batch norm on each batch's own statistics instead of the running ones.

The PacGAN authors' Table 3 sampler (fjxmlzn/PacGAN, stacked_MNIST_experiments/unrolled_GAN_experiment,
`sampler`) builds the generator's batch norm without `train=False`, so every sampling batch of 64 noise
vectors is normalised by its own mean and variance; their Table 2 sampler uses the running statistics.
"""

from __future__ import annotations

import torch
from torch import nn


class BatchStatisticsSampler(nn.Module):
    """`generator(x, labels)` called on consecutive batches of `batch` inputs (the last may be smaller), each
    normalised by its own batch-norm statistics. The running statistics and batch counts are left as they were
    (momentum 0 while sampling), so the wrapper may sample a network that is still training (the FID monitor)."""

    def __init__(self, generator: nn.Module, batch: int):
        super().__init__()
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        self.generator, self.batch = generator, batch

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        norms = [m for m in self.generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        saved = [(m.training, m.momentum, m.num_batches_tracked) for m in norms]
        for m in norms:
            m.train()
            m.momentum = 0.0  # running = (1 - 0) running + 0 batch: unchanged
            if m.num_batches_tracked is not None:  # counted in training mode; put back after
                m.num_batches_tracked = m.num_batches_tracked.clone()
        try:
            parts = []
            for start in range(0, len(x), self.batch):
                y = None if labels is None else labels[start : start + self.batch]
                parts.append(self.generator(x[start : start + self.batch], y))
            return torch.cat(parts)
        finally:
            for m, (training, momentum, tracked) in zip(norms, saved):
                m.train(training)
                m.momentum, m.num_batches_tracked = momentum, tracked
