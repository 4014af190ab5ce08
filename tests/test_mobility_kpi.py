"""Tests of toyama_lab.mobility.kpi: daily totals, day classes, KPI and event effects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from toyama_lab.mobility import kpi


def _cube(values, areas, start="2025-10-06"):
    """A pedestrian-like cube: values (sensor, day) spread evenly over each day's minutes."""
    values = np.asarray(values, dtype=np.float64)
    n, d = values.shape
    per_min = np.repeat(values / 1440.0, 1440, axis=1)
    time = np.datetime64(start, "m") + np.arange(d * 1440).astype("timedelta64[m]")
    return xr.Dataset(
        {"count_true": (("sensor", "time"), per_min), "count": (("sensor", "time"), per_min)},
        coords={
            "time": time,
            "sensor_id": ("sensor", [f"ped-{i:04d}" for i in range(n)]),
            "area": ("sensor", areas),
        },
    )


def test_sensor_daily_sums_each_day_and_maps_missing_area_to_other():
    cube = _cube([[1440, 2880], [720, 0], [100, 200]], ["central", "station", ""])
    out = kpi.sensor_daily(cube)
    assert out.height == 6
    assert out["area"].to_list() == ["central"] * 2 + ["station"] * 2 + ["other"] * 2
    assert_allclose(out["total"].to_numpy(), [1440, 2880, 720, 0, 100, 200], rtol=1e-9)
    assert_allclose(out["valid"].to_numpy(), 1.0)


def test_sensor_daily_counts_gaps_in_valid():
    cube = _cube([[1440, 1440]], ["central"])
    cube["count"][0, :720] = np.nan
    out = kpi.sensor_daily(cube, "count")
    assert_allclose(out["valid"].to_numpy(), [0.5, 1.0])
    assert_allclose(out["total"].to_numpy(), [720, 1440])


@pytest.mark.parametrize("bad", ["occupancy", "count_tru"])
def test_sensor_daily_rejects_unknown_variable(bad):
    with pytest.raises(ValueError, match="not in the cube"):
        kpi.sensor_daily(_cube([[1.0]], ["central"]), bad)


def test_area_daily_and_kpi_per_point():
    cube = _cube([[1000, 2000], [3000, 4000], [5000, 6000], [1, 1]],
                 ["central", "central", "station", ""])  # fmt: skip
    areas = kpi.area_daily(kpi.sensor_daily(cube))
    c = areas.filter(pl.col("area") == "central")
    assert_allclose(c["total"].to_numpy(), [4000, 6000])
    assert_allclose(c["per_point"].to_numpy(), [2000, 3000])
    k = kpi.kpi_table(areas, target=3000.0)
    assert_allclose(k["kpi"].to_numpy(), [3000, 4000])  # (1000+3000+5000)/3, (2000+4000+6000)/3
    assert k["achieved"].to_list() == [True, True]
    k2 = kpi.kpi_table(areas, target=10000.0, per_point=False)
    assert_allclose(k2["ratio"].to_numpy(), [0.9, 1.2])


@pytest.mark.parametrize("target", [0, -5.0, float("nan"), True])
def test_kpi_table_rejects_bad_target(target):
    areas = kpi.area_daily(kpi.sensor_daily(_cube([[1.0]], ["central"])))
    with pytest.raises(ValueError, match="target"):
        kpi.kpi_table(areas, target)


def test_day_table_classes_and_events():
    days = kpi.day_table("2025-10-06", 14)
    assert days.height == 14
    cls = dict(zip(days["date"], days["day_class"], strict=True))
    assert cls[dt.date(2025, 10, 6)] == "weekday"
    assert cls[dt.date(2025, 10, 11)] == "weekend_holiday"  # Saturday
    assert cls[dt.date(2025, 10, 13)] == "weekend_holiday"  # スポーツの日
    ev = days.filter(pl.col("event_station"))["date"].to_list()
    assert ev == [dt.date(2025, 10, 11)]  # 2nd Saturday: station-plaza event
    assert not days["event_central"].any()


@pytest.mark.parametrize(
    ("lift", "n_other_saturdays"),
    [(1.5, 1), (2.0, 1), (1.0, 1)],
)
def test_event_effect_against_same_weekday(lift, n_other_saturdays):
    # 14 days from Mon 2025-10-06: Saturday 10-11 is a station event day
    base = np.full(14, 10000.0)
    base[5] *= lift
    cube = _cube([base], ["station"])
    areas = kpi.area_daily(kpi.sensor_daily(cube))
    days = kpi.day_table("2025-10-06", 14)
    eff = kpi.event_effect(areas, days, "station")
    assert eff.height == 1
    row = eff.row(0, named=True)
    assert row["baseline_kind"] == "same_weekday" and row["n_baseline"] == n_other_saturdays
    assert_allclose(row["ratio"], lift)
    assert_allclose(row["difference"], 10000.0 * (lift - 1.0))


def test_event_effect_needs_the_area_column():
    days = kpi.day_table("2025-10-06", 7, areas=("central",))
    areas = kpi.area_daily(kpi.sensor_daily(_cube([np.ones(7)], ["station"])))
    with pytest.raises(ValueError, match="event_station"):
        kpi.event_effect(areas, days, "station")


def test_by_day_class_and_summary():
    values = np.where(np.arange(14) % 7 >= 5, 8000.0, 5000.0)  # weekends 8000
    values[7] = 6000.0  # Monday 10-13 is a holiday: weekend_holiday class
    cube = _cube([values], ["central"])
    areas = kpi.area_daily(kpi.sensor_daily(cube))
    days = kpi.day_table("2025-10-06", 14)
    cls = kpi.by_day_class(areas, days)
    means = dict(zip(cls["day_class"], cls["total"], strict=True))
    assert_allclose(means["weekday"], 5000.0)
    assert_allclose(means["weekend_holiday"], (4 * 8000 + 6000) / 5)
    summ = kpi.kpi_summary(kpi.kpi_table(areas, 5000.0), days)
    assert summ["days_kind"].to_list() == ["all", "no_event", "event"]
    assert summ["n_days"].to_list() == [14, 13, 1]


def test_area_label():
    assert kpi.area_label("station", "ja") == "富山駅周辺地区"
    with pytest.raises(ValueError, match="unknown area"):
        kpi.area_label("harbour")
