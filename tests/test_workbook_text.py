"""Sentences the workbooks print from their data (mobility, disaster, quality, child safety).

One file for the four small ``text`` modules: each sentence must follow the numbers it is
given, explain an empty table instead of describing it as full, and speak the reader's language.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from toyama_lab.childsafety import text as cs_text
from toyama_lab.disaster import text as d_text
from toyama_lab.mobility import text as m_text
from toyama_lab.quality import text as q_text
from toyama_lab.synth import SCENARIOS

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
T = dt.datetime(2025, 7, 9, 6, 0)


def _summary(event_kpi):
    kinds = ["all", "no_event", "event"]
    kpis = [1000.0, 900.0, event_kpi]
    n = [7, 6, 1 if event_kpi is not None else 0]
    return pl.DataFrame({"days_kind": kinds, "n_days": n, "kpi": kpis,
                         "ratio": [k / 1000 if k else None for k in kpis]})  # fmt: skip


def test_event_kpi_sentence_follows_the_numbers():
    s = m_text.event_kpi_sentence(_summary(1800.0), lang="en")
    assert "2.00 x" in s and "1,800" in s
    assert "no event day" in m_text.event_kpi_sentence(_summary(None), lang="en")
    assert CJK.search(m_text.event_kpi_sentence(_summary(1800.0), lang="ja"))


def test_day_class_sentence_names_the_busier_class():
    c = pl.DataFrame({"area": ["central", "central", "station", "station"],
                      "day_class": ["weekday", "weekend_holiday"] * 2,
                      "per_point": [100.0, 150.0, 200.0, 100.0]})  # fmt: skip
    s = m_text.day_class_sentence(c, lang="en")
    assert "busier on weekends and holidays (1.50 x)" in s and "busier on weekdays (2.00 x)" in s
    assert "no comparison" in m_text.day_class_sentence(c.head(1), lang="en")


def test_effect_and_skill_sentences():
    empty = pl.DataFrame(schema={"ratio": pl.Float64, "n_baseline": pl.Int64})
    assert "table is empty" in m_text.effect_sentence(empty, "central", lang="en")
    t = pl.DataFrame({"method": ["persistence", "trend"], "mae": [2.0, 4.0]})
    assert "itself is best" in m_text.skill_sentence(t, "persistence", lang="en")
    with pytest.raises(ValueError, match="reference"):
        m_text.skill_sentence(t, "oracle", lang="en")


def test_lead_time_sentence_explains_no_danger():
    none = pl.DataFrame({"first_danger": [None, None], "lead_rain_to_danger_min": [None, None],
                         "lead_caution_to_danger_min": [None, None]},
                        schema={"first_danger": pl.Datetime, "lead_rain_to_danger_min": pl.Float64,
                                "lead_caution_to_danger_min": pl.Float64})  # fmt: skip
    assert d_text.lead_time_sentence(none, lang="en").startswith("None of the 2 gauges")
    with pytest.raises(ValueError, match="lead_times"):
        d_text.lead_time_sentence(none.drop("first_danger"), lang="en")


def test_greedy_sentence_tells_nothing_lost_from_nothing_reachable():
    empty = pl.DataFrame(schema={"step": pl.Int64, "gain": pl.Float64, "share": pl.Float64})
    assert d_text.greedy_sentence(empty, 0.0, lang="en").startswith("No sensor lost")
    assert "no candidate site" in d_text.greedy_sentence(empty, 180.0, lang="en")
    picks = pl.DataFrame(
        {"step": [1, 2, 3], "gain": [600.0, 60.0, 6.0], "share": [0.5, 0.55, 0.555]}
    )
    s = d_text.greedy_sentence(picks, 1200.0, lang="en")
    assert "3 sites chosen" in s and "10.0 h" in s and "5.5 % more" in s


def test_quake_and_loss_sentences():
    q = SCENARIOS["earthquake"].quake
    en = d_text.quake_sentence(q, lang="en")
    assert "M7.2" in en and not CJK.search(en)
    assert q.name_ja in d_text.quake_sentence(q, lang="ja")
    losses = pl.DataFrame({"never_in_reach": [False, False], "lost_min": [0.0, 0.0]})
    assert "0 sensors, 0 sensor-hours" in d_text.loss_sentence(losses, lang="en")


def test_score_sentence():
    s = pl.DataFrame({"fault": ["spike", "gap"], "truth": [0, 4], "flagged": [3, 4], "tp": [0, 4],
                      "precision": [0.0, 1.0], "recall": [None, 1.0]})  # fmt: skip
    assert "all 3 flags are false alarms" in q_text.score_sentence(s, "spike", lang="en")
    assert "precision 100 %, recall 100 %" in q_text.score_sentence(s, "gap", lang="en")
    with pytest.raises(ValueError, match="drift"):
        q_text.score_sentence(s, "drift", lang="en")


def test_childsafety_sentences():
    err = pl.DataFrame({"error_m": [4.0, 6.0], "error_rule_m": [41.8, 90.0]})
    assert "1 of 2 estimates are within 50 m" in cs_text.floor_sentence(err, lang="en")
    row = cs_text.error_summary(err, lang="en").row(0, named=True)
    assert row["rule_closest_m"] == 41.8 and row["rule_off_by_radius_pct"] == 50.0
    cells = pl.DataFrame({"cx": [0, 0, 0, 1], "cy": [0, 0, 0, 0], "child_id": ["a", "b", "c", "a"]})
    lines = cs_text.k_lines(cells, [1, 3], lang="en")
    assert lines == [
        "k = 1: 2 cells published, 0 suppressed (1 cells with a single child)",
        "k = 3: 1 cells published, 1 suppressed (1 cells with a single child)",
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda: m_text.event_kpi_sentence(_summary(1.0), lang="fr"),
        lambda: d_text.quake_sentence(None, lang="fr"),
        lambda: cs_text.k_lines(
            pl.DataFrame({"cx": [0], "cy": [0], "child_id": ["a"]}), [1], lang="fr"
        ),
    ],
)
def test_sentences_reject_unknown_language(call):
    with pytest.raises(ValueError, match="lang"):
        call()
