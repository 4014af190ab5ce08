"""Payload codecs and the FPort registry.

A codec turns sensor readings (columns) into FRMPayload bytes and back, on
whole columns at once. Every codec has ``name``, ``fport``, ``encode(columns)
-> polars Binary Series``, ``decode(payloads, strict=True) -> polars.DataFrame``
and ``layout_table() -> polars.DataFrame`` (the byte layout, also in
``docs/payload-codecs.md``).

FPort registry (:data:`REGISTRY`)
---------------------------------
======  ================  ==========================================
FPort   codec             payload
======  ================  ==========================================
1       ``cayenne``       Cayenne LPP items (any sensor)
10      ``bicycle_park``  bicycle park in/out counts and occupancy
11      ``pedestrian``    pedestrian count
12      ``counter``       city-hall counter: tickets, waiting, windows
13      ``rain``          rainfall, 0.1 mm
14      ``river``         river level above datum, cm
15      ``gps``           child-watch GPS fix, battery, fix age
======  ================  ==========================================

A device may name its own codec instead (``codec`` in its key-store entry,
:class:`~toyama_lab.lorawan.keys.SessionKeys`), as ChirpStack binds a codec to
a device profile and The Things Stack to an end device or application; the
FPort registry is the default. :func:`decode_by_fport` gives the old wide
table (one column per Cayenne item that occurs); the decoder uses
``decode_columns`` of each codec, whose columns never depend on the bytes.

FPort 0 carries MAC commands and 224-255 are reserved (LoRaWAN 1.0.4
§4.3.2); the ports above are the project's own choice in 1..223.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import polars as pl

from toyama_lab.lorawan.codecs._base import CodecError, Field
from toyama_lab.lorawan.codecs.cayenne import CAYENNE, LPP_TYPES, CayenneLPP
from toyama_lab.lorawan.codecs.toyama import (
    BICYCLE_PARK,
    COUNTER,
    FIXED_CODECS,
    GPS_TRACKER,
    PEDESTRIAN,
    RAIN,
    RIVER,
    FixedCodec,
)

__all__ = [
    "BICYCLE_PARK",
    "CAYENNE",
    "CODEC_NAMES",
    "COUNTER",
    "FIXED_CODECS",
    "GPS_TRACKER",
    "LPP_TYPES",
    "PEDESTRIAN",
    "RAIN",
    "REGISTRY",
    "RIVER",
    "CayenneLPP",
    "Codec",
    "CodecError",
    "Field",
    "FixedCodec",
    "codec_for_fport",
    "decode_by_fport",
    "get_codec",
    "layout_table",
    "registry_table",
]


@runtime_checkable
class Codec(Protocol):
    """What every payload codec provides."""

    name: str
    fport: int

    def encode(self, columns) -> pl.Series: ...

    def decode(self, payloads, *, strict: bool = True) -> pl.DataFrame: ...

    def layout_table(self) -> pl.DataFrame: ...

    def decoded_schema(self) -> dict[str, pl.DataType]: ...

    def decode_columns(self, payloads: pl.Series) -> pl.DataFrame: ...


#: Codec by FPort (the default choice when a device names no codec of its own).
REGISTRY: dict[int, Codec] = {
    c.fport: c for c in (CAYENNE, BICYCLE_PARK, PEDESTRIAN, COUNTER, RAIN, RIVER, GPS_TRACKER)
}

#: Names of the codecs a device profile may name (``SessionKeys.codec``), in registry order.
CODEC_NAMES: tuple[str, ...] = tuple(c.name for c in REGISTRY.values())


def codec_for_fport(fport: int) -> Codec | None:
    """The codec registered for ``fport``, or None."""
    return REGISTRY.get(int(fport))


def get_codec(name: str) -> Codec:
    """The codec called ``name`` (e.g. ``"rain"``).

    Raises
    ------
    KeyError
        Naming the known codecs.
    """
    for c in REGISTRY.values():
        if c.name == name:
            return c
    known = sorted(c.name for c in REGISTRY.values())
    raise KeyError(f"no payload codec named {name!r}; known codecs: {known}")


def layout_table(codec: Codec | str) -> pl.DataFrame:
    """The byte layout of a codec (by object or name) as a DataFrame, for the book."""
    return (get_codec(codec) if isinstance(codec, str) else codec).layout_table()


def registry_table() -> pl.DataFrame:
    """FPort, codec name, payload length and description of every registered codec."""
    return pl.DataFrame(
        {
            "fport": [c.fport for c in REGISTRY.values()],
            "codec": [c.name for c in REGISTRY.values()],
            "bytes": [getattr(c, "length", None) for c in REGISTRY.values()],
            "description_ja": [getattr(c, "ja", "") for c in REGISTRY.values()],
            "description_en": [getattr(c, "en", "") for c in REGISTRY.values()],
        },
        schema={
            "fport": pl.UInt8,
            "codec": pl.String,
            "bytes": pl.Int32,
            "description_ja": pl.String,
            "description_en": pl.String,
        },
    )


def decode_by_fport(
    fport: pl.Series | np.ndarray, payloads: pl.Series, registry: dict[int, Codec] | None = None
) -> pl.DataFrame:
    """Decode each payload with the codec of its FPort, into prefixed columns.

    Parameters
    ----------
    fport : polars.Series or numpy.ndarray
        FPort per row (null = no port).
    payloads : polars.Series
        Decrypted FRMPayloads (Binary, null = not available).
    registry : dict, optional
        Codec by FPort; default :data:`REGISTRY`.

    Returns
    -------
    polars.DataFrame
        One row per input row; columns ``<codec>_<field>`` for every codec that
        occurs, null elsewhere, and ``payload_error`` (str): why a payload on a
        registered port could not be decoded, null otherwise.
    """
    registry = REGISTRY if registry is None else registry
    n = len(payloads)
    ports = pl.Series(fport).cast(pl.Int64).fill_null(-1).to_numpy()
    has = ~payloads.is_null().to_numpy()
    parts = []
    for port, codec in registry.items():
        idx = np.flatnonzero((ports == port) & has)
        if not len(idx):
            continue
        dec = codec.decode(payloads.gather(idx), strict=False)
        err = dec["_error"] if "_error" in dec.columns else None
        dec = dec.drop("_error", strict=False)
        dec = dec.rename({c: f"{codec.name}_{c}" for c in dec.columns})
        cols = [pl.Series("_row", idx.astype(np.int64))]
        if err is not None:
            cols.append(err.alias("payload_error"))
        parts.append(dec.with_columns(cols))
    if not parts:
        return pl.DataFrame({"payload_error": pl.Series([None] * n, dtype=pl.String)})
    merged = pl.concat(parts, how="diagonal_relaxed")
    if "payload_error" not in merged.columns:
        merged = merged.with_columns(pl.lit(None, dtype=pl.String).alias("payload_error"))
    out = (
        pl.DataFrame({"_row": np.arange(n, dtype=np.int64)})
        .join(merged, on="_row", how="left")
        .sort("_row")
        .drop("_row")
    )
    return out.select(pl.exclude("payload_error"), pl.col("payload_error"))
