"""The tables of a simulated network: receptions, the transmission truth, the gateway log.

* **Receptions** (:func:`receptions_table`, :func:`receptions_schema`): one row per
  (transmission, gateway) reception, as small as it can be: ``tx_id``, ``gateway_id``,
  ``rssi_dbm`` (whole dBm) and ``snr_db_x10`` (the SNR in 0.1 dB steps, as an integer),
  the precisions of the ``rxpk`` object
  of Semtech's packet forwarder protocol (PROTOCOL.TXT §4: ``rssi`` signed integer, 1 dB;
  ``lsnr`` 0.1 dB).
* **Transmission truth** (:data:`TRANSMISSION_SCHEMA`): one row per planned uplink, sent or
  not, with the frame's bytes and what happened to it: ``delivered`` or exactly one
  ``loss_reason`` of :data:`toyama_lab.network.road.LOSS_REASONS`, a finer
  ``loss_detail``, and ``n_gateways``, how many gateways heard it. ``confirmed`` says
  whether the frame is confirmed data up; ``attempt`` is 0 for the first transmission of a
  frame and k for its k-th retransmission (a row of its own, same FCnt and bytes, see
  :mod:`toyama_lab.network.simulate`).
* **Gateway clocks** (:func:`gateway_clocks`): each gateway's free-running ``tmst``
  counter.
* **Gateway log** (:func:`reception_rows`): the three put together, one row per
  reception in :data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`, exactly what the
  gateways' packet forwarders would push to a network server: ``time`` (UTC, end of
  reception), ``gateway_id``, ``freq_hz``, ``sf``, ``bw_hz``, ``datr`` (``SF7BW125``),
  ``codr`` (``4/5``), ``rssi_dbm``, ``snr_db``, ``tmst`` (the gateway's 32-bit microsecond
  counter at the end of reception), ``phy_payload``; ``source`` is ``toyama-lab-sim`` and
  ``ingest_error`` null.

A frame heard by twenty gateways is stored once, not twenty times: the receptions hold
only what differs from gateway to gateway, so a city-year's 1.5 billion receptions take
about 13 bytes each before compression instead of the 60 or more of full log rows.
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
    "LOG_OMITTED",
    "SOURCE",
    "TRANSMISSION_SCHEMA",
    "gateway_clocks",
    "reception_rows",
    "receptions_schema",
    "receptions_table",
    "transmission_table",
    "utc_base",
]

#: ``source`` of every simulated reception row.
SOURCE = "toyama-lab-sim"
#: LoRaWAN uplinks use coding rate 4/5 (RP002-1.0.4, AS923 data rates).
CODING_RATE = "4/5"
#: Reception columns the simulated gateways leave null (multi-antenna and concentrator detail).
_UNREPORTED = ("antenna", "channel", "rf_chain")
#: Columns of ``RECEPTION_SCHEMA`` that the simulated gateways leave null in every row
#: (:func:`reception_rows` gives them null).
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


def receptions_schema(gateway_ids) -> dict[str, pl.DataType]:
    """Columns of ``network/receptions.parquet``: what each gateway heard of each frame.

    One row per (transmission, gateway) reception, sorted by ``tx_id`` then
    ``gateway_id``: ``tx_id`` (the row of the transmission truth), ``gateway_id`` (an
    enumeration of the city's gateways in string order: Parquet stores a dictionary and a
    run-length index, not the text of every row), ``rssi_dbm`` (whole dBm, Int16) and
    ``snr_db_x10`` (the SNR in 0.1 dB steps: ``snr_db`` times ten, Int16), the
    precisions of Semtech's packet forwarder (PROTOCOL.TXT §4: ``rssi`` signed integer,
    1 dB; ``lsnr`` 0.1 dB). Stored as an integer, the SNR takes about 60 % of the bytes
    a Float32 column of the same values does after compression, and is written in less
    than half the time (docs/benchmarks.md); :func:`reception_rows` gives it back as
    ``snr_db`` in dB.

    Everything else a gateway reports is a property of the transmission (time, frequency,
    data rate, the frame's bytes) or of the gateway (its ``tmst`` counter), so it is
    stored once there, in ``transmissions.parquet`` and ``gateways.parquet``, and
    :func:`reception_rows` puts the full log back together.

    Parameters
    ----------
    gateway_ids : iterable of str
        The city's gateway identifiers (any order).

    Examples
    --------
    >>> s = receptions_schema(["gw-002", "gw-001"])
    >>> list(s)
    ['tx_id', 'gateway_id', 'rssi_dbm', 'snr_db_x10']
    >>> s["gateway_id"]
    Enum(categories=['gw-001', 'gw-002'])
    """
    return {
        "tx_id": pl.Int64,
        "gateway_id": pl.Enum(sorted(set(gateway_ids))),
        "rssi_dbm": pl.Int16,
        "snr_db_x10": pl.Int16,
    }


def gateway_clocks(gateway_ids, seed: int) -> pl.DataFrame:
    """The gateways' free-running ``tmst`` counters: ``gateway_id`` and ``tmst_offset_us``.

    A packet forwarder stamps each reception with ``tmst``, the concentrator's 32-bit
    microsecond counter, which starts at an arbitrary value when the gateway boots and
    wraps every 2**32 us (PROTOCOL.TXT §4). Here each gateway's counter reads
    ``(tmst_offset_us + t) mod 2**32`` at UTC instant ``t`` (microseconds since the Unix
    epoch), the offset drawn from ``seed`` and the gateway's index in ``gateway_ids``.

    Parameters
    ----------
    gateway_ids : list of str
        ``city.gateways["gateway_id"]`` in index order.
    seed : int
        Seed of the network.

    Returns
    -------
    polars.DataFrame
        ``gateway_id`` (the enumeration of :func:`receptions_schema`) and
        ``tmst_offset_us`` (UInt32), in string order of the ids.

    Examples
    --------
    >>> c = gateway_clocks(["gw-002", "gw-001"], seed=0)
    >>> c["gateway_id"].cast(pl.String).to_list()
    ['gw-001', 'gw-002']
    >>> c.equals(gateway_clocks(["gw-002", "gw-001"], seed=0))
    True
    """
    ids = list(gateway_ids)
    offset = rnd.hash64(seed, "net-tmst", np.arange(len(ids)), 0) & np.uint64(0xFFFFFFFF)
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    schema = receptions_schema(ids)
    return pl.DataFrame(
        {
            "gateway_id": pl.Series([ids[i] for i in order], dtype=schema["gateway_id"]),
            "tmst_offset_us": offset[order].astype(np.uint32),
        }
    )


def receptions_table(
    *,
    pair_tx: np.ndarray,
    pair_gw: np.ndarray,
    rssi_dbm: np.ndarray,
    snr_db: np.ndarray,
    gateway_ids: list[str],
    tx_offset: int = 0,
) -> pl.DataFrame:
    """Receptions as stored (:func:`receptions_schema`), sorted by transmission and gateway.

    Parameters
    ----------
    pair_tx, pair_gw : numpy.ndarray of int
        Transmission row (``tx_id - tx_offset``) and gateway index (into
        ``gateway_ids``) of each reception.
    rssi_dbm, snr_db : numpy.ndarray
        Per reception, rounded here to 1 dB and 0.1 dB. [dBm], [dB]
    gateway_ids : list of str
        ``city.gateways["gateway_id"]`` in index order.
    tx_offset : int
        ``tx_id`` of row 0 (the transmissions of the blocks before).

    Examples
    --------
    >>> t = receptions_table(pair_tx=np.array([1, 0, 1]), pair_gw=np.array([0, 1, 1]),
    ...                      rssi_dbm=np.array([-99.6, -80.2, -120.0]),
    ...                      snr_db=np.array([3.14, 9.0, -12.55]), gateway_ids=["gw-b", "gw-a"])
    >>> t.select("tx_id", pl.col("gateway_id").cast(pl.String), "rssi_dbm").rows()
    [(0, 'gw-a', -80), (1, 'gw-a', -120), (1, 'gw-b', -100)]
    """
    schema = receptions_schema(gateway_ids)
    pair_tx = np.asarray(pair_tx, dtype=np.int64)
    n_gw = len(gateway_ids)
    # rank of each gateway id in string order: its code in the gateway_id enumeration
    rank = np.empty(n_gw, dtype=np.int64)
    rank[np.argsort(np.asarray(gateway_ids, dtype=object), kind="stable")] = np.arange(n_gw)
    # sorted by one 64-bit key per reception, (transmission, gateway rank), with numpy's
    # stable sort, which for int64 is timsort: it merges the runs already in order. The
    # road hands the pairs in a few such runs (toyama_lab.network.road.Links orders the
    # candidates so), and the sort is then a few merging passes (docs/benchmarks.md: a
    # city day's receptions sort in 2/5 of the time of a plain sort of a key holding the
    # row number); pairs in any order are sorted all the same, more slowly
    n = pair_tx.size
    n_tx = int(pair_tx.max()) + 1 if n else 0
    gw_bits = max(n_gw - 1, 1).bit_length()
    # (the city's gateways are usually listed in string order already)
    sorted_ids = bool(np.all(rank == np.arange(n_gw)))
    gw = np.asarray(pair_gw) if sorted_ids else rank[np.asarray(pair_gw)]
    if max(n_tx - 1, 1).bit_length() + gw_bits <= 63:
        key = pair_tx << gw_bits  # (a new array: built in place below)
        key |= gw
        order = np.argsort(key, kind="stable")
        key = key[order]
        gw_code = np.empty(n, dtype=np.uint32)
        np.bitwise_and(key, (1 << gw_bits) - 1, out=gw_code, casting="unsafe")
        key >>= gw_bits  # (the transmission, in place)
        tx_id = key
    else:
        order = np.lexsort((gw, pair_tx))
        tx_id, gw_code = pair_tx[order], gw[order]
    del gw
    tx_id += int(tx_offset)
    return pl.DataFrame(
        {
            "tx_id": pl.Series(tx_id).set_sorted(),
            "gateway_id": _codes(schema["gateway_id"], gw_code),
            "rssi_dbm": _rounded_int16(rssi_dbm, order),
            "snr_db_x10": _rounded_int16(snr_db, order, scale=10.0),
        }
    )


def _rounded_int16(values: np.ndarray, order: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``rint(values[order] * scale)`` as Int16, with one temporary array (in place)."""
    x = np.take(np.asarray(values), order)  # (a new array: rounded in place below)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if scale != 1.0:
        x *= scale
    np.rint(x, out=x)
    return x.astype(np.int16)


def reception_rows(receptions, transmissions, clocks, *, sort: bool = True):
    """The gateway log in ``RECEPTION_SCHEMA``, from the stored tables (lazy in, lazy out).

    Each reception takes from its transmission (``tx_id``) the frame's bytes, frequency,
    spreading factor and bandwidth, and its time: the end of the transmission,
    ``sent_time + airtime_s`` (to the microsecond), when the gateway has the whole frame;
    and from its gateway's clock (:func:`gateway_clocks`) ``tmst``. ``datr`` is
    ``SF{sf}BW{bw/1000}``, ``codr`` :data:`CODING_RATE`, ``source`` :data:`SOURCE`; the
    columns the simulated gateways do not report (:data:`LOG_OMITTED`) are null.

    Parameters
    ----------
    receptions, transmissions, clocks : polars.DataFrame or polars.LazyFrame
        :func:`receptions_table` rows, the transmission truth
        (:data:`TRANSMISSION_SCHEMA`; only ``tx_id``, ``sent_time``, ``airtime_s``,
        ``freq_hz``, ``sf``, ``bw_hz`` and ``phy_payload`` are read) and
        :func:`gateway_clocks`. Lazy frames give a lazy result, e.g. over the files of a
        city-year that do not fit in memory.
    sort : bool
        Sort by ``time`` then ``gateway_id`` (ties in ``tx_id`` order), as a network
        server receives the log; ``False`` keeps the stored order (by ``tx_id``), which is
        cheaper when the rows are only aggregated.

    Examples
    --------
    >>> tx = pl.DataFrame({"tx_id": [0], "sent_time": [dt.datetime(2025, 10, 6)],
    ...                    "airtime_s": [0.0566], "freq_hz": [923_200_000], "sf": [7],
    ...                    "bw_hz": [125_000], "phy_payload": [b"\\x40"]},
    ...                   schema_overrides={"sent_time": pl.Datetime("us", "UTC")})
    >>> rx = receptions_table(pair_tx=np.array([0]), pair_gw=np.array([0]),
    ...                       rssi_dbm=np.array([-99.0]), snr_db=np.array([4.0]),
    ...                       gateway_ids=["gw-001"])
    >>> log = reception_rows(rx, tx, gateway_clocks(["gw-001"], seed=0))
    >>> log.select("time", "datr", "rssi_dbm").rows()[0][1:]
    ('SF7BW125', -99.0)
    >>> str(log["time"][0])
    '2025-10-06 00:00:00.056600+00:00'
    """
    lazy = isinstance(receptions, pl.LazyFrame)
    tx = transmissions.lazy().select(
        "tx_id",
        (
            pl.col("sent_time")
            + pl.duration(microseconds=(pl.col("airtime_s") * 1e6).round().cast(pl.Int64))
        ).alias("time"),
        "freq_hz",
        "sf",
        "bw_hz",
        pl.format("SF{}BW{}", pl.col("sf"), pl.col("bw_hz") // 1000).alias("datr"),
        "phy_payload",
    )
    out = (
        receptions.lazy()
        .join(tx, on="tx_id", how="inner", maintain_order="left")
        .join(clocks.lazy(), on="gateway_id", how="left", maintain_order="left")
        .with_columns(
            (
                (pl.col("time").dt.epoch("us") + pl.col("tmst_offset_us").cast(pl.Int64))
                % (1 << 32)
            ).alias("tmst"),
            # tenths of a dB to dB, through Float64: the Float32 nearest to k / 10
            (pl.col("snr_db_x10").cast(pl.Float64) / 10.0).cast(pl.Float32).alias("snr_db"),
            pl.lit(CODING_RATE).alias("codr"),
            pl.lit(SOURCE).alias("source"),
            *[pl.lit(None, dtype=RECEPTION_SCHEMA[c]).alias(c) for c in LOG_OMITTED],
        )
    )
    if sort:
        out = out.sort("time", "gateway_id", maintain_order=True)
    out = out.select(list(RECEPTION_SCHEMA)).cast(RECEPTION_SCHEMA)
    return out if lazy else out.collect()


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
    bw_hz: int,
    tx_offset: int = 0,
    attempt: np.ndarray | None = None,
    confirmed: np.ndarray | None = None,
) -> pl.DataFrame:
    """The transmission truth table (:data:`TRANSMISSION_SCHEMA`), one row per uplink.

    ``uplinks`` rows are the transmissions in ``tx_id`` order; the arrays are aligned with
    them (``fcnt`` -1, ``sf`` 0 and ``regional`` -1 where nothing was handed to the radio).
    ``pair_tx`` holds the row of each reception (``n_gateways`` counts them; which
    gateways heard a transmission is in :func:`receptions_table`); ``tx_id`` counts from
    ``tx_offset`` (the number of
    transmissions of the blocks before, when a long window is written block by block).
    ``attempt`` (default all 0) and ``confirmed`` (default all False) are per row.
    """
    n = uplinks.height
    base = utc_base(start)
    heard = np.bincount(np.asarray(pair_tx, dtype=np.int64), minlength=n)[:n]
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
        _codes(pl.Enum(LOSS_REASONS), loss).alias("loss_reason"),
        pl.Series(DETAILS, dtype=pl.String).gather(detail).alias("loss_detail"),
        pl.Series("attempt", np.zeros(n, np.uint8) if attempt is None else attempt, pl.UInt8),
        pl.Series("confirmed", np.zeros(n, bool) if confirmed is None else confirmed, pl.Boolean),
        pl.Series("_handed", handed),
        pl.Series("_sent", sent),
    )
    df = df.join(
        registry.select("device_index", "device_id", "dev_addr", "sensor_id", "child_id"),
        on="device_index",
        how="left",
        maintain_order="left",
    ).with_columns(
        pl.when(pl.col("loss_detail") != "").then(pl.col("loss_detail")).alias("loss_detail"),
        pl.Series("n_gateways", heard, dtype=pl.UInt16),
        *[
            pl.when(pl.col("_handed")).then(pl.col(c)).alias(c)
            for c in ("fcnt", "phy_payload", "sf", "bw_hz", "freq_hz", "airtime_s")
        ],
        pl.when(pl.col("_sent")).then(pl.col("sent_time")).alias("sent_time"),
    )
    return df.select(list(TRANSMISSION_SCHEMA)).cast(TRANSMISSION_SCHEMA)
