"""Hazard truth: rain gauges and river-level gauges.

A rain gauge measures the rain of its own small area: the city-wide rain
events of :mod:`toyama_lab.synth.weather` times an orographic factor and its
own convective cells. A river gauge responds to the rain of its upstream
rain gauge (the ``upstream_rain`` column) through a rainfall-runoff model:
a Nash cascade (fast runoff) plus a linear reservoir (slow runoff, baseflow),
convolved over a finite look-back window, then a power-law rating curve
from discharge to stage. Both are pure functions of (seed, sensor, time):
the river recomputes the rain of the look-back days, itself a deterministic
function of time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from toyama_lab.synth import random as rnd
from toyama_lab.synth import weather
from toyama_lab.synth._sensors import column, sensor_index, str_column
from toyama_lab.synth.calendar import EPOCH, MINUTES_PER_DAY
from toyama_lab.synth.scenario import SCENARIOS, Scenario

__all__ = [
    "BUCKET_MM",
    "LOOKBACK_H",
    "catchment_hourly_rain",
    "nash_kernel",
    "rain",
    "river",
    "runoff_kernel",
]

_F32 = np.float32
#: Tipping-bucket resolution [mm] (JMA standard rain gauge: 0.5 mm per tip).
BUCKET_MM = 0.5
#: Look-back of the rainfall-runoff convolution [h] (7 days; the slow
#: reservoir keeps 1 - exp(-168/36) = 99 % of its response).
LOOKBACK_H = 168
#: Nash cascade: number of reservoirs (Nash 1957).
NASH_N = 3
#: Runoff coefficients of the fast and slow paths [-]. Assumption: a total of 0.85
#: of the rain leaves as runoff, of the order of the runoff coefficients used for
#: steep mountain catchments in Japanese design practice (rational-formula tables,
#: e.g. 国土交通省 河川砂防技術基準: 山地 about 0.7-0.8; quoted from memory, not
#: re-checked); the split between the two paths is synthetic, not fitted.
FAST_COEF, SLOW_COEF = 0.55, 0.30
#: Slow (groundwater) reservoir constant [h] (assumption, synthetic).
SLOW_K_H = 36.0
#: Baseflow [mm/h] (assumption, synthetic).
BASEFLOW_MM_H = 0.05
#: Snowmelt runoff at its peak [mm/h] and its seasonal bell (centre day of
#: year, width [days]): the rivers from the Tateyama range run high with
#: snowmelt in April-May (融雪出水; 国土交通省 水文水質データベース, e.g.
#: 常願寺川・神通川 discharge records). Synthetic amplitude.
SNOWMELT_MM_H, SNOWMELT_DOY, SNOWMELT_WIDTH_D = 0.25, 115.0, 25.0
#: Rating-curve exponent: stage ~ discharge**0.6 (Manning, wide channel:
#: Q ~ h**(5/3)).
RATING_EXP = 0.6
#: Fallback 氾濫注意 / 避難判断 / 氾濫危険水位 [m] for river rows without thresholds
#: (illustrative; the city's gauges carry their own, see
#: :data:`toyama_lab.city.places.RIVER_GAUGES`).
_DEFAULT_THRESHOLDS = (2.0, 2.6, 3.0)


def _rain_keys(sensors: pl.DataFrame) -> list[str]:
    return [f"gauge:{s}" for s in sensors["sensor_id"].to_list()]


def rain(sensors: pl.DataFrame, minutes: np.ndarray, *, seed: int, scenario: Scenario):
    """True precipitation, tipping-bucket reading and snow flag of rain gauges.

    Physical model: gauge-area rain rate (see
    :func:`toyama_lab.synth.weather.area_rain_rate`, key ``gauge:<sensor_id>``,
    orographic factor 1.0-1.35) times a gauge catch factor 0.95-1.05;
    per-minute amount ``rate / 60``; precipitation is snow (measured as water
    equivalent by a heated gauge) below 2 C. The tipping bucket reports
    0.5 mm per tip, emptied at JST midnight.

    Returns
    -------
    dict
        ``precip`` (tipping-bucket reading, float32 mm), ``precip_true``
        (float32 mm per minute), ``snow`` (uint8).

    Notes
    -----
    Annual totals follow the JMA 1991-2020 normals for Toyama (2,374 mm;
    :data:`toyama_lab.synth.weather.MONTHLY_PRECIP_MM`) times the orographic
    factor.
    """
    idx = sensor_index(sensors)
    keys = _rain_keys(sensors)
    oro = weather.orographic_factor(seed, keys)
    rate = weather.area_rain_rate(seed, keys, minutes, scenario, factors=oro)
    catch = (0.95 + 0.1 * rnd.uniform(seed, "gauge-catch", idx, 0)).astype(_F32)
    true = rate * (catch / _F32(60.0))
    temp = weather.temperature(seed, minutes)
    snow = ((temp < weather.SNOW_BELOW_C)[None, :] & (true > 0)).astype(np.uint8)
    n = sensors.height
    cum = np.cumsum(true.reshape(n, -1, MINUTES_PER_DAY).astype(np.float64), axis=-1)
    tips = np.floor(cum / BUCKET_MM)
    dt_ = np.diff(tips, axis=-1, prepend=0.0)
    precip = (dt_ * BUCKET_MM).reshape(n, -1).astype(_F32)
    return {"precip": precip, "precip_true": true, "snow": snow}


def nash_kernel(k_h, n_res: int = NASH_N, length: int = LOOKBACK_H) -> np.ndarray:
    """Hourly unit hydrograph of a Nash cascade (gamma distribution), per row of ``k_h``.

    ``w[j] = F((j+1)/k) - F(j/k)`` with F the gamma CDF of shape ``n_res``
    (Nash 1957, "The form of the instantaneous unit hydrograph", IAHS Publ.
    45, 114-121). Time to peak of the instantaneous response ``(n-1) k``.

    Parameters
    ----------
    k_h : array_like
        Reservoir constant per catchment. [h]
    n_res : int
        Number of reservoirs.
    length : int
        Kernel length. [h]

    Returns
    -------
    numpy.ndarray, shape (n, length)
        Weights (sum ~1 over the look-back). [1/h]
    """
    k = np.asarray(k_h, dtype=np.float64).reshape(-1, 1)
    x = np.arange(length + 1)[None, :] / k
    term = np.ones_like(x)
    s = np.zeros_like(x)
    for i in range(n_res):
        s += term
        term = term * x / (i + 1)
    cdf = 1.0 - np.exp(-x) * s
    return np.diff(cdf, axis=1)


def runoff_kernel(k_h) -> np.ndarray:
    """Combined hourly kernel: fast Nash cascade plus slow linear reservoir. [-]

    ``FAST_COEF * nash(k) + SLOW_COEF * (exp(-j/K) - exp(-(j+1)/K))``,
    K = 36 h (linear reservoir, e.g. Chow, Maidment & Mays 1988, *Applied
    Hydrology*, ch. 8).
    """
    j = np.arange(LOOKBACK_H + 1)
    slow = np.diff(1.0 - np.exp(-j / SLOW_K_H))[None, :]
    return FAST_COEF * nash_kernel(k_h) + SLOW_COEF * slow


def catchment_hourly_rain(
    seed, keys, factors, hour0: int, n_hours: int, scenario, *, liquid_only: bool = False
) -> np.ndarray:
    """Mean rain rate of each catchment over whole hours. [mm/h]

    Sums the 60 minute rates of each hour in a fixed order, so an hour's
    value never depends on the window it was computed in. With
    ``liquid_only``, precipitation falling as snow (air below 2 C) is left
    out: it stays in the snowpack and returns as seasonal snowmelt.
    """
    mins = np.arange(hour0 * 60, (hour0 + n_hours) * 60, dtype=np.int64)
    r = weather.area_rain_rate(seed, keys, mins, scenario, factors=factors)
    if liquid_only:
        r *= (weather.temperature(seed, mins) >= weather.SNOW_BELOW_C)[None, :]
    r = r.reshape(len(keys), n_hours, 60)
    acc = np.zeros((len(keys), n_hours), dtype=_F32)
    for i in range(60):
        acc += r[:, :, i]
    return acc / _F32(60.0)


@lru_cache(maxsize=256)
def _design_peak(k_h: float) -> float:
    """Peak runoff [mm/h] of the kernel for the heavy-rain scenario's storm bands alone."""
    storm = SCENARIOS["heavy-rain"].storm
    m0 = np.datetime64(EPOCH, "m")
    peaks = [(np.datetime64(b.peak, "m") - m0).astype(np.int64) / 60.0 for b in storm]
    t = np.arange(int(min(peaks)) - 48, int(max(peaks)) + 96) + 0.5
    r = np.zeros(t.size)
    for b, p in zip(storm, peaks, strict=True):
        r += b.peak_mm_h * np.exp(-0.5 * ((t - p) / b.sigma_h) ** 2)
    q = np.convolve(r, runoff_kernel([k_h])[0])[: t.size]
    return float(q.max())


