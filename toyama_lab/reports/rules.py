"""Cross-parameter rules of the workbooks (the part of a schema one :class:`Param` cannot say).

Each workbook validates its parameters with :func:`toyama_lab.reports.params.validate`,
then applies its rules here with :func:`toyama_lab.reports.params.check_rules`, so the
checks are tested code, not lines in a notebook cell, and a bad combination stops with
the same kind of message as a bad single value.
"""

from __future__ import annotations

from toyama_lab.reports.params import Rule

__all__ = ["BICYCLE_PARKING", "BOUSAI_YEARS"]

#: mobility/02-bicycle-parking: the nowcast needs yesterday, full above busy, the map day in
#: the period and a horizon made of whole steps.
BICYCLE_PARKING: tuple[Rule, ...] = (
    Rule("days", lambda v: v["days"] >= 2, lambda v: "2 or more days (the nowcast needs yesterday)",
         lambda v: "2"),
    Rule("full_pct", lambda v: v["full_pct"] > v["busy_pct"],
         lambda v: f"more than busy_pct={v['busy_pct']}",
         lambda v: str(min(v["busy_pct"] + 10, 100))),
    Rule("map_day", lambda v: v["map_day"] < v["days"],
         lambda v: f"a day 0..{v['days'] - 1} of the period", lambda v: str(v["days"] - 1)),
    Rule("horizon_min", lambda v: v["horizon_min"] % v["step_min"] == 0,
         lambda v: f"a multiple of step_min={v['step_min']}", lambda v: str(v["step_min"] * 6)),
)  # fmt: skip

#: disaster/03-bousai-organisations: a trend needs at least two fiscal years.
BOUSAI_YEARS: tuple[Rule, ...] = (
    Rule("last_year", lambda v: v["last_year"] > v["first_year"],
         lambda v: f"a year after first_year={v['first_year']}",
         lambda v: str(v["first_year"] + 5)),
)  # fmt: skip
