"""A transparent 5-level crowd forecast from calendar and weather.

Kanazawa's tourism comfort map (かなざわ観光快適度マップ) combines people-flow data
with weather to forecast crowding at sightseeing spots in **five levels, up to three
months ahead**. This module builds the same kind of forecast for daily pedestrian
totals, with a model a class can read line by line:

``log(daily total) = b0 + b_weekday + b_holiday + b_event + b_month + b_rain * log(1 + rain)``

fitted by (slightly ridge-regularised) least squares in numpy
(:func:`design_matrix`, :func:`fit`, :meth:`CrowdModel.predict`). Each coefficient is
a multiplicative factor (``exp(b)``): "Sundays x 1.2", "rain of 20 mm x 0.8".
Levels come from quantiles of the history (:func:`level_cuts`, :func:`to_level`);
the forecast is scored against two naive baselines (:func:`same_weekday_baseline`,
:func:`climatology_baseline`) with :func:`scores` and a skill score.

References
----------
Hyndman, R.J. & Athanasopoulos, G. (2021) *Forecasting: Principles and Practice*,
3rd ed., OTexts: sec. 5.2 (naive / seasonal-naive benchmarks), sec. 7.4 (dummy
variables for day of week and holidays), sec. 5.8 (MAE, skill against a benchmark).
Duan, N. (1983) Smearing estimate: a nonparametric retransformation method,
*J. Am. Stat. Assoc.* 78(383), 605-610 (the back-transform of a log model).
Hoerl, A.E. & Kennard, R.W. (1970) Ridge regression, *Technometrics* 12(1), 55-67.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = [
    "LEVEL_LABELS",
    "N_LEVELS",
    "CrowdModel",
    "climatology_baseline",
    "design_matrix",
    "fit",
    "level_cuts",
    "same_weekday_baseline",
    "score_table",
    "scores",
    "to_level",
    "with_daily_rain",
]

#: Number of crowd levels (as in かなざわ観光快適度マップ).
N_LEVELS = 5
#: Level 1..5 -> (Japanese, English).
LEVEL_LABELS: tuple[tuple[str, str], ...] = (
    ("快適", "Comfortable"),
    ("やや快適", "Fairly comfortable"),
    ("普通", "Normal"),
    ("やや混雑", "Fairly crowded"),
    ("混雑", "Crowded"),
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def design_matrix(
    days: pl.DataFrame, rain_mm=None, *, month: bool = True
) -> tuple[np.ndarray, list[str]]:
    """The feature matrix of the crowd model, one row per day.

    Parameters
    ----------
    days : polars.DataFrame
        ``date`` (Date), ``weekday`` (0 = Monday), ``holiday`` (bool) and ``event``
        (bool), e.g. :func:`toyama_lab.mobility.kpi.day_table` with an ``event``
        column added.
    rain_mm : array_like, optional
        Daily rain per day. [mm/day] Omit to build a calendar-only model.
    month : bool
        Include month dummies (needs a history covering the months to forecast).

    Returns
    -------
    X : numpy.ndarray of float64, shape (n_day, n_feature)
        Columns: ``intercept``, ``tue`` .. ``sun`` (Monday is the reference),
        ``holiday``, ``event``, ``m02`` .. ``m12`` (January is the reference) and
        ``log1p_rain``.
    names : list of str
        The column names.

    Raises
    ------
    ValueError
        For missing columns or a rain array of the wrong length or with negatives.
    """
    need = ("date", "weekday", "holiday", "event")
    missing = [c for c in need if c not in days.columns]
    if missing:
        raise ValueError(f"days lacks column(s) {missing}; expected {need} (see kpi.day_table).")
    wd = days["weekday"].to_numpy().astype(np.int64)
    cols = [np.ones(days.height)]
    names = ["intercept"]
    for k in range(1, 7):
        cols.append((wd == k).astype(float))
        names.append(_WEEKDAYS[k])
    cols += [days["holiday"].to_numpy().astype(float), days["event"].to_numpy().astype(float)]
    names += ["holiday", "event"]
    if month:
        mon = days["date"].dt.month().to_numpy()
        for m in range(2, 13):
            cols.append((mon == m).astype(float))
            names.append(f"m{m:02d}")
    if rain_mm is not None:
        rain = np.asarray(rain_mm, dtype=np.float64)
        if rain.shape != (days.height,):
            raise ValueError(
                f"rain_mm has shape {rain.shape}; expected ({days.height},), one a day."
            )
        if np.any(rain < 0) or np.any(~np.isfinite(rain)):
            raise ValueError("rain_mm must be finite and >= 0 [mm/day].")
        cols.append(np.log1p(rain))
        names.append("log1p_rain")
    return np.column_stack(cols), names


@dataclass(frozen=True)
class CrowdModel:
    """A fitted log-linear crowd model.

    Attributes
    ----------
    names : tuple of str
        Feature names (:func:`design_matrix`).
    coef : numpy.ndarray
        Coefficients on the log scale.
    smear : float
        Duan's smearing factor, mean of ``exp(residual)`` (back-transform bias).
    """

    names: tuple[str, ...]
    coef: np.ndarray
    smear: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Forecast daily totals for the rows of ``X``. [same unit as the fitted y]

        Raises
        ------
        ValueError
            If ``X`` has another number of columns than the fitted model.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.names):
            raise ValueError(
                f"X has shape {X.shape}; expected (n_day, {len(self.names)}) with columns "
                f"{list(self.names)} (build it with design_matrix and the same options)."
            )
        return np.exp(X @ self.coef) * self.smear

    def factors(self) -> pl.DataFrame:
        """The multiplicative effect ``exp(coef)`` of every feature but the intercept."""
        return pl.DataFrame({"feature": list(self.names[1:]), "factor": np.exp(self.coef[1:])})


def fit(X: np.ndarray, y, names, *, ridge: float = 1e-3) -> CrowdModel:
    """Fit ``log(y) = X b`` by ridge-regularised least squares.

    Parameters
    ----------
    X : numpy.ndarray, shape (n_day, n_feature)
        From :func:`design_matrix`.
    y : array_like, shape (n_day,)
        Daily totals, > 0. [persons/day]
    names : sequence of str
        Feature names from :func:`design_matrix`.
    ridge : float
        Penalty on every coefficient but the intercept (Hoerl & Kennard 1970); a
        small value keeps a feature that never occurs in the history (an event
        type, a month) at factor 1 instead of an arbitrary number.

    Returns
    -------
    CrowdModel

    Raises
    ------
    ValueError
        If shapes disagree, a total is not positive, or there are fewer days than
        features.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],) or len(names) != X.shape[1]:
        raise ValueError(
            f"X {X.shape}, y {y.shape} and {len(names)} names do not match; "
            "pass design_matrix(...) and one total per row."
        )
    if np.any(~(y > 0)):
        raise ValueError("every daily total must be > 0 to take its logarithm; drop empty days.")
    if X.shape[0] < X.shape[1]:
        raise ValueError(
            f"{X.shape[0]} days cannot fit {X.shape[1]} features; use a longer history "
            "or month=False."
        )
    if not ridge >= 0:
        raise ValueError(f"ridge={ridge!r} must be >= 0.")
    z = np.log(y)
    pen = np.full(X.shape[1], float(ridge) * X.shape[0])
    pen[0] = 0.0
    coef = np.linalg.solve(X.T @ X + np.diag(pen), X.T @ z)
    smear = float(np.mean(np.exp(z - X @ coef)))
    return CrowdModel(names=tuple(names), coef=coef, smear=smear)


