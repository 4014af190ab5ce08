"""The project's compact binary payloads, one per sensor kind of the synthetic city.

Each payload is a fixed sequence of big-endian integers (no type bytes, unlike
Cayenne LPP), so a reading costs 2-11 bytes of airtime. Every codec encodes
and decodes whole columns; the layout of each is in :data:`FIXED_CODECS`,
``layout_table(codec)`` and ``docs/payload-codecs.md``.

The FPort numbers (10-15) are the project's own choice: LoRaWAN leaves FPort
1..223 to the application (LoRaWAN 1.0.4 §4.3.2).

Notes
-----
Resolutions: rainfall in 0.1 mm steps is finer than the 0.5 mm bucket of the
JMA AMeDAS tipping-bucket rain gauges [1]_; river levels in whole centimetres
match the two-decimal metre values MLIT publishes (川の防災情報) [2]_;
latitude/longitude in 1e-7 degree is the unit of the u-blox UBX NAV-PVT
message [3]_.

References
----------
.. [1] Japan Meteorological Agency, AMeDAS observation equipment (転倒ます型雨量計,
   0.5 mm per tip).
.. [2] MLIT, 川の防災情報 (river water-level pages, levels in m to 0.01 m).
.. [3] u-blox, "u-blox 8 / M8 Receiver Description", UBX-NAV-PVT (lat/lon, I4, 1e-7 deg).

Examples
--------
>>> import numpy as np
>>> p = RAIN.encode({"rain_mm": np.array([0.0, 12.3])})
>>> p.to_list()
[b'\\x00\\x00', b'\\x00{']
>>> RAIN.decode(p)["rain_mm"].to_list()
[0.0, 12.3]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from toyama_lab.lorawan.codecs._base import (
    INT_KINDS,
    CodecError,
    Field,
    as_columns,
    pack_int,
    unpack_int,
)
from toyama_lab.lorawan.columnar.columns import (
    as_binary_series,
    binary_from_padded,
    binary_to_flat,
    gather_padded,
)

__all__ = [
    "BICYCLE_PARK",
    "COUNTER",
    "FIXED_CODECS",
    "GPS_TRACKER",
    "PEDESTRIAN",
    "RAIN",
    "RIVER",
    "FixedCodec",
]


@dataclass(frozen=True)
class FixedCodec:
    """A payload made of fixed-size big-endian integer fields.

    Parameters
    ----------
    name : str
        Codec name, also the prefix of decoded columns in ``decode_batch``.
    fport : int
        The FPort this payload is sent on.
    fields : tuple of Field
        The fields in wire order.
    en, ja : str
        What the payload carries.
    """

    name: str
    fport: int
    fields: tuple[Field, ...]
    en: str = ""
    ja: str = ""
    offsets: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        offs, pos = [], 0
        for f in self.fields:
            offs.append(pos)
            pos += f.size
        object.__setattr__(self, "offsets", tuple(offs))

    @property
    def length(self) -> int:
        """Payload length [bytes]."""
        return sum(f.size for f in self.fields)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def encode(self, columns: Mapping[str, Any] | pl.DataFrame) -> pl.Series:
        """Encode readings into payloads.

        Parameters
        ----------
        columns : dict of array-like, or polars.DataFrame
            One column per field (see :attr:`columns`); extra columns are ignored.

        Returns
        -------
        polars.Series
            Binary payloads of :attr:`length` bytes, one per row.

        Raises
        ------
        CodecError
            A missing column, or a value outside the field's range, naming the
            column, the row and the allowed range.
        """
        cols, n = as_columns(columns)
        missing = [f.name for f in self.fields if f.name not in cols]
        if missing:
            raise CodecError(
                f"{self.name} codec: missing column(s) {missing}; expected {list(self.columns)}"
            )
        out = np.zeros((n, self.length), dtype=np.uint8)
        for f, off in zip(self.fields, self.offsets, strict=True):
            raw = f.to_raw(cols[f.name], f"{self.name} codec")
            out[:, off : off + f.size] = pack_int(raw, f.size)
        return binary_from_padded(out, np.full(n, self.length), "payload")

    def decode(self, payloads: pl.Series | list[bytes], *, strict: bool = True) -> pl.DataFrame:
        """Decode payloads into one column per field.

        Parameters
        ----------
        payloads : polars.Series (Binary) or list of bytes
        strict : bool
            Raise :class:`CodecError` on a payload of the wrong length (default);
            with ``False`` such rows get nulls and a message in ``_error``.

        Returns
        -------
        polars.DataFrame
            Columns :attr:`columns` (integers, or float64 for scaled fields),
            plus ``_error`` (str) when ``strict`` is False.
        """
        s = as_binary_series(payloads)
        flat, offsets, is_null = binary_to_flat(s)
        lengths = np.diff(offsets)
        ok = (lengths == self.length) & ~is_null
        if strict and not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            got = "null" if is_null[i] else f"{int(lengths[i])} bytes"
            raise CodecError(
                f"{self.name} codec: payload row {i} is {got}, expected {self.length} bytes "
                f"(FPort {self.fport}); check that the frame was sent on the right port"
            )
        mat = gather_padded(flat, offsets[:-1], np.where(ok, lengths, 0), self.length)
        data = {
            name: pl.Series(name, values).cast(self.decoded_dtypes[name])
            for name, values in self.values(mat).items()
        }
        if ok.all() and strict:
            return pl.DataFrame(data)
        # one pass: null fields where the length is wrong, and the message
        msg = f"{self.name}: expected {self.length} bytes"
        exprs = [pl.when(pl.col("_ok")).then(pl.col(c)).alias(c) for c in data]
        if not strict:
            exprs.append(
                pl.when(pl.col("_ok"))
                .then(None)
                .otherwise(pl.lit(msg))
                .cast(pl.String)
                .alias("_error")
            )
        return pl.DataFrame({**data, "_ok": ok}).select(exprs)

    def values(self, mat: np.ndarray) -> dict[str, np.ndarray]:
        """Physical value of every field of ``(m, length)`` payload bytes, by field name.

        The numpy core of :meth:`decode` (no length checks; integers as int64,
        scaled fields as float64; :attr:`decoded_dtypes` gives the column types).

        Examples
        --------
        >>> RIVER.values(np.array([[0x00, 0x7B]], dtype=np.uint8))
        {'level_cm': array([123])}
        """
        return {
            f.name: f.from_raw(unpack_int(mat[:, off : off + f.size], INT_KINDS[f.kind][1]))
            for f, off in zip(self.fields, self.offsets, strict=True)
        }

    @property
    def decoded_dtypes(self) -> dict[str, pl.DataType]:
        """The polars type of each field's column, by field name."""
        return {f.name: _polars_dtype(f) for f in self.fields}

    def decoded_schema(self) -> dict[str, pl.DataType]:
        """Columns of :meth:`decode_columns`: ``<codec>_<field>`` and their dtypes.

        Examples
        --------
        >>> RAIN.decoded_schema()
        {'rain_rain_mm': Float64}
        """
        return {f"{self.name}_{f.name}": _polars_dtype(f) for f in self.fields}

    def decode_columns(self, payloads: pl.Series) -> pl.DataFrame:
        """Decode for the decoded table: :meth:`decoded_schema` columns plus ``payload_error``.

        Never raises on a bad payload: a payload of the wrong length gets nulls
        and a message in ``payload_error``.
        """
        dec = self.decode(payloads, strict=False)
        return dec.rename(
            {f.name: f"{self.name}_{f.name}" for f in self.fields} | {"_error": "payload_error"}
        )

    def layout_table(self) -> pl.DataFrame:
        """The byte layout: one row per field (offset, size, type, resolution, unit, range)."""
        rows = []
        for f, off in zip(self.fields, self.offsets, strict=True):
            lo, hi = f.physical_range()
            rows.append(
                {
                    "offset": off,
                    "size": f.size,
                    "field": f.name,
                    "type": f"{f.kind} BE",
                    "resolution": f.scale,
                    "unit": f.unit,
                    "min": lo,
                    "max": hi,
                    "description_ja": f.ja,
                    "description_en": f.en,
                }
            )
        return pl.DataFrame(rows)


