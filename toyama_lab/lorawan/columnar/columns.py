"""Moving byte strings between polars ``Binary`` columns and numpy arrays.

The batch codecs work on whole columns: a ``Binary`` column becomes one flat
``uint8`` buffer plus offsets (or a zero-padded 2-D matrix), the arithmetic
runs in numpy, and the result goes back to a ``Binary`` column. Both
directions run inside polars/numpy; there is no Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import polars as pl

__all__ = [
    "as_binary_series",
    "binary_from_flat",
    "binary_from_padded",
    "binary_from_spans",
    "binary_to_flat",
    "flat_to_padded",
    "gather_blocks",
    "gather_padded",
    "hex_rows",
    "int_array",
    "null_columns",
    "ragged_index",
    "sparse_column",
    "unaligned_u32",
]


def as_binary_series(
    values: pl.Series | Iterable[bytes | None], name: str = "payload"
) -> pl.Series:
    """Return ``values`` as a polars ``Binary`` Series.

    Parameters
    ----------
    values : polars.Series or iterable of bytes
        A Binary Series (returned as is), or bytes-like objects (``None`` for null).
    name : str
        Name of a newly built Series.

    Raises
    ------
    TypeError
        When a Series of another dtype is given.
    """
    if isinstance(values, pl.Series):
        if values.dtype != pl.Binary:
            raise TypeError(
                f"expected a polars Binary Series, got dtype {values.dtype} in column "
                f"{values.name!r}; convert hex text with .str.decode('hex') first"
            )
        return values
    items = [None if v is None else bytes(v) for v in values]
    return pl.Series(name, items, dtype=pl.Binary)


def binary_to_flat(series: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten a Binary column into one byte buffer.

    Parameters
    ----------
    series : polars.Series
        Binary column; nulls are allowed.

    Returns
    -------
    flat : numpy.ndarray of uint8
        All bytes of all rows, one after the other.
    offsets : numpy.ndarray of int64, shape (n + 1,)
        Row ``i`` is ``flat[offsets[i]:offsets[i + 1]]``.
    is_null : numpy.ndarray of bool
        True where the row was null (such a row has length 0).
    """
    series = as_binary_series(series)
    is_null = series.is_null().to_numpy()
    lengths = series.bin.size().fill_null(0).to_numpy().astype(np.int64)
    offsets = np.zeros(len(series) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] == 0:
        return np.zeros(0, dtype=np.uint8), offsets, is_null
    # Empty and null rows explode to a null element; the bytes themselves never are null.
    flat = series.cast(pl.List(pl.UInt8)).explode().drop_nulls().to_numpy()
    return np.ascontiguousarray(flat, dtype=np.uint8), offsets, is_null


def flat_to_padded(flat: np.ndarray, offsets: np.ndarray, width: int | None = None) -> np.ndarray:
    """Spread a flat byte buffer into a zero-padded ``(n, width)`` matrix.

    Rows longer than ``width`` are cut at ``width``.
    """
    lengths = np.diff(offsets)
    n = len(lengths)
    if width is None:
        width = int(lengths.max()) if n else 0
    out = np.zeros((n, width), dtype=np.uint8)
    if n == 0 or width == 0:
        return out
    if int(lengths.max()) <= width:
        out[np.arange(width) < lengths[:, None]] = flat[: offsets[-1]]
        return out
    idx, row = ragged_index(offsets[:-1], np.minimum(lengths, width))
    col = idx - np.repeat(offsets[:-1], np.minimum(lengths, width))
    out[row, col] = flat[idx]
    return out


def ragged_index(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ranges ``starts[i] .. starts[i] + lengths[i]`` and their row numbers.

    Returns
    -------
    index : numpy.ndarray of int64
    row : numpy.ndarray of int64
        The row ``i`` each element of ``index`` belongs to.
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    row = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    if total == 0:
        return np.zeros(0, dtype=np.int64), row
    before = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=before[1:])
    index = np.arange(total, dtype=np.int64) + np.repeat(starts - before, lengths)
    return index, row


