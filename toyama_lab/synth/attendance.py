"""Attendance truth of the synthetic city hall: who clocks in and out when, and why.

:func:`attendance` returns the attendance log of the city departments
(:mod:`toyama_lab.synth.departments`): one row per staff member and working day, with
the start pattern, clock-in and clock-out times (JST), the overtime and its reason. It
is deterministic and counter-based like every other truth: a staff member's day is a
pure function of ``(seed, department, staff number, day)``
(:mod:`toyama_lab.synth.random`), so a shorter window gives the same rows for the days
it shares with a longer one.

The work-interval rule (勤務間インターバル) is the one of Toyama Prefecture's trial
(source below): a member of staff whose previous working day ended at or after 21:30
may start the next day later, on the earliest late-start pattern (遅出) that leaves at
least 11 hours of rest; no overtime is worked on a late-start day. Not everyone takes
it: ``uptake`` is the share of eligible days on which it is taken.

Staff are pseudonymous: ``staff_id`` is ``S`` and a number from a seeded permutation,
never a name, and says nothing about the department or the order of hiring.

Notes
-----
Facts from the source (富山県 勤務間インターバル試行制度, started June 2023, as reported
in 台東区議会 企画総務委員会「令和５年度 行政視察報告」, study visit of 2023-11-06 to
11-08; seed document 002 of this project):

* target staff work 08:30-17:15 (:data:`STANDARD_START_MIN`, :data:`STANDARD_END_MIN`);
* the rule applies when the previous day's work ended at 21:30 or later
  (:data:`LATE_END_MIN`) and aims at 11 hours of rest "in principle" (:data:`REST_MIN`);
* it works through late-start patterns 遅出A-F; after an end at 23:00 the patterns
  C-F leave 11 hours; no overtime on a late-start day; using it is not compulsory, and
  some staff did not use it because their next day then ends later.

The pattern table itself (実施区分) is an image not reproduced in the text: the start
times of :data:`PATTERNS` (30-minute steps from 09:00) are an **assumption** that agrees
with the example (C = 10:00 is the first start 11 h after 23:00). Everything else
(overtime levels, leave, uptake 0.35, emergency duty) is synthetic.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from toyama_lab.synth import random as rnd
from toyama_lab.synth.calendar import day_info
from toyama_lab.synth.departments import (
    DEPARTMENTS,
    department_table,
    season_factor,
    season_reason,
)
from toyama_lab.synth.scenario import SCENARIOS, Scenario, get_scenario

__all__ = [
    "BUDGET_SEASON",
    "LATE_END_MIN",
    "PATTERNS",
    "REST_MIN",
    "STANDARD_END_MIN",
    "STANDARD_START_MIN",
    "UPTAKE",
    "WORK_SCENARIOS",
    "attendance",
    "emergency_duty",
    "get_work_scenario",
    "late_start_days",
    "pattern_for_rest",
    "roster",
]

#: Start of the regular working day, 08:30 [min after midnight] (source: module Notes).
STANDARD_START_MIN = 8 * 60 + 30
#: End of the regular working day, 17:15 [min after midnight] (source: module Notes).
STANDARD_END_MIN = 17 * 60 + 15
#: Length of a working day including the break, 8 h 45 min [min] (08:30-17:15).
SPAN_MIN = STANDARD_END_MIN - STANDARD_START_MIN
#: A previous day ending at or after 21:30 makes the next day eligible [min after midnight].
LATE_END_MIN = 21 * 60 + 30
#: Rest aimed at between two working days, 11 h [min].
REST_MIN = 11 * 60
#: Start patterns [min after midnight]: the regular day and 遅出A-F (A-F assumed in
#: 30-minute steps from 09:00; see the module Notes).
PATTERNS: dict[str, int] = {
    "standard": STANDARD_START_MIN,
    "A": 9 * 60,
    "B": 9 * 60 + 30,
    "C": 10 * 60,
    "D": 10 * 60 + 30,
    "E": 11 * 60,
    "F": 11 * 60 + 30,
}
#: Share of eligible days on which staff take a late start (synthetic; the source reports
#: only that some staff did not use it).
UPTAKE = 0.35
#: Share of ordinary working days on annual leave (synthetic, about 12 days a year).
LEAVE_SHARE = 0.05
#: Days simulated before the window so that runs of late nights start in the past. [day]
WARMUP_DAYS = 14

#: The budget-season scenario: four weeks of budget assessments in January (see
#: :mod:`toyama_lab.synth.departments` for the timing and its source).
BUDGET_SEASON = Scenario(
    "budget-season",
    "予算編成期の4週間",
    "Four weeks of the budget season",
    "Tuesday 2026-01-13 to Monday 2026-02-09: the budget office assesses the requests "
    "of every department (予算査定) before the budget goes to the council in February; "
    "ordinary weather, no hazard.",
    dt.date(2026, 1, 13),
    28,
)

#: Scenarios of the attendance truth: the city's scenarios plus the budget season.
WORK_SCENARIOS: dict[str, Scenario] = {**SCENARIOS, BUDGET_SEASON.name: BUDGET_SEASON}


def get_work_scenario(scenario: str | Scenario) -> Scenario:
    """The :class:`Scenario` of a name in :data:`WORK_SCENARIOS` (or the scenario itself).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if scenario == BUDGET_SEASON.name:
        return BUDGET_SEASON
    try:
        return get_scenario(scenario)
    except ValueError:
        raise ValueError(
            f"unknown scenario {scenario!r}; expected one of {sorted(WORK_SCENARIOS)}"
        ) from None


