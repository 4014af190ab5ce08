"""Frame counters: 32-bit reconstruction from the 16-bit FCnt, replay and regression checks.

A LoRaWAN 1.0.x frame carries only the 16 least significant bits of the
32-bit frame counter (LoRaWAN 1.0.4 §4.3.1.5 [2]_). The receiver rebuilds the
full value from the last counter it accepted for the device: it takes the
smallest 32-bit value **above** the last one whose low 16 bits match, and
accepts it only if it is at most :data:`MAX_FCNT_GAP` ahead (the constant of
LoRaWAN 1.0.2 [1]_). A counter equal to the last accepted one is a *replay*;
one just below it is a *regression* (an old frame played again, or a device
that restarted its counter with the same session keys, which 1.0.x forbids).

Two interfaces share one rule:

- :class:`FCntTracker`, a small stateful object for the single-frame API;
- :func:`reconstruct_fcnt`, a pure whole-array function for batch decoding.

References
----------
.. [1] LoRa Alliance, "LoRaWAN Specification v1.0.2", 2016, §4.3.1.5 and §7
   (constant ``MAX_FCNT_GAP = 16384``).
.. [2] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020,
   §4.3.1.5: counters are never reused with the same session keys; 1.0.4
   dropped the normative MAX_FCNT_GAP, which this module keeps as the
   network-side acceptance window for all 1.0.x devices.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = [
    "FCNT16_MOD",
    "FCNT32_MAX",
    "MAX_FCNT_GAP",
    "FCntStatus",
    "FCntTracker",
    "last_seen_after",
    "reconstruct_fcnt",
]

#: Largest accepted jump of the frame counter between two accepted frames
#: (LoRaWAN 1.0.2 §4.3.1.5, §7 "MAX_FCNT_GAP").
MAX_FCNT_GAP = 16384
#: Modulus of the on-air FCnt field (16 bits, LoRaWAN 1.0.4 §4.3.1.5).
FCNT16_MOD = 1 << 16
#: Largest 32-bit frame counter (LoRaWAN 1.0.4 §4.3.1.5).
FCNT32_MAX = (1 << 32) - 1


class FCntStatus(IntEnum):
    """Outcome of the frame-counter check, as stored in status arrays (int8)."""

    OK = 0
    """Counter advanced by 1..MAX_FCNT_GAP (or first frame of the device): accept."""
    REPLAY = 1
    """Same counter as the last accepted frame: a duplicate or a replay; drop."""
    REGRESSION = 2
    """Counter up to MAX_FCNT_GAP below the last accepted one; drop."""
    GAP_TOO_LARGE = 3
    """Counter more than MAX_FCNT_GAP ahead (or past 2**32 - 1); drop."""


def _classify(last: int, fcnt16: int) -> tuple[int, FCntStatus]:
    delta = (fcnt16 - last) % FCNT16_MOD
    if delta == 0:
        return last, FCntStatus.REPLAY
    if delta <= MAX_FCNT_GAP and last + delta <= FCNT32_MAX:
        return last + delta, FCntStatus.OK
    back = FCNT16_MOD - delta
    if back <= MAX_FCNT_GAP and last - back >= 0:
        return last - back, FCntStatus.REGRESSION
    return last + delta, FCntStatus.GAP_TOO_LARGE


class FCntTracker:
    """Per-device frame-counter state for decoding frames one at a time.

    Check first, verify the MIC with the proposed counter, then accept:
    a forged frame must not move the counter.

    Parameters
    ----------
    max_gap : int, optional
        Acceptance window; default :data:`MAX_FCNT_GAP`.

    Examples
    --------
    >>> t = FCntTracker()
    >>> t.check(0x26011BDA, 65535)
    (65535, <FCntStatus.OK: 0>)
    >>> t.accept(0x26011BDA, 65535)
    >>> t.check(0x26011BDA, 2)  # rolled over
    (65538, <FCntStatus.OK: 0>)
    >>> t.check(0x26011BDA, 65535)
    (65535, <FCntStatus.REPLAY: 1>)
    """

    def __init__(self, max_gap: int = MAX_FCNT_GAP) -> None:
        if not 0 < max_gap < FCNT16_MOD // 2:
            raise ValueError(f"max_gap must be in 1..32767, got {max_gap}")
        self.max_gap = max_gap
        self._last: dict[int, int] = {}

    def last(self, dev_addr: int) -> int | None:
        """Last accepted 32-bit counter of ``dev_addr``, or ``None``."""
        return self._last.get(dev_addr)

    def check(self, dev_addr: int, fcnt16: int) -> tuple[int, FCntStatus]:
        """Propose the 32-bit counter for a received 16-bit FCnt without changing state.

        Parameters
        ----------
        dev_addr : int
            32-bit device address.
        fcnt16 : int
            FCnt field of the frame, 0..65535.

        Returns
        -------
        fcnt32 : int
            Reconstructed counter (for REGRESSION the value below the last).
        status : FCntStatus
        """
        if not 0 <= fcnt16 < FCNT16_MOD:
            raise ValueError(f"fcnt16 must be in 0..65535, got {fcnt16}")
        last = self._last.get(dev_addr)
        if last is None:
            return fcnt16, FCntStatus.OK
        if self.max_gap == MAX_FCNT_GAP:
            return _classify(last, fcnt16)
        delta = (fcnt16 - last) % FCNT16_MOD
        if delta == 0:
            return last, FCntStatus.REPLAY
        if delta <= self.max_gap and last + delta <= FCNT32_MAX:
            return last + delta, FCntStatus.OK
        back = FCNT16_MOD - delta
        if back <= self.max_gap and last - back >= 0:
            return last - back, FCntStatus.REGRESSION
        return last + delta, FCntStatus.GAP_TOO_LARGE

    def accept(self, dev_addr: int, fcnt32: int) -> None:
        """Record ``fcnt32`` as the last accepted counter of ``dev_addr`` (after the MIC passed)."""
        if not 0 <= fcnt32 <= FCNT32_MAX:
            raise ValueError(f"fcnt32 must be in 0..{FCNT32_MAX}, got {fcnt32}")
        self._last[dev_addr] = fcnt32

    def reset(self, dev_addr: int) -> None:
        """Forget a device (after a new join, counters restart at 0, §6.2)."""
        self._last.pop(dev_addr, None)


#: Whole-array passes before the rows of still-unsettled devices are finished one by one.
_MAX_PASSES = 16


def _sequential(
    f: np.ndarray, c: np.ndarray, prior: np.ndarray, max_gap: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rule applied row by row (rows grouped by device, in arrival order)."""
    out32 = np.empty(f.size, np.int64)
    out_st = np.empty(f.size, np.int8)
    last = -1
    device = None
    for i, (fi, ci, pi) in enumerate(zip(f.tolist(), c.tolist(), prior.tolist(), strict=True)):
        if ci != device:
            device, last = ci, pi
        if last < 0:
            value, st = fi, FCntStatus.OK
        else:
            delta = (fi - last) % FCNT16_MOD
            back = FCNT16_MOD - delta
            if delta == 0:
                value, st = last, FCntStatus.REPLAY
            elif delta <= max_gap and last + delta <= FCNT32_MAX:
                value, st = last + delta, FCntStatus.OK
            elif back <= max_gap and last - back >= 0:
                value, st = last - back, FCntStatus.REGRESSION
            else:
                value, st = last + delta, FCntStatus.GAP_TOO_LARGE
        if st == FCntStatus.OK:
            last = value
        out32[i] = value
        out_st[i] = st
    return out32, out_st


