"""Mobility truth: pedestrian counters, bicycle parks and city-hall counter queues.

Each generator takes rows of ``city.sensors`` of one kind and a 1-D array of
absolute minutes (whole JST days, see :func:`toyama_lab.synth.calendar.minute_axis`)
and returns the true variables as ``(n_sensor, n_minute)`` arrays. Every value
is a pure function of (seed, sensor_index, minute): day-level quantities are
drawn per (sensor, day), minute-level ones per (sensor, minute), and the only
state (the counter queue) restarts empty at each day's opening.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import polars as pl

from toyama_lab.synth import random as rnd
from toyama_lab.synth import weather
from toyama_lab.synth._sensors import column, sensor_index, str_column
from toyama_lab.synth.calendar import (
    MINUTES_PER_DAY,
    SATURDAY,
    WEEKDAY,
    days_of,
    event_days,
)
from toyama_lab.synth.scenario import QUAKE_ACTIVITY, Scenario, activity_factor

__all__ = [
    "SERVICE_MIN",
    "bicycle_park",
    "counter",
    "event_lift",
    "mmc_queue",
    "moving_season_factor",
    "pedestrian",
]

_F32 = np.float32

# ---------------------------------------------------------------- pedestrians

#: Relative hourly pedestrian flow (hour 0..23) per (area type, day type);
#: synthetic shapes after the hourly profiles of Japanese city-centre counts
#: (e.g. 富山市「中心市街地歩行者通行量調査」: central shopping streets peak in the
#: afternoon, the station in the commuting hours on weekdays).
_PED_SHAPES = {
    ("station", "weekday"): [
        0.2,
        0.1,
        0.05,
        0.05,
        0.1,
        0.5,
        2.0,
        5.5,
        7.5,
        4.5,
        3.5,
        3.8,
        4.5,
        4.2,
        4.0,
        4.3,
        5.0,
        6.5,
        7.0,
        5.5,
        4.0,
        3.0,
        2.0,
        1.0,
    ],
    ("station", "holiday"): [
        0.3,
        0.15,
        0.05,
        0.05,
        0.1,
        0.3,
        0.8,
        1.8,
        3.0,
        4.5,
        5.5,
        6.2,
        6.5,
        6.5,
        6.4,
        6.2,
        6.0,
        5.8,
        5.2,
        4.2,
        3.2,
        2.4,
        1.6,
        0.8,
    ],
    ("central", "weekday"): [
        0.1,
        0.05,
        0.02,
        0.02,
        0.05,
        0.2,
        0.6,
        1.8,
        3.0,
        3.5,
        4.5,
        6.0,
        7.5,
        7.0,
        6.5,
        6.5,
        6.5,
        6.8,
        6.5,
        5.0,
        3.5,
        2.5,
        1.5,
        0.6,
    ],
    ("central", "holiday"): [
        0.1,
        0.05,
        0.02,
        0.02,
        0.05,
        0.1,
        0.3,
        0.8,
        1.8,
        3.5,
        5.5,
        7.5,
        8.5,
        8.5,
        8.5,
        8.2,
        7.5,
        6.5,
        5.0,
        3.6,
        2.4,
        1.5,
        0.9,
        0.4,
    ],
    ("other", "weekday"): [
        0.1,
        0.05,
        0.02,
        0.02,
        0.1,
        0.6,
        2.5,
        6.5,
        6.0,
        4.0,
        4.0,
        4.5,
        5.0,
        4.6,
        4.6,
        5.0,
        5.8,
        6.8,
        6.0,
        4.0,
        2.6,
        1.6,
        0.8,
        0.3,
    ],
    ("other", "holiday"): [
        0.1,
        0.05,
        0.02,
        0.02,
        0.05,
        0.2,
        0.6,
        1.6,
        3.2,
        5.0,
        6.4,
        7.0,
        7.2,
        7.0,
        7.0,
        6.8,
        6.4,
        5.8,
        4.6,
        3.2,
        2.0,
        1.2,
        0.6,
        0.3,
    ],
}
_AREA_TYPES = ("station", "central", "other")
#: Median daily pedestrians per counter [persons/day] by area type (synthetic, the
#: order of magnitude of single counting points in 富山市 surveys).
_PED_DAILY = {"station": 14000.0, "central": 7000.0, "other": 1500.0}
#: Day-level factor per area type and day type (weekday, Saturday, Sunday/holiday):
#: the centre is busier at weekends, the station quieter without commuters.
_PED_DAYTYPE = {
    "station": (1.0, 0.8, 0.75),
    "central": (1.0, 1.25, 1.3),
    "other": (1.0, 0.8, 0.7),
}
#: Rain sensitivity of pedestrian volumes [1/(mm/h)]: exp(-0.035 * rate), i.e.
#: -16 % at 5 mm/h, -50 % at 20 mm/h (order of the reductions reported by
#: Aultman-Hall, Lane & Lambert 2009, "Assessing impact of weather and season on
#: pedestrian traffic volumes", Transp. Res. Rec. 2140, 35-43).
_PED_RAIN = 0.035
#: Month factor of pedestrian volumes (synthetic: fewer people out in the snow
#: months, more in the festival and shopping seasons).
_PED_MONTH = np.array([0.85, 0.85, 0.95, 1.0, 1.05, 0.95, 1.0, 1.05, 1.0, 1.05, 1.0, 1.05])
#: Extra factor on pedestrian volumes while snow is falling (assumption, synthetic).
_PED_SNOW = 0.8
#: Over-dispersion: a log-normal factor (sigma 0.25 on 15-minute knots) on the
#: rate turns the Poisson count into a Poisson-lognormal mixture, as groups
#: and tram/train platoons make real counts more variable than Poisson (the
#: reason count models of pedestrian and traffic volumes use Poisson mixtures
#: such as the negative binomial: Cameron & Trivedi 2013, *Regression Analysis
#: of Count Data*, 2nd ed., ch. 4). The size is synthetic.
_PED_BURST_SIGMA, _PED_BURST_MIN = 0.25, 15


@lru_cache(maxsize=1)
def _ped_profile_table() -> np.ndarray:
    """(area type, weekday/holiday, minute of day) fraction of the daily total per minute."""
    out = np.zeros((3, 2, MINUTES_PER_DAY), dtype=_F32)
    t = (np.arange(MINUTES_PER_DAY) + 0.5) / 60.0
    for a, area in enumerate(_AREA_TYPES):
        for d, dtype_ in enumerate(("weekday", "holiday")):
            h = np.asarray(_PED_SHAPES[(area, dtype_)], dtype=np.float64)
            h = h / h.sum()
            xp = np.concatenate([[-0.5], np.arange(24) + 0.5, [24.5]])
            fp = np.concatenate([[h[-1]], h, [h[0]]])
            prof = np.interp(t, xp, fp)
            out[a, d] = prof / prof.sum()
    return out


def _area_type(sensors: pl.DataFrame) -> np.ndarray:
    area = str_column(sensors, "area", "other")
    return np.array([_AREA_TYPES.index(a) if a in _AREA_TYPES else 2 for a in area], np.intp)


def _weather_keys(sensors: pl.DataFrame) -> tuple[list[str], np.ndarray]:
    keys = [k or "city" for k in str_column(sensors, "district_id", "city")]
    uniq = sorted(set(keys))
    return uniq, np.array([uniq.index(k) for k in keys], dtype=np.intp)


def _district_rain(seed, sensors, minutes, scen) -> np.ndarray:
    """Rain rate of each sensor's district at each minute. [mm/h]"""
    uniq, row = _weather_keys(sensors)
    return weather.area_rain_rate(seed, uniq, minutes, scen)[row]


