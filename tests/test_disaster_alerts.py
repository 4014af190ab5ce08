"""Tests for toyama_lab.disaster.alerts: warning levels, crossings, lead times."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from toyama_lab.disaster.alerts import (
    LEVELS,
    alert_level,
    crossings,
    gauge_summary,
    lead_times,
    rain_peaks,
    thresholds_of,
)

TH = [[2.0, 2.6, 3.0], [1.0, 1.5, 2.0]]


def _cube(levels, thresholds=TH, start="2025-07-09T00:00"):
    levels = np.asarray(levels, dtype=np.float32)
    n, t = levels.shape
    th = np.asarray(thresholds, dtype=float)
    times = np.datetime64(start) + np.arange(t) * np.timedelta64(1, "m")
    return xr.Dataset(
        {"level_true": (("sensor", "time"), levels)},
        coords={
            "time": times,
            "sensor_id": ("sensor", [f"riv-{i + 1:04d}" for i in range(n)]),
            "name_ja": ("sensor", [f"観測所{i}" for i in range(n)]),
            "name_romaji": ("sensor", [f"gauge {i}" for i in range(n)]),
            "river": ("sensor", ["jinzu"] * n),
            "lon": ("sensor", np.linspace(137.2, 137.3, n)),
            "lat": ("sensor", np.full(n, 36.7)),
            "upstream_rain": ("sensor", [f"rain-{i + 1:04d}" for i in range(n)]),
            "gauge_caution_m": ("sensor", th[:, 0]),
            "gauge_evac_m": ("sensor", th[:, 1]),
            "gauge_danger_m": ("sensor", th[:, 2]),
        },
    )


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (1.99, 0),
        (2.0, 1),
        (2.59, 1),
        (2.6, 2),
        (3.0, 3),
        (9.0, 3),
        (np.nan, 0),
    ],
)
def test_alert_level_table(level, expected):
    assert alert_level([[level]], [TH[0]])[0, 0] == expected


def test_alert_level_rejects_mismatched_thresholds():
    with pytest.raises(ValueError, match="shape"):
        alert_level([[1.0, 2.0]], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])


def test_thresholds_must_increase():
    df = pl.DataFrame({"gauge_caution_m": [2.0], "gauge_evac_m": [1.5], "gauge_danger_m": [3.0]})
    with pytest.raises(ValueError, match="caution < evac < danger"):
        thresholds_of(df)
    with pytest.raises(ValueError, match="lack threshold"):
        thresholds_of(pl.DataFrame({"gauge_caution_m": [1.0]}))
    with pytest.raises(TypeError):
        thresholds_of([1, 2, 3])


def test_crossings_first_last_duration_and_episodes():
    # gauge 0: up through all levels and down; gauge 1: caution twice, never evac
    g0 = [1.0, 2.1, 2.7, 3.1, 3.2, 2.7, 2.1, 1.0]
    g1 = [1.2, 0.9, 1.1, 1.2, 0.5, 0.5, 0.5, 0.5]
    tl = crossings(_cube([g0, g1]))
    t0 = np.datetime64("2025-07-09T00:00", "ms")
    row = tl.filter((pl.col("sensor_id") == "riv-0001") & (pl.col("level") == "danger"))
    assert row["first_reached"][0] == (t0 + np.timedelta64(3, "m")).astype(object)
    assert row["minutes_above"][0] == 2
    caution0 = tl.filter((pl.col("sensor_id") == "riv-0001") & (pl.col("level") == "caution"))
    assert caution0["minutes_above"][0] == 6 and caution0["n_episodes"][0] == 1
    g1rows = tl.filter(pl.col("sensor_id") == "riv-0002")
    assert g1rows["level"].to_list() == ["caution"]
    assert g1rows["n_episodes"][0] == 2  # above at t0, dips, above again
    assert tl["first_reached"].is_sorted()


def test_crossings_unknown_variable():
    with pytest.raises(KeyError, match="level_true"):
        crossings(_cube([[1.0, 2.0]], [TH[0]]), variable="nope")


def test_gauge_summary_max_level_and_nan_gauge():
    cube = _cube([[1.0, 2.7, 2.0], [np.nan, np.nan, np.nan]])
    s = gauge_summary(cube)
    assert s["max_level"].to_list() == ["evac", "none"]
    assert_allclose(s["peak_m"][0], 2.7, atol=1e-6)
    assert s["peak_m"][1] is None or np.isnan(s["peak_m"][1])


def test_rain_peaks_rolling_window():
    p = np.zeros((1, 180), dtype=np.float32)
    p[0, 100:110] = 2.0  # 20 mm in 10 minutes
    rain = xr.Dataset(
        {"precip_true": (("sensor", "time"), p)},
        coords={
            "time": np.datetime64("2025-07-09T00:00") + np.arange(180) * np.timedelta64(1, "m"),
            "sensor_id": ("sensor", ["rain-0001"]),
        },
    )
    pk = rain_peaks(rain, window_min=60)
    assert_allclose(pk["peak_mm"][0], 20.0)
    assert_allclose(pk["total_mm"][0], 20.0)
    # the first window holding all of it ends at minute 109
    assert pk["peak_time"][0].minute == 49 and pk["peak_time"][0].hour == 1
    with pytest.raises(ValueError, match="window_min"):
        rain_peaks(rain, window_min=0)


def test_lead_times_minutes():
    g0 = [1.0, 2.1, 2.2, 2.7, 3.1, 3.2, 1.0]
    cube = _cube([g0, [0.1] * 7])
    tl = crossings(cube)
    s = gauge_summary(cube)
    peaks = pl.DataFrame(
        {
            "rain_id": ["rain-0001"],
            "peak_time": [np.datetime64("2025-07-08T23:30", "ms").astype(object)],
        },
        schema_overrides={"peak_time": pl.Datetime("ms")},
    )
    lt = lead_times(tl, s, peaks)
    r0 = lt.filter(pl.col("sensor_id") == "riv-0001")
    assert r0["lead_caution_to_danger_min"][0] == 3
    assert r0["lead_rain_to_danger_min"][0] == 34
    r1 = lt.filter(pl.col("sensor_id") == "riv-0002")
    assert r1["lead_caution_to_danger_min"][0] is None
    with pytest.raises(ValueError, match="lower first"):
        lead_times(tl, s, levels=("danger", "caution"))


def test_levels_order():
    assert LEVELS == ("caution", "evac", "danger")


@pytest.mark.slow
def test_heavy_rain_scenario_reaches_danger(tmp_path):
    from toyama_lab.datasets import load

    ds = load("heavy-rain", size="tiny", start="2025-07-08", days=2, root=tmp_path, progress=False)
    s = gauge_summary(ds.timeseries("river").compute())
    assert (s["max_level"] == "danger").any()
