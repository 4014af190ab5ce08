"""Figures for the child-safety workbooks: pure functions returning offline plotly figures.

No figure here draws a home position, except :func:`reidentify_figure`, which exists for
the privacy lesson and labels the home as SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from toyama_lab.childsafety.heatmap import BAND_NAMES
from toyama_lab.viz.basemap import add_points, basemap_figure, legend_below
from toyama_lab.viz.colours import OKABE_ITO
from toyama_lab.viz.labels import bilingual as _t
from toyama_lab.viz.labels import check_lang

__all__ = [
    "band_hour_figure",
    "error_histogram",
    "heatmap_figure",
    "patrol_map",
    "reidentify_figure",
]


def _band_name(band: str, lang: str) -> str:
    ja, en = BAND_NAMES.get(band, (band, band))
    return _t(ja, en, lang)


def _zoom(fig: go.Figure, lon, lat, pad_deg: float = 0.01) -> None:
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if lon.size:
        fig.update_xaxes(range=[np.nanmin(lon) - pad_deg, np.nanmax(lon) + pad_deg])
        fig.update_yaxes(range=[np.nanmin(lat) - pad_deg, np.nanmax(lat) + pad_deg])


def heatmap_figure(
    city,
    table: pl.DataFrame,
    band: str = "from_school",
    *,
    show_suppressed: bool = False,
    lang: str = "ja",
):
    """Published cells of one time band as coloured squares on the basemap.

    Parameters
    ----------
    city : toyama_lab.city.City
    table : polars.DataFrame
        From :func:`toyama_lab.childsafety.heatmap.heatmap_table`.
    band : str
        Time band key.
    show_suppressed : bool
        Also mark suppressed cells (small grey squares, no counts). Off by default: even
        the position of a cell with one or two children can point at a route's end, so a
        published map leaves them out; the teaching notebook turns it on to explain.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        Published cells coloured by ``log10(n_fixes)``.
    """
    check_lang(lang)
    rows = table.filter(pl.col("band") == band)
    if rows.height == 0:
        raise ValueError(
            f"no cells in band {band!r}; the table has bands {table['band'].unique().to_list()}."
        )
    fig = basemap_figure(
        city,
        lang=lang,
        title=_t(
            f"こどもの位置の集計 ({_band_name(band, lang)})",
            f"Where children walk ({_band_name(band, lang)})",
            lang,
        ),
    )
    shown = rows.filter(~pl.col("suppressed"))
    hidden = rows.filter(pl.col("suppressed"))
    if show_suppressed and hidden.height:
        add_points(
            fig,
            hidden["lon"],
            hidden["lat"],
            name=_t("秘匿したセル (k 人未満)", "Suppressed (< k children)", lang),
            text=[_t("秘匿", "suppressed", lang)] * hidden.height,
            color="rgba(150,150,150,0.45)",
            size=5,
            symbol="square",
        )
    if shown.height:
        add_points(
            fig,
            shown["lon"],
            shown["lat"],
            name=_t("公表できるセル", "Published cells", lang),
            text=[
                f"{f} {_t('件', 'fixes', lang)}, {c} {_t('人', 'children', lang)}"
                for f, c in zip(shown["n_fixes"], shown["n_children"], strict=True)
            ],
            color=np.log10(shown["n_fixes"].to_numpy().astype(float)).tolist(),
            size=9,
            symbol="square",
            colorscale="YlOrRd",
            colorbar={"title": _t("件数 (log10)", "fixes (log10)", lang), "x": 1.02},
        )
    _zoom(
        fig,
        shown["lon"] if shown.height else rows["lon"],
        shown["lat"] if shown.height else rows["lat"],
    )
    legend_below(fig, 600)
    return fig


def band_hour_figure(fixes: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Fixes per hour of day, coloured by time band (a histogram, no positions)."""
    check_lang(lang)
    from toyama_lab.childsafety.heatmap import add_time_band

    h = (
        add_time_band(fixes)
        .group_by(pl.col("time").dt.hour().alias("hour"), "band")
        .agg(pl.len().alias("n"))
        .sort("hour")
    )
    fig = go.Figure()
    for i, band in enumerate(("to_school", "from_school", "evening", "other")):
        rows = h.filter(pl.col("band") == band)
        if rows.height:
            fig.add_trace(
                go.Bar(
                    x=rows["hour"].to_list(),
                    y=rows["n"].to_list(),
                    name=_band_name(band, lang),
                    marker_color=OKABE_ITO[i],
                )
            )
    fig.update_layout(
        title=_t("時刻ごとの位置情報の件数", "Fixes per hour", lang),
        xaxis={"title": _t("時 (JST)", "Hour (JST)", lang), "dtick": 1, "range": [5.5, 20.5]},
        yaxis={"title": _t("件数", "Fixes", lang)},
        barmode="stack",
        height=360,
    )
    return fig


