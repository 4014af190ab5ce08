"""Tests of toyama_lab.viz.gyosei: the 行政DX figures in both languages, suppression."""

from __future__ import annotations

import re

import numpy as np

from toyama_lab.gyosei import interval as iv
from toyama_lab.gyosei import online
from toyama_lab.gyosei.counter_cost import late_start_table
from toyama_lab.synth.departments import department_table
from toyama_lab.viz import gyosei as figures

CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _figure_text(fig) -> str:
    d = fig.to_plotly_json()
    layout = {k: v for k, v in d["layout"].items() if k != "template"}
    traces = [{k: t.get(k) for k in ("name", "text", "x", "y")} for t in d["data"]]
    return str(layout) + str(traces)


def _figures(intervals, apps):
    kpi = iv.department_kpi(intervals, department_table("tiny"), k=3)
    lam, win = np.full(6, 1.0), np.full(6, 12)
    result = online.bootstrap_saving(apps, n_boot=200)
    return {
        "rest": lambda lang: figures.fig_rest_histogram(intervals, lang),
        "short": lambda lang: figures.fig_short_by_day(intervals, lang),
        "kpi": lambda lang: figures.fig_department_kpi(kpi, lang),
        "cost": lambda lang: figures.fig_counter_whatif(lam, win, 0, lang),
        "steps": lambda lang: figures.fig_hours_by_step(online.hours_by_step(apps), lang),
        "boot": lambda lang: figures.fig_bootstrap(result, lang),
        "plan": lambda lang: figures.fig_plan(apps, 0.5, 0.5, lang, n_boot=100),
    }


def test_every_figure_switches_language(intervals, apps):
    for name, make in _figures(intervals, apps).items():
        ja, en = _figure_text(make("ja")), _figure_text(make("en"))
        assert CJK.search(ja), f"{name}: no Japanese at lang=ja"
        assert not CJK.search(en), f"{name}: Japanese left at lang=en: {CJK.findall(en)[:5]}"


def test_histogram_and_kpi_content(intervals):
    fig = figures.fig_rest_histogram(intervals, "en", max_h=24)
    assert max(fig.data[0].x) <= 24
    kpi = iv.department_kpi(intervals, department_table("tiny"), k=50)  # all suppressed
    bars = figures.fig_department_kpi(kpi, "en").data[0]
    assert list(bars.text) == ["X (suppressed)"] * kpi.height


def test_overloaded_bar_is_labelled():
    t = late_start_table(np.full(6, 1.4), np.full(6, 10), n_late=[1], patterns=["A", "F"])
    bars = figures.fig_late_start_cost(t, "ja").data[0]
    assert "過負荷" in list(bars.text)
