"""Throughput of the batched 2-D GAN trainer against one run per process, with the PacGAN authors' networks.

Runs x iterations per second of the PacGAN 2-D protocol's iteration (generator 4 x 400 with batch
norm, maxout discriminator 3 x 200 x 5, simultaneous updates, batch 100 packed examples) for 1, 10
and 40 runs trained as one batched computation (genlib.gan.batched), against the single-run trainer
(what one process per run does). Each figure is the median of `--windows` timed windows after a
warm-up, on the threads given (1 by default: per core). The last lines project the full protocol
(8 variants x 10 seeds x 400,000 iterations) from the measured rates.

    python bench/batched_gan.py                    # CPU, 1 thread
    python bench/batched_gan.py --device cuda      # GPU
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from genlib.config.catalogue import point_spec
from genlib.data.mixtures import ring8
from genlib.families.discovery import family_presets
from genlib.families.gan.batched import GroupTraining
from genlib.families.gan.family import AdversarialTraining
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.provenance import host_line
from genlib.training.device import Accelerator

FULL_PROTOCOL_RUNS = 2 * 4 * 10  # ring and grid x GAN, PacGAN2-4 x 10 seeds
FULL_PROTOCOL_ITERATIONS = 400_000  # 400 epochs of 100,000 packed examples at batch 100


def settings(packing: int, seed: int) -> GANSettings:
    return GANSettings(
        **{
            **family_presets()["gan-nonsaturating"],
            "dataset": "ring8",
            "model": f"pacgan{packing}",
            "seed": seed,
            "network": "pacgan",
            "packing": packing,
            "batch_size": 100 * packing,
            "updates": "simultaneous",
            "lr_g": 1e-4,
            "lr_d": 1e-4,
            "beta1": 0.8,
        }
    )


def timed(step, iterations: int, windows: int) -> float:
    """Median iterations per second over `windows` windows of `iterations` calls of `step` (after a warm-up)."""
    for _ in range(max(2, iterations // 5)):
        step()
    rates = []
    for _ in range(windows):
        start = time.perf_counter()
        for _ in range(iterations):
            step()
        rates.append(iterations / (time.perf_counter() - start))
    return statistics.median(rates)


def single_rate(packing: int, data: TrainingData, accelerator: Accelerator, iterations: int, windows: int) -> float:
    training = AdversarialTraining(settings(packing, 0), data, accelerator)
    step = iter(range(1, 10**9))
    return timed(lambda: training.iteration(next(step)), iterations, windows)


def group_rate(
    packing: int, runs: int, data: TrainingData, accelerator: Accelerator, iterations: int, windows: int, tmp: str
) -> float:
    group_settings = [settings(packing, seed) for seed in range(runs)]
    checkpoints = [f"{tmp}/p{packing}r{runs}/seed{s}/checkpoint.pt" for s in range(runs)]
    losses = [f"{tmp}/p{packing}r{runs}/seed{s}/losses.csv" for s in range(runs)]
    group = GroupTraining(group_settings, data, checkpoints, losses, accelerator)
    return timed(lambda: group.nets.iteration(group.first, group.real_batch, group.rngs), iterations, windows)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--runs", type=int, nargs="+", default=[1, 10, 40])
    args = parser.parse_args()
    print(host_line(), flush=True)
    torch.set_num_threads(args.threads)
    accelerator = Accelerator.choose(args.device)
    data = TrainingData(torch.from_numpy(ring8().sample(100_000, np.random.default_rng(0))), point_spec())
    print(f"device: {accelerator.describe()}, torch {torch.__version__}, {args.threads} thread(s)")
    print("| packing | trainer | runs at once | runs x iterations / s | vs one run per process |")
    print("|---|---|---|---|---|")
    projections = {}
    with tempfile.TemporaryDirectory() as tmp:
        for packing in (1, 4):
            single = single_rate(packing, data, accelerator, iterations=20, windows=args.windows)
            print(f"| {packing} | one run per process | 1 | {single:.1f} | 1.00x |")
            best = single
            for runs in args.runs:
                iterations = max(3, 60 // runs)
                rate = runs * group_rate(packing, runs, data, accelerator, iterations, args.windows, tmp)
                best = max(best, rate)
                print(f"| {packing} | batched | {runs} | {rate:.1f} | {rate / single:.2f}x |")
            projections[packing] = (single, best)
    # The full protocol: half the runs at packing 1..2 and half at 3..4, bracketed by the m = 1 and m = 4 rates.
    for packing, (single, best) in projections.items():
        total = FULL_PROTOCOL_RUNS * FULL_PROTOCOL_ITERATIONS
        print(
            f"full PacGAN 2-D protocol at packing {packing}'s rate: {total / single / 3600:.0f} hours one run per "
            f"process, {total / best / 3600:.0f} hours batched ({args.threads} thread(s), {accelerator.describe()})"
        )


if __name__ == "__main__":
    main()
