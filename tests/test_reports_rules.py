"""Cross-parameter rules (reports.params.Rule, check_rules) and the workbooks' rule sets."""

from __future__ import annotations

import pytest

from toyama_lab.reports.params import ParameterError, Rule, check_rules
from toyama_lab.reports.rules import BICYCLE_PARKING, BOUSAI_YEARS

GOOD = {"days": 7, "busy_pct": 80.0, "full_pct": 95.0, "map_day": 2, "step_min": 10,
        "horizon_min": 60}  # fmt: skip


def test_good_values_pass_unchanged():
    assert check_rules(GOOD, BICYCLE_PARKING) == GOOD
    assert check_rules({"first_year": 2019, "last_year": 2024}, BOUSAI_YEARS)["last_year"] == 2024


@pytest.mark.parametrize(
    ("change", "name", "expected", "fix"),
    [
        ({"days": 1, "map_day": 0}, "days", "2 or more days", "-p days 2"),
        ({"full_pct": 80.0}, "full_pct", "more than busy_pct=80.0", "-p full_pct 90.0"),
        ({"map_day": 7}, "map_day", "a day 0..6 of the period", "-p map_day 6"),
        ({"horizon_min": 25}, "horizon_min", "a multiple of step_min=10", "-p horizon_min 60"),
    ],
)
def test_bicycle_parking_rules_name_the_parameter_and_the_fix(change, name, expected, fix):
    with pytest.raises(ParameterError) as info:
        check_rules(GOOD | change, BICYCLE_PARKING)
    msg = str(info.value)
    assert msg.startswith(f"parameter {name!r} = ") and expected in msg and fix in msg


def test_bousai_years_rule():
    with pytest.raises(
        ParameterError, match=r"'last_year' = 2019 .* first_year=2019.*-p last_year 2024"
    ):
        check_rules({"first_year": 2019, "last_year": 2019}, BOUSAI_YEARS)


def test_rule_for_an_unknown_parameter_is_a_programming_error():
    with pytest.raises(KeyError, match="nope"):
        check_rules({"days": 1}, [Rule("nope", lambda v: True, lambda v: "")])
