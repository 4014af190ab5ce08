"""Tests of the hazard truth: rain gauges, river gauges and the weather driver."""

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from toyama_lab.city import build_city
from toyama_lab.synth import SCENARIOS, simulate, weather
from toyama_lab.synth.calendar import minute_axis
from toyama_lab.synth.hazards import BUCKET_MM, nash_kernel, runoff_kernel


@pytest.fixture(scope="module")
def city_sensors():
    return build_city(0, "tiny").sensors


@pytest.fixture(scope="module")
def heavy(city_sensors):
    scen = SCENARIOS["heavy-rain"]
    rain = city_sensors.filter(pl.col("kind") == "rain")
    river = city_sensors.filter(pl.col("kind") == "river")
    return (
        rain,
        river,
        simulate("rain", rain, scen.start, scen.days, seed=0, scenario=scen),
        simulate("river", river, scen.start, scen.days, seed=0, scenario=scen),
    )


def test_heavy_rain_crosses_all_thresholds(heavy):
    _, river, _, out = heavy
    lvl = out["level_true"]
    for col in ("gauge_caution_m", "gauge_evac_m", "gauge_danger_m"):
        thr = river[col].to_numpy()[:, None]
        assert np.any(np.all(lvl.max(axis=1, keepdims=True) >= thr, axis=1))
    assert (out["alert"].max(axis=1) == 3).any()
    # alert is the number of thresholds reached
    thr = river.select("gauge_caution_m", "gauge_evac_m", "gauge_danger_m").to_numpy()
    expect = (lvl[:, :, None] >= thr[:, None, :].astype(np.float32)).sum(axis=2)
    np.testing.assert_array_equal(out["alert"], expect)


def test_heavy_rain_peak_intensity(heavy):
    _, _, rain, _ = heavy
    hourly = rain["precip_true"].reshape(rain["precip_true"].shape[0], -1, 60).sum(axis=2)
    assert 40.0 <= hourly.max() <= 120.0  # mm/h: 40-80 upstream, cells add a little
    assert hourly.sum(axis=1).max() > 200.0  # mm over the week


def test_normal_week_stays_below_danger(city_sensors):
    river = city_sensors.filter(pl.col("kind") == "river")
    out = simulate("river", river, "2025-10-06", 7, seed=0, scenario="normal-week")
    assert np.all(out["alert"] < 3)
    assert np.all(out["level_true"] > 0)


def test_river_lags_upstream_rain(heavy):
    rain, river, r_out, v_out = heavy
    for i, up in enumerate(river["upstream_rain"].to_list()):
        j = rain["sensor_id"].to_list().index(up)
        p = r_out["precip_true"][j].reshape(-1, 60).sum(axis=1).astype(float)
        lvl = v_out["level_true"][i].reshape(-1, 60).mean(axis=1).astype(float)
        p, lvl = p - p.mean(), lvl - lvl.mean()
        lags = np.arange(-24, 25)
        xc = [
            np.dot(p[max(0, -k) : p.size - max(0, k)], lvl[max(0, k) : lvl.size - max(0, -k)])
            for k in lags
        ]
        best = lags[int(np.argmax(xc))]
        assert 1 <= best <= 24, (up, best)
        # and the river stays high after the rain stops (recession)
        t_peak_rain, t_peak_lvl = int(np.argmax(p)), int(np.argmax(lvl))
        assert t_peak_lvl > t_peak_rain


def test_river_responds_to_storm_only_when_present(city_sensors):
    river = city_sensors.filter(pl.col("kind") == "river")
    wet = SCENARIOS["heavy-rain"]
    dry = dataclasses.replace(wet, storm=())
    a = simulate("river", river, "2025-07-09", 1, seed=0, scenario=wet)["level_true"]
    b = simulate("river", river, "2025-07-09", 1, seed=0, scenario=dry)["level_true"]
    assert np.all(a.max(axis=1) > b.max(axis=1) + 0.3)


def test_tipping_bucket(heavy):
    _, _, out, _ = heavy
    clean = out["fault"] == 0
    p = out["precip"][clean]
    np.testing.assert_allclose(p / BUCKET_MM, np.round(p / BUCKET_MM), atol=1e-6)
    n = out["precip_true"].shape[0]
    true_day = out["precip_true"].reshape(n, -1, 1440).astype(np.float64).sum(axis=2)
    tips_day = np.where(clean, out["precip"], 0).reshape(n, -1, 1440).sum(axis=2)
    all_clean = clean.reshape(n, -1, 1440).all(axis=2)
    d = (true_day - tips_day)[all_clean]
    assert np.all((d >= -1e-3) & (d < BUCKET_MM + 1e-3))


