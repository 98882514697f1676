"""Exponential moving average of a network's weights, as used for sampling, and the batch-norm
statistics that belong to the averaged weights."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

# Forward passes over which the standing statistics of an EMA generator are averaged (BigGAN-PyTorch's
# default number of standing-statistics accumulations is 16).
STANDING_BATCHES = 16


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * model for parameters; buffers are copied.

    The copied batch-norm statistics belong to the live weights, not to the averaged ones: before
    sampling, `standing_statistics` replaces them with statistics of the EMA network itself.
    """
    for ema_param, param in zip(ema.parameters(), model.parameters()):
        ema_param.lerp_(param, 1.0 - decay)
    for ema_buffer, buffer in zip(ema.buffers(), model.buffers()):
        ema_buffer.copy_(buffer)


def batch_norms(network: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    """The batch-norm layers of `network`."""
    return [m for m in network.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def standing_statistics(
    network: nn.Module, forward_pass: Callable[[int], None], *, batches: int = STANDING_BATCHES
) -> None:
    """Recompute the batch-norm running statistics of `network` from its own forward passes.

    "Standing statistics" (Brock et al. 2019, BigGAN, Sec. 3 and App. C; Izmailov et al. 2018 do the
    same for averaged weights, SWA's `update_bn`): every running mean and variance is reset and then
    accumulated as the plain average over `batches` forward passes in training mode
    (`forward_pass(i)` runs the i-th). Networks without batch norm are left as they are.
    """
    layers = batch_norms(network)
    if not layers:
        return
    momenta = [layer.momentum for layer in layers]
    was_training = network.training
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None  # cumulative average over the passes
    network.train()
    for i in range(batches):
        forward_pass(i)
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
    network.train(was_training)
