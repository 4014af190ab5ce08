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


def test_receptions_table_sorts_by_transmission_then_gateway_with_either_sort():
    import numpy as np

    from toyama_lab.network.log import receptions_table

    gws = ["gw-c", "gw-a", "gw-b"]
    # a key packed with the row number, then transmissions too many for it (argsort)
    for base in (0, 2**31 // 3, 2**61 // 3):
        t = receptions_table(
            pair_tx=np.array([base + 1, base, base + 1, base]),
            pair_gw=np.array([0, 2, 1, 1]),
            rssi_dbm=np.array([-100.4, -90.6, -80.5, -120.0]),
            snr_db=np.array([1.04, -2.06, 3.0, 0.0]),
            gateway_ids=gws,
            tx_offset=5,
        )
        assert t["tx_id"].to_list() == [base + 5] * 2 + [base + 6] * 2
        assert t["gateway_id"].cast(pl.String).to_list() == ["gw-a", "gw-b", "gw-a", "gw-c"]
        assert t["rssi_dbm"].to_list() == [-120, -91, -80, -100]
        assert t["snr_db_x10"].to_list() == [0, -21, 30, 10]
        assert t["tx_id"].flags["SORTED_ASC"]


def test_receptions_table_rounds_float32_and_integer_levels_as_given():
    import numpy as np

    from toyama_lab.network.log import receptions_table

    rng = np.random.default_rng(3)
    pair_tx, pair_gw = rng.integers(0, 50, 400), rng.integers(0, 3, 400)
    order = np.lexsort((np.arange(400), pair_gw, pair_tx))  # by transmission, gateway, row
    for rssi, snr in [
        (rng.normal(-110, 9, 400).astype(np.float32), rng.normal(0, 6, 400).astype(np.float32)),
        (rng.integers(-140, -40, 400), rng.integers(-20, 12, 400)),
    ]:
        t = receptions_table(
            pair_tx=pair_tx,
            pair_gw=pair_gw,
            rssi_dbm=rssi,
            snr_db=snr,
            gateway_ids=["gw-a", "gw-b", "gw-c"],
        )
        # rounded as ``rint(levels[order] * scale)`` in the levels' own dtype
        assert t["rssi_dbm"].to_list() == np.rint(rssi[order]).astype(np.int16).tolist()
        assert t["snr_db_x10"].to_list() == np.rint(snr[order] * 10.0).astype(np.int16).tolist()
        assert t["tx_id"].to_list() == pair_tx[order].tolist()
