"""Tests for toyama_lab.childsafety.reidentify: raw tracks and the home-estimation attack."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from toyama_lab.childsafety.reidentify import estimate_homes, home_errors, raw_tracks
from toyama_lab.city import build_city
from toyama_lab.privacy import HOME_EXCLUSION_RADIUS_M, check_no_fix_near_home
from toyama_lab.synth.children import simulate_tracks

START = "2025-06-02"


@pytest.fixture(scope="module")
def city():
    return build_city(0, "tiny")


@pytest.fixture(scope="module")
def tracks(city):
    rec = simulate_tracks(city, START, 5, seed=0)
    raw = raw_tracks(city, START, 5, seed=0)
    return rec, raw


def test_raw_contains_recorded_plus_home_fixes(city, tracks):
    rec, raw = tracks
    dev = raw.filter(~pl.col("at_home"))
    assert dev.height == rec.height
    assert dev.select("child_id", "time").equals(rec.select("child_id", "time"))
    home = raw.filter(pl.col("at_home"))
    n_days = rec.select("child_id", "school_day").unique().height
    assert home.height == n_days * 2 * (10 * 60 // 120)
    # the added fixes are exactly what the 50 m rule removes
    near = check_no_fix_near_home(home, city.children)
    assert near.height == home.height
    assert check_no_fix_near_home(dev, city.children).height == 0


def test_raw_is_reproducible(city, tracks):
    _, raw = tracks
    assert raw.equals(raw_tracks(city, START, 5, seed=0))


def test_no_dwell_gives_recorded(city, tracks):
    rec, _ = tracks
    out = raw_tracks(city, START, 5, seed=0, dwell_min=0)
    assert out.height == rec.height and not out["at_home"].any()
    with pytest.raises(ValueError, match="dwell_min"):
        raw_tracks(city, START, 5, seed=0, dwell_min=120)


def test_raw_tracks_reveal_homes_and_rule_pushes_estimates_away(city, tracks):
    rec, raw = tracks
    e_raw = home_errors(estimate_homes(raw), city.children)
    e_rule = home_errors(estimate_homes(rec), city.children)
    assert e_raw["error_m"].max() < 15.0  # a few metres of GPS noise
    assert e_rule["error_m"].median() > HOME_EXCLUSION_RADIUS_M
    assert "home_lon" not in e_rule.columns and "lon" not in e_rule.columns


def test_estimate_homes_median_of_day_ends():
    t = dt.datetime(2025, 6, 2, 7)
    fixes = pl.DataFrame(
        {
            "child_id": ["a"] * 4,
            "time": [t, t + dt.timedelta(hours=1), t + dt.timedelta(days=1),
                     t + dt.timedelta(days=1, hours=1)],
            "lon": [137.20, 137.30, 137.20, 137.30],
            "lat": [36.70, 36.70, 36.70, 36.70],
        }
    )  # fmt: skip
    est = estimate_homes(fixes)
    assert est["n_days"][0] == 2
    np.testing.assert_allclose(est["lon"][0], 137.25, atol=1e-9)
    with pytest.raises(ValueError, match="lack"):
        estimate_homes(fixes.drop("time"))


def test_error_histogram_marks_the_rule_radius():
    from toyama_lab.viz.childsafety import error_histogram

    err = pl.DataFrame({"error_m": [3.0, 5.0], "error_rule_m": [60.0, 80.0]})
    fig = error_histogram(err, 50.0, lang="en")
    assert [t.name for t in fig.data] == ["No rule", "50 m rule"]
    assert fig.layout.shapes[0].x0 == 50.0
