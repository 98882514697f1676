"""2-D Gaussian mixtures of the mode-collapse benchmark (PacGAN, Lin et al. 2018, Sec. 5.1).

ring8:  8 Gaussians at angles 2*pi*i/8 on a circle of radius 1.0, standard deviation 0.01.
grid25: 25 Gaussians at {-4, -2, 0, 2, 4}^2, standard deviation 0.05.
Points are drawn with equal weight per mode and written once by `prepare_mixture`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genlib.config import paths
from genlib.config.data_settings import MixtureSettings
from genlib.config.validation import SettingsError, to_dict
from genlib.data.integrity import check_split, split_hashes
from genlib.io.atomic import atomic_path, read_json, write_json
from genlib.io.corrupt import prepared_remedy, reading


@dataclass(frozen=True)
class Mixture:
    """Equal-weight isotropic Gaussian mixture in the plane."""

    modes: np.ndarray  # (K, 2) mode centres
    std: float  # standard deviation of every component

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw `n` points, (n, 2) float32."""
        which = rng.integers(0, len(self.modes), size=n)
        points = self.modes[which] + self.std * rng.standard_normal((n, 2))
        return points.astype(np.float32)


def ring8() -> Mixture:
    """Eight modes on the unit circle, std 0.01."""
    angles = 2.0 * math.pi * np.arange(8) / 8
    return Mixture(modes=np.stack([np.cos(angles), np.sin(angles)], axis=1), std=0.01)


def grid25() -> Mixture:
    """Twenty-five modes on the grid {-4, -2, 0, 2, 4}^2, std 0.05."""
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    return Mixture(modes=np.stack([xs.ravel(), ys.ravel()], axis=1), std=0.05)


MIXTURES = {"ring8": ring8, "grid25": grid25}


def mixture(name: str) -> Mixture:
    """The mixture registered under `name`."""
    if name not in MIXTURES:
        raise SettingsError(f"unknown 2-D dataset {name!r}; allowed values: {', '.join(MIXTURES)}")
    return MIXTURES[name]()


def prepare_mixture(settings: MixtureSettings, out_dir: str | Path) -> None:
    """Write train.npy, test.npy and meta.json of one mixture into `out_dir`, each atomically."""
    out_dir = Path(out_dir)
    dist = mixture(settings.name)
    rng = np.random.default_rng(settings.seed)
    train = dist.sample(settings.n_train, rng)
    test = dist.sample(settings.n_test, rng)
    out = paths.dataset_at(out_dir)
    for split, points in (("train", train), ("test", test)):
        with atomic_path(out.split(split, "points")) as tmp, open(tmp, "wb") as handle:
            np.save(handle, points)
    meta = {
        "kind": "points",
        "settings": to_dict(settings),
        "modes": dist.modes.tolist(),
        "std": dist.std,
        "splits": {"train": len(train), "test": len(test)},
        "sha256": split_hashes([out.split("train", "points"), out.split("test", "points")]),
    }
    write_json(out.meta, meta)  # written last: its presence marks a finished dataset


def load_points(data_dir: str | Path, split: str) -> np.ndarray:
    """Points of one prepared split, (N, 2) float32."""
    path = paths.dataset_at(data_dir).split(split, "points")
    check_split(data_dir, path)
    with reading(path, "prepared 2-D split", prepared_remedy(data_dir)):
        return np.load(path, allow_pickle=False)


def load_mixture(data_dir: str | Path) -> Mixture:
    """The mixture a prepared dataset was drawn from, read from its meta.json."""
    meta = read_json(paths.dataset_at(data_dir).meta)
    return Mixture(modes=np.asarray(meta["modes"], dtype=np.float64), std=float(meta["std"]))
