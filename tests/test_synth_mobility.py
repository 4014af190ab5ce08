"""Tests of toyama_lab.synth.simulate for the mobility kinds and of the shared contract."""

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from toyama_lab.city import build_city
from toyama_lab.queueing import mmc_metrics
from toyama_lab.synth import (
    KINDS,
    MAIN,
    SCENARIOS,
    VARIABLES,
    day_info,
    event_days,
    simulate,
)
from toyama_lab.synth.mobility import mmc_queue, moving_season_factor


@pytest.fixture(scope="module")
def sensors():
    return build_city(0, "tiny").sensors


def _sub(sensors, kind):
    return sensors.filter(pl.col("kind") == kind)


def _assert_same(a: dict, b: dict):
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("kind", KINDS)
def test_days_at_once_equal_day_by_day(sensors, kind):
    s = _sub(sensors, kind)
    whole = simulate(kind, s, "2025-07-07", 3, seed=4, scenario="heavy-rain")
    days = [
        simulate(kind, s, dt.date(2025, 7, 7 + i), 1, seed=4, scenario="heavy-rain")
        for i in range(3)
    ]
    _assert_same(whole, {k: np.concatenate([d[k] for d in days], axis=1) for k in whole})


@pytest.mark.parametrize("kind", KINDS)
def test_subset_of_sensors_equal(sensors, kind):
    s = _sub(sensors, kind)
    whole = simulate(kind, s, "2025-10-10", 2, seed=1, scenario="normal-week")
    rows = np.arange(s.height)[::-1][: max(1, s.height - 1)]  # reversed, one left out
    part = simulate(kind, s[rows.tolist()], "2025-10-10", 2, seed=1, scenario="normal-week")
    _assert_same({k: v[rows] for k, v in whole.items()}, part)


@pytest.mark.parametrize("kind", KINDS)
def test_seed_changes_values(sensors, kind):
    s = _sub(sensors, kind)
    a = simulate(kind, s, "2025-07-08", 1, seed=0, scenario="heavy-rain")
    b = simulate(kind, s, "2025-07-08", 1, seed=1, scenario="heavy-rain")
    main = f"{MAIN[kind]}_true"
    assert not np.array_equal(a[main], b[main])


@pytest.mark.parametrize("kind", KINDS)
def test_variables_dtypes_and_metadata(sensors, kind):
    s = _sub(sensors, kind)
    out = simulate(kind, s, "2025-10-06", 1, seed=0, scenario="normal-week")
    assert [v.name for v in VARIABLES[kind]] == list(out)
    main = MAIN[kind]
    assert {main, f"{main}_true", "fault"} <= set(out)
    for v in VARIABLES[kind]:
        arr = out[v.name]
        assert arr.shape == (s.height, 1440)
        assert arr.dtype == np.dtype(v.dtype)
        assert v.units and v.long_name_ja and v.long_name_en and v.description
        attrs = v.attrs()
        assert attrs["units"] == v.units
    gap = next(v for v in VARIABLES[kind] if v.name == main).fill_value
    assert gap is not None


def test_counts_are_non_negative_integers(sensors):
    for kind in ("pedestrian", "bicycle_park", "counter"):
        out = simulate(kind, _sub(sensors, kind), "2025-10-06", 2, seed=0, scenario="normal-week")
        for v in VARIABLES[kind]:
            if v.dtype == "uint16":
                assert np.issubdtype(out[v.name].dtype, np.unsignedinteger)
        assert out[f"{MAIN[kind]}_true"].max() < 65535


def test_bicycle_occupancy_bounded_and_balanced(sensors):
    s = _sub(sensors, "bicycle_park")
    cap = s["capacity"].to_numpy()[:, None]
    out = simulate("bicycle_park", s, "2025-10-06", 3, seed=2, scenario="normal-week")
    occ = out["occupancy_true"].astype(np.int64)
    assert occ.min() >= 0
    assert np.all(occ <= cap)
    net = out["entries"].astype(np.int64) - out["exits"].astype(np.int64)
    np.testing.assert_array_equal(np.diff(occ, axis=1), net[:, 1:])
    # the balance also holds across midnight into a separately simulated day
    nxt = simulate("bicycle_park", s, "2025-10-09", 1, seed=2, scenario="normal-week")
    first = nxt["entries"][:, 0].astype(np.int64) - nxt["exits"][:, 0].astype(np.int64)
    np.testing.assert_array_equal(nxt["occupancy_true"][:, 0].astype(np.int64) - occ[:, -1], first)
    # the parks fill up on weekdays: someone is refused, and only when full
    full = occ == cap
    assert np.all(out["refused"][~full] == 0)
    assert out["entries"].sum() > 0


