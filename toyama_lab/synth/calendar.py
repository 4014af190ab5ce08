"""Calendar of the synthetic city: time axis, day types, school days, event days.

Times are Japan Standard Time (UTC+9, no daylight saving), stored naive.
The random streams count minutes since :data:`EPOCH` (2000-01-01 00:00 JST).

Notes
-----
* Public holidays (including substitute holidays 振替休日 and citizens'
  holidays 国民の休日) come from the maintained ``holidays`` package,
  country ``JP`` (Act on National Holidays, 国民の祝日に関する法律).
* City offices close on weekends, public holidays and the year-end break
  12/29-1/3 (行政機関の休日に関する法律 / 富山市の休日を定める条例, art. 1).
* School terms follow the three-term calendar usual for Toyama City public
  elementary and junior high schools (approximate dates: term 1 Apr 7 - Jul 20,
  term 2 Aug 26 - Dec 24, term 3 Jan 8 - Mar 24; source: 富山市教育委員会
  学校管理規則 and the published yearly school calendars; exact dates vary
  by a few days from year to year and are approximated here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
import numpy as np
import polars as pl

__all__ = [
    "EPOCH",
    "EVENTS",
    "MINUTES_PER_DAY",
    "EventRule",
    "as_date",
    "day_index",
    "day_info",
    "days_of",
    "event_days",
    "is_holiday",
    "minute_axis",
    "time_axis",
]

#: Origin of the minute counter used by the random streams (JST, naive).
EPOCH = dt.datetime(2000, 1, 1)
MINUTES_PER_DAY = 1440

#: Day-type codes returned by :func:`day_info`.
WEEKDAY, SATURDAY, SUNDAY_HOLIDAY = 0, 1, 2


def as_date(start) -> dt.date:
    """Coerce ``start`` (a date, a midnight datetime or an ISO string) to a date.

    Raises
    ------
    ValueError
        If it is a datetime that is not at midnight or a string that is not
        ``YYYY-MM-DD``.
    """
    if isinstance(start, dt.datetime):
        if start.time() != dt.time(0, 0):
            raise ValueError(
                f"start must be a date at JST midnight, got {start!r}; pass start.date()"
            )
        return start.date()
    if isinstance(start, dt.date):
        return start
    if isinstance(start, np.datetime64):
        return as_date(start.astype("datetime64[D]").item())
    if isinstance(start, str):
        try:
            return dt.date.fromisoformat(start)
        except ValueError:
            raise ValueError(f"start must be an ISO date 'YYYY-MM-DD', got {start!r}") from None
    raise TypeError(f"start must be a datetime.date or 'YYYY-MM-DD' string, got {start!r}")


def day_index(start) -> int:
    """Days since :data:`EPOCH` of the date ``start``."""
    d = as_date(start)
    n = (d - EPOCH.date()).days
    if n < 0:
        raise ValueError(f"start {d} is before the epoch {EPOCH.date()}; use a later date")
    return n


def minute_axis(start, n_days: int) -> np.ndarray:
    """Absolute minute indices (since :data:`EPOCH`) of ``n_days`` whole days, int64."""
    _check_days(n_days)
    m0 = day_index(start) * MINUTES_PER_DAY
    return np.arange(m0, m0 + n_days * MINUTES_PER_DAY, dtype=np.int64)


def time_axis(start, n_days: int) -> np.ndarray:
    """The minute time stamps (JST, naive ``datetime64[m]``) of ``n_days`` days."""
    _check_days(n_days)
    t0 = np.datetime64(as_date(start), "m")
    return t0 + np.arange(n_days * MINUTES_PER_DAY).astype("timedelta64[m]")


def _check_days(n_days: int) -> None:
    if isinstance(n_days, bool) or not isinstance(n_days, (int, np.integer)) or n_days < 1:
        raise ValueError(f"n_days must be a positive int (whole days), got {n_days!r}")


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_holiday(d: dt.date) -> bool:
    """True on a Japanese public holiday (``holidays`` package, JP)."""
    return d in _jp_holidays(d.year)


def _school_day(d: dt.date) -> bool:
    md = (d.month, d.day)
    in_term = ((4, 7) <= md <= (7, 20)) or ((8, 26) <= md <= (12, 24)) or ((1, 8) <= md <= (3, 24))
    return in_term and d.weekday() < 5 and not is_holiday(d)


def day_info(start, n_days: int) -> pl.DataFrame:
    """One row per day: the calendar facts the generators use.

    Parameters
    ----------
    start : datetime.date or str
        First day (JST).
    n_days : int
        Number of days.

    Returns
    -------
    polars.DataFrame
        ``date``, ``day`` (days since the epoch), ``weekday`` (0 = Monday),
        ``holiday`` (public holiday), ``day_type`` (0 weekday, 1 Saturday,
        2 Sunday or holiday), ``offices_open`` (city counters open),
        ``commute_day`` (a working day for most firms: a weekday that is not a
        holiday, not in the year-end break and not in the customary お盆休み
        of August 13-16), ``school_day``, ``doy`` (day of year, 1-366), ``month``.
    """
    _check_days(n_days)
    d0 = as_date(start)
    dates = [d0 + dt.timedelta(days=i) for i in range(n_days)]
    hol = [is_holiday(d) for d in dates]
    wd = [d.weekday() for d in dates]
    day_type = [
        SUNDAY_HOLIDAY if (h or w == 6) else (SATURDAY if w == 5 else WEEKDAY)
        for h, w in zip(hol, wd, strict=True)
    ]
    year_end = [(d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3) for d in dates]
    obon = [d.month == 8 and 13 <= d.day <= 16 for d in dates]
    return pl.DataFrame(
        {
            "date": dates,
            "day": [day_index(d) for d in dates],
            "weekday": wd,
            "holiday": hol,
            "day_type": day_type,
            "offices_open": [
                t == WEEKDAY and not y for t, y in zip(day_type, year_end, strict=True)
            ],
            "commute_day": [
                t == WEEKDAY and not y and not o
                for t, y, o in zip(day_type, year_end, obon, strict=True)
            ],
            "school_day": [_school_day(d) for d in dates],
            "doy": [d.timetuple().tm_yday for d in dates],
            "month": [d.month for d in dates],
        },
        schema_overrides={"weekday": pl.Int8, "day_type": pl.Int8, "doy": pl.Int16},
    )


@dataclass(frozen=True)
class EventRule:
    """A recurring event that lifts pedestrian counts in one area.

    Attributes
    ----------
    event_id : str
        Short id.
    name_ja, name_en : str
        Names for people.
    area : str
        ``central`` or ``station`` (the KPI areas) or a district key matched
        against ``district_id`` / ``district_ja`` (e.g. ``yatsuo`` / 八尾).
    lift : float
        Multiplier on pedestrian counts during the event hours. [-]
    hours : tuple of int
        First and last+1 hour of the event (JST).
    rule : str
        How the dates are found (documented in :func:`event_days`).
    source : str
        Where the date rule comes from.
    """

    event_id: str
    name_ja: str
    name_en: str
    area: str
    lift: float
    hours: tuple[int, int]
    rule: str
    source: str


#: Event days. Lifts and hours are synthetic choices (illustrative: 2-3x on the
#: busiest event days is meant to be of the order of the city's pedestrian counts on
#: festival days, 富山市歩行者通行量調査, not fitted to them); the dates follow the
#: rules given with each event, whose ``source`` says where they come from and where
#: the real dates depart from the rule.
EVENTS: tuple[EventRule, ...] = (
    EventRule(
        "chindon",
        "全日本チンドンコンクール",
        "All-Japan Chindon Contest",
        "central",
        2.2,
        (10, 18),
        "the Saturday falling on April 3-9 and the Sunday after it",
        "held every spring since 1955 (富山商工会議所・富山市), on a weekend in early April: "
        "Sat-Sun 2015-04-04/05, 2016-04-09/10, 2017-04-08/09, 2019-04-06/07, 2024-04-06/07 "
        "(https://toyama.keizai.biz/headline/183, hokurikushinkansen-navi.jp 北日本新聞 "
        "2017-04-08 and 2019-04-04, https://toyamadays.com/archives/44563868.html); "
        "the rule reproduces these dates; it is an empirical rule, not the organisers'",
    ),
    EventRule(
        "sanno",
        "山王まつり",
        "Sanno Festival (日枝神社)",
        "central",
        1.8,
        (10, 22),
        "June 1 and 2",
        "日枝神社 annual festival on June 1-2 (富山市観光協会; not re-checked in the last review)",
    ),
    EventRule(
        "toyama-matsuri",
        "富山まつり",
        "Toyama Festival",
        "central",
        2.5,
        (15, 22),
        "first Saturday and Sunday of August",
        "summer festival of 富山市 around 城址公園 and 城址大通り on the first Saturday and "
        "Sunday of August (富山まつり, Wikipedia 日本語版; e.g. 2012-08-04/05, 2018-08-04/05, "
        "2023-08-05/06, 富山市 press releases on kyodonewsprwire.jp); exceptions: "
        "2015-08-08/09, 2022 moved to 09-24/25",
    ),
    EventRule(
        "owara",
        "おわら風の盆",
        "Owara Kaze-no-Bon",
        "yatsuo",
        6.0,
        (15, 24),
        "September 1 to 3",
        "held on Sep 1-3 every year in 富山市八尾町 (おわら風の盆行事運営委員会, "
        "https://owara-gyoujiunei.com/about/index.html)",
    ),
    EventRule(
        "marathon",
        "富山マラソン",
        "Toyama Marathon",
        "station",
        1.6,
        (7, 15),
        "first Sunday of November",
        "富山マラソン実行委員会: a Sunday in late October or early November (2015-11-01, "
        "2016-10-30, 2017-10-29, 2024-11-03), from 高岡市役所 to the finish at 富岩運河環水公園 "
        "north of 富山駅 (news.ntv.co.jp 2015; yutosoken.com 2017; news.yahoo.co.jp 2024); "
        "approximated by the first Sunday of November; the lift here is at the finish",
    ),
    EventRule(
        "station-plaza",
        "駅前広場イベント",
        "Station plaza event",
        "station",
        1.5,
        (10, 20),
        "second and fourth Saturday of each month",
        "synthetic: stands for the events run by the station-area platform that "
        "lifted the pedestrian KPI (スマートシティ推進ビジョン)",
    ),
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    d = dt.date(year, month, 1)
    d += dt.timedelta(days=(weekday - d.weekday()) % 7)
    return d + dt.timedelta(days=7 * (n - 1))


def _event_dates(rule: EventRule, year: int) -> list[dt.date]:
    if rule.event_id == "chindon":
        sat = _nth_weekday(year, 4, 5, 1)
        if sat.day < 3:  # April 1 or 2: the contest is on the next weekend (2016, 2017)
            sat += dt.timedelta(days=7)
        return [sat, sat + dt.timedelta(days=1)]
    if rule.event_id == "sanno":
        return [dt.date(year, 6, 1), dt.date(year, 6, 2)]
    if rule.event_id == "toyama-matsuri":
        sat = _nth_weekday(year, 8, 5, 1)
        return [sat, sat + dt.timedelta(days=1)]
    if rule.event_id == "owara":
        return [dt.date(year, 9, d) for d in (1, 2, 3)]
    if rule.event_id == "marathon":
        return [_nth_weekday(year, 11, 6, 1)]
    if rule.event_id == "station-plaza":
        return [_nth_weekday(year, m, 5, n) for m in range(1, 13) for n in (2, 4)]
    raise ValueError(f"no date rule for event {rule.event_id!r}")


def event_days(start, n_days: int) -> pl.DataFrame:
    """Event days falling in ``n_days`` days from ``start``.

    Returns
    -------
    polars.DataFrame
        ``date``, ``event_id``, ``name_ja``, ``name_en``, ``area``, ``lift``,
        ``hour_start``, ``hour_end``, ``rule``, ``source``; one row per event day.
    """
    _check_days(n_days)
    d0 = as_date(start)
    d1 = d0 + dt.timedelta(days=n_days)
    rows = []
    for year in range(d0.year, d1.year + 1):
        for rule in EVENTS:
            for d in _event_dates(rule, year):
                if d0 <= d < d1:
                    rows.append(
                        {
                            "date": d,
                            "event_id": rule.event_id,
                            "name_ja": rule.name_ja,
                            "name_en": rule.name_en,
                            "area": rule.area,
                            "lift": rule.lift,
                            "hour_start": rule.hours[0],
                            "hour_end": rule.hours[1],
                            "rule": rule.rule,
                            "source": rule.source,
                        }
                    )
    schema = {
        "date": pl.Date,
        "event_id": pl.String,
        "name_ja": pl.String,
        "name_en": pl.String,
        "area": pl.String,
        "lift": pl.Float64,
        "hour_start": pl.Int8,
        "hour_end": pl.Int8,
        "rule": pl.String,
        "source": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).sort("date", "event_id")


def days_of(minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
    """Day bookkeeping for absolute minutes.

    Returns
    -------
    day : numpy.ndarray of int64
        Day index (since the epoch) of each minute.
    j : numpy.ndarray of intp
        Row of ``info`` for each minute.
    info : polars.DataFrame
        :func:`day_info` of every day from the first to the last minute.
    """
    minutes = np.asarray(minutes, dtype=np.int64)
    day = minutes // MINUTES_PER_DAY
    d0 = int(day.min())
    info = day_info(EPOCH.date() + dt.timedelta(days=d0), int(day.max()) - d0 + 1)
    return day, (day - d0).astype(np.intp), info
