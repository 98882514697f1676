"""The model-family interface: every family found declares it; a checkpoint of another family is refused.

A new family in its own folder, run through the whole pipeline with no edit elsewhere, is in
tests/test_family_folder.py.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
import torch

from genlib import cli
from genlib.config.catalogue import DataKind
from genlib.config.run_settings import RunSettings
from genlib.families import registry
from genlib.families.discovery import FAMILY_SETTINGS
from genlib.families.interface import TrainingData
from genlib.io.atomic import write_json
from genlib.io.checkpoint import load_checkpoint, save_checkpoint
from genlib.sampling.samples import draw_samples


def _gan_checkpoint(tmp_path: Path) -> Path:
    from genlib.config.catalogue import point_spec
    from genlib.families.discovery import family_presets
    from genlib.families.gan.family import train_gan
    from genlib.families.gan.settings import GANSettings

    settings = GANSettings(
        **{
            **family_presets()["gan-nonsaturating"],
            "dataset": "ring8",
            "model": "mine",
            "seed": 0,
            "steps": 2,
            "batch_size": 8,
            "g_width": 8,
            "g_depth": 1,
            "d_width": 8,
            "d_depth": 1,
        }
    )
    points = torch.randn(64, 2)
    train_gan(
        settings,
        TrainingData(points, point_spec()),
        tmp_path / "checkpoint.pt",
        tmp_path / "losses.csv",
        progress=False,
    )
    return tmp_path / "checkpoint.pt"


def test_a_checkpoint_of_another_family_than_the_config_says_names_both_and_what_to_do(tmp_path):
    checkpoint = _gan_checkpoint(tmp_path)
    wanted = {"family": "diffusion", "model": "mine", "dataset": "ring8", "seed": 0}
    with pytest.raises(
        ValueError,
        match=r"holds a gan model, but the config's model 'mine' is of family 'diffusion': "
        r"delete .*checkpoint.pt .*to retrain it",
    ):
        draw_samples(checkpoint, 10, seed=0, run_settings=wanted)


def test_a_checkpoint_that_records_no_family_says_to_retrain(tmp_path):
    path = _gan_checkpoint(tmp_path)
    state = load_checkpoint(path)
    del state["family"]
    save_checkpoint(path, state)
    with pytest.raises(ValueError, match=r"records no model family \(it was written by an older genlib\): delete it"):
        draw_samples(path, 10, seed=0)


def test_the_cli_refuses_a_checkpoint_of_another_family_with_one_line(tmp_path, capsys):
    checkpoint = _gan_checkpoint(tmp_path)
    settings = tmp_path / "settings.json"
    write_json(settings, {"family": "diffusion", "model": "mine", "dataset": "ring8", "seed": 0})
    status = cli.main(
        [
            "sample",
            "--checkpoint",
            str(checkpoint),
            "--settings",
            str(settings),
            "--n-samples",
            "4",
            "--seed",
            "0",
            "--out",
            str(tmp_path / "s.npz"),
        ]
    )
    assert status == 2
    assert capsys.readouterr().err.startswith("error: ") and not (tmp_path / "s.npz").exists()


def test_every_registered_family_declares_the_interface():
    for name, family in registry.all_families().items():
        assert family.name == name and name in FAMILY_SETTINGS
        assert set(family.data_kinds) <= set(typing.get_args(DataKind))
        for attribute in ("train", "settings_of", "sampling_model", "describe", "identity", "draw_picture"):
            assert callable(getattr(family, attribute)), (name, attribute)
        assert dataclasses.is_dataclass(FAMILY_SETTINGS[name])
        assert issubclass(FAMILY_SETTINGS[name], RunSettings)
        assert set(family.sampling_overrides) <= {f.name for f in dataclasses.fields(FAMILY_SETTINGS[name])}
        assert all(isinstance(what, str) for what in family.training_inputs.values())
        assert isinstance(family.loss_labels, dict) and isinstance(family.state_columns, tuple)


def test_the_four_built_in_families_are_found_by_their_folders():
    assert list(registry.all_families()) == ["diffusion", "gan", "progressive", "translation"]
    assert list(FAMILY_SETTINGS) == ["diffusion", "gan", "progressive", "translation"]
