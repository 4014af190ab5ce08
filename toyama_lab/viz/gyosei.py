"""Figures of the 行政DX workbooks: plotly, offline, every text in Japanese or English.

Each function is pure (tables in, a :class:`plotly.graph_objects.Figure` out) and takes
``lang="ja"|"en"``; the words come from :mod:`toyama_lab.gyosei.labels`, which also
serves the tables and printed lines.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from toyama_lab.gyosei.counter_cost import late_start_table
from toyama_lab.gyosei.labels import reason_label, text
from toyama_lab.gyosei.online import bootstrap_saving
from toyama_lab.synth.applications import PROCEDURES, STEPS
from toyama_lab.viz.labels import check_lang

__all__ = [
    "fig_bootstrap",
    "fig_counter_whatif",
    "fig_department_kpi",
    "fig_hours_by_step",
    "fig_late_start_cost",
    "fig_plan",
    "fig_rest_histogram",
    "fig_short_by_day",
]


def _proc_name(proc_id: str, lang: str) -> str:
    p = next(p for p in PROCEDURES if p.proc_id == proc_id)
    return p.name_ja if lang == "ja" else p.name_en


def fig_rest_histogram(intervals: pl.DataFrame, lang: str = "ja", *, max_h: float = 24.0):
    """Histogram of the rest between consecutive working days, with the 11-hour line.

    Parameters
    ----------
    intervals : polars.DataFrame
        From :func:`toyama_lab.gyosei.interval.rest_intervals` (``rest_h`` [h]).
    lang : {"ja", "en"}
    max_h : float
        Rests longer than this (weekends) are left out. [h]
    """
    check_lang(lang)
    rest = intervals.filter(pl.col("rest_h") <= max_h)["rest_h"].to_numpy()
    fig = go.Figure(go.Histogram(x=rest, xbins={"start": 0, "end": max_h, "size": 0.5}))
    fig.add_vline(x=11, line_dash="dash", annotation_text=text("rest_line", lang))
    fig.update_layout(
        title=text("rest_title", lang),
        xaxis_title=text("rest_h", lang),
        yaxis_title=text("n_days", lang),
    )
    return fig


def fig_short_by_day(intervals: pl.DataFrame, lang: str = "ja"):
    """Short rests per day, stacked by the reason the previous day ran late."""
    check_lang(lang)
    short = intervals.filter(pl.col("short"))
    counts = short.group_by("date", "prev_reason").len().sort("date")
    fig = go.Figure(
        [
            go.Bar(x=g["date"], y=g["len"], name=reason_label(r, lang))
            for (r,), g in counts.group_by("prev_reason", maintain_order=True)
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=text("short_title", lang),
        xaxis_title=text("date", lang),
        yaxis_title=text("n_short", lang),
        xaxis={"range": [intervals["date"].min(), intervals["date"].max()]}
        if intervals.height
        else {},
    )
    return fig


def fig_department_kpi(kpi: pl.DataFrame, lang: str = "ja"):
    """Horizontal bars of the department KPI; suppressed departments show "X"."""
    check_lang(lang)
    names = kpi["name_ja" if lang == "ja" else "name_en"].to_list()
    value = kpi["short_per_100"].fill_null(0.0).to_numpy()
    label = [
        text("suppressed", lang) if s else f"{v:.1f}"
        for s, v in zip(kpi["suppressed"], value, strict=True)
    ]
    fig = go.Figure(go.Bar(y=names, x=value, orientation="h", text=label, textposition="auto"))
    fig.update_layout(
        title=text("kpi_title", lang),
        xaxis_title=text("per_100", lang),
        yaxis={"autorange": "reversed"},
    )
    return fig


def fig_late_start_cost(table: pl.DataFrame, lang: str = "ja"):
    """Added waiting per late-start pattern and number of staff (``inf``: overloaded)."""
    check_lang(lang)
    finite = table["added_wait_min"].to_numpy()
    top = float(np.nanmax(np.where(np.isfinite(finite), finite, np.nan), initial=1.0))
    traces = []
    for (n,), g in table.group_by("n_late", maintain_order=True):
        y = g["added_wait_min"].to_numpy()
        over = ~np.isfinite(y)
        traces.append(
            go.Bar(
                x=[f"{p} ({s})" for p, s in zip(g["pattern"], g["start"], strict=True)],
                y=np.where(over, top * 1.1, y),
                text=[
                    text("overloaded", lang) if o else f"{v:.0f}"
                    for o, v in zip(over, y, strict=True)
                ],
                name=f"{n} {'人' if lang == 'ja' else 'staff'}",
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(
        barmode="group",
        title=text("cost_title", lang),
        xaxis_title=text("pattern", lang),
        yaxis_title=text("added_wait", lang),
        legend_title_text=text("n_late", lang),
    )
    return fig


def fig_counter_whatif(lam, windows, cover: int = 0, lang: str = "ja"):
    """:func:`fig_late_start_cost` of :func:`late_start_table` for a number of cover staff.

    Parameters
    ----------
    lam, windows : numpy.ndarray, shape (n_slots,)
        The typical day (:func:`toyama_lab.gyosei.counter_cost.typical_day`). [1/min], [-]
    cover : int
        Staff who step in at the window for a late starter. [-]
    lang : {"ja", "en"}
    """
    return fig_late_start_cost(late_start_table(lam, windows, cover=int(cover)), lang)


def fig_hours_by_step(hours: pl.DataFrame, lang: str = "ja"):
    """Stacked bars of staff hours per procedure and step, paper and online side by side."""
    check_lang(lang)
    traces = []
    for step, (ja, en, auto) in STEPS.items():
        g = hours.filter(pl.col("step") == step)
        x = [
            [_proc_name(p, lang) for p in g["procedure"]],
            [text(c, lang) for c in g["channel"]],
        ]
        traces.append(
            go.Bar(
                x=x,
                y=g["hours"],
                name=ja if lang == "ja" else en,
                marker_pattern_shape="/" if auto else "",
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(
        barmode="stack", title=text("steps_title", lang), yaxis_title=text("hours", lang)
    )
    return fig


def fig_bootstrap(result: dict, lang: str = "ja"):
    """Histogram of the bootstrap savings with the estimate and the interval."""
    check_lang(lang)
    fig = go.Figure(go.Histogram(x=result["samples"], nbinsx=40, name=text("resamples", lang)))
    fig.add_vline(x=result["saving_h"], annotation_text=text("estimate", lang))
    for k in ("low_h", "high_h"):
        fig.add_vline(x=result[k], line_dash="dash")
    pct = round(100 * result["level"])
    fig.update_layout(
        title=f"{text('boot_title', lang)} ({pct} %)",
        xaxis_title=text("saving", lang),
        yaxis_title=text("resamples", lang),
    )
    return fig


def fig_plan(log, online_share: float = 0.6, rpa_cut: float = 0.8, lang: str = "ja", **kwargs):
    """:func:`fig_bootstrap` of :func:`toyama_lab.gyosei.online.bootstrap_saving` for a plan.

    Parameters
    ----------
    log : polars.DataFrame
        Application log.
    online_share, rpa_cut : float
        The change. [-]
    lang : {"ja", "en"}
    **kwargs
        Passed to :func:`~toyama_lab.gyosei.online.bootstrap_saving` (``n_boot``,
        ``level``, ``seed``).
    """
    result = bootstrap_saving(log, online_share=online_share, rpa_cut=rpa_cut, **kwargs)
    return fig_bootstrap(result, lang)
