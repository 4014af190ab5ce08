"""Atomic single-file writes (toyama_lab._atomic)."""

from __future__ import annotations

import os

import pytest

from toyama_lab._atomic import write_atomic, write_text_atomic


def test_write_text_atomic_creates_and_replaces(tmp_path):
    target = tmp_path / "a.txt"
    write_text_atomic(target, "一\n")
    write_text_atomic(target, "二\n")
    assert target.read_text(encoding="utf-8") == "二\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")

    def broken(p):
        p.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(target, broken)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_mode_and_missing_folder(tmp_path):
    target = write_text_atomic(tmp_path / "k.csv", "x", mode=0o600, fsync=True)
    assert os.stat(target).st_mode & 0o777 == 0o600
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_text_atomic(tmp_path / "nope" / "k.csv", "x")
