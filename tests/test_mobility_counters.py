"""Tests of toyama_lab.mobility.counters: Erlang C, staffing, hourly profiles, ranking."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from toyama_lab.mobility import counters as ct
from toyama_lab.synth.mobility import erlang_c_wait


def _erlang_c_textbook(lam, mu, c):
    """Erlang C from the factorial formula (Gross et al. 2008, eq. 2.35)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(
    ("lam", "mu", "c"),
    [(0.5, 1.0, 1), (1.0, 1.0, 2), (3.0, 1.0, 4), (0.8, 1 / 7, 6), (1.5, 1 / 7, 12), (20, 1, 25)],
)
def test_erlang_c_matches_the_factorial_formula(lam, mu, c):
    assert_allclose(ct.erlang_c(lam, mu, c), _erlang_c_textbook(lam, mu, c), rtol=1e-10)


def test_mm1_closed_forms():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lam)
    m = ct.mmc_metrics(0.6, 1.0, 1)
    assert_allclose(m["p_wait"], 0.6)
    assert_allclose(m["wq"], 0.6 / 0.4)
    assert_allclose(m["lq"], 0.36 / 0.4)
    assert_allclose(m["w"], 1.5 + 1.0)


def test_wait_agrees_with_the_synthetic_city_generator():
    lam = np.array([0.2, 0.5, 0.8, 1.2])
    assert_allclose(ct.mmc_metrics(lam, 1 / 7, 10)["wq"], erlang_c_wait(lam, 1 / 7, 10))


def test_unstable_queue_has_infinite_wait():
    m = ct.mmc_metrics(2.0, 1.0, 2)
    assert m["p_wait"] == 1.0 and np.isinf(m["wq"]) and m["service_level"] == 0.0


def test_more_windows_never_wait_longer():
    table = ct.staffing_table(1.0, 1 / 7, range(8, 16))
    wq = table["wq"].to_numpy()
    assert np.all(np.diff(wq) < 0)
    assert np.all(np.diff(table["service_level"].to_numpy()) > 0)


@pytest.mark.parametrize(("lam", "max_wait"), [(0.5, 5.0), (1.0, 2.0), (1.5, 1.0), (0.3, 0.5)])
def test_min_windows_is_the_smallest_enough(lam, max_wait):
    c = int(ct.min_windows(lam, 1 / 7, max_wait))
    assert ct.mmc_metrics(lam, 1 / 7, c)["wq"] <= max_wait
    if c > 1:
        assert ct.mmc_metrics(lam, 1 / 7, c - 1)["wq"] > max_wait


@pytest.mark.parametrize(
    ("lam", "mu", "c", "match"),
    [(-1, 1, 1, "arrival"), (1, 0, 1, "service"), (1, 1, 0, "windows"), (1, 1, 1.5, "whole")],
)
def test_bad_rates_are_rejected(lam, mu, c, match):
    with pytest.raises(ValueError, match=match):
        ct.erlang_c(lam, mu, c)


def _counter_cube(n_days=2):
    """Two counters; counter A has queue 4 from 10:00 to 10:59 on open days, B queue 1."""
    m = n_days * 1440
    minute = np.arange(m) % 1440
    hour = minute // 60
    open_ = (minute >= 510) & (minute < 1035)
    day_open = np.ones(m, bool)
    day_open[1440:] = False  # the second day is closed (a Saturday)
    windows = np.where(open_ & day_open, 3, 0)[None, :].repeat(2, 0)
    queue = np.zeros((2, m))
    queue[0, (hour == 10) & day_open] = 4
    queue[1, (hour == 10) & day_open] = 1
    wait = queue / (np.maximum(windows, 1) * 0.2)
    tickets = np.where(windows > 0, 1, 0)
    time = np.datetime64("2025-10-10", "m") + np.arange(m).astype("timedelta64[m]")
    return xr.Dataset(
        {
            "queue_true": (("sensor", "time"), queue),
            "wait_min": (("sensor", "time"), wait),
            "tickets": (("sensor", "time"), tickets),
            "windows_open": (("sensor", "time"), windows),
        },
        coords={
            "time": time,
            "sensor_id": ("sensor", ["ctr-a", "ctr-b"]),
            "name_ja": ("sensor", ["A", "B"]),
            "name_romaji": ("sensor", ["A", "B"]),
        },
    )


def test_hourly_profile_averages_open_days_only():
    prof = ct.hourly_profile(_counter_cube())
    a10 = prof.filter((pl.col("sensor_id") == "ctr-a") & (pl.col("hour") == 10)).row(0, named=True)
    assert a10["n_days"] == 1
    assert_allclose(a10["queue"], 4.0)
    assert_allclose(a10["tickets_per_h"], 60.0)
    both = ct.hourly_profile(_counter_cube(), open_days_only=False)
    a10 = both.filter((pl.col("sensor_id") == "ctr-a") & (pl.col("hour") == 10)).row(0, named=True)
    assert_allclose(a10["queue"], 2.0)


def test_where_to_go_adds_travel_time():
    prof = ct.hourly_profile(_counter_cube())
    plain = ct.where_to_go(prof, 10)
    assert plain["sensor_id"].to_list() == ["ctr-b", "ctr-a"]
    far_b = ct.where_to_go(prof, 10, {"ctr-a": 0.0, "ctr-b": 30.0})
    assert far_b["sensor_id"].to_list() == ["ctr-a", "ctr-b"]
    assert_allclose(far_b["total_min"].to_numpy(), far_b["wait_min"] + far_b["travel_min"])
    only_a = ct.where_to_go(prof, 10, {"ctr-a": 5.0})
    assert only_a["sensor_id"].to_list() == ["ctr-a"]


@pytest.mark.parametrize(("hour", "match"), [(24, "0..23"), (-1, "0..23"), (3, "no counter")])
def test_where_to_go_rejects_bad_hours(hour, match):
    with pytest.raises(ValueError, match=match):
        ct.where_to_go(ct.hourly_profile(_counter_cube()), hour)
