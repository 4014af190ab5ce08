"""Cayenne Low Power Payload (LPP), vectorised over whole columns.

An LPP payload is a sequence of items ``channel (1 byte) | type (1 byte) |
data``; the type fixes the data size and scale (table :data:`LPP_TYPES`:
the myDevices types [1]_ and the extended types of the ElectronicCats
library [2]_).
Values are big-endian; signed types use two's complement.

Two shapes of the same data:

* **long** (:meth:`CayenneLPP.decode_long`): one row per item component:
  ``row, channel, type_id, type, component, value``;
* **wide** (:meth:`CayenneLPP.decode`, :meth:`CayenneLPP.encode`): one row
  per payload, one Float64 column per ``<type>_<channel>`` (multi-axis types:
  ``<type>_<channel>_<component>``, e.g. ``accelerometer_5_x``,
  ``gps_1_lat``). A null value leaves the item out of that payload.

The decoder walks all payloads at once, one item position per step (a loop
over item positions, not over payloads).

References
----------
.. [1] myDevices, "Cayenne Low Power Payload" (LPP) documentation: types 0-3,
   101-104, 113, 115, 134, 136 with their sizes and resolutions.
.. [2] ElectronicCats, "CayenneLPP" Arduino library, ``CayenneLPP.h``
   (extended types 100, 116-118, 120, 121, 125, 128, 130-133, 142).

Examples
--------
>>> import numpy as np
>>> p = CAYENNE.encode({"temperature_3": np.array([27.2]), "humidity_5": np.array([64.5])})
>>> p[0].hex()
'03670110056881'
>>> CAYENNE.decode(p).to_dicts()
[{'temperature_3': 27.2, 'humidity_5': 64.5}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
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
from toyama_lab.lorawan.columnar.arrow_c import binary_buffer
from toyama_lab.lorawan.columnar.columns import (
    as_binary_series,
    binary_from_spans,
)

__all__ = ["CAYENNE", "ITEMS_DTYPE", "ITEM_FIELDS", "LPP_TYPES", "CayenneLPP", "LppType"]


@dataclass(frozen=True)
class LppType:
    """One Cayenne LPP data type.

    Parameters
    ----------
    type_id : int
        The type byte.
    name : str
        Column stem (English, snake_case).
    components : tuple of Field
        The values of the item in wire order (``name`` of a single-value type is
        ``""``; of a multi-axis type ``x``/``y``/``z`` or ``lat``/``lon``/``alt``).
    ja : str
        Japanese name.
    standard : bool
        True for the types of the original myDevices specification, False for
        the extended set.
    """

    type_id: int
    name: str
    components: tuple[Field, ...]
    ja: str
    standard: bool = True

    @property
    def size(self) -> int:
        """Data bytes after the channel and type bytes."""
        return sum(c.size for c in self.components)


def _one(type_id, name, kind, scale, unit, en, ja, *, standard=True, valid=None) -> LppType:
    return LppType(type_id, name, (Field("", kind, scale, unit, en, ja, valid),), ja, standard)


def _three(type_id, name, kinds, scales, units, comps, en, ja) -> LppType:
    fields = tuple(
        Field(c, k, s, u, f"{en} {c}", ja)
        for c, k, s, u in zip(comps, kinds, scales, units, strict=True)
    )
    return LppType(type_id, name, fields, ja, True)


#: All supported LPP types by type byte.
LPP_TYPES: dict[int, LppType] = {
    t.type_id: t
    for t in (
        _one(0, "digital_input", "uint8", 1, "", "digital input", "デジタル入力"),
        _one(1, "digital_output", "uint8", 1, "", "digital output", "デジタル出力"),
        _one(2, "analog_input", "int16", 0.01, "", "analog input", "アナログ入力"),
        _one(3, "analog_output", "int16", 0.01, "", "analog output", "アナログ出力"),
        _one(
            100, "generic_sensor", "uint32", 1, "", "generic sensor", "汎用センサー", standard=False
        ),
        _one(101, "illuminance", "uint16", 1, "lx", "illuminance", "照度"),
        _one(102, "presence", "uint8", 1, "", "presence", "在不在"),
        _one(103, "temperature", "int16", 0.1, "°C", "temperature", "温度"),
        _one(104, "humidity", "uint8", 0.5, "%", "relative humidity", "相対湿度", valid=(0, 100)),
        _three(
            113,
            "accelerometer",
            ("int16",) * 3,
            (0.001,) * 3,
            ("G",) * 3,
            ("x", "y", "z"),
            "acceleration",
            "加速度",
        ),
        _one(115, "barometer", "uint16", 0.1, "hPa", "barometric pressure", "気圧"),
        _one(116, "voltage", "uint16", 0.01, "V", "voltage", "電圧", standard=False),
        _one(117, "current", "uint16", 0.001, "A", "current", "電流", standard=False),
        _one(118, "frequency", "uint32", 1, "Hz", "frequency", "周波数", standard=False),
        _one(
            120,
            "percentage",
            "uint8",
            1,
            "%",
            "percentage",
            "百分率",
            standard=False,
            valid=(0, 100),
        ),
        _one(121, "altitude", "int16", 1, "m", "altitude", "高度", standard=False),
        _one(125, "concentration", "uint16", 1, "ppm", "concentration", "濃度", standard=False),
        _one(128, "power", "uint16", 1, "W", "power", "電力", standard=False),
        _one(130, "distance", "uint32", 0.001, "m", "distance", "距離", standard=False),
        _one(131, "energy", "uint32", 0.001, "kWh", "energy", "電力量", standard=False),
        _one(132, "direction", "uint16", 1, "deg", "direction", "方位", standard=False),
        _one(133, "unixtime", "uint32", 1, "s", "Unix time", "UNIX 時刻", standard=False),
        _three(
            134,
            "gyrometer",
            ("int16",) * 3,
            (0.01,) * 3,
            ("deg/s",) * 3,
            ("x", "y", "z"),
            "angular rate",
            "角速度",
        ),
        _three(
            136,
            "gps",
            ("int24",) * 3,
            (0.0001, 0.0001, 0.01),
            ("deg", "deg", "m"),
            ("lat", "lon", "alt"),
            "GPS",
            "GPS 位置",
        ),
        _one(142, "switch", "uint8", 1, "", "switch", "スイッチ", standard=False),
    )
}
_BY_NAME = {t.name: t for t in LPP_TYPES.values()}
_SIZE = np.full(256, -1, dtype=np.int64)
for _t in LPP_TYPES.values():
    _SIZE[_t.type_id] = _t.size
_COLUMN = re.compile(r"^(?P<type>[a-z_]+?)_(?P<ch>\d{1,3})(?:_(?P<comp>[a-z]+))?$")


#: Fields of one Cayenne item in the decoded table (a multi-axis item gives one per component).
ITEM_FIELDS: dict[str, pl.DataType] = {
    "channel": pl.UInt8,
    "type_id": pl.UInt8,
    "type": pl.String,
    "component": pl.String,
    "value": pl.Float64,
}
#: dtype of the ``cayenne`` column of the decoded table: the items of each payload.
ITEMS_DTYPE = pl.List(pl.Struct(ITEM_FIELDS))

_LONG_SCHEMA = {"row": pl.UInt32, **ITEM_FIELDS}


class _Items:
    """The items found in a column of LPP payloads, in payload order."""

    def __init__(self, n, flat, row, chan, typ, start, err_row, err_msg) -> None:
        self.n, self.flat = n, flat
        order = np.lexsort((start, row))
        self.row, self.chan = row[order], chan[order]
        self.typ, self.start = typ[order], start[order]
        err_order = np.argsort(err_row, kind="stable")
        self.err_row = err_row[err_order]
        self.err_msg = [err_msg[i] for i in err_order]

    def raise_first(self, strict: bool) -> None:
        if strict and len(self.err_row):
            raise CodecError(
                f"cayenne codec: payload row {int(self.err_row[0])}: {self.err_msg[0]}"
            )

    def components(self):
        """Yield (type, item selection, component index, component name, values)."""
        for tid in np.unique(self.typ).tolist():
            t = LPP_TYPES[tid]
            sel = self.typ == tid
            # every item found is whole: its t.size bytes are in ``flat`` (no padding needed)
            data = self.flat[self.start[sel][:, None] + np.arange(t.size)]
            pos = 0
            for i, f in enumerate(t.components):
                raw = unpack_int(data[:, pos : pos + f.size], INT_KINDS[f.kind][1])
                pos += f.size
                yield t, sel, i, f.name, np.asarray(f.from_raw(raw), dtype=np.float64)


def _walk(payloads: pl.Series | list[bytes]) -> _Items:
    """Find every item of every payload: one step per item position, all payloads at once."""
    s = as_binary_series(payloads)
    # every payload's bytes, and 2 zero bytes past the longest: a header read at the
    # last byte of a payload stays in ``ext`` (and is then marked short)
    ext, first, length, _ = binary_buffer(s, after=2)
    pos = first.copy()
    end = first + length
    alive = np.flatnonzero(pos < end)
    rows, chans, types, starts = [], [], [], []
    err_rows: list[np.ndarray] = []
    err_msgs: list[str] = []
    while len(alive):
        p = pos[alive]
        short_hdr = p + 2 > end[alive]
        t = ext[p + 1].astype(np.int64)
        size = _SIZE[t]
        unknown = ~short_hdr & (size < 0)
        truncated = ~short_hdr & ~unknown & (p + 2 + size > end[alive])
        if short_hdr.any():
            err_rows.append(alive[short_hdr])
            err_msgs += ["payload ends inside an item header (channel/type)"] * int(short_hdr.sum())
        if unknown.any():
            err_rows.append(alive[unknown])
            where = p[unknown] - first[alive[unknown]]
            err_msgs += [
                f"unknown LPP type byte {int(v)} at byte {int(q)}"
                for v, q in zip(t[unknown], where, strict=True)
            ]
        if truncated.any():
            err_rows.append(alive[truncated])
            err_msgs += ["payload ends inside an item's data"] * int(truncated.sum())
        good = ~(short_hdr | unknown | truncated)
        g = alive[good]
        rows.append(g)
        chans.append(ext[p[good]])
        types.append(t[good])
        starts.append(p[good] + 2)
        pos[g] = p[good] + 2 + size[good]
        alive = g[pos[g] < end[g]]

    def cat(parts: list[np.ndarray], dtype) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype)

    return _Items(
        len(s),
        ext,
        cat(rows, np.int64),
        cat(chans, np.uint8),
        cat(types, np.int64),
        cat(starts, np.int64),
        cat(err_rows, np.int64),
        err_msgs,
    )


def _long_table(items: _Items) -> pl.DataFrame:
    """One row per item component, in payload order (the long form)."""
    parts = list(items.components())
    if not parts:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    row = np.concatenate([items.row[sel] for _, sel, _, _, _ in parts])
    # Items in payload order; the components of one item in wire order.
    key = np.concatenate([items.start[sel] * 4 + i for _, sel, i, _, _ in parts])
    order = np.lexsort((key, row))
    which = np.repeat(np.arange(len(parts)), [len(v) for *_, v in parts])[order]
    return pl.DataFrame(
        {
            "row": row[order].astype(np.uint32),
            "channel": np.concatenate([items.chan[sel] for _, sel, _, _, _ in parts])[order],
            "type_id": pl.Series([t.type_id for t, *_ in parts], dtype=pl.UInt8).gather(which),
            "type": pl.Series([t.name for t, *_ in parts], dtype=pl.String).gather(which),
            "component": pl.Series([c for *_, c, _ in parts], dtype=pl.String).gather(which),
            "value": np.concatenate([v for *_, v in parts])[order],
        },
        schema=_LONG_SCHEMA,
    )


class CayenneLPP:
    """Cayenne LPP codec (see the module docstring for the column naming)."""

    name = "cayenne"
    fport = 1
    en = "Cayenne Low Power Payload: channel/type/value items"
    ja = "Cayenne LPP: チャネル・型・値の並び"

    # ------------------------------------------------------------------ encode
    def encode(self, columns: Mapping[str, Any] | pl.DataFrame) -> pl.Series:
        """Encode wide columns (``temperature_3``, ``gps_1_lat``...) into payloads.

        Items are written in the order their first column appears. A row whose
        value is null/NaN for an item leaves that item out.

        Raises
        ------
        CodecError
            Unknown column name, missing component of a multi-axis type,
            channel above 255, or a value out of range.
        """
        cols, n = as_columns(columns)
        items: dict[tuple[str, int], dict[str, np.ndarray]] = {}
        for cname, values in cols.items():
            m = _COLUMN.match(cname)
            if not m or m["type"] not in _BY_NAME:
                raise CodecError(
                    f"cayenne codec: column {cname!r} is not '<type>_<channel>' with a known "
                    f"type; known types: {sorted(_BY_NAME)}"
                )
            ch = int(m["ch"])
            if ch > 255:
                raise CodecError(f"cayenne codec: column {cname!r}: channel must be 0..255")
            items.setdefault((m["type"], ch), {})[m["comp"] or ""] = values
        blocks, present = [], []
        for (tname, ch), comps in items.items():
            t = _BY_NAME[tname]
            names = [c.name for c in t.components]
            if sorted(comps) != sorted(names):
                want = [f"{tname}_{ch}" + (f"_{c}" if c else "") for c in names]
                raise CodecError(f"cayenne codec: item {tname} channel {ch} needs columns {want}")
            vals = [np.asarray(comps[c], dtype=np.float64) for c in names]
            here = np.all([np.isfinite(v) for v in vals], axis=0)
            block = np.zeros((n, 2 + t.size), dtype=np.uint8)
            block[:, 0] = ch
            block[:, 1] = t.type_id
            pos = 2
            for f, v in zip(t.components, vals, strict=True):
                label = f"{tname}_{ch}" + (f"_{f.name}" if f.name else "")
                raw = Field(label, f.kind, f.scale, f.unit, valid=f.valid).to_raw(
                    np.where(here, v, 0.0), "cayenne codec"
                )
                block[:, pos : pos + f.size] = pack_int(raw, f.size)
                pos += f.size
            blocks.append(block)
            present.append(np.repeat(here[:, None], block.shape[1], axis=1))
        if not blocks:
            return binary_from_spans(np.zeros(0, np.uint8), np.zeros(n), np.zeros(n), "payload")
        big = np.hstack(blocks)
        mask = np.hstack(present)
        flat = big[mask]
        lengths = mask.sum(axis=1).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        return binary_from_spans(flat, starts, lengths, "payload")

    # ------------------------------------------------------------------ decode
    def decode_long(
        self, payloads: pl.Series | list[bytes], *, strict: bool = True
    ) -> pl.DataFrame:
        """Decode into one row per item component.

        Returns
        -------
        polars.DataFrame
            ``row`` (UInt32, payload index), ``channel`` (UInt8), ``type_id``
            (UInt8), ``type`` (str), ``component`` (str, "" for single values),
            ``value`` (Float64, physical units of :data:`LPP_TYPES`), in payload
            order. With ``strict=False`` a payload that cannot be walked keeps
            the items read before the problem (:meth:`decode` shows the errors).

        Raises
        ------
        CodecError
            Unknown type byte or a payload that ends inside an item (strict).
        """
        items = _walk(payloads)
        items.raise_first(strict)
        return _long_table(items)

    def decoded_schema(self) -> dict[str, pl.DataType]:
        """Columns of :meth:`decode_columns`: one list-of-struct column ``cayenne``.

        The column set never depends on the payloads (unlike the wide form of
        :meth:`decode`, whose columns are the items that occur).
        """
        return {self.name: ITEMS_DTYPE}

    def decode_columns(self, payloads: pl.Series) -> pl.DataFrame:
        """Decode for the decoded table: column ``cayenne`` (items) and ``payload_error``.

        Each payload becomes a list of items ``{channel, type_id, type,
        component, value}`` in payload order (a multi-axis item gives one entry
        per component); an empty payload gives an empty list. A payload that
        cannot be walked keeps the items read before the problem and gets a
        message in ``payload_error``. Never raises on a bad payload.

        Examples
        --------
        >>> p = CAYENNE.encode({"temperature_3": np.array([27.2])})
        >>> CAYENNE.decode_columns(p)["cayenne"].to_list()
        [[{'channel': 3, 'type_id': 103, 'type': 'temperature', 'component': '', 'value': 27.2}]]
        """
        items = _walk(payloads)
        long = _long_table(items)
        n = items.n
        lists = long.group_by("row", maintain_order=True).agg(
            pl.struct(list(ITEM_FIELDS)).alias(self.name)
        )
        # rows without items point at one appended empty list
        pool = pl.concat([lists[self.name], pl.Series([[]], dtype=ITEMS_DTYPE)])
        pos = np.full(n, len(lists), dtype=np.int64)
        pos[lists["row"].to_numpy()] = np.arange(len(lists))
        err = pl.repeat(None, n, dtype=pl.String, eager=True)
        if len(items.err_row):
            msgs = pl.Series([f"cayenne: {m}" for m in items.err_msg], dtype=pl.String)
            err = err.scatter(items.err_row, msgs)
        return pl.DataFrame([pool.gather(pos).alias(self.name), err.alias("payload_error")])

    def decode(self, payloads: pl.Series | list[bytes], *, strict: bool = True) -> pl.DataFrame:
        """Decode into one row per payload and one Float64 column per item (wide form).

        Columns appear in the order their item first appears. When a payload
        repeats a channel/type, the first item wins. With ``strict=False`` rows
        that cannot be walked keep the items read before the problem and get a
        message in ``_error``.
        """
        items = _walk(payloads)
        items.raise_first(strict)
        n = items.n
        columns: list[tuple[int, str, np.ndarray]] = []
        for t, sel, comp_index, comp, values in items.components():
            idx = np.flatnonzero(sel)
            chans = items.chan[idx]
            for ch in np.unique(chans).tolist():
                on = chans == ch
                # Items are in payload order, so np.unique's first index is the first item.
                rows, first = np.unique(items.row[idx[on]], return_index=True)
                col = np.full(n, np.nan)
                col[rows] = values[on][first]
                name = f"{t.name}_{ch}" + (f"_{comp}" if comp else "")
                columns.append((int(idx[on][0]) * 4 + comp_index, name, col))
        columns.sort(key=lambda c: c[0])
        out = pl.DataFrame({name: col for _, name, col in columns}).fill_nan(None)
        if not strict:
            # A payload stops at its first problem, so it has at most one message.
            err = pl.Series("_error", [None] * n, dtype=pl.String)
            if len(items.err_row):
                msgs = pl.Series([f"cayenne: {m}" for m in items.err_msg], dtype=pl.String)
                err = err.scatter(items.err_row, msgs)
            out = out.with_columns(err) if out.width else err.to_frame()
        return out

    def layout_table(self) -> pl.DataFrame:
        """One row per LPP type component: type byte, name, size, type, resolution, unit."""
        rows = []
        for t in LPP_TYPES.values():
            for f in t.components:
                rows.append(
                    {
                        "type_id": t.type_id,
                        "type": t.name,
                        "component": f.name,
                        "item_bytes": 2 + t.size,
                        "size": f.size,
                        "wire_type": f"{f.kind} BE",
                        "resolution": f.scale,
                        "unit": f.unit,
                        "standard": t.standard,
                        "description_ja": t.ja,
                    }
                )
        return pl.DataFrame(rows)


#: The Cayenne LPP codec instance (FPort 1).
CAYENNE = CayenneLPP()
