"""What a late start costs at the counter: slots, late starters, the Erlang C what-if."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab.gyosei import counter_cost as cc
from toyama_lab.gyosei.data import load_counter
from toyama_lab.queueing import mmc_metrics


def test_slots_cover_the_morning_until_pattern_f():
    assert cc.SLOTS.tolist() == [510, 540, 570, 600, 630, 660]


def test_slot_arrivals_sums_each_slot():
    t = np.zeros(2 * 1440)
    t[510:540] = 1.0  # 30 tickets in the first slot of day 0
    t[1440 + 600 : 1440 + 630] = 2.0
    w = np.full(t.shape, 4)
    w[1440 + 630] = 3
    got = cc.slot_arrivals(t, w)
    assert_allclose(got["lam"][0], [1, 0, 0, 0, 0, 0])
    assert_allclose(got["lam"][1], [0, 0, 0, 2, 0, 0])
    assert got["windows"][1].tolist() == [4, 4, 4, 4, 3, 4]
    with pytest.raises(ValueError, match="whole days"):
        cc.slot_arrivals(t[:100], w[:100])


def test_late_starters_counts_staff_not_yet_started():
    d = [dt.date(2026, 1, 13), dt.date(2026, 1, 14)]
    log = pl.DataFrame({
        "dept_id": ["shimin", "shimin", "shimin", "zaisei"],
        "date": [d[0], d[0], d[1], d[0]],
        "pattern": ["A", "C", "standard", "F"],
    })  # fmt: skip
    got = cc.late_starters(log, d)
    assert got.tolist() == [[2, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]]
    assert cc.mornings_by_late_count(got).rows() == [(0, 1), (2, 1)]


def test_late_start_table_is_erlang_c_slot_by_slot():
    lam = np.array([0.5, 1.0, 1.0, 1.0, 1.0, 0.8])
    windows = np.full(6, 10)
    t = cc.late_start_table(lam, windows, n_late=[1, 2], patterns=["A", "C"])
    assert t.height == 4 and t["slots"].to_list() == [1, 3, 1, 3]
    row = t.filter((pl.col("pattern") == "C") & (pl.col("n_late") == 2)).row(0, named=True)
    mu = 1 / 7.0
    wq = lambda c: mmc_metrics(lam[:3], mu, c)["wq"]  # noqa: E731
    assert row["added_wait_min"] == pytest.approx(float((lam[:3] * 30 * (wq(8) - wq(10))).sum()))
    assert (t["added_wait_min"] > 0).all() and not t["overloaded"].any()
    # more staff late, or a later pattern, never costs less
    for key in ("pattern", "n_late"):
        other = "n_late" if key == "pattern" else "pattern"
        for (_,), g in t.group_by(key):
            costs = g.sort(other)["added_wait_min"].to_list()
            assert costs == sorted(costs)
    covered = cc.late_start_table(lam, windows, n_late=[2], patterns=["C"], cover=2)
    assert covered["added_wait_min"].to_list() == [0.0]


def test_overload_is_infinite():
    t = cc.late_start_table(np.full(6, 1.4), np.full(6, 10), n_late=[1], patterns=["F"])
    assert t["overloaded"][0] and np.isinf(t["added_wait_min"][0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"patterns": ["G"]}, "unknown late-start patterns"),
        ({"patterns": ["standard"]}, "unknown late-start patterns"),
        ({"cover": -1}, "cover=-1"),
        ({"n_late": [-1]}, "n_late"),
        ({"service_min": 0}, "service_min=0"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cc.late_start_table(np.ones(6), np.full(6, 10), **kwargs)


def test_typical_day_and_loader():
    c = load_counter("budget-season", days=14)
    assert len(c["dates"]) == c["lam"].shape[0] == 10  # Tue 2026-01-13 to Mon 01-26
    lam, w = cc.typical_day(c["lam"], c["windows"])
    assert lam.shape == (6,) and (w == 12).all() and (lam > 0).all()
    with pytest.raises(ValueError, match="no open day"):
        cc.typical_day(np.zeros((0, 6)), np.zeros((0, 6)))
    with pytest.raises(ValueError, match="unknown counter"):
        load_counter("budget-season", days=1, counter="ctr-0009")
