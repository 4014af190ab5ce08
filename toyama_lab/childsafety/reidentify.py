"""Why the 50 m home rule exists: estimating homes from tracks, with and without the rule.

FOR TEACHING ONLY, ON SYNTHETIC CHILDREN. A track that starts and ends at the same place
every day gives that place away: the first fix of the morning and the last fix of the
afternoon cluster around the child's home. This module shows it on the synthetic city.

* :func:`raw_tracks` builds what a tracker **without** the rule would record. The simulator
  (:func:`toyama_lab.synth.children.simulate_tracks`) always applies the rule at the device
  and has no switch to turn it off, so the raw track is built here from the same synthetic
  truth: the recorded fixes, plus the fixes a tracker left switched on at home would send
  for ``dwell_min`` minutes before the child leaves and after the child comes home (every
  ``interval_s`` seconds, at the true home plus GPS noise). The secret home positions come
  from ``city.children`` (synthetic; no real child exists).
* :func:`estimate_homes` is the attack: per child, the median (per axis, in metres) of the
  first fix and the last fix of every school day.
* :func:`home_errors` compares the estimate with the true (synthetic) home.

Notes
-----
GPS noise: N(0, 4 m) per axis, as in :mod:`toyama_lab.synth.children` (GPS.gov, "GPS
Accuracy": within 4.9 m under open sky). The random numbers are counter-based functions of
``(seed, child, time)`` (:mod:`toyama_lab.synth.random`), so the raw track is reproducible.
With the rule, a day's first and last fixes lie at least 50 m from home, but they lie on
the streets leading to it: the estimate lands near the home, typically some tens of metres
away, which is why the rule is a floor, not a guarantee, and why published tables are
also aggregated (:func:`toyama_lab.privacy.aggregate_with_threshold`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from toyama_lab.geo import from_local_xy_m, local_xy_m
from toyama_lab.privacy import home_distance_m
from toyama_lab.synth import random as cbr
from toyama_lab.synth.children import FIX_INTERVAL_S, simulate_tracks

__all__ = ["GPS_SIGMA_M", "estimate_homes", "home_errors", "raw_tracks"]

#: GPS noise per axis (GPS.gov, "GPS Accuracy"; same as the child simulator). [m]
GPS_SIGMA_M = 4.0
_EPOCH = dt.datetime(2000, 1, 1)


def raw_tracks(
    city,
    start,
    n_days: int,
    *,
    seed: int,
    dwell_min: float = 10.0,
    interval_s: int = FIX_INTERVAL_S,
) -> pl.DataFrame:
    """Tracks as a tracker WITHOUT the 50 m home rule would record them (synthetic only).

    Parameters
    ----------
    city : toyama_lab.city.City
        The synthetic city (its ``children`` hold the secret homes).
    start : datetime.date or str
        First day.
    n_days : int
        Number of days.
    seed : int
        Scenario seed (the same as for the recorded tracks).
    dwell_min : float
        Minutes the tracker reports at home before leaving and after coming home (0-60).
    interval_s : int
        Seconds between fixes. [s]

    Returns
    -------
    polars.DataFrame
        ``child_id``, ``time``, ``lon``, ``lat``, ``school_day``, ``at_home`` (True for the
        fixes the 50 m rule removes), sorted by child and time.
    """
    if not (0.0 <= float(dwell_min) <= 60.0):
        raise ValueError(f"dwell_min={dwell_min!r} must be between 0 and 60 minutes.")
    rec = simulate_tracks(city, start, n_days, seed=seed, interval_s=interval_s)
    rec = rec.select("child_id", "time", "lon", "lat", "school_day").with_columns(
        at_home=pl.lit(False)
    )
    n = int(float(dwell_min) * 60 // interval_s)
    if n == 0 or rec.height == 0:
        return rec
    ends = rec.group_by("child_id", "school_day").agg(
        pl.col("time").min().alias("t_first"), pl.col("time").max().alias("t_last")
    )
    ends = ends.join(city.children.select("child_id", "home_lon", "home_lat"), on="child_id")
    m = ends.height
    j = np.tile(np.arange(1, n + 1), 2 * m)
    row = np.repeat(np.arange(m), 2 * n)
    before = np.tile(np.repeat([True, False], n), m)
    tf = ends["t_first"].to_numpy().astype("datetime64[s]")
    tl = ends["t_last"].to_numpy().astype("datetime64[s]")
    step = np.timedelta64(int(interval_s), "s")
    t = np.where(before, tf[row] - j * step, tl[row] + j * step)
    hx, hy = local_xy_m(ends["home_lon"].to_numpy(), ends["home_lat"].to_numpy())
    cid = ends["child_id"].str.extract(r"(\d+)$").cast(pl.Int64).fill_null(0).to_numpy()
    tsec = (t - np.datetime64(_EPOCH, "s")).astype(np.int64)
    x = hx[row] + GPS_SIGMA_M * cbr.normal(int(seed), "reidentify-gps-x", cid[row], tsec)
    y = hy[row] + GPS_SIGMA_M * cbr.normal(int(seed), "reidentify-gps-y", cid[row], tsec)
    lon, lat = from_local_xy_m(x, y)
    home = pl.DataFrame(
        {
            "child_id": ends["child_id"].to_numpy()[row],
            "time": t.astype("datetime64[ms]"),
            "lon": lon,
            "lat": lat,
            "school_day": ends["school_day"].to_numpy()[row],
            "at_home": True,
        }
    ).cast(rec.schema)
    return pl.concat([rec, home]).sort("child_id", "time")


def estimate_homes(fixes: pl.DataFrame) -> pl.DataFrame:
    """Guess each child's home: the median of the first and last fix of every day.

    Parameters
    ----------
    fixes : polars.DataFrame
        ``child_id``, ``time``, ``lon``, ``lat`` (and ``school_day``; else the date of
        ``time`` is used).

    Returns
    -------
    polars.DataFrame
        ``child_id``, ``lon``, ``lat`` (the estimate) [deg], ``n_days``.
    """
    need = ("child_id", "time", "lon", "lat")
    missing = [c for c in need if c not in fixes.columns]
    if missing:
        raise ValueError(f"fixes lack column(s) {missing}; expected {list(need)}.")
    f = (
        fixes
        if "school_day" in fixes.columns
        else fixes.with_columns(school_day=pl.col("time").dt.date())
    )
    x, y = local_xy_m(f["lon"].to_numpy(), f["lat"].to_numpy())
    f = f.with_columns(pl.Series("x", x), pl.Series("y", y)).sort("child_id", "time")
    ends = f.group_by("child_id", "school_day").agg(
        pl.concat_list(pl.col("x").first(), pl.col("x").last()).alias("x"),
        pl.concat_list(pl.col("y").first(), pl.col("y").last()).alias("y"),
    )
    est = (
        ends.explode("x", "y")
        .group_by("child_id")
        .agg(
            pl.col("x").median(),
            pl.col("y").median(),
            pl.col("school_day").n_unique().alias("n_days"),
        )
        .sort("child_id")
    )
    lon, lat = from_local_xy_m(est["x"].to_numpy(), est["y"].to_numpy())
    return est.select("child_id", pl.Series("lon", lon), pl.Series("lat", lat), "n_days")


def home_errors(estimates: pl.DataFrame, homes: pl.DataFrame) -> pl.DataFrame:
    """Distance from each estimate to the true (synthetic) home.

    Parameters
    ----------
    estimates : polars.DataFrame
        From :func:`estimate_homes`.
    homes : polars.DataFrame
        ``child_id``, ``home_lon``, ``home_lat`` (``city.children``; secret).

    Returns
    -------
    polars.DataFrame
        ``child_id``, ``n_days``, ``error_m`` [m]; no home coordinate is returned.
    """
    d = home_distance_m(estimates, homes.select("child_id", "home_lon", "home_lat"))
    return d.select("child_id", "n_days", pl.col("home_distance_m").alias("error_m"))