_EVENT_AREA_JA = {"yatsuo": "八尾"}


def event_lift(sensors: pl.DataFrame, minutes: np.ndarray) -> np.ndarray | None:
    """Multiplier on pedestrian flow from event days (see :data:`calendar.EVENTS`).

    Returns
    -------
    numpy.ndarray of float32, shape (n_sensor, n_minute), or None
        None when no event falls in the minutes or touches the sensors.
    """
    minutes = np.asarray(minutes, dtype=np.int64)
    _, _, info = days_of(minutes)
    ev = event_days(info["date"][0], info.height)
    if ev.height == 0:
        return None
    area = str_column(sensors, "area", "")
    did = [d.lower() for d in str_column(sensors, "district_id", "")]
    dja = str_column(sensors, "district_ja", "")
    lift = None
    day0 = int(info["day"][0])
    for row in ev.iter_rows(named=True):  # a handful of event days, not readings
        key = row["area"]
        ja = _EVENT_AREA_JA.get(key, "\0")
        hit = np.array(
            [a == key or key in d or ja in j for a, d, j in zip(area, did, dja, strict=True)]
        )
        if not hit.any():
            continue
        d = (row["date"] - info["date"][0]).days + day0
        lo = d * MINUTES_PER_DAY + 60 * row["hour_start"]
        hi = d * MINUTES_PER_DAY + 60 * row["hour_end"]
        cols = (minutes >= lo) & (minutes < hi)
        if lift is None:
            lift = np.ones((sensors.height, minutes.size), dtype=_F32)
        lift[np.ix_(hit, cols)] *= _F32(row["lift"])
    return lift


