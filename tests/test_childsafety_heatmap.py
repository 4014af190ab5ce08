"""Tests for toyama_lab.childsafety.heatmap: time bands, grid cells, suppressed aggregation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab.childsafety.heatmap import (
    TIME_BANDS,
    add_cells,
    add_time_band,
    cell_centres,
    heatmap_table,
)
from toyama_lab.geo import REF_LAT, REF_LON, from_local_xy_m


@pytest.mark.parametrize(
    ("hour", "minute", "band"),
    [
        (6, 59, "other"),
        (7, 0, "to_school"),
        (8, 59, "to_school"),
        (9, 0, "other"),
        (14, 0, "from_school"),
        (17, 59, "from_school"),
        (18, 30, "evening"),
        (20, 0, "other"),
    ],
)
def test_time_band_table(hour, minute, band):
    f = pl.DataFrame({"time": [dt.datetime(2025, 6, 2, hour, minute)]})
    assert add_time_band(f)["band"][0] == band


@pytest.mark.parametrize(
    ("bands", "match"),
    [
        ({"a": (7, 9), "b": (9, 10)}, "overlap"),
        ({"a": (9, 7)}, "first_hour"),
        ({"a": (7, 24)}, "first_hour"),
    ],
)
def test_bad_bands(bands, match):
    f = pl.DataFrame({"time": [dt.datetime(2025, 6, 2, 8)]})
    with pytest.raises(ValueError, match=match):
        add_time_band(f, bands)


def test_time_band_needs_time():
    with pytest.raises(ValueError, match="time"):
        add_time_band(pl.DataFrame({"t": [1]}))


@pytest.mark.parametrize(
    ("x", "y", "cell", "cx", "cy"),
    [(10.0, 10.0, 200.0, 0, 0), (-10.0, 250.0, 200.0, -1, 1), (450.0, -450.0, 100.0, 4, -5)],
)
def test_cells_from_metres(x, y, cell, cx, cy):
    lon, lat = from_local_xy_m(x, y)
    out = add_cells(pl.DataFrame({"lon": [float(lon)], "lat": [float(lat)]}), cell)
    assert (out["cx"][0], out["cy"][0]) == (cx, cy)


def test_cell_centres_round_trip():
    c = cell_centres(pl.DataFrame({"cx": [0, -1]}).with_columns(cy=pl.Series([0, 2])), 200.0)
    back = add_cells(c, 200.0)
    assert back["cx"].to_list() == [0, -1] and back["cy"].to_list() == [0, 2]
    assert c["lon"][0] > REF_LON and c["lat"][0] > REF_LAT


def test_bad_cell_size():
    with pytest.raises(ValueError, match="cell_m"):
        add_cells(pl.DataFrame({"lon": [137.2], "lat": [36.7]}), 1)


def test_heatmap_suppresses_small_cells_and_hides_ids():
    t = dt.datetime(2025, 6, 2, 15, 0)
    lon, lat = from_local_xy_m(
        np.array([10.0, 20.0, 30.0, 5000.0]), np.array([10.0, 20.0, 30.0, 10.0])
    )
    fixes = pl.DataFrame(
        {"child_id": ["a", "b", "c", "d"], "time": [t] * 4, "lon": lon, "lat": lat}
    )
    tab = heatmap_table(fixes, cell_m=200.0, k=3)
    assert "child_id" not in tab.columns
    shown = tab.filter(~pl.col("suppressed"))
    assert shown.height == 1 and shown["n_children"][0] == 3 and shown["n_fixes"][0] == 3
    hidden = tab.filter(pl.col("suppressed"))
    assert hidden.height == 1 and hidden["n_fixes"][0] is None
    assert_allclose(shown["lat"][0], float(from_local_xy_m(100.0, 100.0)[1]))


def test_bands_constant_is_consistent():
    assert TIME_BANDS["to_school"] == (7, 8) and TIME_BANDS["from_school"] == (14, 17)


def test_publication_tradeoff_shares_the_bands_own_fixes():
    from toyama_lab.childsafety.heatmap import publication_tradeoff

    t0 = dt.datetime(2025, 6, 2, 7, 30)
    lon = [REF_LON] * 3 + [REF_LON + 0.05]
    morning = pl.DataFrame(
        {"child_id": ["a", "b", "c", "a"], "time": [t0] * 4, "lon": lon, "lat": [REF_LAT] * 4}
    )
    evening = morning.with_columns(pl.col("time") + dt.timedelta(hours=11))
    out = publication_tradeoff(pl.concat([morning, evening]), "to_school", ks=(1, 3),
                               cells_m=(100.0,))  # fmt: skip
    assert out["shown_fixes_pct"].to_list() == [100.0, 75.0]  # k=1 reaches 100 %
    assert out["shown_cells"].to_list() == [2, 1] and out["suppressed_cells"].to_list() == [0, 1]
    with pytest.raises(ValueError, match="band"):
        publication_tradeoff(morning, "night")
