"""Bicycle-park congestion alerts (駐輪場の混雑お知らせ): occupancy, alerts, nowcasts.

Toyama City counts bicycles going in and out of its bicycle parks with reflective
photoelectric sensors and shows the live occupancy in an app, so that riders go
where there is room. This module holds the arithmetic behind such a service:

- :func:`occupancy_rate` and :func:`free_places`;
- :func:`alert_level`: 空き / 混雑 / 満車 from two thresholds;
- :func:`nowcast`: the occupancy ``horizon`` steps ahead by persistence, by
  persistence plus the recent trend, or by persistence plus yesterday's change at
  the same time of day (a seasonal-naive correction);
- :func:`mae` and :func:`skill`: scores against the truth and against plain
  persistence.

All functions work on whole numpy arrays of shape ``(sensor, time)`` at a regular
step (e.g. 10-minute means), with time on the last axis.

References
----------
Hyndman, R.J. & Athanasopoulos, G. (2021) *Forecasting: Principles and Practice*,
3rd ed., OTexts, sec. 5.2 (naive and seasonal naive methods) and sec. 5.8
(scale-dependent errors: MAE) -- the benchmark methods used here.
Murphy, A.H. (1988) Skill scores based on the mean square error and their
relationships to the correlation coefficient, *Mon. Wea. Rev.* 116, 2417-2424
(the skill score ``1 - score / score_reference``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ALERT_LABELS",
    "BUSY_PCT",
    "FULL_PCT",
    "METHODS",
    "alert_hours",
    "alert_level",
    "free_places",
    "mae",
    "nowcast",
    "occupancy_rate",
    "score_methods",
    "skill",
]

#: Default threshold for 混雑 (busy). [%] Synthetic teaching choice: the city's
#: app shows a few colour bands; the exact thresholds are a parameter.
BUSY_PCT = 80.0
#: Default threshold for 満車 (full). [%] Below 100 % because the last places are
#: hard to find in a large park (a teaching choice; a parameter in the workbook).
FULL_PCT = 95.0
#: Alert level -> (Japanese, English), level 0..2.
ALERT_LABELS: tuple[tuple[str, str], ...] = (("空き", "Free"), ("混雑", "Busy"), ("満車", "Full"))
#: Nowcast methods of :func:`nowcast`.
METHODS: tuple[str, ...] = ("persistence", "trend", "daily_change")


def occupancy_rate(occupancy, capacity) -> np.ndarray:
    """Occupied share of a bicycle park. [%]

    Parameters
    ----------
    occupancy : array_like, shape (n_sensor, n_time) or (n_time,)
        Bicycles parked (NaN for a gap). [bicycles]
    capacity : array_like, shape (n_sensor,) or scalar
        Places in each park. [bicycles]

    Returns
    -------
    numpy.ndarray of float64
        ``100 * occupancy / capacity``; NaN where occupancy is NaN.

    Raises
    ------
    ValueError
        If a capacity is not positive.
    """
    occ = np.asarray(occupancy, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    if np.any(~(cap > 0)):
        raise ValueError(f"capacity must be > 0 places for every park, got {cap!r}.")
    if cap.ndim == 1 and occ.ndim == 2:
        cap = cap[:, None]
    return 100.0 * occ / cap


def free_places(occupancy, capacity) -> np.ndarray:
    """Free places, ``capacity - occupancy`` clipped at 0. [bicycles]"""
    occ = np.asarray(occupancy, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    if cap.ndim == 1 and occ.ndim == 2:
        cap = cap[:, None]
    return np.maximum(cap - occ, 0.0)


def alert_level(rate, busy: float = BUSY_PCT, full: float = FULL_PCT) -> np.ndarray:
    """Alert level of an occupancy rate: 0 空き, 1 混雑, 2 満車 (-1 for no data).

    Parameters
    ----------
    rate : array_like
        Occupancy rate from :func:`occupancy_rate`. [%]
    busy, full : float
        Thresholds: ``rate >= busy`` is 混雑, ``rate >= full`` is 満車. [%]

    Returns
    -------
    numpy.ndarray of int8

    Raises
    ------
    ValueError
        Unless ``0 < busy < full <= 100``.

    Examples
    --------
    >>> alert_level([50.0, 85.0, 97.0, float("nan")]).tolist()
    [0, 1, 2, -1]
    """
    if not 0.0 < busy < full <= 100.0:
        raise ValueError(
            f"thresholds busy={busy!r}, full={full!r} must satisfy 0 < busy < full <= 100 [%], "
            "e.g. busy=80, full=95."
        )
    r = np.asarray(rate, dtype=np.float64)
    level = (r >= busy).astype(np.int8) + (r >= full).astype(np.int8)
    return np.where(np.isnan(r), np.int8(-1), level).astype(np.int8)


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """``out[..., t] = x[..., t - k]`` (NaN where ``t - k`` is outside)."""
    out = np.full_like(x, np.nan)
    if k == 0:
        return x.copy()
    if k < x.shape[-1]:
        out[..., k:] = x[..., :-k]
    return out


def nowcast(
    series,
    horizon: int,
    method: str = "persistence",
    *,
    window: int = 3,
    period: int | None = None,
    capacity=None,
) -> np.ndarray:
    """Forecast a regular series ``horizon`` steps ahead, aligned with the target time.

    ``out[..., t]`` is the forecast **for** time ``t``, made at time ``t - horizon``
    from values up to that time only (NaN where there is not enough past).

    Parameters
    ----------
    series : array_like, shape (n_sensor, n_time) or (n_time,)
        Regular series, e.g. 10-minute mean occupancy. [any unit]
    horizon : int
        Steps ahead (6 steps of 10 minutes = the next hour). [steps]
    method : {"persistence", "trend", "daily_change"}
        ``persistence``: the last value, ``x[t-h]``.
        ``trend``: the last value plus ``h`` times the mean change per step over the
        last ``window`` steps.
        ``daily_change``: the last value plus the change over the same ``h`` steps
        one ``period`` earlier (yesterday at the same time): persistence corrected by
        the seasonal-naive change.
    window : int
        Steps of the trend (``trend`` only). [steps]
    period : int, optional
        Steps per day (``daily_change`` only; 144 for 10-minute steps). [steps]
    capacity : array_like, optional
        Clip the forecast to ``[0, capacity]`` (per sensor). [bicycles]

    Returns
    -------
    numpy.ndarray of float64, same shape as ``series``

    Raises
    ------
    ValueError
        For an unknown method, ``horizon < 1``, ``window < 1``, or ``daily_change``
        without a ``period`` longer than ``horizon``.

    References
    ----------
    Hyndman & Athanasopoulos (2021), sec. 5.2.
    """
    x = np.asarray(series, dtype=np.float64)
    if method not in METHODS:
        raise ValueError(f"unknown nowcast method {method!r}; expected one of {METHODS}.")
    if isinstance(horizon, bool) or int(horizon) != horizon or horizon < 1:
        raise ValueError(f"horizon={horizon!r} must be a whole number of steps >= 1.")
    h = int(horizon)
    last = _shift(x, h)
    if method == "persistence":
        out = last
    elif method == "trend":
        if int(window) != window or window < 1:
            raise ValueError(f"window={window!r} must be a whole number of steps >= 1.")
        slope = (last - _shift(x, h + int(window))) / float(window)
        out = last + h * slope
    else:
        if period is None or int(period) != period or period <= h:
            raise ValueError(
                f"method 'daily_change' needs period (steps per day) > horizon={h}, got "
                f"{period!r}; e.g. period=144 for 10-minute steps."
            )
        p = int(period)
        out = last + (_shift(x, p) - _shift(x, p + h))
    if capacity is not None:
        cap = np.asarray(capacity, dtype=np.float64)
        if cap.ndim == 1 and out.ndim == 2:
            cap = cap[:, None]
        out = np.clip(out, 0.0, cap)
    return out


def mae(truth, forecast, axis=None) -> np.ndarray:
    """Mean absolute error over the pairs where both values exist.

    Parameters
    ----------
    truth, forecast : array_like
        Same shape. NaN pairs are left out.
    axis : int, optional
        Average along this axis only (e.g. ``-1``: one MAE per sensor).

    Returns
    -------
    numpy.ndarray or float
        In the unit of the inputs; NaN where no pair exists.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    t = np.asarray(truth, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if t.shape != f.shape:
        raise ValueError(f"truth {t.shape} and forecast {f.shape} must have the same shape.")
    err = np.abs(t - f)
    ok = ~np.isnan(err)
    n = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(ok, err, 0.0).sum(axis=axis) / n, np.nan)


