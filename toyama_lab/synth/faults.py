"""Sensor faults: deterministic episode lists and their application to readings.

Each sensor has, for each fault type and each day, a chance that an episode
starts that day; start minute, duration and size are drawn from counter-based
streams indexed by ``(seed, sensor_index, day)``. The episode list is thus a
pure function of the sensor and the day, and episodes reach at most
:data:`MAX_EPISODE_DAYS` days forward, so a window only needs to look that
far back. Episodes that need values from their own start (stuck, clock
offset) end at midnight, so they only read values from days in the window.

Fault types (bits of the ``fault`` variable, see
:data:`toyama_lab.synth.variables.FAULT_BITS`):

============ === ========================================================
gap            1 no reading (radio/sensor reset); 65535 or NaN
stuck          2 the reading repeats the value at the episode start
drift          4 gain (counts, rain) or offset (river) drifts linearly
spike          8 one-minute outlier
battery       16 battery running down: readings drop out more and more
clock         32 the sensor clock runs ahead/behind by a few minutes
outage        64 power cut (earthquake scenario), with gap bit 1
============ === ========================================================

Rates are synthetic but of the order reported for low-cost IoT deployments
(e.g. Ni, Ramanathan, Chehade et al. 2009, "Sensor network data fault
types", ACM Trans. Sens. Netw. 5(3), 25: short, noise, constant and drift
faults; gaps dominate in LPWA networks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from toyama_lab.synth import random as rnd
from toyama_lab.synth._sensors import check_sensors, sensor_index
from toyama_lab.synth.calendar import EPOCH, MINUTES_PER_DAY, minute_axis
from toyama_lab.synth.scenario import Scenario, get_scenario
from toyama_lab.synth.variables import FAULT_BITS, MAIN, UINT16_GAP

__all__ = [
    "FAULT_TYPES",
    "MAX_EPISODE_DAYS",
    "FaultType",
    "apply_faults",
    "episodes",
    "fault_events",
]

#: Longest multi-day episode [days] (synthetic).
MAX_EPISODE_DAYS = 5


@dataclass(frozen=True)
class FaultType:
    """Parameters of one fault type.

    Attributes
    ----------
    name : str
        Key of :data:`FAULT_BITS`.
    p_day : float
        Probability that an episode starts on a given sensor-day. [1/day]
    mean_min : float
        Mean duration (exponential), or the maximum for ``uniform_days``. [min]
    within_day : bool
        Episode is cut at midnight.
    """

    name: str
    p_day: float
    mean_min: float
    within_day: bool


FAULT_TYPES: tuple[FaultType, ...] = (
    FaultType("gap", 0.02, 90.0, False),
    FaultType("stuck", 0.004, 180.0, True),
    FaultType("drift", 0.002, 3 * MINUTES_PER_DAY, False),
    FaultType("spike", 0.03, 1.0, True),
    FaultType("battery", 0.0008, 3 * MINUTES_PER_DAY, False),
    FaultType("clock", 0.003, 600.0, True),
)

#: Size of a spike per kind (low, high) in the main variable's units (synthetic).
_SPIKE = {
    "pedestrian": (200.0, 2000.0),
    "bicycle_park": (50.0, 400.0),
    "counter": (20.0, 200.0),
    "rain": (5.0, 30.0),
    "river": (0.5, 3.0),
}
#: Drift per day: relative gain for counts and rain, metres for river (synthetic).
_DRIFT = {"pedestrian": 0.05, "bicycle_park": 0.03, "counter": 0.05, "rain": -0.10, "river": 0.05}


_EP_SCHEMA = {
    "row": pl.Int32,
    "sensor_index": pl.Int32,
    "fault": pl.String,
    "bit": pl.UInt8,
    "start": pl.Int64,
    "end": pl.Int64,
    "param": pl.Float64,
}


def episodes(sensors: pl.DataFrame, minutes: np.ndarray, seed: int) -> pl.DataFrame:
    """Fault episodes overlapping the minutes (absolute, whole days).

    Returns
    -------
    polars.DataFrame
        ``row`` (row in ``sensors``), ``sensor_index``, ``fault``, ``bit``,
        ``start``, ``end`` (absolute minutes, end exclusive) and ``param``
        (spike size, drift per day, clock offset in minutes, else 0).
    """
    idx = sensor_index(sensors)[:, 0]
    kind = sensors["kind"][0]
    m0, m1 = int(minutes[0]), int(minutes[-1]) + 1
    d0 = m0 // MINUTES_PER_DAY - MAX_EPISODE_DAYS
    days = np.arange(d0, m1 // MINUTES_PER_DAY + 1, dtype=np.int64)[None, :]
    col = idx[:, None]
    parts = []
    for ft in FAULT_TYPES:  # a handful of fault types
        s = f"fault-{ft.name}"
        occ = rnd.uniform(seed, s + "-occ", col, days) < ft.p_day
        r, c = np.nonzero(occ)
        if r.size == 0:
            continue
        ii, dd = idx[r], days[0, c]
        start = dd * MINUTES_PER_DAY + (
            rnd.uniform(seed, s + "-start", ii, dd) * MINUTES_PER_DAY
        ).astype(np.int64)
        u = rnd.uniform(seed, s + "-len", ii, dd)
        if ft.name in ("drift", "battery"):
            dur = (MINUTES_PER_DAY + u * (MAX_EPISODE_DAYS - 1) * MINUTES_PER_DAY).astype(np.int64)
        else:
            dur = np.maximum(1, np.rint(-ft.mean_min * np.log(u))).astype(np.int64)
            dur = np.minimum(dur, MAX_EPISODE_DAYS * MINUTES_PER_DAY)
        if ft.name == "spike":
            dur[:] = 1
        end = start + dur
        if ft.within_day:
            end = np.minimum(end, (dd + 1) * MINUTES_PER_DAY)
        v = rnd.uniform(seed, s + "-param", ii, dd)
        sign = np.where(rnd.uniform(seed, s + "-sign", ii, dd) < 0.5, -1.0, 1.0)
        if ft.name == "spike":
            lo, hi = _SPIKE[kind]
            param = lo + (hi - lo) * v
            if kind == "river":
                param = param * sign
        elif ft.name == "drift":
            param = _DRIFT[kind] * (0.5 + v) * (sign if kind != "rain" else 1.0)
        elif ft.name == "clock":
            param = sign * np.rint(2 + 28 * v)
        else:
            param = np.zeros(r.size)
        keep = (end > m0) & (start < m1)
        parts.append(
            pl.DataFrame(
                {
                    "row": r[keep].astype(np.int32),
                    "sensor_index": ii[keep].astype(np.int32),
                    "fault": [ft.name] * int(keep.sum()),
                    "bit": np.full(int(keep.sum()), FAULT_BITS[ft.name], np.uint8),
                    "start": start[keep],
                    "end": end[keep],
                    "param": param[keep].astype(np.float64),
                },
                schema=_EP_SCHEMA,
            )
        )
    if not parts:
        return pl.DataFrame(schema=_EP_SCHEMA)
    return pl.concat(parts).sort("sensor_index", "start", "fault")


def apply_faults(
    kind: str,
    sensors: pl.DataFrame,
    minutes: np.ndarray,
    true: np.ndarray,
    *,
    seed: int,
    outages: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the fault episodes of the sensors to the true main variable.

    Parameters
    ----------
    kind : str
        Sensor kind.
    sensors : polars.DataFrame
        The rows simulated.
    minutes : numpy.ndarray of int64
        Absolute minutes (whole days).
    true : numpy.ndarray
        True main variable, (n_sensor, n_minute).
    seed : int
        Scenario seed.
    outages : numpy.ndarray of bool, optional
        Power-cut mask (n_sensor, n_minute): gaps with bits 1 and 64.

    Returns
    -------
    measured : numpy.ndarray
        Same dtype as ``true``; gaps are 65535 (uint16) or NaN (float32).
    fault : numpy.ndarray of uint8
        Fault bit mask.
    """
    n, m = true.shape
    m0 = int(minutes[0])
    ep = episodes(sensors, minutes, seed)
    fault = np.zeros((n, m), dtype=np.uint8)
    v = true.astype(np.float32)
    gap = np.zeros((n, m), dtype=bool)
    idx = sensor_index(sensors)[:, 0]
    order = {"drift": 0, "stuck": 1, "clock": 2, "spike": 3, "battery": 4, "gap": 5}
    ep = ep.with_columns(pl.col("fault").replace_strict(order).alias("_o")).sort("_o", "start")
    for row, fname, bit, start, end, param in ep.select(
        "row", "fault", "bit", "start", "end", "param"
    ).iter_rows():  # sparse episodes, not readings
        a, b = max(start - m0, 0), min(end - m0, m)
        fault[row, a:b] |= bit
        if fname == "drift":
            t = (minutes[a:b] - start).astype(np.float32) / np.float32(MINUTES_PER_DAY)
            if kind == "river":
                v[row, a:b] += np.float32(param) * t
            else:
                v[row, a:b] *= np.maximum(np.float32(0), 1 + np.float32(param) * t)
        elif fname == "stuck":
            v[row, a:b] = v[row, a]
        elif fname == "clock":
            day_lo = (start // MINUTES_PER_DAY) * MINUTES_PER_DAY - m0
            src = np.clip(np.arange(a, b) - int(param), day_lo, day_lo + MINUTES_PER_DAY - 1)
            v[row, a:b] = true[row, src]
        elif fname == "spike":
            v[row, a:b] += np.float32(param)
        elif fname == "battery":
            frac = (minutes[a:b] - start) / max(end - start, 1)
            drop = rnd.uniform(seed, "fault-battery-drop", idx[row], minutes[a:b]) < frac**2
            gap[row, a:b] |= drop
        elif fname == "gap":
            gap[row, a:b] = True
    if outages is not None:
        gap |= outages
        fault[outages] |= FAULT_BITS["outage"]
    fault[gap] |= FAULT_BITS["gap"]
    if true.dtype == np.uint16:
        out = np.clip(np.rint(v), 0, UINT16_GAP - 1).astype(np.uint16)
        out[gap] = UINT16_GAP
    else:
        if kind == "rain":
            np.maximum(v, 0, out=v)
        out = v.astype(true.dtype)
        out[gap] = np.nan
    return out, fault


def fault_events(
    sensors: pl.DataFrame, start, n_days: int, seed: int, scenario: str | Scenario = "normal-week"
) -> pl.DataFrame:
    """Table of the fault episodes of ``sensors`` overlapping a period.

    Parameters
    ----------
    sensors : polars.DataFrame
        Rows of ``city.sensors`` (any kinds).
    start : datetime.date or str
        First day (JST).
    n_days : int
        Number of days.
    seed : int
        Scenario seed.
    scenario : str or Scenario
        Scenario (faults do not depend on it today; power cuts are in
        :func:`toyama_lab.synth.outages.outages`).

    Returns
    -------
    polars.DataFrame
        ``sensor_id``, ``sensor_index``, ``kind``, ``fault``, ``bit``,
        ``start``, ``end`` (datetime, JST naive, end exclusive, possibly
        outside the period), ``param`` (spike size in the main variable's
        units, drift per day (relative, or m for rivers), clock offset [min]).
    """
    get_scenario(scenario)
    minutes = minute_axis(start, n_days)
    parts = []
    for kind in sensors["kind"].unique(maintain_order=True).to_list():
        sub = check_sensors(kind, sensors.filter(pl.col("kind") == kind))
        ids = sub.select(pl.int_range(pl.len(), dtype=pl.Int32).alias("row"), "sensor_id")
        ep = episodes(sub, minutes, seed).join(ids, on="row", how="left")
        parts.append(
            ep.with_columns(pl.lit(kind).alias("kind"), pl.lit(MAIN[kind]).alias("variable"))
        )
    t0 = pl.lit(EPOCH).cast(pl.Datetime("us"))
    if not parts:
        raise ValueError("fault_events: sensors is empty")
    return (
        pl.concat(parts)
        .with_columns(
            (t0 + pl.duration(minutes=pl.col("start"))).alias("start"),
            (t0 + pl.duration(minutes=pl.col("end"))).alias("end"),
        )
        .select(
            "sensor_id", "sensor_index", "kind", "variable", "fault", "bit", "start", "end", "param"
        )
        .sort("start", "sensor_index")
    )
