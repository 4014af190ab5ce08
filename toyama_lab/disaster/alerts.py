"""River warning levels: when each gauge crossed each level, how long it stayed, lead times.

Japanese river gauges have three named warning levels (水位の名称, 国土交通省 [1]_):

============  =====================  ========================================
key           name                   meaning
============  =====================  ========================================
``caution``   氾濫注意水位            flood caution; 警戒レベル2相当
``evac``      避難判断水位            evacuation decision; 警戒レベル3相当
``danger``    氾濫危険水位            flood danger; 警戒レベル4相当
============  =====================  ========================================

The thresholds of each gauge are the columns ``gauge_caution_m``, ``gauge_evac_m`` and
``gauge_danger_m`` of ``city.sensors`` (and coordinates of the river cube). Every function
here works on whole ``(n_gauge, n_time)`` arrays: a level is "reached" at a minute when the
stage is at or above the threshold (the same rule as the cube's ``alert`` variable).

References
----------
.. [1] 国土交通省 水管理・国土保全局, 「水位の名称 (氾濫注意水位・避難判断水位・氾濫危険水位)」
   and 内閣府, 「避難情報に関するガイドライン」 (令和3年5月), the correspondence of river
   levels to the 5-level alert scheme (警戒レベル).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import xarray as xr

__all__ = [
    "LEVELS",
    "LEVEL_COLUMNS",
    "LEVEL_NAMES",
    "alert_level",
    "crossings",
    "gauge_summary",
    "lead_times",
    "rain_peaks",
    "thresholds_of",
]

#: Warning level keys, lowest first.
LEVELS: tuple[str, ...] = ("caution", "evac", "danger")
#: Column of ``city.sensors`` (and coordinate of the river cube) holding each threshold.
LEVEL_COLUMNS: dict[str, str] = {
    "caution": "gauge_caution_m",
    "evac": "gauge_evac_m",
    "danger": "gauge_danger_m",
}
#: ``key -> (Japanese, English)`` names; ``none`` is "below every level".
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "none": ("注意水位未満", "Below caution"),
    "caution": ("氾濫注意水位", "Flood caution level"),
    "evac": ("避難判断水位", "Evacuation decision level"),
    "danger": ("氾濫危険水位", "Flood danger level"),
}


def thresholds_of(gauges) -> np.ndarray:
    """The ``(n_gauge, 3)`` threshold array (caution, evac, danger) of a table or a cube.

    Parameters
    ----------
    gauges : polars.DataFrame or xarray.Dataset
        Rows of ``city.sensors`` of kind ``river``, or a river cube
        (``Dataset.timeseries("river")``) with the threshold coordinates.

    Returns
    -------
    numpy.ndarray
        Thresholds, one row per gauge. [m]

    Raises
    ------
    ValueError
        If a threshold column is missing or the levels are not increasing
        (caution < evac < danger) for a gauge.
    """
    cols = list(LEVEL_COLUMNS.values())
    if isinstance(gauges, xr.Dataset):
        missing = [c for c in cols if c not in gauges.coords and c not in gauges.data_vars]
        get = lambda c: np.asarray(gauges[c].values, dtype=np.float64)  # noqa: E731
    elif isinstance(gauges, pl.DataFrame):
        missing = [c for c in cols if c not in gauges.columns]
        get = lambda c: gauges[c].cast(pl.Float64).to_numpy()  # noqa: E731
    else:
        raise TypeError(
            f"expected a polars DataFrame of river gauges or a river cube, got "
            f"{type(gauges).__name__}; pass city.sensors.filter(kind == 'river') or "
            "ds.timeseries('river')."
        )
    if missing:
        raise ValueError(
            f"river gauges lack threshold column(s) {missing}; expected {cols} "
            "(use the river rows of city.sensors or the river cube)."
        )
    th = np.stack([get(c) for c in cols], axis=1)
    bad = ~((th[:, 0] < th[:, 1]) & (th[:, 1] < th[:, 2]))
    if bad.any():
        raise ValueError(
            f"gauge rows {np.flatnonzero(bad).tolist()} do not have caution < evac < danger "
            f"thresholds: {th[bad].tolist()}; check the gauge table."
        )
    return th


def alert_level(level, thresholds) -> np.ndarray:
    """Highest warning level reached at each gauge and time: 0 none, 1 caution, 2 evac, 3 danger.

    Parameters
    ----------
    level : array_like, shape (n_gauge, n_time)
        River stage; NaN (a gap) counts as level 0. [m]
    thresholds : array_like, shape (n_gauge, 3)
        Caution, evacuation-decision and danger levels per gauge (:func:`thresholds_of`). [m]

    Returns
    -------
    numpy.ndarray of uint8, shape (n_gauge, n_time)

    Examples
    --------
    >>> alert_level([[1.0, 2.5, 3.5]], [[2.0, 3.0, 3.4]]).tolist()
    [[0, 1, 3]]
    """
    lv = np.atleast_2d(np.asarray(level, dtype=np.float64))
    th = np.atleast_2d(np.asarray(thresholds, dtype=np.float64))
    if th.shape != (lv.shape[0], 3):
        raise ValueError(
            f"thresholds must have shape (n_gauge, 3) = ({lv.shape[0]}, 3) to match level "
            f"{lv.shape}; got {th.shape}."
        )
    with np.errstate(invalid="ignore"):
        reached = lv[:, None, :] >= th[:, :, None]  # NaN compares False
    return reached.sum(axis=1).astype(np.uint8)


def _ids_times(cube: xr.Dataset):
    ids = np.asarray([str(s) for s in cube["sensor_id"].values])
    times = np.asarray(cube["time"].values).astype("datetime64[ms]")
    return ids, times


def crossings(cube: xr.Dataset, variable: str = "level_true") -> pl.DataFrame:
    """The alert timeline: for each gauge and level, when it was first reached and for how long.

    Parameters
    ----------
    cube : xarray.Dataset
        River cube (``Dataset.timeseries("river")``) with ``sensor_id``, ``time`` and the
        threshold coordinates.
    variable : str
        Stage variable: ``level_true`` (the truth) or ``level`` (as reported, with gaps).

    Returns
    -------
    polars.DataFrame
        One row per gauge and level that was reached: ``sensor_id``, ``level``
        (``caution``/``evac``/``danger``), ``threshold_m`` [m], ``first_reached``,
        ``last_reached`` (JST naive; the last minute at or above), ``minutes_above`` [min],
        ``n_episodes`` (upward crossings; a stage already above at the first minute counts
        as one). Sorted by ``first_reached``.

    Raises
    ------
    KeyError
        If the variable is not in the cube.
    """
    if variable not in cube.data_vars:
        raise KeyError(f"no variable {variable!r} in the cube; it has {list(cube.data_vars)}.")
    ids, times = _ids_times(cube)
    lv = np.asarray(cube[variable].values, dtype=np.float64)
    th = thresholds_of(cube)
    with np.errstate(invalid="ignore"):
        above = lv[:, None, :] >= th[:, :, None]  # (g, 3, t)
    n_t = above.shape[2]
    any_above = above.any(axis=2)
    first = above.argmax(axis=2)
    last = n_t - 1 - above[:, :, ::-1].argmax(axis=2)
    starts = above[:, :, 0].astype(np.int64) + (np.diff(above.astype(np.int8), axis=2) == 1).sum(
        axis=2
    )
    dt_min = (
        float((times[1] - times[0]) / np.timedelta64(1, "m")) if times.size > 1 else 1.0
    )  # step [min]
    g, k = np.nonzero(any_above)
    out = pl.DataFrame(
        {
            "sensor_id": ids[g],
            "level": np.asarray(LEVELS)[k],
            "threshold_m": th[g, k],
            "first_reached": times[first[g, k]],
            "last_reached": times[last[g, k]],
            "minutes_above": above.sum(axis=2)[g, k] * dt_min,
            "n_episodes": starts[g, k],
        },
        schema={
            "sensor_id": pl.String,
            "level": pl.String,
            "threshold_m": pl.Float64,
            "first_reached": pl.Datetime("ms"),
            "last_reached": pl.Datetime("ms"),
            "minutes_above": pl.Float64,
            "n_episodes": pl.Int64,
        },
    )
    return out.sort("first_reached", "sensor_id")


def gauge_summary(cube: xr.Dataset, variable: str = "level_true") -> pl.DataFrame:
    """Per gauge: peak stage and time, and the highest warning level reached.

    Parameters
    ----------
    cube : xarray.Dataset
        River cube, as for :func:`crossings`.
    variable : str
        Stage variable.

    Returns
    -------
    polars.DataFrame
        ``sensor_id``, ``name_ja``, ``name_romaji``, ``river``, ``lon``, ``lat`` [deg],
        ``peak_m`` [m], ``peak_time``, ``max_alert`` (0-3), ``max_level`` (``none``,
        ``caution``, ``evac`` or ``danger``), ``gauge_caution_m``, ``gauge_evac_m``,
        ``gauge_danger_m`` [m] and ``upstream_rain``, in cube order.
    """
    if variable not in cube.data_vars:
        raise KeyError(f"no variable {variable!r} in the cube; it has {list(cube.data_vars)}.")
    ids, times = _ids_times(cube)
    lv = np.asarray(cube[variable].values, dtype=np.float64)
    th = thresholds_of(cube)
    all_nan = np.isnan(lv).all(axis=1)
    peak_i = np.where(all_nan, 0, np.nanargmax(np.where(np.isnan(lv), -np.inf, lv), axis=1))
    peak = np.where(all_nan, np.nan, lv[np.arange(lv.shape[0]), peak_i])
    max_alert = alert_level(peak[:, None], th)[:, 0]
    names = ("none", *LEVELS)
    coord = {c: [str(v) for v in cube[c].values] for c in ("name_ja", "name_romaji", "river")}
    extra = {
        "upstream_rain": [str(v) for v in cube["upstream_rain"].values]
        if "upstream_rain" in cube.coords
        else [None] * len(ids)
    }
    return pl.DataFrame(
        {
            "sensor_id": ids,
            **coord,
            "lon": np.asarray(cube["lon"].values, dtype=np.float64),
            "lat": np.asarray(cube["lat"].values, dtype=np.float64),
            "peak_m": peak,
            "peak_time": np.where(all_nan, np.datetime64("NaT"), times[peak_i]),
            "max_alert": max_alert,
            "max_level": [names[a] for a in max_alert],
            "gauge_caution_m": th[:, 0],
            "gauge_evac_m": th[:, 1],
            "gauge_danger_m": th[:, 2],
            **extra,
        },
        schema_overrides={"peak_time": pl.Datetime("ms"), "upstream_rain": pl.String},
    )


def rain_peaks(rain: xr.Dataset, variable: str = "precip_true", window_min: int = 60):
    """Time and size of the heaviest rolling-window rain at each rain gauge.

    Parameters
    ----------
    rain : xarray.Dataset
        Rain cube (``Dataset.timeseries("rain")``), 1-minute steps.
    variable : str
        Per-minute precipitation variable. [mm]
    window_min : int
        Window of the rolling sum; 60 gives the familiar 時間雨量 [mm/h]. [min]

    Returns
    -------
    polars.DataFrame
        ``rain_id``, ``peak_time`` (end of the heaviest window, JST naive),
        ``peak_mm`` (rain in that window) [mm], ``total_mm`` [mm].
    """
    if variable not in rain.data_vars:
        raise KeyError(f"no variable {variable!r} in the rain cube; it has {list(rain.data_vars)}.")
    if isinstance(window_min, bool) or not isinstance(window_min, int) or window_min < 1:
        raise ValueError(f"window_min={window_min!r} must be a positive whole number of minutes.")
    ids, times = _ids_times(rain)
    p = np.nan_to_num(np.asarray(rain[variable].values, dtype=np.float64))
    c = np.concatenate([np.zeros((p.shape[0], 1)), np.cumsum(p, axis=1)], axis=1)
    w = min(window_min, p.shape[1])
    roll = c[:, w:] - c[:, :-w]  # window ending at minute j + w - 1
    j = roll.argmax(axis=1)
    return pl.DataFrame(
        {
            "rain_id": ids,
            "peak_time": times[j + w - 1],
            "peak_mm": roll[np.arange(len(ids)), j],
            "total_mm": c[:, -1],
        },
        schema_overrides={"peak_time": pl.Datetime("ms")},
    )


def lead_times(
    timeline: pl.DataFrame,
    summary: pl.DataFrame,
    peaks: pl.DataFrame | None = None,
    *,
    levels: Sequence[str] = ("caution", "danger"),
) -> pl.DataFrame:
    """Lead times per gauge: from the upstream rain peak, and from one level to a higher one.

    Parameters
    ----------
    timeline : polars.DataFrame
        From :func:`crossings`.
    summary : polars.DataFrame
        From :func:`gauge_summary` (gives ``upstream_rain`` and the peak).
    peaks : polars.DataFrame, optional
        From :func:`rain_peaks`; without it the rain-peak columns are null.
    levels : (str, str)
        The lower and the higher level: the lead time is the time from first reaching the
        lower one to first reaching the higher one (default caution -> danger).

    Returns
    -------
    polars.DataFrame
        ``sensor_id``, ``upstream_rain``, ``rain_peak_time``, ``first_<lower>``,
        ``first_<higher>``, ``peak_time``, ``lead_rain_to_<higher>_min``,
        ``lead_<lower>_to_<higher>_min``, ``lag_rain_to_peak_min`` [min] (null where a level
        was not reached).
    """
    lo, hi = levels
    if lo not in LEVELS or hi not in LEVELS or LEVELS.index(lo) >= LEVELS.index(hi):
        raise ValueError(
            f"levels={tuple(levels)!r} must be two of {LEVELS}, the lower first, "
            "e.g. ('caution', 'danger')."
        )
    first = timeline.pivot(on="level", index="sensor_id", values="first_reached")
    for k in (lo, hi):
        if k not in first.columns:
            first = first.with_columns(pl.lit(None, dtype=pl.Datetime("ms")).alias(k))
    first = first.select(
        "sensor_id", pl.col(lo).alias(f"first_{lo}"), pl.col(hi).alias(f"first_{hi}")
    )
    out = summary.select("sensor_id", "upstream_rain", "peak_time").join(
        first, on="sensor_id", how="left"
    )
    if peaks is not None:
        out = out.join(
            peaks.select(
                pl.col("rain_id").alias("upstream_rain"),
                pl.col("peak_time").alias("rain_peak_time"),
            ),
            on="upstream_rain",
            how="left",
        )
    else:
        out = out.with_columns(pl.lit(None, dtype=pl.Datetime("ms")).alias("rain_peak_time"))

    def minutes(a: str, b: str) -> pl.Expr:
        return (pl.col(b) - pl.col(a)).dt.total_seconds() / 60.0

    return out.select(
        "sensor_id",
        "upstream_rain",
        "rain_peak_time",
        f"first_{lo}",
        f"first_{hi}",
        "peak_time",
        minutes("rain_peak_time", f"first_{hi}").alias(f"lead_rain_to_{hi}_min"),
        minutes(f"first_{lo}", f"first_{hi}").alias(f"lead_{lo}_to_{hi}_min"),
        minutes("rain_peak_time", "peak_time").alias("lag_rain_to_peak_min"),
    )