def skill(score, reference) -> np.ndarray:
    """Skill score ``1 - score / reference`` (1 perfect, 0 no better, < 0 worse).

    For an error measure such as MAE (Murphy 1988). NaN where ``reference`` is 0.
    """
    s = np.asarray(score, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r > 0, 1.0 - s / r, np.nan)


def alert_hours(level, names, step_min: float, *, lang: str = "ja"):
    """Hours each park spent at each alert level (空き / 混雑 / 満車).

    Parameters
    ----------
    level : array_like of int, shape (n_park, n_time)
        From :func:`alert_level` (-1 where unknown, not counted).
    names : sequence of str
        Park names in the reader's language.
    step_min : float
        Length of one time step. [min]
    lang : {"ja", "en"}
        Language of the column names.

    Returns
    -------
    polars.DataFrame
        ``name`` and one column per alert label (``"<label> [h]"``). [h]

    Raises
    ------
    ValueError
        If ``lang`` is not supported or ``names`` does not match the parks.

    Examples
    --------
    >>> alert_hours(np.array([[0, 1, 2, 2]]), ["A"], 30, lang="en").row(0)
    ('A', 0.5, 0.5, 1.0)
    """
    import polars as pl

    if lang not in ("ja", "en"):
        raise ValueError(f"lang={lang!r} is not supported; expected 'ja' or 'en'.")
    lv = np.asarray(level)
    if lv.ndim != 2 or lv.shape[0] != len(names):
        raise ValueError(f"level has shape {lv.shape}; expected ({len(names)}, n_time).")
    hours = step_min / 60.0
    cols = {
        f"{labels[lang == 'en']} [h]": (lv == k).sum(axis=1) * hours
        for k, labels in enumerate(ALERT_LABELS)
    }
    return pl.DataFrame({"name": list(names), **cols})


