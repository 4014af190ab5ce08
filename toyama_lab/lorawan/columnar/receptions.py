"""Stage 1 of decoding: check the reception table and collapse repeated receptions.

A frame heard by three gateways arrives as three rows with the same
PHYPayload. :func:`collapse` keeps one row per distinct PHYPayload, in order of
first reception, with the reception metadata of the group: ``n_receptions``,
``gateways`` (distinct gateway ids in order), the best ``rssi_dbm`` and
``snr_db``, the first ``time`` and the radio settings of the first reception.
Rows without bytes (null or empty ``phy_payload``) are never collapsed: each
stays a row of its own.

The result always has the same columns (:data:`COLLAPSED_SCHEMA`), whichever
optional columns of :data:`~toyama_lab.lorawan.ingest.RECEPTION_SCHEMA` the
input had: missing ones are typed nulls.
"""

from __future__ import annotations

import polars as pl

from toyama_lab.lorawan._ingest_base import RECEPTION_SCHEMA

__all__ = ["COLLAPSED_SCHEMA", "check_receptions", "collapse"]

#: Reception columns copied from the first reception of a group.
_FIRST_OF_GROUP = ("freq_hz", "sf", "bw_hz", "datr", "codr", "source", "ingest_error")

#: Columns of the collapsed table after ``phy_payload`` (and the row number ``_first``).
COLLAPSED_SCHEMA: dict[str, pl.DataType] = {
    "n_receptions": pl.UInt32,
    "gateways": pl.List(pl.String),
    "rssi_dbm": RECEPTION_SCHEMA["rssi_dbm"],
    "snr_db": RECEPTION_SCHEMA["snr_db"],
    "time": RECEPTION_SCHEMA["time"],
    **{c: RECEPTION_SCHEMA[c] for c in _FIRST_OF_GROUP},
}

_INPUT = ("gateway_id", "rssi_dbm", "snr_db", "time", *_FIRST_OF_GROUP)


def check_receptions(receptions: pl.DataFrame) -> pl.DataFrame:
    """Validate the reception table; return ``phy_payload`` and the used columns, typed.

    Columns of :data:`~toyama_lab.lorawan.ingest.RECEPTION_SCHEMA` that are
    missing become typed nulls; present ones are cast to their schema type.

    Raises
    ------
    TypeError
        Not a polars DataFrame; ``phy_payload`` not Binary; a metadata column
        that cannot be cast to its schema type.
    ValueError
        No ``phy_payload`` column.
    """
    if not isinstance(receptions, pl.DataFrame):
        raise TypeError(
            f"receptions must be a polars DataFrame, got {type(receptions).__name__}; "
            "build one with toyama_lab.lorawan.ingest.read_receptions(...)"
        )
    if "phy_payload" not in receptions.columns:
        raise ValueError(
            "receptions has no 'phy_payload' column (columns: "
            f"{receptions.columns}); expected the raw LoRaWAN PHYPayload bytes as Binary"
        )
    if receptions.schema["phy_payload"] != pl.Binary:
        raise TypeError(
            f"column 'phy_payload' must be Binary, got {receptions.schema['phy_payload']}; "
            "decode hex text first with pl.col('phy_payload').str.decode('hex')"
        )
    have = receptions.schema
    exprs = [pl.col("phy_payload")]
    for c in _INPUT:
        want = RECEPTION_SCHEMA[c]
        if c not in have:
            exprs.append(pl.lit(None, dtype=want).alias(c))
        elif have[c] == want:
            exprs.append(pl.col(c))
        else:
            exprs.append(pl.col(c).cast(want))
    try:
        return receptions.select(exprs)
    except pl.exceptions.PolarsError as exc:
        wrong = {c: str(have[c]) for c in _INPUT if c in have and have[c] != RECEPTION_SCHEMA[c]}
        raise TypeError(
            f"reception columns {wrong} cannot be cast to their types in "
            f"toyama_lab.lorawan.ingest.RECEPTION_SCHEMA ({exc}); convert them first"
        ) from None


def _single_receptions(rx: pl.DataFrame) -> pl.DataFrame:
    """What :func:`collapse` returns when every reception is a different frame."""
    return rx.select(
        pl.col("phy_payload"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_first"),
        pl.lit(1, dtype=pl.UInt32).alias("n_receptions"),
        pl.when(pl.col("gateway_id").is_null())
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.concat_list(pl.col("gateway_id")))
        .alias("gateways"),
        *[pl.col(c) for c in ("rssi_dbm", "snr_db", "time", *_FIRST_OF_GROUP)],
    )


def collapse(rx: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct PHYPayload, in order of first reception.

    Parameters
    ----------
    rx : polars.DataFrame
        Output of :func:`check_receptions`.

    Returns
    -------
    polars.DataFrame
        ``phy_payload``, ``_first`` (row of the first reception, UInt32) and the
        columns of :data:`COLLAPSED_SCHEMA`.

    Examples
    --------
    >>> rx = check_receptions(pl.DataFrame({"phy_payload": [b"a", b"b", b"a"]}))
    >>> collapse(rx).select("phy_payload", "n_receptions").rows()
    [(b'a', 2), (b'b', 1)]
    """
    phy = rx["phy_payload"]
    if phy.null_count() == 0 and phy.n_unique() == len(phy):
        return _single_receptions(rx)
    df = rx.with_row_index("_rx")
    # a row without bytes (null or empty) is no frame: never a duplicate of another
    no_frame = pl.col("phy_payload").is_null() | (pl.col("phy_payload").bin.size() == 0)
    null_key = pl.when(no_frame).then(pl.col("_rx")).otherwise(-1)
    aggs: list[pl.Expr] = [
        pl.col("_rx").first().cast(pl.UInt32).alias("_first"),
        pl.len().cast(pl.UInt32).alias("n_receptions"),
        pl.col("gateway_id").drop_nulls().unique(maintain_order=True).alias("gateways"),
        pl.col("rssi_dbm").max(),
        pl.col("snr_db").max(),
        pl.col("time").min(),
        *[pl.col(c).first() for c in _FIRST_OF_GROUP],
    ]
    return (
        df.group_by([pl.col("phy_payload"), null_key.alias("_nullkey")], maintain_order=True)
        .agg(aggs)
        .sort("_first")
        .drop("_nullkey")
    )
