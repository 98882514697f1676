"""Latent arithmetic of one run, scored by the dataset's classifier (DCGAN, Radford et al. 2016, Sec. 6.3).

A diverged run and a generator that draws no distinct digits get a stated reason instead of numbers:
both are results to report, not faults.
"""

from __future__ import annotations

from pathlib import Path

from genlib.io.atomic import write_json
from genlib.io.checkpoint import load_checkpoint
from genlib.io.figures import plt, save_figure


def score_arithmetic(
    checkpoint_path: Path,
    classifier_path: Path,
    out: Path,
    picture: Path,
    *,
    samples: int,
    trials: int,
    seed: int,
    device: str,
) -> str:
    """Write the arithmetic's shares (JSON) and its picture; return one line that says what came out."""
    from genlib.metrics.backbones import load_backbone
    from genlib.sampling.arithmetic import NoDistinctDigits, latent_arithmetic
    from genlib.sampling.samples import load_sampling_model
    from genlib.training.device import Accelerator

    checkpoint = load_checkpoint(checkpoint_path)
    if checkpoint["status"] == "diverged":
        return _no_result(out, picture, "diverged", f"the run diverged at step {checkpoint['step']}")
    where = Accelerator.choose(device).device
    model = load_sampling_model(checkpoint, path=checkpoint_path).to(where)
    classifier = load_backbone("classifier", classifier_path, device=where)
    try:
        result, figure = latent_arithmetic(
            model, lambda images: classifier.embed(images)[1], samples=samples, trials=trials, seed=seed
        )
    except NoDistinctDigits as reason:  # an untrained or collapsed generator
        return _no_result(out, picture, "no-digits", str(reason))
    save_figure(figure, picture)
    write_json(out, {"status": "completed", **result.to_dict()})
    return str(result)


def _no_result(out: Path, picture: Path, status: str, reason: str) -> str:
    figure = plt.figure(figsize=(5, 0.8))
    figure.text(0.5, 0.5, f"no latent arithmetic: {reason}", ha="center", va="center", fontsize=8, wrap=True)
    save_figure(figure, picture)
    write_json(out, {"status": status, "reason": reason})
    return reason
