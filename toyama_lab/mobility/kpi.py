"""Pedestrian-traffic KPI of the central commercial district and the station area.

The SDGs Future City plan of Toyama City tracks one mobility KPI: the pedestrian
traffic in the central commercial district and around Toyama Station
(中心商業地区及び富山駅周辺地区の歩行者通行量). This module turns the pedestrian cube
of :func:`toyama_lab.datasets.load` into the tables that KPI report needs:

- :func:`sensor_daily` and :func:`area_daily`: daily totals per counter and per area;
- :func:`day_table`: the class of every day (weekday / weekend-holiday) and its events;
- :func:`kpi_table` and :func:`kpi_summary`: the KPI against a target, with and
  without event days;
- :func:`by_day_class` and :func:`event_effect`: weekday vs weekend, and the lift of
  each event day over a matched baseline.

Notes
-----
The city's survey counts people passing fixed survey points on chosen days; the
KPI is their sum. Here the number of counters depends on the city size, so
:func:`kpi_table` reports by default the mean per counting point (persons per day
per point), which is comparable between ``tiny`` and ``class`` cities.

References
----------
富山市「SDGs未来都市計画」および「富山市スマートシティ推進ビジョン」(2022):
KPI 中心商業地区及び富山駅周辺地区の歩行者通行量.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import xarray as xr

from toyama_lab.synth.calendar import day_info, event_days

__all__ = [
    "AREAS",
    "AREA_LABELS",
    "DAY_CLASSES",
    "area_daily",
    "area_label",
    "by_day_class",
    "day_table",
    "event_effect",
    "kpi_summary",
    "kpi_table",
    "sensor_daily",
]

#: The two KPI areas, as in the ``area`` column of ``city.sensors``.
AREAS: tuple[str, ...] = ("central", "station")
#: ``area -> (Japanese, English)`` names for people.
AREA_LABELS: dict[str, tuple[str, str]] = {
    "central": ("中心商業地区", "Central commercial district"),
    "station": ("富山駅周辺地区", "Toyama Station area"),
    "other": ("その他の地区", "Other districts"),
}
#: Day classes of :func:`day_table`.
DAY_CLASSES: tuple[str, ...] = ("weekday", "weekend_holiday")


def area_label(area: str, lang: str = "ja") -> str:
    """The name of an area for people (``lang`` ``"ja"`` or ``"en"``)."""
    if area not in AREA_LABELS:
        raise ValueError(f"unknown area {area!r}; expected one of {tuple(AREA_LABELS)}.")
    if lang not in ("ja", "en"):
        raise ValueError(f"lang={lang!r} is not supported; expected 'ja' or 'en'.")
    return AREA_LABELS[area][0 if lang == "ja" else 1]


def sensor_daily(cube: xr.Dataset, variable: str = "count_true") -> pl.DataFrame:
    """Daily totals of every pedestrian counter.

    Parameters
    ----------
    cube : xarray.Dataset
        The pedestrian cube (``Dataset.timeseries("pedestrian")``): ``sensor`` x ``time``
        at 1-minute steps, with ``sensor_id`` and ``area`` coordinates.
    variable : {"count_true", "count"}
        The truth (``count_true``) or what the counters reported (``count``, with
        gaps as NaN). [persons/min]

    Returns
    -------
    polars.DataFrame
        ``date`` (Date), ``sensor_id``, ``area`` (``central``, ``station`` or
        ``other``), ``total`` (float64, sum of the valid minutes) [persons/day] and
        ``valid`` (float64, fraction of the day's minutes with a reading) [-].

    Raises
    ------
    ValueError
        If ``variable`` is not in the cube or the cube has no ``area`` coordinate.
    """
    if variable not in cube.data_vars:
        raise ValueError(
            f"variable {variable!r} is not in the cube; expected one of "
            f"{sorted(cube.data_vars)} (open it with ds.timeseries('pedestrian'))."
        )
    if "area" not in cube.coords:
        raise ValueError(
            "the cube has no 'area' coordinate; pass the pedestrian cube "
            "ds.timeseries('pedestrian')."
        )
    da = cube[variable].astype("float64")
    days = xr.Dataset(
        {
            "total": da.resample(time="1D").sum(skipna=True),
            "valid": da.notnull().resample(time="1D").mean(),
        }
    ).compute()
    n_sensor, n_day = days["total"].shape
    area = np.array([a if a in AREAS else "other" for a in _strings(cube["area"])])
    dates = days["time"].values.astype("datetime64[D]")
    return pl.DataFrame(
        {
            "date": np.tile(dates, n_sensor),
            "sensor_id": np.repeat(_strings(cube["sensor_id"]), n_day),
            "area": np.repeat(area, n_day),
            "total": days["total"].values.reshape(-1),
            "valid": days["valid"].values.reshape(-1),
        }
    ).with_columns(pl.col("date").cast(pl.Date))


def area_daily(daily: pl.DataFrame) -> pl.DataFrame:
    """Daily totals per area from :func:`sensor_daily`.

    Returns
    -------
    polars.DataFrame
        ``date``, ``area``, ``total`` [persons/day], ``n_points`` (counters) and
        ``per_point`` (``total / n_points``) [persons/day/point], sorted.
    """
    _require(daily, ("date", "area", "total"), "sensor_daily(cube)")
    return (
        daily.group_by("date", "area")
        .agg(pl.col("total").sum(), pl.len().alias("n_points"))
        .with_columns(per_point=pl.col("total") / pl.col("n_points"))
        .sort("area", "date")
    )


def day_table(start: dt.date | str, n_days: int, areas=AREAS) -> pl.DataFrame:
    """The class of every day and the events held in each area.

    Parameters
    ----------
    start : datetime.date or str
        First day (JST).
    n_days : int
        Number of days.
    areas : sequence of str
        Areas whose events get a column.

    Returns
    -------
    polars.DataFrame
        ``date``, ``weekday`` (0 = Monday), ``holiday`` (public holiday),
        ``day_class`` (``weekday`` or ``weekend_holiday``: Saturdays, Sundays and
        public holidays), one boolean ``event_<area>`` per area, ``event_name`` (the
        Japanese names of the day's events in those areas, or null) and ``event_name_en``
        (their English names).

    Notes
    -----
    Holidays from the ``holidays`` package (JP); event dates from
    :data:`toyama_lab.synth.calendar.EVENTS` (each rule cites its source).
    """
    info = day_info(start, n_days)
    ev = event_days(start, n_days).filter(pl.col("area").is_in(list(areas)))
    flags = [
        pl.col("date").is_in(ev.filter(pl.col("area") == a)["date"].implode()).alias(f"event_{a}")
        for a in areas
    ]
    names = ev.group_by("date").agg(
        pl.col("name_ja").unique().sort().str.join("・"),
        pl.col("name_en").unique().sort().str.join(" / ").alias("event_name_en"),
    )
    return (
        info.select(
            "date",
            "weekday",
            "holiday",
            day_class=pl.when(pl.col("day_type") == 0)
            .then(pl.lit(DAY_CLASSES[0]))
            .otherwise(pl.lit(DAY_CLASSES[1])),
        )
        .with_columns(flags)
        .join(names.rename({"name_ja": "event_name"}), on="date", how="left")
        .sort("date")
    )


def kpi_table(
    areas_daily: pl.DataFrame,
    target: float,
    *,
    areas=AREAS,
    per_point: bool = True,
) -> pl.DataFrame:
    """The daily KPI (both areas together) against a target.

    Parameters
    ----------
    areas_daily : polars.DataFrame
        From :func:`area_daily`.
    target : float
        KPI target, in the unit of the KPI: persons per day per counting point when
        ``per_point`` is True, else persons per day. [persons/day(/point)]
    areas : sequence of str
        Areas counted in the KPI.
    per_point : bool
        Divide the total by the number of counting points (see module Notes).

    Returns
    -------
    polars.DataFrame
        ``date``, ``kpi``, ``target``, ``ratio`` (``kpi / target``) [-] and
        ``achieved`` (``kpi >= target``).

    Raises
    ------
    ValueError
        If ``target`` is not a positive number or no row is in ``areas``.
    """
    _require(areas_daily, ("date", "area", "total", "n_points"), "area_daily(...)")
    if isinstance(target, bool) or not np.isfinite(target) or target <= 0:
        raise ValueError(f"target={target!r} must be a positive number of persons per day.")
    rows = areas_daily.filter(pl.col("area").is_in(list(areas)))
    if rows.height == 0:
        raise ValueError(
            f"no rows for areas {list(areas)}; the table has areas "
            f"{sorted(areas_daily['area'].unique())}."
        )
    out = rows.group_by("date").agg(pl.col("total").sum(), pl.col("n_points").sum())
    kpi = pl.col("total") / pl.col("n_points") if per_point else pl.col("total")
    return (
        out.select("date", kpi=kpi.cast(pl.Float64))
        .with_columns(target=pl.lit(float(target)))
        .with_columns(ratio=pl.col("kpi") / pl.col("target"), achieved=pl.col("kpi") >= target)
        .sort("date")
    )


def kpi_summary(kpis: pl.DataFrame, days: pl.DataFrame, areas=AREAS) -> pl.DataFrame:
    """Mean KPI over all days, days without events and event days.

    Parameters
    ----------
    kpis : polars.DataFrame
        From :func:`kpi_table`.
    days : polars.DataFrame
        From :func:`day_table` (same period).
    areas : sequence of str
        Areas whose events count as event days.

    Returns
    -------
    polars.DataFrame
        One row per ``days_kind`` (``all``, ``no_event``, ``event``) with ``n_days``,
        ``kpi`` (mean), ``target`` and ``ratio``. A kind without days has null means.
    """
    _require(kpis, ("date", "kpi", "target"), "kpi_table(...)")
    cols = [f"event_{a}" for a in areas]
    _require(days, ("date", *cols), "day_table(...)")
    flagged = kpis.join(
        days.select("date", event=pl.any_horizontal(cols)), on="date", how="left"
    ).with_columns(pl.col("event").fill_null(False))
    target = float(kpis["target"][0])
    parts = {
        "all": flagged,
        "no_event": flagged.filter(~pl.col("event")),
        "event": flagged.filter(pl.col("event")),
    }
    return pl.DataFrame(
        {
            "days_kind": list(parts),
            "n_days": [p.height for p in parts.values()],
            "kpi": [p["kpi"].mean() if p.height else None for p in parts.values()],
        },
        schema_overrides={"kpi": pl.Float64},
    ).with_columns(target=pl.lit(target), ratio=pl.col("kpi") / target)


def by_day_class(
    areas_daily: pl.DataFrame, days: pl.DataFrame, *, exclude_events: bool = True
) -> pl.DataFrame:
    """Mean daily pedestrians per area on weekdays and on weekends/holidays.

    Parameters
    ----------
    areas_daily : polars.DataFrame
        From :func:`area_daily`.
    days : polars.DataFrame
        From :func:`day_table`.
    exclude_events : bool
        Leave out the days with an event in that area (so the class means are the
        ordinary days).

    Returns
    -------
    polars.DataFrame
        ``area``, ``day_class``, ``n_days``, ``total`` (mean) [persons/day] and
        ``per_point`` (mean) [persons/day/point].
    """
    rows = _with_days(areas_daily, days)
    if exclude_events:
        rows = rows.filter(~pl.col("event"))
    return (
        rows.group_by("area", "day_class")
        .agg(pl.len().alias("n_days"), pl.col("total").mean(), pl.col("per_point").mean())
        .sort("area", "day_class")
    )


def event_effect(areas_daily: pl.DataFrame, days: pl.DataFrame, area: str) -> pl.DataFrame:
    """Lift of each event day of an area over a matched baseline of ordinary days.

    The baseline of an event day is the mean of the days in the same area without an
    event and with the **same weekday**; when there is none in the period, the mean
    of the event-free days of the same **day class** (weekday / weekend-holiday).
    This is a matched comparison: it removes the weekly pattern that would otherwise
    be counted as part of the event's effect.

    Parameters
    ----------
    areas_daily : polars.DataFrame
        From :func:`area_daily`.
    days : polars.DataFrame
        From :func:`day_table` (with an ``event_<area>`` column).
    area : str
        The area (``central`` or ``station``).

    Returns
    -------
    polars.DataFrame
        One row per event day: ``date``, ``event_name``, ``day_class``, ``observed``,
        ``baseline`` [persons/day], ``difference`` [persons/day], ``ratio`` [-],
        ``n_baseline`` (days averaged) and ``baseline_kind`` (``same_weekday`` or
        ``same_day_class``; null baseline when neither exists).

    Raises
    ------
    ValueError
        If ``days`` has no event column for ``area``.
    """
    if f"event_{area}" not in days.columns:
        raise ValueError(
            f"days has no column 'event_{area}'; build it with day_table(..., areas=[{area!r}])."
        )
    rows = _with_days(areas_daily.filter(pl.col("area") == area), days, areas=(area,))
    ordinary = rows.filter(~pl.col("event"))
    by_wd = ordinary.group_by("weekday").agg(
        base_wd=pl.col("total").mean(), n_wd=pl.len().cast(pl.Int64)
    )
    by_cls = ordinary.group_by("day_class").agg(
        base_cls=pl.col("total").mean(), n_cls=pl.len().cast(pl.Int64)
    )
    ev = rows.filter(pl.col("event")).join(by_wd, on="weekday", how="left")
    ev = ev.join(by_cls, on="day_class", how="left")
    same_wd = pl.col("base_wd").is_not_null()
    return ev.select(
        "date",
        "event_name",
        "day_class",
        observed=pl.col("total"),
        baseline=pl.coalesce("base_wd", "base_cls"),
        n_baseline=pl.when(same_wd).then(pl.col("n_wd")).otherwise(pl.col("n_cls")),
        baseline_kind=pl.when(same_wd)
        .then(pl.lit("same_weekday"))
        .when(pl.col("base_cls").is_not_null())
        .then(pl.lit("same_day_class")),
    ).with_columns(
        difference=pl.col("observed") - pl.col("baseline"),
        ratio=pl.col("observed") / pl.col("baseline"),
    )


def _with_days(areas_daily: pl.DataFrame, days: pl.DataFrame, areas=AREAS) -> pl.DataFrame:
    """Join area rows with their day class and an ``event`` flag for the row's own area."""
    _require(areas_daily, ("date", "area", "total", "per_point"), "area_daily(...)")
    _require(days, ("date", "weekday", "day_class"), "day_table(...)")
    present = [a for a in areas if f"event_{a}" in days.columns]
    flag = pl.lit(False)
    for a in present:
        flag = pl.when(pl.col("area") == a).then(pl.col(f"event_{a}")).otherwise(flag)
    keep = ["date", "weekday", "day_class", *[f"event_{a}" for a in present]]
    if "event_name" in days.columns:
        keep.append("event_name")
    rows = areas_daily.join(days.select(keep), on="date", how="inner")
    if rows.height == 0:
        raise ValueError("the area table and the day table share no date; use the same period.")
    return rows.with_columns(event=flag.fill_null(False))


def _strings(coord: xr.DataArray) -> np.ndarray:
    """A string coordinate as a plain ``object`` array of str (Zarr gives StringDType)."""
    return np.array([str(v) for v in coord.values.tolist()], dtype=object)


def _require(frame: pl.DataFrame, columns, made_by: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the table lacks column(s) {missing}; expected the output of {made_by} "
            f"(it has {frame.columns})."
        )
