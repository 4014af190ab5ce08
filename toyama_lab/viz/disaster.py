"""Figures for the disaster workbooks: pure functions returning plotly figures (offline).

Every map starts from :func:`toyama_lab.viz.basemap_figure` (the city's own GeoJSON, no
tiles); warning levels use :data:`toyama_lab.viz.colours.WARNING` (JMA colours).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl
import xarray as xr
from plotly.subplots import make_subplots

from toyama_lab.disaster.alerts import LEVEL_COLUMNS, LEVEL_NAMES, LEVELS
from toyama_lab.viz.basemap import add_points, basemap_figure, legend_below
from toyama_lab.viz.colours import KIND, OKABE_ITO, WARNING
from toyama_lab.viz.labels import bilingual as _t
from toyama_lab.viz.labels import check_lang, label

__all__ = [
    "LEVEL_COLOURS",
    "alert_map",
    "alert_timeline_figure",
    "coverage_map",
    "gain_curve_figure",
    "gauge_figure",
    "kpi_trend_figure",
    "outage_timeline_figure",
    "reach_map",
    "state_figure",
]

#: Colour of each level key (``none`` grey, caution yellow, evac red, danger purple).
LEVEL_COLOURS: dict[str, str] = {
    "none": WARNING["normal"],
    "caution": WARNING["caution"],
    "evac": WARNING["evacuation"],
    "danger": WARNING["danger"],
}


def _lvl(key: str, lang: str) -> str:
    ja, en = LEVEL_NAMES[key]
    return _t(ja, en, lang)


def gauge_figure(
    river: xr.Dataset,
    sensor_id: str,
    rain: xr.Dataset | None = None,
    *,
    variable: str = "level_true",
    lang: str = "ja",
) -> go.Figure:
    """River stage of one gauge with its three warning levels, and upstream hourly rain.

    Parameters
    ----------
    river : xarray.Dataset
        River cube (``Dataset.timeseries("river")``).
    sensor_id : str
        The gauge.
    rain : xarray.Dataset, optional
        Rain cube; the gauge's ``upstream_rain`` gauge is drawn as hourly bars (top panel).
    variable : str
        Stage variable (``level_true`` or ``level``).
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    ids = [str(s) for s in river["sensor_id"].values]
    if sensor_id not in ids:
        raise KeyError(f"unknown gauge {sensor_id!r}; this cube has {ids}.")
    i = ids.index(sensor_id)
    g = river.isel(sensor=i)
    name = str(g["name_ja" if lang == "ja" else "name_romaji"].values)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.3, 0.7], vertical_spacing=0.05
    )
    up = str(g["upstream_rain"].values) if "upstream_rain" in g.coords else ""
    if rain is not None and up:
        rids = [str(s) for s in rain["sensor_id"].values]
        if up in rids:
            hourly = rain["precip_true"].isel(sensor=rids.index(up)).resample(time="1h").sum()
            fig.add_trace(
                go.Bar(
                    x=hourly["time"].values,
                    y=hourly.values,
                    name=_t(f"上流の雨量 ({up}) [mm/h]", f"Upstream rain ({up}) [mm/h]", lang),
                    marker_color=KIND["rain"],
                ),
                row=1,
                col=1,
            )
    fig.add_trace(
        go.Scatter(
            x=g["time"].values,
            y=np.asarray(g[variable].values, dtype=float),
            mode="lines",
            name=label("level_m", lang),
            line={"color": KIND["river"], "width": 2},
        ),
        row=2,
        col=1,
    )
    for key in LEVELS:
        th = float(g[LEVEL_COLUMNS[key]].values)
        fig.add_hline(
            y=th,
            line={"color": LEVEL_COLOURS[key], "dash": "dash", "width": 2},
            annotation_text=f"{_lvl(key, lang)} {th:.2f} m",
            annotation_position="top left",
            row=2,
            col=1,
        )
    fig.update_yaxes(title_text=_t("雨量 [mm/h]", "Rain [mm/h]", lang), row=1, col=1)
    fig.update_yaxes(title_text=label("level_m", lang), row=2, col=1)
    fig.update_xaxes(title_text=label("time", lang), row=2, col=1)
    fig.update_layout(title=f"{sensor_id} {name}", height=520, hovermode="x unified")
    return fig