def test_bicycle_use_drops_in_winter(sensors):
    s = _sub(sensors, "bicycle_park")
    autumn = simulate("bicycle_park", s, "2025-10-06", 5, seed=0, scenario="normal-week")
    winter = simulate("bicycle_park", s, "2026-01-19", 5, seed=0, scenario="normal-week")
    assert winter["entries"].sum() < 0.8 * autumn["entries"].sum()


def test_pedestrian_weekday_vs_holiday(sensors):
    s = _sub(sensors, "pedestrian")
    out = simulate("pedestrian", s, "2025-10-06", 7, seed=0, scenario="normal-week")
    daily = out["count_true"].reshape(s.height, 7, 1440).sum(axis=2).astype(float)
    area = s["area"].to_list()
    station = np.array([a == "station" for a in area])
    central = np.array([a == "central" for a in area])
    assert station.any() and central.any()
    weekday, sunday = daily[:, :5].mean(axis=1), daily[:, 6]
    assert np.all(sunday[station] < weekday[station])
    assert np.all(sunday[central] > weekday[central])
    # station weekday: morning commuting peak (7-9) above the early afternoon (13-15)
    day = out["count_true"][station].reshape(int(station.sum()), 7, 24, 60).sum(axis=3)
    assert np.all(day[:, :5, 7:9].mean(axis=(1, 2)) > day[:, :5, 13:15].mean(axis=(1, 2)))


def test_rain_lowers_pedestrian_counts(sensors):
    s = _sub(sensors, "pedestrian")
    wet = SCENARIOS["heavy-rain"]
    dry = dataclasses.replace(wet, storm=())
    a = simulate("pedestrian", s, "2025-07-09", 1, seed=0, scenario=wet)["count_true"]
    b = simulate("pedestrian", s, "2025-07-09", 1, seed=0, scenario=dry)["count_true"]
    storm_hours = slice(2 * 60, 6 * 60)  # 02:00-06:00, main band at 04:00
    day = slice(9 * 60, 21 * 60)
    assert a[:, storm_hours].sum() < 0.7 * b[:, storm_hours].sum()
    assert a[:, day].sum() <= b[:, day].sum() * 1.05


def test_event_day_lifts_pedestrians():
    s = pl.DataFrame(
        {
            "sensor_id": ["ped-y", "ped-c"],
            "sensor_index": [900, 901],
            "kind": ["pedestrian"] * 2,
            "district_id": ["yatsuo", "central"],
            "district_ja": ["八尾", "中心商業地区"],
            "area": [None, "central"],
        }
    )
    ev = event_days("2025-08-31", 3)
    assert "owara" in ev["event_id"].to_list()
    out = simulate("pedestrian", s, "2025-08-31", 2, seed=0, scenario="normal-week")["count_true"]
    evening = slice(18 * 60, 23 * 60)
    before = out[0, evening].sum()  # Aug 31: no festival
    during = out[0, 1440 + 18 * 60 : 1440 + 23 * 60].sum()  # Sep 1: おわら風の盆
    assert during > 3 * before


@pytest.mark.parametrize(
    ("event_id", "start", "days"),
    [
        ("chindon", "2025-04-01", 10),
        ("owara", "2025-09-01", 3),
        ("sanno", "2025-06-01", 2),
        ("toyama-matsuri", "2025-08-01", 7),
        ("marathon", "2025-11-01", 7),
    ],
)
def test_event_days_calendar(event_id, start, days):
    ev = event_days(start, days)
    hits = ev.filter(pl.col("event_id") == event_id)
    assert hits.height >= 1
    assert set(ev.columns) >= {"date", "name_ja", "area", "lift", "source"}


