"""Crash consistency and races of the dataset store (issue 9).

Crash harness: the store's test hook (``TOYAMA_LAB_CRASH_AFTER_WRITES=k``) ends a
process with ``os._exit`` right after its k-th write, as a ``SIGKILL`` would: no
``finally``, no clean-up. For every k until the run completes, what remains must be the
old complete folder, the new complete folder, or something no later call accepts as up
to date; and the later call must repair it and leave no temporary folder.

Race: four processes (two ``load``, two ``toyama-lab generate``) ask for the same dataset
at once, without and then with the network; all succeed and the folder verifies.

The children are forked from a ``forkserver`` that has imported the package once, so a
run costs its work, not the imports.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import warnings
from pathlib import Path

import pytest

from toyama_lab.datasets import open_dataset, resolve_params
from toyama_lab.datasets.cache import dataset_dirname
from toyama_lab.datasets.policy import inspect_folder
from toyama_lab.store import CRASH_ENV, CRASH_EXIT, MANIFEST_NAME, file_table

pytestmark = pytest.mark.slow

START, DAYS = "2025-10-06", 1
P0 = resolve_params("normal-week", "tiny", 0, START, DAYS)
P1 = resolve_params("normal-week", "tiny", 1, START, DAYS)
NAME = dataset_dirname(P0)
CLI_TINY = ["--scenario", "normal-week", "--size", "tiny", "--start", START, "--days", "1"]


# --------------------------------------------------------------------- child actions
# Module-level functions: the forkserver's children find them by name.


def _retry_radio():
    from toyama_lab.network import RadioConfig

    return RadioConfig(confirmed_share=1.0, max_retransmissions=3)


def act_load(root: str, network: bool = False, retry: bool = False) -> None:
    from toyama_lab.datasets import load

    radio = _retry_radio() if retry else None
    load("normal-week", "tiny", 0, start=START, days=DAYS, root=root, network=network,
         radio=radio, progress=False)  # fmt: skip


def act_cli(root: str, *args: str) -> None:
    from toyama_lab.cli import main

    os.environ["TOYAMA_LAB_DATA"] = root
    main(["generate", *CLI_TINY, "--quiet", *args], standalone_mode=False)


def _child(crash_after: int | None, action: str, args: tuple, barrier=None) -> None:
    if crash_after is not None:
        os.environ[CRASH_ENV] = str(crash_after)
    warnings.simplefilter("ignore")
    if barrier is not None:
        barrier.wait(timeout=120)
    globals()[action](*args)


@pytest.fixture(scope="module")
def ctx():
    """A forkserver context whose server has imported what the children use."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(
        ["test_store_crash", "toyama_lab.datasets", "toyama_lab.network", "toyama_lab.cli"]
    )
    return context


def run_child(ctx, action: str, *args, crash_after: int | None = None) -> int:
    proc = ctx.Process(target=_child, args=(crash_after, action, args))
    proc.start()
    proc.join(timeout=300)
    assert proc.exitcode is not None, "child did not finish"
    return proc.exitcode


# --------------------------------------------------------------------------- checks


def snapshot(folder: Path) -> dict:
    """Every file's hash and size, and the manifest's bytes: a complete folder's identity."""
    return {"files": file_table(folder), "manifest": (folder / MANIFEST_NAME).read_bytes()}


def accepted(folder: Path, asks) -> bool:
    """Whether any of the later calls ``asks`` would keep ``folder`` as it is."""
    for params, network, radio in asks:
        v = inspect_folder(folder, params, network=network, radio=radio)
        if v.state == "current" and (not network or v.network == "current"):
            return True
    return False


