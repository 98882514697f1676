"""Atomic writes: a file appears complete under its name, with the mode a plain open() would give it."""

import errno
import os
from pathlib import Path

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


def test_a_full_disk_names_the_file_and_the_space_it_needed_and_leaves_nothing(tmp_path, monkeypatch):
    from genlib.io.atomic import WriteError, write_bytes

    def disk_full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(WriteError, match=r"no space left on device writing .*checkpoint.pt; it needs 2.0 MB; .* free"):
        write_bytes(tmp_path / "checkpoint.pt", b"x" * 2_000_000)
    assert list(tmp_path.iterdir()) == []


def test_equal_checkpoint_states_give_equal_bytes_whatever_the_file_name(tmp_path):
    import hashlib

    import torch

    from genlib.io.checkpoint import save_checkpoint

    state = {"weights": torch.arange(6.0).reshape(2, 3), "step": 3, "settings": {"seed": 0}}
    save_checkpoint(tmp_path / "a.pt", state)
    save_checkpoint(tmp_path / "other-name.pt", state)
    digests = {hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() for name in ("a.pt", "other-name.pt")}
    assert len(digests) == 1


def test_json_is_written_with_sorted_keys_and_indented_so_equal_payloads_give_equal_bytes(tmp_path):
    write_json(tmp_path / "a.json", {"b": 1, "a": {"d": 2, "c": 3}})
    assert (tmp_path / "a.json").read_text() == '{\n  "a": {\n    "c": 3,\n    "d": 2\n  },\n  "b": 1\n}\n'


def test_a_nan_is_refused_naming_the_file_instead_of_writing_invalid_json(tmp_path):
    with pytest.raises(ValueError, match=r"metrics.json: .*not JSON compliant"):
        write_json(tmp_path / "metrics.json", {"fid": float("nan")})
    assert list(tmp_path.iterdir()) == []


def test_a_write_refused_for_another_reason_names_the_file_and_the_reason(tmp_path, monkeypatch):
    from genlib.io.atomic import WriteError, write_text

    def refused(self, data):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "write_bytes", refused)
    with pytest.raises(WriteError, match=r"^\[Errno 13\] could not write .*report.html: Permission denied$"):
        write_text(tmp_path / "report.html", "<html>")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_without_a_known_size_still_names_the_file_and_the_free_space(tmp_path):
    from genlib.io.atomic import WriteError

    full = pytest.raises(WriteError, match=r"no space left on device writing .*samples.npz; [\d.]+ MB free on its")
    with full, atomic_path(tmp_path / "samples.npz"):
        raise OSError(errno.ENOSPC, "No space left on device")
