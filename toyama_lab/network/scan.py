"""Lazy scans of a dataset's network files: questions on a year of receptions in seconds.

A city-year gateway log holds about 1.5 billion receptions, too many for memory. These
functions read ``network/gateway_log.parquet`` and ``network/transmissions.parquet``
(:mod:`toyama_lab.network.write`) with :func:`polars.scan_parquet`, so polars reads only
the columns a query needs and streams them (``engine="streaming"``).

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
        ``"gateway_log"``, ``"transmissions"``, ``"registry"``, ``"keys"`` or ``"params"``.

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


def scan_gateway_log(path: str | os.PathLike[str]) -> pl.LazyFrame:
    """The gateway log of a network as a lazy frame in ``RECEPTION_SCHEMA``.

    Parameters
    ----------
    path : path-like
        A dataset folder (or its ``network/`` folder).

    Returns
    -------
    polars.LazyFrame
        One row per reception, in time order, with the columns and types of
        :data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`
        (:func:`toyama_lab.network.log.reception_rows` of the stored file).
    """
    return reception_rows(pl.scan_parquet(network_file(path, "gateway_log")))


def _jst_day(col: str) -> pl.Expr:
    """Days since 1970-01-01 JST of a UTC time column (integer arithmetic, no calendar)."""
    return (pl.col(col).dt.epoch("us") + _JST_US).floordiv(_DAY_US).alias("day")


def _month(days: pl.Expr) -> pl.Expr:
    """First day of the month of a day number (a Date)."""
    return days.cast(pl.Int32).cast(pl.Date).dt.month_start().alias("month")


def delivery_by_gateway_month(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Each gateway's share of the uplinks sent in each month (JST).

    ``delivery_rate`` = receptions of the gateway in the month (rows of the gateway log,
    by the JST month of their time, the end of the reception) / transmissions that went
    on air that month (rows of the transmission truth with a ``sent_time``, by its JST
    month; retransmissions count as transmissions). A gateway that hears every uplink of
    the city has rate 1; the rates of one month add up to the mean number of gateways
    that heard an uplink. A frame on air across a month's end may be counted as sent in
    one month and heard in the next.

    The gateway log is scanned lazily: only its ``time`` and ``gateway_id`` columns are
    read, grouped by gateway and day with integer arithmetic, and the days are summed
    into months afterwards.

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
    log = pl.scan_parquet(network_file(path, "gateway_log"))
    per_day = (
        log.select(_jst_day("time"), pl.col("gateway_id"))
        .group_by("day", "gateway_id")
        .agg(pl.len().alias("receptions"))
        .collect(engine="streaming")
    )
    per_month = (
        per_day.group_by(_month(pl.col("day")), pl.col("gateway_id").cast(pl.String))
        .agg(pl.col("receptions").sum().cast(pl.UInt64))
        .sort("month", "gateway_id")
    )
    sent = (
        pl.scan_parquet(network_file(path, "transmissions"))
        .select(_jst_day("sent_time"))
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
