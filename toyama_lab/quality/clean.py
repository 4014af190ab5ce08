"""Find and repair faults in a sensor x time series with simple, transparent rules.

Every rule is a few whole-array operations on a ``(n_sensor, n_time)`` array at a
fixed time step (1 minute in the synthetic datasets), so a reader can check it by hand:

=========  ===  ==========================================================================
rule       bit  flags a reading when ...
=========  ===  ==========================================================================
gap          1  it is missing (NaN, or 65535 in a uint16 count)
stuck        2  it is one of ``min_run`` or more equal, non-zero readings in a row
drift        4  the sensor's share of its peers' total over a rolling window moved by more
                than ``tol`` from its share in the first window
spike        8  it is further than ``k`` robust standard deviations (1.4826 MAD) *and*
                ``min_jump`` from the median of the ``window`` readings around it
=========  ===  ==========================================================================

The bits are those of the datasets' ``fault`` variable
(:data:`toyama_lab.synth.variables.FAULT_BITS`), so flags and truth compare directly
(:mod:`toyama_lab.quality.score`). :func:`clean` applies the rules, blanks the flagged
readings and fills short holes by linear interpolation.

References
----------
- Median / MAD outlier rule ("Hampel filter"): F. R. Hampel, "The influence curve and its
  role in robust estimation", JASA 69(346), 1974, pp. 383-393; the factor 1.4826 makes
  the MAD a consistent estimate of the standard deviation of normal data.
- Fault classes (short/spike, constant/stuck, drift): A. B. Sharma, L. Golubchik,
  R. Govindan, "Sensor faults: detection methods and prevalence in real-world datasets",
  ACM Trans. Sens. Netw. 6(3), 23, 2010.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from toyama_lab.quality.loss import gap_mask
from toyama_lab.synth.variables import FAULT_BITS

__all__ = [
    "MAD_TO_SD",
    "RULE_BITS",
    "clean",
    "detect_drift",
    "detect_gaps",
    "detect_spikes",
    "detect_stuck",
    "fill_short_gaps",
    "flag_all",
]

#: Scale making the MAD a consistent estimator of a normal standard deviation (Hampel 1974).
MAD_TO_SD = 1.4826
#: Bits set by the rules of this module (same as the datasets' ``fault`` variable).
RULE_BITS = {k: FAULT_BITS[k] for k in ("gap", "stuck", "drift", "spike")}


def _as_2d(values) -> np.ndarray:
    v = np.asarray(values)
    if v.ndim == 1:
        v = v[None, :]
    if v.ndim != 2:
        raise ValueError(f"values must be 1-D or 2-D (sensor x time); got shape {v.shape}.")
    return v


def _float(values) -> np.ndarray:
    v = _as_2d(values)
    out = v.astype(np.float64)
    out[gap_mask(v)] = np.nan
    return out


def _positive_int(name: str, value, minimum: int = 1) -> int:
    if int(value) != value or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return int(value)


def detect_gaps(values) -> np.ndarray:
    """Missing readings: NaN, or 65535 in a uint16 array. Boolean, same shape (2-D)."""
    return gap_mask(_as_2d(values))


def detect_stuck(values, *, min_run: int = 30, ignore_zero: bool = True) -> np.ndarray:
    """Runs of at least ``min_run`` equal readings in a row.

    Parameters
    ----------
    values : array_like, shape (n_sensor, n_time)
        Readings (gaps break a run).
    min_run : int, default 30
        Shortest run flagged. [samples]
    ignore_zero : bool, default True
        Do not flag runs of zeros (a street at night really counts 0 for hours).

    Returns
    -------
    numpy.ndarray of bool
    """
    min_run = _positive_int("min_run", min_run, 2)
    v = _float(values)
    n, m = v.shape
    same = np.zeros((n, m), dtype=bool)
    same[:, 1:] = v[:, 1:] == v[:, :-1]  # NaN != NaN: gaps break runs
    run_id = np.cumsum(~same, axis=1) + (np.arange(n) * (m + 1))[:, None]
    flat = run_id.ravel()
    _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    long = (counts[inverse] >= min_run).reshape(n, m) & ~np.isnan(v)
    if ignore_zero:
        long &= v != 0
    return long


def _rolling_median_mad(v: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred rolling median and MAD along time, NaN-aware (edges padded with NaN)."""
    half = window // 2
    pad = np.pad(v, ((0, 0), (half, window - 1 - half)), constant_values=np.nan)
    win = sliding_window_view(pad, window, axis=1)
    med = np.nanmedian(win, axis=2)
    mad = np.nanmedian(np.abs(win - med[..., None]), axis=2)
    return med, mad