def _prev_index(flag: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """For each row, the index of the closest earlier row with ``flag`` in the same group, or -1."""
    n = flag.size
    idx = np.where(flag, np.arange(n), -1)
    # previous (strictly earlier) flagged row: shift by one then running maximum
    shifted = np.concatenate(([-1], idx[:-1]))
    prev = np.maximum.accumulate(shifted)
    return np.where(prev >= group_start, prev, -1)


def reconstruct_fcnt(
    fcnt16: np.ndarray,
    device_codes: np.ndarray,
    last_seen: np.ndarray | None = None,
    *,
    max_gap: int = MAX_FCNT_GAP,
) -> tuple[np.ndarray, np.ndarray]:
    """Rebuild 32-bit frame counters and flag replays for many frames at once.

    Parameters
    ----------
    fcnt16 : numpy.ndarray
        The on-air FCnt of each frame, integers 0..65535, shape ``(n,)``.
    device_codes : numpy.ndarray
        Non-negative integer code of each frame's device (e.g. the index of
        its DevAddr in a key table), shape ``(n,)``. Devices may be
        interleaved; **within one device the rows must be in arrival order**
        (the order the network server would see them).
    last_seen : numpy.ndarray, optional
        Last accepted 32-bit counter per device code before this batch,
        indexed by code (length > ``device_codes.max()``), ``-1`` for a
        device with no history. ``None`` means no history for any device.
    max_gap : int, optional
        Acceptance window, default :data:`MAX_FCNT_GAP` = 16384.

    Returns
    -------
    fcnt32 : numpy.ndarray of int64, shape ``(n,)``
        The reconstructed counter. For OK rows, the smallest value above the
        last accepted counter of the device whose low 16 bits equal
        ``fcnt16``; for REPLAY rows, the last accepted counter; for
        REGRESSION rows, the value below it; for GAP_TOO_LARGE rows the
        (rejected) forward candidate.
    status : numpy.ndarray of int8, shape ``(n,)``
        :class:`FCntStatus` codes: 0 OK, 1 REPLAY, 2 REGRESSION,
        3 GAP_TOO_LARGE.

    Notes
    -----
    The result equals feeding the rows of each device, in order, to
    :class:`FCntTracker` and accepting every OK row: rejected rows never move
    the counter. The first row of a device without history is OK with
    ``fcnt32 = fcnt16`` (upper 16 bits 0, the value after a join, §6.2).
    The MIC is not checked here: run this on frames whose MIC passed, or
    re-run it after dropping forged frames.

    Work is whole-array: runs of equal ``fcnt16`` (multi-gateway duplicates)
    are resolved in one pass; each further pass settles the first rejected
    row of every device, so the number of passes is the largest count of
    non-duplicate rejected rows in one device plus one. After 16 passes the
    devices still unsettled (a replay attack, or counters that are not
    counters) are finished row by row, which keeps the cost linear.

    Examples
    --------
    >>> f32, st = reconstruct_fcnt(np.array([65534, 65535, 0, 0, 1]), np.zeros(5, int))
    >>> f32.tolist(), st.tolist()
    ([65534, 65535, 65536, 65536, 65537], [0, 0, 0, 1, 0])
    """
    f16 = np.asarray(fcnt16)
    codes = np.asarray(device_codes)
    if f16.shape != codes.shape or f16.ndim != 1:
        raise ValueError(
            f"fcnt16 and device_codes must be 1-D arrays of the same length, "
            f"got shapes {f16.shape} and {codes.shape}"
        )
    n = f16.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int8)
    if not (np.issubdtype(f16.dtype, np.integer) and np.issubdtype(codes.dtype, np.integer)):
        raise TypeError("fcnt16 and device_codes must be integer arrays")
    if f16.min() < 0 or f16.max() >= FCNT16_MOD:
        raise ValueError("fcnt16 values must be in 0..65535 (the on-air FCnt field)")
    if codes.min() < 0:
        raise ValueError("device_codes must be non-negative integers")
    if not 0 < max_gap < FCNT16_MOD // 2:
        raise ValueError(f"max_gap must be in 1..32767, got {max_gap}")
    n_dev = int(codes.max()) + 1
    if last_seen is None:
        last = np.full(n_dev, -1, np.int64)
    else:
        last = np.asarray(last_seen, dtype=np.int64)
        if last.ndim != 1 or last.size < n_dev:
            raise ValueError(
                f"last_seen must be a 1-D array with one entry per device code "
                f"(length >= {n_dev}), got shape {last.shape}"
            )
        if last.max(initial=-1) > FCNT32_MAX or last.min(initial=-1) < -1:
            raise ValueError("last_seen values must be -1 (no history) or 0..2**32-1")

    order = np.argsort(codes, kind="stable")
    c = codes[order].astype(np.int64)
    f = f16[order].astype(np.int64)
    new_group = np.concatenate(([True], c[1:] != c[:-1]))
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    # duplicates: same fcnt16 as the previous row of the same device share its fate
    dup = ~new_group & np.concatenate(([False], f[1:] == f[:-1]))
    head = ~dup
    prior = last[c]  # counter before the batch, per row's device

    rejected = np.zeros(n, bool)
    seq = np.zeros(n, bool)
    fcnt32 = np.zeros(n, np.int64)
    status = np.zeros(n, np.int8)
    passes = 0
    while True:
        accepted = head & ~rejected
        prev = _prev_index(accepted, group_start)
        # base counter each head row is compared with: the previous accepted row's counter.
        # fcnt32 of accepted rows is a cumulative sum of deltas along accepted rows, so solve
        # the chain: base for the first accepted row of a device is `prior`.
        prev_f = np.where(prev >= 0, f[np.maximum(prev, 0)], 0)
        delta_chain = np.where(prev >= 0, (f - prev_f) % FCNT16_MOD, 0)
        first_acc = accepted & (prev < 0)
        # counter of accepted rows: start value + cumulative deltas within the device
        start = np.where(prior >= 0, prior + (f - prior) % FCNT16_MOD, f)
        step = np.where(first_acc, start, np.where(accepted, delta_chain, 0))
        csum = np.cumsum(step)
        grp_offset = np.where(group_start > 0, csum[np.maximum(group_start - 1, 0)], 0)
        acc_val = csum - grp_offset  # running counter at each row (value of last accepted so far)
        # last accepted counter before each row (prior if none)
        base = np.where(prev >= 0, acc_val[np.maximum(prev, 0)], prior)
        delta = np.where(base >= 0, (f - base) % FCNT16_MOD, -1)
        fwd = base + delta
        back = base - (FCNT16_MOD - delta)
        ok = (base < 0) | ((delta > 0) & (delta <= max_gap) & (fwd <= FCNT32_MAX))
        replay = (base >= 0) & (delta == 0)
        regression = (base >= 0) & ~ok & ~replay & (FCNT16_MOD - delta <= max_gap) & (back >= 0)
        st = np.where(
            ok,
            FCntStatus.OK,
            np.where(
                replay,
                FCntStatus.REPLAY,
                np.where(regression, FCntStatus.REGRESSION, FCntStatus.GAP_TOO_LARGE),
            ),
        ).astype(np.int8)
        val = np.where(base < 0, f, np.where(replay, base, np.where(regression, back, fwd)))
        bad = head & ~rejected & (st != FCntStatus.OK)
        if not bad.any():
            break
        passes += 1
        if passes > _MAX_PASSES:
            # pathological input (many non-duplicate rejections in one device): finish the
            # devices still unsettled with the sequential rule, so the cost stays linear
            seq = np.isin(c, np.unique(c[bad]))
            rows = np.flatnonzero(seq)
            fcnt32[rows], status[rows] = _sequential(f[rows], c[rows], prior[rows], max_gap)
            break
        # settle the first bad head row of each device; later rows depend on it
        first_bad = bad & (_prev_index(bad, group_start) < 0)
        rejected |= first_bad
        status[first_bad] = st[first_bad]
        fcnt32[first_bad] = val[first_bad]
    settled = head & ~rejected & ~seq
    fcnt32[settled] = val[settled]
    status[settled] = FCntStatus.OK
    # duplicates copy the head of their run: REPLAY of an accepted head, else its status
    run_head = np.maximum.accumulate(np.where(head, np.arange(n), 0))
    dup &= ~seq
    hd = run_head[dup]
    fcnt32[dup] = fcnt32[hd]
    status[dup] = np.where(status[hd] == FCntStatus.OK, FCntStatus.REPLAY, status[hd])

    out32 = np.empty(n, np.int64)
    out_st = np.empty(n, np.int8)
    out32[order] = fcnt32
    out_st[order] = status
    return out32, out_st


