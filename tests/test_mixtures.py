"""2-D mixtures: mode geometry of the PacGAN protocol and deterministic preparation."""

import math

import numpy as np
import pytest

from genlib.config.settings import MixtureSettings, SettingsError
from genlib.data.mixtures import grid25, load_mixture, load_points, mixture, prepare_mixture, ring8
from genlib.metrics.modes import nearest_modes


def test_ring8_modes_lie_on_the_unit_circle_at_multiples_of_45_degrees():
    dist = ring8()
    assert dist.modes.shape == (8, 2) and dist.std == 0.01
    np.testing.assert_allclose(np.linalg.norm(dist.modes, axis=1), 1.0)
    angles = np.sort(np.mod(np.degrees(np.arctan2(dist.modes[:, 1], dist.modes[:, 0])), 360))
    np.testing.assert_allclose(angles, np.arange(8) * 45.0, atol=1e-9)


def test_grid25_modes_are_the_grid_of_even_coordinates():
    dist = grid25()
    assert dist.modes.shape == (25, 2) and dist.std == 0.05
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(p) for p in dist.modes.astype(int).tolist()} == expected


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_samples_scatter_around_every_mode_with_the_published_std(name):
    dist = mixture(name)
    points = dist.sample(50_000, np.random.default_rng(0))
    nearest, distance = nearest_modes(points, dist.modes)
    counts = np.bincount(nearest, minlength=len(dist.modes))
    assert counts.min() > 0.8 * len(points) / len(dist.modes)  # equal weights
    # The distance to the centre of an isotropic 2-D Gaussian is Rayleigh: mean std * sqrt(pi / 2).
    assert distance.mean() == pytest.approx(dist.std * math.sqrt(math.pi / 2), rel=0.02)


def test_prepare_writes_deterministic_splits_and_metadata(tmp_path):
    settings = MixtureSettings(name="ring8", n_train=1000, n_test=200, seed=7)
    prepare_mixture(settings, tmp_path / "a")
    prepare_mixture(settings, tmp_path / "b")
    for split, n in (("train", 1000), ("test", 200)):
        a, b = load_points(tmp_path / "a", split), load_points(tmp_path / "b", split)
        assert a.shape == (n, 2) and a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(load_points(tmp_path / "a", "train")[:200], load_points(tmp_path / "a", "test"))
    np.testing.assert_allclose(load_mixture(tmp_path / "a").modes, ring8().modes)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["meta.json", "test.npy", "train.npy"]


def test_another_data_seed_gives_other_points(tmp_path):
    prepare_mixture(MixtureSettings(name="grid25", n_train=100, n_test=10, seed=1), tmp_path / "a")
    prepare_mixture(MixtureSettings(name="grid25", n_train=100, n_test=10, seed=2), tmp_path / "b")
    assert not np.array_equal(load_points(tmp_path / "a", "train"), load_points(tmp_path / "b", "train"))


def test_unknown_mixture_names_the_allowed_values():
    with pytest.raises(SettingsError, match="unknown 2-D dataset 'ring9'; allowed values: ring8, grid25"):
        mixture("ring9")
