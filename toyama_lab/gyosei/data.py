"""Loaders of the 行政DX workbooks: they call the synthetic truth directly (no files).

The tables are small (at most a few tens of thousands of rows) and are made in well under
a second, so the workbooks build them on the fly instead of reading a stored dataset.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from toyama_lab.city import build_city
from toyama_lab.gyosei.counter_cost import slot_arrivals
from toyama_lab.gyosei.interval import rest_intervals
from toyama_lab.synth import simulate
from toyama_lab.synth.applications import applications
from toyama_lab.synth.attendance import UPTAKE, attendance, get_work_scenario
from toyama_lab.synth.calendar import day_info

__all__ = ["load_applications", "load_attendance", "load_counter", "uptake_whatif"]


def load_attendance(
    scenario: str,
    *,
    size: str = "tiny",
    seed: int = 0,
    start=None,
    days: int | None = None,
    uptake: float = UPTAKE,
) -> pl.DataFrame:
    """The attendance log of the synthetic city hall (:func:`toyama_lab.synth.attendance`).

    Parameters
    ----------
    scenario : str
        A key of :data:`toyama_lab.synth.attendance.WORK_SCENARIOS`.
    size, seed, start, days, uptake
        As for :func:`toyama_lab.synth.attendance.attendance`.

    Returns
    -------
    polars.DataFrame
        One row per staff member and working day.
    """
    return attendance(scenario, size=size, seed=seed, start=start, days=days, uptake=uptake)


def load_counter(
    scenario: str,
    *,
    size: str = "tiny",
    seed: int = 0,
    start=None,
    days: int | None = None,
    counter: str = "ctr-0001",
) -> dict:
    """Morning arrivals and windows of one city-hall counter, per open day and 30-min slot.

    Parameters
    ----------
    scenario : str
        A key of :data:`toyama_lab.synth.attendance.WORK_SCENARIOS`.
    size, seed : str, int
        City size and seed (the counters are the same three at every size).
    start, days
        Period (default: the scenario's).
    counter : str
        Counter sensor id (``ctr-0001`` is the main city hall's 市民課 counter).

    Returns
    -------
    dict
        ``dates`` (list of open days), ``lam`` [1/min], ``windows`` [-] (open days x
        slots) and ``slot_start`` [min after midnight]
        (:func:`toyama_lab.gyosei.counter_cost.slot_arrivals`), ``name_ja``,
        ``name_romaji``.
    """
    scen = get_work_scenario(scenario)
    start = scen.start if start is None else start
    days = scen.days if days is None else days
    city = build_city(seed, size)
    sensors = city.sensors.filter(pl.col("sensor_id") == counter)
    if sensors.height != 1:
        known = city.counters["sensor_id"].to_list()
        raise ValueError(f"unknown counter {counter!r}; expected one of {known}")
    out = simulate("counter", sensors, start, days, seed=seed, scenario=scen)
    slots = slot_arrivals(out["tickets"][0], out["windows_open"][0])
    info = day_info(start, days)
    is_open = info["offices_open"].to_numpy()
    names = city.counters.filter(pl.col("sensor_id") == counter)
    return {
        "dates": [d for d, o in zip(info["date"].to_list(), is_open, strict=True) if o],
        "lam": slots["lam"][is_open],
        "windows": slots["windows"][is_open],
        "slot_start": slots["slot_start"],
        "name_ja": names["name_ja"][0],
        "name_romaji": names["name_romaji"][0],
    }


def load_applications(
    *,
    size: str = "tiny",
    seed: int = 0,
    start: dt.date | str = "2025-10-01",
    days: int = 61,
) -> pl.DataFrame:
    """The synthetic application log (:func:`toyama_lab.synth.applications.applications`).

    Returns
    -------
    polars.DataFrame
        One row per application and processing step.
    """
    return applications(size=size, seed=seed, start=start, days=days)


def uptake_whatif(
    scenario: str,
    *,
    size: str = "tiny",
    seed: int = 0,
    start=None,
    days: int | None = None,
    uptakes=(0.0, UPTAKE, 1.0),
) -> pl.DataFrame:
    """Short rests if staff took the late start more or less often (same days, same work).

    The attendance truth is counter-based, so every uptake sees the same late nights: only
    the choice to start late changes (common random numbers).

    Parameters
    ----------
    scenario, size, seed, start, days
        As for :func:`load_attendance`.
    uptakes : sequence of float
        Shares of eligible days with a late start. [-]

    Returns
    -------
    polars.DataFrame
        ``uptake`` [-], ``n_intervals``, ``n_short``, ``late_days`` (days started late).
    """
    rows = []
    for u in uptakes:  # a handful of what-ifs
        log = attendance(scenario, size=size, seed=seed, start=start, days=days, uptake=float(u))
        iv = rest_intervals(log)
        late = int((log["pattern"] != "standard").sum())
        rows.append((float(u), iv.height, int(iv["short"].sum()), late))
    return pl.DataFrame(
        rows, schema=["uptake", "n_intervals", "n_short", "late_days"], orient="row"
    )
