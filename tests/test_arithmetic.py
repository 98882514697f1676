"""Latent arithmetic (Radford et al. 2016, Sec. 6.3) on a generator whose latent is known to encode digit and thickness."""

import numpy as np
import pytest
import torch
from torch import nn

from genlib.families.interface import SamplingModel
from genlib.sampling.arithmetic import ink, latent_arithmetic


class CodedGenerator(nn.Module):
    """Images of 1 x 16 pixels: pixel 0 shows z_0 (the digit), the other 15 show z_1 (the stroke thickness)."""

    def forward(self, z, labels=None):
        digit, thickness = torch.tanh(z[:, :1]), torch.tanh(z[:, 1:2]).expand(-1, 15)
        return torch.cat([digit, thickness], 1).view(len(z), 1, 1, 16)


def read_digit(images):
    """The 'classifier': digit 0, 1 or 2 from pixel 0's value, with certainty."""
    value = images[:, 0, 0, 0].astype(float) / 127.5 - 1
    digit = np.digitize(value, [-0.35, 0.35])
    return np.eye(3)[digit]


def test_ink_is_the_mean_pixel_value():
    images = np.zeros((2, 1, 2, 2), np.uint8)
    images[1, 0, 0] = 255
    assert ink(images).tolist() == [0.0, 0.5]


def test_thickness_vector_arithmetic_keeps_the_third_digit_and_thickens_it_unlike_random_triples():
    model = SamplingModel(CodedGenerator(), (4,), 0)
    result, figure = latent_arithmetic(model, read_digit, samples=3000, trials=300, seed=0)
    assert result.digits == 3 and result.chance == pytest.approx(1 / 3)
    # the digit code cancels (a - a + d, up to the spread of z_0 inside a digit) and the thickness adds
    assert result.expected_digit > 0.8 and result.thickened > 0.95
    # the difference of random means scatters the digit code and the thickness
    assert result.expected_digit_random < result.expected_digit - 0.15
    assert result.thickened_random < 0.6
    assert len(figure.axes) == 6 * 5


def test_models_without_a_latent_or_told_their_class_are_refused():
    translator = SamplingModel(nn.Identity(), (1, 4, 4), 0, inputs=torch.zeros(3, 1, 4, 4))
    with pytest.raises(ValueError, match="needs a generator of a latent vector"):
        latent_arithmetic(translator, read_digit)
    conditional = SamplingModel(CodedGenerator(), (4,), 10)
    with pytest.raises(ValueError, match="needs an unconditional generator"):
        latent_arithmetic(conditional, read_digit)


def test_a_generator_without_distinct_digits_is_refused_with_the_reason():
    model = SamplingModel(CodedGenerator(), (4,), 0)
    with pytest.raises(ValueError, match="has not learned distinct digits"):
        latent_arithmetic(model, lambda images: np.eye(3)[np.zeros(len(images), int)], samples=200, trials=5)
