"""The attendance truth: deterministic, window-independent, and true to the interval rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from toyama_lab.synth import attendance as att
from toyama_lab.synth import departments as deps
from toyama_lab.synth.office_variables import OFFICE_TABLES, office_variable


@pytest.fixture(scope="module")
def budget():
    return att.attendance("budget-season", size="class", seed=0)


def _with_previous(log: pl.DataFrame) -> pl.DataFrame:
    return log.sort("staff_id", "date").with_columns(
        prev_out=pl.col("clock_out").shift(1).over("staff_id"),
        prev_date=pl.col("date").shift(1).over("staff_id"),
        prev_pattern=pl.col("pattern").shift(1).over("staff_id"),
    )


def test_columns_are_described(budget):
    assert budget.columns == [v.name for v in OFFICE_TABLES["attendance"]]
    assert office_variable("attendance", "overtime_min").units == "min"
    with pytest.raises(KeyError, match="no column"):
        office_variable("attendance", "name")
    with pytest.raises(KeyError, match="unknown table"):
        office_variable("payroll", "x")


def test_same_seed_same_rows_other_seed_other_rows(budget):
    again = att.attendance("budget-season", size="class", seed=0)
    assert again.equals(budget)
    other = att.attendance("budget-season", size="class", seed=1)
    assert not other.equals(budget)


def test_a_shorter_window_gives_the_same_days(budget):
    start = budget["date"].min() + dt.timedelta(days=7)
    part = att.attendance("budget-season", size="class", seed=0, start=start, days=7)
    same = budget.filter(pl.col("date").is_between(start, start + dt.timedelta(days=6)))
    assert part.equals(same)


def test_pseudonyms_are_unique_and_say_nothing():
    r = att.roster("city", 0)
    assert r["staff_id"].n_unique() == r.height
    assert r["staff_id"].str.contains(r"^S\d{4}$").all()
    # numbers are not in department order
    first = r.sort("staff_id").head(20)["dept_id"].n_unique()
    assert first > 1


def test_only_working_days_of_open_offices_without_hazard(budget):
    wd = budget["date"].dt.weekday()
    assert (wd <= 5).all()  # Monday=1 .. Friday=5: no emergency in the budget season
    assert (budget["reason"] != "emergency").all()
    assert budget.filter(pl.col("date") == dt.date(2026, 1, 13)).height > 0


def test_late_starts_follow_the_trial_rule(budget):
    late = _with_previous(budget).filter(pl.col("pattern") != "standard")
    assert late.height > 0
    assert (late["prev_date"] == late["date"] - dt.timedelta(days=1)).all()
    prev_end = (late["prev_out"] - late["prev_date"].cast(pl.Datetime("us"))).dt.total_minutes()
    assert (prev_end >= att.LATE_END_MIN).all()
    assert (late["pattern"].to_numpy() == att.pattern_for_rest(prev_end.to_numpy())).all()
    assert (late["overtime_min"] == 0).all() and (late["reason"] == "").all()
    assert (late["prev_pattern"] == "standard").all()  # never two late starts in a row


def test_uptake_zero_and_one():
    none = att.attendance("budget-season", size="class", uptake=0.0)
    assert (none["pattern"] == "standard").all()
    full = _with_previous(att.attendance("budget-season", size="class", uptake=1.0))
    prev_end = (full["prev_out"] - full["prev_date"].cast(pl.Datetime("us"))).dt.total_minutes()
    eligible = (
        (full["prev_date"] == full["date"] - dt.timedelta(days=1))
        & (prev_end >= att.LATE_END_MIN)
        & (full["prev_pattern"] == "standard")
        & (pl.Series(att.pattern_for_rest(prev_end.fill_null(0).to_numpy())) != "standard")
    )
    assert ((full["pattern"] != "standard") == eligible.fill_null(False)).all()


def test_budget_office_works_late_in_january():
    jan = att.attendance("budget-season", size="class")
    oct_ = att.attendance("normal-week", size="class", days=28)
    mean = {
        name: log.filter(pl.col("dept_id") == "zaisei")["overtime_min"].mean()
        for name, log in (("jan", jan), ("oct", oct_))
    }
    assert mean["jan"] > 2 * mean["oct"]
    assert (jan.filter(pl.col("dept_id") == "zaisei")["reason"] == "budget").any()


@pytest.mark.parametrize("scenario", ["heavy-rain", "earthquake"])
def test_hazards_bring_emergency_nights(scenario):
    log = att.attendance(scenario, size="class")
    em = log.filter(pl.col("reason") == "emergency")
    assert em.height > 0
    assert "bousai" in em["dept_id"].to_list()
    share = em.group_by("dept_id").len().sort("len")["dept_id"].to_list()
    assert share[-1] in ("bousai", "doboku", "fukushi")
    normal = att.attendance("normal-week", size="class")
    assert (normal["reason"] != "emergency").all()


def test_emergency_duty_times():
    rain = att.get_work_scenario("heavy-rain")
    day = (dt.date(2025, 7, 8) - dt.date(2000, 1, 1)).days
    until, scale = att.emergency_duty(rain, np.array([day - 1, day, day + 1]))
    assert until.tolist()[0] == 0 and scale[0] == 0
    assert until[1] == 1800  # until 06:00 the next morning
    quake = att.get_work_scenario("earthquake")
    q = (dt.date(2025, 11, 12) - dt.date(2000, 1, 1)).days
    until, scale = att.emergency_duty(quake, np.array([q - 1, q, q + 1, q + 2, q + 3]))
    assert until.tolist() == [0, 1560, 1380, 1320, 0]
    assert scale.tolist() == [0.0, 1.0, 0.7, 0.4, 0.0]


@pytest.mark.parametrize(
    ("prev_end", "rest", "expected"),
    [
        (23 * 60, 660, "C"),  # the source's example: C-F after a 23:00 end
        (21 * 60 + 31, 660, "A"),
        (21 * 60 + 30, 660, "standard"),  # 08:30 already leaves exactly 11 h
        (20 * 60, 660, "standard"),
        (25 * 60, 660, "F"),  # even 11:30 leaves less than 11 h
        (23 * 60, 600, "A"),
    ],
)
def test_pattern_for_rest(prev_end, rest, expected):
    assert att.pattern_for_rest(prev_end, rest).item() == expected


@pytest.mark.parametrize(
    ("eligible", "late"),
    [
        ([0, 0, 0], [0, 0, 0]),
        ([1, 1, 1, 1], [1, 0, 1, 0]),
        ([0, 1, 1, 0, 1, 1, 1], [0, 1, 0, 0, 1, 0, 1]),
    ],
)
def test_late_start_days(eligible, late):
    got = att.late_start_days(np.array([eligible], dtype=bool))
    assert got.astype(int).tolist() == [late]


def test_season_factor_and_reason():
    zaisei = next(d for d in deps.DEPARTMENTS if d.dept_id == "zaisei")
    f = deps.season_factor(zaisei, np.array([20, 200]))
    assert f[0] == pytest.approx(
        1 + 2.6 + 0.6 * deps._bell(np.array([20]), (60, 161, 253, 339), 7)[0]
    )
    assert f[1] == pytest.approx(1.0, abs=1e-6)
    assert deps.season_reason(zaisei, np.array([20, 200])).tolist() == ["budget", ""]
    shimin = next(d for d in deps.DEPARTMENTS if d.dept_id == "shimin")
    assert deps.season_reason(shimin, np.array([91])).tolist() == ["moving"]
    assert deps.department_table("tiny")["n_staff"].sum() == 7 * 6 + 16


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scenario": "typhoon"}, "unknown scenario 'typhoon'"),
        ({"size": "huge"}, "unknown size 'huge'"),
        ({"seed": -1}, "seed must be a non-negative int"),
        ({"uptake": 1.5}, "uptake=1.5 must be a share"),
        ({"rest_min": 11.0}, "rest_min=11.0 must be whole minutes"),
        ({"days": 0}, "n_days must be a positive int"),
        ({"start": "2026-13-01"}, "ISO date"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"scenario": "budget-season"} | kwargs
    scenario = args.pop("scenario")
    with pytest.raises(ValueError, match=match):
        att.attendance(scenario, **args)
