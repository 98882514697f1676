"""A small convolutional classifier: the offline feature backbone of the image metrics.

Where the InceptionV3 weights of the published FIDs are not at hand, FID-like metrics on MNIST-like
data are customarily computed with a classifier trained on the dataset itself (e.g. the "mode
score" and Stacked-MNIST mode counts of Che et al. 2017 and Lin et al. 2018). Its penultimate
activations are the features of FID/KID/precision/recall; its softmax gives the classifier score
and the class histogram of samples.
"""

from __future__ import annotations

import torch
from torch import nn

FEATURE_DIM = 128


class ConvClassifier(nn.Module):
    """Images (B, C, H, W) in [-1, 1] -> class logits (B, K); `features` gives the (B, 128) embedding."""

    def __init__(self, *, image_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10, width: int = 32):
        super().__init__()
        self.image_shape, self.num_classes = image_shape, num_classes
        channels = image_shape[0]

        def stage(fan_in: int, fan_out: int) -> list[nn.Module]:
            return [nn.Conv2d(fan_in, fan_out, 3, padding=1, bias=False), nn.BatchNorm2d(fan_out), nn.ReLU(True)]

        self.body = nn.Sequential(
            *stage(channels, width),
            nn.MaxPool2d(2),  # (B, w, H/2, W/2)
            *stage(width, 2 * width),
            nn.MaxPool2d(2),  # (B, 2w, H/4, W/4)
            *stage(2 * width, FEATURE_DIM),  # (B, 128, H/4, W/4)
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),  # (B, 128): the metric features
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)  # (B, 128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(x)))  # (B, K)
