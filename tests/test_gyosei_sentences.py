"""Tests of toyama_lab.gyosei.sentences: every printed number, both languages, empty tables."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from toyama_lab.gyosei import interval as iv
from toyama_lab.gyosei import online, sentences
from toyama_lab.gyosei.counter_cost import late_start_table
from toyama_lab.synth.departments import department_table

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_sentences_use_the_numbers(intervals, apps, lang):
    lines = sentences.interval_sentences(intervals, lang)
    n, k = intervals.height, int(intervals["short"].sum())
    assert f"{n:,}" in lines[0] and f"{k:,}" in lines[0]
    empty = intervals.filter(pl.lit(False))
    assert len(sentences.interval_sentences(empty, lang)) == 1
    none_short = intervals.with_columns(short=pl.lit(False))
    assert len(sentences.interval_sentences(none_short, lang)) == 2
    kpi = iv.department_kpi(intervals, department_table("tiny"), k=50)
    assert str(kpi.height) in sentences.kpi_sentences(kpi, 50, lang)[-1]
    r = online.bootstrap_saving(apps, n_boot=200)
    text = "\n".join(sentences.saving_sentences(r, r["saving_h"], lang))
    assert f"{r['saving_h']:,.0f}" in text
    summary = sentences.manager_summary(r, online_share=0.6, rpa_cut=0.8, truth_h=None,
                                        rpa_hours=12_000, lang=lang)  # fmt: skip
    assert f"{r['low_h']:,.0f}" in summary and "12,000" in summary
    if lang == "en":
        for line in [*lines, text, summary, sentences.applications_sentence(apps, lang)]:
            assert not CJK.search(line), line


def test_cost_sentences_name_overload():
    t = late_start_table(np.full(6, 1.4), np.full(6, 10), n_late=[1], patterns=["A", "F"])
    mornings = pl.DataFrame({"n_late": [0, 1], "days": [8, 2]})
    lines = sentences.cost_sentences(t, mornings, "en")
    assert "overloaded" in lines[0] and "10 open days" in lines[1] and "2 mornings" in lines[1]


def test_cost_sentences_speak_of_the_cover():
    lam, win = np.full(6, 1.0), np.full(6, 12)
    mornings = pl.DataFrame({"n_late": [0], "days": [5]})
    covered = late_start_table(lam, win, cover=1)
    line = sentences.cost_sentences(covered, mornings, "en", cover=1)[0]
    assert "With 1 staff covering, 2 staff on pattern A" in line
    assert "0 mornings" in sentences.cost_sentences(covered, mornings, "en", cover=1)[1]
    all_covered = late_start_table(lam, win, cover=3)
    assert "add no waiting" in sentences.cost_sentences(all_covered, mornings, "en", cover=3)[0]


def test_step_sentences_name_the_step(apps):
    hours = online.hours_by_step(apps)
    assert "「受付・不備確認」" in sentences.step_sentences(hours, "ja")[1]
    assert "reception and check" in sentences.step_sentences(hours, "en")[1]
