"""Where tensors live and how fast kernels run: CPU, or a GPU with bf16 autocast and channels_last."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

DeviceChoice = Literal["auto", "cpu", "cuda"]


@dataclass(frozen=True)
class Accelerator:
    """The device of a job and the speed-ups that are safe on it."""

    device: torch.device
    bf16: bool  # autocast matrix products and convolutions to bfloat16 (GPU only)
    channels_last: bool  # NHWC memory layout for convolutions (GPU only: it pays off with tensor cores)

    @classmethod
    def choose(cls, choice: DeviceChoice = "auto") -> Accelerator:
        """`auto`: the GPU when one is present, else the CPU. Asking for `cuda` without one is an error."""
        if choice not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device {choice!r} is not allowed; allowed values: auto, cpu, cuda")
        if choice == "cuda" and not torch.cuda.is_available():
            raise ValueError("device cuda was asked for but torch sees no GPU; set device: auto or cpu")
        use_gpu = choice == "cuda" or (choice == "auto" and torch.cuda.is_available())
        if use_gpu:
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
            return cls(torch.device("cuda"), bf16=torch.cuda.is_bf16_supported(), channels_last=True)
        return cls(torch.device("cpu"), bf16=False, channels_last=False)

    def autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast on the GPU; a no-op on the CPU (fp32 keeps CPU runs bit-reproducible)."""
        if self.bf16:
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def prepare(self, module: nn.Module) -> nn.Module:
        """Move a network to the device (channels_last for convolutional ones on the GPU)."""
        module = module.to(self.device)
        if self.channels_last and any(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in module.modules()):
            module = module.to(memory_format=torch.channels_last)
        return module

    def describe(self) -> str:
        """One line for logs and protocol cards."""
        if self.device.type == "cuda":
            return f"cuda ({torch.cuda.get_device_name(self.device)}), bf16 autocast {'on' if self.bf16 else 'off'}"
        return f"cpu ({torch.get_num_threads()} threads)"
