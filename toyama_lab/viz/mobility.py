"""Figures of the mobility workbooks (pedestrian KPI, bicycle parks, counters, crowd forecast).

Pure functions: tables in, a plotly figure out, labels in Japanese or English (``lang``).
The workbooks show them through ``viz.show_or_interact`` so that ``interactive`` is honoured.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import polars as pl

from toyama_lab.mobility import crowd, kpi
from toyama_lab.viz import colours
from toyama_lab.viz.basemap import add_points, basemap_figure
from toyama_lab.viz.labels import bilingual, check_lang, label

__all__ = [
    "calendar_figure",
    "counter_map",
    "daily_figure",
    "day_class_figure",
    "effect_figure",
    "factors_figure",
    "kpi_figure",
    "level_figure",
    "nowcast_figure",
    "park_map",
    "queue_heatmap",
    "rate_figure",
    "staffing_figure",
    "tickets_figure",
    "where_to_go_figure",
]

_AREAS = ("central", "station", "other")
_EVENT = "#E69F00"
_PLAIN = "#0072B2"


def counter_map(city, daily: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Pedestrian counters on the basemap, sized by their mean daily total, coloured by area.

    Parameters
    ----------
    city : City
        The synthetic city (``ds.city``).
    daily : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.sensor_daily`: ``sensor_id``, ``area``, ``total``
        [persons/day].
    lang : {"ja", "en"}
        Names in hover texts: ``name_ja`` or ``name_romaji``.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    mean = daily.group_by("sensor_id", "area").agg(pl.col("total").mean())
    sensors = city.sensors.join(mean, on="sensor_id").sort("sensor_id")
    area_col = "area_right" if "area_right" in sensors.columns else "area"
    fig = basemap_figure(city, lang=lang)
    top = max(float(sensors["total"].max() or 1.0), 1.0)
    for i, area in enumerate(_AREAS):
        rows = sensors.filter(pl.col(area_col) == area)
        names = rows["name_romaji" if lang == "en" else "name_ja"]
        text = [f"{n}: {t:,.0f}" for n, t in zip(names, rows["total"], strict=True)]
        add_points(
            fig,
            rows["lon"],
            rows["lat"],
            name=kpi.area_label(area, lang),
            text=text,
            size=(8 + rows["total"] / top * 22).to_list(),
            color=colours.OKABE_ITO[i],
        )
    return fig


def _event_dates(days: pl.DataFrame) -> list:
    return days.filter(pl.col("event_name").is_not_null())["date"].to_list()


def daily_figure(areas: pl.DataFrame, days: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Daily pedestrians per area, with event days marked by vertical bands.

    Parameters
    ----------
    areas : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.area_daily`: ``date``, ``area``, ``total`` [persons/day].
    days : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.day_table` (``date``, ``event_name``).
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    fig = go.Figure()
    for area in _AREAS:
        rows = areas.filter(pl.col("area") == area)
        fig.add_trace(
            go.Scatter(
                x=rows["date"],
                y=rows["total"],
                mode="lines+markers",
                name=kpi.area_label(area, lang),
            )
        )
    for d in _event_dates(days):
        fig.add_vrect(x0=d, x1=d, line_width=6, line_color="rgba(230,159,0,0.35)")
    fig.update_layout(
        title=bilingual("地区ごとの 1 日の通行量", "Daily pedestrians", lang),
        yaxis_title=bilingual("通行量 [人/日]", "Pedestrians [persons/day]", lang),
        xaxis_title=label("date", lang),
    )
    return fig


def kpi_figure(
    kpis: pl.DataFrame, days: pl.DataFrame, target: float, *, lang: str = "ja"
) -> go.Figure:
    """The KPI per day as bars (event days in orange) against the target line.

    Parameters
    ----------
    kpis : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.kpi_table`: ``date``, ``kpi`` [persons/day/point].
    days : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.day_table`.
    target : float
        The KPI target [persons/day/point].
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    event = kpis.join(days, on="date", how="left")["event_name"].is_not_null()
    fig = go.Figure(
        go.Bar(
            x=kpis["date"],
            y=kpis["kpi"],
            marker_color=[_EVENT if e else _PLAIN for e in event],
            name="KPI",
        )
    )
    fig.add_hline(y=target, line_dash="dash", annotation_text=bilingual("目標値", "target", lang))
    fig.update_layout(
        title=bilingual(
            "日ごとの KPI (オレンジ: イベントの日)", "KPI per day (orange: event day)", lang
        ),
        yaxis_title=bilingual("人/日・地点", "persons/day/point", lang),
    )
    return fig


