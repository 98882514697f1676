"""Which host a golden table was made on: CPU model, the kernels torch dispatches to, and the numeric libraries."""

from __future__ import annotations

from importlib import metadata

from genlib.io.provenance import cpu_model


def host_key() -> dict[str, str]:
    """What decides a trained model's last bits on a CPU: the CPU, torch's kernel level (AVX2, AVX512, ...,
    as ATEN_CPU_CAPABILITY may hold it), and the versions of torch, numpy and scipy."""
    import torch

    return {
        "cpu": cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        **{package: metadata.version(package) for package in ("torch", "numpy", "scipy")},
    }