def last_seen_after(
    fcnt32: np.ndarray,
    status: np.ndarray,
    device_codes: np.ndarray,
    last_seen: np.ndarray | None = None,
    n_devices: int | None = None,
) -> np.ndarray:
    """Per-device last accepted counter after a batch, to chain :func:`reconstruct_fcnt` calls.

    Parameters
    ----------
    fcnt32, status, device_codes : numpy.ndarray
        Outputs of :func:`reconstruct_fcnt` and its ``device_codes`` input.
    last_seen : numpy.ndarray, optional
        The ``last_seen`` passed to that call (``-1`` = no history).
    n_devices : int, optional
        Length of the result; default ``max(device_codes) + 1`` or ``len(last_seen)``.

    Returns
    -------
    numpy.ndarray of int64
        Highest accepted counter per device code, ``-1`` where none.
    """
    codes = np.asarray(device_codes, dtype=np.int64)
    size = n_devices
    if size is None:
        size = max(
            int(codes.max()) + 1 if codes.size else 0, 0 if last_seen is None else len(last_seen)
        )
    out = np.full(size, -1, np.int64)
    if last_seen is not None:
        out[: len(last_seen)] = np.asarray(last_seen, dtype=np.int64)
    ok = np.asarray(status) == FCntStatus.OK
    np.maximum.at(out, codes[ok], np.asarray(fcnt32, dtype=np.int64)[ok])
    return out