def test_counters_closed_on_weekends_and_holidays(sensors):
    s = _sub(sensors, "counter")
    out = simulate("counter", s, "2025-12-27", 10, seed=0, scenario="normal-week")
    info = day_info("2025-12-27", 10)
    open_ = info["offices_open"].to_numpy()
    # Sat 12/27, Sun 12/28, year-end break Mon 12/29 - Sat 1/3, Sun 1/4: closed
    assert not open_[:9].any()
    assert open_[9]  # Monday 2026-01-05
    tickets = out["tickets"].reshape(s.height, 10, 1440)
    assert tickets[:, ~open_].sum() == 0 and tickets[:, 9].sum() > 0
    assert out["queue_true"].reshape(s.height, 10, 1440)[:, ~open_].sum() == 0


def test_counter_hours_and_queue(sensors):
    s = _sub(sensors, "counter")
    out = simulate("counter", s, "2025-10-06", 1, seed=0, scenario="normal-week")
    mod = np.arange(1440)
    closed = (mod < 8 * 60 + 30) | (mod >= 17 * 60 + 15)
    assert out["tickets"][:, closed].sum() == 0
    assert out["tickets"].sum() > 0
    assert out["queue_true"][:, mod < 8 * 60 + 30].sum() == 0
    assert np.all(out["windows_open"][:, (mod >= 9 * 60) & (mod < 12 * 60)] > 0)
    w = out["windows_open"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        expect = np.where(w > 0, out["queue_true"] * 7.0 / w, 0.0)
    np.testing.assert_allclose(out["wait_min"], expect, rtol=1e-5)


def test_moving_season_busier(sensors):
    s = _sub(sensors, "counter")
    assert moving_season_factor(91) > 1.8 > 1.01 > moving_season_factor(200)
    march = simulate("counter", s, "2026-03-30", 5, seed=0, scenario="normal-week")
    june = simulate("counter", s, "2026-06-08", 5, seed=0, scenario="normal-week")
    assert march["tickets"].sum() > 1.5 * june["tickets"].sum()
    assert march["queue_true"].mean() > june["queue_true"].mean()


@pytest.mark.parametrize(("c", "lam"), [(1, 0.1), (4, 0.45), (12, 1.4), (4, 0.3)])
def test_mmc_queue_matches_erlang_c(c, lam):
    from toyama_lab.synth import random as rnd

    mu, rows = 1 / 7, 300
    r, m = np.arange(rows)[:, None], np.arange(1440)[None, :]
    arrivals = rnd.poisson(0, "test-a", r, m, lam)
    u = rnd.uniform(0, "test-s", r, m)
    q, present = mmc_queue(arrivals, np.full((rows, 1440), c), u, mu)
    lq = mmc_metrics(lam, mu, c)["lq"]
    assert abs(q[:, 300:].mean() - lq) < 0.12 * lq + 0.02  # stationary part of the day
    assert np.all(q == np.maximum(present - c, 0))
    # nobody leaves who has not arrived: the office empties only as fast as c windows
    gone = np.cumsum(arrivals, axis=1) - present
    assert np.all(np.diff(gone, axis=1) <= c) and np.all(gone >= 0)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"kind": "bus"}, ValueError, "unknown sensor kind"),
        ({"kind": "rain"}, ValueError, "other kinds"),
        ({"scenario": "typhoon"}, ValueError, "unknown scenario"),
        ({"start": "2025/10/06"}, ValueError, "ISO date"),
        ({"n_days": 0}, ValueError, "n_days"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)
def test_bad_input(sensors, kwargs, exc, match):
    args = {
        "kind": "pedestrian",
        "start": "2025-10-06",
        "n_days": 1,
        "seed": 0,
        "scenario": "normal-week",
    } | kwargs
    with pytest.raises(exc, match=match):
        simulate(
            args["kind"],
            _sub(sensors, "pedestrian"),
            args["start"],
            args["n_days"],
            seed=args["seed"],
            scenario=args["scenario"],
        )