def pedestrian(sensors: pl.DataFrame, minutes: np.ndarray, *, seed: int, scenario: Scenario):
    """True pedestrian counts per minute.

    Physical model: a non-homogeneous Poisson count per minute with rate
    ``daily_total * profile(area type, day type, minute) * day_noise *
    exp(-0.035 * rain) * snow * event_lift * burst``, the last a log-normal
    15-minute factor that makes the counts over-dispersed (groups, platoons).

    Parameters
    ----------
    sensors : polars.DataFrame
        Pedestrian rows of ``city.sensors`` (uses ``sensor_index``, ``area``,
        ``district_id``, ``district_ja``).
    minutes : numpy.ndarray of int64
        Absolute minutes of whole days.
    seed : int
        Scenario seed.
    scenario : Scenario
        Scenario (storm bands reach the pedestrians through the rain).

    Returns
    -------
    dict
        ``count_true`` uint16, shape (n_sensor, n_minute). [persons/min]

    Notes
    -----
    * Daily totals: log-normal per sensor around the medians of
      :data:`_PED_DAILY` (sigma 0.4); day-to-day noise log-normal (sigma 0.08).
    * Weekday/weekend factors :data:`_PED_DAYTYPE`: centre busier at the
      weekend, station quieter (the KPI areas of the スマートシティ推進ビジョン).
      Weekdays of the year-end break and お盆 count as Saturdays; month
      factors :data:`_PED_MONTH`.
    * After an earthquake, activity falls to
      :data:`toyama_lab.synth.scenario.QUAKE_ACTIVITY` (synthetic).
    * Rain: ``exp(-0.035 rate[mm/h])`` (Aultman-Hall et al. 2009); falling
      snow a further factor 0.8.
    """
    idx = sensor_index(sensors)
    _, j, info = days_of(minutes)
    atype = _area_type(sensors)
    daily = np.array([_PED_DAILY[_AREA_TYPES[a]] for a in atype])[:, None]
    daily = daily * np.exp(0.4 * rnd.normal(seed, "ped-base", idx, 0))
    uday = info["day"].to_numpy()
    commute = info["commute_day"].to_numpy()
    dtyp = info["day_type"].to_numpy()
    # year-end and お盆 weekdays behave like Saturdays (no commuters)
    dtyp = np.where((dtyp == WEEKDAY) & ~commute, SATURDAY, dtyp)
    season = _PED_MONTH[info["month"].to_numpy() - 1]
    dayfac = season * np.exp(0.08 * rnd.normal(seed, "ped-day", idx, uday[None, :]))
    typefac = np.array([_PED_DAYTYPE[_AREA_TYPES[a]] for a in atype])[:, dtyp]
    level = (daily * dayfac * typefac).astype(_F32)  # (n, n_day)
    prof = _ped_profile_table()
    holiday = (dtyp != WEEKDAY).astype(np.intp)
    mod = (minutes % MINUTES_PER_DAY).astype(np.intp)
    lam = prof[atype[:, None], holiday[j][None, :], mod[None, :]]  # (n, m)
    lam *= level[:, j]
    rain = _district_rain(seed, sensors, minutes, scenario)
    temp = weather.temperature(seed, minutes)
    wfac = np.exp(_F32(-_PED_RAIN) * rain)
    wfac[(rain > 0.05) & (temp < weather.SNOW_BELOW_C)[None, :]] *= _F32(_PED_SNOW)
    lam *= wfac
    lift = event_lift(sensors, minutes)
    if lift is not None:
        lam *= lift
    quake = activity_factor(scenario, minutes)
    if quake is not None:
        lam *= quake[None, :]
    # platoons and groups: counts are over-dispersed against Poisson
    burst = weather.knot_noise(seed, "ped-burst", idx, minutes, _PED_BURST_MIN)
    lam *= np.exp(_F32(_PED_BURST_SIGMA) * burst - _F32(_PED_BURST_SIGMA**2 / 3))
    count = rnd.poisson(seed, "ped-count", idx, minutes[None, :], lam)
    return {"count_true": np.minimum(count, 65534).astype(np.uint16)}


