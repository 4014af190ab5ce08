"""Lazy scans of a dataset's network files: questions on a year of receptions in seconds.

A city-year gateway log holds about 1.5 billion receptions, too many for memory. These
functions read ``network/receptions.parquet``, ``transmissions.parquet`` and
``gateways.parquet`` (:mod:`toyama_lab.network.write`) with :func:`polars.scan_parquet`,
so polars reads only the columns a query needs and streams them (``engine="streaming"``).

The example needs a dataset folder with ``network/`` (``toyama-lab generate --network``),
so it is skipped; ``tests/test_network_scan.py`` runs it on a tiny one:

>>> from toyama_lab.network.scan import delivery_by_gateway_month
>>> delivery_by_gateway_month("data/synthetic/normal-week-city-0")  # doctest: +SKIP
shape: (1_320, 5)
┌────────────┬────────────┬────────────┬──────────┬───────────────┐
│ month      ┆ gateway_id ┆ receptions ┆ sent     ┆ delivery_rate │
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from toyama_lab.network.log import JST_OFFSET, reception_rows
from toyama_lab.network.write import FILES, SUBFOLDER

__all__ = ["delivery_by_gateway_month", "network_file", "scan_gateway_log"]

_DAY_US = 86_400_000_000
_JST_US = int(JST_OFFSET.total_seconds()) * 1_000_000


def network_file(path: str | os.PathLike[str], role: str) -> Path:
    """The file of ``role`` (a key of :data:`toyama_lab.network.write.FILES`) of a network.

    Parameters
    ----------
    path : path-like
        A dataset folder (holding ``network/``) or its ``network/`` folder.
    role : str
        A key of :data:`toyama_lab.network.write.FILES`: ``"receptions"``,
        ``"transmissions"``, ``"gateways"``, ``"registry"``, ``"keys"`` or ``"params"``.

    Raises
    ------
    ValueError
        For an unknown role.
    FileNotFoundError
        When the folder has no such file.
    """
    if role not in FILES:
        raise ValueError(f"unknown network file {role!r}; expected one of {sorted(FILES)}")
    root = Path(path)
    for folder in (root / SUBFOLDER, root):
        if (folder / FILES[role]).is_file():
            return folder / FILES[role]
    raise FileNotFoundError(
        f"no {SUBFOLDER}/{FILES[role]} in {str(root)!r}; give a dataset folder made with "
        "`toyama-lab generate --network` (or its network/ folder)."
    )


def scan_gateway_log(path: str | os.PathLike[str], *, sort: bool = True) -> pl.LazyFrame:
    """The gateway log of a network as a lazy frame in ``RECEPTION_SCHEMA``.

    Parameters
    ----------
    path : path-like
        A dataset folder (or its ``network/`` folder).
    sort : bool
        In time order (as a network server receives it); ``False`` keeps the files' order
        (by transmission), cheaper for a query that only filters or aggregates.

    Returns
    -------
    polars.LazyFrame
        One row per reception with the columns and types of
        :data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`
        (:func:`toyama_lab.network.log.reception_rows` of ``receptions.parquet``,
        ``transmissions.parquet`` and ``gateways.parquet``).
    """
    parts = (
        pl.scan_parquet(network_file(path, r)) for r in ("receptions", "transmissions", "gateways")
    )
    return reception_rows(*parts, sort=sort)


def _jst_day(time: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 JST of a UTC time (integer arithmetic, no calendar)."""
    return (time.dt.epoch("us") + _JST_US).floordiv(_DAY_US).alias("day")


def _month(days: pl.Expr) -> pl.Expr:
    """First day of the month of a day number (a Date)."""
    return days.cast(pl.Int32).cast(pl.Date).dt.month_start().alias("month")


def _reception_day(path) -> pl.Series:
    """JST day of the end of each transmission (its receptions' time), indexed by ``tx_id``.

    Raises
    ------
    ValueError
        If the truth's ``tx_id`` is not its row number (a file not written by
        :mod:`toyama_lab.network.write`).
    """
    scan = pl.scan_parquet(network_file(path, "transmissions"))
    # tx_id is the row number: n values from 0, strictly increasing, so 0 .. n - 1
    # (checked on the column alone; no second column of that length is built)
    n, lo, hi, increasing = (
        scan.select(
            pl.len(),
            pl.col("tx_id").min().alias("lo"),
            pl.col("tx_id").max().alias("hi"),
            (pl.col("tx_id").diff() > 0).all().alias("increasing"),
        )
        .collect(engine="streaming")
        .row(0)
    )
    if n and (lo != 0 or hi != n - 1 or not increasing):
        raise ValueError(
            f"{network_file(path, 'transmissions')}: tx_id is not the row number; give the "
            "network/ folder of `toyama-lab generate --network`."
        )
    end = pl.col("sent_time") + pl.duration(
        microseconds=(pl.col("airtime_s") * 1e6).round().cast(pl.Int64)
    )
    days = scan.select(_jst_day(end).cast(pl.Int32)).collect(engine="streaming")
    return days["day"]


def delivery_by_gateway_month(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Each gateway's share of the uplinks sent in each month (JST).

    ``delivery_rate`` = receptions of the gateway in the month (rows of the gateway log,
    by the JST month of their time, the end of the reception) / transmissions that went
    on air that month (rows of the transmission truth with a ``sent_time``, by its JST
    month; retransmissions count as transmissions). A gateway that hears every uplink of
    the city has rate 1; the rates of one month add up to the mean number of gateways
    that heard an uplink. A frame on air across a month's end may be counted as sent in
    one month and heard in the next.

    The receptions are scanned lazily: only their ``tx_id`` and ``gateway_id`` columns are
    read; each reception's day is looked up by ``tx_id`` in one small column of the
    truth's days (a gather, not a join), the receptions counted by gateway and day in
    polars' streaming engine, and the days summed into months afterwards.

    Parameters
    ----------
    path : path-like
        A dataset folder with ``network/`` (or the ``network/`` folder).

    Returns
    -------
    polars.DataFrame
        ``month`` (Date, the first of the month), ``gateway_id`` (String),
        ``receptions`` (UInt64), ``sent`` (UInt64), ``delivery_rate`` (Float64), sorted by
        month and gateway; only gateways that received something that month appear.

    Examples
    --------
    Skipped here (it reads a generated dataset folder; ``tests/test_network_scan.py`` runs
    it on a tiny one):

    >>> rates = delivery_by_gateway_month("data/synthetic/normal-week-tiny-0")  # doctest: +SKIP
    >>> rates.filter(pl.col("gateway_id") == "gw-001")  # doctest: +SKIP
    """
    day_of_tx = _reception_day(path)
    per_day = (
        pl.scan_parquet(network_file(path, "receptions"))
        .select(pl.lit(day_of_tx).gather(pl.col("tx_id")).alias("day"), pl.col("gateway_id"))
        .group_by("day", "gateway_id")
        .agg(pl.len().alias("receptions"))
        .collect(engine="streaming")
    )
    del day_of_tx
    per_month = (
        per_day.group_by(_month(pl.col("day")), pl.col("gateway_id").cast(pl.String))
        .agg(pl.col("receptions").sum().cast(pl.UInt64))
        .sort("month", "gateway_id")
    )
    sent = (
        pl.scan_parquet(network_file(path, "transmissions"))
        .select(_jst_day(pl.col("sent_time")))
        .drop_nulls()
        .group_by("day")
        .agg(pl.len().alias("sent"))
        .collect(engine="streaming")
        .group_by(_month(pl.col("day")))
        .agg(pl.col("sent").sum().cast(pl.UInt64))
    )
    return (
        per_month.join(sent, on="month", how="left")
        .with_columns(pl.col("sent").fill_null(0))
        .with_columns(
            (pl.col("receptions") / pl.col("sent")).alias("delivery_rate"),
        )
        .select("month", "gateway_id", "receptions", "sent", "delivery_rate")
    )
