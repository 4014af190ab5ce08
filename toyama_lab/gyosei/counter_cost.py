"""What a late start costs at the citizens' counter: fewer windows in the morning, longer waits.

When members of the counter section (市民課) start late after a late night, their windows
open later. This module puts numbers on it with the M/M/c (Erlang C) model of
:func:`toyama_lab.queueing.mmc_metrics`, applied slot by slot (30 minutes) to
the arrivals of the synthetic counter: the *pointwise stationary approximation*, which
treats each slot as if its queue had settled (Green & Kolesar 1991), on the typical
open day of a period. A slot with at least as many arrivals as its windows can serve has
no stationary queue (the line grows until lunch): it is reported as *overloaded*, with
an infinite wait, rather than given a number.

Assumptions (synthetic, stated in the workbook): every member of the counter department
who starts late would otherwise staff one window of the main city hall's counter
(``ctr-0001``), and a window stays closed until its member of staff starts, unless one of
``cover`` colleagues steps in.

References
----------
Green, L. & Kolesar, P. (1991) "The pointwise stationary approximation for queues with
nonstationary arrivals", *Management Science* 37(1), 84-97.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.queueing import mmc_metrics
from toyama_lab.synth.attendance import PATTERNS, STANDARD_START_MIN
from toyama_lab.synth.mobility import SERVICE_MIN

__all__ = [
    "SLOTS",
    "SLOT_MIN",
    "late_start_table",
    "late_starters",
    "mornings_by_late_count",
    "slot_arrivals",
    "typical_day",
]

#: Length of a slot of the pointwise approximation. [min]
SLOT_MIN = 30
#: Morning slots from 08:30 to 11:30, the latest late start (遅出F). [min after midnight]
SLOTS = np.arange(STANDARD_START_MIN, PATTERNS["F"], SLOT_MIN)


def slot_arrivals(tickets: np.ndarray, windows: np.ndarray, first_minute: int = 0) -> dict:
    """Arrival rate and staffed windows per day and morning slot of one counter.

    Parameters
    ----------
    tickets : numpy.ndarray, shape (n_minutes,)
        Tickets issued per minute (whole days of 1440 minutes).
    windows : numpy.ndarray, shape (n_minutes,)
        Staffed windows per minute.
    first_minute : int
        Minute of the day of the first element (0: midnight).

    Returns
    -------
    dict
        ``lam`` (n_days, n_slots) [1/min], ``windows`` (n_days, n_slots) (the
        fewest windows staffed in the slot) [-], ``slot_start`` (n_slots,) [min after midnight].
    """
    t = np.asarray(tickets, dtype=np.float64)
    w = np.asarray(windows, dtype=np.int64)
    if t.shape != w.shape or t.ndim != 1 or (t.size + first_minute) % 1440:
        raise ValueError(
            f"tickets and windows must be 1-D arrays of whole days of minutes, got shapes "
            f"{t.shape} and {w.shape}; pass one counter's row of the synth counter output."
        )
    t = np.concatenate([np.zeros(first_minute), t]).reshape(-1, 1440)
    w = np.concatenate([np.zeros(first_minute, np.int64), w]).reshape(-1, 1440)
    idx = SLOTS[:, None] + np.arange(SLOT_MIN)[None, :]  # (n_slots, SLOT_MIN)
    return {
        "lam": t[:, idx].sum(axis=2) / SLOT_MIN,
        "windows": w[:, idx].min(axis=2),
        "slot_start": SLOTS.copy(),
    }


def late_starters(log: pl.DataFrame, dates, dept_id: str = "shimin") -> np.ndarray:
    """Staff of a department who have not started yet, per day and morning slot.

    Parameters
    ----------
    log : polars.DataFrame
        Attendance log (``dept_id``, ``date``, ``pattern``).
    dates : sequence of datetime.date
        The days, in order (rows of the result).
    dept_id : str
        The counter department.

    Returns
    -------
    numpy.ndarray of int64, shape (len(dates), n_slots)
        Staff on a late-start pattern whose start is after the slot's start.
    """
    starts = pl.DataFrame({"pattern": list(PATTERNS), "start_min": list(PATTERNS.values())})
    late = (
        log.filter((pl.col("dept_id") == dept_id) & (pl.col("pattern") != "standard"))
        .join(starts, on="pattern", how="left")
        .select("date", "start_min")
    )
    day_of = {d: i for i, d in enumerate(dates)}
    out = np.zeros((len(day_of), SLOTS.size), dtype=np.int64)
    if late.height:
        rows = np.array([day_of.get(d, -1) for d in late["date"].to_list()])
        keep = rows >= 0
        after = late["start_min"].to_numpy()[keep, None] > SLOTS[None, :]
        np.add.at(out, rows[keep], after.astype(np.int64))
    return out


def typical_day(lam: np.ndarray, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The typical open day of a period: mean arrival rate and windows per slot.

    Parameters
    ----------
    lam, windows : numpy.ndarray, shape (n_days, n_slots)
        From :func:`slot_arrivals` (open days only). [1/min], [-]

    Returns
    -------
    lam, windows : numpy.ndarray, shape (n_slots,)
        Mean rate [1/min] and the rounded mean of the windows [-].
    """
    lam = np.asarray(lam, dtype=np.float64)
    if lam.ndim != 2 or lam.shape[0] == 0:
        raise ValueError("no open day in the period: choose dates with working days")
    return lam.mean(axis=0), np.rint(np.asarray(windows).mean(axis=0)).astype(np.int64)


