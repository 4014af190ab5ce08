"""Tests of toyama_lab.mobility.parking: occupancy, alerts, nowcasts and scores."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toyama_lab.mobility import parking as pk


@pytest.mark.parametrize(
    ("occ", "cap", "rate"),
    [(0, 100, 0.0), (80, 100, 80.0), (150, 300, 50.0), (200, 200, 100.0)],
)
def test_occupancy_rate(occ, cap, rate):
    assert_allclose(pk.occupancy_rate(occ, cap), rate)


def test_occupancy_rate_per_sensor_capacity_and_gaps():
    occ = np.array([[10.0, np.nan], [50.0, 100.0]])
    out = pk.occupancy_rate(occ, [20, 200])
    assert_allclose(out, [[50.0, np.nan], [25.0, 50.0]])
    assert_allclose(pk.free_places(occ[:, :1], [20, 200]), [[10.0], [150.0]])


@pytest.mark.parametrize("cap", [0, -10, np.nan])
def test_occupancy_rate_rejects_bad_capacity(cap):
    with pytest.raises(ValueError, match="capacity"):
        pk.occupancy_rate([1.0], cap)


@pytest.mark.parametrize(
    ("rate", "busy", "full", "level"),
    [(79.9, 80, 95, 0), (80.0, 80, 95, 1), (94.9, 80, 95, 1), (95.0, 80, 95, 2),
     (100.0, 80, 95, 2), (60.0, 50, 90, 1), (np.nan, 80, 95, -1)],
)  # fmt: skip
def test_alert_level(rate, busy, full, level):
    assert int(pk.alert_level(rate, busy, full)) == level


@pytest.mark.parametrize(("busy", "full"), [(95, 80), (0, 95), (80, 101), (80, 80)])
def test_alert_level_rejects_bad_thresholds(busy, full):
    with pytest.raises(ValueError, match="busy"):
        pk.alert_level([50.0], busy, full)


def test_persistence_is_the_value_h_steps_before():
    x = np.arange(10.0)[None, :]
    f = pk.nowcast(x, 3)
    assert np.isnan(f[0, :3]).all()
    assert_allclose(f[0, 3:], x[0, :-3])


def test_trend_is_exact_on_a_straight_line():
    x = 5.0 + 2.0 * np.arange(30.0)
    f = pk.nowcast(x, 6, "trend", window=4)
    assert_allclose(f[10:], x[10:])


def test_daily_change_is_exact_on_a_repeating_day():
    period = 24
    day = np.sin(np.linspace(0, 2 * np.pi, period, endpoint=False)) * 50 + 100
    x = np.tile(day, 4)[None, :]
    f = pk.nowcast(x, 3, "daily_change", period=period)
    assert_allclose(f[0, period + 3 :], x[0, period + 3 :])
    persistence = pk.nowcast(x, 3)
    ok = slice(period + 3, None)
    assert pk.mae(x[:, ok], f[:, ok]) < pk.mae(x[:, ok], persistence[:, ok])


def test_nowcast_clips_to_capacity():
    x = np.array([[0.0, 50.0, 100.0, 150.0, 200.0]])
    f = pk.nowcast(x, 1, "trend", window=1, capacity=[180])
    assert np.nanmax(f) == 180.0 and np.nanmin(f) >= 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"method": "arima"}, "unknown nowcast method"), ({"horizon": 0}, "horizon"),
     ({"method": "daily_change"}, "period"), ({"method": "daily_change", "period": 2}, "period"),
     ({"method": "trend", "window": 0}, "window")],
)  # fmt: skip
def test_nowcast_rejects_bad_input(kwargs, match):
    args = {"horizon": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        pk.nowcast(np.arange(50.0), **args)


def test_mae_skips_gaps_and_skill():
    truth = np.array([[1.0, 2.0, np.nan], [4.0, 4.0, 4.0]])
    fc = np.array([[2.0, 2.0, 5.0], [np.nan, 2.0, 5.0]])
    assert_allclose(pk.mae(truth, fc), (1 + 0 + 2 + 1) / 4)
    assert_allclose(pk.mae(truth, fc, axis=-1), [0.5, 1.5])
    assert_allclose(pk.skill([1.0, 2.0, 1.0], [2.0, 2.0, 0.0]), [0.5, 0.0, np.nan])
    with pytest.raises(ValueError, match="same shape"):
        pk.mae([1.0], [1.0, 2.0])


def test_alert_hours_counts_each_level_per_park():
    level = np.array([[0, 0, 1, 2], [-1, 2, 2, 2]])
    t = pk.alert_hours(level, ["A", "B"], 15, lang="en")
    assert t.columns == ["name", "Free [h]", "Busy [h]", "Full [h]"]
    assert t.row(0) == ("A", 0.5, 0.25, 0.25) and t.row(1) == ("B", 0.0, 0.0, 0.75)
    assert pk.alert_hours(level, ["A", "B"], 15, lang="ja").columns[1] == "空き [h]"
    with pytest.raises(ValueError, match="shape"):
        pk.alert_hours(level, ["A"], 15)


def test_score_methods_scores_only_the_scored_steps():
    truth = np.array([[0.0, 10.0, 20.0, 30.0]])
    fc = {"persistence": truth - 10, "trend": truth + np.array([[100.0, 0, 0, 5]])}
    s = pk.score_methods(truth, fc, slice(1, None))
    assert_allclose(s["mae_bicycles"].to_numpy(), [10.0, 5 / 3])
    assert_allclose(s["skill_vs_persistence"].to_numpy(), [0.0, 1 - (5 / 3) / 10])
    with pytest.raises(ValueError, match="reference"):
        pk.score_methods(truth, {"trend": truth}, slice(None))
