"""Children's GPS trackers (こどもを見守る地域連携事業): school trips as position fixes.

On every school day each child walks home -> school in the morning and school -> home in
the afternoon along a street-like (Manhattan) route; some children make an after-school
detour (a park 公園, a children's hall 児童館 or a friend's house) before going home. The
tracker sends a fix every :data:`FIX_INTERVAL_S` seconds while the child is walking and
**records nothing within 50 m of the child's home** (the city's rule [3]_, applied at the device
with :func:`toyama_lab.privacy.exclude_near_homes`).

Everything random is a counter-based function of ``(seed, stream, child, day)`` (or of the
fix time for GPS noise, :mod:`toyama_lab.synth.random`), where ``child`` is the number in
the child id (``child-00042`` -> 42), so the fixes of a child on a day do not depend on
which other days or children are simulated: 10 days equal the two halves of 5 days
stacked, and a city with fewer children gives the same tracks for those children.

Notes
-----
Model and sources (approximate, for a plausible teaching data set):

* **School days**: weekdays that are not Japanese public holidays (``holidays`` package,
  JP) and not in the school vacations, from :func:`toyama_lab.synth.calendar.day_info`
  (terms Apr 7 - Jul 20, Aug 26 - Dec 24, Jan 8 - Mar 24, i.e. summer vacation about
  Jul 21 - Aug 25, winter Dec 25 - Jan 7, spring Mar 25 - Apr 6; after the yearly school
  calendars of Toyama City public schools, 富山市教育委員会, approximate).
* **Morning**: departure from home uniformly 7:20-7:50 JST, earlier if needed to arrive by
  8:10 (school starts about 8:15; 登校 usually 7:30-8:10 in Japanese elementary schools).
* **Afternoon**: leaving school by grade, grades 1-2 14:30-14:50, 3-4 15:10-15:35,
  5-6 15:40-16:00 (5 vs 6 lessons a day; typical Japanese elementary timetables).
* **Walking speed**: per child and day about N(1.15, 0.08) m/s, clipped to 1.0-1.3 m/s.
  The Highway Capacity Manual (TRB, HCM 2010, ch. 18 [1]_) uses 1.2 m/s (4.0 ft/s) for
  pedestrians in general and 1.0 m/s (3.3 ft/s) where children and elderly people are
  many; 警察庁 (信号機設置の指針) designs pedestrian green time for 1.0 m/s.
* **Route**: a Z-shaped Manhattan path (two turns) between the two points, on a grid
  aligned north-south, with a habitual turning point per child.
* **Detours**: 25 % of child-days; 50 % a park (0.2-0.8 of the way home, 30-60 min),
  30 % a 児童館 (0.1-0.5 of the way, 60-120 min), 20 % a friend's house (0.4-0.9 of the
  way, 45-100 min), each about 300 m to the side of the way; no fixes while staying. The
  friend's house is a random place, never another child's (secret) home.
* **Fixes**: every 120 s while walking (random phase per leg); child trackers on LoRaWAN
  report every 1-5 min to keep airtime within the ARIB STD-T108 duty limits and to save
  battery. GPS noise N(0, 4 m) per axis (consumer GPS, "within 4.9 m (16 ft) radius under
  open sky", GPS.gov, GPS Accuracy [2]_).
* **Battery**: start of day 70-100 % (charged at home), minus 1 % per hour after 7:00 and
  0.3 % per fix; integer percent.

Times are Japan Standard Time (UTC+9, no DST), stored naive; :data:`TIMEZONE` names it.

References
----------
.. [1] Transportation Research Board (2010), Highway Capacity Manual, ch. 18 (pedestrian
   walking speed).
.. [2] GPS.gov, "GPS Accuracy", https://www.gps.gov/systems/gps/performance/accuracy/
.. [3] 富山市, こどもを見守る地域連携事業 (50 m home exclusion).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import numpy as np
import polars as pl

from toyama_lab.geo import from_local_xy_m, local_xy_m
from toyama_lab.privacy import HOME_EXCLUSION_RADIUS_M, exclude_near_homes
from toyama_lab.synth import random as cbr
from toyama_lab.synth.calendar import as_date, day_info

__all__ = ["FIX_INTERVAL_S", "TIMEZONE", "TRACK_SCHEMA", "TRIPS", "simulate_tracks"]

#: Time zone of the naive ``time`` column.
TIMEZONE = "Asia/Tokyo"
#: Seconds between fixes while walking. [s]
FIX_INTERVAL_S = 120
#: Values of the ``trip`` column.
TRIPS = ("to_school", "to_home", "detour")

TRACK_SCHEMA: dict[str, pl.DataType] = {
    "child_id": pl.String,
    "time": pl.Datetime("ms"),
    "lon": pl.Float64,
    "lat": pl.Float64,
    "battery_pct": pl.UInt8,
    "trip": pl.Enum(list(TRIPS)),
    "school_day": pl.Date,
}

_EPOCH_DAY = dt.date(2000, 1, 1)
_H = 3600.0
_GPS_SIGMA_M = 4.0
_DETOUR_P = 0.25
#: Detour kinds (park 公園, children's hall 児童館, a friend's house): probability, position
#: as a fraction of the way from school to home, and stay [min]. Illustrative.
_DETOUR_KINDS = {
    "p": np.array([0.5, 0.3, 0.2]),
    "along": np.array([[0.2, 0.8], [0.1, 0.5], [0.4, 0.9]]),
    "stay_min": np.array([[30.0, 60.0], [60.0, 120.0], [45.0, 100.0]]),
}
#: Afternoon leave windows by grade 1..6 (index 0 unused): start [h] and width [h] JST.
_LEAVE_START_H = np.array([np.nan, 14.5, 14.5, 15 + 1 / 6, 15 + 1 / 6, 15 + 2 / 3, 15 + 2 / 3])
_LEAVE_WIDTH_H = np.array([np.nan, 1 / 3, 1 / 3, 5 / 12, 5 / 12, 1 / 3, 1 / 3])


def _u(seed, stream, idx, day):
    return cbr.uniform(seed, f"children-{stream}", idx, day)


def _n(seed, stream, idx, day):
    return cbr.normal(seed, f"children-{stream}", idx, day)


def _zroute(ax, ay, bx, by, f, x_first):
    """Waypoints (..., 4, 2) of a Z-shaped Manhattan route from a to b [m]."""
    mx = ax + f * (bx - ax)
    my = ay + f * (by - ay)
    p1 = np.where(x_first[..., None], np.stack([mx, ay], -1), np.stack([ax, my], -1))
    p2 = np.where(x_first[..., None], np.stack([mx, by], -1), np.stack([bx, my], -1))
    return np.stack([np.stack([ax, ay], -1), p1, p2, np.stack([bx, by], -1)], -2)


def _check(city, n_days, seed, interval_s):
    if not hasattr(city, "children") or not hasattr(city, "schools"):
        raise TypeError(
            f"city must be a toyama_lab.city.City, got {type(city).__name__}; "
            "build one with toyama_lab.city.build_city(seed, size)."
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, e.g. seed=0.")
    if isinstance(n_days, bool) or not isinstance(n_days, (int, np.integer)) or n_days < 1:
        raise ValueError(f"n_days={n_days!r} must be a positive integer number of days.")
    if (
        isinstance(interval_s, bool)
        or not isinstance(interval_s, (int, np.integer))
        or not (10 <= interval_s <= 900)
    ):
        raise ValueError(
            f"interval_s={interval_s!r} must be an integer from 10 to 900 s; "
            f"the default is {FIX_INTERVAL_S}."
        )


def _school_days(start: dt.date, n_days: int, scenario_school_days) -> list[dt.date]:
    info = day_info(start, n_days)
    if scenario_school_days is None:
        return info.filter(pl.col("school_day"))["date"].to_list()
    if isinstance(scenario_school_days, (str, bytes)) or not isinstance(
        scenario_school_days, Collection
    ):
        raise ValueError(
            "scenario_school_days must be a collection of datetime.date (the "
            f"school days), got {scenario_school_days!r}."
        )
    chosen = set()
    for d in scenario_school_days:
        if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
            raise ValueError(
                f"scenario_school_days contains {d!r}; expected datetime.date "
                "values such as datetime.date(2025, 6, 2)."
            )
        chosen.add(d)
    return [d for d in info["date"].to_list() if d in chosen]


def _child_index(child_id: pl.Series) -> np.ndarray:
    """Stable integer per child for the random streams: the number in ``child-00042``.

    Using the id (not the row) keeps a child's tracks the same whichever other children
    are simulated; ids without a trailing number fall back to the row order.
    """
    num = child_id.str.extract(r"(\d+)$").cast(pl.Int64, strict=False)
    if num.null_count() or num.n_unique() != len(num):
        return np.arange(len(child_id), dtype=np.int64)
    return num.to_numpy()


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=TRACK_SCHEMA)


def simulate_tracks(
    city,
    start,
    n_days: int,
    *,
    seed: int,
    scenario_school_days: Collection[dt.date] | None = None,
    interval_s: int = FIX_INTERVAL_S,
) -> pl.DataFrame:
    """GPS fixes of every child's trackers on the school days of a period.

    Parameters
    ----------
    city : toyama_lab.city.City
        Its ``children`` (with secret homes) and ``schools`` are used.
    start : datetime.date or str
        First day (JST), e.g. ``"2025-06-02"``.
    n_days : int
        Number of calendar days; only school days among them get fixes.
    seed : int
        Non-negative scenario seed.
    scenario_school_days : collection of datetime.date, optional
        The school days to use instead of the calendar (e.g. schools closed after an
        earthquake); days outside ``start .. start + n_days`` are ignored.
    interval_s : int
        Seconds between fixes while walking (10-900). [s]

    Returns
    -------
    polars.DataFrame
        Columns :data:`TRACK_SCHEMA`: ``child_id``, ``time`` (JST naive, time zone
        :data:`TIMEZONE`), ``lon``, ``lat`` [deg], ``battery_pct`` [%], ``trip``
        (``to_school``, ``to_home``, ``detour``), ``school_day`` (the date of the trip).
        Sorted by child and time. No fix lies within 50 m of the child's home.

    Raises
    ------
    ValueError
        For a bad ``seed``, ``n_days``, ``interval_s``, ``start`` or school-day list.

    Examples
    --------
    >>> from toyama_lab.city import build_city
    >>> fixes = simulate_tracks(build_city(0, "tiny"), "2025-06-02", 1, seed=0)
    >>> fixes.columns
    ['child_id', 'time', 'lon', 'lat', 'battery_pct', 'trip', 'school_day']
    """
    _check(city, n_days, seed, interval_s)
    start = as_date(start)
    days = _school_days(start, int(n_days), scenario_school_days)
    ch = city.children
    if not days or ch.height == 0:
        return _empty()
    sch = ch.join(
        city.schools.select(
            "school_id", pl.col("lon").alias("s_lon"), pl.col("lat").alias("s_lat")
        ),
        on="school_id",
        how="left",
        maintain_order="left",
    )
    n_c, n_d = ch.height, len(days)
    cidx = _child_index(ch["child_id"])[:, None]
    dayn = np.array([(d - _EPOCH_DAY).days for d in days])[None, :]
    hx, hy = (
        np.broadcast_to(a[:, None], (n_c, n_d))
        for a in local_xy_m(sch["home_lon"].to_numpy(), sch["home_lat"].to_numpy())
    )
    sx, sy = (
        np.broadcast_to(a[:, None], (n_c, n_d))
        for a in local_xy_m(sch["s_lon"].to_numpy(), sch["s_lat"].to_numpy())
    )
    if sch["s_lon"].null_count():
        bad = sch.filter(pl.col("s_lon").is_null())["school_id"].unique().head(3).to_list()
        raise ValueError(
            f"children go to schools {bad} that are not in city.schools; build the city "
            "with toyama_lab.city.build_city so that every child's school exists."
        )
    grade = ch["grade"].to_numpy().astype(np.int64) if "grade" in ch.columns else np.full(n_c, 3)
    if ((grade < 1) | (grade > 6)).any():
        raise ValueError("city.children['grade'] must be 1-6 (elementary school grades).")
    s = int(seed)
    zero = np.zeros((1, 1), dtype=np.int64)

    # habits per child (day-independent)
    x_first = _u(s, "route-x-first", cidx, zero) < 0.5
    f_route = 0.2 + 0.6 * _u(s, "route-turn", cidx, zero)
    x_first = np.broadcast_to(x_first, (n_c, n_d))
    f_route = np.broadcast_to(f_route, (n_c, n_d))
    # per child-day
    speed = np.clip(1.15 + 0.08 * _n(s, "speed", cidx, dayn), 1.0, 1.3)
    wp_am = _zroute(hx, hy, sx, sy, f_route, x_first)
    length = np.abs(sx - hx) + np.abs(sy - hy)
    dur_am = length / speed
    dep_am = np.minimum(
        7 * _H + 20 * 60 + 30 * 60 * _u(s, "dep-am", cidx, dayn), 8 * _H + 10 * 60 - dur_am
    )
    g0, gw = _LEAVE_START_H[grade][:, None], _LEAVE_WIDTH_H[grade][:, None]
    leave = (g0 + gw * _u(s, "leave", cidx, dayn)) * _H
    detour = _u(s, "detour", cidx, dayn) < _DETOUR_P
    # where and how long: 0 park, 1 児童館, 2 a friend's house (see _DETOUR_KINDS)
    kind = np.searchsorted(np.cumsum(_DETOUR_KINDS["p"]), _u(s, "detour-kind", cidx, dayn))
    kind = np.minimum(kind, len(_DETOUR_KINDS["p"]) - 1)
    a0, a1 = _DETOUR_KINDS["along"][kind, 0], _DETOUR_KINDS["along"][kind, 1]
    along = a0 + (a1 - a0) * _u(s, "detour-along", cidx, dayn)
    dx = sx + along * (hx - sx) + 300.0 * _n(s, "detour-dx", cidx, dayn)
    dy = sy + along * (hy - sy) + 300.0 * _n(s, "detour-dy", cidx, dayn)
    m0, m1 = _DETOUR_KINDS["stay_min"][kind, 0], _DETOUR_KINDS["stay_min"][kind, 1]
    stay = (m0 + (m1 - m0) * _u(s, "detour-stay", cidx, dayn)) * 60.0
    wp_pm = _zroute(sx, sy, hx, hy, 1.0 - f_route, ~x_first)
    wp_d1 = _zroute(sx, sy, dx, dy, f_route, x_first)
    wp_d2 = _zroute(dx, dy, hx, hy, f_route, ~x_first)
    len_d1 = np.abs(dx - sx) + np.abs(dy - sy)
    # leg 1: to_school; leg 2: to_home or detour; leg 3: to_home after a detour
    wp = np.stack([wp_am, np.where(detour[..., None, None], wp_d1, wp_pm), wp_d2], 2)
    t0 = np.stack([dep_am, leave, leave + len_d1 / speed + stay], 2)
    trip = np.stack(
        [
            np.zeros_like(detour, dtype=np.int8),
            np.where(detour, 2, 1).astype(np.int8),
            np.ones_like(detour, dtype=np.int8),
        ],
        2,
    )
    valid = np.stack([np.ones_like(detour), np.ones_like(detour), detour], 2)

    # flatten the legs (child-major, then day, then leg: already in time order)
    sel = valid.reshape(-1)
    W = wp.reshape(-1, 4, 2)[sel]
    T0 = t0.reshape(-1)[sel]
    TRIP = trip.reshape(-1)[sel]
    V = np.broadcast_to(speed[..., None], valid.shape).reshape(-1)[sel]
    C = np.broadcast_to(np.arange(n_c)[:, None, None], valid.shape).reshape(-1)[sel]
    D = np.broadcast_to(np.arange(n_d)[None, :, None], valid.shape).reshape(-1)[sel]
    seg = np.linalg.norm(np.diff(W, axis=1), axis=2)  # (M, 3)
    cum = np.concatenate([np.zeros((len(W), 1)), np.cumsum(seg, axis=1)], axis=1)
    dur = cum[:, -1] / V
    leg_no = np.broadcast_to(np.arange(3)[None, None, :], valid.shape).reshape(-1)[sel]
    phase = interval_s * cbr.uniform(s, "children-phase", cidx[C, 0], dayn[0, D] * 4 + leg_no)
    n_fix = np.floor(np.maximum(dur - phase, 0.0) / interval_s).astype(np.int64) + 1
    n_fix = np.where(dur > phase, n_fix, 0)

    # ragged expansion: one row per fix
    leg = np.repeat(np.arange(len(W)), n_fix)
    first = np.cumsum(n_fix) - n_fix
    k = np.arange(leg.size) - first[leg]
    t_rel = phase[leg] + k * interval_s  # seconds since leg start
    t_abs = np.round(T0[leg] + t_rel).astype(np.int64)  # seconds since midnight
    dist = np.minimum(V[leg] * t_rel, cum[leg, -1])
    j = np.minimum((dist[:, None] >= cum[leg, 1:3]).sum(axis=1), 2)
    a = W[leg, j]
    b = W[leg, j + 1]
    sl = np.maximum(seg[leg, j], 1e-9)
    frac = ((dist - cum[leg, j]) / sl)[:, None]
    xy = a + frac * (b - a)
    ci, di = C[leg], D[leg]
    tsec = dayn[0, di].astype(np.int64) * 86400 + t_abs  # seconds since 2000-01-01 JST
    xy[:, 0] += _GPS_SIGMA_M * cbr.normal(s, "children-gps-x", cidx[ci, 0], tsec)
    xy[:, 1] += _GPS_SIGMA_M * cbr.normal(s, "children-gps-y", cidx[ci, 0], tsec)
    lon, lat = from_local_xy_m(xy[:, 0], xy[:, 1])

    # battery: charged overnight, drains with time and with every fix sent that day
    pair = ci * n_d + di
    pair_first = np.zeros(n_c * n_d, dtype=np.int64)
    counts = np.bincount(pair, minlength=n_c * n_d)
    pair_first[1:] = np.cumsum(counts)[:-1]
    nth = np.arange(pair.size) - pair_first[pair]
    b0 = 70.0 + 30.0 * _u(s, "battery", cidx, dayn)
    batt = b0[ci, di] - np.maximum(t_abs - 7 * _H, 0.0) / _H - 0.3 * nth
    batt = np.clip(np.round(batt), 1, 100).astype(np.uint8)

    day_dt = np.array(days, dtype="datetime64[D]")
    time = day_dt[di].astype("datetime64[ms]") + (t_abs * 1000).astype("timedelta64[ms]")
    out = pl.DataFrame(
        {
            "child_id": ch["child_id"].to_numpy()[ci],
            "time": time,
            "lon": lon,
            "lat": lat,
            "battery_pct": batt,
            "trip": pl.Series(np.array(TRIPS)[TRIP[leg]], dtype=TRACK_SCHEMA["trip"]),
            "school_day": day_dt[di],
        },
        schema=TRACK_SCHEMA,
    )
    # the device records nothing within 50 m of home
    return exclude_near_homes(
        out, ch.select("child_id", "home_lon", "home_lat"), HOME_EXCLUSION_RADIUS_M
    )