def patrol_map(
    city,
    picks: pl.DataFrame,
    table: pl.DataFrame | None = None,
    *,
    other: pl.DataFrame | None = None,
    radius_m: float = 100.0,
    lang: str = "ja",
) -> go.Figure:
    """Chosen patrol points (numbered) over the published heatmap cells of the band.

    Parameters
    ----------
    city : toyama_lab.city.City
    picks : polars.DataFrame
        From :func:`toyama_lab.childsafety.patrol.choose_patrol_points`.
    table : polars.DataFrame, optional
        Published cells of the band (suppressed cells are not drawn).
    other : polars.DataFrame, optional
        A second choice to compare (e.g. :func:`~toyama_lab.childsafety.patrol.top_by_count`).
    radius_m : float
        Watching radius (shown in the hover text). [m]
    lang : {"ja", "en"}
    """
    check_lang(lang)
    fig = basemap_figure(city, lang=lang, title=_t("見守りポイントの候補", "Patrol points", lang))
    if table is not None:
        shown = table.filter(~pl.col("suppressed"))
        add_points(
            fig,
            shown["lon"],
            shown["lat"],
            name=_t("こどもの通行 (公表セル)", "Children walking (published cells)", lang),
            text=[f"{n}" for n in shown["n_fixes"]],
            color="rgba(230,159,0,0.35)",
            size=7,
            symbol="square",
        )
    for rows, name, colour, symbol in (
        (other, _t("件数順", "By count", lang), OKABE_ITO[1], "x"),
        (picks, _t("貪欲法", "Greedy", lang), OKABE_ITO[0], "circle"),
    ):
        if rows is None or rows.height == 0:
            continue
        add_points(
            fig,
            rows["lon"],
            rows["lat"],
            name=name,
            text=[
                f"#{s} +{g:.0f} ({radius_m:.0f} m)"
                for s, g in zip(rows["step"], rows["gain"], strict=True)
            ],
            color=colour,
            size=14,
            symbol=symbol,
        )
    _zoom(fig, picks["lon"], picks["lat"], pad_deg=0.02)
    legend_below(fig, 600)
    return fig