def binary_from_flat(
    flat: np.ndarray,
    offsets: np.ndarray,
    name: str = "payload",
    null_mask: np.ndarray | None = None,
) -> pl.Series:
    """Build a Binary column from a flat buffer and offsets (inverse of :func:`binary_to_flat`)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    frame = pl.DataFrame({"o": offsets[:-1], "n": lengths})
    buf = np.ascontiguousarray(flat, dtype=np.uint8).tobytes()
    out = frame.select(
        pl.lit(buf, dtype=pl.Binary).bin.slice(pl.col("o"), pl.col("n")).alias(name)
    ).to_series()
    if null_mask is not None and np.any(null_mask):
        out = pl.select(
            pl.when(pl.Series(null_mask)).then(None).otherwise(out).alias(name)
        ).to_series()
    return out


def binary_from_padded(
    matrix: np.ndarray, lengths: Sequence[int] | np.ndarray | None = None, name: str = "payload"
) -> pl.Series:
    """Binary column from a ``(n, width)`` byte matrix, keeping ``lengths[i]`` bytes of row i.

    Runs in polars: fixed-size array -> list -> binary, then one slice per row.
    """
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    n, width = matrix.shape
    if n == 0:
        return pl.Series(name, [], dtype=pl.Binary)
    if width == 0:
        return pl.Series(name, [b""] * n, dtype=pl.Binary)
    full = pl.Series(name, matrix).cast(pl.List(pl.UInt8)).cast(pl.Binary)
    if lengths is None:
        return full
    lengths = np.asarray(lengths, dtype=np.int64)
    if np.all(lengths == width):
        return full
    return (
        pl.DataFrame({name: full, "_n": lengths})
        .select(pl.col(name).bin.slice(0, pl.col("_n")))
        .to_series()
    )


def binary_from_spans(
    flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray, name: str = "payload"
) -> pl.Series:
    """Build a Binary column whose row ``i`` is ``flat[starts[i]:starts[i] + lengths[i]]``."""
    frame = pl.DataFrame(
        {"o": np.asarray(starts, dtype=np.int64), "n": np.asarray(lengths, dtype=np.int64)}
    )
    buf = np.ascontiguousarray(flat, dtype=np.uint8).tobytes()
    return frame.select(
        pl.lit(buf, dtype=pl.Binary).bin.slice(pl.col("o"), pl.col("n")).alias(name)
    ).to_series()


def gather_padded(
    flat: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    width: int,
    *,
    zero_tail: bool = True,
    padded: bool = False,
) -> np.ndarray:
    """Rows ``flat[starts[i]:starts[i] + min(lengths[i], width)]`` as a zero-padded matrix.

    Parameters
    ----------
    flat : numpy.ndarray of uint8
    starts, lengths : numpy.ndarray of int
    width : int
        Columns of the result [bytes].
    zero_tail : bool
        Set the bytes after ``lengths[i]`` to zero (default). With False they
        hold whatever follows in ``flat`` (cheaper, for callers that never
        read them).
    padded : bool
        ``flat`` already ends with at least ``width`` spare bytes, so every
        window fits without copying ``flat`` first.
    """
    n = len(starts)
    if n == 0 or width == 0:
        return np.zeros((n, width), dtype=np.uint8)
    ext = flat if padded else np.concatenate([flat, np.zeros(width, dtype=np.uint8)])
    # A sliding-window view turns the gather into one row copy per frame.
    windows = np.lib.stride_tricks.sliding_window_view(ext, width)
    out = windows[np.asarray(starts, dtype=np.int64)]
    if zero_tail:
        lengths = np.asarray(lengths).astype(np.int64)
        if lengths.min() < width:
            if width % 8 == 0:
                # AND with one precomputed mask row per length, 8 bytes at a time
                keep = np.clip(lengths, 0, width)
                out.view(np.uint64)[...] &= _tail_masks(width)[keep]
            else:
                out *= np.arange(width, dtype=np.int32) < lengths.astype(np.int32)[:, None]
    return out


#: Bytes of window rows gathered per tile by :func:`gather_blocks` (a tile and its
#: transposed copy stay in the CPU's L2 cache; 256 KiB-1 MiB measured alike).
_TILE_BYTES = 1 << 19


def gather_blocks(
    flat: np.ndarray, starts: np.ndarray, rounds: int, out: np.ndarray | None = None
) -> np.ndarray:
    """The 16-byte blocks of windows of ``flat``, block-major: ``(rounds, n, 16)`` uint8.

    ``out[i, k]`` is ``flat[starts[k] + 16 * i : starts[k] + 16 * i + 16]``: the
    layout of a lock-step CMAC (block ``i`` of every message contiguous). The
    windows are gathered and transposed a tile of rows at a time, so each tile
    is read back from cache, not from memory (100,000 windows of 272 bytes,
    the MIC input of ``bench/decode.py``'s other-encoder frames: 11 ms instead
    of 17 ms for a gather of all rows followed by one transposition). ``flat``
    must hold every window (``IndexError`` otherwise). The loop runs over tiles
    of a few thousand rows, not over rows. ``out`` (optional): a C-contiguous
    ``(rounds, n, 16)`` uint8 array to write into, e.g. all blocks but the first
    of a larger array.

    Examples
    --------
    >>> gather_blocks(np.arange(64, dtype=np.uint8), np.array([0, 3]), 2)[1, :, :3].tolist()
    [[16, 17, 18], [19, 20, 21]]
    """
    starts = np.asarray(starts, dtype=np.int64)
    n, width = len(starts), 16 * rounds
    if out is None:
        out = np.empty((rounds, n, 16), dtype=np.uint8)
    elif out.shape != (rounds, n, 16) or out.dtype != np.uint8 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous ({rounds}, {n}, 16) uint8 array")
    blocks = out.view(np.complex128).reshape(rounds, n)  # one 16-byte block per element
    if n and rounds:
        flat = np.ascontiguousarray(flat, dtype=np.uint8)
        if len(flat) < width:
            raise IndexError(f"windows of {width} bytes do not fit in {len(flat)} bytes")
        windows = np.lib.stride_tricks.sliding_window_view(flat, width)
        tile = max(64, _TILE_BYTES // width)
        for a in range(0, n, tile):
            blocks[:, a : a + tile] = windows[starts[a : a + tile]].view(np.complex128).T
    return out


def unaligned_u32(flat: np.ndarray) -> np.ndarray:
    """Element ``i`` is the little-endian 32-bit word in bytes ``i..i+3`` of ``flat`` (no copy).

    An unaligned strided view: one fancy index then reads a 4-byte field of
    many frames at once (a quarter of the work of four byte gathers).

    Examples
    --------
    >>> unaligned_u32(np.array([1, 2, 0, 0, 0], dtype=np.uint8))[[0, 1]].tolist()
    [513, 2]
    """
    flat = np.ascontiguousarray(flat, dtype=np.uint8)
    count = max(len(flat) - 3, 0)
    return np.ndarray(shape=(count,), dtype="<u4", buffer=flat, strides=(1,))


_TAIL_MASKS: dict[int, np.ndarray] = {}


def _tail_masks(width: int) -> np.ndarray:
    """Row ``k``: ``width`` bytes, the first ``k`` 0xFF and the rest 0, as uint64 words."""
    table = _TAIL_MASKS.get(width)
    if table is None:
        keep = np.arange(width) < np.arange(width + 1)[:, None]
        table = (keep.astype(np.uint8) * 0xFF).view(np.uint64)
        _TAIL_MASKS[width] = table
    return table


def int_array(values: Any, name: str, n: int | None, lo: int, hi: int) -> np.ndarray:
    """``values`` (a sequence, array or polars Series of integers) as int64, checked.

    A scalar is repeated ``n`` times; with ``n`` given the length must be ``n``; every
    value must lie in ``lo..hi``. Errors name ``name``, the first bad row and the range.

    Raises
    ------
    TypeError
        If the values are not integers.
    ValueError
        For a wrong length or a value out of range.

    Examples
    --------
    >>> int_array(7, "fport", 2, 0, 255).tolist()
    [7, 7]
    >>> int_array([1, 300], "fport", 2, 0, 255)
    Traceback (most recent call last):
    ...
    ValueError: fport[1] = 300 is out of range 0..255 (1 bad value(s)); fix the input
    """
    arr = values.to_numpy() if isinstance(values, pl.Series) else np.asarray(values)
    if arr.ndim == 0 and n is not None:
        arr = np.full(n, arr.item())
    if arr.size and arr.dtype.kind not in "iub":  # ([] is float64 to numpy)
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} values, expected {n} (one per row)")
    bad = np.flatnonzero((arr < lo) | (arr > hi))
    if len(bad):
        i = int(bad[0])
        raise ValueError(
            f"{name}[{i}] = {int(arr[i])} is out of range {lo}..{hi} "
            f"({len(bad)} bad value(s)); fix the input"
        )
    return arr


def sparse_column(n: int, rows: np.ndarray, values: Any, dtype: pl.DataType) -> pl.Series:
    """A length-``n`` column of ``dtype``, null except at ``rows`` (cheap when ``rows`` is empty).

    ``values[k]`` goes to row ``rows[k]``: scattered into a column of nulls (a few
    hundred values into 100,000 rows cost a third of a gather of every row), or, for
    nested types that polars cannot scatter (lists, arrays, structs), gathered with
    an index that is null elsewhere.

    Examples
    --------
    >>> sparse_column(3, np.array([1]), [7], pl.UInt8).to_list()
    [None, 7, None]
    >>> sparse_column(3, np.array([2, 0]), [["a"], []], pl.List(pl.String)).to_list()
    [[], None, ['a']]
    """
    if not len(rows):
        return pl.repeat(None, n, dtype=dtype, eager=True)
    vals = values if isinstance(values, pl.Series) else pl.Series(values, dtype=dtype)
    vals = vals.cast(dtype)
    if not dtype.is_nested():
        return pl.repeat(None, n, dtype=dtype, eager=True).scatter(rows, vals)
    pos = np.full(n, -1, dtype=np.int64)
    pos[np.asarray(rows, dtype=np.int64)] = np.arange(len(rows))
    return vals.gather(pl.Series(pos).set(pl.Series(pos < 0), None))


def hex_rows(rows_of_bytes: np.ndarray) -> pl.Series:
    """Upper-case hex text of each row of a ``(n, k)`` byte matrix.

    Examples
    --------
    >>> hex_rows(np.array([[0x26, 0x01, 0x1B, 0xDA]], dtype=np.uint8)).to_list()
    ['26011BDA']
    """
    return binary_from_padded(rows_of_bytes).bin.encode("hex").str.to_uppercase()


def null_columns(n: int, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``n`` rows of typed nulls with the columns of ``schema`` (one broadcast).

    Examples
    --------
    >>> null_columns(2, {"a": pl.UInt8, "b": pl.String}).rows()
    [(None, None), (None, None)]
    """
    return (
        pl.DataFrame({"_": np.zeros(n, dtype=np.bool_)})
        .with_columns(pl.lit(None, dtype=t).alias(c) for c, t in schema.items())
        .drop("_")
    )