def river(sensors: pl.DataFrame, minutes: np.ndarray, *, seed: int, scenario: Scenario):
    """True river stage and its alert level at river gauges.

    Physical model: runoff ``Q = sum_j W[j] R[h - j] + baseflow + snowmelt`` with
    ``R`` the hourly liquid rain of the upstream gauge (``upstream_rain``; same rain as that
    gauge's ``precip_true`` up to its catch factor) and ``W`` the runoff kernel
    (:func:`runoff_kernel`: Nash cascade, n = 3, k = 1.2-3.0 h per gauge, plus
    a 36-h linear reservoir) over a 168-h look-back; linear interpolation
    between hours; stage by a power-law rating curve

    ``level = base + (danger - base) * (Q / Q_danger) ** 0.6``

    with ``base = 0.3 * caution`` and ``Q_danger`` the peak runoff of the
    heavy-rain scenario's design storm (times the catchment's orographic
    factor, without cells) divided by 1.1-1.35 per gauge: the design storm is
    a flood that exceeds 氾濫危険水位.
    A 3-mm N(0, 1) ripple is added.

    Returns
    -------
    dict
        ``level_true`` (float32, m) and ``alert`` (uint8 0-3).

    Notes
    -----
    Thresholds come from ``gauge_caution_m``, ``gauge_evac_m``,
    ``gauge_danger_m`` (defaults 2.0 / 2.6 / 3.0 m when null).
    Snow (air below 2 C) does not run off at once; melt returns as a seasonal
    baseflow bell centred on late April (:data:`SNOWMELT_MM_H`). The snowpack
    is not tracked: a winter with more snow does not melt more.
    """
    idx = sensor_index(sensors)
    n = sensors.height
    ids = sensors["sensor_id"].to_list()
    up = str_column(sensors, "upstream_rain", "")
    keys = [
        f"gauge:{u}" if u else f"river:{r or i}"
        for u, r, i in zip(up, str_column(sensors, "river", ""), ids, strict=True)
    ]
    uniq = sorted(set(keys))
    row = np.array([uniq.index(k) for k in keys], dtype=np.intp)
    oro = weather.orographic_factor(seed, uniq)
    h_first = int(minutes[0]) // 60
    h_last = int(minutes[-1]) // 60
    hour0 = h_first - LOOKBACK_H
    n_hours = h_last - hour0 + 1
    rh = catchment_hourly_rain(seed, uniq, oro, hour0, n_hours, scenario, liquid_only=True)
    rh = rh[row]  # (n, n_hours)
    k_h = 1.2 + 1.8 * rnd.uniform(seed, "river-k", idx[:, 0], 0)
    w = runoff_kernel(k_h).astype(_F32)  # (n, L)
    n_out = n_hours - LOOKBACK_H + 1  # hours h_first-1 .. h_last
    out_hours = np.arange(h_first - 1, h_last + 1, dtype=np.int64)
    doy = weather.day_of_year(out_hours // 24).astype(np.float64)
    melt = SNOWMELT_MM_H * np.exp(-0.5 * ((doy - SNOWMELT_DOY) / SNOWMELT_WIDTH_D) ** 2)
    q = np.broadcast_to((BASEFLOW_MM_H + melt).astype(_F32), (n, n_out)).copy()
    for jlag in range(LOOKBACK_H):  # loop over lags, not readings
        q += w[:, jlag : jlag + 1] * rh[:, LOOKBACK_H - 1 - jlag : LOOKBACK_H - 1 - jlag + n_out]
    # q[:, i] is the runoff at the end of hour (h_first - 1 + i)
    hi = (minutes // 60 - h_first).astype(np.intp)
    f = ((minutes % 60).astype(_F32) / _F32(60.0))[None, :]
    qm = q[:, hi] * (_F32(1.0) - f) + q[:, hi + 1] * f
    cau = column(sensors, "gauge_caution_m", _DEFAULT_THRESHOLDS[0])
    eva = column(sensors, "gauge_evac_m", _DEFAULT_THRESHOLDS[1])
    dan = column(sensors, "gauge_danger_m", _DEFAULT_THRESHOLDS[2])
    if np.any((cau >= eva) | (eva >= dan)):
        raise ValueError(
            "river gauges need gauge_caution_m < gauge_evac_m < gauge_danger_m; "
            f"check rows {[i for i, b in zip(ids, (cau >= eva) | (eva >= dan), strict=True) if b]}"
        )
    base = 0.3 * cau
    ratio = 1.1 + 0.25 * rnd.uniform(seed, "river-ratio", idx[:, 0], 0)
    design = np.array([_design_peak(round(float(k), 6)) for k in k_h])
    q_danger = design * oro[row] / ratio
    scale = ((dan - base) / q_danger**RATING_EXP).astype(_F32)[:, None]
    level = base.astype(_F32)[:, None] + scale * np.power(qm, _F32(RATING_EXP))
    level += _F32(0.003) * rnd.normal(seed, "river-ripple", idx, minutes[None, :], dtype=_F32)
    alert = (
        (level >= cau.astype(_F32)[:, None]).astype(np.uint8)
        + (level >= eva.astype(_F32)[:, None])
        + (level >= dan.astype(_F32)[:, None])
    ).astype(np.uint8)
    return {"level_true": level.astype(_F32), "alert": alert}