def test_scenarios_defaults():
    assert set(SCENARIOS) == {"normal-week", "school-term", "heavy-rain", "earthquake"}
    nw = SCENARIOS["normal-week"]
    info = day_info(nw.start, nw.days)
    assert nw.days == 7 and (info["day_type"] > 0).any() and (info["day_type"] == 0).any()
    st = SCENARIOS["school-term"]
    assert day_info(st.start, st.days)["school_day"].sum() >= 9
    assert SCENARIOS["heavy-rain"].storm and SCENARIOS["earthquake"].quake is not None


def test_public_holiday_on_a_weekday(sensors):
    s = _sub(sensors, "pedestrian")
    station = np.array([a == "station" for a in s["area"].to_list()])
    # Monday 2025-11-03 is 文化の日 (Culture Day); Tuesday 11-04 is a working day
    assert day_info("2025-11-03", 2)["day_type"].to_list() == [2, 0]
    out = simulate("pedestrian", s, "2025-11-03", 2, seed=0, scenario="normal-week")
    morning = out["count_true"].reshape(s.height, 2, 1440)[:, :, 7 * 60 : 9 * 60].sum(axis=2)
    assert np.all(morning[station, 0] < 0.7 * morning[station, 1])


@pytest.mark.parametrize(
    ("date", "commute", "offices"),
    [
        ("2025-08-12", True, True),  # Tuesday
        ("2025-08-13", False, True),  # お盆: offices open, most firms closed
        ("2025-12-30", False, False),  # year-end break
        ("2026-01-05", True, True),  # first working Monday
        ("2025-11-03", False, False),  # 文化の日
    ],
)
def test_commute_days(date, commute, offices):
    info = day_info(date, 1)
    assert info["commute_day"][0] is commute
    assert info["offices_open"][0] is offices


def test_earthquake_lowers_activity(sensors):
    scen = SCENARIOS["earthquake"]
    calm = dataclasses.replace(scen, quake=None)
    day = scen.quake.time.date()
    after = slice(scen.quake.time.hour * 60 + scen.quake.time.minute + 1, 1440)
    for kind, var in [("pedestrian", "count_true"), ("counter", "tickets")]:
        s = _sub(sensors, kind)
        a = simulate(kind, s, day, 1, seed=0, scenario=scen)[var][:, after].sum()
        b = simulate(kind, s, day, 1, seed=0, scenario=calm)[var][:, after].sum()
        assert a < 0.5 * b, kind
    s = _sub(sensors, "counter")
    assert simulate("counter", s, day, 1, seed=0, scenario=scen)["tickets"][:, after].sum() == 0


def test_morning_rain_lowers_cycling(sensors):
    s = _sub(sensors, "bicycle_park")
    wet = SCENARIOS["heavy-rain"]
    dry = dataclasses.replace(wet, storm=())
    morning = slice(6 * 60, 10 * 60)
    a = simulate("bicycle_park", s, "2025-07-09", 1, seed=0, scenario=wet)
    b = simulate("bicycle_park", s, "2025-07-09", 1, seed=0, scenario=dry)
    assert a["entries"][:, morning].sum() < 0.7 * b["entries"][:, morning].sum()
    assert a["occupancy_true"][:, 12 * 60].sum() < b["occupancy_true"][:, 12 * 60].sum()


def test_pedestrian_counts_over_dispersed(sensors):
    s = _sub(sensors, "pedestrian")
    out = simulate("pedestrian", s, "2025-10-06", 5, seed=0, scenario="normal-week")
    win = out["count_true"].reshape(s.height, 5, 1440)[:, :, 13 * 60 : 15 * 60].astype(float)
    mean, var = win.mean(axis=2), win.var(axis=2)
    busy = mean > 5
    assert busy.any()
    assert np.median(var[busy] / mean[busy]) > 1.15  # a Poisson count would give 1


def test_one_list_of_sensor_kinds():
    from toyama_lab import city, synth

    assert synth.KINDS is city.KINDS
    assert set(VARIABLES) == set(MAIN) == set(KINDS)
    assert set(build_city(0, "tiny").sensors["kind"].unique()) <= set(KINDS)
