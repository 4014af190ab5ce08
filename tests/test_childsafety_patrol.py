"""Tests for toyama_lab.childsafety.patrol: candidates, coverage, greedy vs count."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from toyama_lab.childsafety.patrol import (
    choose_patrol_points,
    coverage_matrix,
    grid_candidates,
    line_crossing_candidates,
    top_by_count,
)
from toyama_lab.city import build_city
from toyama_lab.geo import from_local_xy_m


def _fixes(xy, hour=15):
    xy = np.asarray(xy, dtype=float)
    lon, lat = from_local_xy_m(xy[:, 0], xy[:, 1])
    t = dt.datetime(2025, 6, 2, hour, 0)
    return pl.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(len(xy))],
            "time": [t + dt.timedelta(minutes=i) for i in range(len(xy))],
            "lon": lon,
            "lat": lat,
        }
    )


def _cands(xy):
    xy = np.asarray(xy, dtype=float)
    lon, lat = from_local_xy_m(xy[:, 0], xy[:, 1])
    return pl.DataFrame({"candidate_id": [f"p{i}" for i in range(len(xy))], "lon": lon, "lat": lat})


@pytest.mark.parametrize(
    ("dist", "radius", "covered"),
    [(50.0, 100.0, True), (99.0, 100.0, True), (101.0, 100.0, False), (10.0, 5.0, False)],
)
def test_coverage_matrix_radius(dist, radius, covered):
    m = coverage_matrix(_fixes([[dist, 0.0]]), _cands([[0.0, 0.0]]), radius)
    assert bool(m[0, 0]) is covered


def test_coverage_matrix_bad_radius():
    with pytest.raises(ValueError, match="radius_m"):
        coverage_matrix(_fixes([[0, 0]]), _cands([[0, 0]]), 0)


def test_greedy_avoids_overlap_that_count_picks():
    # a dense cluster watched by two overlapping points, and a smaller separate cluster
    cluster_a = [[x, 0.0] for x in np.linspace(-20, 20, 10)]
    cluster_b = [[1000.0 + x, 0.0] for x in np.linspace(-20, 20, 6)]
    fixes = _fixes(cluster_a + cluster_b)
    cands = _cands([[0.0, 0.0], [30.0, 0.0], [1000.0, 0.0]])
    g = choose_patrol_points(fixes, cands, 2, radius_m=100.0)
    c = top_by_count(fixes, cands, 2, radius_m=100.0)
    assert sorted(g["candidate_id"].to_list()) == ["p0", "p2"]
    assert c["candidate_id"].to_list() == ["p0", "p1"]
    assert g["cumulative"][-1] == 16 and c["cumulative"][-1] == 10
    assert g["n_children"][-1] == 16


def test_band_filter_and_error():
    fixes = _fixes([[0, 0], [10, 0]], hour=8)
    with pytest.raises(ValueError, match="no fixes in band 'from_school'"):
        choose_patrol_points(fixes, _cands([[0, 0]]), 1)
    out = choose_patrol_points(fixes, _cands([[0, 0]]), 1, band="to_school")
    assert out["gain"][0] == 2


def test_grid_candidates_only_where_enough_children_walk():
    fixes = _fixes([[10, 10], [20, 20], [520, 10]])
    cands = grid_candidates(fixes, cell_m=100.0, min_children=1)
    assert cands.height == 2 and cands["n_fixes"].sum() == 3
    assert cands["candidate_id"].to_list() == ["cell:0:0", "cell:5:0"]
    two = grid_candidates(fixes, cell_m=100.0, min_children=2)
    assert two["candidate_id"].to_list() == ["cell:0:0"] and two["n_children"][0] == 2
    with pytest.raises(ValueError, match="min_children"):
        grid_candidates(fixes, min_children=0)


def test_line_crossing_candidates_on_a_city():
    city = build_city(0, "tiny")
    tram = city.lines.filter(pl.col("kind") == "tram").row(0, named=True)
    lon, lat = np.asarray(tram["lon"]), np.asarray(tram["lat"])
    mid_lon, mid_lat = (lon[0] + lon[1]) / 2, (lat[0] + lat[1]) / 2
    # one child walking straight across the first segment of a tram line
    dlon, dlat = lat[1] - lat[0], -(lon[1] - lon[0])
    norm = np.hypot(dlon, dlat) / 0.001
    t = dt.datetime(2025, 6, 2, 15, 0)
    fixes = pl.DataFrame(
        {
            "child_id": ["a", "a"],
            "time": [t, t + dt.timedelta(minutes=2)],
            "lon": [mid_lon - dlon / norm, mid_lon + dlon / norm],
            "lat": [mid_lat - dlat / norm, mid_lat + dlat / norm],
        }
    )
    assert line_crossing_candidates(fixes, city, kinds=("tram",)).height == 0  # one child < k
    out = line_crossing_candidates(fixes, city, kinds=("tram",), min_children=1)
    assert out.height == 1 and out["n_crossings"][0] == 1 and out["n_children"][0] == 1
    d = np.hypot(out["lon"].to_numpy() - mid_lon, out["lat"].to_numpy() - mid_lat)
    assert d.min() < 0.001
    far = fixes.with_columns(pl.col("lon") + 1.0)
    assert line_crossing_candidates(far, city, kinds=("tram",), min_children=1).height == 0
    with pytest.raises(ValueError, match="min_children"):
        line_crossing_candidates(fixes, city, min_children=0)