def reidentify_figure(
    city,
    raw: pl.DataFrame,
    recorded: pl.DataFrame,
    child_id: str,
    estimates: dict[str, pl.DataFrame],
    *,
    lang: str = "ja",
) -> go.Figure:
    """One SYNTHETIC child: raw vs recorded fixes, the true home, the estimates, 50 m circle.

    For the privacy lesson only. The home shown is a synthetic position of a synthetic child.

    Parameters
    ----------
    city : toyama_lab.city.City
    raw, recorded : polars.DataFrame
        Fixes without and with the 50 m rule.
    child_id : str
        The synthetic child to show.
    estimates : dict of str to polars.DataFrame
        ``legend name -> estimate_homes(...)``.
    lang : {"ja", "en"}
    """
    check_lang(lang)
    ch = city.children.filter(pl.col("child_id") == child_id)
    if ch.height != 1:
        raise KeyError(f"no synthetic child {child_id!r}; e.g. {city.children['child_id'][0]!r}.")
    hlon, hlat = float(ch["home_lon"][0]), float(ch["home_lat"][0])
    fig = basemap_figure(
        city,
        lang=lang,
        title=_t(
            f"{child_id} (合成データの架空のこども) の自宅推定",
            f"{child_id} (a SYNTHETIC child): home estimate",
            lang,
        ),
    )
    r = raw.filter((pl.col("child_id") == child_id) & pl.col("at_home"))
    add_points(
        fig,
        r["lon"],
        r["lat"],
        name=_t("規則なしで記録される点 (自宅付近)", "Raw fixes near home (no rule)", lang),
        text=None,
        color=OKABE_ITO[3],
        size=6,
    )
    k = recorded.filter(pl.col("child_id") == child_id)
    add_points(
        fig,
        k["lon"],
        k["lat"],
        name=_t("実際に記録される点 (50 m 規則あり)", "Recorded fixes (50 m rule)", lang),
        text=None,
        color=OKABE_ITO[0],
        size=6,
    )
    ang = np.linspace(0, 2 * np.pi, 73)
    dlat = 50.0 / 111_195.0
    dlon = dlat / np.cos(np.radians(hlat))
    fig.add_trace(
        go.Scatter(
            x=hlon + dlon * np.cos(ang),
            y=hlat + dlat * np.sin(ang),
            mode="lines",
            name=_t("自宅から 50 m", "50 m around home", lang),
            line={"color": "black", "dash": "dot"},
        )
    )
    add_points(
        fig,
        [hlon],
        [hlat],
        name=_t("自宅 (合成データ・架空)", "Home (SYNTHETIC)", lang),
        text=[_t("架空の自宅", "synthetic home", lang)],
        color="black",
        size=14,
        symbol="star",
    )
    for i, (name, est) in enumerate(estimates.items()):
        e = est.filter(pl.col("child_id") == child_id)
        add_points(
            fig,
            e["lon"],
            e["lat"],
            name=name,
            text=[name] * e.height,
            color=OKABE_ITO[4 + i % 3],
            size=14,
            symbol="x",
        )
    pad = 0.004
    fig.update_xaxes(
        range=[hlon - pad / np.cos(np.radians(hlat)), hlon + pad / np.cos(np.radians(hlat))]
    )
    fig.update_yaxes(range=[hlat - pad, hlat + pad])
    legend_below(fig, 600)
    return fig


def error_histogram(err: pl.DataFrame, radius_m: float = 50.0, *, lang: str = "ja") -> go.Figure:
    """Histograms of the home-estimate error without the home rule and with it.

    Parameters
    ----------
    err : polars.DataFrame
        ``error_m`` (no rule) and ``error_rule_m`` (with the rule), one row per child. [m]
    radius_m : float
        The rule's radius, drawn as a dotted line. [m]
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    rule = f"{radius_m:.0f} m"
    fig = go.Figure(
        [
            go.Histogram(
                x=err["error_m"], name=_t("ルールなし", "No rule", lang), xbins={"size": 5}
            ),
            go.Histogram(
                x=err["error_rule_m"],
                name=_t(f"{rule} ルール", f"{rule} rule", lang),
                xbins={"size": 5},
            ),
        ]
    )
    fig.add_vline(x=radius_m, line_dash="dot", annotation_text=rule)
    fig.update_layout(
        barmode="overlay",
        title=_t(
            "自宅の推定の誤差 (架空のこども)", "Home estimate error (SYNTHETIC children)", lang
        ),
        xaxis_title=_t("誤差 [m]", "Error [m]", lang),
        yaxis_title=_t("こどもの数", "Children", lang),
        height=380,
    )
    fig.update_traces(opacity=0.7)
    return fig