def _polars_dtype(f: Field) -> pl.DataType:
    if not f.is_integer:
        return pl.Float64
    size, signed = INT_KINDS[f.kind]
    bits = {1: 8, 2: 16, 3: 32, 4: 32}[size]
    return getattr(pl, f"{'Int' if signed else 'UInt'}{bits}")


BICYCLE_PARK = FixedCodec(
    "bicycle_park",
    10,
    (
        Field("count_in", "uint16", 1, "台", "bicycles that entered in the interval", "入庫台数"),
        Field("count_out", "uint16", 1, "台", "bicycles that left in the interval", "出庫台数"),
        Field(
            "occupancy", "uint16", 1, "台", "bicycles parked at the end of the interval", "駐輪台数"
        ),
    ),
    en="bicycle park: in/out counts from reflective photoelectric sensors, and occupancy",
    ja="駐輪場: 反射型光電センサーの入出庫数と駐輪台数",
)

PEDESTRIAN = FixedCodec(
    "pedestrian",
    11,
    (Field("count", "uint16", 1, "人", "people who passed in the interval", "歩行者通行量"),),
    en="pedestrian counter: people passing in the interval",
    ja="歩行者カウンター: 計測間隔内の通行人数",
)

COUNTER = FixedCodec(
    "counter",
    12,
    (
        Field(
            "tickets_issued",
            "uint16",
            1,
            "枚",
            "tickets issued since opening today",
            "本日の発券数",
        ),
        Field("waiting", "uint16", 1, "人", "people waiting (tickets not yet called)", "待ち人数"),
        Field("windows_open", "uint8", 1, "", "staffed windows open", "開いている窓口数"),
    ),
    en="city-hall counter ticket machine: tickets issued, people waiting, windows open",
    ja="市役所窓口の発券機: 発券数・待ち人数・開設窓口数",
)

