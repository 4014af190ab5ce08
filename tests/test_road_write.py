"""The stored gateway log and the one-pass Parquet writer (network/log.py, network/write.py)."""

from __future__ import annotations

import polars as pl
import pytest

from toyama_lab import synth
from toyama_lab.city import build_city
from toyama_lab.lorawan.ingest import RECEPTION_SCHEMA, read_receptions
from toyama_lab.network import simulate_network, write_network
from toyama_lab.network.log import (
    DATA_RATES,
    LOG_OMITTED,
    log_file_schema,
    reception_rows,
    stored_gateway_log,
    stored_log,
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


def test_stored_form_round_trip(small):
    city, res = small
    ids = city.gateways["gateway_id"].to_list()
    assert res.stored_log.schema == pl.Schema(log_file_schema(ids))
    assert res.gateway_log.schema == pl.Schema(RECEPTION_SCHEMA)
    assert res.gateway_log.height == res.stored_log.height > 0
    again = stored_log(res.gateway_log, ids)
    assert again.equals(res.stored_log)
    assert reception_rows(again).equals(res.gateway_log)
    assert reception_rows(again.lazy()).collect().equals(res.gateway_log)
    for c in LOG_OMITTED:
        assert res.gateway_log[c].null_count() == res.gateway_log.height


def test_stored_log_refuses_what_it_cannot_hold(small):
    city, res = small
    ids = city.gateways["gateway_id"].to_list()
    log = res.gateway_log
    with pytest.raises(ValueError, match="ingest_error"):
        stored_log(log.with_columns(pl.lit("bad").alias("ingest_error")), ids)
    with pytest.raises(ValueError, match="stored form"):
        stored_log(log, ["gw-not-in-the-city"])
    with pytest.raises(ValueError, match="stored form"):
        stored_log(log.with_columns(pl.lit("SF7BW200").alias("datr")), ids)


def test_data_rates_cover_every_lora_rate():
    assert len(DATA_RATES) == len(set(DATA_RATES)) == 24
    assert {"SF5BW125", "SF7BW125", "SF12BW125", "SF12BW500"} <= set(DATA_RATES)


def test_stored_gateway_log_refuses_a_bad_bandwidth(small):
    import numpy as np

    city, _ = small
    kw = dict(
        pair_tx=np.array([0]),
        pair_gw=np.array([0]),
        rssi_dbm=np.array([-100.0]),
        snr_db=np.array([3.0]),
        end_s=np.array([1.0]),
        freq_hz=np.array([923_200_000]),
        sf=np.array([7]),
        phy_payload=pl.Series([b"\x40"]),
        gateway_ids=city.gateways["gateway_id"].to_list(),
        start=START,
        seed=0,
    )
    assert stored_gateway_log(bw_hz=125_000, **kw)["datr"].to_list() == ["SF7BW125"]
    with pytest.raises(ValueError, match="bandwidth"):
        stored_gateway_log(bw_hz=200_000, **kw)


def test_written_log_reads_back_through_every_reader(small, tmp_path):
    city, res = small
    paths = write_network(res, tmp_path)
    f = paths["gateway_log"]
    ids = city.gateways["gateway_id"].to_list()
    assert pl.read_parquet_schema(f) == pl.Schema(log_file_schema(ids))
    assert pl.read_parquet(f).equals(res.stored_log)
    # ingest (what `toyama-lab decode` reads) gives the reception log back, value for value
    assert read_receptions(f).equals(res.gateway_log)
    tx = pl.read_parquet(paths["transmissions"])
    assert tx.equals(res.transmissions)


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
    log = res.stored_log
    schema = dict(log.schema)
    opts = parquet_options("gateway_log")
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
