"""Lazy scans of a written network (toyama_lab.network.scan)."""

from __future__ import annotations

import polars as pl
import pytest

from toyama_lab import synth
from toyama_lab.city import build_city
from toyama_lab.lorawan.ingest import RECEPTION_SCHEMA
from toyama_lab.network import simulate_network, write_network
from toyama_lab.network.scan import delivery_by_gateway_month, network_file, scan_gateway_log

START = "2025-10-31"  # two days across a month's end (JST)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A tiny city's network over 2025-10-31 and 2025-11-01, written to a folder."""
    city = build_city(0, "tiny")
    readings = {}
    for kind in ("rain", "river", "pedestrian"):
        rows = city.sensors.filter(pl.col("kind") == kind).sort("sensor_index")
        readings[kind] = synth.simulate(kind, rows, START, 2, seed=0, scenario="normal-week")
    res = simulate_network(city, readings, seed=0, scenario="normal-week", start=START)
    folder = tmp_path_factory.mktemp("scan")
    write_network(res, folder)
    return folder, res


def test_scan_gives_the_reception_log(written):
    folder, res = written
    lazy = scan_gateway_log(folder)
    assert isinstance(lazy, pl.LazyFrame)
    log = lazy.collect()
    assert log.schema == pl.Schema(RECEPTION_SCHEMA)
    assert log.equals(res.gateway_log)
    # the network/ folder itself is accepted too
    assert scan_gateway_log(folder / "network").select(pl.len()).collect().item() == log.height


def _expected(res) -> pl.DataFrame:
    """The same figures computed eagerly, with calendar months in Asia/Tokyo."""

    def month(col):
        return pl.col(col).dt.convert_time_zone("Asia/Tokyo").dt.date().dt.month_start()

    rx = res.gateway_log.group_by(month("time").alias("month"), "gateway_id").agg(
        pl.len().cast(pl.UInt64).alias("receptions")
    )
    sent = (
        res.transmissions.filter(pl.col("sent_time").is_not_null())
        .group_by(month("sent_time").alias("month"))
        .agg(pl.len().cast(pl.UInt64).alias("sent"))
    )
    return (
        rx.join(sent, on="month", how="left")
        .with_columns((pl.col("receptions") / pl.col("sent")).alias("delivery_rate"))
        .sort("month", "gateway_id")
    )


def test_delivery_by_gateway_month(written):
    folder, res = written
    got = delivery_by_gateway_month(folder)
    assert got.columns == ["month", "gateway_id", "receptions", "sent", "delivery_rate"]
    assert got["month"].unique().sort().cast(pl.String).to_list() == ["2025-10-01", "2025-11-01"]
    want = _expected(res).select(got.columns)
    assert got.equals(want)
    assert int(got["receptions"].sum()) == res.gateway_log.height
    assert ((got["delivery_rate"] > 0) & (got["delivery_rate"] <= 1)).all()


def test_network_file_errors(written, tmp_path):
    folder, _ = written
    assert network_file(folder, "transmissions").name == "transmissions.parquet"
    with pytest.raises(ValueError, match="unknown network file"):
        network_file(folder, "log")
    with pytest.raises(FileNotFoundError, match="generate --network"):
        network_file(tmp_path, "receptions")


@pytest.mark.parametrize(
    "renumber",
    [
        pl.col("tx_id") + 1,  # not from 0
        pl.col("tx_id").reverse(),  # not in row order
        pl.when(pl.col("tx_id") == 1).then(0).otherwise(pl.col("tx_id")),  # a repeat
    ],
    ids=["shifted", "reversed", "repeated"],
)
def test_delivery_refuses_a_truth_whose_tx_id_is_not_the_row(written, tmp_path, renumber):
    import shutil

    folder, _ = written
    copy = tmp_path / "network"
    shutil.copytree(folder / "network", copy)
    tx = pl.read_parquet(copy / "transmissions.parquet")
    tx.with_columns(renumber.alias("tx_id")).write_parquet(copy / "transmissions.parquet")
    with pytest.raises(ValueError, match="tx_id is not the row number"):
        delivery_by_gateway_month(copy)
