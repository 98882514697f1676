#!/usr/bin/env bash
# Every GPU figure of the README's benchmark table, in one go (about 8 minutes on one H200).
# Runs from the repository root with the machine's own torch; genlib is taken from the working tree.
set -uo pipefail
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY=${PYTHON:-python3}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())"
echo "== DCGAN-28 training throughput (bf16 autocast, channels_last)"
$PY bench/dcgan_throughput.py --device cuda --batch-size 64 --channels 32 64 --steps 100 --windows 5
$PY bench/dcgan_throughput.py --device cuda --batch-size 512 --channels 64 --steps 100 --windows 5
echo "== sampling 16 MNIST images with a 32-channel U-Net: DDPM T = 1000 against DDIM S = 50"
$PY bench/sampling_speed.py --device cuda --batch-size 16 --channels 32
echo "== batched 2-D trainer, PacGAN networks (simultaneous updates, batch 100 packed examples)"
$PY bench/batched_gan.py --device cuda --runs 1 10 40 80
echo "== Stacked MNIST: the paper-sized presets' cost per run, projected from measured iterations per second"
$PY bench/stacked_mnist_cost.py --device cuda --iterations 50 --windows 3
echo "== image-to-image at 256 px from a folder of the published layout (generated pairs): pix2pix and CycleGAN, batch 1"
$PY bench/translation_throughput.py --device cuda --steps 50 --windows 3
echo "== progressive GAN at the authors' widths, from a folder of generated 128 px images: images/s per resolution, batch 16"
$PY bench/progressive_throughput.py --device cuda --size 128 --batch-size 16 --steps 20 --windows 3
