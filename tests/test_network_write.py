"""toyama_lab.network.write: the network/ subfolder, byte for byte."""

from __future__ import annotations

import polars as pl
import pytest
from cases import START, _bytes

from toyama_lab.lorawan import KeyStore
from toyama_lab.network import (
    simulate_network,
    write_network,
)


def test_write_is_deterministic_and_keys_load(tiny, tmp_path):
    city, readings, res = tiny
    a = write_network(res, tmp_path.joinpath("a").mkdir() or tmp_path / "a")
    res2 = simulate_network(city, readings, seed=0, scenario="normal-week", start=START)
    b = write_network(res2, tmp_path.joinpath("b").mkdir() or tmp_path / "b")
    for name in ("receptions", "transmissions", "gateways", "registry", "keys"):
        assert a[name].read_bytes() == b[name].read_bytes(), name
    ks = KeyStore.load(a["keys"])
    assert len(ks) == res.registry.height
    first, header = a["keys"].read_text().splitlines()[:2]
    assert first.startswith("#") and "SYNTHETIC" in first
    assert header.startswith("synthetic,")
    with pytest.raises(FileExistsError):
        write_network(res, tmp_path / "a")
    write_network(res, tmp_path / "a", overwrite=True)
    # another seed, other bytes
    res3 = simulate_network(city, readings, seed=1, scenario="normal-week", start=START)
    c = write_network(res3, tmp_path.joinpath("c").mkdir() or tmp_path / "c")
    assert a["receptions"].read_bytes() != c["receptions"].read_bytes()
    assert a["gateways"].read_bytes() != c["gateways"].read_bytes()


def test_blocks_staged_in_row_groups(three_days, tmp_path, monkeypatch):
    """Tables larger than a row group: staged parts, same bytes whatever the blocks."""
    import shutil

    from toyama_lab import store
    from toyama_lab.datasets import simulate_from_dataset

    monkeypatch.setitem(store.PARQUET_OPTIONS, "row_group_size", 1000)
    got = []
    for block_days in (1, 3):
        copy = tmp_path / f"b{block_days}"
        shutil.copytree(three_days, copy)
        simulate_from_dataset(copy, block_days=block_days)
        got.append(_bytes(copy))
        assert not list((copy / "network").glob(".*part*")), "staged parts are removed"
    assert got[0] == got[1]
    rx = pl.read_parquet(copy / "network" / "receptions.parquet")
    assert rx.height > 1000
    assert rx["tx_id"].is_sorted()
    tx = pl.read_parquet(copy / "network" / "transmissions.parquet")
    assert tx["tx_id"].to_list() == list(range(tx.height))
