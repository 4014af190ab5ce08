"""Weather driver: air temperature and rain as deterministic functions of time.

One city-wide weather (synoptic rain events, temperature) is shared by every
sensor; each *area* (a river catchment or a district) adds its own orographic
factor and its own convective cells. Rain gauges, river gauges, pedestrians
and bicycles therefore react to the same rain events. All values are pure
functions of ``(seed, area, minute)``: the events of an hour slot are drawn
from counter-based streams indexed by the absolute hour (see
:mod:`toyama_lab.synth.random`), and every minute sums the events of the
``MAX_EVENT_HOURS`` slots before it in a fixed order.

Notes
-----
Climate constants (JMA climatological normals 1991-2020, 富山 Toyama local
meteorological observatory; tables at https://www.data.jma.go.jp/obd/stats/etrn/):

* annual precipitation 2,374.2 mm, wetter in winter than in summer, and
  mean air temperature 14.5 C for the year, 3.0 C in January and 26.9 C in
  August: 富山地方気象台「富山県の気象 気象特性」,
  https://www.jma-net.go.jp/toyama/bosai/tokusei.html (checked);
* monthly precipitation [mm], Jan..Dec: 259, 172, 165, 135, 123, 173, 246,
  180, 214, 165, 218, 319 (rounded JMA monthly normals; their sum, 2,369 mm,
  is within 0.2 % of the annual normal; the month-by-month values were not
  re-checked against the JMA table in the last review, only the annual total
  and the winter maximum);
* seasonal temperature: the sinusoid ``14.5 - 12.3 cos(2 pi (doy - 30) /
  365.25)`` (a fit, not a JMA product): annual mean 14.5 C, coldest around
  January 30 and warmest around August 1 (as the Toyama normals: coldest at
  the end of January, warmest at the start of August); its monthly means are
  2.7 C in January and 26.2 C in August, 0.3 C and 0.7 C below the normals,
  because one harmonic cannot follow the sharper August peak;
* mean daily temperature range ~8 C (diurnal amplitude 4 C, maximum near
  14:00 JST): an assumption of the right order for the Japan-Sea coast, not
  a fitted normal;
* snow season: most snowfall in January and February (normal snowfall about
  104 cm and 84 cm, after the JMA normals as tabulated by
  https://samui.shiraberun.com/snow/snow_toyama.html; not used numerically).

Rain-event structure (synthetic, chosen to match the monthly totals above
and the roughly 175-180 days a year with at least 1 mm of the Toyama
normals, a figure not re-checked in the last review): events
start at a Poisson rate per hour, last a Gamma(2) duration (mean 10 h in
winter: long, weak winter-monsoon precipitation; 5 h in summer: convective
showers; 7-8 h in spring and autumn), clipped to 10 min - 23 h, and have a
Gamma(2) mean intensity (0.9 mm/h in winter up to 3.0 mm/h in July and
August) with a sine-bell time profile. A share of the events (2 % in winter,
up to 22 % in August) is convective: six times as intense for a fifth of the
duration, which gives annual maxima of hourly rain of 30-60 mm, the order of
those in the AMeDAS records of the Toyama plain. Convective cells modulate
each area's rate by a log-normal factor varying on 10-minute knots.
Precipitation falls as snow when the air temperature is below 2 C (Matsuo,
Sasyo & Sato 1981, "Relationship between types of precipitation on the
ground and surface meteorological elements", J. Meteor. Soc. Japan 59,
462-476: at the high humidity of the Japan-Sea coast in winter the 50 %
rain/snow boundary lies near 2 C).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from toyama_lab.synth import random as rnd
from toyama_lab.synth.calendar import EPOCH, MINUTES_PER_DAY, as_date, minute_axis
from toyama_lab.synth.scenario import Scenario, get_scenario

__all__ = [
    "MAX_EVENT_HOURS",
    "MONTHLY_PRECIP_MM",
    "SNOW_BELOW_C",
    "area_id",
    "area_rain_rate",
    "city_rain_rate",
    "daily_mean_temperature",
    "day_of_year",
    "knot_noise",
    "orographic_factor",
    "rain_events",
    "temperature",
]

#: JMA normals 1991-2020, Toyama: monthly precipitation [mm] (rounded).
MONTHLY_PRECIP_MM = np.array(
    [259.0, 172.0, 165.0, 135.0, 123.0, 173.0, 246.0, 180.0, 214.0, 165.0, 218.0, 319.0]
)
#: Mean event duration [h] by month (synthetic, see module notes).
MONTHLY_DURATION_H = np.array([10, 10, 8, 7, 7, 6, 5, 5, 5, 7, 8, 10], dtype=np.float64)
#: Mean event intensity [mm/h] by month (synthetic, see module notes).
MONTHLY_INTENSITY_MM_H = np.array(
    [0.9, 0.9, 1.3, 1.5, 1.6, 2.4, 3.0, 3.0, 2.8, 1.8, 1.3, 0.9], dtype=np.float64
)
#: Share of convective events by month (synthetic: thunderstorms mostly in
#: summer; winter thunder-snow on the Japan-Sea coast is rare but real).
MONTHLY_CONVECTIVE = np.array(
    [0.02, 0.02, 0.04, 0.06, 0.08, 0.15, 0.2, 0.22, 0.18, 0.08, 0.04, 0.03], dtype=np.float64
)
#: A convective event is this many times as intense and lasts this fraction as long.
CONVECTIVE_INTENSITY, CONVECTIVE_DURATION = 6.0, 0.2
_DAYS_IN_MONTH = np.array([31, 28.25, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
#: Longest rain event [h]; each minute looks back this many hour slots.
MAX_EVENT_HOURS = 24
#: Snow below this air temperature [C] (Matsuo et al. 1981).
SNOW_BELOW_C = 2.0
#: Seasonal temperature sinusoid: annual mean [C] (JMA normal 1991-2020, Toyama: 14.5 C),
#: amplitude [C] and day of year of the minimum (fitted; see the module notes).
_T_MEAN_C, _T_AMP_C, _T_COLDEST_DOY = 14.5, 12.3, 30.0
_CELL_SIGMA = 0.5
_CELL_KNOT_MIN = 10
_MIN_DURATION_H = 10.0 / 60.0
_MAX_DURATION_H = MAX_EVENT_HOURS - 1.0


def _gamma2(u1: np.ndarray, u2: np.ndarray, mean) -> np.ndarray:
    """Gamma(shape 2) variates with the given mean from two uniforms."""
    return -0.5 * np.asarray(mean) * np.log(u1 * u2)


def _start_prob_per_hour() -> np.ndarray:
    """Hourly event-start probability per month that reproduces the monthly normals."""
    # mean of the clipped Gamma(2) duration, by quadrature on a fine grid
    x = np.linspace(0.0, 60.0, 60_001)[None, :]
    theta = MONTHLY_DURATION_H[:, None] / 2.0
    pdf = x / theta**2 * np.exp(-x / theta)
    clipped = np.clip(x, _MIN_DURATION_H, _MAX_DURATION_H)
    mean_capped_duration = (pdf * clipped).sum(axis=1) * (x[0, 1] - x[0, 0])
    hours = _DAYS_IN_MONTH * 24.0
    conv = 1.0 + MONTHLY_CONVECTIVE * (CONVECTIVE_INTENSITY * CONVECTIVE_DURATION - 1.0)
    return MONTHLY_PRECIP_MM / (hours * mean_capped_duration * MONTHLY_INTENSITY_MM_H * conv)


_P_START = _start_prob_per_hour()


def area_id(key: str) -> int:
    """Stable non-negative integer id of an area name (catchment or district)."""
    return rnd.stream_id(f"area:{key}") >> 2


def _month_of_hours(hours: np.ndarray) -> np.ndarray:
    """Month (0-11) of absolute hour indices."""
    t = np.datetime64(EPOCH, "h") + hours.astype("timedelta64[h]")
    return (t.astype("datetime64[M]").astype(np.int64) % 12).astype(np.intp)


def day_of_year(days: np.ndarray) -> np.ndarray:
    """Day of year (1-366) of absolute day indices (days since the epoch)."""
    t = np.datetime64(EPOCH, "D") + days.astype("timedelta64[D]")
    return (t - t.astype("datetime64[Y]")).astype(np.int64) + 1


def _slot_events(seed: int, slots: np.ndarray):
    """Rain events of hour slots: occurrence, start [min], duration [min], intensity, convective."""
    month = _month_of_hours(slots)
    occ = rnd.uniform(seed, "rain-occ", 0, slots) < _P_START[month]
    start = slots * 60 + (rnd.uniform(seed, "rain-start", 0, slots) * 60.0).astype(np.int64)
    dur_h = _gamma2(
        rnd.uniform(seed, "rain-dur", 0, slots),
        rnd.uniform(seed, "rain-dur2", 0, slots),
        MONTHLY_DURATION_H[month],
    )
    inten = _gamma2(
        rnd.uniform(seed, "rain-int", 0, slots),
        rnd.uniform(seed, "rain-int2", 0, slots),
        MONTHLY_INTENSITY_MM_H[month],
    )
    conv = rnd.uniform(seed, "rain-conv", 0, slots) < MONTHLY_CONVECTIVE[month]
    inten = np.where(conv, inten * CONVECTIVE_INTENSITY, inten)
    dur_h = np.where(conv, dur_h * CONVECTIVE_DURATION, dur_h)
    dur = np.clip(dur_h, _MIN_DURATION_H, _MAX_DURATION_H) * 60.0
    return occ, start, dur, inten, conv


def rain_events(
    start, n_days: int, seed: int, scenario: str | Scenario = "normal-week"
) -> pl.DataFrame:
    """City-wide rain events that touch a period, and the scenario's storm bands.

    Parameters
    ----------
    start : datetime.date or str
        First day (JST).
    n_days : int
        Number of days.
    seed : int
        Scenario seed.
    scenario : str or Scenario
        Scenario (its storm bands are listed with ``kind = "storm"``).

    Returns
    -------
    polars.DataFrame
        ``start``, ``end`` (datetime, JST naive), ``kind`` (``stratiform``,
        ``convective`` or ``storm``), ``mean_mm_h`` (mean rate on the plain,
        before orographic factors and cells; for a storm band its peak),
        ``total_mm`` (on the plain).
    """
    scen = get_scenario(scenario)
    minutes = minute_axis(start, n_days)
    m0, m1 = int(minutes[0]), int(minutes[-1]) + 1
    slots = np.arange(m0 // 60 - MAX_EVENT_HOURS, m1 // 60 + 1, dtype=np.int64)
    occ, st, dur, inten, conv = _slot_events(seed, slots)
    end = st + np.rint(dur).astype(np.int64)
    keep = occ & (end > m0) & (st < m1)
    t0 = np.datetime64(EPOCH, "m")
    ev = pl.DataFrame(
        {
            "start": (t0 + st[keep].astype("timedelta64[m]")).astype("datetime64[us]"),
            "end": (t0 + end[keep].astype("timedelta64[m]")).astype("datetime64[us]"),
            "kind": np.where(conv[keep], "convective", "stratiform"),
            "mean_mm_h": inten[keep],
            "total_mm": inten[keep] * dur[keep] / 60.0,
        }
    )
    bands = [
        {
            "start": b.peak - dt.timedelta(hours=3 * b.sigma_h),
            "end": b.peak + dt.timedelta(hours=3 * b.sigma_h),
            "kind": "storm",
            "mean_mm_h": b.peak_mm_h,
            "total_mm": b.peak_mm_h * b.sigma_h * float(np.sqrt(2 * np.pi)),
        }
        for b in scen.storm
    ]
    if bands:
        lo, hi = dt.datetime.combine(as_date(start), dt.time()), None
        hi = lo + dt.timedelta(days=n_days)
        bands = [b for b in bands if b["end"] > lo and b["start"] < hi]
        ev = pl.concat([ev, pl.DataFrame(bands, schema=ev.schema)])
    return ev.sort("start")


def city_rain_rate(seed: int, minutes: np.ndarray, scenario: Scenario | None = None) -> np.ndarray:
    """City-wide synoptic rain rate at each minute, before area effects.

    Parameters
    ----------
    seed : int
        Scenario seed.
    minutes : numpy.ndarray of int
        Absolute minutes since the epoch (1-D, any order).
    scenario : Scenario, optional
        Adds its storm bands (Gaussian in time) to the ordinary weather.

    Returns
    -------
    numpy.ndarray of float32
        Rain rate. [mm/h]

    Notes
    -----
    Marked point process on hour slots (see the module notes for constants):
    slot ``s`` holds an event with probability ``P_START[month]``; its start
    is uniform within the hour, its duration and intensity Gamma(2)
    distributed (duration clipped to 10 min - 23 h); the profile is a sine bell
    ``I * pi/2 * sin(pi * tau)`` whose mean over the event is ``I``.
    """
    minutes = np.asarray(minutes, dtype=np.int64)
    hour = minutes // 60
    s0 = int(hour.min()) - MAX_EVENT_HOURS
    slots = np.arange(s0, int(hour.max()) + 1, dtype=np.int64)
    occ, start, dur, inten, _ = _slot_events(seed, slots)
    amp = np.where(occ, inten * (np.pi / 2.0), 0.0).astype(np.float32)
    inv_dur = (1.0 / dur).astype(np.float32)
    rate = np.zeros(minutes.shape, dtype=np.float32)
    for k in range(MAX_EVENT_HOURS + 1):
        j = hour - k - s0
        tau = (minutes - start[j]).astype(np.float32) * inv_dur[j]
        inside = (tau >= 0) & (tau < 1)
        rate += np.where(inside, amp[j] * np.sin(np.float32(np.pi) * tau), np.float32(0))
    if scenario is not None and scenario.storm:
        m0 = np.datetime64(EPOCH, "m")
        for band in scenario.storm:
            peak = (np.datetime64(band.peak, "m") - m0).astype(np.int64)
            x = (minutes - peak).astype(np.float32) / np.float32(band.sigma_h * 60.0)
            rate += np.float32(band.peak_mm_h) * np.exp(np.float32(-0.5) * x * x)
    return rate


def orographic_factor(seed: int, keys) -> np.ndarray:
    """Orographic enhancement of rain per area, uniform in [1.0, 1.35]. [-]

    Upstream gauges in the hills south and east of the plain receive more
    rain than the coast (JMA AMeDAS normals: e.g. 大山/有峰 well above 富山);
    the factor is a deterministic function of (seed, area key).
    """
    ids = np.array([area_id(k) for k in keys], dtype=np.int64)
    return (1.0 + 0.35 * rnd.uniform(seed, "oro", ids, 0)).astype(np.float32)


def area_rain_rate(
    seed: int,
    keys,
    minutes: np.ndarray,
    scenario: Scenario | None = None,
    *,
    factors: np.ndarray | None = None,
    city_rate: np.ndarray | None = None,
) -> np.ndarray:
    """Rain rate of each area at each minute.

    Parameters
    ----------
    seed : int
        Scenario seed.
    keys : sequence of str
        Area names (river catchments or districts).
    minutes : numpy.ndarray of int
        Absolute minutes (1-D).
    scenario : Scenario, optional
        Storm bands to add.
    factors : numpy.ndarray, optional
        Orographic factor per area (default 1.0: plain).
    city_rate : numpy.ndarray, optional
        Pre-computed :func:`city_rain_rate` for the same minutes.

    Returns
    -------
    numpy.ndarray of float32, shape (n_area, n_minute)
        Rain rate. [mm/h]

    Notes
    -----
    ``rate = city_rate * factor * cells``; the convective-cell factor is
    log-normal (sigma 0.5 on 10-minute knots, linearly interpolated, mean
    about 1), a function of (seed, area, knot).
    """
    minutes = np.asarray(minutes, dtype=np.int64)
    if city_rate is None:
        city_rate = city_rain_rate(seed, minutes, scenario)
    ids = np.array([area_id(k) for k in keys], dtype=np.int64)[:, None]
    cells = knot_noise(seed, "rain-cell", ids, minutes, _CELL_KNOT_MIN)
    cells = np.exp(np.float32(_CELL_SIGMA) * cells - np.float32(0.5 * _CELL_SIGMA**2 * 0.67))
    out = cells * city_rate[None, :]
    if factors is not None:
        out *= np.asarray(factors, dtype=np.float32)[:, None]
    return out


def knot_noise(seed: int, stream: str, ids: np.ndarray, minutes: np.ndarray, step: int):
    """Band-limited noise: N(0, 1) values on knots every ``step`` minutes, linearly interpolated.

    "Value noise": the knots are counter-based normals indexed by
    ``(seed, stream, id, minute // step)``, so the curve is a pure function of
    time. Its variance dips to 1/2 midway between knots (2/3 on average).

    Parameters
    ----------
    seed : int
        Scenario seed.
    stream : str
        Stream name.
    ids : numpy.ndarray of int, shape (n, 1)
        Sensor or area ids.
    minutes : numpy.ndarray of int, shape (m,)
        Absolute minutes.
    step : int
        Knot spacing. [min]

    Returns
    -------
    numpy.ndarray of float32, shape (n, m)
    """
    knot = minutes // step
    k0 = int(knot.min())
    knots = np.arange(k0, int(knot.max()) + 2, dtype=np.int64)
    v = rnd.normal(seed, stream, ids, knots[None, :], dtype=np.float32)
    j = knot - k0
    f = ((minutes % step).astype(np.float32) / np.float32(step))[None, :]
    a = v[:, j]
    return a + (v[:, j + 1] - a) * f


def temperature(seed: int, minutes: np.ndarray) -> np.ndarray:
    """City air temperature at each minute. [C]

    Seasonal normal (a sinusoid fitted to the JMA 1991-2020 normals for
    Toyama; see the module notes) plus a daily anomaly (N(0, 2.5 C) on daily
    knots, interpolated; the 2.5 C spread is an assumption) plus a diurnal
    cycle of amplitude 4 C with its maximum at 14:00 JST (assumption).

    Returns
    -------
    numpy.ndarray of float32
    """
    minutes = np.asarray(minutes, dtype=np.int64)
    day = minutes // MINUTES_PER_DAY
    doy = day_of_year(day).astype(np.float32)
    seasonal = np.float32(_T_MEAN_C) - np.float32(_T_AMP_C) * np.cos(
        np.float32(2 * np.pi / 365.25) * (doy - np.float32(_T_COLDEST_DOY))
    )
    anomaly = knot_noise(seed, "temp-anom", np.zeros((1, 1), np.int64), minutes, MINUTES_PER_DAY)
    hod = (minutes % MINUTES_PER_DAY).astype(np.float32) / np.float32(60.0)
    diurnal = np.float32(4.0) * np.cos(np.float32(2 * np.pi / 24.0) * (hod - np.float32(14.0)))
    return seasonal + np.float32(2.5) * anomaly[0] + diurnal


def daily_mean_temperature(seed: int, days: np.ndarray) -> np.ndarray:
    """Mean air temperature of whole days (average of 24 hourly values). [C]"""
    days = np.asarray(days, dtype=np.int64)
    minutes = (days[:, None] * MINUTES_PER_DAY + np.arange(30, MINUTES_PER_DAY, 60)).reshape(-1)
    t = temperature(seed, minutes).reshape(days.size, 24)
    acc = np.zeros(days.size, np.float32)
    for h in range(24):
        acc += t[:, h]
    return acc / np.float32(24.0)
