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
    "overlapping_pairs",
    "receive",
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
    hi = np.arange(s.size)
    counts = hi - lo
    # ties in start: the stable order makes the earlier index the "older"
    first = np.cumsum(counts) - counts
    newer = np.repeat(hi, counts)
    older = np.arange(int(counts.sum())) - np.repeat(first - lo, counts)
    keep = e[older] > s[newer]
    return order[older[keep]], order[newer[keep]]


def _assign_demodulators(start, end, detected, n_paths):
    """Greedy SX1301 path assignment per gateway; True where a detected frame got a path.

    Frames whose concurrency (all detected frames) stays below ``n_paths`` certainly get a
    path; only the overloaded remainder is settled in time order (a short loop over the
    overload candidates, not over all frames).
    """
    tx_idx, gw_idx = np.nonzero(detected)
    got = np.zeros_like(detected)
    if tx_idx.size == 0:
        return got
    horizon = 4.0 * (float(end.max() - start.min()) + 1.0)
    s = start[tx_idx] - start.min() + gw_idx * horizon
    e = end[tx_idx] - start.min() + gw_idx * horizon
    order = np.argsort(s, kind="stable")
    s, e, tx_idx, gw_idx = s[order], e[order], tx_idx[order], gw_idx[order]
    e_sorted = np.sort(e)
    active = np.arange(s.size) - np.searchsorted(e_sorted, s, side="right")
    ok = active < n_paths
    rejected_ends: list[float] = []
    for c in np.flatnonzero(~ok):
        while rejected_ends and rejected_ends[0] <= s[c]:
            heapq.heappop(rejected_ends)
        if active[c] - len(rejected_ends) < n_paths:
            ok[c] = True
        else:
            heapq.heappush(rejected_ends, e[c])
    got[tx_idx[ok], gw_idx[ok]] = True
    return got


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

    Parameters
    ----------
    start_s : array_like, shape (n_tx,)
        Start of each transmission. [s]
    duration_s : array_like, shape (n_tx,)
        Time on air (:func:`toyama_lab.radio.time_on_air`). [s]
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
    dur = np.broadcast_to(np.asarray(duration_s, dtype=np.float64), (n,))
    freq = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,))
    sf_a = np.broadcast_to(np.asarray(sf), (n,))
    bw = np.broadcast_to(np.asarray(bw_hz), (n,))
    rssi = np.asarray(rssi_dbm, dtype=np.float64)
    if rssi.ndim == 1:
        rssi = rssi[:, None]
    if rssi.ndim != 2 or rssi.shape[0] != n:
        raise ValueError(
            f"rssi_dbm must have shape (n_tx, n_gw) = ({n}, n_gw); got {rssi.shape}. "
            "Compute it with toyama_lab.radio.link for every transmission and gateway."
        )
    if np.any(dur <= 0):
        raise ValueError("duration_s must be > 0 for every transmission.")
    if lock_symbols < 0 or lock_symbols > preamble:
        raise ValueError(f"lock_symbols must be in 0..preamble ({preamble}); got {lock_symbols}.")
    if n_demodulators < 1:
        raise ValueError(f"n_demodulators must be >= 1; got {n_demodulators}.")
    t_sym = np.asarray(symbol_time(sf_a, bw), dtype=np.float64)
    thr = sir_threshold_matrix() if sir_db is None else np.asarray(sir_db, dtype=np.float64)
    if thr.shape != (6, 6):
        raise ValueError(f"sir_db must be a 6 x 6 matrix (SF7..12); got {thr.shape}.")
    sens = sensitivity_dbm(sf_a, bw) if sensitivity is None else sensitivity
    sens = np.asarray(sens, dtype=np.float64)
    if sens.ndim == 1:
        sens = sens[:, None]
    end = start + dur
    n_gw = rssi.shape[1]
    reason = np.full((n, n_gw), RECEIVED, dtype=np.int8)
    if n == 0:
        return Receptions(reason)

    in_range = rssi >= sens
    got_path = _assign_demodulators(start, end, in_range, int(n_demodulators))

    # interference: every overlapping pair, both directions (victim, interferer)
    older, newer = overlapping_pairs(start, end)
    victim = np.concatenate([older, newer])
    intf = np.concatenate([newer, older])
    same_band = np.abs(freq[victim] - freq[intf]) < (bw[victim] + bw[intf]) / 2.0
    lock_t = start[victim] + (preamble - lock_symbols) * t_sym[victim]
    harmful = same_band & (end[intf] > lock_t)
    victim, intf = victim[harmful], intf[harmful]
    lost_co = np.zeros((n, n_gw), dtype=bool)
    lost_inter = np.zeros((n, n_gw), dtype=bool)
    if victim.size:
        overlap = np.minimum(end[victim], end[intf]) - np.maximum(start[victim], start[intf])
        weight = overlap / dur[victim]
        key = victim * 6 + (sf_a[intf] - 7)
        order = np.argsort(key, kind="stable")
        key, victim, intf, weight = key[order], victim[order], intf[order], weight[order]
        bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        p_int = weight[:, None] * 10.0 ** (rssi[intf] / 10.0)
        i_sum = np.add.reduceat(p_int, bounds, axis=0)
        v = victim[bounds]
        sf_int = key[bounds] % 6
        sir = rssi[v] - 10.0 * np.log10(i_sum)
        fail = sir < thr[sf_a[v] - 7, sf_int][:, None]
        co = (sf_int + 7) == sf_a[v]
        np.logical_or.at(lost_co, v[co], fail[co])
        np.logical_or.at(lost_inter, v[~co], fail[~co])

    reason[lost_inter] = INTERFERENCE
    reason[lost_co] = COLLISION
    reason[~got_path] = NO_DEMODULATOR
    reason[~in_range] = OUT_OF_RANGE
    return Receptions(reason)
