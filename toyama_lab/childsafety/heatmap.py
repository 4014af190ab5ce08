"""When and where children walk: time bands and a metric grid, aggregated with suppression.

Fixes of the child-watch trackers (こどもを見守る地域連携事業) are put into **time bands**
(登校, 下校, ...) and into square **grid cells** of a given size in metres (a local
projection around the city hall, :func:`toyama_lab.geo.local_xy_m`). A cell of a band is
published only if at least ``k`` distinct children were seen in it
(:func:`toyama_lab.privacy.aggregate_with_threshold`); other cells are kept as
``suppressed`` without counts, so a map can show "there is something here, too few to
show" without revealing one child's route.

Notes
-----
Time bands (JST, by the hour of the fix):

* 登校 (to school) 7-8時: 7:00-8:59. Japanese elementary schools start about 8:15-8:30
  and children leave home 7:20-7:50 (:mod:`toyama_lab.synth.children`).
* 下校 (from school) 14-17時: 14:00-17:59, the leave windows of grades 1-6 and the walk home.
* 放課後・夕方 (evening) 18-19時: 18:00-19:59, the way home after a detour.
* その他 (other): every other hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from toyama_lab.geo import from_local_xy_m, local_xy_m
from toyama_lab.privacy import MIN_CELL_CHILDREN, aggregate_with_threshold

__all__ = [
    "BAND_NAMES",
    "TIME_BANDS",
    "add_cells",
    "add_time_band",
    "cell_centres",
    "heatmap_table",
    "publication_tradeoff",
]

#: Time bands: ``key -> (first hour, last hour)`` inclusive, JST.
TIME_BANDS: dict[str, tuple[int, int]] = {
    "to_school": (7, 8),
    "from_school": (14, 17),
    "evening": (18, 19),
}
#: ``key -> (Japanese, English)`` names of the bands (``other`` for the rest).
BAND_NAMES: dict[str, tuple[str, str]] = {
    "to_school": ("登校 7-8時", "To school 7-9h"),
    "from_school": ("下校 14-17時", "From school 14-18h"),
    "evening": ("放課後・夕方 18-19時", "Evening 18-20h"),
    "other": ("その他", "Other"),
}


def _check_bands(bands: Mapping[str, tuple[int, int]]) -> None:
    hours = np.zeros(24, dtype=int)
    for key, span in bands.items():
        if not (isinstance(span, tuple) and len(span) == 2 and 0 <= span[0] <= span[1] <= 23):
            raise ValueError(
                f"band {key!r} = {span!r} must be a (first_hour, last_hour) tuple with "
                "0 <= first <= last <= 23, e.g. (14, 17)."
            )
        hours[span[0] : span[1] + 1] += 1
    if (hours > 1).any():
        raise ValueError(f"time bands overlap at hours {np.flatnonzero(hours > 1).tolist()}.")


def add_time_band(
    fixes: pl.DataFrame, bands: Mapping[str, tuple[int, int]] = TIME_BANDS
) -> pl.DataFrame:
    """Add a ``band`` column (a key of ``bands`` or ``"other"``) from the hour of ``time``.

    Examples
    --------
    >>> import datetime as dt
    >>> f = pl.DataFrame({"time": [dt.datetime(2025, 6, 2, 7, 40), dt.datetime(2025, 6, 2, 15)]})
    >>> add_time_band(f)["band"].to_list()
    ['to_school', 'from_school']
    """
    if "time" not in fixes.columns:
        raise ValueError(f"fixes lack a 'time' column; got {fixes.columns}.")
    _check_bands(bands)
    hour = pl.col("time").dt.hour()
    expr = pl.lit("other")
    for key, (h0, h1) in bands.items():
        expr = pl.when(hour.is_between(h0, h1)).then(pl.lit(key)).otherwise(expr)
    return fixes.with_columns(expr.alias("band"))


def _check_cell(cell_m: float) -> float:
    if isinstance(cell_m, bool) or not isinstance(cell_m, (int, float)) or not 10 <= cell_m <= 5000:
        raise ValueError(f"cell_m={cell_m!r} must be a grid size from 10 to 5000 m, e.g. 200.")
    return float(cell_m)


def add_cells(fixes: pl.DataFrame, cell_m: float = 200.0) -> pl.DataFrame:
    """Add integer grid indices ``cx``, ``cy`` of square cells of ``cell_m`` metres.

    Parameters
    ----------
    fixes : polars.DataFrame
        With ``lon``, ``lat``. [deg]
    cell_m : float
        Cell size (10-5000). [m]

    Returns
    -------
    polars.DataFrame
        The fixes with ``cx``, ``cy`` (int64): ``floor(x / cell_m)`` of the local
        projection around the city hall (:func:`toyama_lab.geo.local_xy_m`).
    """
    c = _check_cell(cell_m)
    missing = [k for k in ("lon", "lat") if k not in fixes.columns]
    if missing:
        raise ValueError(f"fixes lack column(s) {missing}; expected lon and lat in degrees.")
    x, y = local_xy_m(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
    return fixes.with_columns(
        pl.Series("cx", np.floor(x / c).astype(np.int64)),
        pl.Series("cy", np.floor(y / c).astype(np.int64)),
    )


def cell_centres(cells: pl.DataFrame, cell_m: float = 200.0) -> pl.DataFrame:
    """Add ``lon``, ``lat`` of the centre of each ``(cx, cy)`` cell. [deg]"""
    c = _check_cell(cell_m)
    lon, lat = from_local_xy_m(
        (cells["cx"].to_numpy() + 0.5) * c, (cells["cy"].to_numpy() + 0.5) * c
    )
    return cells.with_columns(pl.Series("lon", lon), pl.Series("lat", lat))


def heatmap_table(
    fixes: pl.DataFrame,
    *,
    cell_m: float = 200.0,
    k: int = MIN_CELL_CHILDREN,
    bands: Mapping[str, tuple[int, int]] = TIME_BANDS,
) -> pl.DataFrame:
    """Fixes and distinct children per (band, cell), cells with fewer than ``k`` suppressed.

    Parameters
    ----------
    fixes : polars.DataFrame
        Child fixes (``child_id``, ``time``, ``lon``, ``lat``), e.g.
        ``ds.events("children_fixes")``.
    cell_m : float
        Cell size. [m]
    k : int
        Minimum distinct children for a cell to be shown (default 3, see
        :mod:`toyama_lab.privacy`).
    bands : mapping
        Time bands (:data:`TIME_BANDS`).

    Returns
    -------
    polars.DataFrame
        ``band``, ``cx``, ``cy``, ``n_fixes``, ``n_children`` (null when suppressed),
        ``suppressed``, ``lon``, ``lat`` (cell centre) [deg]. No child id leaves this table.
    """
    f = add_cells(add_time_band(fixes, bands), cell_m)
    agg = aggregate_with_threshold(f, ["band", "cx", "cy"], k)
    return cell_centres(agg, cell_m)


def publication_tradeoff(
    fixes: pl.DataFrame,
    band: str,
    ks: Sequence[int] = (1, 3, 5, 10),
    cells_m: Sequence[float] = (100.0, 200.0, 400.0),
    *,
    bands: Mapping[str, tuple[int, int]] = TIME_BANDS,
) -> pl.DataFrame:
    """What a threshold ``k`` and a cell size leave publishable in one time band.

    Parameters
    ----------
    fixes : polars.DataFrame
        Child fixes, as for :func:`heatmap_table`.
    band : str
        The time band (a key of ``bands``).
    ks : sequence of int
        Thresholds to try (1 = no suppression, for reference).
    cells_m : sequence of float
        Cell sizes to try. [m]
    bands : mapping
        Time bands (:data:`TIME_BANDS`).

    Returns
    -------
    polars.DataFrame
        ``k``, ``cell_m`` [m], ``shown_cells``, ``suppressed_cells`` and
        ``shown_fixes_pct``: the share of the band's fixes in published cells [%]
        (100 at ``k = 1``; 0 when the band has no fix).

    Raises
    ------
    ValueError
        If ``band`` is not a time band.

    Examples
    --------
    >>> import datetime as dt
    >>> t = dt.datetime(2025, 6, 2, 7, 30)
    >>> f = pl.DataFrame({"child_id": ["a", "b"], "time": [t, t], "lon": [137.2, 137.2],
    ...                   "lat": [36.7, 36.7]})
    >>> out = publication_tradeoff(f, "to_school", ks=(1, 3), cells_m=(100.0,))
    >>> out["shown_fixes_pct"].to_list()
    [100.0, 0.0]
    """
    if band not in bands:
        raise ValueError(f"band={band!r} is not a time band; expected one of {tuple(bands)}.")
    in_band = add_time_band(fixes, bands).filter(pl.col("band") == band)
    n_band = in_band.height
    rows = []
    for k in ks:
        for cell in cells_m:
            t = heatmap_table(in_band.drop("band"), cell_m=cell, k=k, bands=bands)
            shown = t.filter((pl.col("band") == band) & ~pl.col("suppressed"))
            n_cells = t.filter(pl.col("band") == band).height
            pct = 100.0 * float(shown["n_fixes"].sum()) / n_band if n_band else 0.0
            rows.append(
                {
                    "k": int(k),
                    "cell_m": float(cell),
                    "shown_cells": shown.height,
                    "suppressed_cells": n_cells - shown.height,
                    "shown_fixes_pct": round(pct, 1),
                }
            )
    return pl.DataFrame(rows)
