"""Figures of the network-growth experiments (:mod:`toyama_lab.capacity`): DER curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl

from toyama_lab.capacity import network_der_curve
from toyama_lab.viz.colours import SF as SF_COLOURS
from toyama_lab.viz.labels import check_lang

__all__ = ["city_der_figure", "der_figure"]

_TEXT = {
    "title": ("ノード数とデータ到達率 (DER)", "Data extraction rate vs number of nodes"),
    "x": ("ノード数 (デバイス数)", "Number of nodes (devices)"),
    "y": ("データ到達率 DER", "Data extraction rate (DER)"),
    "aloha": ("純 ALOHA exp(-2G)", "Pure ALOHA exp(-2G)"),
}


def der_figure(curves: Mapping[str, pl.DataFrame], *, lang: str = "ja") -> go.Figure:
    """Simulated DER curves with the pure-ALOHA prediction of the first one.

    Parameters
    ----------
    curves : mapping of str to polars.DataFrame
        ``label -> table`` from :func:`toyama_lab.capacity.lorasim_der_curve` or
        :func:`toyama_lab.capacity.network_der_curve`
        (columns ``nodes``, ``der`` and optionally ``aloha_der``).
    lang : {"ja", "en"}
        Label language.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    i = 0 if lang == "ja" else 1
    fig = go.Figure()
    palette = list(SF_COLOURS.values())
    for j, (name, t) in enumerate(curves.items()):
        fig.add_scatter(
            x=t["nodes"],
            y=t["der"],
            mode="lines+markers",
            name=name,
            line={"color": palette[j % len(palette)]},
        )
    first = next(iter(curves.values()), None)
    if first is not None and "aloha_der" in first.columns and first["aloha_der"].null_count() == 0:
        fig.add_scatter(
            x=first["nodes"],
            y=first["aloha_der"],
            mode="lines",
            name=_TEXT["aloha"][i],
            line={"color": "black", "dash": "dash"},
        )
    fig.update_layout(
        title=_TEXT["title"][i],
        xaxis_title=_TEXT["x"][i],
        yaxis_title=_TEXT["y"][i],
        yaxis_range=[0, 1.02],
        height=450,
    )
    return fig


def city_der_figure(
    nodes: Sequence[int],
    *,
    interval_min: float = 10.0,
    n_gateways: int = 3,
    payload_bytes: int = 11,
    seed: int = 2,
    lang: str = "ja",
) -> go.Figure:
    """DER of the city model: one gateway without and with capture, and ``n_gateways`` gateways.

    Parameters
    ----------
    nodes : sequence of int
        Device counts.
    interval_min : float
        Uplink interval of every device. [min]
    n_gateways : int
        Gateways of the third curve.
    payload_bytes : int
        Application payload. [byte]
    seed : int
        Seed of the first run (:func:`toyama_lab.capacity.network_der_curve`).
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        :func:`der_figure` of the three curves.
    """
    if lang not in ("ja", "en"):
        raise ValueError(f"lang={lang!r} is not supported; expected 'ja' or 'en'.")
    kw = {"interval_s": 60.0 * interval_min, "payload_bytes": payload_bytes, "seed": seed}
    ja = lang == "ja"
    gw = "ゲートウェイ" if ja else "gateway(s)"
    cap = "キャプチャなし" if ja else "no capture"
    runs = {
        f"1 {gw}, {cap}": network_der_curve(nodes, n_gateways=1, co_sf_db=None, **kw),
        f"1 {gw}": network_der_curve(nodes, n_gateways=1, **kw),
        f"{n_gateways} {gw}": network_der_curve(nodes, n_gateways=n_gateways, **kw),
    }
    return der_figure(runs, lang=lang)
