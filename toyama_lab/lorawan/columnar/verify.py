"""Stage 3 of decoding: device lookup, 32-bit FCnt and MIC of the data frames.

Frames are sorted by device; the 32-bit FCnt (LoRaWAN 1.0.4 §4.3.1.5 [1]_) is
rebuilt per device from the 16 bits on air with the rule of
:func:`toyama_lab.lorawan.fcnt.reconstruct_fcnt` (the same as the single-frame
:class:`~toyama_lab.lorawan.fcnt.FCntTracker`), counting only frames whose MIC is good: a
forged frame cannot move a device's counter. The MICs (§4.4 [1]_) of all frames are
computed in lock-step (:func:`~toyama_lab.lorawan.columnar.frame_crypto.frame_mic`).

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4.3.1.5 (FCnt),
   §4.4 (MIC, block B0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from toyama_lab.lorawan.columnar.frame_crypto import (
    KeyTable,
    frame_mic,
    radix_key,
    rebuild_fcnt32,
)
from toyama_lab.lorawan.columnar.header import MIC_LEN, Headers
from toyama_lab.lorawan.columnar.status import code
from toyama_lab.lorawan.fcnt import FCntStatus

__all__ = ["Verified", "lookup_devices", "verify_data_frames"]

_ROUNDS = 8  # re-check rounds when dropping forged frames changes a counter


@dataclass(frozen=True)
class Verified:
    """Outcome of the MIC/FCnt stage for ``n`` frames.

    ``order`` lists the checked frames sorted by device (the rows of one key
    are contiguous); ``ok_in_order[k]`` tells whether frame ``order[k]`` has
    a good MIC, and ``b0_in_order[k]`` is the block B0 its MIC was checked with
    (:func:`~toyama_lab.lorawan.columnar.frame_crypto.frame_mic`).
    """

    mic_ok: np.ndarray
    mic_checked: np.ndarray
    fcnt32: np.ndarray  # int64; the 16 bits on air where not checked
    order: np.ndarray
    ok_in_order: np.ndarray
    b0_in_order: np.ndarray  # (len(order), 16) uint8


def lookup_devices(h: Headers, table: KeyTable) -> np.ndarray:
    """Device row (int64) of each frame's DevAddr in ``table``; -1: no session keys."""
    return table.lookup(h.dev_addr)


def _last_seen(table: KeyTable, last_fcnt: Mapping[int, int] | None) -> np.ndarray | None:
    if not last_fcnt:
        return None
    known = {int(k): int(v) for k, v in last_fcnt.items()}
    return np.array([known.get(int(x), -1) for x in table.addrs], dtype=np.int64)


def verify_data_frames(
    h: Headers,
    status: np.ndarray,
    decided: np.ndarray,
    dev: np.ndarray,
    table: KeyTable,
    last_fcnt: Mapping[int, int] | None = None,
) -> Verified:
    """Rebuild the 32-bit FCnt and check the MIC of every data frame still undecided.

    Sets ``status`` in place: ``bad_mic``, ``replay``, ``fcnt_gap`` (``ok`` stays 0).

    Parameters
    ----------
    h : Headers
    status, decided : numpy.ndarray
        From :func:`~toyama_lab.lorawan.columnar.header.structural_status`,
        with unknown devices already marked decided.
    dev : numpy.ndarray of int
        Device row of each frame (:func:`lookup_devices`).
    table : KeyTable
    last_fcnt : mapping of int to int, optional
        Last accepted 32-bit FCnt per DevAddr from before this batch.
    """
    n = h.n
    mic_ok = np.zeros(n, dtype=bool)
    mic_checked = np.zeros(n, dtype=bool)
    fcnt32 = h.fcnt16.copy()
    cand = np.flatnonzero(~decided)
    if not len(cand):
        empty = np.zeros(0, dtype=np.int64)
        no_b0 = np.zeros((0, 16), dtype=np.uint8)
        return Verified(mic_ok, mic_checked, fcnt32, empty, np.zeros(0, dtype=bool), no_b0)
    every = len(cand) == n  # the usual case: no frame set aside
    dev_key = radix_key(dev if every else dev[cand], table.n)
    sort = np.argsort(dev_key, kind="stable")
    order = sort if every else cand[sort]
    c_dev = dev[order]
    c_key = dev_key[sort]
    c_len = h.length[order] - MIC_LEN
    c_start = h.start[order]
    mic_rx32 = h.mic32[order]
    last_seen = _last_seen(table, last_fcnt)
    c_f16 = h.fcnt16[order]
    c_dir = h.direction[order]
    c_addr = h.dev_addr[order]
    n_c = len(order)
    f32 = np.zeros(n_c, dtype=np.int64)
    fst = np.zeros(n_c, dtype=np.int8)
    ok = np.zeros(n_c, dtype=bool)
    active = np.ones(n_c, dtype=bool)
    checked = np.zeros(n_c, dtype=bool)
    b0 = np.zeros((n_c, 16), dtype=np.uint8)

    def pick(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
        # ``rows`` is sorted and unique, so all n_c of them is the identity: no copy
        return a if len(rows) == n_c else a[rows]

    # Each round drops the frames whose MIC failed and re-checks the frames whose
    # counter changed (usually one round, at most a few).
    for _ in range(_ROUNDS):
        idx_act = np.flatnonzero(active)
        new32, new_st = rebuild_fcnt32(pick(c_f16, idx_act), pick(c_key, idx_act), last_seen)
        changed = ~pick(checked, idx_act) | (new32 != pick(f32, idx_act))
        redo = idx_act[changed]
        f32[idx_act] = new32
        fst[idx_act] = new_st
        if len(redo):
            tags, redo_b0 = frame_mic(
                table,
                pick(c_dev, redo),
                h.flat,
                pick(c_start, redo),
                pick(c_len, redo),
                pick(c_dir, redo),
                pick(c_addr, redo),
                pick(f32, redo) & 0xFFFFFFFF,
            )
            # compare the 4 MIC bytes as one 32-bit word per frame
            ok[redo] = tags.view("<u4")[:, 0] == pick(mic_rx32, redo)
            checked[redo] = True
            if len(redo) == n_c:
                b0 = redo_b0  # the usual single round: every row, no copy
            else:
                b0[redo] = redo_b0
        if np.array_equal(active, ok):
            break
        active = ok.copy()
    mic_ok[order] = ok
    mic_checked[order] = True
    fcnt32[order] = f32
    # undecided frames have status ``ok`` (0) so far: only the others are written
    worse = np.flatnonzero(~ok | (fst != FCntStatus.OK))
    if len(worse):
        status[order[worse]] = np.select(
            [~ok[worse], fst[worse] == FCntStatus.GAP_TOO_LARGE],
            [code("bad_mic"), code("fcnt_gap")],
            code("replay"),
        )
    return Verified(mic_ok, mic_checked, fcnt32, order, ok, b0)
