"""Feature backbones of the image metrics, and the reference statistics computed once with them.

- "inception": the InceptionV3 that torchmetrics uses (torch-fidelity's port of the TF FID network,
  Heusel et al. 2017; pool features of 2048 dims, logits for the Inception Score), with one
  difference by default: the images are resized to 299 px without antialiasing, as the TF graph
  behind the published tables does, while torchmetrics >= 1.8 antialiases unless told not to
  (`antialias=False`). `inception_antialias: true` gives torchmetrics' default; the choice is on
  every protocol card.
- "classifier": a small CNN trained by the pipeline on the dataset's own training split
  (genlib.networks.classifier), for offline work.
Every number names the backbone and the hash of its weights; numbers from different backbones are
never compared with one another.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from genlib.config.catalogue import INCEPTION_FILE
from genlib.io.atomic import atomic_path
from genlib.io.checkpoint import load_checkpoint
from genlib.io.corrupt import CorruptFileError, reading, rebuild_remedy
from genlib.io.pixels import to_unit_range
from genlib.io.provenance import file_sha256
from genlib.metrics.frechet import GaussianStats, gaussian_stats
from genlib.networks.classifier import ChannelwiseDigitClassifier, ConvClassifier

log = logging.getLogger(__name__)

INCEPTION_URL = f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{INCEPTION_FILE}"
INCEPTION_SHA256_PREFIX = "6726825d"  # torch hub convention: the file name carries its hash's first hex digits


def state_dict_sha256(state: dict[str, torch.Tensor]) -> str:
    """Hex SHA-256 of a network's weights (names and values): equal weights give equal digests, whatever
    file they were saved in (torch.save's archive carries the file's name)."""
    digest = hashlib.sha256()
    for name in sorted(state):
        digest.update(name.encode())
        digest.update(state[name].detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


# --- the offline classifier -----------------------------------------------------------------------


def train_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    held_out: tuple[np.ndarray, np.ndarray],
    *,
    num_classes: int,
    epochs: int,
    seed: int,
    batch_size: int = 128,
    progress: bool = True,
) -> dict[str, Any]:
    """Train the classifier on uint8 images (N, C, H, W); return its checkpoint with held-out accuracy."""
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed)
    model = ConvClassifier(image_shape=tuple(images.shape[1:]), num_classes=num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3, total_steps=steps)
    model.train()
    with tqdm(total=steps, desc="classifier", unit="step", disable=not progress) as bar:
        for _ in range(epochs):
            for index in torch.randperm(len(x), generator=rng).split(batch_size):
                loss = F.cross_entropy(model(to_unit_range(x[index])), y[index])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    model.eval()
    predicted = _predict(model, held_out[0])
    accuracy = float((predicted == held_out[1]).mean())
    log.info("classifier accuracy on the reference set: %.4f", accuracy)
    return {
        "format": "genlib.classifier/1",
        "image_shape": list(images.shape[1:]),
        "num_classes": num_classes,
        "weights": model.state_dict(),
        "reference_accuracy": accuracy,
        "epochs": epochs,
        "seed": seed,
        "n_train": len(images),
        "n_reference": len(held_out[0]),
    }


@torch.no_grad()
def _predict(model: ConvClassifier, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    x = torch.from_numpy(images)
    return torch.cat([model(to_unit_range(part)).argmax(1) for part in x.split(batch_size)]).numpy()


# --- InceptionV3 ---------------------------------------------------------------------------------


def fetch_inception_weights(configured: str | None, out_path: str | Path) -> None:
    """Put torch-fidelity's InceptionV3 weights at `out_path`: from `configured`, the torch hub cache, or the internet."""
    cache = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE
    source = Path(configured) if configured else cache
    if not source.is_file():
        if configured:
            raise FileNotFoundError(
                f"InceptionV3 weights {source} (evaluation.inception_weights) do not exist; put torch-fidelity's "
                f"{INCEPTION_FILE} ({INCEPTION_URL}) there, or set evaluation.backbone: classifier to work offline"
            )
        try:
            log.info("downloading %s into %s", INCEPTION_URL, cache)
            cache.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(cache) as tmp:
                torch.hub.download_url_to_file(INCEPTION_URL, str(tmp), progress=False)
        except Exception as error:  # no network, proxy, HTTP error: all mean the same to the user
            raise FileNotFoundError(
                f"InceptionV3 weights are not in the torch hub cache ({cache}) and could not be downloaded "
                f"({error}); put {INCEPTION_FILE} from {INCEPTION_URL} there or set evaluation.inception_weights "
                "to its path, or set evaluation.backbone: classifier to use the offline classifier"
            ) from None
    digest = file_sha256(source)
    if not digest.startswith(INCEPTION_SHA256_PREFIX):
        raise ValueError(f"{source}: SHA-256 {digest[:12]}... is not that of {INCEPTION_FILE}; replace the file")
    with atomic_path(out_path) as tmp:
        shutil.copyfile(source, tmp)


# --- feature extraction ----------------------------------------------------------------------------


