"""Tests of toyama_lab.mobility.counters: staffing, hourly profiles, ranking."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import xarray as xr
from numpy.testing import assert_allclose

from toyama_lab.mobility import counters as ct
from toyama_lab.queueing import mmc_metrics


def test_more_windows_never_wait_longer():
    table = ct.staffing_table(1.0, 1 / 7, range(8, 16))
    wq = table["wq"].to_numpy()
    assert np.all(np.diff(wq) < 0)
    assert np.all(np.diff(table["service_level"].to_numpy()) > 0)


@pytest.mark.parametrize(("lam", "max_wait"), [(0.5, 5.0), (1.0, 2.0), (1.5, 1.0), (0.3, 0.5)])
def test_min_windows_is_the_smallest_enough(lam, max_wait):
    c = int(ct.min_windows(lam, 1 / 7, max_wait))
    assert mmc_metrics(lam, 1 / 7, c)["wq"] <= max_wait
    if c > 1:
        assert mmc_metrics(lam, 1 / 7, c - 1)["wq"] > max_wait


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
