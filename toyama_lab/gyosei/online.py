"""Moving a procedure online, with RPA: where the hours go, and a before/after estimate.

Pure functions on the application log of :func:`toyama_lab.synth.applications.applications`
(one row per application and processing step, with staff minutes):

- :func:`hours_by_step`: staff hours per procedure, channel and step;
- :func:`plan_minutes`: mean minutes per application after a change (a target online
  share, and RPA taking over a share of the automatable steps);
- :func:`bootstrap_saving`: the yearly saving with a percentile interval from a bootstrap
  over the observed days (Efron & Tibshirani 1993), which carries both the day-to-day
  variation of the volumes and the uncertainty of the mean step times;
- :func:`true_saving`: the same saving from the synthetic truth, to check the estimate.

References
----------
Efron, B. & Tibshirani, R. J. (1993) *An Introduction to the Bootstrap*, Chapman & Hall,
ch. 6 and 13 (bootstrap standard errors and percentile intervals).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.synth.applications import PROCEDURES, STEPS, VOLUME_SCALE, step_table
from toyama_lab.synth.calendar import day_info

__all__ = [
    "HOURS_PER_DAY",
    "RPA_HOURS_PER_YEAR",
    "bootstrap_saving",
    "hours_by_step",
    "open_days_per_year",
    "plan_minutes",
    "true_saving",
]

#: Regular working hours in a day, 08:30-17:15 less a 1-hour break (7 h 45 min), the day of
#: the staff in Toyama Prefecture's trial (source in :mod:`toyama_lab.synth.attendance`). [h]
HOURS_PER_DAY = 7.75
#: Hours of work saved a year by Toyama Prefecture's RPA (source: 台東区議会 企画総務委員会
#: 「令和５年度 行政視察報告」, study visit of 2023-11-06 to 11-08, seed document 002; see
#: :mod:`toyama_lab.gyosei`). [h/year]
RPA_HOURS_PER_YEAR = 12_000
_CHANNELS = ("paper", "online")
_LOG_COLUMNS = ("app_id", "date", "procedure", "channel", "step", "minutes", "automatable")


def _check(log: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in _LOG_COLUMNS if c not in getattr(log, "columns", [])]
    if missing:
        raise ValueError(
            f"the application log lacks columns {missing}; expected {list(_LOG_COLUMNS)}. "
            "Load it with toyama_lab.gyosei.data.load_applications(...)."
        )
    return log


def _check_plan(online_share: float, rpa_cut: float) -> None:
    for name, v in (("online_share", online_share), ("rpa_cut", rpa_cut)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            raise ValueError(f"{name}={v!r} must be a share between 0 and 1, e.g. 0.5")


def open_days_per_year(fiscal_year: int = 2025) -> int:
    """Days the city offices are open in a fiscal year (April to March). [day]

    Counted from :func:`toyama_lab.synth.calendar.day_info` (weekends, public holidays
    and the year-end break 12/29-1/3 closed).

    Examples
    --------
    >>> open_days_per_year(2025)
    242
    """
    import datetime as dt

    start = dt.date(fiscal_year, 4, 1)
    n = (dt.date(fiscal_year + 1, 4, 1) - start).days
    return int(day_info(start, n)["offices_open"].sum())


def hours_by_step(log: pl.DataFrame) -> pl.DataFrame:
    """Staff hours per procedure, channel and step over the whole log.

    Returns
    -------
    polars.DataFrame
        ``procedure``, ``channel``, ``step``, ``automatable``, ``n_apps``, ``hours`` [h],
        ``mean_min`` [min per application]; sorted by procedure, channel, step order.
    """
    _check(log)
    order = pl.DataFrame({"step": list(STEPS), "step_no": range(len(STEPS))})
    return (
        log.group_by("procedure", "channel", "step", "automatable")
        .agg(n_apps=pl.len(), hours=pl.col("minutes").sum() / 60, mean_min=pl.col("minutes").mean())
        .join(order, on="step")
        .sort("procedure", "channel", "step_no")
        .drop("step_no")
    )


def _day_arrays(log: pl.DataFrame):
    """Per open day: applications per (procedure, channel), minutes per (proc, ch, step)."""
    procs = np.array([p.proc_id for p in PROCEDURES])
    steps = np.array(list(STEPS))
    day = log["date"].to_physical().to_numpy()
    days = np.unique(day)
    d = np.searchsorted(days, day)
    p = np.searchsorted(procs, log["procedure"].to_numpy(), sorter=np.argsort(procs))
    p = np.argsort(procs)[p]
    c = (log["channel"].to_numpy() == "online").astype(np.int64)
    s = np.argsort(steps)[np.searchsorted(steps, log["step"].to_numpy(), sorter=np.argsort(steps))]
    minutes = np.zeros((days.size, procs.size, 2, steps.size))
    np.add.at(minutes, (d, p, c, s), log["minutes"].to_numpy())
    first = s == 0  # each application has exactly one row of the first step
    apps = np.zeros((days.size, procs.size, 2))
    np.add.at(apps, (d[first], p[first], c[first]), 1.0)
    return days, minutes, apps


def plan_minutes(mean_min: np.ndarray, online_share: float, rpa_cut: float) -> np.ndarray:
    """Mean staff minutes per application after the change, per procedure.

    Parameters
    ----------
    mean_min : numpy.ndarray, shape (..., n_proc, 2, n_steps)
        Mean minutes per step for paper (index 0) and online (index 1). [min]
    online_share : float
        Share of applications received online after the change. [-]
    rpa_cut : float
        Share of the minutes of automatable steps that RPA takes over. [-]

    Returns
    -------
    numpy.ndarray, shape (..., n_proc)
        Expected minutes per application. [min]
    """
    _check_plan(online_share, rpa_cut)
    auto = np.array([STEPS[s][2] for s in STEPS], dtype=np.float64)
    per_channel = (np.asarray(mean_min) * (1.0 - rpa_cut * auto)).sum(axis=-1)
    return (1.0 - online_share) * per_channel[..., 0] + online_share * per_channel[..., 1]


def bootstrap_saving(
    log: pl.DataFrame,
    *,
    online_share: float = 0.6,
    rpa_cut: float = 0.8,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
    days_per_year: int | None = None,
) -> dict:
    """Yearly staff hours saved by the change, with a bootstrap percentile interval.

    Before: the minutes in the log. After: each day's applications processed at the
    mean minutes of :func:`plan_minutes`, estimated from the log. The bootstrap draws
    the open days of the log with replacement ``n_boot`` times and recomputes both.

    Parameters
    ----------
    log : polars.DataFrame
        Application log.
    online_share, rpa_cut : float
        The change (:func:`plan_minutes`). [-]
    n_boot : int
        Bootstrap resamples (>= 100).
    seed : int
        Seed of the resampling (numpy ``default_rng``; same seed, same interval).
    level : float
        Coverage of the interval, e.g. 0.95. [-]
    days_per_year : int, optional
        Open days a year (default :func:`open_days_per_year` of fiscal 2025). [day]

    Returns
    -------
    dict
        ``before_h``, ``after_h``, ``saving_h`` (point estimates per year) [h/year],
        ``low_h``, ``high_h`` (the interval of the saving) [h/year], ``samples`` (the
        bootstrap savings) [h/year], ``n_days`` (open days in the log), ``fte`` (saving
        in full-time staff at :data:`HOURS_PER_DAY` hours a day) [-], ``level``.
    """
    _check(log)
    _check_plan(online_share, rpa_cut)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 100:
        raise ValueError(f"n_boot={n_boot!r} must be an int >= 100, e.g. 2000")
    if not 0.5 <= level < 1.0:
        raise ValueError(f"level={level!r} must be in [0.5, 1), e.g. 0.95")
    if log.height == 0:
        raise ValueError("the application log is empty: choose a period with working days")
    year = open_days_per_year() if days_per_year is None else int(days_per_year)
    _, minutes, apps = _day_arrays(log)
    n = minutes.shape[0]
    rng = np.random.default_rng(seed)
    w = np.vstack([np.ones(n), rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot)])
    tot = np.einsum("bd,dpcs->bpcs", w, minutes)
    cnt = np.einsum("bd,dpc->bpc", w, apps)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = tot / cnt[..., None]
    mean = np.nan_to_num(mean)  # a channel never seen: no minutes
    before = tot.sum(axis=(1, 2, 3)) / n
    after = (plan_minutes(mean, online_share, rpa_cut) * cnt.sum(axis=2)).sum(axis=1) / n
    saving = (before - after) * year / 60.0
    lo, hi = np.quantile(saving[1:], [(1 - level) / 2, (1 + level) / 2])
    return {
        "before_h": float(before[0] * year / 60.0),
        "after_h": float(after[0] * year / 60.0),
        "saving_h": float(saving[0]),
        "low_h": float(lo),
        "high_h": float(hi),
        "samples": saving[1:],
        "n_days": int(n),
        "fte": float(saving[0] / (year * HOURS_PER_DAY)),
        "level": float(level),
    }


def true_saving(
    size: str, *, online_share: float = 0.6, rpa_cut: float = 0.8, fiscal_year: int = 2025
) -> float:
    """The yearly saving of the synthetic truth (expected volumes and step means). [h/year]

    Uses the procedures' volumes, today's online shares and the mean step minutes of
    :func:`toyama_lab.synth.applications.step_table`, over the open days of a fiscal
    year with their weekday factors.
    """
    _check_plan(online_share, rpa_cut)
    if size not in VOLUME_SCALE:
        raise ValueError(f"unknown size {size!r}; expected one of {list(VOLUME_SCALE)}")
    import datetime as dt

    from toyama_lab.synth.applications import _DOW

    start = dt.date(fiscal_year, 4, 1)
    info = day_info(start, (dt.date(fiscal_year + 1, 4, 1) - start).days)
    days = float((_DOW[info["weekday"].to_numpy()] * info["offices_open"].to_numpy()).sum())
    table = step_table()
    mean = np.array(
        [[[table.filter((pl.col("procedure") == p.proc_id) & (pl.col("channel") == ch)
                        & (pl.col("step") == s))["mean_min"][0] for s in STEPS]
          for ch in _CHANNELS] for p in PROCEDURES]
    )  # fmt: skip
    share_now = np.array([p.online_share for p in PROCEDURES])
    per_day = np.array([p.per_day for p in PROCEDURES]) * VOLUME_SCALE[size]
    now = (1 - share_now) * mean[:, 0].sum(axis=1) + share_now * mean[:, 1].sum(axis=1)
    after = plan_minutes(mean, online_share, rpa_cut)
    return float((per_day * (now - after)).sum() * days / 60.0)
