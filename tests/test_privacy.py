"""Tests for toyama_lab.privacy: the 50 m home rule and small-cell suppression."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyama_lab.geo import from_local_xy_m, haversine_m, local_xy_m
from toyama_lab.privacy import (
    HOME_EXCLUSION_RADIUS_M,
    MIN_CELL_CHILDREN,
    aggregate_with_threshold,
    check_no_fix_near_home,
    distance_expr,
    exclude_near_homes,
    home_distance_m,
)

HOME = (137.2137, 36.6959)


def _fixes_at(distances_m, bearing_deg=30.0, child="c1"):
    """Fixes at given distances [m] from HOME along a bearing."""
    hx, hy = local_xy_m(*HOME)
    b = np.radians(bearing_deg)
    d = np.asarray(distances_m, dtype=float)
    lon, lat = from_local_xy_m(hx + d * np.sin(b), hy + d * np.cos(b))
    return pl.DataFrame({"child_id": [child] * len(d), "lon": lon, "lat": lat, "d": d})


HOMES = pl.DataFrame(
    {"child_id": ["c1", "c2"], "home_lon": [HOME[0], 137.0], "home_lat": [HOME[1], 36.6]}
)


def test_radius_is_fifty_metres():
    assert HOME_EXCLUSION_RADIUS_M == 50


@pytest.mark.parametrize(
    ("distance", "kept"),
    [(0.0, False), (10.0, False), (49.0, False), (51.0, True), (120.0, True), (3000.0, True)],
)
def test_exclude_near_homes_boundary(distance, kept):
    out = exclude_near_homes(_fixes_at([distance]), HOMES)
    assert (out.height == 1) is kept


def test_exclude_keeps_order_and_columns():
    fx = _fixes_at([500, 5, 80, 40, 60, 1000])
    out = exclude_near_homes(fx, HOMES)
    assert out.columns == fx.columns
    assert out["d"].to_list() == [500, 80, 60, 1000]


def test_other_childs_home_not_excluded():
    # c2 stands at c1's home: the rule is about one's own home only
    fx = _fixes_at([0.0], child="c2")
    assert exclude_near_homes(fx, HOMES).height == 1


def test_check_returns_violations():
    fx = _fixes_at([10, 200, 45])
    bad = check_no_fix_near_home(fx, HOMES)
    assert sorted(bad["d"].to_list()) == [10, 45]
    np.testing.assert_allclose(bad["home_distance_m"].to_numpy(), bad["d"].to_numpy(), rtol=3e-3)
    assert check_no_fix_near_home(exclude_near_homes(fx, HOMES), HOMES).height == 0


def test_custom_radius_and_columns():
    fx = _fixes_at([30, 70, 150]).rename({"child_id": "kid", "lon": "x", "lat": "y"})
    homes = HOMES.rename({"child_id": "kid"})
    out = exclude_near_homes(fx, homes, 100, id_col="kid", lon_col="x", lat_col="y")
    assert out["d"].to_list() == [150]


def test_distance_expr_matches_numpy():
    rng = np.random.default_rng(1)
    df = pl.DataFrame(
        {
            "a": rng.uniform(137, 137.4, 50),
            "b": rng.uniform(36.5, 36.8, 50),
            "c": rng.uniform(137, 137.4, 50),
            "d": rng.uniform(36.5, 36.8, 50),
        }
    )
    got = df.select(distance_expr("a", "b", "c", "d")).to_series().to_numpy()
    np.testing.assert_allclose(got, haversine_m(df["a"], df["b"], df["c"], df["d"]), rtol=1e-9)


@pytest.mark.parametrize(
    ("fixes", "homes", "match"),
    [
        (pl.DataFrame({"child_id": ["c1"], "lon": [137.0]}), HOMES, "lat"),
        (pl.DataFrame({"child_id": ["zz"], "lon": [137.0], "lat": [36.6]}), HOMES, "no home"),
        (
            pl.DataFrame({"child_id": ["c1"], "lon": [137.0], "lat": [36.6]}),
            pl.concat([HOMES, HOMES]),
            "repeated",
        ),
        (
            pl.DataFrame({"child_id": ["c1"], "lon": [137.0], "lat": [36.6]}),
            HOMES.drop("home_lat"),
            "home_lat",
        ),
    ],
)
def test_bad_tables(fixes, homes, match):
    with pytest.raises(ValueError, match=match):
        exclude_near_homes(fixes, homes)


@pytest.mark.parametrize("radius", [-1.0, float("nan"), "50", True])
def test_bad_radius(radius):
    with pytest.raises(ValueError, match="radius_m"):
        exclude_near_homes(_fixes_at([100]), HOMES, radius)


def test_home_distance_column():
    out = home_distance_m(_fixes_at([100, 300]), HOMES)
    np.testing.assert_allclose(out["home_distance_m"].to_numpy(), [100, 300], rtol=3e-3)


def test_aggregate_suppresses_small_cells():
    df = pl.DataFrame(
        {
            "child_id": ["a", "a", "b", "c", "d", "a", "a", "a", "e", "f"],
            "cell": [1, 1, 1, 1, 2, 3, 3, 3, 3, 3],
        }
    )
    out = aggregate_with_threshold(df, "cell", k=3)
    assert out["cell"].to_list() == [1, 2, 3]
    assert out["suppressed"].to_list() == [False, True, False]
    assert out["n_fixes"].to_list() == [4, None, 5]
    assert out["n_children"].to_list() == [3, None, 3]
    dropped = aggregate_with_threshold(df, ["cell"], k=4, drop=True)
    assert dropped.height == 0
    assert aggregate_with_threshold(df, "cell", k=1)["suppressed"].sum() == 0


def test_aggregate_default_k_and_multi_keys():
    assert MIN_CELL_CHILDREN == 3
    df = pl.DataFrame({"child_id": list("abcab"), "h": [7, 7, 7, 8, 8], "g": [0] * 5})
    out = aggregate_with_threshold(df, ["g", "h"])
    assert out.columns == ["g", "h", "n_fixes", "n_children", "suppressed"]
    assert out["suppressed"].to_list() == [False, True]


@pytest.mark.parametrize(
    ("by", "k", "match"),
    [("cell", 0, "k="), ("cell", 2.5, "k="), ("nope", 3, "nope"), ([], 3, "by is empty")],
)
def test_aggregate_bad_input(by, k, match):
    df = pl.DataFrame({"child_id": ["a"], "cell": [1]})
    with pytest.raises(ValueError, match=match):
        aggregate_with_threshold(df, by, k)


@settings(max_examples=40, deadline=None)
@given(
    d=st.lists(st.floats(0.0, 400.0), min_size=1, max_size=30),
    bearing=st.floats(0.0, 360.0),
    radius=st.floats(1.0, 200.0),
)
def test_exclude_partition_property(d, bearing, radius):
    fx = _fixes_at(d, bearing)
    kept = exclude_near_homes(fx, HOMES, radius)
    bad = check_no_fix_near_home(fx, HOMES, radius)
    assert kept.height + bad.height == fx.height
    assert check_no_fix_near_home(kept, HOMES, radius).height == 0
    assert (bad["home_distance_m"] <= radius).all()
