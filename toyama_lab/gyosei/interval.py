"""Work intervals (勤務間インターバル): rest between two working days, who falls short, a KPI.

Pure functions on the attendance log of :func:`toyama_lab.synth.attendance.attendance`
(or any table with the same columns). The rest before a working day is the time from
the clock-out of the member of staff's previous working day to the scheduled start of
this one (08:30, or the late-start pattern's start; arriving a few minutes early is not
work), as in the trial's rule "from the end of one day's work to the start of the
next"; a rest
below 11 hours (:data:`toyama_lab.synth.attendance.REST_MIN`) is *short*: the aim of
Toyama Prefecture's trial (source in :mod:`toyama_lab.synth.attendance`).

The department KPI is published only for departments with at least ``k`` distinct staff
in the cell (:func:`toyama_lab.privacy.aggregate_with_threshold`), so that a small
department's figure does not point at one or two people.
"""

from __future__ import annotations

import polars as pl

from toyama_lab.privacy import MIN_CELL_CHILDREN, aggregate_with_threshold
from toyama_lab.synth.attendance import PATTERNS, REST_MIN

__all__ = ["LOG_COLUMNS", "check_log", "department_kpi", "rest_intervals", "short_rest_by"]

#: Columns the functions of this module need.
LOG_COLUMNS = ("staff_id", "dept_id", "date", "pattern", "clock_in", "clock_out", "reason")


def check_log(log: pl.DataFrame) -> pl.DataFrame:
    """Check that ``log`` has the attendance columns; return it unchanged.

    Raises
    ------
    ValueError
        Naming the missing columns and where a good log comes from.
    """
    if not isinstance(log, pl.DataFrame):
        raise ValueError(f"log must be a polars DataFrame, got {type(log).__name__}")
    missing = [c for c in LOG_COLUMNS if c not in log.columns]
    if missing:
        raise ValueError(
            f"the attendance log lacks columns {missing}; expected {list(LOG_COLUMNS)}. "
            "Load it with toyama_lab.gyosei.data.load_attendance(...)."
        )
    return log


def rest_intervals(log: pl.DataFrame, *, rest_min: int = REST_MIN) -> pl.DataFrame:
    """The rest before each working day that follows another one in the log.

    Parameters
    ----------
    log : polars.DataFrame
        Attendance log (:data:`LOG_COLUMNS`).
    rest_min : int
        Rest below which an interval is short. [min]

    Returns
    -------
    polars.DataFrame
        One row per working day with a previous working day in the log:
        ``staff_id``, ``dept_id``, ``date``, ``pattern``, ``prev_date``,
        ``prev_out`` (clock-out before the rest), ``rest_h`` (to the scheduled start)
        [h], ``short`` (bool:
        rest below ``rest_min``), ``prev_reason`` (why the previous day ran late).
        Sorted by ``staff_id`` and ``date``.

    Examples
    --------
    >>> import datetime as dt
    >>> log = pl.DataFrame({"staff_id": ["S1", "S1"], "dept_id": ["a", "a"],
    ...     "date": [dt.date(2026, 1, 13), dt.date(2026, 1, 14)],
    ...     "pattern": ["standard"] * 2, "reason": ["budget", ""],
    ...     "clock_in": [dt.datetime(2026, 1, 13, 8, 20), dt.datetime(2026, 1, 14, 8, 20)],
    ...     "clock_out": [dt.datetime(2026, 1, 13, 23, 0), dt.datetime(2026, 1, 14, 17, 20)]})
    >>> rest_intervals(log).select("rest_h", "short").row(0)
    (9.5, True)
    """
    check_log(log)
    unknown = set(log["pattern"].unique().to_list()) - set(PATTERNS)
    if unknown:
        raise ValueError(f"unknown start patterns {sorted(unknown)}; expected {list(PATTERNS)}")
    prev = pl.col("clock_out").shift(1).over("staff_id")
    start_min = pl.col("pattern").replace_strict(PATTERNS, return_dtype=pl.Int64)
    start_at = pl.col("date").cast(pl.Datetime("us")) + pl.duration(minutes=start_min)
    return (
        log.sort("staff_id", "date")
        .with_columns(
            prev_date=pl.col("date").shift(1).over("staff_id"),
            prev_out=prev,
            prev_reason=pl.col("reason").shift(1).over("staff_id"),
            rest_h=(start_at - prev).dt.total_minutes() / 60.0,
        )
        .filter(pl.col("prev_out").is_not_null())
        .with_columns(short=pl.col("rest_h") < rest_min / 60.0)
        .select(
            "staff_id",
            "dept_id",
            "date",
            "pattern",
            "prev_date",
            "prev_out",
            "rest_h",
            "short",
            "prev_reason",
        )
    )


