"""Keep-or-rebuild of existing dataset folders (datasets.policy) and the store's checks.

Each test starts from a copy of one tiny one-day dataset, damages or changes it the way
issue 9 found, and checks what ``load`` and ``toyama-lab generate`` then do: the same
thing, since issue 14 (one policy: ours and the same parameters -> made again, saying
why; anything else that is not the asked dataset -> refused).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from toyama_lab import store
from toyama_lab._fingerprint import DATASET_PARTS, NETWORK_PARTS, source_fingerprint
from toyama_lab.cli import main
from toyama_lab.datasets import DatasetError, load, open_dataset, resolve_params
from toyama_lab.datasets.cache import dataset_dirname
from toyama_lab.datasets.policy import ensure_dataset, inspect_folder

START = "2025-10-06"
PARAMS = resolve_params("normal-week", "tiny", 0, START, 1)
NAME = dataset_dirname(PARAMS)
CLI = ["generate", "--scenario", "normal-week", "--size", "tiny", "--start", START, "--days", "1"]


def cached(root: Path, **kwargs):
    return load("normal-week", "tiny", 0, start=START, days=1, root=root, progress=False,
                **kwargs)  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A data root holding the tiny dataset with its network (built once)."""
    root = tmp_path_factory.mktemp("built")
    cached(root, network=True)
    return root


@pytest.fixture
def root(built, tmp_path) -> Path:
    """A fresh copy of the built data root."""
    copy = tmp_path / "root"
    shutil.copytree(built, copy)
    return copy


def cli(*args: str):
    return CliRunner().invoke(main, [*CLI, *args])


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / store.MANIFEST_NAME).read_text(encoding="utf-8"))


# ------------------------------------------------------------------- damaged folders


def test_a_deleted_chunk_is_found_on_open_and_rebuilt_by_load(root):
    """Issue 9.4: a missing chunk no longer reads back as a NaN outage."""
    folder = root / NAME
    chunk = next((folder / "timeseries" / "river.zarr").rglob("c/0/0"))
    chunk.unlink()
    rel = chunk.relative_to(folder).as_posix()
    with pytest.raises(DatasetError, match=f"damaged: 1 file.*missing: {rel}"):
        open_dataset(folder)
    with pytest.warns(UserWarning, match=f"regenerating .*missing: {rel}"):
        ds = cached(root)
    ds.verify()
    assert (folder / rel).is_file()


def test_a_resized_file_is_made_again_by_the_command_line_too(root):
    folder = root / NAME
    parquet = folder / "events" / "gateways.parquet"
    parquet.write_bytes(parquet.read_bytes()[:-10])
    result = cli("--out", str(folder))
    assert result.exit_code == 0, result.output
    assert "regenerating" in result.output
    assert "resized: events/gateways.parquet" in result.output
    open_dataset(folder, verify=True)


@pytest.mark.parametrize("text", ["[]", "{}", "null", '{"format": "toyama-lab-dataset/1"}', "{bad"])
def test_a_manifest_of_the_wrong_shape_is_damaged(root, text):
    """Issue 9.5: never an AttributeError; refused by both (cannot tell it is ours)."""
    folder = root / NAME
    (folder / store.MANIFEST_NAME).write_text(text)
    with pytest.raises(DatasetError, match="damaged"):
        store.read_manifest(folder)
    assert inspect_folder(folder, PARAMS).state == "damaged"
    refused = cli("--out", str(folder), "--overwrite")
    assert refused.exit_code == 1 and "damaged" in refused.output
    assert "not replaced, even with --overwrite" in refused.output
    for rebuild in (False, True):
        with pytest.raises(store.OutputExistsError, match=r"damaged.*not replaced"):
            cached(root, rebuild=rebuild)
    assert (folder / store.MANIFEST_NAME).read_text() == text


def test_manifest_entries_must_be_relative_paths_with_hash_and_size(tmp_path):
    header = {"format": store.FORMAT, "parameters": {}}
    for files in ({"../x": {"sha256": "0", "bytes": 1}}, {"a": {"sha256": "0"}}, {"a": 1}):
        (tmp_path / store.MANIFEST_NAME).write_text(json.dumps({**header, "files": files}))
        with pytest.raises(DatasetError, match="is not a relative path"):
            store.read_manifest(tmp_path)


# -------------------------------------------------------------------------- network/


