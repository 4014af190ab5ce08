"""Event odds and sizes measured on the workbench's synthetic city.

The game's event cards carry numbers taken from :mod:`toyama_lab.synth`, so that a
player who asks "why is heavy rain so likely?" can open the workbook and find the
same number. :func:`event_stats` measures them once per (seed, years) and keeps the
result as a small JSON file under the data root (:func:`toyama_lab.datasets.data_root`,
folder ``game/``), keyed by the source fingerprint of the synthetic city, so loading the
rules is cheap after the first time (the first run simulates ten years of three river
gauges at hourly resolution: about ten seconds).

Measures (all on the synthetic city, never on real records):

``river_evac``
    Years in which any river gauge of the ``tiny`` city (one gauge on each of the
    神通川, 常願寺川 and いたち川) reached 避難判断水位 (:func:`toyama_lab.synth.hazards.river`
    at hourly resolution; the level names follow :mod:`toyama_lab.disaster.alerts`).
``heat_days``
    Days a year whose hourly maximum of :func:`toyama_lab.synth.weather.temperature`
    reached 30 °C (真夏日, the JMA term for a day with a maximum of 30 °C or more), and the
    years with at least :data:`HOT_SUMMER_DAYS` of them.
``festival_lift``
    Event days a year (:func:`toyama_lab.synth.calendar.event_days`) and their largest
    pedestrian multiplier (:data:`toyama_lab.synth.calendar.EVENTS`).
``earthquake_outage``
    Share of the ``class`` city's gateways that lose power in the ``earthquake`` scenario
    (:func:`toyama_lab.synth.outages.outages`) and the median outage length.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from toyama_lab._atomic import write_atomic
from toyama_lab.city import build_city
from toyama_lab.datasets.build import source_fingerprint
from toyama_lab.datasets.cache import data_root
from toyama_lab.synth import calendar, hazards, weather
from toyama_lab.synth.outages import outages as _outages
from toyama_lab.synth.scenario import get_scenario

__all__ = [
    "FIRST_YEAR",
    "HOT_DAY_C",
    "HOT_SUMMER_DAYS",
    "MEASURES",
    "N_YEARS",
    "SOURCES",
    "earthquake_outage",
    "event_stats",
    "festival_lift",
    "heat_days",
    "measure_event",
    "river_evac",
]

#: First synthetic year measured and the number of years (ten synthetic years).
FIRST_YEAR, N_YEARS = 2016, 10
#: 真夏日: a day whose maximum air temperature is 30 °C or more (気象庁 予報用語 「真夏日」).
HOT_DAY_C = 30.0
#: A "hot summer" (the heat-wave card) has at least this many 真夏日 (game-design value).
HOT_SUMMER_DAYS = 40
#: The function and the workbook behind each measure (printed on the cards).
SOURCES: dict[str, tuple[str, str]] = {
    "river_evac": ("toyama_lab.synth.hazards.river", "workbooks/disaster/01-rain-and-river.ipynb"),
    "heat_days": ("toyama_lab.synth.weather.temperature", "workbooks/game/00-play.ipynb"),
    "festival_lift": (
        "toyama_lab.synth.calendar.event_days",
        "workbooks/mobility/01-pedestrian-kpi.ipynb",
    ),
    "earthquake_outage": (
        "toyama_lab.synth.outages.outages",
        "workbooks/disaster/02-network-after-earthquake.ipynb",
    ),
}


def _year_hours(first_year: int, n_years: int) -> tuple[np.ndarray, np.ndarray]:
    """Minute stamps of every whole hour of the years, and the year of each. [min]"""
    start = dt.date(first_year, 1, 1)
    n_days = (dt.date(first_year + n_years, 1, 1) - start).days
    minutes = calendar.minute_axis(start, n_days)[::60]
    years = np.repeat(
        np.arange(first_year, first_year + n_years),
        [
            (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days * 24
            for y in range(first_year, first_year + n_years)
        ],
    )
    return minutes, years


def river_evac(seed: int = 0, first_year: int = FIRST_YEAR, n_years: int = N_YEARS) -> dict:
    """Years in which a river gauge reached 避難判断水位, on the synthetic ``tiny`` city.

    Parameters
    ----------
    seed : int
        Seed of the synthetic weather.
    first_year, n_years : int
        The years measured.

    Returns
    -------
    dict
        ``years`` (n_years), ``years_reached`` (years with at least one hour at or above
        避難判断水位 at any gauge), ``hours_reached`` (gauge-hours at or above it) and
        ``gauges`` (gauge ids).
    """
    city = build_city(seed, "tiny")
    gauges = city.sensors.filter(city.sensors["kind"] == "river")
    scen = get_scenario("normal-week")  # ordinary weather: no scripted storm band
    reached_years = set()
    hours = 0
    years = range(first_year, first_year + n_years)
    bar = tqdm(years, desc="river gauges, synthetic years", unit="year", leave=False, disable=None)
    for year in bar:  # one year per block (memory); about a second each
        minutes, _ = _year_hours(year, 1)
        alert = hazards.river(gauges, minutes, seed=seed, scenario=scen)["alert"]
        n = int((alert >= 2).sum())
        hours += n
        if n:
            reached_years.add(year)
    return {
        "years": n_years,
        "years_reached": len(reached_years),
        "hours_reached": hours,
        "gauges": gauges["sensor_id"].to_list(),
    }


def heat_days(seed: int = 0, first_year: int = FIRST_YEAR, n_years: int = N_YEARS) -> dict:
    """真夏日 (days with a maximum of 30 °C or more) per year in the synthetic weather.

    Returns
    -------
    dict
        ``years``, ``per_year`` (list of day counts), ``mean`` [days/year] and
        ``hot_summers`` (years with at least :data:`HOT_SUMMER_DAYS` of them).
    """
    minutes, years = _year_hours(first_year, n_years)
    t = weather.temperature(seed, minutes)
    day = (minutes - minutes[0]) // calendar.MINUTES_PER_DAY
    day_max = np.full(int(day[-1]) + 1, -np.inf)
    np.maximum.at(day_max, day, t)
    day_year = years[::24]
    per_year = np.bincount(day_year - first_year, weights=day_max >= HOT_DAY_C, minlength=n_years)
    per_year = per_year.astype(int).tolist()
    return {
        "years": n_years,
        "per_year": per_year,
        "mean": float(np.mean(per_year)),
        "hot_summers": int(sum(d >= HOT_SUMMER_DAYS for d in per_year)),
    }


def festival_lift(first_year: int = FIRST_YEAR, n_years: int = N_YEARS) -> dict:
    """Event days a year on the synthetic calendar and the largest pedestrian multiplier.

    Returns
    -------
    dict
        ``years``, ``days_per_year`` (mean event days a year) and ``max_lift`` [-].
    """
    start = dt.date(first_year, 1, 1)
    n_days = (dt.date(first_year + n_years, 1, 1) - start).days
    ev = calendar.event_days(start, n_days)
    days = ev["date"].n_unique() if ev.height else 0
    return {
        "years": n_years,
        "days_per_year": round(days / n_years, 1),
        "max_lift": max((e.lift for e in calendar.EVENTS), default=1.0),
    }


def earthquake_outage(seed: int = 0) -> dict:
    """Gateways of the ``class`` city that lose power in the synthetic earthquake.

    Returns
    -------
    dict
        ``gateways``, ``gateways_down``, ``share_down`` [-] and ``median_hours`` [h].
    """
    city = build_city(seed, "class")
    out = _outages(city, "earthquake", seed)
    gw = out.filter(out["kind"] == "gateway")
    hours = ((gw["end"] - gw["start"]).dt.total_seconds() / 3600.0).to_numpy()
    n = city.gateways.height
    return {
        "gateways": n,
        "gateways_down": gw["target_id"].n_unique(),
        "share_down": round(gw["target_id"].n_unique() / n, 3),
        "median_hours": round(float(np.median(hours)), 1) if hours.size else 0.0,
    }


def _compute(seed: int, n_years: int) -> dict:
    return {
        "seed": seed,
        "first_year": FIRST_YEAR,
        "river_evac": river_evac(seed, FIRST_YEAR, n_years),
        "heat_days": heat_days(seed, FIRST_YEAR, n_years),
        "festival_lift": festival_lift(FIRST_YEAR, n_years),
        "earthquake_outage": earthquake_outage(seed),
    }


def _cache_path(seed: int, n_years: int, root) -> Path:
    key = hashlib.sha256(f"{source_fingerprint()}|{seed}|{n_years}".encode()).hexdigest()[:16]
    return data_root(root) / "game" / f"event-stats-{seed}-{n_years}y-{key}.json"


@lru_cache(maxsize=8)
def _cached(seed: int, n_years: int, root: str | None) -> str:
    path = _cache_path(seed, n_years, root)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = json.dumps(_compute(seed, n_years), ensure_ascii=False, indent=1, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    return text


def event_stats(seed: int = 0, n_years: int = N_YEARS, *, root=None) -> dict:
    """All measures of the module, computed once and cached on disk.

    Parameters
    ----------
    seed : int
        Seed of the synthetic city and weather.
    n_years : int
        Years measured from :data:`FIRST_YEAR` (1-30).
    root : path-like, optional
        Data root (default :func:`toyama_lab.datasets.data_root`).

    Returns
    -------
    dict
        ``river_evac``, ``heat_days``, ``festival_lift``, ``earthquake_outage`` (see the
        module docstring), plus ``seed`` and ``first_year``.

    Raises
    ------
    ValueError
        If ``n_years`` is not 1-30 or ``seed`` is negative.
    """
    if not isinstance(n_years, int) or not 1 <= n_years <= 30:
        raise ValueError(f"n_years must be an integer 1-30, got {n_years!r}.")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    return json.loads(_cached(seed, n_years, None if root is None else str(root)))


#: Deck size the measured shares are scaled to: a share of the ten synthetic years
#: becomes that many cards out of ten (game-design value).
SHARE_TO_COPIES = 10


def _river_card(e, s):
    r = s["river_evac"]
    ja = f"合成富山市の {r['years']} 年間で、川が避難判断水位をこえた年: {r['years_reached']} 年"
    en = (
        f"Synthetic Toyama, {r['years']} years: a river passed its evacuation-decision level "
        f"in {r['years_reached']} of them"
    )
    return round(SHARE_TO_COPIES * r["years_reached"] / r["years"]), e.effect, ja, en


def _heat_card(e, s):
    h = s["heat_days"]
    ja = (
        f"合成富山市の {h['years']} 年間: 真夏日 (30 °C 以上) は年平均 {h['mean']:.1f} 日、"
        f"{HOT_SUMMER_DAYS} 日以上の夏は {h['hot_summers']} 回"
    )
    en = (
        f"Synthetic Toyama, {h['years']} years: {h['mean']:.1f} days of 30 °C or more a year; "
        f"{h['hot_summers']} summers with {HOT_SUMMER_DAYS} or more"
    )
    return round(SHARE_TO_COPIES * h["hot_summers"] / h["years"]), e.effect, ja, en


def _festival_card(e, s):
    f = s["festival_lift"]
    ja = (
        f"合成富山市のカレンダー: まつり・イベントの日は年 {f['days_per_year']:.1f} 日、"
        f"歩行者は最大 {f['max_lift']:.1f} 倍"
    )
    en = (
        f"Synthetic calendar: {f['days_per_year']:.1f} event days a year, "
        f"up to {f['max_lift']:.1f}x the pedestrians"
    )
    return None, e.effect, ja, en


def _quake_card(e, s):
    q = s["earthquake_outage"]
    share = q["share_down"]
    # harm to the economy grows with the share of the network that went dark (1-3 steps)
    effect = dict(e.effect)
    effect["economy"] = -min(3, max(1, round(3 * share)))
    ja = (
        f"合成富山市の地震シナリオ: 基地局 {q['gateways']} 局のうち {q['gateways_down']} 局が停電"
        f" (中央値 {q['median_hours']:.1f} 時間)"
    )
    en = (
        f"Synthetic earthquake: {q['gateways_down']} of {q['gateways']} gateways lost power "
        f"(median {q['median_hours']:.1f} h)"
    )
    return None, effect, ja, en


#: How each measure turns into a card: ``(copies or None, effect, text_ja, text_en)``.
MEASURES = {
    "river_evac": _river_card,
    "heat_days": _heat_card,
    "festival_lift": _festival_card,
    "earthquake_outage": _quake_card,
}


def measure_event(event, stats: dict):
    """An event card with its copies, effect and printed number taken from ``stats``.

    Parameters
    ----------
    event : toyama_lab.game.rules.Event
        A card; one without a ``synth:`` source is returned unchanged.
    stats : dict
        :func:`event_stats` output.

    Returns
    -------
    toyama_lab.game.rules.Event
    """
    if not event.source:
        return event
    key = event.source.removeprefix("synth:")
    copies, effect, ja, en = MEASURES[key](event, stats)
    fn, workbook = SOURCES[key]
    return replace(
        event,
        copies=event.copies if copies is None else copies,
        effect=effect,
        data_ja=ja,
        data_en=en,
        data_source=fn,
        workbook=workbook,
    )
