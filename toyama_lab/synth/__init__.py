"""Physical truth of the synthetic city, per sensor kind, as pure functions of time.

The main entry point is :func:`simulate`: for rows of ``city.sensors`` of one
kind and whole JST days it returns every variable of that kind
(:data:`VARIABLES`) as ``(n_sensor, n_minute)`` arrays at 1-minute steps. A
value at (sensor, minute) is a pure function of ``(seed, scenario,
sensor_index, minute)`` (:mod:`toyama_lab.synth.random`), so it does not
depend on which other sensors or days are in the call.

Event tables: :func:`fault_events`, :func:`outages`, :func:`event_days`,
:func:`rain_events`.
Children's trackers live in :mod:`toyama_lab.synth.children`.

Examples
--------
>>> import polars as pl
>>> from toyama_lab.synth import simulate, VARIABLES
>>> sensors = pl.DataFrame({"sensor_id": ["ped-0001"], "sensor_index": [0],
...                         "kind": ["pedestrian"], "area": ["central"]})
>>> out = simulate("pedestrian", sensors, "2025-10-06", 1, seed=0, scenario="normal-week")
>>> out["count"].shape, out["count"].dtype
((1, 1440), dtype('uint16'))
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.synth import hazards, mobility
from toyama_lab.synth._sensors import check_sensors
from toyama_lab.synth.calendar import EPOCH, day_info, event_days, minute_axis, time_axis
from toyama_lab.synth.faults import apply_faults, fault_events
from toyama_lab.synth.outages import outage_mask, outages
from toyama_lab.synth.scenario import SCENARIOS, Quake, Scenario, StormBand, get_scenario
from toyama_lab.synth.variables import FAULT_BITS, KINDS, MAIN, VARIABLES, Variable
from toyama_lab.synth.weather import rain_events

__all__ = [
    "EPOCH",
    "FAULT_BITS",
    "KINDS",
    "MAIN",
    "SCENARIOS",
    "VARIABLES",
    "Quake",
    "Scenario",
    "StormBand",
    "Variable",
    "day_info",
    "event_days",
    "fault_events",
    "get_scenario",
    "minute_axis",
    "outages",
    "rain_events",
    "simulate",
    "time_axis",
]

_MODELS = {
    "pedestrian": mobility.pedestrian,
    "bicycle_park": mobility.bicycle_park,
    "counter": mobility.counter,
    "rain": hazards.rain,
    "river": hazards.river,
}


def simulate(
    kind: str,
    sensors: pl.DataFrame,
    start,
    n_days: int,
    *,
    seed: int,
    scenario: str | Scenario,
) -> dict[str, np.ndarray]:
    """Simulate the variables of one sensor kind over whole days at 1-minute steps.

    Parameters
    ----------
    kind : {'pedestrian', 'bicycle_park', 'counter', 'rain', 'river'}
        Sensor kind.
    sensors : polars.DataFrame
        Rows of ``city.sensors`` of that kind (any subset, any order).
    start : datetime.date or str
        First day, ``YYYY-MM-DD`` (JST midnight).
    n_days : int
        Number of whole days.
    seed : int
        Scenario seed.
    scenario : str or Scenario
        A key of :data:`SCENARIOS` or a :class:`Scenario`.

    Returns
    -------
    dict of str to numpy.ndarray
        The variables of ``VARIABLES[kind]``, in that order, each of shape
        ``(len(sensors), n_days * 1440)`` and of the declared dtype. The main
        variable (``MAIN[kind]``) carries faults and gaps (65535 for uint16,
        NaN for float32); ``<main>_true`` is the clean truth; ``fault`` the
        bit mask (:data:`FAULT_BITS`). Minute ``j`` is the minute starting at
        ``start + j min`` (JST); see :func:`time_axis`.

    Raises
    ------
    ValueError
        Unknown kind or scenario, rows of another kind, bad dates.
    """
    scen = get_scenario(scenario)
    sensors = check_sensors(kind, sensors)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    minutes = minute_axis(start, n_days)
    truth = _MODELS[kind](sensors, minutes, seed=int(seed), scenario=scen)
    main = MAIN[kind]
    # faults act on what the instrument reads: its own reading where the model
    # makes one (the rain gauge's tipping bucket), else the truth
    reading = truth.get(main, truth[f"{main}_true"])
    measured, fault = apply_faults(
        kind,
        sensors,
        minutes,
        reading,
        seed=int(seed),
        outages=outage_mask(sensors, minutes, scen, int(seed)),
    )
    out = {**truth, main: measured, "fault": fault}
    return {v.name: out[v.name] for v in VARIABLES[kind]}
