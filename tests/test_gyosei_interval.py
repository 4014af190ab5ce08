"""Rest intervals, short rests and the department KPI with small-cell suppression."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from toyama_lab.gyosei import interval as iv
from toyama_lab.gyosei.data import load_attendance, uptake_whatif
from toyama_lab.synth.departments import department_table


def _log(rows):
    """rows: (staff, dept, date, pattern, out 'HH:MM' or '+HH:MM' for the next day, reason)."""
    out = []
    for staff, dept, day, pattern, end, reason in rows:
        d = dt.date(2026, 1, day)
        h, m = map(int, end.lstrip("+").split(":"))
        clock_out = dt.datetime.combine(d, dt.time(h, m)) + dt.timedelta(days=end[0] == "+")
        out.append((staff, dept, d, pattern, dt.datetime.combine(d, dt.time(8, 20)), clock_out,
                    reason))  # fmt: skip
    return pl.DataFrame(out, schema=list(iv.LOG_COLUMNS), orient="row")


def test_rest_is_measured_to_the_scheduled_start():
    log = _log([
        ("S1", "a", 13, "standard", "23:00", "budget"),
        ("S1", "a", 14, "C", "18:45", ""),
        ("S1", "a", 15, "standard", "21:40", "budget"),
        ("S1", "a", 16, "standard", "17:20", ""),
        ("S2", "a", 13, "standard", "+00:30", "emergency"),
        ("S2", "a", 14, "standard", "17:20", ""),
    ])  # fmt: skip
    got = iv.rest_intervals(log)
    assert got["rest_h"].to_list() == pytest.approx([11.0, 13.75, 10.8333333, 8.0])
    assert got["short"].to_list() == [False, False, True, True]
    assert got["prev_reason"].to_list() == ["budget", "", "budget", "emergency"]


def test_short_rest_by():
    log = _log([
        ("S1", "a", 13, "standard", "23:00", "budget"),
        ("S1", "a", 14, "standard", "17:20", ""),
        ("S2", "b", 13, "standard", "17:20", ""),
        ("S2", "b", 14, "standard", "17:20", ""),
    ])  # fmt: skip
    t = iv.short_rest_by(iv.rest_intervals(log), "dept_id")
    assert t.rows() == [("a", 1, 1, 1.0), ("b", 1, 0, 0.0)]
    with pytest.raises(ValueError, match="intervals lack"):
        iv.short_rest_by(log, "dept_id")


def test_department_kpi_suppresses_small_cells():
    rows = []
    for s in range(4):  # dept a: 4 staff, 2 with a short rest -> suppressed at k=3
        end = "23:00" if s < 2 else "17:20"
        rows += [
            (f"A{s}", "a", 13, "standard", end, "budget"),
            (f"A{s}", "a", 14, "standard", "17:20", ""),
        ]
    for s in range(3):  # dept b: 3 staff, all short -> published
        rows += [
            (f"B{s}", "b", 13, "standard", "23:30", "budget"),
            (f"B{s}", "b", 14, "standard", "17:20", ""),
        ]
    rows += [("C0", "c", 13, "standard", "17:20", ""), ("C0", "c", 14, "standard", "17:20", "")]
    depts = pl.DataFrame({"dept_id": ["a", "b", "c", "d"], "name_ja": list("甲乙丙丁"),
                          "name_en": list("ABCD")})  # fmt: skip
    kpi = iv.department_kpi(iv.rest_intervals(_log(rows)), depts, k=3)
    assert kpi["suppressed"].to_list() == [True, False, True, True]
    b = kpi.row(1, named=True)
    assert (b["n_intervals"], b["n_short"], b["short_per_100"], b["n_staff_short"]) == (
        3,
        3,
        100.0,
        3,
    )
    assert kpi.filter(pl.col("suppressed"))["short_per_100"].null_count() == 3
    k1 = iv.department_kpi(iv.rest_intervals(_log(rows)), depts, k=1)
    assert k1["short_per_100"].to_list()[:3] == [50.0, 100.0, 0.0]


def test_on_the_synthetic_log_short_rests_follow_late_days():
    log = load_attendance("budget-season", size="tiny")
    got = iv.rest_intervals(log)
    short = got.filter(pl.col("short"))
    assert short.height > 0 and (short["prev_reason"] != "").all()
    assert got.height == log.height - log["staff_id"].n_unique()
    kpi = iv.department_kpi(got, department_table("tiny"))
    assert kpi.height == 8


def test_uptake_whatif_is_monotone():
    t = uptake_whatif("budget-season", size="tiny", uptakes=(0.0, 0.5, 1.0))
    assert t["n_short"].to_list() == sorted(t["n_short"].to_list(), reverse=True)
    assert t["late_days"][0] == 0 and t["n_short"][-1] == 0
    assert t["n_intervals"].n_unique() == 1


def test_bad_log():
    with pytest.raises(ValueError, match="lacks columns"):
        iv.rest_intervals(pl.DataFrame({"staff_id": ["S1"]}))
    with pytest.raises(ValueError, match="polars DataFrame"):
        iv.check_log({"staff_id": []})
    bad = _log([("S1", "a", 13, "G", "17:20", "")])
    with pytest.raises(ValueError, match="unknown start patterns"):
        iv.rest_intervals(bad)
