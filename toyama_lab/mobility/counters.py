"""City-hall counter congestion (窓口混雑状況): queues by hour, where to go, staffing.

Toyama Smart City Square shows the live queue at three counters (本庁舎,
とやま市民交流館, 婦中行政サービスセンター) from their ticket machines, so that
citizens can go where it is quiet. This module provides:

- the staffing what-if on the M/M/c queue (:mod:`toyama_lab.queueing`, Erlang C):
  :func:`staffing_table`, :func:`min_windows`;
- :func:`hourly_profile`: mean queue, tickets and wait per counter and hour of the
  day, from the counter cube of :func:`toyama_lab.datasets.load`;
- :func:`where_to_go`: expected wait per counter at a given hour, plus an optional
  travel time, ranked.

The queueing formulas and their sources (Erlang 1917; Kleinrock 1975, sec. 3.5;
Gross et al. 2008, sec. 2.3) are in :mod:`toyama_lab.queueing`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
import xarray as xr

from toyama_lab.queueing import mmc_metrics

__all__ = [
    "hourly_profile",
    "min_windows",
    "staffing_table",
    "where_to_go",
]


def staffing_table(lam: float, mu: float, windows, *, within: float = 10.0) -> pl.DataFrame:
    """The M/M/c measures for each number of windows: the staffing what-if.

    Parameters
    ----------
    lam : float
        Arrival rate. [1/min] (tickets per hour / 60)
    mu : float
        Service rate of one window. [1/min]
    windows : sequence of int
        Window counts to compare.
    within : float
        Waiting-time limit of the service level. [min]

    Returns
    -------
    polars.DataFrame
        ``windows``, ``rho``, ``p_wait``, ``wq`` [min], ``lq`` [persons], ``w`` [min],
        ``service_level``; ``inf`` waits mark an unstable (ever-growing) queue.
    """
    c = np.asarray(list(windows), dtype=np.int64)
    if c.size == 0:
        raise ValueError("windows is empty; pass e.g. range(1, 13).")
    m = mmc_metrics(np.full(c.shape, float(lam)), float(mu), c, within=within)
    return pl.DataFrame({"windows": c, **{k: np.asarray(v, float) for k, v in m.items()}})


def min_windows(lam, mu, max_wait: float, *, c_max: int = 60) -> np.ndarray:
    """Fewest windows that keep the mean wait at or below ``max_wait``.

    Parameters
    ----------
    lam, mu : array_like
        Arrival and service rates. [1/min]
    max_wait : float
        Largest acceptable mean wait in the queue ``Wq``. [min]
    c_max : int
        Largest number of windows tried.

    Returns
    -------
    numpy.ndarray of int64
        The smallest ``c`` with ``Wq <= max_wait``; 0 where even ``c_max`` is not
        enough.
    """
    if not max_wait >= 0:
        raise ValueError(f"max_wait={max_wait!r} must be a waiting time >= 0 [min].")
    lam = np.asarray(lam, dtype=np.float64)
    mu = np.broadcast_to(np.asarray(mu, dtype=np.float64), lam.shape)
    cs = np.arange(1, int(c_max) + 1)
    shape = (cs.size, *lam.shape)
    wq = mmc_metrics(
        np.broadcast_to(lam, shape),
        np.broadcast_to(mu, shape),
        np.broadcast_to(cs.reshape((-1,) + (1,) * lam.ndim), shape),
    )["wq"]
    ok = wq <= max_wait
    return np.where(ok.any(axis=0), cs[np.argmax(ok, axis=0)], 0).astype(np.int64)


def hourly_profile(cube: xr.Dataset, *, open_days_only: bool = True) -> pl.DataFrame:
    """Mean queue, waiting time, tickets and windows per counter and hour of day.

    Parameters
    ----------
    cube : xarray.Dataset
        The counter cube (``Dataset.timeseries("counter")``) with ``queue_true``,
        ``wait_min``, ``tickets`` and ``windows_open`` at 1-minute steps.
    open_days_only : bool
        Average only over the days the counter was open (any window staffed), so
        weekends do not dilute the weekday hours.

    Returns
    -------
    polars.DataFrame
        ``sensor_id``, ``name_ja``, ``name_romaji``, ``hour`` (0-23), ``queue``
        (mean) [persons], ``wait_min`` (mean) [min], ``tickets_per_h`` (mean)
        [tickets/h], ``windows`` (mean staffed) [-], ``n_days`` (days averaged).
    """
    need = ("queue_true", "wait_min", "tickets", "windows_open")
    missing = [v for v in need if v not in cube.data_vars]
    if missing:
        raise ValueError(
            f"the cube lacks {missing}; pass the counter cube ds.timeseries('counter')."
        )
    n_sensor, n_time = cube["queue_true"].shape
    if n_time % 1440:
        raise ValueError(f"the cube must hold whole days of 1-minute steps, got {n_time} steps.")
    shape = (n_sensor, n_time // 1440, 24, 60)  # sensor, day, hour, minute
    arr = {v: np.asarray(cube[v].values, dtype=np.float64).reshape(shape) for v in need}
    is_open = (arr["windows_open"] > 0).any(axis=(2, 3))  # (sensor, day)
    weight = is_open[:, :, None] if open_days_only else np.ones_like(is_open)[:, :, None]
    n_days = weight.sum(axis=1)  # (sensor, 1)
    with np.errstate(invalid="ignore", divide="ignore"):

        def mean_over_days(x):  # x: (sensor, day, hour) -> (sensor, hour)
            return np.where(weight, x, 0.0).sum(axis=1) / n_days

        table = {
            "queue": mean_over_days(arr["queue_true"].mean(axis=3)),
            "wait_min": mean_over_days(arr["wait_min"].mean(axis=3)),
            "tickets_per_h": mean_over_days(arr["tickets"].sum(axis=3)),
            "windows": mean_over_days(arr["windows_open"].mean(axis=3)),
        }
    ids = [str(v) for v in cube["sensor_id"].values.tolist()]
    frame = pl.DataFrame(
        {
            "sensor_id": np.repeat(ids, 24),
            "hour": np.tile(np.arange(24), n_sensor).astype(np.int8),
            **{k: v.reshape(-1) for k, v in table.items()},
            "n_days": np.repeat(n_days[:, 0], 24).astype(np.int64),
        }
    )
    names = pl.DataFrame(
        {
            "sensor_id": ids,
            "name_ja": [str(v) for v in cube["name_ja"].values.tolist()],
            "name_romaji": [str(v) for v in cube["name_romaji"].values.tolist()],
        }
    )
    return (
        frame.join(names, on="sensor_id", how="left")
        .select(
            "sensor_id",
            "name_ja",
            "name_romaji",
            "hour",
            "queue",
            "wait_min",
            "tickets_per_h",
            "windows",
            "n_days",
        )
        .sort("sensor_id", "hour")
    )


def where_to_go(
    profile: pl.DataFrame, hour: int, travel_min: Mapping[str, float] | None = None
) -> pl.DataFrame:
    """Rank the counters by expected wait (plus travel time) at an hour of the day.

    Parameters
    ----------
    profile : polars.DataFrame
        From :func:`hourly_profile`.
    hour : int
        Hour of day (JST), e.g. 10 for 10:00-10:59.
    travel_min : mapping of sensor_id to float, optional
        Travel time from where you are to each counter. [min] Counters missing from
        the mapping are left out of the ranking (you cannot get there).

    Returns
    -------
    polars.DataFrame
        ``rank``, ``sensor_id``, ``name_ja``, ``name_romaji``, ``wait_min`` [min],
        ``travel_min`` [min] (0 without ``travel_min``) and ``total_min``
        [min], best first. Counters closed at that hour are left out.

    Raises
    ------
    ValueError
        If ``hour`` is not 0..23 or no counter is open then.
    """
    if isinstance(hour, bool) or int(hour) != hour or not 0 <= hour <= 23:
        raise ValueError(f"hour={hour!r} must be a whole hour 0..23 (JST).")
    rows = profile.filter((pl.col("hour") == int(hour)) & (pl.col("windows") > 0))
    if travel_min is not None:
        travel = pl.DataFrame(
            {"sensor_id": list(travel_min), "travel_min": [float(v) for v in travel_min.values()]}
        )
        if (travel["travel_min"] < 0).any():
            raise ValueError(f"travel times must be >= 0 minutes, got {dict(travel_min)}.")
        rows = rows.join(travel, on="sensor_id", how="inner")
    else:
        rows = rows.with_columns(travel_min=pl.lit(0.0))
    if rows.height == 0:
        raise ValueError(
            f"no counter is open at {int(hour)}:00 (open 8:30-17:15 on working days); "
            "choose an hour from 9 to 16."
        )
    return (
        rows.with_columns(total_min=pl.col("wait_min") + pl.col("travel_min"))
        .sort("total_min")
        .with_row_index("rank", offset=1)
        .select(
            "rank", "sensor_id", "name_ja", "name_romaji", "wait_min", "travel_min", "total_min"
        )
    )