def score_methods(truth, forecasts, scored, reference: str = "persistence"):
    """MAE of each nowcast and its skill against a reference, on the scored time steps.

    Parameters
    ----------
    truth : array_like, shape (n_park, n_time)
        True occupancy. [bicycles]
    forecasts : mapping of str to array_like
        ``method -> forecast`` of the same shape. [bicycles]
    scored : slice or array of bool/int
        Time steps to score (e.g. leave out the first day, which has no "yesterday").
    reference : str
        Method the skill score compares with.

    Returns
    -------
    polars.DataFrame
        ``method``, ``mae_bicycles`` [bicycles], ``skill_vs_<reference>`` [-].

    Raises
    ------
    ValueError
        If ``reference`` is not one of the forecasts.

    Examples
    --------
    >>> t = np.array([[1.0, 2.0, 3.0]])
    >>> s = score_methods(t, {"persistence": t - 1, "trend": t}, slice(None))
    >>> s["skill_vs_persistence"].to_list()
    [0.0, 1.0]
    """
    import polars as pl

    if reference not in forecasts:
        raise ValueError(f"reference={reference!r} is not one of {list(forecasts)}.")
    t = np.asarray(truth, dtype=np.float64)
    err = {m: float(mae(t[:, scored], np.asarray(f)[:, scored])) for m, f in forecasts.items()}
    return pl.DataFrame(
        {
            "method": list(err),
            "mae_bicycles": list(err.values()),
            f"skill_vs_{reference}": [float(skill(v, err[reference])) for v in err.values()],
        }
    )