def level_cuts(history, n_levels: int = N_LEVELS) -> np.ndarray:
    """Cut-points between crowd levels: equally spaced quantiles of the history.

    Parameters
    ----------
    history : array_like
        Past daily totals. [persons/day]
    n_levels : int
        Number of levels (5: each level holds a fifth of the past days).

    Returns
    -------
    numpy.ndarray, shape (n_levels - 1,)
        Increasing cut-points (the 20/40/60/80 % quantiles for 5 levels).
    """
    h = np.asarray(history, dtype=np.float64)
    h = h[np.isfinite(h)]
    if isinstance(n_levels, bool) or int(n_levels) != n_levels or n_levels < 2:
        raise ValueError(f"n_levels={n_levels!r} must be a whole number >= 2.")
    if h.size < n_levels:
        raise ValueError(
            f"need at least {n_levels} past days to set {n_levels} levels, got {h.size}."
        )
    return np.quantile(h, np.arange(1, n_levels) / n_levels)


def to_level(values, cuts) -> np.ndarray:
    """Crowd level 1..n of each value (``cuts`` from :func:`level_cuts`); 0 for NaN."""
    v = np.asarray(values, dtype=np.float64)
    c = np.asarray(cuts, dtype=np.float64)
    if np.any(np.diff(c) < 0):
        raise ValueError(f"cuts must be increasing, got {c!r}.")
    return np.where(np.isnan(v), 0, np.searchsorted(c, v, side="right") + 1).astype(np.int8)


def same_weekday_baseline(history: pl.DataFrame, target_dates, weeks: int = 4) -> np.ndarray:
    """Naive forecast: the mean of the last ``weeks`` same weekdays of the history.

    Parameters
    ----------
    history : polars.DataFrame
        ``date`` and ``total`` of the past days (the forecast origin is its last day).
    target_dates : sequence of datetime.date
        Days to forecast (after the history).
    weeks : int
        Number of past same weekdays averaged.

    Returns
    -------
    numpy.ndarray of float64
        One forecast per target date (NaN if the weekday never occurs).
    """
    if isinstance(weeks, bool) or int(weeks) != weeks or weeks < 1:
        raise ValueError(f"weeks={weeks!r} must be a whole number >= 1.")
    last = (
        history.sort("date")
        .with_columns(wd=pl.col("date").dt.weekday())
        .group_by("wd")
        .agg(pl.col("total").tail(int(weeks)).mean().alias("forecast"))
    )
    tgt = pl.DataFrame({"date": list(target_dates)}).with_columns(
        pl.col("date").cast(pl.Date), wd=pl.col("date").cast(pl.Date).dt.weekday()
    )
    return tgt.join(last, on="wd", how="left", maintain_order="left")["forecast"].to_numpy()


