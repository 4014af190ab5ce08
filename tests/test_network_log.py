"""toyama_lab.network.log: the gateway log and the transmission truth."""

from __future__ import annotations

import polars as pl

from toyama_lab.lorawan.ingest import RECEPTION_SCHEMA
from toyama_lab.network import (
    RadioConfig,
)


def test_gateway_log_schema_and_values(tiny):
    city, _, res = tiny
    log = res.gateway_log
    assert log.schema == pl.Schema(RECEPTION_SCHEMA)
    assert log.height > 0
    assert log["ingest_error"].null_count() == log.height
    assert set(log["gateway_id"].unique()) <= set(city.gateways["gateway_id"])
    assert log.select((pl.col("datr") == pl.format("SF{}BW125", "sf")).all()).item()
    assert set(log["freq_hz"].unique()) <= set(RadioConfig().channels_hz)
    assert (log["rssi_dbm"] == log["rssi_dbm"].round(0)).all()
    assert log["time"].is_sorted()
    # JST midnight of START is 15:00 UTC the day before
    first = log["time"].min()
    assert first.year == 2025 and (first.month, first.day, first.hour) == (10, 5, 15)
