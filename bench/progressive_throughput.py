"""Training throughput of the progressive GAN at each resolution, from an image folder.

Writes a folder of generated RGB images (smooth random fields) at `--size` px, prepares it with the
pipeline's own `prepare_images` (source image-folder), and times training iterations (one D and one G
step, WGAN-GP with drift, as genlib.families.progressive runs them) at every resolution of the growth,
stabilised, with the authors' network widths (fmap_base 8192, fmap_max 512) unless told otherwise.
Prints the median real images per second over timed windows, and the time the authors' schedule
(600,000 images per stabilisation and per fade) would take at these rates. On the CPU the time is
CPU time of the process; on a GPU, wall time (bf16 autocast, channels_last where it applies).

    python bench/progressive_throughput.py --size 32 --channels-base 256 --channels-max 32   # CPU, the preset
    python bench/progressive_throughput.py --device cuda --size 128 --batch-size 16
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from genlib.config.catalogue import DataSpec
from genlib.config.settings import ImageDatasetSettings
from genlib.data.images import load_image_meta, load_images, prepare_images
from genlib.families.interface import TrainingData
from genlib.families.progressive.family import ProgressiveTraining
from genlib.families.progressive.settings import ProgressiveSettings
from genlib.io.provenance import host_line
from genlib.training.device import Accelerator

AUTHORS_PHASE_IMAGES = 600_000  # lod_training_kimg = lod_transition_kimg = 600


def write_images(root: Path, count: int, size: int, seed: int) -> None:
    """`count` smooth random RGB fields of size x size px, as PNG files."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True)
    for i in range(count):
        coarse = rng.integers(0, 256, (max(size // 16, 2), max(size // 16, 2), 3), dtype=np.uint8)
        Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC).save(root / f"{i}.png")


def clock(accelerator: Accelerator) -> float:
    if accelerator.device.type == "cuda":
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, help="torch threads on the CPU (default: every core)")
    parser.add_argument("--size", type=int, default=128, help="final resolution (a power of two)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--channels-base", type=int, default=8192)
    parser.add_argument("--channels-max", type=int, default=512)
    parser.add_argument("--steps", type=int, default=10, help="iterations per timed window")
    parser.add_argument("--windows", type=int, default=3)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(host_line())
    accelerator = Accelerator.choose(args.device)
    resolutions = tuple(4 * 2**k for k in range(int(np.log2(args.size)) - 1))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_images(root / "images", count=64, size=args.size, seed=0)
        prepare_images(
            ImageDatasetSettings(
                name="fields", source="image-folder", folder=str(root / "images"), image_size=args.size, holdout=8
            ),
            root / "data",
        )
        images, _ = load_images(root / "data", "train")
        spec = DataSpec("images", tuple(images.shape[1:]), load_image_meta(root / "data")["num_classes"])
        data = TrainingData(torch.from_numpy(images), spec)
        settings = ProgressiveSettings(
            dataset="fields", model="progressive", seed=0, resolutions=resolutions, batch_size=args.batch_size,
            stabilise_images=args.batch_size * args.steps * (args.windows + 1), fade_images=args.batch_size,
            channels_base=args.channels_base, channels_max=args.channels_max,
        )  # fmt: skip
        training = ProgressiveTraining(settings, data, accelerator)
        period = settings.stabilise_images + settings.fade_images
        total_seconds = 0.0
        for level, size in enumerate(resolutions):
            first_step = level * period // args.batch_size + 1  # the first stabilised step of this resolution
            rates = []
            for window in range(args.windows + 1):
                start = clock(accelerator)
                for step in range(args.steps):
                    training.iteration(first_step + window * args.steps + step)
                elapsed = clock(accelerator) - start
                if window:  # the first window warms caches and kernels up
                    rates.append(args.steps * args.batch_size / elapsed)
            rate = statistics.median(rates)
            phases = 1 if level == 0 else 2  # the first resolution only stabilises; the others fade in, then do
            total_seconds += phases * AUTHORS_PHASE_IMAGES / rate
            print(
                f"{size:>4} px, batch {args.batch_size}, {accelerator.describe()}: {rate:,.0f} images/s "
                f"(median of {args.windows} windows of {args.steps} steps: {', '.join(f'{r:,.0f}' for r in rates)})"
            )
        print(
            f"the authors' schedule to {args.size} px (600k images per phase) at these rates: "
            f"{total_seconds / 3600:.1f} hours"
        )


if __name__ == "__main__":
    main()
