"""Training throughput of the translators at the published size, from a folder of the published layout.

Writes a folder of generated 256 x 256 A|B pairs (pix2pix's layout: {train,test}/ of side-by-side
images; a smooth random field as A and its colour inverse as B), prepares it with the pipeline's own
`prepare_translation`, and times training steps of pix2pix (U-Net 256, 70 x 70 PatchGAN, batch 1
as the paper) and of CycleGAN (9 residual blocks, two PatchGANs; on the same images read as two
domains) as genlib.families.translation runs them. Prints the median images per second over timed
windows. On the CPU the time is CPU time of the process; on a GPU, wall time (bf16 autocast,
channels_last, as `Accelerator` prepares every network).

    python bench/translation_throughput.py                       # CPU, every core
    python bench/translation_throughput.py --device cuda --steps 50
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
from genlib.config.settings import TranslationDatasetSettings
from genlib.data.translation import load_translation, load_translation_meta, prepare_translation
from genlib.families.interface import TrainingData
from genlib.families.translation.family import TranslationTraining
from genlib.families.translation.settings import TranslationSettings
from genlib.io.provenance import host_line
from genlib.training.device import Accelerator


def write_pairs(root: Path, count: int, size: int, seed: int) -> None:
    """`count` training and 2 test A|B images: a smooth random RGB field and its inverse, side by side."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", count), ("test", 2)):
        (root / split).mkdir(parents=True)
        for i in range(n):
            coarse = rng.integers(0, 256, (size // 16, size // 16, 3), dtype=np.uint8)
            a = np.asarray(Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC))
            Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(root / split / f"{i}.png")


def training_data(folder: Path) -> TrainingData:
    split, meta = load_translation(folder, "train"), load_translation_meta(folder)
    spec = DataSpec(meta["kind"], tuple(meta["image_shape"]), meta["num_classes"], tuple(meta["input_shape"]))
    return TrainingData(torch.from_numpy(split.a), spec, targets=torch.from_numpy(split.b))


def images_per_second(
    settings: TranslationSettings, data: TrainingData, accelerator: Accelerator, steps: int, windows: int
) -> list[float]:
    """Input images per second of `windows` timed windows of `steps` steps (after one warm-up window)."""
    training = TranslationTraining(settings, data, accelerator)
    rates = []
    for window in range(windows + 1):
        if accelerator.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter() if accelerator.device.type == "cuda" else time.process_time()
        for step in range(steps):
            training.iteration(window * steps + step + 1)
        if accelerator.device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = (time.perf_counter() if accelerator.device.type == "cuda" else time.process_time()) - start
        if window:  # the first window warms caches and kernels up
            rates.append(steps * settings.batch_size / elapsed)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--threads", type=int, help="torch threads on the CPU (default: every core)")
    parser.add_argument("--size", type=int, default=256, choices=(128, 256))
    parser.add_argument("--steps", type=int, default=5, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=3)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(host_line())
    accelerator = Accelerator.choose(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_pairs(root / "pairs", count=16, size=args.size, seed=0)
        for kind, source in (("paired", "paired-folder"), ("unpaired", "unpaired-folder")):
            folder = root / "pairs"
            if kind == "unpaired":  # the same images as two domains
                for split in ("train", "test"):
                    for domain, half in (("A", 0), ("B", 1)):
                        (root / "domains" / f"{split}{domain}").mkdir(parents=True)
                        for path in sorted((root / "pairs" / split).iterdir()):
                            image = np.asarray(Image.open(path))
                            width = image.shape[1] // 2
                            part = image[:, half * width : (half + 1) * width]
                            Image.fromarray(part).save(root / "domains" / f"{split}{domain}" / path.name)
                folder = root / "domains"
            prepare_translation(
                TranslationDatasetSettings(name=kind, source=source, folder=str(folder), image_size=args.size),
                root / f"data-{kind}",
            )
            data = training_data(root / f"data-{kind}")
            method = "pix2pix" if kind == "paired" else "cyclegan"
            settings = TranslationSettings(dataset=kind, model=method, seed=0, method=method, batch_size=1)
            rates = images_per_second(settings, data, accelerator, args.steps, args.windows)
            print(
                f"{method} at {args.size} px, batch 1, {accelerator.describe()}: {statistics.median(rates):.2f} "
                f"images/s (median of {args.windows} windows of {args.steps} steps; "
                f"{', '.join(f'{r:.2f}' for r in rates)})"
            )


if __name__ == "__main__":
    main()