# -------------------------------------------------------------- bicycle parks

#: Demand curve per (park type, weekday/holiday): overnight fraction of
#: capacity, peak fraction, arrival centre [h], arrival width [h], departure
#: centre [h], departure width [h]. Synthetic, after station bicycle parks
#: (commuters: full by 8 on weekdays) and shopping-street parks (daytime).
_BIKE_CURVES = {
    ("commuter", "weekday"): (0.12, 0.95, 7.6, 0.35, 18.3, 0.8),
    ("commuter", "holiday"): (0.10, 0.45, 10.0, 0.8, 17.0, 1.2),
    ("shopping", "weekday"): (0.04, 0.60, 10.8, 0.6, 19.0, 1.0),
    ("shopping", "holiday"): (0.04, 0.90, 11.0, 0.6, 18.5, 1.0),
}
#: Morning-rain sensitivity of cycling [1/(mm/h)]: exp(-0.12 * rate) (cycling
#: falls steeply with rain; e.g. Heinen, van Wee & Maat 2010, "Commuting by
#: bicycle: an overview of the literature", Transport Reviews 30(1), 59-96).
_BIKE_RAIN = 0.12


def _sigmoid(x):
    return _F32(1.0) / (_F32(1.0) + np.exp(-x))


def _bike_demand(seed, sensors, minutes, scenario):
    """Demand (possibly above capacity) and capacity; see :func:`bicycle_park`."""
    idx = sensor_index(sensors)
    cap = column(sensors, "capacity", 200.0)[:, None].astype(_F32)
    _, j, info = days_of(minutes)
    uday = info["day"].to_numpy()
    holiday = (~info["commute_day"].to_numpy()).astype(np.intp)
    central = [
        a == "central" or d == "central"
        for a, d in zip(
            str_column(sensors, "area", ""), str_column(sensors, "district_id", ""), strict=True
        )
    ]
    ptype = np.asarray(central, dtype=np.intp)  # 1: shopping park in the centre
    curves = np.array(
        [
            [_BIKE_CURVES[(("commuter", "shopping")[p], ("weekday", "holiday")[h])] for h in (0, 1)]
            for p in (0, 1)
        ],
        dtype=_F32,
    )  # (ptype, holiday, 6)
    c = curves[ptype[:, None], holiday[j][None, :]]  # (n, m, 6)
    base, peak, t_in, w_in, t_out, w_out = (c[..., i] for i in range(6))
    # day factors: noise, morning rain (06-09 JST), winter snow cover
    dnoise = np.exp(0.10 * rnd.normal(seed, "bike-day", idx, uday[None, :])).astype(_F32)
    morning = (uday[:, None] * MINUTES_PER_DAY + np.arange(360, 540, 10)[None, :]).reshape(-1)
    uniq, row = _weather_keys(sensors)
    mrain = weather.area_rain_rate(seed, uniq, morning, scenario).reshape(len(uniq), uday.size, -1)
    mrain = mrain.mean(axis=2)[row]  # (n, n_day)
    tday = weather.daily_mean_temperature(seed, uday)
    winter = _F32(0.3) + _F32(0.7) * _sigmoid((tday - _F32(3.0)) / _F32(1.5))
    dfac = (dnoise * np.exp(_F32(-_BIKE_RAIN) * mrain) * winter[None, :])[:, j]
    hod = ((minutes % MINUTES_PER_DAY).astype(_F32) / _F32(60.0))[None, :]
    shape = _sigmoid((hod - t_in) / w_in) - _sigmoid((hod - t_out) / w_out)
    frac = base + (peak * dfac - base) * np.clip(shape, 0, 1)
    quake = activity_factor(scenario, minutes)
    if quake is not None:  # riders fetch their bicycles and go home
        frac *= quake[None, :]
    noise = weather.knot_noise(seed, "bike-noise", idx, minutes, 20)
    demand = cap * frac * (_F32(1.0) + _F32(0.04) * noise)
    return demand, cap, frac


