"""Choosing patrol points (見守りポイント): greedy maximum coverage of children's fixes.

A volunteer standing at a point watches the children who pass within ``radius_m``. Given
candidate points (the centres of grid cells children walk through, or the places where
their routes cross a tram or railway line) and the fixes of a time band (下校 by default),
:func:`coverage_matrix` says which candidate sees which fix, and
:func:`choose_patrol_points` picks points one at a time, each adding the most fixes not
seen yet (greedy maximum coverage, :func:`toyama_lab.maxcover.greedy_max_coverage`).
:func:`top_by_count` is the naive alternative: the ``k`` busiest points, ignoring that
neighbouring points watch the same children.

Notes
-----
The default radius, 100 m, is an assumption: about the distance over which a person
standing at a crossing can see and be seen by a child walking by. Candidates are only
points children actually pass (cells with at least one fix), so none is wasted in a field.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import shapely

from toyama_lab.childsafety.heatmap import add_cells, add_time_band, cell_centres
from toyama_lab.geo import local_xy_m
from toyama_lab.maxcover import coverage_in_order, greedy_max_coverage
from toyama_lab.privacy import MIN_CELL_CHILDREN

__all__ = [
    "DEFAULT_RADIUS_M",
    "choose_patrol_points",
    "coverage_matrix",
    "grid_candidates",
    "line_crossing_candidates",
    "top_by_count",
]

#: Watching radius of a patrol point (assumption, see Notes). [m]
DEFAULT_RADIUS_M = 100.0


def grid_candidates(
    fixes: pl.DataFrame, cell_m: float = 100.0, *, min_children: int = MIN_CELL_CHILDREN
) -> pl.DataFrame:
    """Candidate points: centres of grid cells where at least ``min_children`` children walk.

    Requiring ``min_children`` distinct children (the suppression threshold of
    :mod:`toyama_lab.privacy`) keeps a candidate from pointing at one child's route.

    Returns
    -------
    polars.DataFrame
        ``candidate_id`` (``cell:<cx>:<cy>``), ``lon``, ``lat`` [deg], ``n_fixes``,
        ``n_children``.
    """
    if isinstance(min_children, bool) or not isinstance(min_children, int) or min_children < 1:
        raise ValueError(f"min_children={min_children!r} must be a positive integer, e.g. 3.")
    cells = (
        add_cells(fixes, cell_m)
        .group_by("cx", "cy")
        .agg(pl.len().alias("n_fixes"), pl.col("child_id").n_unique().alias("n_children"))
        .filter(pl.col("n_children") >= min_children)
        .sort("cx", "cy")
    )
    cells = cell_centres(cells, cell_m)
    return cells.select(
        pl.format("cell:{}:{}", "cx", "cy").alias("candidate_id"),
        "lon",
        "lat",
        "n_fixes",
        "n_children",
    )


def line_crossing_candidates(
    fixes: pl.DataFrame,
    city,
    *,
    kinds=("tram", "rail"),
    snap_m: float = 100.0,
    min_children: int = MIN_CELL_CHILDREN,
) -> pl.DataFrame:
    """Candidate points where children's walks cross a tram or railway line.

    Consecutive fixes of the same child and trip form a segment; where a segment crosses
    a line of ``city.lines`` of the given kinds the crossing point (the centroid of the
    intersection) is a candidate. Crossings closer than ``snap_m`` are merged (snapped to
    a grid of that size), and a merged crossing is kept only if at least ``min_children``
    distinct children cross there (so that no candidate points at one child's route).

    Returns
    -------
    polars.DataFrame
        ``candidate_id`` (``cross:<line_id>:<n>``), ``line_id``, ``lon``, ``lat`` [deg],
        ``n_crossings``, ``n_children``.
    """
    if isinstance(min_children, bool) or not isinstance(min_children, int) or min_children < 1:
        raise ValueError(f"min_children={min_children!r} must be a positive integer, e.g. 3.")
    need = ("child_id", "time", "lon", "lat")
    missing = [c for c in need if c not in fixes.columns]
    if missing:
        raise ValueError(f"fixes lack column(s) {missing}; expected {list(need)}.")
    lines = city.lines.filter(pl.col("kind").is_in(list(kinds)))
    f = fixes.sort("child_id", "time")
    keys = ["child_id", "school_day", "trip"] if "trip" in f.columns else ["child_id"]
    same = pl.all_horizontal([pl.col(c) == pl.col(c).shift(-1) for c in keys])
    seg = f.with_columns(
        pl.col("lon").shift(-1).alias("lon2"), pl.col("lat").shift(-1).alias("lat2"), same=same
    ).filter(pl.col("same").fill_null(False))
    x1, y1 = local_xy_m(seg["lon"].to_numpy(), seg["lat"].to_numpy())
    x2, y2 = local_xy_m(seg["lon2"].to_numpy(), seg["lat2"].to_numpy())
    segs = shapely.linestrings(np.stack([np.stack([x1, y1], -1), np.stack([x2, y2], -1)], 1))
    rows = []
    for lid, lon, lat in lines.select("line_id", "lon", "lat").iter_rows():  # a few lines
        lx, ly = local_xy_m(np.asarray(lon), np.asarray(lat))
        line = shapely.linestrings(np.stack([lx, ly], -1))
        hit = shapely.intersects(segs, line)
        if not hit.any():
            continue
        pts = shapely.get_coordinates(shapely.centroid(shapely.intersection(segs[hit], line)))
        cx, cy = np.floor(pts[:, 0] / snap_m), np.floor(pts[:, 1] / snap_m)
        who = seg["child_id"].to_numpy()[hit]
        rows.append(pl.DataFrame({"line_id": lid, "cx": cx, "cy": cy, "child_id": who}))
    schema = {
        "candidate_id": pl.String,
        "line_id": pl.String,
        "lon": pl.Float64,
        "lat": pl.Float64,
        "n_crossings": pl.UInt32,
        "n_children": pl.UInt32,
    }
    if not rows:
        return pl.DataFrame(schema=schema)
    cells = (
        pl.concat(rows)
        .with_columns(pl.col("cx", "cy").cast(pl.Int64))
        .group_by("line_id", "cx", "cy")
        .agg(pl.len().alias("n_crossings"), pl.col("child_id").n_unique().alias("n_children"))
        .filter(pl.col("n_children") >= min_children)
        .sort("line_id", "cx", "cy")
    )
    if cells.height == 0:
        return pl.DataFrame(schema=schema)
    cells = cell_centres(cells, snap_m).with_row_index("n")
    return cells.select(
        pl.format("cross:{}:{}", "line_id", "n").alias("candidate_id"),
        "line_id",
        "lon",
        "lat",
        "n_crossings",
        "n_children",
    ).cast(schema)


def coverage_matrix(fixes: pl.DataFrame, candidates: pl.DataFrame, radius_m: float) -> np.ndarray:
    """``(n_fix, n_candidate)`` bool: the fix is within ``radius_m`` of the candidate.

    Distances in the local projection (:func:`toyama_lab.geo.local_xy_m`), broadcast over
    whole arrays.
    """
    if not (isinstance(radius_m, (int, float)) and 5 <= radius_m <= 2000):
        raise ValueError(f"radius_m={radius_m!r} must be between 5 and 2000 m, e.g. 100.")
    fx, fy = local_xy_m(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
    cx, cy = local_xy_m(candidates["lon"].to_numpy(), candidates["lat"].to_numpy())
    dx = fx[:, None] - cx[None, :]
    dy = fy[:, None] - cy[None, :]
    return dx * dx + dy * dy <= float(radius_m) ** 2


def _band(fixes: pl.DataFrame, band: str | None) -> pl.DataFrame:
    if band is None:
        return fixes
    f = add_time_band(fixes)
    bands = f["band"].unique().to_list()
    out = f.filter(pl.col("band") == band)
    if out.height == 0:
        raise ValueError(f"no fixes in band {band!r}; the fixes have bands {sorted(bands)}.")
    return out


def choose_patrol_points(
    fixes: pl.DataFrame,
    candidates: pl.DataFrame,
    k: int = 10,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    band: str | None = "from_school",
) -> pl.DataFrame:
    """Greedy choice of ``k`` patrol points maximising the fixes watched in a time band.

    Parameters
    ----------
    fixes : polars.DataFrame
        Child fixes (``child_id``, ``time``, ``lon``, ``lat``).
    candidates : polars.DataFrame
        ``candidate_id``, ``lon``, ``lat`` (:func:`grid_candidates` or
        :func:`line_crossing_candidates`).
    k : int
        Number of points.
    radius_m : float
        Watching radius. [m]
    band : str or None
        Time band key (:data:`toyama_lab.childsafety.heatmap.TIME_BANDS`), or None for all.

    Returns
    -------
    polars.DataFrame
        ``step``, ``candidate_id``, ``lon``, ``lat``, ``gain`` (new fixes watched),
        ``cumulative``, ``share`` (0-1 of the band's fixes), ``n_children`` (distinct
        children watched so far).
    """
    f = _band(fixes, band)
    cover = coverage_matrix(f, candidates, radius_m)
    picks = greedy_max_coverage(cover, k)
    return _describe(picks, cover, f, candidates)


def top_by_count(
    fixes: pl.DataFrame,
    candidates: pl.DataFrame,
    k: int = 10,
    *,
    radius_m: float = DEFAULT_RADIUS_M,
    band: str | None = "from_school",
) -> pl.DataFrame:
    """The ``k`` candidates that each watch the most fixes, overlap ignored (for comparison).

    Returns
    -------
    polars.DataFrame
        Same columns as :func:`choose_patrol_points`; ``gain`` is what each pick adds to
        the union (often little once neighbours are chosen).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k={k!r} must be a positive whole number of points.")
    f = _band(fixes, band)
    cover = coverage_matrix(f, candidates, radius_m)
    count = cover.sum(axis=0)
    order = np.lexsort((np.arange(count.size), -count))[: int(k)]
    picks = coverage_in_order(cover, order)
    return _describe(picks, cover, f, candidates)


def _describe(picks, cover, fixes, candidates) -> pl.DataFrame:
    child = fixes["child_id"].to_numpy()
    seen = np.zeros(cover.shape[0], dtype=bool)
    n_children = []
    for j in picks["candidate"].to_list():
        seen |= cover[:, j]
        n_children.append(int(np.unique(child[seen]).size))
    info = candidates.select("candidate_id", "lon", "lat").with_row_index("candidate")
    info = info.with_columns(pl.col("candidate").cast(pl.Int64))
    return (
        picks.with_columns(pl.Series("n_children", n_children, dtype=pl.Int64))
        .join(info, on="candidate", how="left", maintain_order="left")
        .select("step", "candidate_id", "lon", "lat", "gain", "cumulative", "share", "n_children")
    )