def alert_timeline_figure(timeline: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Bars from first to last minute at or above each level, one row per gauge.

    Parameters
    ----------
    timeline : polars.DataFrame
        From :func:`toyama_lab.disaster.alerts.crossings`.
    lang : {"ja", "en"}
    """
    check_lang(lang)
    fig = go.Figure()
    gauges = sorted(timeline["sensor_id"].unique().to_list())
    for key in LEVELS:
        rows = timeline.filter(pl.col("level") == key)
        if rows.height == 0:
            continue
        start = rows["first_reached"].to_numpy()
        ms = (rows["last_reached"].to_numpy() - start) / np.timedelta64(1, "ms") + 60_000
        fig.add_trace(
            go.Bar(
                x=ms,
                base=start,
                y=rows["sensor_id"].to_list(),
                orientation="h",
                name=_lvl(key, lang),
                marker_color=LEVEL_COLOURS[key],
                opacity=0.85,
                customdata=rows.select("minutes_above", "n_episodes").to_numpy(),
                hovertemplate="%{y}<br>%{base|%m/%d %H:%M}<br>"
                + _t("基準以上の合計", "total above", lang)
                + " %{customdata[0]:.0f} min, %{customdata[1]} "
                + _t("回", "episode(s)", lang)
                + "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="overlay",
        title=_t("警戒水位の時間経過 (最初に達してから最後まで)", "Alert timeline", lang),
        xaxis={"type": "date", "title": label("time", lang)},
        yaxis={"categoryorder": "array", "categoryarray": gauges[::-1]},
        height=120 + 35 * max(len(gauges), 1),
    )
    return fig


def alert_map(city, summary: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """River gauges on the basemap, coloured by the highest warning level they reached.

    Parameters
    ----------
    city : toyama_lab.city.City
    summary : polars.DataFrame
        From :func:`toyama_lab.disaster.alerts.gauge_summary`.
    lang : {"ja", "en"}
    """
    check_lang(lang)
    fig = basemap_figure(
        city, lang=lang, title=_t("観測所ごとの最高到達水位", "Highest level reached", lang)
    )
    name_col = "name_ja" if lang == "ja" else "name_romaji"
    for key in ("none", *LEVELS):
        rows = summary.filter(pl.col("max_level") == key)
        if rows.height == 0:
            continue
        text = [
            f"{i}: {n}<br>{_t('最高水位', 'peak', lang)} {p:.2f} m"
            for i, n, p in zip(rows["sensor_id"], rows[name_col], rows["peak_m"], strict=True)
        ]
        add_points(
            fig,
            rows["lon"],
            rows["lat"],
            name=_lvl(key, lang),
            text=text,
            color=LEVEL_COLOURS[key],
            size=15,
            symbol="diamond",
        )
    return fig


def outage_timeline_figure(outages: pl.DataFrame, *, lang: str = "ja", top: int = 40):
    """Power cuts as horizontal bars: gateways first, then the longest sensor outages.

    Parameters
    ----------
    outages : polars.DataFrame
        The ``outages`` event table.
    lang : {"ja", "en"}
    top : int
        Sensor rows to show at most (all gateways are shown).
    """
    check_lang(lang)
    o = outages.with_columns(hours=(pl.col("end") - pl.col("start")).dt.total_minutes() / 60.0)
    gw = o.filter(pl.col("kind") == "gateway").sort("start")
    se = o.filter(pl.col("kind") == "sensor").sort("hours", descending=True).head(top)
    fig = go.Figure()
    for rows, colour, name in (
        (gw, KIND["gateway"], label("gateway", lang)),
        (se, OKABE_ITO[0], label("sensor", lang)),
    ):
        if rows.height == 0:
            continue
        fig.add_trace(
            go.Bar(
                x=rows["hours"].to_numpy() * 3_600_000,
                base=rows["start"].to_numpy(),
                y=rows["target_id"].to_list(),
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=rows["hours"].to_numpy(),
                hovertemplate="%{y}: %{customdata:.1f} h<extra></extra>",
            )
        )
    order = gw["target_id"].to_list() + se["target_id"].to_list()
    fig.update_layout(
        title=_t("停電したゲートウェイとセンサー", "Gateways and sensors without power", lang),
        xaxis={"type": "date", "title": label("time", lang)},
        yaxis={"categoryorder": "array", "categoryarray": order[::-1]},
        height=160 + 14 * max(len(order), 1),
        barmode="overlay",
    )
    return fig


def coverage_map(
    city,
    losses: pl.DataFrame,
    dark_gateways=(),
    picks: pl.DataFrame | None = None,
    *,
    lang: str = "ja",
) -> go.Figure:
    """Sensors coloured by lost coverage, gateways up/down and chosen new sites.

    Parameters
    ----------
    city : toyama_lab.city.City
    losses : polars.DataFrame
        From :func:`toyama_lab.disaster.coverage.sensor_loss_table`.
    dark_gateways : collection of str
        Gateways that lost power at some time.
    picks : polars.DataFrame, optional
        From :func:`toyama_lab.disaster.coverage.greedy_sites`.
    lang : {"ja", "en"}
    """
    check_lang(lang)
    fig = basemap_figure(
        city, lang=lang, title=_t("地震後に届かなくなったセンサー", "Coverage lost", lang)
    )
    lost = losses.filter(pl.col("lost_min") > 0)
    ok = losses.filter((pl.col("lost_min") == 0) & ~pl.col("never_in_reach"))
    never = losses.filter(pl.col("never_in_reach"))
    add_points(
        fig,
        ok["lon"],
        ok["lat"],
        name=_t("届いた", "Heard", lang),
        text=ok["sensor_id"].to_list(),
        color="#9E9E9E",
        size=6,
    )
    if never.height:
        add_points(
            fig,
            never["lon"],
            never["lat"],
            name=_t("平常時も圏外", "Never in reach", lang),
            text=never["sensor_id"].to_list(),
            color="black",
            size=7,
            symbol="x",
        )
    if lost.height:
        add_points(
            fig,
            lost["lon"],
            lost["lat"],
            name=_t("ゲートウェイ停止で圏外 [h]", "Lost coverage [h]", lang),
            text=[
                f"{i}: {m / 60:.1f} h"
                for i, m in zip(lost["sensor_id"], lost["lost_min"], strict=True)
            ],
            color=(lost["lost_min"] / 60).to_list(),
            size=10,
            colorscale="OrRd",
            colorbar={"title": "h", "x": 1.02},
            cmin=0,
        )
    gw = city.gateways
    down = gw.filter(pl.col("gateway_id").is_in(list(dark_gateways)))
    up = gw.filter(~pl.col("gateway_id").is_in(list(dark_gateways)))
    add_points(
        fig,
        up["lon"],
        up["lat"],
        name=_t("ゲートウェイ (電源あり)", "Gateway (powered)", lang),
        text=up["gateway_id"].to_list(),
        color=KIND["gateway"],
        size=13,
        symbol="triangle-up",
    )
    if down.height:
        add_points(
            fig,
            down["lon"],
            down["lat"],
            name=_t("ゲートウェイ (停電あり)", "Gateway (lost power)", lang),
            text=down["gateway_id"].to_list(),
            color="black",
            size=13,
            symbol="triangle-down-open",
        )
    if picks is not None and picks.height:
        add_points(
            fig,
            picks["lon"],
            picks["lat"],
            name=_t("追加ゲートウェイ候補", "New gateway (greedy)", lang),
            text=[
                f"#{s} {n}"
                for s, n in zip(
                    picks["step"], picks["name_ja" if lang == "ja" else "name_romaji"], strict=True
                )
            ],
            color="#009E73",
            size=18,
            symbol="star",
        )
    legend_below(fig, 640)
    return fig


def gain_curve_figure(
    picks: pl.DataFrame,
    *,
    other: pl.DataFrame | None = None,
    lang: str = "ja",
    names: tuple[str, str] = ("貪欲法", "件数順"),
    y_title: str | None = None,
) -> go.Figure:
    """Cumulative share covered after each pick (the marginal gain curve).

    Parameters
    ----------
    picks : polars.DataFrame
        ``step`` and ``share`` (0-1), e.g. from :func:`toyama_lab.maxcover.greedy_max_coverage`.
    other : polars.DataFrame, optional
        A second curve to compare (same columns).
    lang : {"ja", "en"}
    names : (str, str)
        Legend names of the two curves.
    y_title : str, optional
        Axis title.
    """
    check_lang(lang)
    fig = go.Figure()
    for rows, name, colour in ((picks, names[0], OKABE_ITO[0]), (other, names[1], OKABE_ITO[1])):
        if rows is None or rows.height == 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=[0, *rows["step"].to_list()],
                y=[0.0, *(100 * rows["share"]).to_list()],
                mode="lines+markers",
                name=name,
                line={"color": colour},
            )
        )
    fig.update_layout(
        title=_t("選んだ数と取り戻せた割合", "Share covered vs number chosen", lang),
        xaxis={"title": _t("選んだ地点の数", "Number of sites chosen", lang), "dtick": 1},
        yaxis={"title": y_title or _t("カバー率 [%]", "Covered [%]", lang), "rangemode": "tozero"},
        height=380,
    )
    return fig


def kpi_trend_figure(
    rates: pl.DataFrame, city_rate: pl.DataFrame, *, highlight=(), lang: str = "ja"
) -> go.Figure:
    """District organisation rates (thin lines) and the city-wide KPI (thick line).

    Parameters
    ----------
    rates : polars.DataFrame
        From :func:`toyama_lab.disaster.bousai.organisation_rates`.
    city_rate : polars.DataFrame
        From :func:`toyama_lab.disaster.bousai.citywide_rate`.
    highlight : collection of str
        District ids drawn in colour (e.g. the lagging ones).
    lang : {"ja", "en"}
    """
    check_lang(lang)
    fig = go.Figure()
    name_col = "name_ja" if lang == "ja" else "name_romaji"
    hl = list(highlight)
    for (did,), rows in rates.sort("year").group_by("district_id", maintain_order=True):
        on = did in hl
        fig.add_trace(
            go.Scatter(
                x=rows["year"].to_list(),
                y=(100 * rows["rate"]).to_list(),
                mode="lines",
                name=str(rows[name_col][0]),
                showlegend=on,
                line={
                    "color": OKABE_ITO[3 + hl.index(did) % 3] if on else "rgba(120,120,120,0.35)",
                    "width": 2 if on else 1,
                },
            )
        )
    fig.add_trace(
        go.Scatter(
            x=city_rate["year"].to_list(),
            y=(100 * city_rate["rate"]).to_list(),
            mode="lines+markers",
            name=_t("市全体 (人口加重)", "City-wide (population-weighted)", lang),
            line={"color": "black", "width": 4},
        )
    )
    fig.update_layout(
        title=_t(
            "自主防災組織の組織率 (合成データ・仮定の水準)",
            "Voluntary disaster-prevention organisation rate (SYNTHETIC)",
            lang,
        ),
        xaxis={"title": _t("年度", "Fiscal year", lang), "dtick": 1},
        yaxis={"title": _t("組織率 [%]", "Organisation rate [%]", lang)},
        height=440,
    )
    return fig


def reach_map(
    city,
    points: pl.DataFrame,
    shelters: pl.DataFrame,
    *,
    limit_m: float = 1000.0,
    lang: str = "ja",
) -> go.Figure:
    """Population points coloured by the distance to the nearest shelter, with the shelters.

    Parameters
    ----------
    city : toyama_lab.city.City
    points : polars.DataFrame
        The first result of :func:`toyama_lab.disaster.bousai.shelter_reach`.
    shelters : polars.DataFrame
        Shelters (``lon``, ``lat``, ``name_ja``, ``name_romaji``).
    limit_m : float
        Distance at the top of the colour scale. [m]
    lang : {"ja", "en"}
    """
    check_lang(lang)
    fig = basemap_figure(
        city,
        lang=lang,
        title=_t("最寄りの避難所までの距離", "Distance to the nearest shelter", lang),
    )
    # Thousands of points: float32 positions (about 1 m at this latitude), distances in whole
    # metres as uint16, and the hover reads the distance from the colour array instead of a
    # text per point, so the executed workbook stays small (issue 11). Plotly draws values
    # above cmax in the top colour.
    d = np.clip(np.rint(points["distance_m"].to_numpy()), 0, np.iinfo(np.uint16).max)
    name = _t("人口の点 (均等配分)", "Population points", lang)
    add_points(
        fig,
        points["lon"].to_numpy().astype(np.float32),
        points["lat"].to_numpy().astype(np.float32),
        name=name,
        color=d.astype(np.uint16),
        size=5,
        colorscale=[[0, "#1A9850"], [0.25, "#91CF60"], [0.5, "#FEE08B"], [1, "#D73027"]],
        cmin=0,
        cmax=2 * limit_m,
        colorbar={"title": "m", "x": 1.02},
        opacity=0.8,
    )
    fig.data[-1].hovertemplate = "%{marker.color} m<extra>" + name + "</extra>"
    name_col = "name_ja" if lang == "ja" else "name_romaji"
    add_points(
        fig,
        shelters["lon"],
        shelters["lat"],
        name=_t("指定避難所 (小学校)", "Shelter (school)", lang),
        text=shelters[name_col].to_list(),
        color="black",
        size=12,
        symbol="star",
    )
    legend_below(fig, 620)
    return fig


def state_figure(times, state: dict, *, lang: str = "ja") -> go.Figure:
    """Sensors by state over time (heard, no gateway up in reach, no power), stacked areas.

    Parameters
    ----------
    times : array_like of datetime64
        The time steps of ``state``.
    state : dict of str to numpy.ndarray
        :func:`toyama_lab.disaster.coverage.coverage_over_time`: boolean
        ``(n_sensor, n_time)`` arrays ``heard``, ``orphaned`` and ``dark``.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    names = {
        "heard": _t("届いた", "Heard", lang),
        "orphaned": _t("圏外 (ゲートウェイ停止)", "No gateway up in reach", lang),
        "dark": _t("停電", "No power", lang),
    }
    fig = go.Figure(
        [
            go.Scatter(x=times, y=np.asarray(state[k]).sum(axis=0), name=n, stackgroup="one")
            for k, n in names.items()
        ]
    )
    fig.update_layout(
        title=_t("状態ごとのセンサー数", "Sensors by state", lang),
        xaxis_title=label("time", lang),
        yaxis_title=label("n_sensors", lang),
        height=380,
    )
    return fig