RAIN = FixedCodec(
    "rain",
    13,
    (Field("rain_mm", "uint16", 0.1, "mm", "rainfall in the interval", "雨量"),),
    en="rain gauge: rainfall in the interval, 0.1 mm resolution",
    ja="雨量計: 計測間隔内の雨量 (0.1 mm 単位)",
)

RIVER = FixedCodec(
    "river",
    14,
    (
        Field(
            "level_cm", "int16", 1, "cm", "water level above the gauge datum", "水位 (零点高基準)"
        ),
    ),
    en="river gauge: water level above the gauge datum [cm]",
    ja="水位計: 零点高からの水位 [cm]",
)

GPS_TRACKER = FixedCodec(
    "gps",
    15,
    (
        Field("lat", "int32", 1e-7, "deg", "latitude (WGS84)", "緯度", valid=(-90.0, 90.0)),
        Field("lon", "int32", 1e-7, "deg", "longitude (WGS84)", "経度", valid=(-180.0, 180.0)),
        Field("battery_pct", "uint8", 1, "%", "battery charge", "電池残量", valid=(0, 100)),
        Field("fix_age_s", "uint16", 1, "s", "age of the position fix", "測位からの経過時間"),
    ),
    en="child-watch GPS tracker: position fix, battery and fix age",
    ja="こども見守り GPS 端末: 位置・電池残量・測位からの経過時間",
)

#: The project's fixed-layout codecs, by name.
FIXED_CODECS: dict[str, FixedCodec] = {
    c.name: c for c in (BICYCLE_PARK, PEDESTRIAN, COUNTER, RAIN, RIVER, GPS_TRACKER)
}
