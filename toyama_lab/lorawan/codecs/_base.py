"""Shared pieces of the payload codecs: fields, integer packing, errors.

All multi-byte integers are big-endian (network byte order), as in Cayenne
LPP and in most LoRaWAN sensor payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

__all__ = ["INT_KINDS", "CodecError", "Field", "as_columns", "pack_int", "unpack_int"]

#: Integer kinds: name -> (bytes, signed).
INT_KINDS: dict[str, tuple[int, bool]] = {
    "uint8": (1, False),
    "int8": (1, True),
    "uint16": (2, False),
    "int16": (2, True),
    "uint24": (3, False),
    "int24": (3, True),
    "uint32": (4, False),
    "int32": (4, True),
}


class CodecError(ValueError):
    """A payload cannot be encoded or decoded (value out of range, wrong length...)."""


def int_range(kind: str) -> tuple[int, int]:
    """Smallest and largest raw integer of ``kind``."""
    size, signed = INT_KINDS[kind]
    if signed:
        return -(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1
    return 0, (1 << (8 * size)) - 1


@dataclass(frozen=True)
class Field:
    """One fixed-size field of a payload.

    Parameters
    ----------
    name : str
        Column name (English, snake_case).
    kind : str
        Integer kind on the wire, a key of :data:`INT_KINDS`.
    scale : float
        Physical value of one raw step [unit]; 1 keeps integers.
    unit : str
        Unit of the physical value ("" for counts).
    en, ja : str
        What the field means, in English and Japanese.
    valid : tuple of float, optional
        Allowed physical range when narrower than the integer range
        (e.g. 0..100 % for a battery level).
    """

    name: str
    kind: str
    scale: float = 1.0
    unit: str = ""
    en: str = ""
    ja: str = ""
    valid: tuple[float, float] | None = None

    @property
    def size(self) -> int:
        """Bytes on the wire."""
        return INT_KINDS[self.kind][0]

    @property
    def is_integer(self) -> bool:
        return self.scale == 1

    def physical_range(self) -> tuple[float, float]:
        lo, hi = int_range(self.kind)
        lo_v, hi_v = lo * self.scale, hi * self.scale
        if self.valid is not None:
            lo_v, hi_v = max(lo_v, self.valid[0]), min(hi_v, self.valid[1])
        return lo_v, hi_v

    def to_raw(self, values: np.ndarray, where: str) -> np.ndarray:
        """Physical values -> raw integers, with range checks (raises :class:`CodecError`)."""
        v = np.asarray(values)
        if v.dtype.kind not in "iubf":
            raise CodecError(f"{where}: column {self.name!r} must be numeric, got dtype {v.dtype}")
        vf = v.astype(np.float64)
        bad = np.flatnonzero(~np.isfinite(vf))
        if len(bad):
            raise CodecError(
                f"{where}: column {self.name!r} row {int(bad[0])} is missing (NaN/null); "
                "every reading must have a value - drop or fill the row first"
            )
        lo, hi = self.physical_range()
        inverse = 1.0 / self.scale
        exact = abs(inverse - round(inverse)) < 1e-9
        raw = vf if self.is_integer else np.rint(vf * round(inverse) if exact else vf / self.scale)
        phys = raw * self.scale
        out = np.flatnonzero((phys < lo - 1e-9) | (phys > hi + 1e-9))
        if len(out):
            i = int(out[0])
            step = "" if self.is_integer else f" in steps of {self.scale:g}"
            raise CodecError(
                f"{where}: column {self.name!r} row {i} = {vf[i]:g} {self.unit}".rstrip()
                + f" is out of range {lo:g}..{hi:g} {self.unit}".rstrip()
                + f" ({self.kind}{step}; {len(out)} bad row(s)); clip or correct the value"
            )
        return raw.astype(np.int64)

    def from_raw(self, raw: np.ndarray) -> np.ndarray:
        """Raw integers -> physical values (dividing by 1/scale, so 272 -> 27.2 exactly)."""
        if self.is_integer:
            return raw
        inverse = 1.0 / self.scale
        if abs(inverse - round(inverse)) < 1e-9:
            return raw / round(inverse)
        return raw * self.scale


def pack_int(raw: np.ndarray, size: int) -> np.ndarray:
    """Raw integers -> ``(n, size)`` big-endian bytes (two's complement for negatives)."""
    r = np.asarray(raw, dtype=np.int64) & ((1 << (8 * size)) - 1)
    shifts = 8 * np.arange(size - 1, -1, -1, dtype=np.int64)
    return ((r[:, None] >> shifts) & 0xFF).astype(np.uint8)


def unpack_int(cols: np.ndarray, signed: bool) -> np.ndarray:
    """``(n, size)`` big-endian bytes -> int64 values."""
    size = cols.shape[1]
    shifts = 8 * np.arange(size - 1, -1, -1, dtype=np.int64)
    v = (cols.astype(np.int64) << shifts).sum(axis=1)
    if signed:
        top = 1 << (8 * size - 1)
        v = np.where(v >= top, v - (1 << (8 * size)), v)
    return v


def as_columns(columns: Mapping[str, Any] | pl.DataFrame) -> tuple[dict[str, np.ndarray], int]:
    """Columns as numpy arrays of one common length."""
    if isinstance(columns, pl.DataFrame):
        cols = {
            c: columns[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
            if columns[c].null_count()
            else columns[c].to_numpy()
            for c in columns.columns
        }
    elif isinstance(columns, Mapping):
        cols = {str(k): np.atleast_1d(np.asarray(v)) for k, v in columns.items()}
    else:
        raise TypeError(
            f"columns must be a dict of arrays or a polars DataFrame, got {type(columns).__name__}"
        )
    lengths = {len(v) for v in cols.values()}
    if len(lengths) > 1:
        raise CodecError(
            f"columns have different lengths {sorted(lengths)}; give one value per payload "
            "in every column"
        )
    return cols, (lengths.pop() if lengths else 0)