def detect_spikes(
    values, *, window: int = 15, k: float = 6.0, min_jump: float | None = None
) -> np.ndarray:
    """Readings far from the median of their neighbours (a Hampel filter).

    Parameters
    ----------
    values : array_like, shape (n_sensor, n_time)
        Readings.
    window : int, default 15
        Neighbourhood, centred, including the reading. [samples]
    k : float, default 6.0
        Threshold in robust standard deviations (``1.4826 MAD``). [-]
    min_jump : float, optional
        Smallest departure flagged, in the variable's units; default ten times the
        sensor's own 90th percentile of ``|x - median|`` (so that quiet series with
        MAD = 0 are not flagged at every small step).

    Returns
    -------
    numpy.ndarray of bool
    """
    window = _positive_int("window", window, 3)
    if not k > 0:
        raise ValueError(f"k must be > 0 robust standard deviations; got {k!r}.")
    v = _float(values)
    if v.shape[1] == 0 or np.all(np.isnan(v)):
        return np.zeros(v.shape, dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows inside long gaps
        med, mad = _rolling_median_mad(v, window)
        dev = np.abs(v - med)
        if min_jump is None:
            floor = 10.0 * np.nanpercentile(dev, 90, axis=1, keepdims=True)
            floor = np.where(np.isfinite(floor), floor, 0.0)
        else:
            floor = np.float64(min_jump)
    with np.errstate(invalid="ignore"):
        return (dev > k * MAD_TO_SD * mad) & (dev > floor) & ~np.isnan(v)


def detect_drift(values, *, window: int = 1440, tol: float = 0.15) -> np.ndarray:
    """Sensors whose share of the peers' total moves away from its first-window share.

    For each sensor ``s`` the rolling sum ``S_s(t)`` over ``window`` samples is divided by
    the median over sensors of the same rolling sums; the flag is
    ``|ratio(t) / ratio(first window) - 1| > tol``. Peers share the weather and the
    calendar, so a real rise (a holiday, rain) moves them together and leaves the ratio
    alone, while a gain drift of one sensor does not.

    Parameters
    ----------
    values : array_like, shape (n_sensor, n_time)
        Readings of sensors of one kind (at least 3 for a meaningful median).
    window : int, default 1440
        Rolling window (one day of minutes). [samples]
    tol : float, default 0.15
        Allowed relative change of the ratio. [-]

    Returns
    -------
    numpy.ndarray of bool
        True from the end of the first window that breaks the tolerance onwards
        (the reading that completes the window), never inside the first window.
    """
    window = _positive_int("window", window)
    if not tol > 0:
        raise ValueError(f"tol must be > 0 (a relative change); got {tol!r}.")
    v = _float(values)
    n, m = v.shape
    out = np.zeros((n, m), dtype=bool)
    if m < 2 * window or n < 3:
        return out
    filled = np.nan_to_num(v, nan=0.0)
    valid = ~np.isnan(v)
    csum = np.cumsum(np.pad(filled, ((0, 0), (1, 0))), axis=1)
    cnt = np.cumsum(np.pad(valid, ((0, 0), (1, 0))), axis=1)
    s = (csum[:, window:] - csum[:, :-window]) / np.maximum(cnt[:, window:] - cnt[:, :-window], 1)
    peers = np.median(s, axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = s / peers
        rel = ratio / ratio[:, :1] - 1.0
    bad = np.abs(np.nan_to_num(rel, nan=0.0)) > tol
    out[:, window - 1 :] = bad
    return out & valid


def flag_all(
    values,
    *,
    stuck_min_run: int = 30,
    spike_window: int = 15,
    spike_k: float = 6.0,
    spike_min_jump: float | None = None,
    drift_window: int = 1440,
    drift_tol: float | None = None,
) -> np.ndarray:
    """The rules at once, as a uint8 bit mask (bits of :data:`RULE_BITS`).

    Parameters are those of the ``detect_*`` functions. The drift rule is off unless
    ``drift_tol`` is given: on a few days of data it raises far more false alarms than
    it finds drifts (see ``workbooks/network/04-data-quality.ipynb``).

    Returns
    -------
    numpy.ndarray of uint8, shape (n_sensor, n_time)
    """
    flags = np.zeros(_as_2d(values).shape, dtype=np.uint8)
    flags[detect_gaps(values)] |= RULE_BITS["gap"]
    flags[detect_stuck(values, min_run=stuck_min_run)] |= RULE_BITS["stuck"]
    if drift_tol is not None:
        flags[detect_drift(values, window=drift_window, tol=drift_tol)] |= RULE_BITS["drift"]
    spikes = detect_spikes(values, window=spike_window, k=spike_k, min_jump=spike_min_jump)
    flags[spikes] |= RULE_BITS["spike"]
    return flags


def fill_short_gaps(values, *, max_gap: int = 10) -> np.ndarray:
    """Linear interpolation over holes of at most ``max_gap`` samples (NaN elsewhere).

    Parameters
    ----------
    values : array_like, shape (n_sensor, n_time)
        Readings with NaN holes.
    max_gap : int, default 10
        Longest hole filled. [samples]

    Returns
    -------
    numpy.ndarray of float64
        Holes at the edges and longer holes stay NaN.

    Examples
    --------
    >>> fill_short_gaps([[1.0, np.nan, 3.0, np.nan, np.nan, 6.0]], max_gap=1).tolist()
    [[1.0, 2.0, 3.0, nan, nan, 6.0]]
    """
    max_gap = _positive_int("max_gap", max_gap, 0)
    v = _float(values)
    n, m = v.shape
    ok = ~np.isnan(v)
    idx = np.broadcast_to(np.arange(m), (n, m))
    prev = np.maximum.accumulate(np.where(ok, idx, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(ok, idx, m)[:, ::-1], axis=1)[:, ::-1]
    hole = ~ok & (prev >= 0) & (nxt < m) & (nxt - prev - 1 <= max_gap)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, m))
    p, q = np.clip(prev, 0, m - 1), np.clip(nxt, 0, m - 1)
    w = np.where(hole, (idx - p) / np.maximum(q - p, 1), 0.0)
    out = v.copy()
    out[hole] = ((1 - w) * v[rows, p] + w * v[rows, q])[hole]
    return out


def clean(values, *, max_gap: int = 10, **rules) -> tuple[np.ndarray, np.ndarray]:
    """Flag with :func:`flag_all`, blank the flagged readings, fill short holes.

    Parameters
    ----------
    values : array_like, shape (n_sensor, n_time)
        Readings.
    max_gap : int, default 10
        Longest hole filled by interpolation. [samples]
    **rules
        Keyword arguments of :func:`flag_all`.

    Returns
    -------
    cleaned : numpy.ndarray of float64
        Readings with flagged values removed and short holes filled (NaN where
        nothing trustworthy is left).
    flags : numpy.ndarray of uint8
        The rule bits.
    """
    flags = flag_all(values, **rules)
    v = _float(values)
    v[flags != 0] = np.nan
    return fill_short_gaps(v, max_gap=max_gap), flags