def short_rest_by(intervals: pl.DataFrame, by: str | list[str]) -> pl.DataFrame:
    """Count intervals and short intervals per group (not for publication: no threshold).

    Parameters
    ----------
    intervals : polars.DataFrame
        From :func:`rest_intervals`.
    by : str or list of str
        Grouping columns (e.g. ``"prev_reason"``, ``"date"``, ``["dept_id", "date"]``).

    Returns
    -------
    polars.DataFrame
        ``by`` columns, ``n_intervals``, ``n_short``, ``short_share`` [-], sorted by ``by``.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, "short"] if c not in intervals.columns]
    if missing:
        raise ValueError(f"intervals lack {missing}; pass the table of rest_intervals(log).")
    return (
        intervals.group_by(by)
        .agg(n_intervals=pl.len(), n_short=pl.col("short").sum())
        .with_columns(short_share=pl.col("n_short") / pl.col("n_intervals"))
        .sort(by)
    )


def department_kpi(
    intervals: pl.DataFrame, departments: pl.DataFrame, *, k: int = MIN_CELL_CHILDREN
) -> pl.DataFrame:
    """Department KPI: share of working days that start after less than 11 h of rest.

    A department's figures are published only when at least ``k`` distinct staff stand
    behind them (all intervals) and, if any rest was short, at least ``k`` distinct staff
    had a short rest; otherwise they are suppressed (null, shown as "X").

    Parameters
    ----------
    intervals : polars.DataFrame
        From :func:`rest_intervals`.
    departments : polars.DataFrame
        ``dept_id``, ``name_ja``, ``name_en`` (e.g.
        :func:`toyama_lab.synth.departments.department_table`).
    k : int
        Minimum distinct staff per published cell (default 3, the rule of Japanese
        official statistics cited in :mod:`toyama_lab.privacy`).

    Returns
    -------
    polars.DataFrame
        ``dept_id``, ``name_ja``, ``name_en``, ``n_intervals``, ``n_short``,
        ``short_per_100`` (short rests per 100 working days) [-], ``n_staff_short``,
        ``suppressed``; one row per department of ``departments``, in its order.
    """
    if not isinstance(departments, pl.DataFrame) or "dept_id" not in departments.columns:
        raise ValueError("departments must be a DataFrame with dept_id, name_ja, name_en")
    rows = intervals.rename({"staff_id": "person"})
    every = aggregate_with_threshold(rows, "dept_id", k, id_col="person")
    short = aggregate_with_threshold(rows.filter(pl.col("short")), "dept_id", k, id_col="person")
    out = (
        departments.select("dept_id", "name_ja", "name_en")
        .join(
            every.rename({"n_fixes": "n_intervals", "n_children": "n_staff"}),
            on="dept_id",
            how="left",
        )
        .join(
            short.rename(
                {"n_fixes": "n_short", "n_children": "n_staff_short", "suppressed": "small"}
            ),
            on="dept_id",
            how="left",
        )
    )
    hidden = pl.col("suppressed").fill_null(True) | pl.col("small").fill_null(False)
    n_short = pl.col("n_short").fill_null(0)
    return out.select(
        "dept_id",
        "name_ja",
        "name_en",
        pl.when(hidden).then(None).otherwise(pl.col("n_intervals")).alias("n_intervals"),
        pl.when(hidden).then(None).otherwise(n_short).alias("n_short"),
        pl.when(hidden)
        .then(None)
        .otherwise(100.0 * n_short / pl.col("n_intervals"))
        .alias("short_per_100"),
        pl.when(hidden)
        .then(None)
        .otherwise(pl.col("n_staff_short").fill_null(0))
        .alias("n_staff_short"),
        hidden.alias("suppressed"),
    )
