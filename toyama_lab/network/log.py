"""The two tables of a simulated network: the gateway log and the transmission truth.

* **Gateway log** (:func:`gateway_log`): one row per (frame, gateway) reception in
  :data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`, exactly what the gateways' packet
  forwarders would push to a network server: ``time`` (UTC, end of reception),
  ``gateway_id``, ``freq_hz``, ``sf``, ``bw_hz``, ``datr`` (``SF7BW125``), ``codr``
  (``4/5``), ``rssi_dbm`` (whole dBm) and ``snr_db`` (0.1 dB), as in the ``rxpk``
  object of Semtech's packet forwarder protocol (PROTOCOL.TXT §4: ``rssi`` signed integer,
  1 dB precision; ``lsnr`` 0.1 dB precision; ``tmst`` the gateway's free-running 32-bit
  microsecond counter at the end of reception), ``tmst``, ``phy_payload``; ``source``
  is ``toyama-lab-sim`` and ``ingest_error`` null.
* **Transmission truth** (:data:`TRANSMISSION_SCHEMA`): one row per planned uplink, sent or
  not, with what happened to it: ``delivered`` or exactly one ``loss_reason`` of
  :data:`toyama_lab.network.road.LOSS_REASONS`, a finer ``loss_detail``, and the gateways
  that heard it. ``confirmed`` says whether the frame is confirmed data up; ``attempt``
  is 0 for the first transmission of a frame and k for its k-th retransmission (a row
  of its own, same FCnt and bytes, see :mod:`toyama_lab.network.simulate`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from toyama_lab.lorawan.ingest import RECEPTION_SCHEMA
from toyama_lab.network.road import DETAILS, LOSS_REASONS
from toyama_lab.radio.regional import REGIONAL_REASONS
from toyama_lab.synth import random as rnd

__all__ = [
    "CODING_RATE",
    "DATA_RATES",
    "LOG_OMITTED",
    "SOURCE",
    "TRANSMISSION_SCHEMA",
    "gateway_log",
    "log_file_schema",
    "reception_rows",
    "stored_gateway_log",
    "stored_log",
    "transmission_table",
    "utc_base",
]

#: ``source`` of every simulated reception row.
SOURCE = "toyama-lab-sim"
#: LoRaWAN uplinks use coding rate 4/5 (RP002-1.0.4, AS923 data rates).
CODING_RATE = "4/5"
#: Reception columns the simulated gateways leave null (multi-antenna and concentrator detail).
_UNREPORTED = ("antenna", "channel", "rf_chain")
#: Every LoRa data rate a simulated reception may carry (``datr``): SF5..SF12 at the
#: LoRaWAN bandwidths 125, 250 and 500 kHz (RP002-1.0.4), the fixed categories of
#: ``datr`` in the stored gateway log.
DATA_RATES = tuple(f"SF{k}BW{bw}" for bw in (125, 250, 500) for k in range(5, 13))
#: Columns of ``RECEPTION_SCHEMA`` that the simulated gateways leave null in every row;
#: the stored gateway log omits them and :func:`reception_rows` puts them back.
LOG_OMITTED = ("ingest_error", *_UNREPORTED)
#: Offset of Japan Standard Time from UTC (no daylight saving).
JST_OFFSET = dt.timedelta(hours=9)

#: Columns of the transmission truth table.
TRANSMISSION_SCHEMA: dict[str, pl.DataType] = {
    "tx_id": pl.Int64,
    "device_index": pl.Int32,
    "device_id": pl.String,
    "dev_addr": pl.String,
    "kind": pl.String,
    "sensor_id": pl.String,
    "child_id": pl.String,
    "fport": pl.UInt8,
    "fcnt": pl.UInt32,
    "payload": pl.Binary,
    "phy_payload": pl.Binary,
    "period_start": pl.Datetime("us"),
    "period_end": pl.Datetime("us"),
    "planned_time": pl.Datetime("us", "UTC"),
    "sent_time": pl.Datetime("us", "UTC"),
    "sf": pl.Int8,
    "bw_hz": pl.Int32,
    "freq_hz": pl.Int64,
    "airtime_s": pl.Float64,
    "regional": pl.String,
    "heard_by": pl.List(pl.String),
    "n_gateways": pl.UInt16,
    "delivered": pl.Boolean,
    "loss_reason": pl.Enum(list(LOSS_REASONS)),
    "loss_detail": pl.String,
    "attempt": pl.UInt8,
    "confirmed": pl.Boolean,
}


def utc_base(start) -> np.datetime64:
    """UTC instant of JST midnight of ``start`` as numpy datetime64[us] (naive UTC)."""
    from toyama_lab.synth.calendar import as_date

    day0 = dt.datetime.combine(as_date(start), dt.time()) - JST_OFFSET
    return np.datetime64(day0, "us")


def _utc(base: np.datetime64, seconds: np.ndarray) -> pl.Series:
    us = np.rint(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64)
    return pl.Series(base + us.astype("timedelta64[us]")).dt.replace_time_zone("UTC")


def log_file_schema(gateway_ids) -> dict[str, pl.DataType]:
    """Columns of ``network/gateway_log.parquet``: the gateway log as stored.

    ``RECEPTION_SCHEMA`` less the columns that are null in every simulated row
    (:data:`LOG_OMITTED`), with the text columns as enumerations of fixed categories
    (``gateway_id``: the city's gateways in string order; ``datr``: :data:`DATA_RATES`;
    ``codr`` and ``source``: their one value), which Parquet stores as a dictionary and a
    run-length index instead of the text of every row, and ``freq_hz`` as UInt32 (a
    frequency in Hz below 4.3 GHz). Any reader of the receptions gets the same values
    (:func:`reception_rows`, :func:`toyama_lab.lorawan.ingest.read_receptions`).

    Parameters
    ----------
    gateway_ids : iterable of str
        The city's gateway identifiers (any order).

    Examples
    --------
    >>> s = log_file_schema(["gw-002", "gw-001"])
    >>> s["gateway_id"]
    Enum(categories=['gw-001', 'gw-002'])
    >>> [c for c in RECEPTION_SCHEMA if c not in s]
    ['ingest_error', 'antenna', 'channel', 'rf_chain']
    """
    stored = {
        "gateway_id": pl.Enum(sorted(set(gateway_ids))),
        "freq_hz": pl.UInt32,
        "datr": pl.Enum(list(DATA_RATES)),
        "codr": pl.Enum([CODING_RATE]),
        "source": pl.Enum([SOURCE]),
    }
    return {c: stored.get(c, t) for c, t in RECEPTION_SCHEMA.items() if c not in LOG_OMITTED}


def stored_log(log: pl.DataFrame, gateway_ids) -> pl.DataFrame:
    """A simulated gateway log (``RECEPTION_SCHEMA``) in its stored form (:func:`log_file_schema`).

    Raises
    ------
    ValueError
        If a row has a value the stored form cannot hold without loss: an omitted column
        not null, a gateway not in ``gateway_ids``, another ``datr``, ``codr`` or
        ``source``.
    """
    schema = log_file_schema(gateway_ids)
    filled = [c for c in LOG_OMITTED if c in log.columns and log[c].null_count() != log.height]
    if filled:
        raise ValueError(
            f"gateway log columns {filled} have values; the stored log keeps only simulated "
            f"receptions, whose columns {list(LOG_OMITTED)} are null."
        )
    try:
        return log.select(list(schema)).cast(schema)
    except pl.exceptions.PolarsError as exc:
        raise ValueError(
            f"gateway log does not fit its stored form ({exc}); give the log of a simulated "
            "network and the ids of the city's gateways."
        ) from None


def reception_rows(stored: pl.LazyFrame | pl.DataFrame):
    """The stored gateway log back in ``RECEPTION_SCHEMA`` (lazy in, lazy out).

    The inverse of :func:`stored_log`: the omitted columns come back null and every
    column gets its ``RECEPTION_SCHEMA`` type, so ``reception_rows(stored_log(log, ids))``
    equals ``log``.
    """
    missing = [pl.lit(None, dtype=RECEPTION_SCHEMA[c]).alias(c) for c in LOG_OMITTED]
    return stored.with_columns(missing).select(list(RECEPTION_SCHEMA)).cast(RECEPTION_SCHEMA)


def gateway_log(**arrays) -> pl.DataFrame:
    """Receptions as a gateway log in ``RECEPTION_SCHEMA``, sorted by time and gateway.

    :func:`stored_gateway_log` (same parameters) read back with :func:`reception_rows`.
    """
    return reception_rows(stored_gateway_log(**arrays))


def stored_gateway_log(
    *,
    pair_tx: np.ndarray,
    pair_gw: np.ndarray,
    rssi_dbm: np.ndarray,
    snr_db: np.ndarray,
    end_s: np.ndarray,
    freq_hz: np.ndarray,
    sf: np.ndarray,
    bw_hz: int,
    phy_payload: pl.Series,
    gateway_ids: list[str],
    start,
    seed: int,
) -> pl.DataFrame:
    """Receptions as a gateway log in its stored form, sorted by time and gateway.

    The columns of :func:`log_file_schema` (``RECEPTION_SCHEMA`` less the all-null
    columns; text as enumerations, built from codes without making any text).

    Parameters
    ----------
    pair_tx, pair_gw : numpy.ndarray of int
        Transmission row (into ``end_s``, ``freq_hz``, ``sf``, ``phy_payload``) and gateway
        index of each reception.
    rssi_dbm, snr_db : numpy.ndarray
        Per reception. [dBm], [dB]
    end_s : numpy.ndarray
        End of each transmission, seconds since JST midnight of ``start``. [s]
    freq_hz, sf : numpy.ndarray
        Per transmission.
    bw_hz : int
        Bandwidth. [Hz]
    phy_payload : polars.Series (Binary)
        Frame bytes per transmission.
    gateway_ids : list of str
        ``city.gateways["gateway_id"]`` in index order.
    start : date or str
        First day of the window (JST).
    seed : int
        Seed of the gateways' free-running ``tmst`` counters.

    Returns
    -------
    polars.DataFrame
        :func:`log_file_schema` columns.
    """
    schema = log_file_schema(gateway_ids)
    pair_tx = np.asarray(pair_tx, dtype=np.int64)
    pair_gw = np.asarray(pair_gw, dtype=np.int64)
    n = pair_tx.size
    n_gw = len(gateway_ids)
    t_tx = np.rint(np.asarray(end_s, dtype=np.float64) * 1e6).astype(np.int64)
    # rank of each gateway id in string order: its code in the gateway_id enumeration
    gw_rank = np.empty(n_gw, dtype=np.int64)
    gw_rank[np.argsort(np.asarray(gateway_ids, dtype=object), kind="stable")] = np.arange(n_gw)
    offset = rnd.hash64(seed, "net-tmst", np.arange(n_gw), 0) & np.uint64(0xFFFFFFFF)
    offset_by_rank = np.empty(n_gw, dtype=np.uint64)
    offset_by_rank[gw_rank] = offset
    # sort by (time, gateway_id, tmst), stable, on one integer key: the rank of the
    # gateway id stands for the id, and tmst is a function of both; the sorted key gives
    # back time and rank without gathering them
    bits = max(1, int(n_gw - 1).bit_length())
    t0 = int(min(t_tx.min(), 0)) if t_tx.size else 0  # times before the window (none)
    if t_tx.size and int(t_tx.max()) - t0 >= np.iinfo(np.int64).max >> bits:
        raise ValueError("reception times span more than 2**56 us; give times of one window.")
    key = ((t_tx - t0) << bits)[pair_tx] | gw_rank[pair_gw]
    order = np.argsort(key, kind="stable")
    key = key[order]
    pair_tx = pair_tx[order]
    t_us = (key >> bits) + t0
    rank = key & ((1 << bits) - 1)
    tmst = (offset_by_rank[rank] + t_us.astype(np.uint64)) & np.uint64(0xFFFFFFFF)
    sf_p = np.asarray(sf).astype(np.int8)[pair_tx]
    bw_k = int(bw_hz) // 1000
    if f"SF7BW{bw_k}" not in DATA_RATES:
        raise ValueError(f"bw_hz={bw_hz!r} is not a LoRa bandwidth; expected 125, 250 or 500 kHz.")
    index = {r: i for i, r in enumerate(DATA_RATES)}
    rate_code = np.array([index.get(f"SF{k}BW{bw_k}", 0) for k in range(13)])  # SF5..SF12
    one = np.zeros(n, dtype=np.uint32)
    out = pl.DataFrame(
        {
            "time": pl.Series(utc_base(start) + t_us.astype("timedelta64[us]")),
            "gateway_id": _codes(schema["gateway_id"], rank),
            "freq_hz": np.asarray(freq_hz).astype(np.uint32)[pair_tx],
            "sf": sf_p,
            "bw_hz": np.full(n, int(bw_hz), dtype=np.int32),
            "datr": _codes(schema["datr"], rate_code[sf_p]),
            "codr": _codes(schema["codr"], one),
            "rssi_dbm": np.rint(np.asarray(rssi_dbm)[order]).astype(np.float32),
            "snr_db": (np.rint(np.asarray(snr_db)[order] * 10.0) / 10.0).astype(np.float32),
            "tmst": tmst.astype(np.uint32),
            "phy_payload": phy_payload.gather(pair_tx),
            "source": _codes(schema["source"], one),
        }
    )
    return out.with_columns(pl.col("time").dt.replace_time_zone("UTC"))


def _codes(dtype: pl.Enum, codes: np.ndarray) -> pl.Series:
    """An enumeration column from the index of each value in ``dtype``'s categories."""
    cats = dtype.categories
    return cats.cast(dtype).gather(np.asarray(codes, dtype=np.uint32))


