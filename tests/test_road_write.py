"""The stored network tables and the one-pass Parquet writer (network/log.py, network/write.py)."""

from __future__ import annotations

import polars as pl
import pytest

from toyama_lab import synth
from toyama_lab.city import build_city
from toyama_lab.lorawan.ingest import RECEPTION_SCHEMA, read_receptions
from toyama_lab.network import simulate_network, write_network
from toyama_lab.network.log import (
    LOG_OMITTED,
    gateway_clocks,
    reception_rows,
    receptions_schema,
    receptions_table,
)
from toyama_lab.network.write import parquet_options, row_groups, sink_frames

START = "2025-10-06"


@pytest.fixture(scope="module")
def small():
    city = build_city(0, "tiny")
    readings = {}
    for kind in ("rain", "pedestrian"):
        rows = city.sensors.filter(pl.col("kind") == kind).sort("sensor_index")
        readings[kind] = synth.simulate(kind, rows, START, 1, seed=0, scenario="normal-week")
    res = simulate_network(city, readings, seed=0, scenario="normal-week", start=START)
    return city, res


def test_receptions_hold_one_small_row_per_reception(small):
    city, res = small
    ids = city.gateways["gateway_id"].to_list()
    rx, tx = res.receptions, res.transmissions
    assert rx.schema == pl.Schema(receptions_schema(ids))
    assert rx.height > 0
    # sorted by transmission then gateway, each pair once
    keys = rx.select("tx_id", pl.col("gateway_id").to_physical())
    assert keys.equals(keys.sort("tx_id", "gateway_id"))
    assert keys.n_unique() == rx.height
    # n_gateways of the truth counts the receptions; only transmissions that went on air
    per = rx.group_by("tx_id").len()
    both = tx.join(per, on="tx_id", how="left").with_columns(pl.col("len").fill_null(0))
    assert (both["n_gateways"].cast(pl.Int64) == both["len"].cast(pl.Int64)).all()
    assert tx.filter(pl.col("tx_id").is_in(per["tx_id"].implode()))["sent_time"].null_count() == 0
    assert rx["rssi_dbm"].dtype == pl.Int16


def test_gateway_log_is_put_together_from_the_tables(small):
    _, res = small
    log = res.gateway_log
    assert log.schema == pl.Schema(RECEPTION_SCHEMA)
    assert log.height == res.receptions.height
    assert log.equals(log.sort("time", "gateway_id", maintain_order=True))
    for c in LOG_OMITTED:
        assert log[c].null_count() == log.height
    # every row: the time and bytes of its transmission, the radio values of its reception
    tx = res.transmissions
    end = tx.select(
        "phy_payload",
        (pl.col("sent_time") + pl.duration(microseconds=(pl.col("airtime_s") * 1e6).round())).alias(
            "time"
        ),
    )
    assert log.join(end, on=["time", "phy_payload"], how="anti").height == 0
    assert sorted(log["rssi_dbm"].to_list()) == sorted(res.receptions["rssi_dbm"].to_list())
    # a gateway's tmst advances with time, modulo 2**32 microseconds
    for _, g in log.group_by("gateway_id"):
        t = g["time"].dt.epoch("us").to_numpy().astype("int64")
        m = g["tmst"].to_numpy().astype("int64")
        assert (((m - t) % 2**32) == (m[0] - t[0]) % 2**32).all()
    # lazy in, lazy out; unsorted gives the same rows
    lazy = reception_rows(res.receptions.lazy(), tx.lazy(), res.clocks.lazy())
    assert isinstance(lazy, pl.LazyFrame) and lazy.collect().equals(log)
    raw = reception_rows(res.receptions, tx, res.clocks, sort=False)
    assert raw.sort("time", "gateway_id", "tmst").equals(log.sort("time", "gateway_id", "tmst"))


def test_gateway_clocks_differ_by_gateway_and_seed():
    ids = [f"gw-{i:03d}" for i in range(20)]
    a, b = gateway_clocks(ids, 0), gateway_clocks(ids, 1)
    assert a["tmst_offset_us"].n_unique() == 20
    assert not a["tmst_offset_us"].equals(b["tmst_offset_us"])
    assert a["gateway_id"].cast(pl.String).to_list() == ids


