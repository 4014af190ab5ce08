"""The 自主防災組織の組織率 KPI by district, and how far people live from a shelter.

Two pieces:

1. **Organisation rate (組織率)**: the share of households covered by a voluntary
   disaster-prevention organisation (自主防災組織). Toyama City's SDGs report names this KPI
   and says it rises every year [1]_. **The district rates made
   here are synthetic**: a deterministic function of ``seed`` (counter-based random numbers,
   :mod:`toyama_lab.synth.random`), built so that the population-weighted city-wide rate
   rises every year. The city-wide starting level :data:`ILLUSTRATIVE_CITYWIDE` is an
   **assumption for teaching, not an official figure**.
2. **Shelter reach**: the share of a district's population within a straight-line distance
   of the nearest designated shelter (指定避難所 [3]_; here the elementary schools, which most
   Japanese cities designate as shelters). The population of a district is spread evenly
   over a grid of points inside its polygon (an assumption: real people cluster along
   roads and valleys, so hill districts look worse than they are).

Notes
-----
Distances are straight lines; walking routes are longer. A ``detour`` factor multiplies
them (1.0 = straight line; street networks are typically 1.2-1.4 times longer, an
assumption to vary in the exercise). The 500 m threshold echoes the Fire and Disaster
Management Agency's guidance that people who need help can walk at most about 500 m when
evacuating (消防庁「津波避難対策推進マニュアル検討会報告書」, 2013, written for tsunami
evacuation [2]_); 1 km (about 15 minutes on foot) is an assumption of this workbook, not a
national standard for 指定避難所.

References
----------
.. [1] 富山市 SDGs 未来都市計画 / SDGs report: 自主防災組織の組織率 (rising every year).
.. [2] 消防庁, 「津波避難対策推進マニュアル検討会報告書」 (平成25年).
.. [3] 災害対策基本法 第49条の7 (指定避難所).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
import shapely

from toyama_lab.geo import from_local_xy_m, haversine_m, local_xy_m
from toyama_lab.synth import random as cbr

__all__ = [
    "ILLUSTRATIVE_CITYWIDE",
    "REACH_THRESHOLDS_M",
    "citywide_rate",
    "lagging_districts",
    "organisation_rates",
    "population_points",
    "shelter_reach",
    "shelters_from_schools",
]

#: Illustrative city-wide organisation rate in the first year and its yearly rise.
#: ASSUMPTION for teaching (not an official Toyama City figure).
ILLUSTRATIVE_CITYWIDE: dict[str, float] = {"first_year": 2019, "rate": 0.80, "annual_gain": 0.012}
#: Distances for the shelter-reach table: 500 m (消防庁 2013, see Notes) and 1 km (assumption). [m]
REACH_THRESHOLDS_M: tuple[float, ...] = (500.0, 1000.0)


def organisation_rates(
    districts: pl.DataFrame,
    years: Sequence[int] = tuple(range(2019, 2025)),
    seed: int = 0,
    *,
    citywide_start: float = ILLUSTRATIVE_CITYWIDE["rate"],
    annual_gain: float = ILLUSTRATIVE_CITYWIDE["annual_gain"],
    spread: float = 0.08,
) -> pl.DataFrame:
    """SYNTHETIC organisation rates per district and year.

    Each district gets an offset from the city level, ``N(0, spread)`` re-centred so that
    the population-weighted offsets sum to zero (the first year's city-wide rate is then
    ``citywide_start`` unless clipping bites), and its own yearly
    gain, uniform in ``0.2 .. 1.8 x annual_gain`` (never negative), both from counter-based
    random numbers of ``(seed, district row)``. The rate is clipped to 0.3-1.0. Because no
    district ever falls, the population-weighted city-wide rate never falls, and it rises
    as long as some district is below 100 %.

    Parameters
    ----------
    districts : polars.DataFrame
        ``city.districts`` (``district_id``, ``name_ja``, ``name_romaji``, ``population``).
    years : sequence of int
        Fiscal years, increasing.
    seed : int
        Non-negative seed; the same seed gives the same rates.
    citywide_start : float
        Illustrative city-wide rate in the first year (0-1); an assumption.
    annual_gain : float
        Mean yearly rise of a district's rate (0-0.1). [1/yr]
    spread : float
        Standard deviation of the districts' offsets (0-0.3).

    Returns
    -------
    polars.DataFrame
        ``district_id``, ``name_ja``, ``name_romaji``, ``population``, ``year``, ``rate``
        (0-1), ``synthetic`` (always True).

    Raises
    ------
    ValueError
        For bad years, seed or rates, or missing columns.
    """
    need = ("district_id", "name_ja", "name_romaji", "population")
    missing = [c for c in need if c not in districts.columns]
    if missing:
        raise ValueError(f"districts lack column(s) {missing}; pass city.districts.")
    yrs = np.asarray(list(years), dtype=np.int64)
    if yrs.size == 0 or np.any(np.diff(yrs) <= 0):
        raise ValueError(
            f"years={list(years)!r} must be non-empty and increasing, e.g. 2019..2024."
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer.")
    for name, v, lo, hi in (
        ("citywide_start", citywide_start, 0.3, 1.0),
        ("annual_gain", annual_gain, 0.0, 0.1),
        ("spread", spread, 0.0, 0.3),
    ):
        if not (lo <= float(v) <= hi):
            raise ValueError(f"{name}={v!r} must be between {lo} and {hi}.")
    idx = np.arange(districts.height, dtype=np.int64)
    offset = spread * cbr.normal(int(seed), "bousai-offset", idx, 0)
    pop = districts["population"].cast(pl.Float64).to_numpy()
    offset -= np.average(offset, weights=pop) if pop.sum() > 0 else offset.mean()
    gain = annual_gain * (0.2 + 1.6 * cbr.uniform(int(seed), "bousai-gain", idx, 0))
    rate = citywide_start + offset[:, None] + gain[:, None] * (yrs - yrs[0])[None, :]
    rate = np.clip(rate, 0.3, 1.0)
    n_d, n_y = rate.shape
    base = districts.select(*need).with_columns(pl.col("population").cast(pl.Int64))
    return (
        base[np.repeat(idx, n_y)]
        .with_columns(
            pl.Series("year", np.tile(yrs, n_d), dtype=pl.Int64),
            pl.Series("rate", rate.reshape(-1)),
            synthetic=pl.lit(True),
        )
        .sort("district_id", "year")
    )


def citywide_rate(rates: pl.DataFrame) -> pl.DataFrame:
    """Population-weighted city-wide rate per year (the KPI as a city would report it).

    Returns
    -------
    polars.DataFrame
        ``year``, ``rate`` (0-1), ``change`` (from the year before; null for the first).
    """
    missing = [c for c in ("year", "rate", "population") if c not in rates.columns]
    if missing:
        raise ValueError(f"rates lack column(s) {missing}; pass organisation_rates(...).")
    return (
        rates.group_by("year")
        .agg(
            ((pl.col("rate") * pl.col("population")).sum() / pl.col("population").sum()).alias(
                "rate"
            )
        )
        .sort("year")
        .with_columns(change=pl.col("rate").diff())
    )


def lagging_districts(rates: pl.DataFrame, *, gap: float = 0.05) -> pl.DataFrame:
    """Districts whose latest rate is more than ``gap`` below the city-wide rate.

    Parameters
    ----------
    rates : polars.DataFrame
        From :func:`organisation_rates`.
    gap : float
        How far below the city-wide rate counts as lagging (0-1).

    Returns
    -------
    polars.DataFrame
        Every district with ``rate`` (latest year), ``citywide``, ``gap`` (city minus
        district), ``gain`` (latest minus first year) and ``lagging`` (bool), sorted by
        ``gap`` descending.
    """
    if not (0.0 <= gap <= 1.0):
        raise ValueError(f"gap={gap!r} must be a share between 0 and 1, e.g. 0.05 (5 points).")
    city = citywide_rate(rates)
    y0, y1 = city["year"].min(), city["year"].max()
    c1 = float(city.filter(pl.col("year") == y1)["rate"][0])
    first = rates.filter(pl.col("year") == y0).select("district_id", pl.col("rate").alias("r0"))
    return (
        rates.filter(pl.col("year") == y1)
        .join(first, on="district_id")
        .select(
            "district_id",
            "name_ja",
            "name_romaji",
            "population",
            "rate",
            pl.lit(c1).alias("citywide"),
            (pl.lit(c1) - pl.col("rate")).alias("gap"),
            (pl.col("rate") - pl.col("r0")).alias("gain"),
        )
        .with_columns(lagging=pl.col("gap") > gap)
        .sort("gap", descending=True)
    )


def population_points(districts: pl.DataFrame, spacing_m: float = 250.0) -> pl.DataFrame:
    """Spread each district's population evenly over grid points inside its polygon.

    Parameters
    ----------
    districts : polars.DataFrame
        ``city.districts`` with ``polygon_wkt`` and ``population``.
    spacing_m : float
        Grid spacing (50-2000). [m]

    Returns
    -------
    polars.DataFrame
        ``district_id``, ``lon``, ``lat`` [deg], ``population`` (float: people per point).
        A district too small for any grid point gets one point at its polygon's
        representative point.
    """
    if not (50.0 <= float(spacing_m) <= 2000.0):
        raise ValueError(f"spacing_m={spacing_m!r} must be between 50 and 2000 m.")
    missing = [
        c for c in ("district_id", "polygon_wkt", "population") if c not in districts.columns
    ]
    if missing:
        raise ValueError(f"districts lack column(s) {missing}; pass city.districts.")
    parts = []
    for did, wkt, pop in districts.select("district_id", "polygon_wkt", "population").iter_rows():
        poly = shapely.from_wkt(wkt)  # one loop per district, not per point
        x0, y0, x1, y1 = poly.bounds
        (ax, bx), (ay, by) = local_xy_m([x0, x1], [y0, y1])
        gx, gy = np.meshgrid(
            np.arange(ax + spacing_m / 2, bx, spacing_m),
            np.arange(ay + spacing_m / 2, by, spacing_m),
        )
        lon, lat = from_local_xy_m(gx.ravel(), gy.ravel())
        inside = shapely.contains_xy(poly, lon, lat)
        lon, lat = lon[inside], lat[inside]
        if lon.size == 0:
            rp = poly.representative_point()
            lon, lat = np.array([rp.x]), np.array([rp.y])
        parts.append(
            pl.DataFrame(
                {"district_id": did, "lon": lon, "lat": lat, "population": float(pop) / lon.size}
            )
        )
    return pl.concat(parts)


def shelters_from_schools(city) -> pl.DataFrame:
    """The elementary schools as designated shelters (``shelter_id``, names, ``lon``, ``lat``)."""
    return city.schools.select(
        pl.col("school_id").alias("shelter_id"), "name_ja", "name_romaji", "lon", "lat"
    )


def shelter_reach(
    points: pl.DataFrame,
    shelters: pl.DataFrame,
    thresholds_m: Sequence[float] = REACH_THRESHOLDS_M,
    *,
    detour: float = 1.0,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Distance from every population point to its nearest shelter, and the share within reach.

    Parameters
    ----------
    points : polars.DataFrame
        From :func:`population_points`.
    shelters : polars.DataFrame
        ``shelter_id``, ``lon``, ``lat`` (e.g. :func:`shelters_from_schools`).
    thresholds_m : sequence of float
        Distances to report. [m]
    detour : float
        Walking distance / straight-line distance (1.0-2.0; an assumption, see Notes).

    Returns
    -------
    points : polars.DataFrame
        The points with ``nearest_shelter`` and ``distance_m`` [m] (times ``detour``).
    by_district : polars.DataFrame
        ``district_id``, ``population``, ``median_m`` (population-weighted median) [m] and
        ``within_<d>m`` (share of population, 0-1) per threshold.
    """
    if not (1.0 <= float(detour) <= 2.0):
        raise ValueError(f"detour={detour!r} must be between 1.0 (straight line) and 2.0.")
    th = [float(t) for t in thresholds_m]
    if not th or any(t <= 0 for t in th):
        raise ValueError(f"thresholds_m={list(thresholds_m)!r} must be positive distances in m.")
    if shelters.height == 0:
        raise ValueError("shelters is empty; pass at least one shelter (e.g. the schools).")
    d = haversine_m(
        points["lon"].to_numpy()[:, None],
        points["lat"].to_numpy()[:, None],
        shelters["lon"].to_numpy()[None, :],
        shelters["lat"].to_numpy()[None, :],
    )
    j = d.argmin(axis=1)
    dist = d[np.arange(d.shape[0]), j] * float(detour)
    pts = points.with_columns(
        pl.Series("nearest_shelter", shelters["shelter_id"].to_numpy()[j]),
        pl.Series("distance_m", dist),
    )
    by = (
        pts.sort("district_id", "distance_m")
        .group_by("district_id", maintain_order=True)
        .agg(
            pl.col("population").sum().alias("population"),
            pl.col("distance_m")
            .filter(pl.col("population").cum_sum() >= pl.col("population").sum() / 2)
            .first()
            .alias("median_m"),
            *[
                (
                    pl.col("population").filter(pl.col("distance_m") <= t).sum()
                    / pl.col("population").sum()
                ).alias(f"within_{int(t)}m")
                for t in th
            ],
        )
    )
    return pts, by