def late_start_table(
    lam: np.ndarray,
    windows: np.ndarray,
    *,
    n_late=(1, 2, 3),
    patterns=("A", "C", "F"),
    cover: int = 0,
    service_min: float = SERVICE_MIN,
) -> pl.DataFrame:
    """What-if: ``n`` counter staff start on a late pattern; the added waiting that morning.

    Each slot before the pattern's start loses ``max(n - cover, 0)`` windows; the wait in
    every slot is the Erlang C mean wait ``Wq`` of that slot (pointwise stationary,
    Green & Kolesar 1991), and the added waiting is ``sum(lam * 30 * (Wq_late - Wq))``
    over those slots, in citizen-minutes. The queue built up before the late staff arrive
    is not carried over to the next slots, so this is a lower bound of the cost.

    Parameters
    ----------
    lam, windows : numpy.ndarray, shape (n_slots,)
        The typical day (:func:`typical_day`). [1/min], [-]
    n_late : sequence of int
        Numbers of staff starting late.
    patterns : sequence of str
        Late-start patterns (keys of :data:`toyama_lab.synth.attendance.PATTERNS`).
    cover : int
        Staff who step in at the window for a late starter. [-]
    service_min : float
        Mean service time at a window. [min]

    Returns
    -------
    polars.DataFrame
        ``pattern``, ``start`` (HH:MM), ``n_late``, ``windows_lost``, ``slots`` (slots
        affected), ``wq_first`` (mean wait in the first slot, late) [min],
        ``added_wait_min`` (citizen-minutes, ``inf`` if a slot cannot keep up)
        [min], ``overloaded`` (bool: a slot with lost windows cannot keep up).

    Raises
    ------
    ValueError
        Unknown pattern, negative ``cover`` or ``n_late``, bad ``service_min``.
    """
    if isinstance(cover, bool) or not isinstance(cover, (int, np.integer)) or cover < 0:
        raise ValueError(f"cover={cover!r} must be a whole number of staff >= 0, e.g. 1")
    if not service_min > 0:
        raise ValueError(f"service_min={service_min!r} must be > 0 minutes, e.g. 7")
    bad = [p for p in patterns if p not in PATTERNS or p == "standard"]
    if bad:
        raise ValueError(f"unknown late-start patterns {bad}; expected some of A, B, C, D, E, F")
    n = np.asarray(list(n_late), dtype=np.int64)
    if n.size == 0 or (n < 0).any():
        raise ValueError(f"n_late={list(n_late)} must be whole numbers >= 0, e.g. (1, 2, 3)")
    lam = np.asarray(lam, dtype=np.float64)
    c = np.maximum(np.asarray(windows, dtype=np.int64), 1)
    mu = 1.0 / service_min
    start = np.array([PATTERNS[p] for p in patterns])
    before = SLOTS[None, :] < start[:, None]  # (pattern, slot)
    lost = np.minimum(np.maximum(n - cover, 0)[:, None, None] * before[None], c - 1)
    base = mmc_metrics(lam, mu, c)["wq"]
    late = mmc_metrics(np.broadcast_to(lam, lost.shape), mu, c - lost)["wq"]
    with np.errstate(invalid="ignore"):
        added = np.where(lost > 0, lam * SLOT_MIN * (late - base), 0.0).sum(axis=2)
    grid = np.meshgrid(np.arange(n.size), np.arange(len(patterns)), indexing="ij")
    i, j = grid[0].ravel(), grid[1].ravel()
    return pl.DataFrame(
        {
            "pattern": np.asarray(patterns)[j],
            "start": [
                f"{PATTERNS[p] // 60:02d}:{PATTERNS[p] % 60:02d}" for p in np.asarray(patterns)[j]
            ],
            "n_late": n[i],
            "windows_lost": lost.max(axis=2)[i, j],
            "slots": before.sum(axis=1)[j],
            "wq_first": late[i, j, 0],
            "added_wait_min": np.where(np.isnan(added), np.inf, added)[i, j],
            "overloaded": (np.isinf(late) & (lost > 0)).any(axis=2)[i, j],
        }
    )


def mornings_by_late_count(late: np.ndarray) -> pl.DataFrame:
    """How many open days had 0, 1, 2... counter staff starting late (first slot).

    Parameters
    ----------
    late : numpy.ndarray, shape (n_days, n_slots)
        From :func:`late_starters`.

    Returns
    -------
    polars.DataFrame
        ``n_late``, ``days``.
    """
    first = np.asarray(late)[:, 0] if np.asarray(late).size else np.zeros(0, np.int64)
    values, counts = np.unique(first, return_counts=True)
    return pl.DataFrame({"n_late": values.astype(np.int64), "days": counts.astype(np.int64)})