def test_receptions_table_rounds_like_a_packet_forwarder():
    import numpy as np

    t = receptions_table(
        pair_tx=np.array([0, 0]),
        pair_gw=np.array([1, 0]),
        rssi_dbm=np.array([-100.5, -99.4]),
        snr_db=np.array([-7.25, 3.04]),
        gateway_ids=["a", "b"],
        tx_offset=5,
    )
    assert t.rows() == [(5, "a", -99, 30), (5, "b", -100, -72)]


def test_written_network_reads_back_through_every_reader(small, tmp_path):
    from toyama_lab.network.scan import scan_gateway_log

    city, res = small
    paths = write_network(res, tmp_path)
    ids = city.gateways["gateway_id"].to_list()
    f = paths["receptions"]
    assert pl.read_parquet_schema(f) == pl.Schema(receptions_schema(ids))
    assert pl.read_parquet(f).equals(res.receptions)
    assert pl.read_parquet(paths["gateways"]).equals(res.clocks)
    assert pl.read_parquet(paths["transmissions"]).equals(res.transmissions)
    assert scan_gateway_log(tmp_path).collect().equals(res.gateway_log)
    # the log as a file of receptions: what `toyama-lab decode` reads from other sources
    res.gateway_log.write_parquet(tmp_path / "log.parquet")
    assert read_receptions(tmp_path / "log.parquet").equals(res.gateway_log)


@pytest.mark.parametrize(
    ("sizes", "size", "want"),
    [
        ([3, 2], 2, [2, 2, 1]),
        ([5], 5, [5]),
        ([1, 1, 1, 1], 3, [3, 1]),
        ([0, 4, 0], 2, [2, 2]),
        ([], 2, []),
    ],
)
def test_row_groups_cut_exactly(sizes, size, want):
    start = [0]
    frames = []
    for n in sizes:
        frames.append(pl.DataFrame({"a": list(range(start[0], start[0] + n))}))
        start[0] += n
    got = list(row_groups(frames, size))
    assert [f.height for f in got] == want
    assert [v for f in got for v in f["a"].to_list()] == list(range(sum(sizes)))
    assert all(f.n_chunks() == 1 for f in got)


def test_sink_bytes_do_not_depend_on_the_cut(small, tmp_path, monkeypatch):
    from toyama_lab import store

    _, res = small
    monkeypatch.setitem(store.PARQUET_OPTIONS, "row_group_size", 700)
    log = res.receptions
    schema = dict(log.schema)
    opts = parquet_options("receptions")
    assert opts["row_group_size"] == 700 and opts["compression_level"] == 1
    outs = []
    for step in (log.height, 123, 1000):
        parts = [log.slice(a, step) for a in range(0, log.height, step)]
        p = tmp_path / f"log-{step}.parquet"
        assert sink_frames(parts, p, schema, opts) == log.height
        outs.append(p.read_bytes())
    assert outs[0] == outs[1] == outs[2]
    assert pl.read_parquet(tmp_path / "log-123.parquet").equals(log)


def test_sink_raises_the_producers_error_and_writes_nothing(tmp_path):
    def frames():
        yield pl.DataFrame({"a": [1, 2]})
        raise KeyError("no such block")

    p = tmp_path / "t.parquet"
    opts = {"compression": "zstd", "compression_level": 1, "row_group_size": 10}
    with pytest.raises(KeyError, match="no such block"):
        sink_frames(frames(), p, {"a": pl.Int64}, opts)
    assert not p.exists()
    assert not list(tmp_path.iterdir())


def test_sink_of_no_rows_writes_the_schema(tmp_path):
    p = tmp_path / "empty.parquet"
    opts = {"compression": "zstd", "compression_level": 1, "row_group_size": 10}
    assert sink_frames(iter([]), p, {"a": pl.Int64, "b": pl.String}, opts) == 0
    back = pl.read_parquet(p)
    assert back.height == 0 and back.schema == pl.Schema({"a": pl.Int64, "b": pl.String})
