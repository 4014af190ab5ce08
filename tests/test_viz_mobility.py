"""Figures of the mobility workbooks: traces, titles and the language switch."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest

from toyama_lab.city import build_city
from toyama_lab.mobility import crowd, kpi
from toyama_lab.viz import mobility as figures

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _texts(fig) -> list[str]:
    lay = fig.layout
    out = [lay.title.text or "", lay.xaxis.title.text or "", lay.yaxis.title.text or ""]
    out += [t.name or "" for t in fig.data]
    out += [a.text or "" for a in lay.annotations]
    return out


@pytest.fixture(scope="module")
def city():
    return build_city(0, "tiny")


@pytest.fixture(scope="module")
def areas_days():
    days = kpi.day_table(dt.date(2025, 10, 6), 14)
    rows = [(d, a, 1000.0 + 10 * i) for i, d in enumerate(days["date"]) for a in kpi.AREAS]
    areas = pl.DataFrame(rows, schema=["date", "area", "total"], orient="row")
    areas = areas.with_columns(n_points=pl.lit(2), per_point=pl.col("total") / 2)
    return areas, days


def test_counter_map_sizes_by_total_and_names_by_language(city):
    ped = city.sensors.filter(pl.col("kind") == "pedestrian")
    daily = ped.select("sensor_id", pl.col("area").fill_null("other"), total=pl.lit(500.0))
    fig = figures.counter_map(city, daily, lang="en")
    points = [
        t
        for t in fig.data
        if t.text is not None and any(isinstance(s, str) and ": 500" in s for s in t.text)
    ]
    assert sum(len(t.text) for t in points) == ped.height
    assert not any(CJK.search(s) for t in points for s in t.text)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pedestrian_figures_switch_language(areas_days, lang):
    areas, days = areas_days
    figs = [
        figures.daily_figure(areas, days, lang=lang),
        figures.kpi_figure(kpi.kpi_table(areas, 500.0), days, 500.0, lang=lang),
        figures.day_class_figure(kpi.by_day_class(areas, days), lang=lang),
        figures.effect_figure(areas, days, "station", lang=lang),
    ]
    texts = [s for f in figs for s in _texts(f)]
    assert any(CJK.search(s) for s in texts) == (lang == "ja")
    assert len(figs[0].data) == 3 and len(figs[2].data) == 2


def test_effect_figure_says_when_there_is_no_event(areas_days):
    areas, days = areas_days
    quiet = days.with_columns(pl.lit(False).alias("event_station"))
    fig = figures.effect_figure(areas, quiet, "station", lang="en")
    assert "no event day" in fig.layout.title.text


def test_parking_and_counter_figures():
    times = np.arange(
        "2025-10-06T00:00", "2025-10-06T02:00", np.timedelta64(30, "m"), "datetime64[m]"
    )
    rate = np.array([[10.0, 50.0, 90.0, 99.0], [0.0, 5.0, 5.0, 0.0]])
    fig = figures.rate_figure(rate, times, ["A", "B"], 80, 95, lang="en")
    assert len(fig.data) == 2 and len(fig.layout.shapes) == 2
    now = figures.nowcast_figure(times, rate[0], rate[0] + 1, 100.0, "A", "trend", lang="en")
    assert [t.name for t in now.data] == ["truth", "trend"]
    profile = pl.DataFrame({"sensor_id": ["c1"] * 10, "hour": list(range(8, 18)),
                            "queue": [float(h) for h in range(10)]})  # fmt: skip
    heat = figures.queue_heatmap(profile, ["c1"], ["Main"], lang="en")
    assert list(heat.data[0].z[0]) == [float(h) for h in range(10)]
    tickets = figures.tickets_figure(times[:2], np.array([[3.0, 4.0]]), ["Main"], lang="en")
    assert tickets.layout.barmode == "stack"


def test_where_to_go_and_staffing_figures():
    rank = pl.DataFrame({"name_ja": ["本庁舎"], "name_romaji": ["Honchosha"],
                         "travel_min": [10.0], "wait_min": [5.0]})  # fmt: skip
    fig = figures.where_to_go_figure(rank, 10, lang="en")
    assert list(fig.data[0].y) == ["Honchosha"] and fig.layout.title.text == "10:00-10:59"
    table = pl.DataFrame({"windows": [1, 2, 3], "wq": [np.inf, 30.0, 2.0]})
    st = figures.staffing_figure(table, 5.0, lang="en")
    assert list(st.data[0].x) == [2, 3]  # the unstable queue is left out


def test_crowd_figures():
    dates = [dt.date(2025, 7, 1) + dt.timedelta(days=i) for i in range(10)]
    values = np.linspace(100, 1000, 10)
    cuts = crowd.level_cuts(values)
    lv = figures.level_figure(dates, values, values[::-1], cuts, lang="en")
    assert [t.name for t in lv.data] == ["truth", "forecast"]
    cal = figures.calendar_figure(dates, values, cuts, lang="en")
    z = np.array(cal.data[0].z, dtype=float)
    assert z.shape == (2, 7) and np.nanmin(z) == 1 and np.nanmax(z) == 5
    fac = figures.factors_figure(pl.DataFrame({"feature": ["sun"], "factor": [1.2]}), lang="en")
    assert list(fac.data[0].y) == [1.2]


def test_park_map(city):
    parks = city.sensors.filter(pl.col("kind") == "bicycle_park")
    cap = parks["capacity"].to_numpy().astype(float)
    fig = figures.park_map(city, parks["lon"], parks["lat"], parks["name_romaji"], cap / 2, cap,
                           80, 95, title="t", lang="en")  # fmt: skip
    points = fig.data[-1]
    assert len(points.text) == parks.height and all("Free" in s for s in points.text)


@pytest.mark.parametrize("bad", ["fr", "JA"])
def test_figures_reject_unknown_language(areas_days, bad):
    areas, days = areas_days
    with pytest.raises(ValueError, match="lang"):
        figures.daily_figure(areas, days, lang=bad)
