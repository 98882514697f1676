"""The sample verb's stage: one run's evaluation samples and pictures, written to their files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from genlib.io.sample_archive import write_samples
from genlib.sampling.samples import draw_samples


def sample_run(
    checkpoint_path: Path,
    n_samples: int,
    seed: int,
    out: Path,
    *,
    device: torch.device,
    sampler: dict[str, Any] | None = None,
    run_settings: dict[str, Any] | None = None,
    data_dir: Path | None = None,
    pictures: Path | None = None,
    grid_size: int = 64,
) -> None:
    """The sample verb: a run's evaluation samples written to `out` (genlib.io.sample_archive), and its pictures
    in the folder `pictures` for images."""
    samples, labels, info, extras = draw_samples(
        checkpoint_path, n_samples, seed, device=device, sampler=sampler, run_settings=run_settings, data_dir=data_dir
    )
    write_samples(out, samples, info, labels=labels, extras=extras)
    if pictures is not None:
        from genlib.sampling.pictures import draw_run_pictures

        draw_run_pictures(checkpoint_path, pictures, grid_size=grid_size, device=device, data_dir=data_dir)