@dataclass
class Backbone:
    """A feature extractor with its identity: name, weights hash, what its features and probabilities are."""

    name: str  # "classifier" or "inception"
    weights_sha256: str
    description: str
    module: nn.Module
    device: torch.device
    accuracy: float | None = None  # the classifier's accuracy on its held-out images (None: Inception)

    @torch.no_grad()
    def embed(self, images: np.ndarray, batch_size: int = 256, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Features (N, D) float64 and class probabilities (N, K) float64 of uint8 images (N, C, H, W)."""
        features, probabilities = [], []
        for start in tqdm(range(0, len(images), batch_size), desc=f"{self.name} features", disable=not progress):
            batch = torch.from_numpy(images[start : start + batch_size]).to(self.device)
            if self.name == "inception":
                if batch.shape[1] == 1:
                    batch = batch.expand(-1, 3, -1, -1)  # grey -> RGB, as torchmetrics users do for MNIST
                # uint8 in; resized to 299 and normalised inside. `forward` returns only the first
                # feature, so the method behind it gives pool features and logits in one pass.
                pool, logits = self.module._torch_fidelity_forward(batch)
                pool = pool.reshape(len(batch), -1)
            else:
                x = to_unit_range(batch)
                pool = self.module.features(x)
                logits = self.module.head(pool)
            features.append(pool.double().cpu())
            probabilities.append(F.softmax(logits.double(), dim=1).cpu())
        return torch.cat(features).numpy(), torch.cat(probabilities).numpy()


def load_backbone(name: str, weights: str | Path, *, device: torch.device, antialias: bool = False) -> Backbone:
    """The backbone `name` with weights from `weights` (a classifier checkpoint or the Inception file)."""
    if name == "classifier":
        saved = load_checkpoint(weights)
        digest = state_dict_sha256(saved["weights"])
        module = ConvClassifier(image_shape=tuple(saved["image_shape"]), num_classes=saved["num_classes"])
        module.load_state_dict(saved["weights"])
        accuracy = float(saved["reference_accuracy"])
        description = (
            f"ConvClassifier trained on {saved['n_train']} training images for {saved['epochs']} epochs, "
            f"{100 * accuracy:.2f}% accuracy on the reference set; 128-dim penultimate features"
        )
        channels = int(saved.get("stacked_channels", 0))
        if channels:
            module = ChannelwiseDigitClassifier(module, channels)
            description = (
                f"ConvClassifier of single digits applied to each of the {channels} channels, trained on "
                f"{saved['n_train']} digits for {saved['epochs']} epochs, {100 * accuracy:.2f}% accuracy on "
                f"{saved['n_reference']} held-out digits; {channels} x 128-dim features, digit-tuple probabilities "
                "the product of the channels'"
            )
    elif name == "inception":
        from torchmetrics.image.fid import NoTrainInceptionV3

        # torch-fidelity reads the file with weights_only=False; reading it first with weights_only=True
        # refuses a file that carries code before that happens.
        torch.load(weights, map_location="cpu", weights_only=True)
        digest = file_sha256(weights)  # the published file itself

        module = NoTrainInceptionV3(
            name="inception-v3-compat",
            features_list=["2048", "logits_unbiased"],
            feature_extractor_weights_path=str(weights),
            antialias=antialias,
        )
        description = (
            f"InceptionV3 (torch-fidelity weights as used by torchmetrics), 2048-dim pool features, "
            f"resize to 299 {'with' if antialias else 'without'} antialiasing"
        )
    else:
        raise ValueError(f"unknown backbone {name!r}; allowed values: classifier, inception")
    return Backbone(
        name, digest, description, module.eval().to(device), device, accuracy if name == "classifier" else None
    )


# --- reference statistics --------------------------------------------------------------------------


def write_reference(
    path: str | Path, backbone: Backbone, images: np.ndarray, labels: np.ndarray, *, source_sha256: str | None = None
) -> None:
    """Features, their mean and covariance (float64) and probabilities of the reference images, in one .npz,
    with the SHA-256 of the split the images came from (checked by `read_reference`)."""
    features, probabilities = backbone.embed(images, progress=True)
    stats = gaussian_stats(features)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            features=features.astype(np.float32),
            mean=stats.mean,
            cov=stats.cov,
            probabilities=probabilities.astype(np.float32),
            labels=labels,
            backbone=np.array(backbone.name),
            weights_sha256=np.array(backbone.weights_sha256),
            source_sha256=np.array(source_sha256 or ""),
        )


@dataclass(frozen=True)
class Reference:
    """Cached features and Gaussian statistics of a reference set."""

    features: np.ndarray  # (N, D)
    stats: GaussianStats
    probabilities: np.ndarray  # (N, K)
    labels: np.ndarray  # (N,)
    backbone: str
    weights_sha256: str
    source_sha256: str  # of the prepared split the reference images came from ("": not recorded)


def read_reference(path: str | Path, *, source_sha256: str | None = None) -> Reference:
    """Reference statistics written by `write_reference`; given `source_sha256` (the split's SHA-256 as
    prepared now), statistics computed from another version of the split are refused."""
    with reading(path, "reference statistics", rebuild_remedy(path)), np.load(path, allow_pickle=False) as archive:
        reference = Reference(
            features=archive["features"],
            stats=GaussianStats(archive["mean"], archive["cov"], len(archive["features"])),
            probabilities=archive["probabilities"],
            labels=archive["labels"],
            backbone=str(archive["backbone"]),
            weights_sha256=str(archive["weights_sha256"]),
            source_sha256=str(archive["source_sha256"]) if "source_sha256" in archive.files else "",
        )
    if source_sha256 is not None and reference.source_sha256 != source_sha256:
        raise CorruptFileError(
            f"reference statistics {path} were computed from a test split with SHA-256 "
            f"{reference.source_sha256[:12] or '(not recorded)'}, not from the one prepared now ({source_sha256[:12]}): "
            f"they are stale; {rebuild_remedy(path)}"
        )
    return reference
