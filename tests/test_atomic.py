"""Atomic writes: a file appears complete under its name, with the mode a plain open() would give it."""

import os

import pytest

from genlib.io.atomic import atomic_path, read_json, write_json


def test_written_file_has_the_mode_of_the_umask_not_a_private_temporary_mode(tmp_path):
    previous = os.umask(0o022)
    try:
        write_json(tmp_path / "metrics.json", {"fid": 1.5})
    finally:
        os.umask(previous)
    assert (tmp_path / "metrics.json").stat().st_mode & 0o777 == 0o644
    assert read_json(tmp_path / "metrics.json") == {"fid": 1.5}


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "checkpoint.pt") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
