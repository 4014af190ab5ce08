"""The parameter schemas of the 行政DX workbooks: defaults pass, bad values name the fix."""

from __future__ import annotations

import datetime as dt

import pytest

from toyama_lab.gyosei.params import INTERVAL_SCHEMA, ONLINE_SCHEMA
from toyama_lab.reports.params import ParameterError, validate

COMMON = {"size": "tiny", "seed": 0, "lang": "ja", "interactive": False}
INTERVAL = COMMON | {"scenario": "budget-season", "start": "", "days": 28, "uptake": 0.35,
                     "k": 3, "cover": 0}  # fmt: skip
ONLINE = COMMON | {"start": "2025-10-01", "days": 61, "online_share": 0.6, "rpa_cut": 0.8,
                   "n_boot": 2000, "level": 0.95}  # fmt: skip


def test_defaults_pass():
    p = validate(INTERVAL, INTERVAL_SCHEMA)
    assert p["start"] is None and p["scenario"] == "budget-season"
    q = validate(ONLINE | {"interactive": "true"}, ONLINE_SCHEMA)
    assert q["start"] == dt.date(2025, 10, 1) and q["interactive"] is True


@pytest.mark.parametrize(
    ("schema", "base", "bad", "match"),
    [
        (INTERVAL_SCHEMA, INTERVAL, {"scenario": "typhoon"}, "parameter 'scenario' = 'typhoon'"),
        (INTERVAL_SCHEMA, INTERVAL, {"uptake": 1.5}, "parameter 'uptake' = 1.5"),
        (INTERVAL_SCHEMA, INTERVAL, {"k": 0}, "parameter 'k' = 0"),
        (INTERVAL_SCHEMA, INTERVAL, {"cover": -1}, "parameter 'cover' = -1"),
        (ONLINE_SCHEMA, ONLINE, {"n_boot": 10}, "parameter 'n_boot' = 10"),
        (ONLINE_SCHEMA, ONLINE, {"level": 1.0}, "parameter 'level' = 1.0"),
        (ONLINE_SCHEMA, ONLINE, {"rpa_cut": "lots"}, "parameter 'rpa_cut' = 'lots'"),
    ],
)
def test_bad_values(schema, base, bad, match):
    with pytest.raises(ParameterError, match=match):
        validate(base | bad, schema)