def bicycle_park(sensors: pl.DataFrame, minutes: np.ndarray, *, seed: int, scenario: Scenario):
    """True occupancy and in/out counts of bicycle parks.

    Physical model: the occupancy path is a pure function of time, a demand
    curve (logistic arrival and departure waves, :data:`_BIKE_CURVES`) scaled
    by day noise, morning rain and winter snow cover, times band-limited noise
    (4 %, 20-minute knots), rounded and clipped to ``[0, capacity]``. Entries
    and exits are its increments plus a Poisson "swap" flow (one bicycle out,
    one in, within the minute; about 0.17 % of the parked bicycles per minute in the
    day), so ``occupancy[t] = occupancy[t-1] + entries[t] -
    exits[t]`` holds exactly, also across midnight. Riders arriving while the
    park is full and demand exceeds capacity are refused (Poisson, 2 % of the
    excess demand per minute). Parks in the central district (``area`` or
    ``district_id`` ``central``) follow the shopping curve, all others the
    commuter curve.

    Parameters
    ----------
    sensors : polars.DataFrame
        Bicycle-park rows (``capacity``, ``area``, ``district_id``).
    minutes : numpy.ndarray of int64
        Absolute minutes of whole days.
    seed : int
        Scenario seed.
    scenario : Scenario
        Scenario.

    Returns
    -------
    dict of uint16 arrays (n_sensor, n_minute)
        ``occupancy_true``, ``entries``, ``exits``, ``refused``.

    Notes
    -----
    Rain: ``exp(-0.12 * morning rain [mm/h])`` (Heinen et al. 2010); winter:
    ``0.3 + 0.7 * sigmoid((T_day - 3 C) / 1.5 C)``: cycling nearly stops under
    snow cover in Toyama (mean January temperature 3.0 C, JMA normals 1991-2020;
    the shape of the factor is an assumption). The swap flow (0.02 % of the parked
    bicycles per minute at night, 0.17 % from 06:00 to 22:00) and the refusals (2 % of the
    excess demand per minute) are synthetic.
    """
    idx = sensor_index(sensors)
    ext = np.concatenate([[minutes[0] - 1], minutes])
    demand, cap, frac = _bike_demand(seed, sensors, ext, scenario)
    occ = np.clip(np.rint(demand), 0, cap)
    net = np.diff(occ, axis=1)
    occ = occ[:, 1:]
    hod = (minutes % MINUTES_PER_DAY) // 60
    active = ((hod >= 6) & (hod < 22)).astype(_F32)[None, :]
    swap_rate = cap * frac[:, 1:] * (_F32(0.0002) + _F32(0.0015) * active)
    swap = rnd.poisson(seed, "bike-swap", idx, minutes[None, :], swap_rate)
    full = occ >= cap
    excess = np.where(full, np.maximum(demand[:, 1:] - cap, 0) * _F32(0.02), _F32(0))
    refused = rnd.poisson(seed, "bike-refused", idx, minutes[None, :], excess)
    entries = np.maximum(net, 0).astype(np.int64) + swap
    exits = np.maximum(-net, 0).astype(np.int64) + swap
    u16 = np.uint16
    return {
        "occupancy_true": occ.astype(u16),
        "entries": np.minimum(entries, 65534).astype(u16),
        "exits": np.minimum(exits, 65534).astype(u16),
        "refused": np.minimum(refused, 65534).astype(u16),
    }


# ------------------------------------------------------------------ counters

#: Mean service time per customer at a window [min] (synthetic: 住民票・届出の
#: 窓口 typical 5-10 minutes).
SERVICE_MIN = 7.0
#: Tickets per staffed window per ordinary open day (synthetic: keeps the
#: utilisation near 0.6-0.9 in the busy hours outside the moving season).
_TICKETS_PER_WINDOW = 40.0
#: Counter opening hours 08:30-17:15, the usual 開庁時間 of 富山市 offices (富山市
#: 公式ウェブサイト https://www.city.toyama.lg.jp/; not re-checked per counter).
_OPEN_MIN = 8 * 60 + 30  # 08:30
_CLOSE_MIN = 17 * 60 + 15  # 17:15
#: Share of the day's tickets per hour 8..17 (the 8 h covers 08:30-09:00 only,
#: 17 h covers 17:00-17:15); synthetic, after the morning and early-afternoon
#: peaks of the city's published counter congestion (窓口混雑状況).
_COUNTER_HOURS = np.array([0.05, 0.14, 0.15, 0.13, 0.07, 0.12, 0.13, 0.11, 0.08, 0.02])
#: Day-of-week factor of counter demand, Monday..Sunday (synthetic: Monday and Friday
#: busier, closed at the weekend).
_DOW = np.array([1.15, 1.0, 0.95, 0.95, 1.05, 0.0, 0.0])