def climatology_baseline(history: pl.DataFrame, target_dates) -> np.ndarray:
    """Naive forecast: the mean of all past days with the same weekday (climatology)."""
    return same_weekday_baseline(history, target_dates, weeks=10**6)


def scores(truth, forecast, cuts) -> dict[str, float]:
    """Scores of a daily forecast: count error and level agreement.

    Parameters
    ----------
    truth, forecast : array_like
        Observed and forecast daily totals. [persons/day]
    cuts : array_like
        Level cut-points (:func:`level_cuts`).

    Returns
    -------
    dict
        ``mae`` [persons/day], ``mape`` [%], ``level_hit`` (share of days with the
        exact level) [-], ``level_within_one`` [-] and ``level_mae`` [levels].
    """
    t = np.asarray(truth, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    if t.shape != f.shape:
        raise ValueError(f"truth {t.shape} and forecast {f.shape} must have the same shape.")
    ok = np.isfinite(t) & np.isfinite(f)
    if not ok.any():
        raise ValueError("no day has both a truth and a forecast.")
    t, f = t[ok], f[ok]
    lt, lf = to_level(t, cuts).astype(int), to_level(f, cuts).astype(int)
    return {
        "mae": float(np.mean(np.abs(t - f))),
        "mape": float(100.0 * np.mean(np.abs(t - f) / t)),
        "level_hit": float(np.mean(lt == lf)),
        "level_within_one": float(np.mean(np.abs(lt - lf) <= 1)),
        "level_mae": float(np.mean(np.abs(lt - lf))),
    }


def score_table(truth, candidates, cuts, references) -> pl.DataFrame:
    """Scores of several forecasts side by side, with skill against named references.

    Parameters
    ----------
    truth : array_like
        Observed daily totals. [persons/day]
    candidates : mapping of str to array_like
        ``name -> forecast`` of the same length. [persons/day]
    cuts : array_like
        Level cut-points (:func:`level_cuts`).
    references : mapping of str to str
        ``column suffix -> candidate name``: adds ``skill_vs_<suffix>`` =
        ``1 - mae / mae(reference)`` [-].

    Returns
    -------
    polars.DataFrame
        ``forecast`` and the columns of :func:`scores`, then one skill column per reference.

    Raises
    ------
    ValueError
        If a reference is not a candidate.

    Examples
    --------
    >>> t = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    >>> s = score_table(t, {"a": t, "b": t + 10}, level_cuts(t), {"b": "b"})
    >>> s["skill_vs_b"].to_list()
    [1.0, 0.0]
    """
    missing = [r for r in references.values() if r not in candidates]
    if missing:
        raise ValueError(f"references {missing} are not among the candidates {list(candidates)}.")
    table = pl.DataFrame([{"forecast": k, **scores(truth, v, cuts)} for k, v in candidates.items()])
    mae = dict(zip(table["forecast"], table["mae"], strict=True))
    return table.with_columns(
        (1.0 - pl.col("mae") / mae[name]).alias(f"skill_vs_{suffix}")
        for suffix, name in references.items()
    )


def with_daily_rain(frame: pl.DataFrame, rain) -> pl.DataFrame:
    """Add the daily rain to a table of days, joined on the date (not on row order).

    Parameters
    ----------
    frame : polars.DataFrame
        One row per day with a ``date`` column (``pl.Date``).
    rain : xarray.DataArray
        Daily rain with a ``time`` coordinate (one value per day, e.g.
        ``precip.resample(time="1D").sum().mean("sensor")``). [mm/day]

    Returns
    -------
    polars.DataFrame
        ``frame`` with ``rain_mm`` [mm/day], sorted by date.

    Raises
    ------
    ValueError
        If a day of ``frame`` has no rain value.

    Examples
    --------
    >>> import datetime as dt, xarray as xr
    >>> days = pl.DataFrame({"date": [dt.date(2025, 1, 2), dt.date(2025, 1, 1)]})
    >>> r = xr.DataArray([1.0, 5.0], coords={"time": np.array(["2025-01-01", "2025-01-02"],
    ...                  dtype="datetime64[ns]")}, dims="time")
    >>> with_daily_rain(days, r)["rain_mm"].to_list()
    [1.0, 5.0]
    """
    daily = pl.DataFrame(
        {
            "date": np.asarray(rain["time"].values).astype("datetime64[D]"),
            "rain_mm": np.asarray(rain.values, dtype=np.float64),
        }
    ).with_columns(pl.col("date").cast(pl.Date))
    out = frame.join(daily, on="date", how="left").sort("date")
    lost = out.filter(pl.col("rain_mm").is_null())["date"]
    if lost.len():
        raise ValueError(
            f"no rain value for {lost.len()} day(s), first {lost[0]}; load the rain for the "
            "same period as the table."
        )
    return out
