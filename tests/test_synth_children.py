"""Tests for toyama_lab.synth.children: the children's GPS tracker fixes."""

from __future__ import annotations

import dataclasses
import datetime as dt

import holidays
import numpy as np
import polars as pl
import pytest

from toyama_lab.city import build_city
from toyama_lab.geo import haversine_m
from toyama_lab.privacy import check_no_fix_near_home
from toyama_lab.synth.children import TRACK_SCHEMA, TRIPS, simulate_tracks

START = dt.date(2025, 6, 2)  # a Monday in the first school term


@pytest.fixture(scope="module")
def city():
    return build_city(0, "class")


@pytest.fixture(scope="module")
def week(city):
    return simulate_tracks(city, START, 7, seed=5)


def _school_days_independent(start, n):
    """School days from the rule in the brief, computed here without the package."""
    jp = holidays.country_holidays("JP", years=[start.year, start.year + 1])
    out = set()
    for i in range(n):
        d = start + dt.timedelta(days=i)
        md = (d.month, d.day)
        vacation = (
            ((7, 21) <= md <= (8, 25))
            or md >= (12, 25)
            or md <= (1, 7)
            or ((3, 25) <= md <= (4, 6))
        )
        if d.weekday() < 5 and d not in jp and not vacation:
            out.add(d)
    return out


def test_schema(week):
    assert week.schema == pl.Schema(TRACK_SCHEMA)
    assert set(week["trip"].cast(pl.String)) == set(TRIPS)
    assert week["battery_pct"].is_between(1, 100).all()


def test_every_child_every_school_day(week, city):
    assert week["child_id"].n_unique() == city.children.height
    assert set(week["school_day"]) == _school_days_independent(START, 7)
    assert (week["time"].dt.date() == week["school_day"]).all()


def test_deterministic_and_seeded(city):
    a = simulate_tracks(city, START, 3, seed=1)
    assert a.equals(simulate_tracks(city, START, 3, seed=1))
    assert not a.equals(simulate_tracks(city, START, 3, seed=2))


def test_independent_of_day_split(city):
    whole = simulate_tracks(city, START, 10, seed=3)
    parts = pl.concat(
        [
            simulate_tracks(city, START, 4, seed=3),
            simulate_tracks(city, START + dt.timedelta(days=4), 6, seed=3),
        ]
    ).sort("child_id", "time", maintain_order=True)
    assert whole.equals(parts)


def test_independent_of_other_children(city, week):
    some = city.children.filter(pl.col("child_id").is_in(["child-00003", "child-00150"]))
    part = simulate_tracks(dataclasses.replace(city, children=some), START, 7, seed=5)
    assert part.height > 0
    assert part.equals(week.filter(pl.col("child_id").is_in(some["child_id"].implode())))


def test_sorted_by_child_and_time(week):
    assert week.equals(week.sort("child_id", "time", maintain_order=True))


def test_no_fix_within_50_m_of_home(week, city):
    assert check_no_fix_near_home(week, city.children).height == 0
    j = week.join(city.children, on="child_id")
    d = haversine_m(j["lon"], j["lat"], j["home_lon"], j["home_lat"])
    assert d.min() > 50.0


def test_fixes_come_near_home_but_not_inside(week, city):
    # the model really walks to the door: the exclusion does the work, not luck
    j = week.join(city.children, on="child_id")
    d = haversine_m(j["lon"], j["lat"], j["home_lon"], j["home_lat"])
    assert np.quantile(d, 0.01) < 200.0


@pytest.mark.parametrize(
    ("start", "n", "expected_days"),
    [
        ("2025-07-12", 16, 5),  # 7/21 海の日, then summer vacation
        ("2025-12-20", 20, 4),  # 12/22-24, winter vacation to 1/7, then 1/8
        ("2026-01-05", 7, 2),  # third term from Thu 1/8
        ("2025-05-03", 3, 0),  # Golden Week holidays and a Monday that is 振替休日
        ("2025-08-01", 20, 0),  # summer vacation
    ],
)
def test_only_school_days(city, start, n, expected_days):
    s = dt.date.fromisoformat(start)
    f = simulate_tracks(city, s, n, seed=0)
    days = set(f["school_day"])
    assert days <= _school_days_independent(s, n)
    assert len(days) == expected_days
    if expected_days == 0:
        assert f.height == 0 and f.schema == pl.Schema(TRACK_SCHEMA)
    assert (f["time"].dt.weekday() <= 5).all()


