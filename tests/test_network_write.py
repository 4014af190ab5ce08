"""toyama_lab.network.write: the network/ subfolder, byte for byte."""

from __future__ import annotations

import polars as pl
import pytest
from cases import START, _bytes

from toyama_lab.lorawan import KeyStore
from toyama_lab.network import (
    simulate_network,
    write_network,
    write_network_blocks,
)
from toyama_lab.network.write import FILES, _ThreadSink


def test_write_is_deterministic_and_keys_load(tiny, tmp_path):
    city, readings, res = tiny
    a = write_network(res, tmp_path.joinpath("a").mkdir() or tmp_path / "a")
    res2 = simulate_network(city, readings, seed=0, scenario="normal-week", start=START)
    b = write_network(res2, tmp_path.joinpath("b").mkdir() or tmp_path / "b")
    for name in ("receptions", "transmissions", "gateways", "registry", "keys"):
        assert a[name].read_bytes() == b[name].read_bytes(), name
    ks = KeyStore.load(a["keys"])
    assert len(ks) == res.registry.height
    # every device's codec (its profile) is in the file and loads back
    assert {k.dev_addr: k.codec for k in ks} == {k.dev_addr: k.codec for k in res.keys}
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


def test_blocks_streamed_in_row_groups(three_days, tmp_path, monkeypatch):
    """Tables larger than a row group, both streamed at once: same bytes whatever the blocks."""
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
        assert sorted(p.name for p in (copy / "network").iterdir()) == sorted(FILES.values())
    assert got[0] == got[1]
    rx = pl.read_parquet(copy / "network" / "receptions.parquet")
    assert rx.height > 1000
    assert rx["tx_id"].is_sorted()
    tx = pl.read_parquet(copy / "network" / "transmissions.parquet")
    assert tx["tx_id"].to_list() == list(range(tx.height))


def _blocks_then(error, tiny, n_good=2):
    """``n_good`` copies of the tiny result as blocks, then ``error`` raised."""
    _, _, res = tiny
    yield from [res] * n_good
    raise error


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError("disk gone")])
def test_blocks_failing_midway_leave_no_folder(tiny, tmp_path, error):
    """A block that fails after others were written: its error, as it was, and no
    network/ folder, no staging folder, while the truth's writer thread is stopped."""
    import threading

    ds = tmp_path / "ds"
    ds.mkdir()
    with pytest.raises(type(error)) as info:
        write_network_blocks(_blocks_then(error, tiny), ds)
    assert info.value is error
    assert list(tmp_path.iterdir()) == [ds] and list(ds.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name == "sink"]


def test_blocks_are_written_with_the_heap_frozen_and_closed_on_failure(tiny, tmp_path, monkeypatch):
    """Full collections skip what existed before while the blocks are made and written
    (toyama_lab._gc); after, and after a failure, the heap is as it was, and a road that
    stops being read is closed (its blocks not started dropped) at once."""
    import gc

    import toyama_lab.network.log as log

    _, _, res = tiny
    seen, closed = [], []

    def road(n):
        try:
            for _ in range(n):
                seen.append(gc.get_freeze_count())
                yield res
        finally:
            closed.append(True)

    ds = tmp_path / "ds"
    ds.mkdir()
    write_network_blocks(road(2), ds)
    assert len(seen) == 2 and all(c > 0 for c in seen)
    assert gc.get_freeze_count() == 0 and closed == [True]

    bad = dict(log.TRANSMISSION_SCHEMA, phy_payload=pl.Int64)  # the truth's sink fails
    monkeypatch.setattr(log, "TRANSMISSION_SCHEMA", bad)
    gen = road(10**6)
    with pytest.raises(pl.exceptions.InvalidOperationError):
        write_network_blocks(gen, ds, overwrite=True)
    assert gc.get_freeze_count() == 0
    assert closed == [True, True] and len(seen) < 100  # stopped, not read to the end


def test_truth_writer_failure_is_raised_and_leaves_nothing(tiny, tmp_path, monkeypatch):
    """The truth's own sink fails (its rows do not fit the schema): that error is raised
    in the caller's thread, the receptions' sink stops, nothing is left."""
    import toyama_lab.network.log as log

    bad = dict(log.TRANSMISSION_SCHEMA, phy_payload=pl.Int64)  # bytes are not a number
    monkeypatch.setattr(log, "TRANSMISSION_SCHEMA", bad)
    _, _, res = tiny
    ds = tmp_path / "ds"
    ds.mkdir()
    with pytest.raises(pl.exceptions.InvalidOperationError, match=r"(?i)binary"):
        write_network_blocks([res] * 5, ds)
    assert list(tmp_path.iterdir()) == [ds] and list(ds.iterdir()) == []


def test_thread_sink_writes_what_it_is_given_and_aborts_cleanly(tmp_path):
    opts = {"compression": "zstd", "compression_level": 1, "statistics": True,
            "row_group_size": 4}  # fmt: skip
    sink = _ThreadSink(tmp_path / "a.parquet", {"x": pl.Int64}, opts)
    for i in range(5):  # more than its queue holds: put waits for the writer
        sink.put(pl.DataFrame({"x": [i, i]}))
    assert sink.close() == 10
    assert pl.read_parquet(tmp_path / "a.parquet")["x"].to_list() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    sink = _ThreadSink(tmp_path / "b.parquet", {"x": pl.Int64}, opts)
    sink.put(pl.DataFrame({"x": [1]}))
    sink.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet"]
