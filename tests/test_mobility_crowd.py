"""Tests of toyama_lab.mobility.crowd: features, log-linear fit, levels, baselines, scores."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab.mobility import crowd


def _days(n=400, start=dt.date(2025, 1, 6)):
    dates = [start + dt.timedelta(days=i) for i in range(n)]
    return pl.DataFrame(
        {
            "date": dates,
            "weekday": [d.weekday() for d in dates],
            "holiday": [d.day == 15 for d in dates],
            "event": [d.day == 1 for d in dates],
        }
    )


def _truth(days, rain, *, base=10000.0, sun=1.3, holiday=1.2, event=2.0, rain_k=-0.1):
    wd = days["weekday"].to_numpy()
    mon = days["date"].dt.month().to_numpy()
    y = base * np.where(wd == 6, sun, 1.0)
    y = y * np.where(days["holiday"].to_numpy(), holiday, 1.0)
    y = y * np.where(days["event"].to_numpy(), event, 1.0)
    y = y * (1.0 + 0.05 * np.cos(2 * np.pi * (mon - 1) / 12))
    return y * np.exp(rain_k * np.log1p(rain))


def test_design_matrix_columns():
    days = _days(14)
    X, names = crowd.design_matrix(days, np.zeros(14))
    assert names[0] == "intercept" and names[-1] == "log1p_rain"
    assert X.shape == (14, len(names))
    assert_allclose(X[:, 0], 1.0)
    sun = names.index("sun")
    assert_allclose(X[:, sun], (days["weekday"].to_numpy() == 6).astype(float))
    _, cal = crowd.design_matrix(days, month=False)
    assert "log1p_rain" not in cal and "m02" not in cal


@pytest.mark.parametrize(
    ("rain", "match"),
    [(np.zeros(3), "shape"), (-np.ones(14), ">= 0"), (np.full(14, np.nan), ">= 0")],
)
def test_design_matrix_rejects_bad_rain(rain, match):
    with pytest.raises(ValueError, match=match):
        crowd.design_matrix(_days(14), rain)


def test_design_matrix_needs_the_event_column():
    with pytest.raises(ValueError, match="event"):
        crowd.design_matrix(_days(14).drop("event"))


def test_fit_recovers_multiplicative_factors():
    days = _days()
    rain = np.random.default_rng(1).gamma(0.6, 10.0, days.height)
    y = _truth(days, rain)
    X, names = crowd.design_matrix(days, rain)
    model = crowd.fit(X, y, names, ridge=0.0)
    f = dict(zip(*model.factors().to_dict(as_series=False).values(), strict=True))
    assert_allclose([f["sun"], f["holiday"], f["event"]], [1.3, 1.2, 2.0], rtol=1e-6)
    assert_allclose(np.log(f["log1p_rain"]), -0.1, atol=1e-6)
    assert_allclose(model.predict(X), y, rtol=1e-6)


def test_fit_rejects_bad_input():
    days = _days(30)
    X, names = crowd.design_matrix(days, month=False)
    with pytest.raises(ValueError, match="> 0"):
        crowd.fit(X, np.zeros(30), names)
    with pytest.raises(ValueError, match="do not match"):
        crowd.fit(X, np.ones(29), names)
    Xm, nm = crowd.design_matrix(_days(5))
    with pytest.raises(ValueError, match="cannot fit"):
        crowd.fit(Xm, np.ones(5), nm)
    model = crowd.fit(X, np.ones(30), names)
    with pytest.raises(ValueError, match="columns"):
        model.predict(X[:, :3])


@pytest.mark.parametrize("n_levels", [2, 3, 5, 7])
def test_levels_split_the_history_evenly(n_levels):
    hist = np.arange(1.0, 1001.0)
    cuts = crowd.level_cuts(hist, n_levels)
    assert cuts.shape == (n_levels - 1,)
    counts = np.bincount(crowd.to_level(hist, cuts), minlength=n_levels + 1)[1:]
    assert counts.min() >= 1000 // n_levels - 1 and counts.max() <= 1000 // n_levels + 1


@pytest.mark.parametrize(
    ("value", "level"), [(5.0, 1), (20.0, 2), (25.0, 2), (99.0, 5), (np.nan, 0)]
)
def test_to_level(value, level):
    assert int(crowd.to_level(value, [20.0, 40.0, 60.0, 80.0])) == level


def test_level_errors():
    with pytest.raises(ValueError, match="at least"):
        crowd.level_cuts([1.0, 2.0], 5)
    with pytest.raises(ValueError, match="increasing"):
        crowd.to_level([1.0], [3.0, 2.0])


def test_baselines():
    start = dt.date(2025, 1, 6)  # Monday
    dates = [start + dt.timedelta(days=i) for i in range(56)]
    total = np.arange(56, dtype=float)
    hist = pl.DataFrame({"date": dates, "total": total})
    target = [dt.date(2025, 3, 3), dt.date(2025, 3, 4)]  # Monday, Tuesday
    sw = crowd.same_weekday_baseline(hist, target, weeks=2)
    assert_allclose(sw, [(42 + 49) / 2, (43 + 50) / 2])
    clim = crowd.climatology_baseline(hist, target)
    assert_allclose(clim, [np.mean(total[0::7]), np.mean(total[1::7])])
    with pytest.raises(ValueError, match="weeks"):
        crowd.same_weekday_baseline(hist, target, weeks=0)


def test_scores_perfect_and_off_by_one_level():
    cuts = [10.0, 20.0, 30.0, 40.0]
    truth = np.array([5.0, 15.0, 25.0, 35.0])
    perfect = crowd.scores(truth, truth, cuts)
    assert perfect["mae"] == 0 and perfect["level_hit"] == 1 and perfect["level_mae"] == 0
    off = crowd.scores(truth, truth + 10.0, cuts)
    assert_allclose([off["mae"], off["level_hit"], off["level_within_one"]], [10.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="no day"):
        crowd.scores([np.nan], [1.0], cuts)


def test_score_table_adds_skill_against_each_reference():
    t = np.arange(100.0, 200.0, 10.0)
    table = crowd.score_table(t, {"model": t + 1, "naive": t + 4}, crowd.level_cuts(t),
                              {"naive": "naive"})  # fmt: skip
    assert table["forecast"].to_list() == ["model", "naive"]
    assert_allclose(table["skill_vs_naive"].to_numpy(), [0.75, 0.0])
    with pytest.raises(ValueError, match="references"):
        crowd.score_table(t, {"model": t}, crowd.level_cuts(t), {"x": "naive"})


def test_with_daily_rain_joins_on_the_date_not_the_row():
    import xarray as xr

    days = pl.DataFrame({"date": [dt.date(2025, 1, 3), dt.date(2025, 1, 1), dt.date(2025, 1, 2)]})
    time = np.array(["2025-01-01", "2025-01-02", "2025-01-03"], dtype="datetime64[ns]")
    rain = xr.DataArray([1.0, 2.0, 3.0], coords={"time": time}, dims="time")
    out = crowd.with_daily_rain(days, rain)
    assert out["date"].to_list() == sorted(days["date"]) and out["rain_mm"].to_list() == [1, 2, 3]
    with pytest.raises(ValueError, match="no rain value for 1 day"):
        crowd.with_daily_rain(days, rain.isel(time=slice(0, 2)))
