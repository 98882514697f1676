"""Provenance: the git state, file hashes and the block every metrics file carries."""

import hashlib
import subprocess

from genlib.io.provenance import describe_git, file_sha256, git_state


def commit_all(repo):
    identity = ["-c", "user.name=genlib tests", "-c", "user.email=tests@genlib.invalid"]
    subprocess.run(["git", *identity, "add", "."], cwd=repo, check=True)
    subprocess.run(["git", *identity, "commit", "-q", "-m", "state"], cwd=repo, check=True)


def test_git_state_names_the_commit_and_flags_uncommitted_changes_to_tracked_files(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "code.py").write_text("a = 1\n")
    commit_all(tmp_path)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert git_state(tmp_path) == {"git_commit": head, "git_dirty": False}
    (tmp_path / "notes.txt").write_text("untracked files do not count\n")
    assert git_state(tmp_path)["git_dirty"] is False
    (tmp_path / "code.py").write_text("a = 2\n")
    assert git_state(tmp_path) == {"git_commit": head, "git_dirty": True}
    assert describe_git(git_state(tmp_path)) == f"{head} (with uncommitted changes)"


def test_git_state_outside_a_checkout_is_unknown(tmp_path):
    assert git_state(tmp_path) == {"git_commit": None, "git_dirty": None}
    assert describe_git(git_state(tmp_path)) == "unknown (not a git checkout)"


def test_file_sha256_matches_hashlib_over_several_chunks(tmp_path):
    data = bytes(range(256)) * 10_000  # 2.56 MB: three chunks
    (tmp_path / "blob").write_bytes(data)
    assert file_sha256(tmp_path / "blob") == hashlib.sha256(data).hexdigest()