def test_snow_in_winter_not_in_summer(city_sensors):
    rain = city_sensors.filter(pl.col("kind") == "rain")
    jan = simulate("rain", rain, "2026-01-12", 14, seed=0, scenario="normal-week")
    jul = simulate("rain", rain, "2025-07-14", 14, seed=0, scenario="normal-week")
    wet_jan = jan["precip_true"] > 0
    assert wet_jan.any() and jan["snow"][wet_jan].mean() > 0.2
    assert jul["snow"].sum() == 0
    assert np.all(jan["snow"][~wet_jan] == 0)


def test_annual_precipitation_matches_climatology():
    minutes = minute_axis("2023-01-01", 365)
    rate = weather.area_rain_rate(0, ["city"], minutes)[0].astype(np.float64)
    total = rate.sum() / 60.0
    assert 0.8 * 2374 < total < 1.2 * 2374  # JMA normal 1991-2020, Toyama
    wet_days = (rate.reshape(365, 1440).sum(axis=1) / 60.0 >= 1.0).sum()
    assert 140 <= wet_days <= 200  # normal: roughly 175 days with >= 1 mm
    days = np.datetime64("2000-01-01") + (minutes // 1440).astype("timedelta64[D]")
    months = days.astype("datetime64[M]").astype(int) % 12
    monthly = np.bincount(months, weights=rate / 60.0, minlength=12)
    assert monthly[11] > monthly[4]  # December wetter than May


def test_temperature_seasons():
    jan = weather.temperature(0, minute_axis("2025-01-15", 10))
    aug = weather.temperature(0, minute_axis("2025-08-05", 10))
    assert -8 < jan.mean() < 10 < 20 < aug.mean() < 33
    day = aug.reshape(10, 1440).mean(axis=0)
    assert day[14 * 60] > day[5 * 60] + 4  # afternoon warmer than dawn


@pytest.mark.parametrize("k", [1.0, 2.5, 4.0])
def test_nash_kernel(k):
    w = nash_kernel([k], n_res=3, length=400)[0]
    assert abs(w.sum() - 1) < 1e-9
    assert np.all(w >= 0)
    assert abs(np.argmax(w) + 0.5 - 2 * k) <= 1.0  # mode of gamma(3, k) at 2k
    rk = runoff_kernel([k])[0]
    assert 0.8 < rk.sum() <= 0.85 + 1e-9


def test_bad_thresholds(city_sensors):
    river = city_sensors.filter(pl.col("kind") == "river").with_columns(
        pl.col("gauge_caution_m") * 10
    )
    with pytest.raises(ValueError, match="gauge_caution_m < gauge_evac_m"):
        simulate("river", river, "2025-10-06", 1, seed=0, scenario="normal-week")


def test_rain_events_table():
    from toyama_lab.synth import rain_events

    ev = rain_events("2025-07-07", 7, seed=0, scenario="heavy-rain")
    assert ev.columns == ["start", "end", "kind", "mean_mm_h", "total_mm"]
    assert set(ev["kind"].unique().to_list()) >= {"storm"}
    assert (ev["end"] > ev["start"]).all()
    week = rain_events("2025-01-06", 7, seed=3)
    assert week.height > 0 and "storm" not in week["kind"].to_list()
    day = rain_events("2025-01-08", 1, seed=3)
    lo, hi = dt.datetime(2025, 1, 8), dt.datetime(2025, 1, 9)
    assert week.filter((pl.col("end") > lo) & (pl.col("start") < hi)).equals(day)
    # the city-wide rate is positive inside every ordinary event
    for s, e in week.select("start", "end").iter_rows():
        m0 = int((np.datetime64(s, "m") - np.datetime64("2000-01-01T00:00")).astype(int))
        m1 = int((np.datetime64(e, "m") - np.datetime64("2000-01-01T00:00")).astype(int))
        mid = np.array([(m0 + m1) // 2])
        assert weather.city_rain_rate(3, mid)[0] > 0