def roster(size: str, seed: int) -> pl.DataFrame:
    """Pseudonymous staff list of the city hall at a size.

    Parameters
    ----------
    size : {'tiny', 'class', 'city'}
        City size (:data:`toyama_lab.synth.departments.STAFF_PER_SIZE`).
    seed : int
        Scenario seed.

    Returns
    -------
    polars.DataFrame
        ``staff_id`` (``S0001``...: a seeded permutation, unique), ``dept_id``,
        ``staff_key`` (int64: the random-stream index, department number * 10,000 +
        staff number, so that a smaller size holds the first staff of a larger one).
    """
    depts = department_table(size)
    n = depts["n_staff"].to_numpy()
    dept_no = np.repeat(np.arange(len(n)), n)
    number = np.concatenate([np.arange(k) for k in n])
    key = dept_no.astype(np.int64) * 10_000 + number
    order = np.argsort(rnd.hash64(seed, "att-pseudonym", key, 0), kind="stable")
    pseudo = np.empty(key.size, dtype=np.int64)
    pseudo[order] = np.arange(1, key.size + 1)
    width = max(4, len(str(key.size)))
    return pl.DataFrame(
        {
            "staff_id": [f"S{p:0{width}d}" for p in pseudo],
            "dept_id": depts["dept_id"].to_numpy()[dept_no],
            "staff_key": key,
        }
    )


