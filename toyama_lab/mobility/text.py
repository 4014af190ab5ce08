"""Sentences the mobility workbooks print, written from the computed tables.

No number or comparison in a workbook's markdown depends on the data: these functions
state it from the table, at every size, period and seed (an empty table is explained).
"""

from __future__ import annotations

import polars as pl

from toyama_lab.mobility import kpi
from toyama_lab.viz.labels import check_lang

__all__ = ["day_class_sentence", "effect_sentence", "event_kpi_sentence", "skill_sentence"]


def event_kpi_sentence(summary: pl.DataFrame, *, lang: str = "ja") -> str:
    """Compare the KPI on event days with days without an event.

    Parameters
    ----------
    summary : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.kpi_summary`: ``days_kind`` (``all``, ``no_event``,
        ``event``), ``n_days``, ``kpi`` [persons/day/point], ``ratio`` (KPI / target).
    lang : {"ja", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> s = pl.DataFrame({"days_kind": ["all", "no_event", "event"], "n_days": [7, 6, 1],
    ...                   "kpi": [8470.0, 8300.0, 9450.0], "ratio": [0.94, 0.92, 1.05]})
    >>> event_kpi_sentence(s, lang="en")
    'Event days: KPI 9,450 (1.14 x the days without an event, 8,300); target ratio 1.05 vs 0.92.'
    """
    check_lang(lang)
    rows = {r["days_kind"]: r for r in summary.iter_rows(named=True)}
    ev, plain = rows.get("event"), rows.get("no_event")
    if not ev or not ev["n_days"] or ev["kpi"] is None:
        return (
            "この期間にはイベントの日がありません。イベントの効果は測れません。"
            if lang == "ja"
            else "There is no event day in this period: the event effect cannot be measured."
        )
    if not plain or not plain["n_days"] or plain["kpi"] is None:
        return (
            "この期間はすべてイベントの日で、比べるふだんの日がありません。"
            if lang == "ja"
            else "Every day of this period is an event day: there is no ordinary day to compare."
        )
    lift = ev["kpi"] / plain["kpi"]
    if lang == "ja":
        return (
            f"イベントの日の KPI は {ev['kpi']:,.0f} で、イベントのない日 ({plain['kpi']:,.0f}) の "
            f"{lift:.2f} 倍です。目標に対する比は {ev['ratio']:.2f} と {plain['ratio']:.2f}。"
        )
    return (
        f"Event days: KPI {ev['kpi']:,.0f} ({lift:.2f} x the days without an event, "
        f"{plain['kpi']:,.0f}); target ratio {ev['ratio']:.2f} vs {plain['ratio']:.2f}."
    )


def day_class_sentence(classes: pl.DataFrame, *, lang: str = "ja") -> str:
    """Which day class is busier in the central and the station areas.

    Parameters
    ----------
    classes : polars.DataFrame
        :func:`toyama_lab.mobility.kpi.by_day_class`: ``area``, ``day_class``, ``per_point``.
    lang : {"ja", "en"}

    Returns
    -------
    str
        One clause per area that has both day classes in the period.

    Examples
    --------
    >>> c = pl.DataFrame({"area": ["central", "central"], "day_class": ["weekday",
    ...                   "weekend_holiday"], "per_point": [7000.0, 9000.0]})
    >>> day_class_sentence(c, lang="en")
    'Central commercial district: busier on weekends and holidays (1.29 x).'
    """
    check_lang(lang)
    parts = []
    for area in ("central", "station"):
        rows = classes.filter(pl.col("area") == area)
        vals = dict(zip(rows["day_class"], rows["per_point"], strict=True))
        if vals.get("weekday") is None or vals.get("weekend_holiday") is None:
            continue
        wd, we = vals["weekday"], vals["weekend_holiday"]
        name = kpi.area_label(area, lang)
        if lang == "ja":
            more = "土日祝" if we > wd else "平日"
            parts.append(f"{name}は{more}に多い ({max(wd, we) / min(wd, we):.2f} 倍)")
        else:
            more = "on weekends and holidays" if we > wd else "on weekdays"
            parts.append(f"{name}: busier {more} ({max(wd, we) / min(wd, we):.2f} x)")
    if not parts:
        return (
            "この期間には平日と土日祝の両方がそろっていないので、くらべられません。"
            if lang == "ja"
            else "This period lacks either weekdays or weekend days: no comparison."
        )
    return ("、".join(parts) + "。") if lang == "ja" else ("; ".join(parts) + ".")


