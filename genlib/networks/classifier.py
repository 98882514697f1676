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


class ChannelwiseDigitClassifier(nn.Module):
    """A digit classifier applied to each channel of stacked digits (B, S, H, W) in [-1, 1].

    As the Stacked MNIST protocol reads an image (Srivastava et al. 2017, Sec. 5; the PacGAN authors'
    `log_metrics`): each channel is classified on its own by a classifier of single digits. `features`
    concatenates the channels' embeddings (B, S * 128); `head` turns them into the log-probabilities
    (B, K^S) of the digit tuples, log p(d_1) + ... + log p(d_S) with the first channel's digit most
    significant, so that their argmax is the tuple of the channels' argmaxes.
    """

    def __init__(self, digit_classifier: ConvClassifier, channels: int):
        super().__init__()
        self.digit_classifier, self.channels = digit_classifier, channels

    def features(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape  # (B, S, H, W)
        per_channel = self.digit_classifier.features(x.reshape(batch * channels, 1, height, width))  # (B S, 128)
        return per_channel.reshape(batch, channels * FEATURE_DIM)  # (B, S 128)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        batch = features.shape[0]
        per_channel = self.digit_classifier.head(features.reshape(batch * self.channels, FEATURE_DIM))
        log_p = torch.log_softmax(per_channel.double(), dim=1).reshape(batch, self.channels, -1)  # (B, S, K)
        joint = log_p[:, 0]
        for channel in range(1, self.channels):  # outer sum: (B, K^c) x (B, K) -> (B, K^(c+1))
            joint = (joint[:, :, None] + log_p[:, channel, None, :]).reshape(batch, -1)
        return joint  # (B, K^S)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