def _season_bump(doy) -> np.ndarray:
    doy = np.asarray(doy, dtype=np.float64)
    return np.exp(-0.5 * ((doy - 91.0) / 9.0) ** 2)


def moving_season_factor(doy) -> np.ndarray:
    """Counter demand factor for the moving season (転入・転出の繁忙期). [-]

    ``1 + 0.9 * exp(-0.5 ((doy - 91) / 9)**2)``: up to 1.9 times the ordinary
    demand around March 25 - April 10. The city opens extra windows then
    (臨時窓口): staffed windows grow by up to 30 % with the same bell.

    Notes
    -----
    総務省統計局「住民基本台帳人口移動報告」: moves between municipalities
    peak sharply in March and April (March alone about twice the average
    month), because of school and job years starting in April.
    """
    return 1.0 + 0.9 * _season_bump(doy)


@lru_cache(maxsize=8)
def _binomial_cdf(k_max: int, p: float) -> np.ndarray:
    """``cdf[k, j] = P(Binomial(k, p) <= j)`` for k, j in 0..k_max (exactly 1 for j >= k)."""
    cdf = np.ones((k_max + 1, k_max + 1))
    for k in range(k_max + 1):  # a table of at most ~50 x 50, built once
        pmf = [math.comb(k, i) * p**i * (1 - p) ** (k - i) for i in range(k + 1)]
        cdf[k, :k] = np.cumsum(pmf)[:k]
    return cdf


