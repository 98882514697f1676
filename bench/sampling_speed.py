"""DDIM against DDPM sampling time for the same U-Net and batch (Song et al. 2021 vs Ho et al. 2020).

DDPM runs the network at all T = 1000 steps; DDIM at S = 50 of them. The network's weights do not
change the time, so an untrained MNIST-sized U-Net is timed; the median of repeated runs is printed.

    python bench/sampling_speed.py                  # CPU
    python bench/sampling_speed.py --device cuda    # GPU (bf16 autocast)
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from genlib.diffusion.samplers import ddim_sample, ddpm_sample
from genlib.diffusion.schedules import NoiseSchedule
from genlib.io.provenance import host_line
from genlib.networks.unet import UNet
from genlib.training.device import Accelerator


def timed(run, accelerator: Accelerator, repeats: int) -> list[float]:
    """Seconds of each of `repeats` calls of `run` (after one warm-up call)."""
    times = []
    for repeat in range(repeats + 1):
        start = time.perf_counter()
        with accelerator.autocast():
            run()
        if accelerator.device.type == "cuda":
            torch.cuda.synchronize()
        if repeat:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--channels", type=int, default=32, help="U-Net base channels")
    parser.add_argument("--ddim-steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(host_line(), flush=True)

    torch.set_num_threads(args.threads)
    accelerator = Accelerator.choose(args.device)
    model = accelerator.prepare(UNet(image_shape=(1, 28, 28), channels=args.channels)).eval()
    schedule = NoiseSchedule.create("linear", 1000)
    noise = torch.randn(args.batch_size, 1, 28, 28, device=accelerator.device)

    def eps(x, t, labels):
        return model(x, t, labels)

    ddim = timed(lambda: ddim_sample(schedule, eps, noise, steps=args.ddim_steps), accelerator, args.repeats)
    ddpm = timed(lambda: ddpm_sample(schedule, eps, noise), accelerator, args.repeats)
    print(f"sampling {args.batch_size} MNIST images, U-Net {args.channels} channels, {accelerator.describe()}")
    print(f"  DDPM, T = 1000:  median {statistics.median(ddpm):8.2f} s  (runs: {', '.join(f'{t:.2f}' for t in ddpm)})")
    print(
        f"  DDIM, S = {args.ddim_steps}:    median {statistics.median(ddim):8.2f} s  (runs: {', '.join(f'{t:.2f}' for t in ddim)})"
    )
    print(f"  DDIM is {statistics.median(ddpm) / statistics.median(ddim):.1f} times faster")


if __name__ == "__main__":
    main()
