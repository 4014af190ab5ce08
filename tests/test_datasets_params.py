"""toyama_lab.datasets.params: validated dataset parameters."""

from __future__ import annotations

import pytest

from toyama_lab.datasets import (
    DatasetError,
    resolve_params,
)
from toyama_lab.datasets.params import MAX_DAYS
from toyama_lab.synth.scenario import SCENARIOS


def test_resolve_params_defaults_from_scenario():
    for name, sc in SCENARIOS.items():
        p = resolve_params(name, "tiny", 3)
        assert (p.start, p.days) == (sc.start, sc.days)
        assert p.n_minutes == sc.days * 1440


def test_resolve_params_explicit_values():
    p = resolve_params("heavy-rain", "class", 7, "2025-07-08", 2)
    assert p.as_dict() == {
        "scenario": "heavy-rain",
        "size": "class",
        "seed": 7,
        "start": "2025-07-08",
        "days": 2,
    }
    assert p.command().split() == [
        "toyama-lab", "generate", "--scenario", "heavy-rain", "--size", "class",
        "--seed", "7", "--start", "2025-07-08", "--days", "2",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"scenario": "typhoon"}, "normal-week"),
        ({"scenario": "normal-week", "size": "huge"}, "tiny"),
        ({"scenario": "normal-week", "seed": -1}, ">= 0"),
        ({"scenario": "normal-week", "seed": 1.5}, ">= 0"),
        ({"scenario": "normal-week", "days": 0}, "days"),
        ({"scenario": "normal-week", "days": -3}, "days"),
        ({"scenario": "normal-week", "days": MAX_DAYS + 1}, "days"),
        ({"scenario": "normal-week", "start": "2025-13-01"}, "YYYY-MM-DD"),
        ({"scenario": "normal-week", "start": "06/10/2025"}, "YYYY-MM-DD"),
        ({"scenario": "normal-week", "start": "2025-1-6"}, "YYYY-MM-DD"),
        ({"scenario": "normal-week", "start": "1999-12-31"}, "outside"),
    ],
)
def test_resolve_params_rejects_bad_input(kwargs, fragment):
    with pytest.raises(DatasetError, match=r"expected|must|outside") as info:
        resolve_params(**kwargs)
    assert fragment in str(info.value)
