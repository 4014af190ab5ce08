"""toyama_lab.store: atomic folders, writable checks, manifest, deterministic Parquet."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import polars as pl
import pytest

from toyama_lab import store
from toyama_lab.datasets import (
    DatasetError,
    OutputExistsError,
    OutputNotWritableError,
)


def test_atomic_folder_moves_into_place(tmp_path):
    out = tmp_path / "a" / "b" / "ds"
    with store.atomic_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith("ds.tmp-")
        (tmp / "x.txt").write_text("x")
        assert not out.exists()
    assert (out / "x.txt").read_text() == "x"
    assert sorted(p.name for p in out.parent.iterdir()) == ["ds"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_atomic_folder_cleans_up_on_error(tmp_path, exc):
    out = tmp_path / "new" / "ds"
    with pytest.raises(exc), store.atomic_folder(out) as tmp:
        (tmp / "half.bin").write_bytes(b"\0" * 10)
        raise exc()
    assert list(tmp_path.iterdir()) == []  # no ds, no ds.tmp-*, no created parent


def test_atomic_folder_refuses_existing_unless_overwrite(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(OutputExistsError, match="--overwrite"), store.atomic_folder(out):
        pass
    assert (out / "old.txt").exists()
    with store.atomic_folder(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_atomic_folder_overwrite_failure_keeps_old(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(ValueError), store.atomic_folder(out, overwrite=True):
        raise ValueError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
    assert (out / "old.txt").read_text() == "old"


def test_check_writable_rejects_file_parent_and_file_target(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(OutputNotWritableError, match="not a folder"):
        store.check_writable(blocker / "ds")
    with pytest.raises(OutputNotWritableError, match="not a folder"):
        store.check_writable(blocker)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_check_writable_rejects_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputNotWritableError, match="not writable"):
            store.check_writable(ro / "ds")
    finally:
        ro.chmod(0o755)


def test_manifest_lists_every_file_but_itself(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"abc")
    (tmp_path / "a.txt").write_text("hello\n")
    header = {"format": store.FORMAT, "parameters": {}}
    manifest = store.write_manifest(tmp_path, header)
    assert list(manifest["files"]) == ["a.txt", "sub/b.bin"]
    assert manifest["files"]["sub/b.bin"] == {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "bytes": 3,
    }
    assert store.read_manifest(tmp_path) == manifest
    first = (tmp_path / store.MANIFEST_NAME).read_bytes()
    store.write_manifest(tmp_path, header)
    assert (tmp_path / store.MANIFEST_NAME).read_bytes() == first


def test_read_manifest_errors(tmp_path):
    with pytest.raises(DatasetError, match=r"no manifest\.json"):
        store.read_manifest(tmp_path)
    (tmp_path / store.MANIFEST_NAME).write_text("{broken")
    with pytest.raises(DatasetError, match="not valid JSON"):
        store.read_manifest(tmp_path)


def test_write_parquet_is_deterministic(tmp_path):
    rng = np.random.default_rng(1)
    frame = pl.DataFrame(
        {
            "t": pl.datetime_range(
                dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 3), "1m", eager=True
            ),
            "v": rng.random(2881),
            "s": rng.choice(["中央", "駅前"], 2881),
        }
    )
    store.write_parquet(frame, tmp_path / "a.parquet")
    store.write_parquet(frame.clone(), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert pl.read_parquet(tmp_path / "a.parquet").equals(frame)