def effect_sentence(effect: pl.DataFrame, area: str, *, lang: str = "ja") -> str:
    """Summarise :func:`toyama_lab.mobility.kpi.event_effect` for one area.

    Parameters
    ----------
    effect : polars.DataFrame
        ``date``, ``ratio``, ``n_baseline``, one row per event day.
    area : {"central", "station"}
    lang : {"ja", "en"}

    Returns
    -------
    str
        The number of event days and the range of their ratio, or that there is none.

    Examples
    --------
    >>> e = pl.DataFrame({"ratio": [1.4, 1.2], "n_baseline": [1, 3]})
    >>> effect_sentence(e, "station", lang="en")
    'Toyama Station area: 2 event days, 1.20-1.40 x their baseline (baselines of 1-3 days).'
    """
    check_lang(lang)
    name = kpi.area_label(area, lang)
    if effect.height == 0:
        return (
            f"{name}: この期間にイベントの日はありません (表は空です)。`days` を長くするか、"
            "もう一方の地区を選んでください。"
            if lang == "ja"
            else f"{name}: no event day in this period (the table is empty); "
            "try more days or the other area."
        )
    lo, hi = effect["ratio"].min(), effect["ratio"].max()
    b_lo, b_hi = effect["n_baseline"].min(), effect["n_baseline"].max()
    if lang == "ja":
        return (
            f"{name}: イベントの日 {effect.height} 日、基準の {lo:.2f}〜{hi:.2f} 倍 "
            f"(基準の日数 {b_lo}〜{b_hi} 日)。"
        )
    return (
        f"{name}: {effect.height} event days, {lo:.2f}-{hi:.2f} x their baseline "
        f"(baselines of {b_lo}-{b_hi} days)."
    )


def skill_sentence(table: pl.DataFrame, reference: str, *, lang: str = "ja") -> str:
    """Name the best forecast of a score table and its skill against a reference.

    Parameters
    ----------
    table : polars.DataFrame
        One row per forecast: a name column (``method`` or ``forecast``) and ``mae``.
    reference : str
        The name of the reference forecast in that column.
    lang : {"ja", "en"}

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``reference`` is not a row of ``table``.

    Examples
    --------
    >>> t = pl.DataFrame({"method": ["persistence", "trend"], "mae": [4.0, 3.0]})
    >>> skill_sentence(t, "persistence", lang="en")
    'Best: trend (MAE 3.00, skill 0.25 against persistence).'
    """
    check_lang(lang)
    key = "method" if "method" in table.columns else "forecast"
    ref = table.filter(pl.col(key) == reference)
    if ref.height != 1:
        raise ValueError(
            f"reference={reference!r} is not a row of the table; expected one of "
            f"{table[key].to_list()}."
        )
    best = table.sort("mae").row(0, named=True)
    skill = 1.0 - best["mae"] / ref["mae"][0] if ref["mae"][0] else float("nan")
    if best[key] == reference:
        return (
            f"いちばん良いのは基準の {reference} そのものです (MAE {best['mae']:.2f})。"
            if lang == "ja"
            else f"The reference {reference} itself is best (MAE {best['mae']:.2f})."
        )
    if lang == "ja":
        return (
            f"いちばん良いのは {best[key]} (MAE {best['mae']:.2f}、{reference} に対する"
            f"スキルスコア {skill:.2f})。"
        )
    return f"Best: {best[key]} (MAE {best['mae']:.2f}, skill {skill:.2f} against {reference})."
