"""Where the hours go, the plan's minutes, and the bootstrap estimate against the truth."""

from __future__ import annotations

import numpy as np
import pytest

from toyama_lab.gyosei import online
from toyama_lab.gyosei.data import load_applications
from toyama_lab.synth.applications import STEPS


@pytest.fixture(scope="module")
def log():
    return load_applications(size="class")


def test_open_days_per_year():
    assert online.open_days_per_year(2025) == 242  # FY2025: April 2025 to March 2026


def test_hours_by_step_adds_up(log):
    h = online.hours_by_step(log)
    assert h["hours"].sum() == pytest.approx(log["minutes"].sum() / 60)
    assert h.height == 3 * 2 * len(STEPS)


@pytest.mark.parametrize(
    ("share", "cut", "expected"),
    [(0.0, 0.0, 10.0), (1.0, 0.0, 4.0), (0.5, 0.0, 7.0), (0.0, 1.0, 7.0), (0.5, 0.5, 6.0)],
)
def test_plan_minutes(share, cut, expected):
    # steps: reception, entry (auto), review, approval, notice (auto)
    mean = np.array([[[3.0, 2.0, 3.0, 1.0, 1.0], [1.0, 0.5, 2.0, 0.0, 0.5]]])
    assert online.plan_minutes(mean, share, cut)[0] == pytest.approx(expected)


def test_bootstrap_saving(log):
    r = online.bootstrap_saving(log, n_boot=500)
    assert r["low_h"] < r["saving_h"] < r["high_h"]
    assert r["before_h"] - r["after_h"] == pytest.approx(r["saving_h"])
    assert r["samples"].shape == (500,)
    assert r["low_h"] <= online.true_saving("class") <= r["high_h"]
    again = online.bootstrap_saving(log, n_boot=500)
    assert np.array_equal(again["samples"], r["samples"])  # same seed, same interval
    paper = online.bootstrap_saving(log, online_share=0.0, rpa_cut=0.0, n_boot=100)
    assert paper["saving_h"] < 0  # back to paper only: more hours, not fewer
    more = [
        online.bootstrap_saving(log, online_share=s, n_boot=100)["saving_h"] for s in (0.3, 0.9)
    ]
    assert more[0] < r["saving_h"] < more[1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"online_share": 1.5}, "online_share=1.5"),
        ({"rpa_cut": -0.1}, "rpa_cut=-0.1"),
        ({"n_boot": 10}, "n_boot=10"),
        ({"level": 1.0}, "level=1.0"),
    ],
)
def test_bad_input(log, kwargs, match):
    with pytest.raises(ValueError, match=match):
        online.bootstrap_saving(log, **kwargs)


def test_bad_log():
    import polars as pl

    with pytest.raises(ValueError, match="lacks columns"):
        online.hours_by_step(pl.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="unknown size"):
        online.true_saving("huge")
