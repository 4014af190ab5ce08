"""Tests of sensor faults and earthquake outages."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from toyama_lab.city import build_city
from toyama_lab.synth import FAULT_BITS, MAIN, SCENARIOS, VARIABLES, fault_events, outages, simulate
from toyama_lab.synth.calendar import EPOCH
from toyama_lab.synth.variables import UINT16_GAP


def _many(kind: str, n: int = 300) -> pl.DataFrame:
    """A hand-built table of many sensors of one kind (city.sensors schema subset)."""
    return pl.DataFrame(
        {
            "sensor_id": [f"{kind}-{i:04d}" for i in range(n)],
            "sensor_index": np.arange(5000, 5000 + n, dtype=np.int32),
            "kind": [kind] * n,
            "lon": 137.21 + 0.001 * np.arange(n),
            "lat": np.full(n, 36.69),
            "district_id": ["central"] * n,
            "area": ["central"] * n,
            "capacity": np.full(n, 300, np.int32),
            "windows": np.full(n, 3, np.int16),
            "river": ["itachi"] * n,
            "gauge_caution_m": [1.6] * n,
            "gauge_evac_m": [2.1] * n,
            "gauge_danger_m": [2.4] * n,
            "upstream_rain": ["rain-0003"] * n,
        }
    )


@pytest.fixture(scope="module")
def city():
    return build_city(0, "tiny")


@pytest.mark.parametrize("kind", ["pedestrian", "river", "rain", "bicycle_park", "counter"])
def test_faults_flagged_and_truth_kept(kind):
    s = _many(kind, 200)
    out = simulate(kind, s, "2025-10-06", 4, seed=3, scenario="normal-week")
    main, true, fault = out[MAIN[kind]], out[f"{MAIN[kind]}_true"], out["fault"]
    assert fault.any()
    gap = (main == UINT16_GAP) if main.dtype == np.uint16 else np.isnan(main)
    np.testing.assert_array_equal(gap, (fault & FAULT_BITS["gap"]) > 0)
    ok = fault == 0
    if kind != "rain":  # the rain gauge reports its tipping bucket, not the truth
        np.testing.assert_array_equal(main[ok], true[ok])
    seen = {name for name, bit in FAULT_BITS.items() if (fault & bit).any()}
    assert {"gap", "spike"} <= seen
    assert "outage" not in seen


def test_stuck_values_repeat():
    s = _many("river", 300)
    out = simulate("river", s, "2025-10-06", 7, seed=5, scenario="normal-week")
    ev = fault_events(s, "2025-10-06", 7, seed=5).filter(pl.col("fault") == "stuck")
    assert ev.height > 0
    rows = {sid: i for i, sid in enumerate(s["sensor_id"].to_list())}
    t0 = np.datetime64("2025-10-06T00:00")
    checked = 0
    for sid, a, b in ev.select("sensor_id", "start", "end").iter_rows():
        lo = max(int((np.datetime64(a, "m") - t0).astype(int)), 0)
        hi = min(int((np.datetime64(b, "m") - t0).astype(int)), 7 * 1440)
        seg = out["level"][rows[sid], lo:hi]
        f = out["fault"][rows[sid], lo:hi]
        only = f == FAULT_BITS["stuck"]
        if only.sum() > 1:
            assert np.unique(seg[only]).size == 1
            checked += 1
    assert checked > 0


def test_fault_events_block_independent():
    s = _many("pedestrian", 200)
    week = fault_events(s, "2025-10-06", 7, seed=1)
    day = fault_events(s, "2025-10-08", 1, seed=1)
    assert day.height > 0
    lo, hi = dt.datetime(2025, 10, 8), dt.datetime(2025, 10, 9)
    sel = week.filter((pl.col("end") > lo) & (pl.col("start") < hi))
    assert sel.sort("sensor_id", "start", "fault").equals(day.sort("sensor_id", "start", "fault"))
    assert set(week.columns) == {
        "sensor_id",
        "sensor_index",
        "kind",
        "variable",
        "fault",
        "bit",
        "start",
        "end",
        "param",
    }
    assert (week["end"] > week["start"]).all()


def test_earthquake_outages(city):
    scen = SCENARIOS["earthquake"]
    table = outages(city, "earthquake", seed=0)
    assert table.height > 0
    assert set(table["kind"].unique().to_list()) <= {"gateway", "sensor"}
    assert (table["start"] >= scen.quake.time).all()
    assert (table["end"] > table["start"]).all()
    assert outages(city, "normal-week", seed=0).height == 0
    # closer sites go dark more often
    far = outages(city, "earthquake", seed=0)["distance_km"].mean()
    assert far < city.sensors.height * 100  # finite distances
    assert table.filter(pl.col("kind") == "sensor")["distance_km"].median() < 30


def test_earthquake_gaps_flagged_in_truth():
    s = _many("pedestrian", 150)  # all near the epicentre: many outages
    scen = SCENARIOS["earthquake"]
    out = simulate("pedestrian", s, scen.start, scen.days, seed=0, scenario=scen)
    f = out["fault"]
    dark = (f & FAULT_BITS["outage"]) > 0
    assert dark.any()
    assert np.all(f[dark] & FAULT_BITS["gap"])
    assert np.all(out["count"][dark] == UINT16_GAP)
    t0 = int((np.datetime64(scen.start, "m") - np.datetime64(EPOCH, "m")).astype(int))
    quake = int((np.datetime64(scen.quake.time, "m") - np.datetime64(EPOCH, "m")).astype(int))
    assert not dark[:, : quake - t0].any()
    assert dark[:, quake - t0].any()
    # the truth is still there
    assert out["count_true"][dark].max() > 0


def test_variables_declare_gap_values():
    for kind, vs in VARIABLES.items():
        main = next(v for v in vs if v.name == MAIN[kind])
        if main.dtype == "uint16":
            assert main.fill_value == UINT16_GAP
        else:
            assert np.isnan(main.fill_value)


@pytest.mark.parametrize("kind", ["river", "counter"])
def test_faulted_values_block_independent(kind):
    s = _many(kind, 120)
    scen = SCENARIOS["earthquake"]
    whole = simulate(kind, s, "2025-11-11", 3, seed=2, scenario=scen)
    assert whole["fault"].any() and (whole["fault"] & FAULT_BITS["outage"]).any()
    for i in range(3):
        day = simulate(kind, s[40:90], dt.date(2025, 11, 11 + i), 1, seed=2, scenario=scen)
        for name, arr in day.items():
            np.testing.assert_array_equal(
                arr, whole[name][40:90, i * 1440 : (i + 1) * 1440], err_msg=name
            )