def mmc_queue(
    arrivals: np.ndarray, windows: np.ndarray, u: np.ndarray, mu: float, start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Discrete-time M/M/c queue, one row per (counter, day), 1-minute steps.

    Each minute, every busy window finishes its customer with probability
    ``p = mu`` (geometric service time, the memoryless discrete-time analogue
    of exponential service, with mean exactly ``1/mu`` minutes), so departures
    are Binomial(``min(N, c)``, p), drawn by inversion of ``u``; then the
    minute's arrivals join. ``N`` counts customers in the office (waiting or at
    a window), the queue is ``max(0, N - c)``. For constant rates the
    stationary mean queue is within about 10 % of Erlang C
    (:func:`toyama_lab.queueing.mmc_metrics`; Gross, Shortle, Thompson & Harris 2008,
    sec. 2.3).
    Customers still in the office at midnight are dropped (this needs loads
    far above any in the scenarios).

    The state depends on the past, so this is a loop over the minutes of the
    day from ``start`` (vectorised over all rows; about 600 steps on small
    arrays) that stops as soon as every row is empty after the last arrival.
    It is the one documented loop over minutes in the package: with
    state-dependent service there is no closed form.

    Parameters
    ----------
    arrivals : numpy.ndarray of int, shape (r, 1440)
        Tickets issued per minute.
    windows : numpy.ndarray of int, shape (r, 1440)
        Staffed windows per minute.
    u : numpy.ndarray of float, shape (r, 1440)
        Uniform variates on (0, 1) (counter-based) for the departures.
    mu : float
        Service rate of one window. [1/min]
    start : int
        First minute of the day with possible arrivals (the queue is empty
        before it).

    Returns
    -------
    queue, in_office : numpy.ndarray of int64, shape (r, 1440)
    """
    r, m = arrivals.shape
    queue = np.zeros((r, m), dtype=np.int64)
    present = np.zeros((r, m), dtype=np.int64)
    c_all = np.asarray(windows, dtype=np.int64)
    k_max = int(c_all.max()) if c_all.size else 0
    cdf = _binomial_cdf(k_max, float(mu))
    last_arrival = int(np.flatnonzero(arrivals.any(axis=0)).max(initial=start - 1))
    n_in = np.zeros(r, dtype=np.int64)
    for t in range(start, m):  # documented loop over minutes (state-dependent service)
        busy = np.minimum(n_in, c_all[:, t])
        done = (u[:, t, None] > cdf[busy]).sum(axis=1)
        n_in = n_in - done + arrivals[:, t]
        present[:, t] = n_in
        queue[:, t] = np.maximum(n_in - c_all[:, t], 0)
        if t > last_arrival and not n_in.any():
            break
    return queue, present


def counter(sensors: pl.DataFrame, minutes: np.ndarray, *, seed: int, scenario: Scenario):
    """Ticket arrivals, staffed windows and queue of city-hall counters.

    Physical model: tickets arrive as a non-homogeneous Poisson process (hour
    profile :data:`_COUNTER_HOURS`, day-of-week factors, the moving season
    :func:`moving_season_factor`) from 08:30 to 17:15 on open days; ``c``
    windows (``windows`` column; up to 30 % more in the moving season, one fewer
    over 12:00-13:00) each serve at rate ``mu = 1/SERVICE_MIN``: a
    discrete-time M/M/c queue (:func:`mmc_queue`; Kleinrock 1975, *Queueing
    Systems* I, sec. 3.5; Gross et al. 2008, sec. 2.3) that starts empty at
    each opening. Service continues after 17:15 until everyone has been
    served. ``wait_min`` is the queue divided by ``c mu`` (what the public
    display estimates).

    Returns
    -------
    dict
        ``queue_true`` uint16, ``tickets`` uint16, ``windows_open`` uint8,
        ``wait_min`` float32; shapes (n_sensor, n_minute).

    Notes
    -----
    Offices close on weekends, public holidays and 12/29-1/3
    (:func:`toyama_lab.synth.calendar.day_info`). On the day of an earthquake
    no tickets are issued after the quake (the waiting queue is still
    served); demand on the next days follows
    :data:`toyama_lab.synth.scenario.QUAKE_ACTIVITY`.
    """
    idx = sensor_index(sensors)
    n, m = sensors.height, minutes.size
    if m % MINUTES_PER_DAY:
        raise ValueError("counter: minutes must cover whole days")
    windows = np.maximum(column(sensors, "windows", 4.0), 1.0)[:, None]
    _, j, info = days_of(minutes)
    uday = info["day"].to_numpy()
    open_day = info["offices_open"].to_numpy()
    dow = _DOW[info["weekday"].to_numpy()]
    doy = info["doy"].to_numpy()
    season = moving_season_factor(doy)
    dnoise = np.exp(0.12 * rnd.normal(seed, "ctr-day", idx, uday[None, :]))
    daily = windows * _TICKETS_PER_WINDOW * (dow * season * open_day)[None, :] * dnoise
    windows = np.rint(windows * (1.0 + 0.3 * _season_bump(doy))[None, :])[:, j]  # (n, m)
    mod = minutes % MINUTES_PER_DAY
    hour = mod // 60
    in_hours = (mod >= _OPEN_MIN) & (mod < _CLOSE_MIN)
    minutes_in_hour = np.array([30] + [60] * 8 + [15], dtype=np.float64)
    share = np.zeros(24)
    share[8:18] = _COUNTER_HOURS / _COUNTER_HOURS.sum() / minutes_in_hour
    lam = daily[:, j] * np.where(in_hours, share[hour], 0.0)[None, :]
    quake = activity_factor(scenario, minutes)
    if quake is not None:  # no new tickets on the day of the quake
        lam *= np.where(quake < QUAKE_ACTIVITY[1], 0.0, quake)[None, :]
    tickets = rnd.poisson(seed, "ctr-arrive", idx, minutes[None, :], lam)
    lunch = (hour == 12)[None, :]
    staffed = np.where(lunch, np.maximum(windows - 1, 1), windows).astype(np.int64)
    after = (mod >= _CLOSE_MIN)[None, :]
    staffed *= open_day[j][None, :]
    mu = 1.0 / SERVICE_MIN
    u = rnd.uniform(seed, "ctr-serve", idx, minutes[None, :])
    shape = (-1, MINUTES_PER_DAY)
    q, present = mmc_queue(
        tickets.reshape(shape), staffed.reshape(shape), u.reshape(shape), mu, start=_OPEN_MIN
    )
    q, present = q.reshape(n, m), present.reshape(n, m)
    working = (in_hours[None, :] | (after & (present > 0))) & open_day[j][None, :]
    win_open = np.where(working, staffed, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(win_open > 0, q / (win_open * mu), 0.0)
    return {
        "queue_true": np.minimum(q, 65534).astype(np.uint16),
        "tickets": np.minimum(tickets, 65534).astype(np.uint16),
        "windows_open": win_open.astype(np.uint8),
        "wait_min": wait.astype(_F32),
    }