def test_scenario_school_days_override(city):
    only = {START + dt.timedelta(days=2)}
    f = simulate_tracks(city, START, 7, seed=0, scenario_school_days=only)
    assert set(f["school_day"]) == only


def test_walking_speed_plausible(week):
    w = (
        week.sort("child_id", "time")
        .with_columns(
            pl.col("lon").shift(1).over("child_id", "school_day", "trip").alias("lon0"),
            pl.col("lat").shift(1).over("child_id", "school_day", "trip").alias("lat0"),
            pl.col("time")
            .diff()
            .over("child_id", "school_day", "trip")
            .dt.total_seconds()
            .alias("dt"),
        )
        .drop_nulls("lon0")
    )
    v = haversine_m(w["lon0"], w["lat0"], w["lon"], w["lat"]) / w["dt"].to_numpy()
    assert 0.9 <= np.median(v) <= 1.35
    assert np.quantile(v, 0.999) < 2.0  # nobody runs or rides


def test_times_of_day(week, city):
    h = week["time"].dt.hour() + week["time"].dt.minute() / 60
    am = h.filter(week["trip"] == "to_school")
    pm = h.filter(week["trip"] != "to_school")
    assert am.min() >= 6.5 and am.max() <= 8.25  # arrive before school starts (~8:15)
    assert pm.min() >= 14.5 and pm.max() <= 19.0
    first_pm = (
        week.filter(pl.col("trip") != "to_school")
        .group_by("child_id", "school_day")
        .agg(pl.col("time").min())
        .join(city.children, on="child_id")
    )
    early = first_pm.filter(pl.col("grade") <= 2)["time"].dt.hour().mean()
    late = first_pm.filter(pl.col("grade") >= 5)["time"].dt.hour().mean()
    assert early < late  # younger children go home earlier


def test_some_detours(week):
    per_day = week.group_by("child_id", "school_day").agg(
        (pl.col("trip") == "detour").any().alias("detour")
    )
    share = per_day["detour"].mean()
    assert 0.1 < share < 0.4


def test_detour_then_stay_then_home(week):
    g = (
        week.group_by("child_id", "school_day")
        .agg(
            pl.col("time").filter(pl.col("trip") == "detour").max().alias("detour_end"),
            pl.col("time").filter(pl.col("trip") == "to_home").min().alias("home_start"),
            pl.col("time").filter(pl.col("trip") == "to_school").max().alias("school_end"),
        )
        .drop_nulls()
    )
    assert g.height > 0
    stay_min = (g["home_start"] - g["detour_end"]).dt.total_minutes()
    assert (stay_min >= 30).all()  # the shortest stay (a park) is 30 min
    assert (g["detour_end"] > g["school_end"]).all()


def test_fixes_interval(city):
    f = simulate_tracks(city, START, 1, seed=0, interval_s=300)
    dt_s = (
        f.select(pl.col("time").diff().over("child_id", "trip").dt.total_seconds())
        .drop_nulls()
        .to_series()
    )
    assert (dt_s.filter(dt_s < 3600) % 300 == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(start=START, n_days=0, seed=0), "n_days"),
        (dict(start=START, n_days=2, seed=-1), "seed"),
        (dict(start="2025/06/02", n_days=2, seed=0), "YYYY-MM-DD"),
        (dict(start=START, n_days=2, seed=0, interval_s=5), "interval_s"),
        (dict(start=START, n_days=2, seed=0, scenario_school_days=["2025-06-02"]), "date"),
    ],
)
def test_bad_input(city, kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_tracks(city, **kwargs)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (pl.col("school_id").str.replace("es-", "zz-"), "not in city.schools"),
        (pl.lit(7, dtype=pl.Int8).alias("grade"), "grade"),
    ],
)
def test_bad_children(city, change, match):
    bad = dataclasses.replace(city, children=city.children.with_columns(change))
    with pytest.raises(ValueError, match=match):
        simulate_tracks(bad, START, 1, seed=0)


def test_bad_city():
    with pytest.raises(TypeError, match="build_city"):
        simulate_tracks("toyama", START, 1, seed=0)
