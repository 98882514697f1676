"""The cost of the paper-sized Stacked MNIST presets, projected from measured iterations per second.

For every GAN variant of config/experiments/stacked-mnist.yaml (PacGAN Table 2) and
stacked-mnist-small-d.yaml (Table 3), this times training iterations of the preset's own settings
(networks, widths, packing, batch, generator steps, Diffusion-GAN) as genlib.families.gan runs them,
prints the median seconds per iteration over timed windows, and projects the time of one run at the
preset's iteration count and of the whole preset (every variant times its seeds). On the CPU the
time is the process's CPU time (`--threads 1` makes it the time one core spends, unaffected by other
jobs on a shared machine); on a GPU it is wall time. Evaluation and sampling are not included: at
26,000 samples they are minutes per run.

    python bench/stacked_mnist_cost.py                    # CPU, every core
    python bench/stacked_mnist_cost.py --device cuda      # GPU: bf16 autocast and channels_last
    python bench/stacked_mnist_cost.py --preset stacked-mnist --iterations 10
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from genlib.config.catalogue import DataSpec
from genlib.experiment import RunKey, load_config, model_family, run_settings
from genlib.families.gan.family import AdversarialTraining
from genlib.families.interface import TrainingData
from genlib.io.provenance import host_line
from genlib.training.device import Accelerator

PRESETS = ("stacked-mnist", "stacked-mnist-small-d")


def seconds_per_iteration(
    settings, data: TrainingData, accelerator: Accelerator, iterations: int, windows: int
) -> list[float]:
    """Seconds per iteration of `windows` timed windows of `iterations` iterations (after one warm-up window)."""
    training = AdversarialTraining(settings, data, accelerator)
    clock = time.perf_counter if accelerator.device.type == "cuda" else time.process_time
    times = []
    for window in range(windows + 1):
        start = clock()
        for step in range(iterations):
            training.iteration(step)
        if accelerator.device.type == "cuda":
            torch.cuda.synchronize()
        if window:  # the first window pays for allocation and kernel selection
            times.append((clock() - start) / iterations)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--preset", choices=PRESETS, nargs="+", default=list(PRESETS))
    parser.add_argument("--iterations", type=int, default=5, help="iterations per timed window")
    parser.add_argument("--windows", type=int, default=3)
    args = parser.parse_args()
    print(host_line(), flush=True)
    torch.set_num_threads(args.threads)
    accelerator = Accelerator.choose(args.device)
    images = torch.randint(0, 256, (4096, 3, 28, 28), dtype=torch.uint8)  # the cost does not depend on content
    data = TrainingData(images, DataSpec("images", (3, 28, 28), 1000))
    clock = "wall time" if accelerator.device.type == "cuda" else "CPU time of the process"
    print(f"Stacked MNIST training cost ({clock}), {accelerator.describe()}, torch {torch.__version__}")
    root = Path(__file__).resolve().parents[1]
    for preset in args.preset:
        config = load_config(root / "config" / "experiments" / f"{preset}.yaml")
        seeds = len(config["seeds"])
        total_hours = 0.0
        print(f"{preset} ({seeds} seeds per variant):")
        for model in config["models"]:
            if model_family(config, model) != "gan":
                print(f"  {model:22s} (not a GAN: not measured)")
                continue
            settings = run_settings(config, RunKey("stacked-mnist", model, 0))
            times = seconds_per_iteration(settings, data, accelerator, args.iterations, args.windows)
            median = statistics.median(times)
            run_hours = median * settings.steps / 3600
            total_hours += run_hours * seeds
            print(
                f"  {model:22s} median {1000 * median:8.1f} ms/iteration ({', '.join(f'{1000 * t:.1f}' for t in times)}); "
                f"{settings.steps:,} iterations: {run_hours:7.1f} h per run, {run_hours * seeds:8.1f} h for {seeds} seeds"
            )
        print(f"  all GAN runs of {preset}: {total_hours:.1f} h one after another")


if __name__ == "__main__":
    main()
