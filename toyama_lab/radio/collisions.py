"""Receptions at gateways: range, demodulator paths, collisions, capture, inter-SF.

:func:`receive` decides, for every (transmission, gateway) pair at once, whether the frame
is received and if not, why. Transmissions are sorted by start time and the pairs that
overlap in time are found with ``searchsorted``; interference is summed on whole arrays.

Model
-----
1. **Range.** A frame below the gateway's sensitivity for its SF and bandwidth is
   ``out_of_range`` (default sensitivity: noise floor + SNR floor,
   :func:`toyama_lab.radio.link.sensitivity_dbm`).
2. **Demodulator paths.** An SX1301 gateway has 8 LoRa demodulation paths shared by all
   channels and SFs ([3]_, section 3); a frame in range takes a free path when its
   preamble is detected (its start) and holds it to its end, even if it is later lost to
   interference. A frame that finds all paths busy is ``no_demodulator``.
3. **Interference.** Interferers overlap in time and in frequency
   (``|f_i - f_j| < (bw_i + bw_j) / 2``). An interferer that ends before the victim's
   receiver locks, i.e. within the first ``preamble - lock_symbols`` preamble symbols
   (3 of 8, Bor et al. [1]_), does no harm. The others' power, weighted by the fraction of
   the victim's airtime they overlap, is summed per interfering SF; the frame survives
   when for every interfering SF ``SIR >= threshold[sf_victim, sf_interferer]``.
   Co-SF failures are ``collision``, inter-SF failures ``interference``.
4. **Thresholds.** Off the diagonal: Croce et al.'s SIR thresholds [2]_ (Table I; rows:
   the wanted SF, columns: the interfering SF). Diagonal (co-SF capture): 6 dB as in
   Bor et al. [1]_ by default; Croce et al. measured 1 dB (``co_sf_db=1.0``).

References
----------
.. [1] M. Bor, U. Roedig, T. Voigt, J. M. Alonso, "Do LoRa Low-Power Wide-Area Networks
   Scale?", ACM MSWiM 2016, doi:10.1145/2988287.2989163, section 3.3 (capture: 6 dB
   power difference, receiver locks after the last 5 preamble symbols).
.. [2] D. Croce, M. Gucciardo, S. Mangione, G. Santaromita, I. Tinnirello, "Impact of LoRa
   Imperfect Orthogonality: Analysis of Link-Level Performance", IEEE Communications
   Letters 22(4), 2018, pp. 796-799, doi:10.1109/LCOMM.2018.2797057, Table I.
.. [3] Semtech, "SX1301 datasheet" v2.4 (2017): 8 x 125 kHz LoRa multi-SF demodulators
   plus one single-SF demodulator and one FSK demodulator.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from toyama_lab._ragged import expand
from toyama_lab.radio.airtime import symbol_time
from toyama_lab.radio.link import sensitivity_dbm

__all__ = [
    "COLLISION",
    "CROCE_SIR_DB",
    "INTERFERENCE",
    "NO_DEMODULATOR",
    "OUT_OF_RANGE",
    "REASONS",
    "RECEIVED",
    "Receptions",
    "contention_mask",
    "harmful_pairs",
    "overlapping_pairs",
    "receive",
    "receive_pairs",
    "sir_threshold_matrix",
]

#: Reason codes of :class:`Receptions`.
REASONS = ("received", "out_of_range", "no_demodulator", "collision", "interference")
RECEIVED, OUT_OF_RANGE, NO_DEMODULATOR, COLLISION, INTERFERENCE = range(5)

#: SIR thresholds of Croce et al. 2018, Table I [2]_: rows wanted SF7..12, columns
#: interfering SF7..12. [dB]
CROCE_SIR_DB = np.array(
    [
        [1, -8, -9, -9, -9, -9],
        [-11, 1, -11, -12, -13, -13],
        [-15, -13, 1, -13, -14, -15],
        [-19, -18, -17, 1, -17, -18],
        [-22, -22, -21, -20, 1, -20],
        [-25, -25, -25, -24, -23, 1],
    ],
    dtype=np.float64,
)
CROCE_SIR_DB.setflags(write=False)


def sir_threshold_matrix(co_sf_db: float = 6.0) -> np.ndarray:
    """SIR thresholds: Croce et al. off the diagonal, ``co_sf_db`` on it.

    Parameters
    ----------
    co_sf_db : float, default 6.0
        Co-SF capture margin; 6 dB as Bor et al. [1]_, 1 dB as Croce et al. [2]_. [dB]

    Returns
    -------
    numpy.ndarray, shape (6, 6)
        Thresholds, rows wanted SF7..12, columns interfering SF7..12. [dB]

    Examples
    --------
    >>> m = sir_threshold_matrix(6.0)
    >>> m[0, 0], m[0, 1], m[5, 0]
    (np.float64(6.0), np.float64(-8.0), np.float64(-25.0))
    """
    if not np.isfinite(co_sf_db):
        raise ValueError(f"co_sf_db must be a finite number of dB; got {co_sf_db!r}.")
    m = CROCE_SIR_DB.copy()
    np.fill_diagonal(m, co_sf_db)
    return m


@dataclass(frozen=True)
class Receptions:
    """Outcome of every (transmission, gateway) pair.

    Attributes
    ----------
    reason : numpy.ndarray of int8, shape (n_tx, n_gw)
        Index into :data:`REASONS` (0 = received).
    """

    reason: np.ndarray

    @property
    def received(self) -> np.ndarray:
        """Boolean ``(n_tx, n_gw)``: the gateway decoded the frame."""
        return self.reason == RECEIVED

    @property
    def delivered(self) -> np.ndarray:
        """Boolean ``(n_tx,)``: at least one gateway decoded the frame."""
        return self.received.any(axis=1)

    def counts(self) -> dict[str, int]:
        """Number of (transmission, gateway) pairs per reason."""
        c = np.bincount(self.reason.ravel(), minlength=len(REASONS))
        return {name: int(n) for name, n in zip(REASONS, c, strict=True)}


def overlapping_pairs(start_s, end_s):
    """All pairs of intervals that overlap in time.

    Parameters
    ----------
    start_s, end_s : array_like, shape (n,)
        Interval starts and ends (end > start). [s]

    Returns
    -------
    tuple of numpy.ndarray
        ``(older, newer)`` indices into the inputs, with ``start[older] <= start[newer]``
        and ``end[older] > start[newer]``; each overlapping pair appears once.

    Examples
    --------
    >>> o, n = overlapping_pairs([0.0, 0.5, 2.0], [1.0, 1.5, 3.0])
    >>> o.tolist(), n.tolist()
    ([0], [1])
    """
    start = np.asarray(start_s, dtype=np.float64)
    end = np.asarray(end_s, dtype=np.float64)
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError("start_s and end_s must be 1-D arrays of the same length.")
    if start.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    order = np.argsort(start, kind="stable")
    s, e = start[order], end[order]
    span = float(np.max(e - s))
    lo = np.searchsorted(s, s - span, side="right")
    # frame i (newer) against every earlier one from lo[i] on (older); ties in start: the
    # stable order makes the earlier index the "older"
    newer, older = expand(lo, np.arange(s.size) - lo)
    keep = e[older] > s[newer]
    return order[older[keep]], order[newer[keep]]


def harmful_pairs(start_s, end_s, freq_hz, bw_hz, sf, *, preamble=8, lock_symbols=5,
                  overlaps=None):  # fmt: skip
    """Transmission pairs in which one can spoil the other: ``(victim, interferer)``.

    Both directions of every pair that overlaps in time (:func:`overlapping_pairs`) and in
    band (``|f_v - f_i| < (bw_v + bw_i) / 2``), kept where the interferer is still on air
    after the victim's receiver has locked, i.e. after the first ``preamble -
    lock_symbols`` preamble symbols of the victim (Bor et al. [1]_).

    Parameters
    ----------
    start_s, end_s, freq_hz : array_like, shape (n,)
        Start and end [s], centre frequency [Hz].
    bw_hz : array_like, shape (n,) or scalar
        Bandwidth. [Hz]
    sf : array_like of int, shape (n,)
        Spreading factor 7..12.
    preamble, lock_symbols : int
        As in :func:`receive_pairs`.
    overlaps : tuple of numpy.ndarray, optional
        ``overlapping_pairs(start_s, end_s)`` when the caller has it already.

    Returns
    -------
    tuple of numpy.ndarray
        ``(victim, interferer)`` indices.

    Examples
    --------
    >>> v, i = harmful_pairs([0.0, 0.001, 5.0], [0.1, 0.2, 5.1], 923.2e6, 125_000, 7)
    >>> sorted(zip(v.tolist(), i.tolist()))
    [(0, 1), (1, 0)]
    """
    start = np.asarray(start_s, dtype=np.float64)
    n = start.size
    end = np.broadcast_to(np.asarray(end_s, dtype=np.float64), (n,))
    freq = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,))
    bw = np.broadcast_to(np.asarray(bw_hz, dtype=np.float64), (n,))
    sf = np.broadcast_to(np.asarray(sf), (n,))
    o_old, o_new = overlapping_pairs(start, end) if overlaps is None else overlaps
    band = np.abs(freq[o_old] - freq[o_new]) < (bw[o_old] + bw[o_new]) / 2.0
    vic = np.concatenate([o_old[band], o_new[band]])
    intf = np.concatenate([o_new[band], o_old[band]])
    lock = start[vic] + (preamble - lock_symbols) * np.exp2(sf[vic]) / bw[vic]
    harm = end[intf] > lock
    return vic[harm], intf[harm]


def contention_mask(start_s, duration_s, freq_hz, bw_hz=125_000, *, n_demodulators=8):
    """Transmissions whose receptions can depend on other transmissions.

    A transmission is marked when it overlaps another in time and band (it may disturb
    or be disturbed), when it starts while ``n_demodulators`` or more others are on air
    at all (it may find every demodulator path of a gateway busy), and, for the latter,
    every transmission overlapping it in time (they hold the paths). Every pair of an
    unmarked transmission is received exactly when its power is at or above the
    sensitivity, whatever the other transmissions at that gateway.

    Parameters
    ----------
    start_s, duration_s, freq_hz : array_like, shape (n_tx,)
        Start [s], time on air [s] and centre frequency [Hz].
    bw_hz : array_like, shape (n_tx,) or scalar, default 125000
        Bandwidth. [Hz]
    n_demodulators : int, default 8
        Demodulator paths per gateway.

    Returns
    -------
    numpy.ndarray of bool, shape (n_tx,)

    Examples
    --------
    >>> contention_mask([0.0, 0.05, 1.0], 0.1, [923.2e6, 923.2e6, 923.2e6]).tolist()
    [True, True, False]
    """
    start = np.asarray(start_s, dtype=np.float64)
    n = start.size
    end = start + np.broadcast_to(np.asarray(duration_s, dtype=np.float64), (n,))
    freq = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,))
    bw = np.broadcast_to(np.asarray(bw_hz), (n,))
    o_old, o_new = overlapping_pairs(start, end)
    hot = np.zeros(n, dtype=bool)
    band = np.abs(freq[o_old] - freq[o_new]) < (bw[o_old] + bw[o_new]) / 2.0
    hot[o_old[band]] = True
    hot[o_new[band]] = True
    crowded = np.bincount(o_new, minlength=n) >= n_demodulators
    if crowded.any():
        hot[crowded] = True
        hot[o_old[crowded[o_new]]] = True
    return hot


def _check_sf_bw(sf_a: np.ndarray, bw: np.ndarray) -> None:
    """Spreading factors in 7..12 and bandwidths of LoRaWAN (errors say what is wrong)."""
    if sf_a.size and (sf_a.dtype.kind not in "iu" or sf_a.min() < 7 or sf_a.max() > 12):
        raise ValueError(
            f"sf must be whole spreading factors 7..12; got {np.unique(sf_a)[:6].tolist()}."
        )
    symbol_time(np.int64(7), bw)  # validates the bandwidths


def _demodulators(s, e, g, detected, n_paths, horizon):
    """Greedy SX1301 path assignment on pairs sorted by (gateway, start).

    A detected frame takes a path when fewer than ``n_paths`` earlier detected frames of
    its gateway are still on air. ``active`` (how many are) is counted on sorted arrays:
    the detected frames of the gateway before it less those that ended by its start.
    Frames rejected earlier still count while on air in ``active`` but hold no path, so
    only the overloaded remainder is settled in time order (a short loop over the
    overload candidates, not over all frames).
    """
    det = np.flatnonzero(detected)
    active = np.zeros(s.size, dtype=np.int64)
    if det.size:
        gd = g[det].astype(np.float64) * horizon
        first_of_gw = np.searchsorted(gd, gd, side="left")  # det sorted by (gateway, start)
        before = np.arange(det.size) - first_of_gw
        ends = np.sort(e[det] + gd)
        ended = np.searchsorted(ends, s[det] + gd, side="right") - np.searchsorted(
            ends, gd, side="left"
        )
        active[det] = before - ended
    ok = detected & (active < n_paths)
    rejected_ends: list[float] = []
    gw_now = None
    for c in np.flatnonzero(detected & ~ok).tolist():
        if g[c] != gw_now:
            gw_now, rejected_ends = g[c], []
        while rejected_ends and rejected_ends[0] <= s[c]:
            heapq.heappop(rejected_ends)
        if active[c] - len(rejected_ends) < n_paths:
            ok[c] = True
        else:
            heapq.heappush(rejected_ends, float(e[c]))
    return ok


#: Largest (transmission x gateway) look-up table :func:`_pair_index` builds (entries);
#: beyond it the pairs are looked up by binary search in their sorted keys instead.
_TABLE_MAX = 1 << 26


def _compact(ids: np.ndarray) -> tuple[np.ndarray, int]:
    """Non-negative ids as 0..k-1 (order kept) and k."""
    if ids.size and int(ids.max()) < 1 << 22:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        return (np.cumsum(present) - 1)[ids], int(present.sum())
    u, inv = np.unique(ids, return_inverse=True)
    return inv, u.size


def _pair_index(p_tx, g_loc, n_tx, n_gw):
    """``find(tx, gw) -> pair number or -1`` for pairs with one per (transmission, gateway)."""
    if n_tx * n_gw <= _TABLE_MAX:
        table = np.full((n_tx, n_gw), -1, dtype=np.int32 if p_tx.size < 1 << 31 else np.int64)
        table[p_tx, g_loc] = np.arange(p_tx.size)
        return lambda tx, gw: table[tx, gw]
    keys = p_tx.astype(np.int64) * n_gw + g_loc
    order = np.argsort(keys)
    sk = keys[order]

    def find(tx, gw):
        k = tx.astype(np.int64) * n_gw + gw
        at = np.minimum(np.searchsorted(sk, k), sk.size - 1)
        return np.where(sk[at] == k, order[at], -1)

    return find


def receive_pairs(
    pair_tx,
    pair_gw,
    start_s,
    duration_s,
    freq_hz,
    sf,
    bw_hz,
    rssi_dbm,
    *,
    sensitivity=None,
    sir_db=None,
    preamble=8,
    lock_symbols=5,
    n_demodulators=8,
) -> np.ndarray:
    """Decide the receptions of a sparse list of (transmission, gateway) pairs.

    The same model as :func:`receive` (see the module notes), for the pairs given only:
    a gateway hears a transmission, and is disturbed by it, only through a listed pair.
    Only the pairs of transmissions that can meet others (:func:`contention_mask`) are
    worked on. Transmissions that overlap in time and band are found once
    (:func:`overlapping_pairs`), and each in-range pair of a victim is matched with the
    interferer's pair at the same gateway through a (transmission x gateway) look-up;
    interference is summed per victim and interfering SF with ``numpy.add.reduceat``.
    Demodulator paths are settled in (gateway, start) order only around frames that start
    while ``n_demodulators`` others are on air. Cost and memory grow with the number of
    pairs and overlaps, not with ``n_tx x n_gw``.

    Parameters
    ----------
    pair_tx : array_like of int, shape (n_pair,)
        Transmission index (row of the per-transmission arrays) of each pair.
    pair_gw : array_like of int, shape (n_pair,)
        Gateway index (any non-negative int) of each pair; one pair per
        (transmission, gateway) at most.
    start_s, duration_s, freq_hz, sf, bw_hz : array_like, shape (n_tx,) or scalar
        Per transmission, as in :func:`receive`. [s], [s], [Hz], [-], [Hz]
    rssi_dbm : array_like, shape (n_pair,)
        Received power of each pair. [dBm]
    sensitivity : array_like, shape (n_pair,) or scalar, optional
        Sensitivity per pair; default noise floor + SNR floor of the frame's SF and
        bandwidth (:func:`toyama_lab.radio.link.sensitivity_dbm`). [dBm]
    sir_db, preamble, lock_symbols, n_demodulators
        As in :func:`receive`.

    Returns
    -------
    numpy.ndarray of int8, shape (n_pair,)
        Index into :data:`REASONS` per pair (0 = received).

    Raises
    ------
    ValueError
        For inconsistent shapes or out-of-range parameters.

    Examples
    --------
    >>> r = receive_pairs([0, 1, 1], [0, 0, 3], [0.0, 0.0], [0.1, 0.1], 923.2e6, 7, 125_000,
    ...                   [-100.0, -110.0, -110.0])
    >>> [REASONS[c] for c in r]
    ['received', 'collision', 'received']
    """
    start = np.asarray(start_s, dtype=np.float64)
    if start.ndim != 1:
        raise ValueError(f"start_s must be 1-D (one value per transmission); got {start.shape}.")
    n = start.size
    dur = np.broadcast_to(np.asarray(duration_s, dtype=np.float64), (n,))
    freq = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,))
    sf_a = np.broadcast_to(np.asarray(sf), (n,))
    bw_in = np.asarray(bw_hz)
    bw = np.broadcast_to(bw_in, (n,))
    p_tx = np.asarray(pair_tx)
    p_gw = np.asarray(pair_gw)
    rssi = np.asarray(rssi_dbm, dtype=np.float64)
    m = p_tx.size
    if p_tx.shape != (m,) or p_gw.shape != (m,) or rssi.shape != (m,):
        raise ValueError(
            "pair_tx, pair_gw and rssi_dbm must be 1-D arrays of the same length (one value "
            f"per pair); got {p_tx.shape}, {p_gw.shape} and {rssi.shape}."
        )
    if m and (p_tx.dtype.kind not in "iu" or p_tx.min() < 0 or p_tx.max() >= n):
        raise ValueError(f"pair_tx must be transmission indices in 0..{n - 1}.")
    if m and (p_gw.dtype.kind not in "iu" or p_gw.min() < 0):
        raise ValueError("pair_gw must be non-negative gateway indices (int).")
    if np.any(dur <= 0):
        raise ValueError("duration_s must be > 0 for every transmission.")
    if lock_symbols < 0 or lock_symbols > preamble:
        raise ValueError(f"lock_symbols must be in 0..preamble ({preamble}); got {lock_symbols}.")
    if n_demodulators < 1:
        raise ValueError(f"n_demodulators must be >= 1; got {n_demodulators}.")
    thr = sir_threshold_matrix() if sir_db is None else np.asarray(sir_db, dtype=np.float64)
    if thr.shape != (6, 6):
        raise ValueError(f"sir_db must be a 6 x 6 matrix (SF7..12); got {thr.shape}.")
    _check_sf_bw(np.asarray(sf_a), bw_in)
    reason = np.full(m, RECEIVED, dtype=np.int8)
    if m == 0:
        return reason
    sf_i = sf_a.astype(np.intp) - 7
    if sensitivity is None:
        sens_tx = np.asarray(sensitivity_dbm(sf_a, bw), dtype=np.float64)
        in_range = rssi >= sens_tx[p_tx]
    else:
        sens = np.asarray(sensitivity, dtype=np.float64)
        if sens.ndim and sens.shape != (m,):
            raise ValueError(
                f"sensitivity must be a scalar or one value per pair ({m}); got {sens.shape}."
            )
        in_range = rssi >= sens
    end = start + dur
    reason[~in_range] = OUT_OF_RANGE
    # screen on transmissions (contention_mask): only the pairs of transmissions that
    # can meet others need the per-gateway work; every other pair is received exactly
    # when it is in range
    hot = contention_mask(start, dur, freq, bw, n_demodulators=n_demodulators)
    sel = np.flatnonzero(hot[p_tx])
    if sel.size:
        reason[sel] = _contend(
            p_tx[sel], p_gw[sel], rssi[sel], in_range[sel], start, end, dur, freq, bw, sf_i,
            thr, preamble, lock_symbols, int(n_demodulators),
        )  # fmt: skip
    return reason


def _contend(p_tx, p_gw, rssi, in_range, start, end, dur, freq, bw, sf_i, thr, preamble,
             lock_symbols, n_paths):  # fmt: skip
    """Demodulator paths and interference of pairs (the core of :func:`receive_pairs`)."""
    n = start.size
    m = p_tx.size
    reason = np.full(m, RECEIVED, dtype=np.int8)

    # demodulator paths can only run out for a frame that starts while n_paths others are
    # on air ("crowded"); only the detected pairs of those frames and of the frames on air
    # with them are settled, in (gateway, start, transmission) order
    o_old, o_new = overlapping_pairs(start, end)
    got = in_range.copy()
    crowded = np.bincount(o_new, minlength=n) >= n_paths
    if crowded.any():
        busy = crowded.copy()
        busy[o_old[crowded[o_new]]] = True
        sel = np.flatnonzero(in_range & busy[p_tx])
        rank = np.empty(n, dtype=np.int64)
        rank[np.argsort(start, kind="stable")] = np.arange(n)
        o = sel[np.argsort(rank[p_tx[sel]], kind="stable")]
        g_small = p_gw[o]
        if p_gw.max() < 1 << 15:
            g_small = g_small.astype(np.int16)  # a stable sort of int16 is a radix sort
        o = o[np.argsort(g_small, kind="stable")]
        t0 = float(start.min())
        horizon = float(end.max() - t0) + 10.0
        got[o] = _demodulators(start[p_tx[o]] - t0, end[p_tx[o]] - t0, p_gw[o],
                               np.ones(o.size, dtype=bool), n_paths, horizon)  # fmt: skip

    # interference: transmissions that overlap in time and band, in both directions
    # (victim, interferer), harmful when the interferer lasts past the victim's lock; then
    # every in-range pair of the victim meets the interferer's pair at the same gateway
    tv, ti = harmful_pairs(start, end, freq, bw, sf_i + 7, preamble=preamble,
                           lock_symbols=lock_symbols, overlaps=(o_old, o_new))  # fmt: skip
    lost_co = np.zeros(m, dtype=bool)
    lost_inter = np.zeros(m, dtype=bool)
    vp = np.flatnonzero(in_range)
    if tv.size and vp.size:
        # transmissions that meet others: compact rows of the (transmission x gateway)
        # look-up of their pairs
        row = np.full(n, -1, dtype=np.int64)
        meet = np.zeros(n, dtype=bool)
        meet[tv] = True
        meet[ti] = True
        row[meet] = np.arange(int(meet.sum()))
        mp = np.flatnonzero(meet[p_tx])
        g_loc, n_gw = _compact(p_gw)
        vp = vp[meet[p_tx[vp]]]
        vp = vp[np.argsort(p_tx[vp], kind="stable")]  # victim pairs grouped by transmission
        n_vp = np.bincount(p_tx[vp], minlength=n)
        first = np.cumsum(n_vp) - n_vp
        link, item = expand(first[tv], n_vp[tv])
        victim = vp[item]
        t_int = ti[link]
        find = _pair_index(row[p_tx[mp]], g_loc[mp], int(meet.sum()), n_gw)
        intf = find(row[t_int], g_loc[victim])
        hit = intf >= 0
        victim, intf, t_int, link = victim[hit], mp[intf[hit]], t_int[hit], link[hit]
        if victim.size:
            t_vic = tv[link]
            overlap = np.minimum(end[t_vic], end[t_int]) - np.maximum(start[t_vic], start[t_int])
            power = overlap / dur[t_vic] * 10.0 ** (rssi[intf] / 10.0)
            k = victim * 6 + sf_i[t_int]
            order = np.argsort(k, kind="stable")
            k, power = k[order], power[order]
            bounds = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
            i_sum = np.add.reduceat(power, bounds)
            v = k[bounds] // 6
            sf_int = k[bounds] % 6
            sf_vic = sf_i[p_tx[v]]
            with np.errstate(divide="ignore", invalid="ignore"):  # -inf dBm: no power at all
                sir = rssi[v] - 10.0 * np.log10(i_sum)
            fail = sir < thr[sf_vic, sf_int]
            co = sf_int == sf_vic
            lost_co[v[co & fail]] = True
            lost_inter[v[~co & fail]] = True

    reason[lost_inter] = INTERFERENCE
    reason[lost_co] = COLLISION
    reason[~got] = NO_DEMODULATOR
    reason[~in_range] = OUT_OF_RANGE
    return reason


def receive(
    start_s,
    duration_s,
    freq_hz,
    sf,
    bw_hz,
    rssi_dbm,
    *,
    sensitivity=None,
    sir_db=None,
    preamble=8,
    lock_symbols=5,
    n_demodulators=8,
) -> Receptions:
    """Decide every (transmission, gateway) reception.

    A dense front end of :func:`receive_pairs`: every (transmission, gateway) pair of
    the matrix is a pair (so a transmission out of range of a gateway still disturbs
    the others there).

    Parameters
    ----------
    start_s : array_like, shape (n_tx,)
        Start of each transmission. [s]
    duration_s : array_like, shape (n_tx,)
        Time on air (:func:`toyama_lab.radio.airtime.time_on_air`). [s]
    freq_hz : array_like, shape (n_tx,)
        Centre frequency. [Hz]
    sf : array_like of int, shape (n_tx,)
        Spreading factor 7..12. [-]
    bw_hz : array_like of int, shape (n_tx,) or scalar
        Bandwidth. [Hz]
    rssi_dbm : array_like, shape (n_tx, n_gw)
        Received power at each gateway (:mod:`toyama_lab.radio.link`). [dBm]
    sensitivity : array_like or None
        Sensitivity per transmission ``(n_tx,)`` or pair ``(n_tx, n_gw)``; default
        noise floor + SNR floor for the frame's SF and bandwidth. [dBm]
    sir_db : array_like, shape (6, 6), optional
        SIR thresholds (rows wanted SF, columns interfering SF); default
        :func:`sir_threshold_matrix` (6 dB co-SF, Croce et al. off the diagonal). [dB]
    preamble : int, default 8
        Preamble symbols. [symbol]
    lock_symbols : int, default 5
        Preamble symbols the receiver needs undisturbed to lock (Bor et al.: 5). [symbol]
    n_demodulators : int, default 8
        Demodulator paths per gateway (SX1301: 8). Use a large number to switch the limit
        off.

    Returns
    -------
    Receptions
        ``reason`` per pair; ``received`` and ``delivered`` views.

    Raises
    ------
    ValueError
        For inconsistent shapes or out-of-range parameters.

    Examples
    --------
    >>> r = receive([0.0, 0.0], [0.1, 0.1], [923.2e6] * 2, [7, 7], 125_000,
    ...             [[-100.0], [-110.0]])
    >>> [REASONS[c] for c in r.reason[:, 0]]
    ['received', 'collision']
    """
    start = np.asarray(start_s, dtype=np.float64)
    n = start.size
    if start.ndim != 1:
        raise ValueError(f"start_s must be 1-D (one value per transmission); got {start.shape}.")
    rssi = np.asarray(rssi_dbm, dtype=np.float64)
    if rssi.ndim == 1:
        rssi = rssi[:, None]
    if rssi.ndim != 2 or rssi.shape[0] != n:
        raise ValueError(
            f"rssi_dbm must have shape (n_tx, n_gw) = ({n}, n_gw); got {rssi.shape}. "
            "Compute it with toyama_lab.radio.link for every transmission and gateway."
        )
    n_gw = rssi.shape[1]
    sf_a = np.asarray(sf)
    if sf_a.dtype.kind == "f" and np.all(sf_a == np.round(sf_a)):
        sf_a = sf_a.astype(np.int64)
    sens = None
    if sensitivity is not None:
        sens = np.asarray(sensitivity, dtype=np.float64)
        if sens.ndim == 1:
            sens = sens[:, None]
        sens = np.broadcast_to(sens, (n, n_gw)).ravel()
    pair_tx = np.repeat(np.arange(n), n_gw)
    pair_gw = np.tile(np.arange(n_gw), n)
    reason = receive_pairs(
        pair_tx,
        pair_gw,
        start,
        duration_s,
        freq_hz,
        sf_a,
        bw_hz,
        rssi.ravel(),
        sensitivity=sens,
        sir_db=sir_db,
        preamble=preamble,
        lock_symbols=lock_symbols,
        n_demodulators=n_demodulators,
    )
    return Receptions(reason.reshape(n, n_gw))