def emergency_duty(scenario: Scenario, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Emergency nights of a hazard scenario: how late, and how many staff stay.

    * heavy rain: every day whose evening (17:15 to 08:30 next day) overlaps the storm
      (first peak - 2 sigma to last peak + 2 sigma) keeps its crews until 2 h after the
      storm, at most until 06:00 the next morning;
    * earthquake: the day of the quake and the two after keep crews until 02:00 (next
      day), 23:00 and 22:00, with 100 %, 70 % and 40 % of each department's emergency share.

    These times are synthetic choices that mimic the alert periods of the scenarios.

    Parameters
    ----------
    scenario : Scenario
        The scenario (only its storm bands and quake matter).
    days : numpy.ndarray of int
        Day indices (days since :data:`toyama_lab.synth.calendar.EPOCH`).

    Returns
    -------
    until_min : numpy.ndarray of int64
        End of the emergency duty, minutes after the day's midnight (may exceed 1440);
        0 on days without one.
    scale : numpy.ndarray of float64
        Multiplier of each department's emergency share (0 on days without). [-]
    """
    days = np.asarray(days, dtype=np.int64)
    until = np.zeros(days.shape, dtype=np.int64)
    scale = np.zeros(days.shape, dtype=np.float64)
    epoch = np.datetime64("2000-01-01T00:00", "m")
    if scenario.storm:
        peaks = np.array([(np.datetime64(b.peak, "m") - epoch).astype(np.int64)
                          for b in scenario.storm])  # fmt: skip
        sig = np.array([b.sigma_h * 60 for b in scenario.storm])
        t0, t1 = int((peaks - 2 * sig).min()), int((peaks + 2 * sig).max())
        eve0 = days * 1440 + STANDARD_END_MIN
        eve1 = (days + 1) * 1440 + STANDARD_START_MIN
        hit = (eve0 < t1) & (eve1 > t0)
        until = np.where(hit, np.clip(t1 + 120 - days * 1440, STANDARD_END_MIN, 1800), until)
        scale = np.where(hit, 1.0, scale)
    if scenario.quake is not None:
        q = int((np.datetime64(scenario.quake.time, "m") - epoch).astype(np.int64)) // 1440
        for k, (u, s) in enumerate(((1560, 1.0), (1380, 0.7), (1320, 0.4))):
            on = days == q + k
            until = np.where(on, np.maximum(until, u), until)
            scale = np.where(on, np.maximum(scale, s), scale)
    return until, scale


def pattern_for_rest(prev_end_min, rest_min: int = REST_MIN) -> np.ndarray:
    """The earliest start pattern that leaves ``rest_min`` after the previous day's end.

    Parameters
    ----------
    prev_end_min : array_like of int
        End of the previous working day, minutes after *that* day's midnight (values
        above 1440 are past midnight).
    rest_min : int
        Rest aimed at. [min]

    Returns
    -------
    numpy.ndarray of str
        A key of :data:`PATTERNS` (``"standard"`` if 08:30 already leaves the rest;
        ``"F"`` if even 11:30 does not).

    Examples
    --------
    >>> pattern_for_rest([23 * 60, 22 * 60]).tolist()
    ['C', 'A']
    """
    need = np.asarray(prev_end_min, dtype=np.int64) + int(rest_min) - 1440
    names = np.array(list(PATTERNS))
    starts = np.array(list(PATTERNS.values()))
    ok = starts[None, :] >= need.reshape(-1, 1)
    pick = np.where(ok.any(axis=1), np.argmax(ok, axis=1), len(starts) - 1)
    return names[pick].reshape(need.shape)


def late_start_days(eligible: np.ndarray) -> np.ndarray:
    """Days started late under the rule "no late start right after a late start".

    A late-start day has no overtime, so the day after it is never eligible: within a
    run of consecutive eligible days the 1st, 3rd, 5th... are started late. Computed on
    whole arrays (a running count that restarts at every non-eligible day).

    Parameters
    ----------
    eligible : numpy.ndarray of bool, shape (n_staff, n_days)
        Days whose previous day (by the original times) ended at or after 21:30 and on
        which the member of staff would take the late start.

    Returns
    -------
    numpy.ndarray of bool
        Same shape: the days actually started late.

    Examples
    --------
    >>> late_start_days(np.array([[True, True, True, False, True]])).tolist()
    [[True, False, True, False, True]]
    """
    e = np.asarray(eligible, dtype=bool)
    c = np.cumsum(e, axis=-1)
    reset = np.maximum.accumulate(np.where(e, 0, c), axis=-1)
    return e & ((c - reset) % 2 == 1)


def _draws(seed, key, days, dept_row, info, until, scale):
    """Per staff-day draws: works, clock-in jitter, clock-out, overtime, reason, emergency."""
    k, dd = key[:, None], days[None, :]
    open_day = info["offices_open"].to_numpy()[None, :]
    doy = info["doy"].to_numpy()
    factor = np.stack([season_factor(DEPARTMENTS[i], doy) for i in range(len(DEPARTMENTS))])
    reason = np.stack([season_reason(DEPARTMENTS[i], doy) for i in range(len(DEPARTMENTS))])
    f = factor[dept_row]  # (n, d)
    share = np.array([x.ot_share for x in DEPARTMENTS])[dept_row][:, None]
    mean = np.array([x.ot_mean_min for x in DEPARTMENTS])[dept_row][:, None]
    em_share = np.array([x.emergency for x in DEPARTMENTS])[dept_row][:, None]
    emergency = rnd.uniform(seed, "att-emergency", k, dd) < em_share * scale[None, :]
    leave = (rnd.uniform(seed, "att-leave", k, dd) < LEAVE_SHARE) & ~emergency
    works = (open_day & ~leave) | emergency
    p_ot = np.minimum(0.95, share * np.sqrt(f))
    has_ot = rnd.uniform(seed, "att-ot-any", k, dd) < p_ot
    ot = np.where(has_ot, -mean * np.sqrt(f) * np.log(rnd.uniform(seed, "att-ot", k, dd)), 0.0)
    ot = np.minimum(np.rint(ot), 7 * 60).astype(np.int64)
    leave_jit = np.floor(10 * rnd.uniform(seed, "att-out", k, dd)).astype(np.int64)
    end = STANDARD_END_MIN + np.where(ot > 0, ot, leave_jit)
    end = np.where(emergency, np.maximum(end, until[None, :]), end)
    in_jit = 5 + np.floor(20 * rnd.uniform(seed, "att-in", k, dd)).astype(np.int64)
    why = np.where(ot > 0, np.where(reason[dept_row] == "", "routine", reason[dept_row]), "")
    why = np.where(emergency & (until[None, :] > STANDARD_END_MIN), "emergency", why)
    overtime = np.where(why != "", end - STANDARD_END_MIN, 0)
    return works, in_jit, end, overtime, why, emergency


def attendance(
    scenario: str | Scenario,
    *,
    size: str = "tiny",
    seed: int = 0,
    start=None,
    days: int | None = None,
    uptake: float = UPTAKE,
    rest_min: int = REST_MIN,
) -> pl.DataFrame:
    """Attendance log of the city hall's departments (one row per staff working day).

    Parameters
    ----------
    scenario : str or Scenario
        A key of :data:`WORK_SCENARIOS` (hazard scenarios bring emergency nights).
    size : {'tiny', 'class', 'city'}
        City size (number of staff per department).
    seed : int
        Scenario seed (>= 0).
    start : datetime.date or str, optional
        First day (default: the scenario's).
    days : int, optional
        Number of days (default: the scenario's).
    uptake : float
        Share of eligible days on which the late start is taken (0..1). [-]
    rest_min : int
        Rest the late-start pattern aims at. [min]

    Returns
    -------
    polars.DataFrame
        ``staff_id``, ``dept_id``, ``date`` (pl.Date), ``pattern`` (key of
        :data:`PATTERNS`), ``clock_in``, ``clock_out`` (pl.Datetime, JST naive),
        ``overtime_min`` [min] (after 17:15, or after the late pattern's end),
        ``reason`` (why the day ran late: a season of
        :data:`toyama_lab.synth.departments.SEASONS`, ``routine``, ``emergency``, or
        ``""`` without overtime). Sorted by ``staff_id`` and ``date``.

    Raises
    ------
    ValueError
        Unknown scenario or size, ``uptake`` outside 0..1, a bad ``rest_min``.

    Examples
    --------
    >>> log = attendance("budget-season", size="tiny", days=7)
    >>> log.columns[:4]
    ['staff_id', 'dept_id', 'date', 'pattern']
    """
    scen = get_work_scenario(scenario)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}; pass e.g. seed=0")
    if not (isinstance(uptake, (int, float)) and 0.0 <= uptake <= 1.0):
        raise ValueError(f"uptake={uptake!r} must be a share between 0 and 1, e.g. {UPTAKE}")
    if isinstance(rest_min, bool) or not isinstance(rest_min, int) or not 0 < rest_min < 1440:
        raise ValueError(f"rest_min={rest_min!r} must be whole minutes in 1..1439, e.g. 660")
    start = scen.start if start is None else start
    n_days = scen.days if days is None else days
    info = day_info(start, n_days)  # validates start and days
    info = day_info(info["date"][0] - dt.timedelta(days=WARMUP_DAYS), n_days + WARMUP_DAYS)
    staff = roster(size, int(seed))
    dept_ids = [x.dept_id for x in DEPARTMENTS]
    dept_row = np.array([dept_ids.index(v) for v in staff["dept_id"].to_list()])
    key = staff["staff_key"].to_numpy()
    day = info["day"].to_numpy().astype(np.int64)
    until, scale = emergency_duty(scen, day)
    works, in_jit, end, overtime, why, emergency = _draws(
        int(seed), key, day, dept_row, info, until, scale
    )
    prev_end = np.concatenate([np.zeros((key.size, 1), np.int64), end[:, :-1]], axis=1)
    prev_work = np.concatenate([np.zeros((key.size, 1), bool), works[:, :-1]], axis=1)
    take = rnd.uniform(int(seed), "att-uptake", key[:, None], day[None, :]) < uptake
    wanted = pattern_for_rest(prev_end, rest_min)
    eligible = works & prev_work & (prev_end >= LATE_END_MIN) & take & ~emergency
    late = late_start_days(eligible & (wanted != "standard"))
    pattern = np.where(late, wanted, "standard")
    start_min = np.vectorize(PATTERNS.__getitem__, otypes=[np.int64])(pattern)
    end = np.where(late, start_min + SPAN_MIN + (end - STANDARD_END_MIN) % 10, end)
    why = np.where(late, "", why)
    overtime = np.where(late, 0, overtime)
    keep = works.copy()
    keep[:, :WARMUP_DAYS] = False
    r, c = np.nonzero(keep)
    base = np.datetime64(info["date"][0], "m") + (c * 1440).astype("timedelta64[m]")
    return pl.DataFrame(
        {
            "staff_id": staff["staff_id"].to_numpy()[r],
            "dept_id": staff["dept_id"].to_numpy()[r],
            "date": base.astype("datetime64[D]"),
            "pattern": pattern[r, c],
            "clock_in": (base + (start_min[r, c] - in_jit[r, c]).astype("timedelta64[m]")).astype(
                "datetime64[us]"
            ),
            "clock_out": (base + end[r, c].astype("timedelta64[m]")).astype("datetime64[us]"),
            "overtime_min": overtime[r, c],
            "reason": why[r, c].astype(str),
        },
        schema_overrides={"date": pl.Date, "overtime_min": pl.Int32},
    ).sort("staff_id", "date")