def transmission_table(
    uplinks: pl.DataFrame,
    *,
    registry: pl.DataFrame,
    start,
    fcnt: np.ndarray,
    phy_payload: pl.Series,
    sent_s: np.ndarray,
    sent: np.ndarray,
    sf: np.ndarray,
    freq_hz: np.ndarray,
    airtime_s: np.ndarray,
    regional: np.ndarray,
    loss: np.ndarray,
    detail: np.ndarray,
    pair_tx: np.ndarray,
    pair_gw: np.ndarray,
    gateway_ids: list[str],
    bw_hz: int,
    tx_offset: int = 0,
    attempt: np.ndarray | None = None,
    confirmed: np.ndarray | None = None,
) -> pl.DataFrame:
    """The transmission truth table (:data:`TRANSMISSION_SCHEMA`), one row per uplink.

    ``uplinks`` rows are the transmissions in ``tx_id`` order; the arrays are aligned with
    them (``fcnt`` -1, ``sf`` 0 and ``regional`` -1 where nothing was handed to the radio).
    ``pair_tx`` indexes these rows; ``tx_id`` counts from ``tx_offset`` (the number of
    transmissions of the blocks before, when a long window is written block by block).
    ``attempt`` (default all 0) and ``confirmed`` (default all False) are per row.
    """
    n = uplinks.height
    base = utc_base(start)
    gw_ids = pl.Series(gateway_ids, dtype=pl.String)
    # by (transmission, gateway) on one integer key; the pairs come nearly in transmission
    # order, which the stable sort (timsort) runs through quickly
    pair_tx = np.asarray(pair_tx, dtype=np.int64)
    order = np.argsort(pair_tx * len(gateway_ids) + pair_gw, kind="stable")
    # the keys are sorted: flagged so, polars groups them as runs instead of hashing
    tx_sorted = pl.Series("tx", pair_tx[order] + int(tx_offset)).set_sorted()
    heard = (
        pl.DataFrame({"tx": tx_sorted, "gw": gw_ids.gather(pair_gw[order])})
        .group_by("tx", maintain_order=True)
        .agg(pl.col("gw").alias("heard_by"))
        .with_columns(pl.col("tx").set_sorted())
    )
    handed = fcnt >= 0
    reg_names = pl.Series([*REGIONAL_REASONS, "not_sent"], dtype=pl.String)
    df = uplinks.with_columns(
        pl.int_range(int(tx_offset), int(tx_offset) + n, dtype=pl.Int64).alias("tx_id"),
        pl.Series("fcnt", np.where(handed, fcnt, 0), dtype=pl.UInt32),
        phy_payload.alias("phy_payload"),
        _utc(base, uplinks["planned_s"].to_numpy()).alias("planned_time"),
        _utc(base, sent_s).alias("sent_time"),
        pl.Series("sf", sf.astype(np.int8)),
        pl.Series("bw_hz", np.full(n, int(bw_hz), dtype=np.int32)),
        pl.Series("freq_hz", freq_hz.astype(np.int64)),
        pl.Series("airtime_s", airtime_s.astype(np.float64)),
        reg_names.gather(np.where(regional < 0, len(REGIONAL_REASONS), regional)).alias("regional"),
        pl.Series("delivered", loss == 0),
        pl.Series("loss_reason", np.asarray(LOSS_REASONS)[loss], dtype=pl.Enum(LOSS_REASONS)),
        pl.Series("loss_detail", np.asarray(DETAILS, dtype=object)[detail]),
        pl.Series("attempt", np.zeros(n, np.uint8) if attempt is None else attempt, pl.UInt8),
        pl.Series("confirmed", np.zeros(n, bool) if confirmed is None else confirmed, pl.Boolean),
        pl.Series("_handed", handed),
        pl.Series("_sent", sent),
    )
    df = (
        df.join(heard, left_on="tx_id", right_on="tx", how="left", maintain_order="left")
        .join(
            registry.select("device_index", "device_id", "dev_addr", "sensor_id", "child_id"),
            on="device_index",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.col("heard_by").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.when(pl.col("loss_detail") != "").then(pl.col("loss_detail")).alias("loss_detail"),
        )
        .with_columns(
            pl.col("heard_by").list.len().cast(pl.UInt16).alias("n_gateways"),
            *[
                pl.when(pl.col("_handed")).then(pl.col(c)).alias(c)
                for c in ("fcnt", "phy_payload", "sf", "bw_hz", "freq_hz", "airtime_s")
            ],
            pl.when(pl.col("_sent")).then(pl.col("sent_time")).alias("sent_time"),
        )
    )
    return df.select(list(TRANSMISSION_SCHEMA)).cast(TRANSMISSION_SCHEMA)