def leftovers(root: Path) -> list[str]:
    """Temporary or replaced folders anywhere under ``root``."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_dir() and (".tmp-" in p.name or ".old-" in p.name)
    )


def crash_every_write(ctx, tmp_path, *, prepare, action, args, old, new, asks, repair=None):
    """Run ``action`` with a crash after write k = 1, 2, ... until it completes.

    Returns the number of crash points tried.
    """
    k = 0
    while True:
        k += 1
        root = tmp_path / f"k{k}"
        prepare(root)
        code = run_child(ctx, action, str(root), *args, crash_after=k)
        assert code in (0, CRASH_EXIT), f"k={k}: exit {code}"
        folder = root / NAME
        if folder.exists() and accepted(folder, asks):
            state = snapshot(folder)
            assert state in [s for s in (old, new) if s is not None], f"k={k}: accepted a mix"
        if repair is not None:
            assert run_child(ctx, repair, str(root), *args) == 0, f"k={k}: repair failed"
            assert snapshot(folder) == new, f"k={k}: repair did not give the new folder"
            assert leftovers(root) == [], f"k={k}"
        shutil.rmtree(root)
        if code == 0:
            return k


@pytest.fixture(scope="module")
def refs(ctx, tmp_path_factory):
    """Complete reference folders: plain, with the default network, with the retry radio."""
    base = tmp_path_factory.mktemp("refs")
    out = {}
    for label, args in [
        ("plain", ()),
        ("net", (True,)),
        ("retry", (True, True)),
    ]:
        root = base / label
        assert run_child(ctx, "act_load", str(root), *args) == 0
        out[label] = root
    seed1 = base / "seed1"
    args = ("--seed", "1", "--network", "--out", str(seed1 / NAME))
    assert run_child(ctx, "act_cli", str(seed1), *args) == 0
    out["seed1"] = seed1
    return out


def _copy_of(ref_root: Path):
    """Prepare a data root as a copy of a reference one."""

    def prepare(root: Path) -> None:
        shutil.copytree(ref_root, root)

    return prepare


def test_crash_while_adding_a_network_to_a_cached_dataset(ctx, tmp_path, refs):
    """Issues 9.2 and 9.3: no crash point leaves a folder a later run calls up to date."""
    old, new = snapshot(refs["plain"] / NAME), snapshot(refs["net"] / NAME)
    asks = [(P0, False, None), (P0, True, None)]
    n = crash_every_write(ctx, tmp_path, prepare=_copy_of(refs["plain"]), action="act_load",
                          args=(True,), old=old, new=new, asks=asks, repair="act_load")  # fmt: skip
    assert n >= 8


def test_crash_while_replacing_a_network_with_other_radio_settings(ctx, tmp_path, refs):
    old, new = snapshot(refs["net"] / NAME), snapshot(refs["retry"] / NAME)
    asks = [(P0, False, None), (P0, True, None), (P0, True, _retry_radio())]
    n = crash_every_write(ctx, tmp_path, prepare=_copy_of(refs["net"]), action="act_load",
                          args=(True, True), old=old, new=new, asks=asks,
                          repair="act_load")  # fmt: skip
    assert n >= 10


def test_crash_while_overwriting_a_dataset_from_the_command_line(ctx, tmp_path, refs):
    """Every write of a whole build with its network, then the swap of the old folder.

    The later call is ``generate --seed 0`` into the same folder: it keeps an intact old
    folder, builds a lost one, refuses the complete new one; in every case it first
    removes what the killed run left.
    """
    old, new = snapshot(refs["plain"] / NAME), snapshot(refs["seed1"] / NAME)
    asks = [(P0, False, None), (P1, False, None), (P1, True, None)]
    k = 0
    while True:
        k += 1
        root = tmp_path / f"k{k}"
        shutil.copytree(refs["plain"], root)
        folder = root / NAME
        args = ("--seed", "1", "--network", "--out", str(folder), "--overwrite")
        code = run_child(ctx, "act_cli", str(root), *args, crash_after=k)
        assert code in (0, CRASH_EXIT), f"k={k}: exit {code}"
        if folder.exists() and accepted(folder, asks):
            assert snapshot(folder) in (old, new), f"k={k}: accepted a mix"
        elif not folder.exists():  # between the two renames: the old one is aside
            assert list(root.glob(f"{NAME}.old-*")), f"k={k}: the old folder was lost"
        later = run_child(ctx, "act_cli", str(root), "--out", str(folder))
        assert snapshot(folder) == (new if later else old), f"k={k}: exit {later}"
        assert leftovers(root) == [], f"k={k}"
        shutil.rmtree(root)
        if code == 0:
            break
    assert k > 15  # every file, the Zarr stores, the network files, the renames


# ------------------------------------------------------------------------------ races


def race(ctx, root: Path, runs: list[tuple[str, tuple]]) -> list[int]:
    barrier = ctx.Barrier(len(runs))
    procs = [ctx.Process(target=_child, args=(None, a, args, barrier)) for a, args in runs]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    return [p.exitcode for p in procs]


def test_four_processes_load_and_generate_the_same_dataset(ctx, tmp_path, refs):
    """Issues 9.2 and 9.11: concurrent identical requests all succeed, one folder results."""
    root = str(tmp_path)
    plain = [("act_load", (root,)), ("act_cli", (root,))] * 2
    assert race(ctx, tmp_path, plain) == [0, 0, 0, 0]
    assert snapshot(tmp_path / NAME) == snapshot(refs["plain"] / NAME)
    open_dataset(tmp_path / NAME, verify=True)

    network = [("act_load", (root, True)), ("act_cli", (root, "--network"))] * 2
    assert race(ctx, tmp_path, network) == [0, 0, 0, 0]
    assert snapshot(tmp_path / NAME) == snapshot(refs["net"] / NAME)
    open_dataset(tmp_path / NAME, verify=True)
    assert leftovers(tmp_path) == []
