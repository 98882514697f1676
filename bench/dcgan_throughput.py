"""DCGAN-28 training throughput: images per second of the full GAN step at batch 64.

One generator step of the non-saturating DCGAN (Radford et al. 2016) as genlib.families.gan runs it:
a discriminator update on a real and a generated batch, then a generator update. Throughput is
batch size x generator steps / second, timed over repeated windows; the median is printed.

    python bench/dcgan_throughput.py                 # CPU, every core
    python bench/dcgan_throughput.py --device cuda   # GPU: bf16 autocast and channels_last
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from genlib.config.catalogue import DataSpec
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.provenance import host_line
from genlib.training.device import Accelerator


def measure(settings: GANSettings, data: TrainingData, accelerator: Accelerator, windows: int) -> list[float]:
    """Images/s of `windows` timed windows of `settings.steps` generator steps each (after one warm-up window)."""
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        for window in range(windows + 1):
            start = time.perf_counter()
            train_gan(
                settings,
                data,
                Path(tmp) / f"c{window}.pt",
                Path(tmp) / f"l{window}.csv",
                accelerator=accelerator,
                progress=False,
            )
            if accelerator.device.type == "cuda":
                torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
            if window:  # the first window pays for allocation and kernel selection
                rates.append(settings.steps * settings.batch_size / elapsed)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 64], help="g_channels = d_channels to measure")
    parser.add_argument("--steps", type=int, default=40, help="generator steps per timed window")
    parser.add_argument("--windows", type=int, default=5)
    args = parser.parse_args()
    print(host_line(), flush=True)

    torch.set_num_threads(args.threads)
    accelerator = Accelerator.choose(args.device)
    images = torch.randint(0, 256, (4096, 1, 28, 28), dtype=torch.uint8)  # throughput does not depend on content
    data = TrainingData(images, DataSpec("images", tuple(images.shape[1:]), 10), torch.randint(0, 10, (4096,)))
    print(f"DCGAN-28 training throughput, batch {args.batch_size}, {accelerator.describe()}, torch {torch.__version__}")
    for channels in args.channels:
        settings = GANSettings(
            **family_presets()["dcgan"],
            dataset="mnist",
            model="dcgan",
            seed=0,
            g_channels=channels,
            d_channels=channels,
            steps=args.steps,
            batch_size=args.batch_size,
            checkpoint_every=10**9,
        )
        rates = measure(settings, data, accelerator, args.windows)
        print(
            f"  channels {channels:3d}: median {statistics.median(rates):7.0f} images/s "
            f"(windows: {', '.join(f'{r:.0f}' for r in rates)})"
        )


if __name__ == "__main__":
    main()