def day_class_figure(classes: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Weekday against weekend-and-holiday means per area (event days left out).

    Parameters
    ----------
    classes : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.by_day_class`: ``area``, ``day_class``, ``per_point``.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        One bar group per area, one trace per day class, legend in ``lang`` only.
    """
    check_lang(lang)
    names = {
        "weekday": bilingual("平日", "weekday", lang),
        "weekend_holiday": bilingual("土日祝", "weekend, holiday", lang),
    }
    fig = go.Figure()
    for cls, name in names.items():
        rows = classes.filter(pl.col("day_class") == cls)
        fig.add_trace(
            go.Bar(
                x=[kpi.area_label(a, lang) for a in rows["area"]], y=rows["per_point"], name=name
            )
        )
    fig.update_layout(
        barmode="group",
        yaxis_title=bilingual("人/日・地点", "persons/day/point", lang),
        title=bilingual("平日と土日祝 (イベントの日を除く)", "Weekday vs weekend", lang),
    )
    return fig


def effect_figure(
    areas: pl.DataFrame, days: pl.DataFrame, area: str = "station", *, lang: str = "ja"
) -> go.Figure:
    """Event days of one area against their matched baseline (same weekday, no event).

    Parameters
    ----------
    areas, days : polars.DataFrame
        As for :func:`toyama_lab.mobility.kpi.event_effect`.
    area : {"central", "station"}
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        Grouped bars; without any event day in the area the figure says so in its title.
    """
    check_lang(lang)
    eff = kpi.event_effect(areas, days, area)
    fig = go.Figure(
        [
            go.Bar(
                x=eff["date"],
                y=eff["baseline"],
                name=bilingual("基準 (ふだんの日)", "baseline", lang),
            ),
            go.Bar(
                x=eff["date"], y=eff["observed"], name=bilingual("イベントの日", "event day", lang)
            ),
        ]
    )
    title = kpi.area_label(area, lang)
    if eff.height == 0:
        title += bilingual(
            " — この期間にイベントの日はありません", " — no event day in this period", lang
        )
    fig.update_layout(
        barmode="group", title=title, yaxis_title=bilingual("人/日", "persons/day", lang)
    )
    return fig


def rate_figure(
    rate: np.ndarray,
    times: Sequence,
    names: Sequence[str],
    busy: float,
    full: float,
    *,
    lang: str = "ja",
) -> go.Figure:
    """Occupancy rate of every bicycle park over time, with the busy and full thresholds.

    Parameters
    ----------
    rate : numpy.ndarray, shape (n_park, n_time)
        Occupancy [%].
    times : sequence of datetime64
    names : sequence of str
        Park names in the reader's language.
    busy, full : float
        Thresholds [%].
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    fig = go.Figure(
        [go.Scatter(x=times, y=rate[i], mode="lines", name=n) for i, n in enumerate(names)]
    )
    fig.add_hline(y=busy, line_dash="dot", annotation_text=bilingual("混雑", "busy", lang))
    fig.add_hline(y=full, line_dash="dash", annotation_text=bilingual("満車", "full", lang))
    fig.update_layout(
        title=bilingual("駐輪場の占有率", "Occupancy of bicycle parks", lang),
        yaxis_title=label("occupancy_rate", lang),
        xaxis_title=label("time", lang),
    )
    return fig


def nowcast_figure(
    times: Sequence,
    truth: np.ndarray,
    forecast: np.ndarray,
    capacity: float,
    title: str,
    method: str,
    *,
    lang: str = "ja",
) -> go.Figure:
    """One park's true occupancy and its nowcast over one day, with the capacity line.

    Parameters
    ----------
    times : sequence of datetime64
    truth, forecast : numpy.ndarray, shape (n_time,)
        Bicycles parked [bicycles].
    capacity : float
        Places of the park [bicycles].
    title : str
        The park's name.
    method : str
        Name of the nowcast method (legend).
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    fig = go.Figure(
        [
            go.Scatter(x=times, y=truth, name=bilingual("真値", "truth", lang)),
            go.Scatter(x=times, y=forecast, name=method, line={"dash": "dash"}),
        ]
    )
    fig.add_hline(
        y=capacity, line_dash="dot", annotation_text=bilingual("収容台数", "capacity", lang)
    )
    fig.update_layout(title=title, yaxis_title=label("occupancy", lang))
    return fig


def queue_heatmap(
    profile: pl.DataFrame, ids: Sequence[str], names: Sequence[str], *, lang: str = "ja"
) -> go.Figure:
    """Mean queue per counter and opening hour (8-17 h) as a heat map.

    Parameters
    ----------
    profile : polars.DataFrame
        :func:`toyama_lab.mobility.counters.hourly_profile`: ``sensor_id``, ``hour``, ``queue``.
    ids : sequence of str
        Counter ids, one row each, in this order.
    names : sequence of str
        Their names in the reader's language.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    hours = list(range(8, 18))
    day = profile.filter(pl.col("hour").is_between(8, 17))
    z = [day.filter(pl.col("sensor_id") == i).sort("hour")["queue"].to_list() for i in ids]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=hours,
            y=list(names),
            colorscale="YlOrRd",
            colorbar={"title": bilingual("人", "persons", lang)},
        )
    )
    fig.update_layout(
        title=bilingual("時間帯ごとの平均待ち人数 [人]", "Mean queue by hour [persons]", lang),
        xaxis_title=label("hour", lang),
    )
    return fig


def tickets_figure(
    times: Sequence, tickets: np.ndarray, names: Sequence[str], *, lang: str = "ja"
) -> go.Figure:
    """Tickets issued per day, stacked by counter.

    Parameters
    ----------
    times : sequence of datetime64
        One per day.
    tickets : numpy.ndarray, shape (n_counter, n_day)
        Tickets per day [tickets/day].
    names : sequence of str
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    fig = go.Figure([go.Bar(x=times, y=tickets[i], name=n) for i, n in enumerate(names)])
    fig.update_layout(
        barmode="stack",
        title=bilingual("1 日の発券数", "Tickets per day", lang),
        yaxis_title=bilingual("枚/日", "tickets/day", lang),
    )
    return fig


def where_to_go_figure(rank: pl.DataFrame, hour: int, *, lang: str = "ja") -> go.Figure:
    """Travel plus expected wait per counter, stacked bars, best first.

    Parameters
    ----------
    rank : polars.DataFrame
        :func:`toyama_lab.mobility.counters.where_to_go`: ``name_ja``, ``name_romaji``,
        ``travel_min``, ``wait_min`` [min].
    hour : int
        The hour shown in the title.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    names = rank["name_romaji" if lang == "en" else "name_ja"]
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=rank["travel_min"],
                orientation="h",
                name=bilingual("移動", "travel", lang),
            ),
            go.Bar(
                y=names, x=rank["wait_min"], orientation="h", name=bilingual("待ち", "wait", lang)
            ),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title=f"{hour}:00-{hour}:59",
        xaxis_title=bilingual("分", "minutes", lang),
        yaxis={"autorange": "reversed"},
    )
    return fig


def staffing_figure(table: pl.DataFrame, max_wait_min: float, *, lang: str = "ja") -> go.Figure:
    """Mean wait against the number of windows (M/M/c), with the acceptable wait.

    Parameters
    ----------
    table : polars.DataFrame
        :func:`toyama_lab.mobility.counters.staffing_table`: ``windows``, ``wq`` [min].
        Rows with a wait of an hour or more (or an unstable queue) are left out.
    max_wait_min : float
        The acceptable mean wait [min].
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    stable = table.filter(pl.col("wq") < 60)
    fig = go.Figure(go.Scatter(x=stable["windows"], y=stable["wq"], mode="lines+markers"))
    fig.add_hline(y=max_wait_min, line_dash="dash")
    fig.update_layout(
        title=bilingual("窓口の数と平均待ち時間 (M/M/c)", "Mean wait vs windows (M/M/c)", lang),
        xaxis_title=bilingual("窓口の数", "windows", lang),
        yaxis_title=bilingual("平均待ち時間 Wq [分]", "Wq [min]", lang),
    )
    return fig


def factors_figure(factors: pl.DataFrame, *, lang: str = "ja") -> go.Figure:
    """Multiplicative factors of the crowd model as bars around 1.

    Parameters
    ----------
    factors : polars.DataFrame
        :meth:`toyama_lab.mobility.crowd.CrowdModel.factors`: ``feature``, ``factor``.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    fig = go.Figure(go.Bar(x=factors["feature"], y=factors["factor"]))
    fig.add_hline(y=1.0, line_dash="dot")
    fig.update_layout(
        title=bilingual(
            "掛け算の係数 (基準: 月曜・1 月)",
            "Multiplicative factors (reference: Monday, January)",
            lang,
        ),
        yaxis_title=bilingual("倍率", "factor", lang),
    )
    return fig


def level_figure(
    dates: Sequence, truth: np.ndarray, forecast: np.ndarray, cuts: np.ndarray, *, lang: str = "ja"
) -> go.Figure:
    """True and forecast crowd levels (1 comfortable .. 5 crowded) per day.

    Parameters
    ----------
    dates : sequence of date
    truth, forecast : numpy.ndarray
        Daily totals [persons/day].
    cuts : numpy.ndarray
        :func:`toyama_lab.mobility.crowd.level_cuts`.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    fig = go.Figure(
        [
            go.Scatter(
                x=list(dates), y=crowd.to_level(values, cuts), mode="markers+lines", name=name
            )
            for name, values in (
                (bilingual("実際", "truth", lang), truth),
                (bilingual("予報", "forecast", lang), forecast),
            )
        ]
    )
    fig.update_layout(
        title=bilingual(
            "混雑レベル (1 快適 〜 5 混雑)", "Crowd level (1 comfortable .. 5 crowded)", lang
        ),
        yaxis={
            "tickvals": [1, 2, 3, 4, 5],
            "ticktext": [t[lang == "en"] for t in crowd.LEVEL_LABELS],
        },
    )
    return fig


_WEEKDAYS = {
    "ja": ["月", "火", "水", "木", "金", "土", "日"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}


def calendar_figure(
    dates: Sequence[dt.date], values: np.ndarray, cuts: np.ndarray, *, lang: str = "ja"
) -> go.Figure:
    """Forecast crowd levels laid out as a calendar: one row per week, Monday first.

    Parameters
    ----------
    dates : sequence of datetime.date
        Consecutive days.
    values : numpy.ndarray
        Daily totals [persons/day].
    cuts : numpy.ndarray
        :func:`toyama_lab.mobility.crowd.level_cuts`.
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    check_lang(lang)
    dates = list(dates)
    level = crowd.to_level(values, cuts)
    d0 = dates[0]
    col = np.array([(d - d0).days + d0.weekday() for d in dates])
    week, wd = col // 7, col % 7
    z = np.full((week.max() + 1, 7), np.nan)
    z[week, wd] = level
    first_monday = d0 - dt.timedelta(days=d0.weekday())
    mondays = [str(first_monday + dt.timedelta(weeks=w)) for w in range(z.shape[0])]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=_WEEKDAYS[lang],
            y=mondays,
            colorscale=colours.CROWDING,
            zmin=1,
            zmax=5,
            colorbar={"title": bilingual("レベル", "level", lang)},
        )
    )
    fig.update_layout(
        yaxis={"autorange": "reversed"},
        height=600,
        title=bilingual("予報の混雑レベル", "Forecast crowd level", lang),
    )
    return fig


def park_map(
    city,
    lon: Sequence[float],
    lat: Sequence[float],
    names: Sequence[str],
    occupancy: np.ndarray,
    capacity: np.ndarray,
    busy: float,
    full: float,
    *,
    title: str,
    lang: str = "ja",
) -> go.Figure:
    """Bicycle parks coloured by free places (green: many), with name, free/capacity and alert.

    Parameters
    ----------
    city : City
    lon, lat : sequence of float
        Park positions [°].
    names : sequence of str
        Park names in the reader's language.
    occupancy : numpy.ndarray, shape (n_park,)
        Bicycles parked (observed or forecast) [bicycles].
    capacity : numpy.ndarray, shape (n_park,)
        Places [bicycles].
    busy, full : float
        Alert thresholds [%].
    title : str
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
    """
    from toyama_lab.mobility import parking

    check_lang(lang)
    free = parking.free_places(occupancy, capacity)
    level = parking.alert_level(parking.occupancy_rate(occupancy, capacity), busy, full)
    tag = [parking.ALERT_LABELS[k][lang == "en"] if k >= 0 else "?" for k in level]
    text = [
        f"{n}: {f:.0f} / {c:.0f} ({a})"
        for n, f, c, a in zip(names, free, capacity, tag, strict=True)
    ]
    fig = basemap_figure(city, lang=lang, title=title)
    add_points(
        fig,
        lon,
        lat,
        name=label("bicycle_park", lang),
        text=text,
        color=free,
        size=18,
        colorscale="RdYlGn",
        colorbar={"title": bilingual("空き [台]", "free", lang)},
        cmin=0,
    )
    return fig
