"""MAC command names for whole columns (a stage of the decoder).

MAC commands are a CID byte followed by a payload whose length depends on the
CID and the direction (LoRaWAN 1.0.4 §5 [1]_), so a buffer can only be split from
left to right. :func:`split_mac_commands` does that for many buffers at once:
step ``i`` reads the ``i``-th command of every buffer that still has one
(numpy over rows; at most 15 steps for FOpts, at most one step per command
of the longest FPort 0 payload). Lengths and names come from the same table as
the single-frame parser, :data:`toyama_lab.lorawan.mac.COMMANDS`, and the
lenient rules are the same as :func:`toyama_lab.lorawan.mac.parse_mac_commands`
with ``lenient=True``: an unknown CID gives ``Unknown`` and ends the buffer,
a command cut short gives ``Truncated``.

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020, §5
   (MAC commands: CIDs, payload lengths per direction).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.lorawan.columnar.columns import sparse_column
from toyama_lab.lorawan.mac import COMMANDS

__all__ = [
    "MAC_NAMES",
    "MAC_NAME_DTYPE",
    "mac_command_column",
    "mac_command_lists",
    "split_mac_commands",
]

_UNKNOWN, _TRUNCATED = "Unknown", "Truncated"


def _tables() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    names = [*sorted({spec.name for spec in COMMANDS.values()}), _UNKNOWN, _TRUNCATED]
    length = np.full((2, 256), -1, dtype=np.int64)  # [uplink, cid] -> payload bytes
    name = np.full((2, 256), names.index(_UNKNOWN), dtype=np.int64)
    for (cid, uplink), spec in COMMANDS.items():
        length[int(uplink), cid] = spec.length
        name[int(uplink), cid] = names.index(spec.name)
    return length, name, tuple(names)


_LENGTH, _NAME, MAC_NAMES = _tables()


def split_mac_commands(
    buffers: np.ndarray, lengths: np.ndarray, uplink: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split many MAC command buffers into commands, all rows in lock-step.

    Parameters
    ----------
    buffers : numpy.ndarray of uint8, shape (n, w)
        Row ``i`` holds its commands in its first ``lengths[i]`` bytes.
    lengths : numpy.ndarray of int
        Buffer lengths [bytes], at most ``w``.
    uplink : numpy.ndarray of bool
        Direction of each frame (True = end-device to network).

    Returns
    -------
    row, name, offset : numpy.ndarray of int64
        One entry per command, sorted by row then position: the buffer row, the
        index of its name in :data:`MAC_NAMES` and the CID's offset in the buffer.
    """
    n, w = buffers.shape
    lengths = np.asarray(lengths, dtype=np.int64)
    up = np.asarray(uplink, dtype=np.int64)
    rows, names, offs = [], [], []
    pos = np.zeros(n, dtype=np.int64)
    active = np.flatnonzero(lengths > 0)
    while len(active):
        p = pos[active]
        cid = buffers[active, np.minimum(p, w - 1)]
        d = up[active]
        size = _LENGTH[d, cid]
        end = p + 1 + size
        unknown = size < 0
        cut = ~unknown & (end > lengths[active])
        name = np.where(cut, MAC_NAMES.index(_TRUNCATED), _NAME[d, cid])
        rows.append(active)
        names.append(name)
        offs.append(p)
        go_on = ~unknown & ~cut & (end < lengths[active])
        pos[active] = end
        active = active[go_on]
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    row = np.concatenate(rows)
    off = np.concatenate(offs)
    order = np.lexsort((off, row))
    return row[order], np.concatenate(names)[order], off[order]


#: dtype of the names: a polars Enum over :data:`MAC_NAMES` (compares with plain strings).
MAC_NAME_DTYPE = pl.Enum(list(MAC_NAMES))
_NAME_SERIES = pl.Series(MAC_NAMES, dtype=MAC_NAME_DTYPE)


def mac_command_lists(n: int, row: np.ndarray, name: np.ndarray, where: np.ndarray) -> pl.Series:
    """``List(MAC_NAME_DTYPE)`` column of length ``n``: the command names of each row.

    Entry ``k`` belongs to output row ``where[row[k]]``; ``row`` must be sorted
    and, within a row, in buffer order (as :func:`split_mac_commands` returns
    it). Output rows without any entry are null.
    """
    if len(row) == 0:
        return sparse_column(n, row, [], pl.List(MAC_NAME_DTYPE))
    names = _NAME_SERIES.gather(name)
    # ``row`` is sorted: flagged so, the group-by takes polars' sorted-key fast path
    entries = pl.DataFrame({"r": pl.Series(row).set_sorted(), "m": names})
    lists = entries.group_by("r", maintain_order=True).agg("m")
    out_rows = np.asarray(where, dtype=np.int64)[lists["r"].to_numpy()]
    return sparse_column(n, out_rows, lists["m"], pl.List(MAC_NAME_DTYPE))


def mac_command_column(
    header: np.ndarray,
    fopts_rows: np.ndarray,
    fopts_len: np.ndarray,
    plain: np.ndarray,
    has_plain: np.ndarray,
    fport: np.ndarray,
    pay_len: np.ndarray,
    direction: np.ndarray,
) -> pl.Series:
    """Column ``mac_commands``: names of the MAC commands in FOpts or an FPort 0 payload.

    Parameters
    ----------
    header : numpy.ndarray of uint8, shape (n, 24)
        The header matrix (FOpts are bytes 8..22).
    fopts_rows : numpy.ndarray of bool
        Frames whose FOpts are read (well-formed data frames with a good MIC).
    fopts_len : numpy.ndarray of int
    plain, has_plain : numpy.ndarray
        Decrypted payloads (:func:`toyama_lab.lorawan.columnar.decrypt.decrypt_payloads`).
    fport, pay_len, direction : numpy.ndarray of int

    Only those rows are touched, all in lock-step; rows without commands are null.
    """
    n = len(fport)
    fo = np.flatnonzero(fopts_rows & (fopts_len > 0))
    p0 = np.flatnonzero(has_plain & (fport == 0) & (pay_len > 0))
    up = direction == 0
    r1, n1, _ = split_mac_commands(header[fo, 8:24], fopts_len[fo], up[fo])
    r2, n2, _ = split_mac_commands(plain[p0], pay_len[p0], up[p0])
    col = mac_command_lists(
        n,
        np.concatenate([r1, r2 + len(fo)]),
        np.concatenate([n1, n2]),
        np.concatenate([fo, p0]),
    )
    return col.alias("mac_commands")
