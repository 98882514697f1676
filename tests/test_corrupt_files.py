"""Damaged files: every reader names the file, says what is wrong and what to run, in one line from the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from damaging import flip_a_data_byte

from genlib import cli
from genlib.config.catalogue import point_spec
from genlib.families.discovery import family_presets
from genlib.families.gan.family import train_gan
from genlib.families.gan.settings import GANSettings
from genlib.families.interface import TrainingData
from genlib.io.atomic import read_json, write_json
from genlib.io.checkpoint import load_checkpoint
from genlib.io.corrupt import CorruptFileError
from genlib.io.sample_archive import read_samples, write_samples


def truncate(path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


@pytest.fixture
def checkpoint(tmp_path):
    settings = GANSettings(
        **{
            **family_presets()["gan-nonsaturating"],
            "dataset": "ring8",
            "model": "m",
            "seed": 0,
            "steps": 2,
            "batch_size": 8,
            "g_width": 8,
            "g_depth": 1,
            "d_width": 8,
            "d_depth": 1,
        }
    )
    train_gan(
        settings,
        TrainingData(torch.randn(64, 2), point_spec()),
        tmp_path / "checkpoint.pt",
        tmp_path / "losses.csv",
        progress=False,
    )
    return tmp_path / "checkpoint.pt"


def test_a_truncated_checkpoint_is_named_with_what_to_run(checkpoint):
    truncate(checkpoint)
    with pytest.raises(
        CorruptFileError,
        match=rf"checkpoint {checkpoint} cannot be read .*damaged or truncated: "
        rf"delete {checkpoint} and run snakemake again",
    ):
        load_checkpoint(checkpoint)


def test_a_checkpoint_with_a_bit_changed_inside_is_named_though_torch_load_would_take_it(checkpoint):
    flip_a_data_byte(checkpoint)
    with pytest.raises(
        CorruptFileError, match=rf"checkpoint {checkpoint} cannot be read \(BadZipFile: member .* fails its CRC-32"
    ):
        load_checkpoint(checkpoint)


def test_a_checkpoint_carrying_code_is_refused_and_says_why(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this would have run",))

    path = tmp_path / "checkpoint.pt"
    torch.save({"settings": Payload()}, path)
    with pytest.raises(CorruptFileError, match="was refused: it holds objects other than tensors and plain values"):
        load_checkpoint(path)


def test_the_sample_verb_reports_a_truncated_checkpoint_in_one_line_and_writes_nothing(checkpoint, tmp_path, capsys):
    truncate(checkpoint)
    status = cli.main(
        [
            "sample",
            "--checkpoint",
            str(checkpoint),
            "--n-samples",
            "4",
            "--seed",
            "0",
            "--out",
            str(tmp_path / "samples.npz"),
        ]
    )
    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(error) == 1 and error[0].startswith(f"error: checkpoint {checkpoint} cannot be read")
    assert not (tmp_path / "samples.npz").exists()


def test_a_truncated_samples_archive_is_named(tmp_path):
    path = tmp_path / "samples.npz"
    write_samples(path, np.zeros((100, 2), np.float32), {"status": "completed"})
    truncate(path)
    with pytest.raises(CorruptFileError, match=rf"samples archive {path} cannot be read"):
        read_samples(path)


def test_a_truncated_prepared_dataset_says_to_prepare_it_anew(tmp_path, capsys):
    write_json(tmp_path / "ring8.json", {"name": "ring8", "n_train": 500, "n_test": 100})
    data = tmp_path / "data" / "ring8"
    assert cli.main(["prepare", "--settings", str(tmp_path / "ring8.json"), "--out-dir", str(data)]) == 0
    truncate(data / "train.npy", keep=0.3)
    write_json(
        tmp_path / "settings.json",
        {**family_presets()["gan-nonsaturating"], "dataset": "ring8", "model": "m", "seed": 0, "steps": 1},
    )
    status = cli.main(
        [
            "train",
            "--settings",
            str(tmp_path / "settings.json"),
            "--data",
            str(data),
            "--checkpoint",
            str(tmp_path / "c.pt"),
            "--losses",
            str(tmp_path / "l.csv"),
            "--no-progress",
        ]
    )
    error = capsys.readouterr().err
    assert status == 2
    assert f"prepared split {data / 'train.npy'} is not the file that was prepared" in error
    assert f"delete the folder {data} and run snakemake again to prepare the dataset anew" in error
    assert not (tmp_path / "c.pt").exists()


def test_a_damaged_json_file_is_named(tmp_path):
    path = tmp_path / "meta.json"
    path.write_text('{"kind": "poi')
    with pytest.raises(
        CorruptFileError, match=rf"JSON file {path} cannot be read \(JSONDecodeError.*: delete {path} and run"
    ):
        read_json(path)


def test_reference_statistics_of_another_test_split_are_refused_as_stale(tmp_path):
    from genlib.metrics.backbones import Backbone, read_reference, write_reference

    class Embedder(torch.nn.Module):  # (N, 1, 2, 2) -> features (N, 4) and class logits (N, 3)
        def features(self, x):
            return x.flatten(1)

        def head(self, features):
            return features[:, :3]

    backbone = Backbone("toy", "f" * 64, "toy backbone", Embedder(), torch.device("cpu"))
    images = np.random.default_rng(0).integers(0, 256, (20, 1, 2, 2), dtype=np.uint8)
    path = tmp_path / "reference.npz"
    write_reference(path, backbone, images, np.zeros(20, np.int64), source_sha256="c" * 64)
    assert read_reference(path, source_sha256="c" * 64).source_sha256 == "c" * 64
    with pytest.raises(
        CorruptFileError,
        match=rf"reference statistics {path} were computed from a test split with SHA-256 cccccccccccc, "
        rf"not from the one prepared now \(dddddddddddd\): they are stale; delete {path} and run snakemake again",
    ):
        read_reference(path, source_sha256="d" * 64)


def test_a_prepared_split_changed_after_preparation_is_refused_before_use(tmp_path):
    from genlib.data.mixtures import load_points

    write_json(tmp_path / "ring8.json", {"name": "ring8", "n_train": 500, "n_test": 100})
    data = tmp_path / "data" / "ring8"
    assert cli.main(["prepare", "--settings", str(tmp_path / "ring8.json"), "--out-dir", str(data)]) == 0
    assert load_points(data, "train").shape == (500, 2)
    np.save(data / "train.npy", np.zeros((500, 2), np.float32))  # valid, but not what was prepared
    with pytest.raises(CorruptFileError, match=r"train.npy is not the file that was prepared \(its SHA-256 differs"):
        load_points(data, "train")


# --- the quick whole-file check a workflow runs over every finished file before any job (genlib.io.damage) ---


def whole_files(tmp_path) -> dict[str, object]:
    """One whole file of every kind the check reads."""
    from genlib.io.checkpoint import save_checkpoint
    from genlib.io.mosaic import save_png

    files = {name: tmp_path / name for name in ("c.pt", "s.npz", "a.npy", "p.png", "m.json", "l.csv")}
    save_checkpoint(files["c.pt"], {"w": torch.arange(4000.0), "step": 3})
    np.savez(files["s.npz"], samples=np.arange(5000.0))
    np.save(files["a.npy"], np.ones((300, 2), dtype=np.float32))
    save_png(np.zeros((8, 8, 3), dtype=np.uint8), files["p.png"])
    write_json(files["m.json"], {"fid": 1.5})
    files["l.csv"].write_text("step,d_loss\n1,0.5\n2,0.4\n3,0.3\n")
    return files


def test_whole_files_of_every_kind_pass_the_quick_check(tmp_path):
    from genlib.io.damage import damage_of, damaged_files

    files = whole_files(tmp_path)
    assert {name: damage_of(path) for name, path in files.items()} == dict.fromkeys(files)
    assert damaged_files([*files.values(), tmp_path / "missing.pt"]) == {}


@pytest.mark.parametrize(
    "name, problem",
    [
        ("c.pt", "not a whole zip archive"),
        ("s.npz", "not a whole zip archive"),
        ("a.npy", "array file of 1264 bytes where its header promises 2528"),
        ("p.png", "PNG without its end chunk"),
        ("m.json", "cannot be read (JSONDecodeError"),
        ("l.csv", "CSV whose last row is cut short"),
    ],
)
def test_a_file_cut_anywhere_is_named_with_what_is_wrong(tmp_path, name, problem):
    from genlib.io.damage import damage_of, damaged_files, damaged_files_message

    path = whole_files(tmp_path)[name]
    truncate(path)
    assert damage_of(path).startswith(problem)
    message = damaged_files_message(damaged_files([path]))
    assert f"  - {path}: {problem}" in message and f"delete them (rm {path}) and run snakemake again" in message


def test_a_zip_whose_member_runs_past_its_end_is_found_though_its_directory_is_whole(tmp_path):
    """Cut from the middle, keeping the archive's directory at the end (as a bad splice would)."""
    from genlib.io.damage import damage_of

    path = whole_files(tmp_path)["s.npz"]
    data = path.read_bytes()
    directory = data.rindex(b"PK\x01\x02")  # the central directory, then the end record
    with_offsets = data[directory:]
    cut = data[:100] + with_offsets
    path.write_bytes(cut)
    assert damage_of(path) is not None


def test_an_empty_file_is_damaged_whatever_its_kind(tmp_path):
    from genlib.io.damage import damage_of

    for name in ("x.pt", "x.json", "x.png"):
        (tmp_path / name).write_bytes(b"")
        assert damage_of(tmp_path / name) == "empty file"