def test_an_unlisted_network_folder_is_damaged_not_up_to_date(root):
    """Issue 9.3: network/ in place but the manifest not yet rewritten (as old code left it)."""
    folder = root / NAME
    manifest = manifest_of(folder)
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("net")}
    (folder / store.MANIFEST_NAME).write_text(json.dumps(manifest))
    assert store.quick_check(folder, manifest) == ["unlisted: network/"]
    assert inspect_folder(folder, PARAMS).state == "broken"  # without network asked
    repaired = cli("--out", str(folder), "--network")
    assert repaired.exit_code == 0, repaired.output
    assert "rebuilding" in repaired.output and "unlisted: network/" in repaired.output
    assert "network/ simulated again" in repaired.output
    open_dataset(folder, verify=True)


def test_adding_a_network_lists_only_its_own_files(root):
    """Issue 9.2: the manifest is not rebuilt by hashing whatever else lies in the folder."""
    folder = root / NAME
    shutil.rmtree(folder / "network")
    manifest = manifest_of(folder)
    manifest["files"] = {k: v for k, v in manifest["files"].items() if not k.startswith("net")}
    (folder / store.MANIFEST_NAME).write_text(json.dumps(manifest))
    (folder / "scratch.txt").write_text("someone else's file")
    assert ensure_dataset(folder, PARAMS, network=True).action == "network-added"
    listed = manifest_of(folder)["files"]
    assert "scratch.txt" not in listed
    assert sorted(k for k in listed if k.startswith("network/")) == sorted(
        f"network/{p.name}" for p in (folder / "network").iterdir()
    )
    assert sorted(p.name for p in root.iterdir()) == [f".{NAME}.lock", NAME]


def test_a_network_made_by_other_code_is_simulated_again(root):
    """Issue 9.13: the network part records and checks its own source fingerprint."""
    folder = root / NAME
    meta_path = folder / "network" / "network.json"
    meta = json.loads(meta_path.read_text())
    assert meta["software"]["toyama-lab-network-source-sha256"] == source_fingerprint(NETWORK_PARTS)
    meta["software"]["toyama-lab-network-source-sha256"] = "0" * 64
    store.write_json(meta, meta_path)
    store.replace_files(folder, "network/", store.file_table(folder / "network", "network/"))
    again = cli("--out", str(folder), "--network")
    assert again.exit_code == 0, again.output
    assert "rebuilding" in again.output and "other code of toyama_lab.network" in again.output
    assert json.loads(meta_path.read_text()) != meta
    store.write_json(meta, meta_path)
    store.replace_files(folder, "network/", store.file_table(folder / "network", "network/"))
    with pytest.warns(UserWarning, match="rebuilding .*other code of toyama_lab.network"):
        cached(root, network=True)
    assert json.loads(meta_path.read_text()) != meta
    open_dataset(folder, verify=True)


def test_fingerprints_cover_what_each_part_depends_on(tmp_path, monkeypatch):
    """Issue 9.13: a change in radio/ changes the network's fingerprint, not the dataset's."""
    from toyama_lab import _fingerprint

    pkg = tmp_path / "toyama_lab"
    pkg.mkdir()
    for part in {*DATASET_PARTS, *NETWORK_PARTS}:
        src = Path(_fingerprint.__file__).parent / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, pkg / part)
    monkeypatch.setattr(_fingerprint, "_PACKAGE", pkg)
    fingerprint = _fingerprint.source_fingerprint.__wrapped__
    before = fingerprint(NETWORK_PARTS), fingerprint(DATASET_PARTS)
    assert before == (source_fingerprint(NETWORK_PARTS), source_fingerprint(DATASET_PARTS))
    for part in ("radio", "lorawan", "network"):
        with open(pkg / part / "__init__.py", "a") as fh:
            fh.write("# changed\n")
        after = fingerprint(NETWORK_PARTS), fingerprint(DATASET_PARTS)
        assert after[0] != before[0] and after[1] == before[1], part
        before = after
    with open(pkg / "synth" / "__init__.py", "a") as fh:
        fh.write("# changed\n")
    assert fingerprint(DATASET_PARTS) != before[1]


# ------------------------------------------------------------- temporary folders


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporary_folders_are_removed_on_the_next_run(root):
    """Issue 9.12: left by a killed run (its process gone): removed; others kept."""
    folder = root / NAME
    host = store._host_tag()
    dead = [
        root / f"{NAME}.tmp-{host}-{_dead_pid()}-0a1b2c3d",
        root / f"{NAME}.old-{host}-{_dead_pid()}-0a1b2c3d",
        root / f"{NAME}.network.tmp-{host}-{_dead_pid()}-0a1b2c3d",
    ]
    alive = [
        root / f"{NAME}.tmp-{host}-{os.getppid()}-0a1b2c3d",  # a running process
        root / f"{NAME}.tmp-ffffffff-{_dead_pid()}-0a1b2c3d",  # another host: cannot tell
        root / f"{NAME}.tmp-0a1b2c3d",  # not named by this version
    ]
    for path in dead + alive:
        path.mkdir()
        (path / "keys.csv").write_text("synthetic")
    result = cli("--out", str(folder), "--quiet")
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in dead)
    assert all(p.exists() for p in alive)


