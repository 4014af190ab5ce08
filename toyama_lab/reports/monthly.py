"""The monthly KPI report for the city's SDGs board: one function per KPI, one line each.

``workbooks/reports/monthly-kpi.ipynb`` calls these on a month of the synthetic city.
Every ``*_kpis`` function takes whole cubes or tables and returns a flat dict of plain
numbers and names (what the workbook records with :func:`toyama_lab.reports.record`);
:func:`interpret` turns such a dict into the one-line reading printed under the KPI,
in Japanese or English, from the values alone.

=================  ==========================================================  ===========
section            KPI                                                         module used
=================  ==========================================================  ===========
``pedestrians``    central + station pedestrians per counting point vs target  mobility.kpi
``counters``       waiting time at the city-hall counters                      mobility.counters
``parking``        time the bicycle parks were busy / full                     mobility.parking
``river``          highest river warning level reached, gauges per level       disaster.alerts
``network``        delivery rate of uplinks; dark sensors                      quality.loss
``bousai``         organisation rate of voluntary disaster-prevention groups   disaster.bousai
=================  ==========================================================  ===========

Notes
-----
The data are synthetic. :data:`PEDESTRIAN_TARGET` is the illustrative target of the
pedestrian workbook (``workbooks/mobility/01-pedestrian-kpi.ipynb``), not the city's
figure: the city's survey counts other points on chosen days. The organisation rates
are synthetic (:mod:`toyama_lab.disaster.bousai`). Busy/full thresholds are those of
:mod:`toyama_lab.mobility.parking`.

References
----------
富山市「SDGs未来都市計画」: KPI 中心商業地区及び富山駅周辺地区の歩行者通行量, 自主防災組織の組織率.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path

import numpy as np
import polars as pl
import xarray as xr

from toyama_lab.reports.params import ParameterError

__all__ = [
    "PEDESTRIAN_TARGET",
    "SECTIONS",
    "bousai_kpis",
    "counter_kpis",
    "dark_days",
    "fiscal_year",
    "interpret",
    "month_period",
    "network_kpis",
    "network_kpis_of",
    "parking_kpis",
    "pedestrian_kpis",
    "river_kpis",
]

#: Illustrative KPI target (the pedestrian workbook's default). [persons/day/point]
PEDESTRIAN_TARGET = 7500.0
#: The sections of the report, in order.
SECTIONS = ("pedestrians", "counters", "parking", "river", "network", "bousai")
#: Step of the bicycle-park occupancy means (the parking workbook's default). [min]
PARKING_STEP_MIN = 10


def month_period(month: str) -> tuple[dt.date, int]:
    """First day and number of days of ``YYYY-MM``.

    Raises
    ------
    ParameterError
        If ``month`` is not written ``YYYY-MM`` (a ``ValueError``).

    >>> month_period("2025-02")
    (datetime.date(2025, 2, 1), 28)
    """
    if not isinstance(month, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ParameterError(
            f"parameter 'month' = {month!r} is not valid: expected a month written YYYY-MM "
            "(01-12). Fix: papermill ... -p month 2025-04"
        )
    year, number = int(month[:4]), int(month[5:])
    return dt.date(year, number, 1), calendar.monthrange(year, number)[1]


def fiscal_year(day: dt.date) -> int:
    """Japanese fiscal year (April to March) of a day.

    >>> fiscal_year(dt.date(2025, 3, 31)), fiscal_year(dt.date(2025, 4, 1))
    (2024, 2025)
    """
    return day.year if day.month >= 4 else day.year - 1


def pedestrian_kpis(cube: xr.Dataset, start: dt.date, days: int, target: float) -> dict:
    """The pedestrian KPI of the month (mean over days) against ``target``.

    Returns
    -------
    dict
        ``pedestrians_per_point`` [persons/day/point], ``pedestrians_target``,
        ``pedestrians_ratio`` [-], ``pedestrians_days_achieved`` and ``days``.
    """
    from toyama_lab.mobility import kpi

    table = kpi.kpi_table(kpi.area_daily(kpi.sensor_daily(cube, "count_true")), target)
    summary = kpi.kpi_summary(table, kpi.day_table(start, days))
    mean = float(summary.filter(pl.col("days_kind") == "all")["kpi"][0])
    return {
        "pedestrians_per_point": round(mean, 1),
        "pedestrians_target": float(target),
        "pedestrians_ratio": round(mean / target, 3),
        "pedestrians_days_achieved": int(table["achieved"].sum()),
        "days": int(table.height),
    }


def counter_kpis(cube: xr.Dataset, lang: str = "ja") -> dict:
    """Waiting time at the counters: the mean over open hours and the worst hour.

    Returns
    -------
    dict
        ``wait_mean_min`` [min], ``wait_worst_min`` [min], ``wait_worst_counter``
        (name) and ``wait_worst_hour`` (0-23).
    """
    from toyama_lab.mobility.counters import hourly_profile

    prof = hourly_profile(cube).filter(pl.col("windows") > 0).drop_nulls("wait_min")
    worst = prof.sort("wait_min", descending=True).row(0, named=True)
    return {
        "wait_mean_min": round(float(prof["wait_min"].mean()), 2),
        "wait_worst_min": round(float(worst["wait_min"]), 2),
        "wait_worst_counter": worst["name_romaji" if lang == "en" else "name_ja"],
        "wait_worst_hour": int(worst["hour"]),
    }


def parking_kpis(cube: xr.Dataset, lang: str = "ja") -> dict:
    """Share of time the bicycle parks were busy or full, and the park most often full.

    Returns
    -------
    dict
        ``parking_busy_share`` and ``parking_full_share`` [-] over every park and
        10-minute step, ``parking_worst`` (name) and ``parking_worst_full_share`` [-].
    """
    from toyama_lab.mobility.parking import alert_level, occupancy_rate

    occupancy = cube["occupancy_true"].astype("float64")
    means = occupancy.resample(time=f"{PARKING_STEP_MIN}min").mean().values
    level = alert_level(occupancy_rate(means, cube["capacity"].values.astype(float)))
    full = (level == 2).mean(axis=1)
    names = cube["name_romaji" if lang == "en" else "name_ja"].values
    worst = int(np.argmax(full))
    return {
        "parking_busy_share": round(float((level >= 1).mean()), 4),
        "parking_full_share": round(float((level == 2).mean()), 4),
        "parking_worst": str(names[worst]),
        "parking_worst_full_share": round(float(full[worst]), 4),
    }


def river_kpis(cube: xr.Dataset) -> dict:
    """Highest warning level reached in the month and how many gauges reached each.

    Returns
    -------
    dict
        ``river_gauges``, ``river_max_alert`` (0 none .. 3 氾濫危険水位) and
        ``river_caution``, ``river_evac``, ``river_danger`` (gauges that reached it).
    """
    from toyama_lab.disaster.alerts import gauge_summary

    alert = gauge_summary(cube)["max_alert"].to_numpy()
    return {
        "river_gauges": int(alert.size),
        "river_max_alert": int(alert.max(initial=0)),
        "river_caution": int((alert >= 1).sum()),
        "river_evac": int((alert >= 2).sum()),
        "river_danger": int((alert >= 3).sum()),
    }


def dark_days(values) -> np.ndarray:
    """Whole days without one reading, per sensor (gaps as in :func:`quality.loss.gap_mask`).

    Parameters
    ----------
    values : array_like, shape (n_sensor, n_day * 1440)
        One-minute readings.

    Returns
    -------
    numpy.ndarray of int, shape (n_sensor,)
    """
    from toyama_lab.quality.loss import gap_mask

    gap = gap_mask(np.asarray(values))
    n, m = gap.shape
    if m % 1440:
        raise ValueError(f"values must hold whole days of 1-minute steps, got {m} steps.")
    return gap.reshape(n, m // 1440, 1440).all(axis=2).sum(axis=1)


def network_kpis(transmissions: pl.DataFrame, readings: dict) -> dict:
    """Delivery rate of the uplinks, and the sensors dark for at least one whole day.

    Parameters
    ----------
    transmissions : polars.DataFrame
        The dataset's transmission truth (``network/transmissions.parquet``).
    readings : dict of str to array_like
        Sensor kind to its reported main variable (sensor x minute).

    Returns
    -------
    dict
        ``delivery_rate`` [-] (last attempt of each uplink, GPS trackers included),
        ``sensors``, ``dark_sensors`` (a whole day with no reading).
    """
    from toyama_lab.quality.loss import loss_reasons

    table = loss_reasons(transmissions.with_columns(all=pl.lit("all")), by="all")
    dark = np.concatenate([dark_days(v) for v in readings.values()])
    return {
        "delivery_rate": round(float(table["delivery_rate"][0]), 5),
        "sensors": int(dark.size),
        "dark_sensors": int((dark > 0).sum()),
    }


def network_kpis_of(dataset) -> dict:
    """:func:`network_kpis` of a dataset loaded with ``network=True``.

    Raises
    ------
    FileNotFoundError
        If the dataset has no ``network/`` (load it with ``network=True``).
    """
    from toyama_lab.synth.variables import MAIN

    path = Path(dataset.path) / "network" / "transmissions.parquet"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: load the dataset with network=True to get the "
            "transmission truth."
        )
    readings = {k: dataset.timeseries(k)[MAIN[k]].values for k in dataset.kinds if k in MAIN}
    return network_kpis(pl.read_parquet(path), readings)


def bousai_kpis(districts: pl.DataFrame, year: int, seed: int) -> dict:
    """The city-wide organisation rate of the fiscal year and its change (SYNTHETIC).

    Returns
    -------
    dict
        ``bousai_rate`` [-], ``bousai_change`` [-] (from the year before), ``bousai_year``.
    """
    from toyama_lab.disaster.bousai import ILLUSTRATIVE_CITYWIDE, citywide_rate, organisation_rates

    first = int(ILLUSTRATIVE_CITYWIDE["first_year"])
    years = tuple(range(first, max(year, first + 1) + 1))
    rates = citywide_rate(organisation_rates(districts, years=years, seed=seed))
    row = rates.filter(pl.col("year") == year).row(0, named=True) if year >= first else None
    if row is None:
        raise ValueError(f"fiscal year {year} is before the rates start ({first}).")
    return {
        "bousai_rate": round(float(row["rate"]), 4),
        "bousai_change": round(float(row["change"] or 0.0), 4),
        "bousai_year": int(year),
    }


_LEVELS = {"ja": ("なし", "氾濫注意水位", "避難判断水位", "氾濫危険水位"),
           "en": ("none", "flood caution", "evacuation decision", "flood danger")}  # fmt: skip


def _pedestrians(v: dict, ja: bool) -> str:
    ratio, met = v["pedestrians_ratio"], v["pedestrians_ratio"] >= 1
    if ja:
        verdict = "目標を上回りました" if met else "目標に届きませんでした"
        return (f"1 地点あたり平均 {v['pedestrians_per_point']:,.0f} 人/日 で、目標 "
                f"{v['pedestrians_target']:,.0f} の {ratio:.0%}。{verdict}"
                f" (達成した日 {v['pedestrians_days_achieved']}/{v['days']} 日)。")  # fmt: skip
    verdict = "above the target" if met else "below the target"
    return (f"{v['pedestrians_per_point']:,.0f} persons/day per point, {ratio:.0%} of the "
            f"target {v['pedestrians_target']:,.0f}: {verdict} "
            f"({v['pedestrians_days_achieved']}/{v['days']} days achieved).")  # fmt: skip


def _counters(v: dict, ja: bool) -> str:
    if ja:
        return (f"開庁時間の平均待ち時間は {v['wait_mean_min']:.1f} 分。最も混むのは "
                f"{v['wait_worst_counter']} の {v['wait_worst_hour']} 時台 (平均 "
                f"{v['wait_worst_min']:.1f} 分) で、この時間を避ける案内が効きます。")  # fmt: skip
    return (f"Mean wait in opening hours {v['wait_mean_min']:.1f} min; the busiest is "
            f"{v['wait_worst_counter']} at {v['wait_worst_hour']}:00 "
            f"({v['wait_worst_min']:.1f} min): guide people away from that hour.")  # fmt: skip


def _parking(v: dict, ja: bool) -> str:
    if ja:
        return (f"駐輪場が混雑以上だった時間は全体の {v['parking_busy_share']:.1%}、満車は "
                f"{v['parking_full_share']:.1%}。満車が最も多いのは {v['parking_worst']} "
                f"({v['parking_worst_full_share']:.1%})。")  # fmt: skip
    return (f"Bicycle parks were busy or full {v['parking_busy_share']:.1%} of the time, full "
            f"{v['parking_full_share']:.1%}; most often full: {v['parking_worst']} "
            f"({v['parking_worst_full_share']:.1%}).")  # fmt: skip


def _river(v: dict, ja: bool) -> str:
    level = _LEVELS["ja" if ja else "en"][v["river_max_alert"]]
    if ja:
        if v["river_max_alert"] == 0:
            return f"{v['river_gauges']} か所の水位計のどれも氾濫注意水位に達しませんでした。"
        n = (v["river_caution"], v["river_evac"], v["river_danger"], v["river_gauges"])
        return (f"最高で {level} に達しました (注意 {n[0]}・避難判断 {n[1]}・危険 {n[2]} "
                f"か所 / {n[3]} か所)。")  # fmt: skip
    if v["river_max_alert"] == 0:
        return f"None of the {v['river_gauges']} gauges reached the flood caution level."
    n = (v["river_caution"], v["river_evac"], v["river_danger"], v["river_gauges"])
    return (f"Highest level reached: {level} (caution {n[0]}, evacuation {n[1]}, "
            f"danger {n[2]} of {n[3]} gauges).")  # fmt: skip


def _network(v: dict, ja: bool) -> str:
    if ja:
        n = v["dark_sensors"]
        dark = ("1 日中届かなかったセンサーはありません" if n == 0
                else f"{n} 台が 1 日以上まったく届かず、点検が必要です")  # fmt: skip
        return f"上りデータの到達率は {v['delivery_rate']:.2%}。{dark} (全 {v['sensors']} 台)。"
    n = v["dark_sensors"]
    dark = ("no sensor was dark for a whole day" if n == 0
            else f"{n} sensors were dark for a whole day or more: inspect them")  # fmt: skip
    return f"Uplink delivery rate {v['delivery_rate']:.2%}; {dark} (of {v['sensors']})."


def _bousai(v: dict, ja: bool) -> str:
    up = v["bousai_change"] > 0
    if ja:
        trend = "前年度より上がりました" if up else "前年度から上がっていません"
        return (f"{v['bousai_year']} 年度の組織率 (合成データ) は {v['bousai_rate']:.1%} で、"
                f"{trend} ({v['bousai_change'] * 100:+.1f} ポイント)。")  # fmt: skip
    trend = "up on the year before" if up else "not up on the year before"
    return (f"Organisation rate in FY{v['bousai_year']} (synthetic) {v['bousai_rate']:.1%}, "
            f"{trend} ({v['bousai_change'] * 100:+.1f} points).")  # fmt: skip


_LINES = {"pedestrians": _pedestrians, "counters": _counters, "parking": _parking,
          "river": _river, "network": _network, "bousai": _bousai}  # fmt: skip


def interpret(section: str, values: dict, lang: str = "ja") -> str:
    """The one-line reading of a section's values, written from the values alone.

    Parameters
    ----------
    section : str
        One of :data:`SECTIONS`.
    values : dict
        What the section's ``*_kpis`` function returned.
    lang : {"ja", "en"}

    Examples
    --------
    >>> interpret("river", {"river_gauges": 3, "river_max_alert": 0}, "en")
    'None of the 3 gauges reached the flood caution level.'
    """
    if section not in _LINES:
        raise ValueError(f"section {section!r} is not one of {SECTIONS}.")
    if lang not in ("ja", "en"):
        raise ValueError(f"lang {lang!r} must be 'ja' or 'en'.")
    return _LINES[section](values, lang == "ja")
