"""Figures of the data-quality workbook (plotly, offline through :mod:`toyama_lab.viz`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from toyama_lab.quality.clean import RULE_BITS
from toyama_lab.viz.labels import check_lang

__all__ = ["flags_figure", "loss_figure"]

_T = {
    "loss_title": (
        "センサーごとの欠損率 (送信予定に対して)",
        "Loss per sensor (of planned uplinks)",
    ),
    "loss_y": ("欠損率 [%]", "Loss [%]"),
    "sensor": ("センサー", "Sensor"),
    "raw": ("受信値", "Reported"),
    "truth": ("真値", "Truth"),
    "cleaned": ("クリーニング後", "Cleaned"),
    "time": ("時刻 (JST)", "Time (JST)"),
    "value": ("値", "Value"),
}


def loss_figure(table: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Bar chart of ``loss_rate`` per device, coloured by kind.

    Parameters
    ----------
    table : polars.DataFrame
        :func:`toyama_lab.quality.loss.loss_vs_truth` output (``device_id``, ``kind``,
        ``loss_rate``).
    lang : {"ja", "en"}
    """
    check_lang(lang)
    i = 0 if lang == "ja" else 1
    fig = go.Figure()
    for kind, part in table.sort("device_id").group_by("kind", maintain_order=True):
        fig.add_bar(x=part["device_id"], y=100 * part["loss_rate"], name=str(kind[0]))
    fig.update_layout(
        title=_T["loss_title"][i],
        xaxis_title=_T["sensor"][i],
        yaxis_title=_T["loss_y"][i],
        height=400,
        barmode="group",
    )
    return fig


def flags_figure(time, raw, truth, cleaned, flags, *, lang: str = "ja") -> go.Figure:
    """One sensor's reported, true and cleaned values, with the flagged readings marked.

    Parameters
    ----------
    time : array_like of datetime64, shape (n,)
    raw, truth, cleaned : array_like, shape (n,)
        Reported values, clean truth and cleaned values.
    flags : array_like of uint8, shape (n,)
        Rule bits (:data:`toyama_lab.quality.clean.RULE_BITS`).
    lang : {"ja", "en"}
    """
    check_lang(lang)
    i = 0 if lang == "ja" else 1
    t = np.asarray(time)
    raw_f = np.asarray(raw, dtype=np.float64)
    fl = np.asarray(flags)
    fig = go.Figure()
    fig.add_scatter(x=t, y=truth, name=_T["truth"][i], line={"color": "#999999", "width": 1})
    fig.add_scatter(x=t, y=raw_f, name=_T["raw"][i], line={"color": "#0072B2", "width": 1})
    fig.add_scatter(x=t, y=cleaned, name=_T["cleaned"][i], line={"color": "#009E73"})
    for name, bit in RULE_BITS.items():
        hit = (fl & bit) != 0
        if name == "gap" or not hit.any():
            continue
        fig.add_scatter(x=t[hit], y=raw_f[hit], mode="markers", name=name, marker={"size": 7})
    fig.update_layout(xaxis_title=_T["time"][i], yaxis_title=_T["value"][i], height=420)
    return fig