def test_temporary_folders_name_their_host_and_process(tmp_path, monkeypatch):
    seen = []
    real = store._move_into_place

    def spy(tmp, out, **kwargs):
        seen.append(tmp.name)
        return real(tmp, out, **kwargs)

    monkeypatch.setattr(store, "_move_into_place", spy)
    with store.atomic_folder(tmp_path / "ds") as tmp:
        (tmp / "a").write_text("a")
    name, host, pid, rand = seen[0].rsplit("-", 3)
    assert (name, host, pid) == ("ds.tmp", store._host_tag(), str(os.getpid()))
    assert len(rand) == 8


# ---------------------------------------------------------------------- the policy


def test_the_same_dataset_is_kept_without_a_write(root, monkeypatch):
    folder = root / NAME
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}

    def no_write():
        raise AssertionError("a kept folder was written to")

    monkeypatch.setattr(store, "note_write", no_write)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ensure_dataset(folder, PARAMS, network=True).action == "kept"
        assert ensure_dataset(folder, PARAMS).action == "kept"
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == before


def test_an_up_to_date_folder_is_used_without_the_lock(root, monkeypatch):
    """A read-only data root (a shared class folder) still loads: no lock file is needed."""

    def no_lock(path):
        raise AssertionError("took the lock for an up-to-date folder")

    monkeypatch.setattr("toyama_lab.datasets.policy.folder_lock", no_lock)
    assert cached(root, network=True).path == root / NAME
    (root / f"{NAME}.tmp-{store._host_tag()}-{_dead_pid()}-0a1b2c3d").mkdir()
    with pytest.raises(AssertionError, match="took the lock"):  # to remove what was left
        cached(root)


def test_other_parameters_are_refused_unless_overwrite(root):
    folder = root / NAME
    other = resolve_params("normal-week", "tiny", 5, START, 1)
    assert inspect_folder(folder, other).state == "other"
    with pytest.raises(store.OutputExistsError, match=r"holds another dataset.*seed.*rebuild=True"):
        ensure_dataset(folder, other)
    refused = cli("--out", str(folder), "--seed", "5")
    assert refused.exit_code == 1 and "holds another dataset" in refused.output
    assert open_dataset(folder).params == PARAMS  # nothing changed
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked for: no warning
        assert ensure_dataset(folder, other, overwrite=True).action == "rebuilt"
    assert open_dataset(folder).params == other


def test_a_folder_without_a_manifest_is_refused_by_load_too(tmp_path):
    folder = tmp_path / NAME
    folder.mkdir()
    (folder / "thesis.docx").write_text("years of work")
    with pytest.raises(store.OutputExistsError, match=r"thesis\.docx \(1 entry\)"):
        cached(tmp_path)
    assert (folder / "thesis.docx").read_text() == "years of work"


def test_a_folder_published_by_another_process_meanwhile_is_kept(built, tmp_path, monkeypatch):
    """The rename refused because another process published the same dataset: kept."""
    folder = tmp_path / NAME

    def other_process_won(params, final, **kwargs):
        shutil.copytree(built / NAME, final)
        raise store.OutputExistsError("created by someone else")

    monkeypatch.setattr("toyama_lab.datasets.build.build_folder", other_process_won)
    assert ensure_dataset(folder, PARAMS, network=True).action == "kept"
    other = resolve_params("normal-week", "tiny", 5, START, 1)
    shutil.rmtree(folder)
    with pytest.raises(store.OutputExistsError, match="someone else"):
        ensure_dataset(folder, other)


def test_an_empty_folder_is_filled(tmp_path):
    folder = tmp_path / NAME
    folder.mkdir()
    assert ensure_dataset(folder, PARAMS).action == "built"
    open_dataset(folder, verify=True)


def test_the_folder_lock_is_reentrant(tmp_path):
    with store.folder_lock(tmp_path / "ds") as out, store.folder_lock(out):
        out.mkdir()
    assert store.lock_path(out).is_file()
    with store.folder_lock(tmp_path / "new" / "ds"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ds.lock", "ds"]


def test_the_crash_hook_ends_the_process_after_the_kth_write(tmp_path):
    code = (
        "from toyama_lab import store\nfor i in range(5):\n    store.write_text(f'{i}.txt', 'x')\n"
    )
    env = {**os.environ, store.CRASH_ENV: "3"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode == store.CRASH_EXIT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.txt", "1.txt", "2.txt"]
