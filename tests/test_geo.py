"""Tests of toyama_lab.geo: great-circle distances and the one local projection."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toyama_lab.geo import (
    EARTH_RADIUS_M,
    REF_LAT,
    REF_LON,
    central_angle,
    equirectangular_m,
    from_local_xy_m,
    haversine_m,
    local_xy_m,
)


@pytest.mark.parametrize(
    ("lon1", "lat1", "lon2", "lat2", "expected"),
    [
        (137.0, 36.0, 137.0, 37.0, 111195.0),  # one degree of latitude on the IUGG sphere
        (137.2, 36.7, 137.2, 36.7, 0.0),
        (137.0, 0.0, 138.0, 0.0, 111195.0),
    ],
)
def test_distances(lon1, lat1, lon2, lat2, expected):
    np.testing.assert_allclose(haversine_m(lon1, lat1, lon2, lat2), expected, atol=1.0)


@pytest.mark.parametrize(
    ("lon1", "lat1", "lon2", "lat2", "expected"),
    [
        (0.0, 0.0, 90.0, 0.0, np.pi / 2),  # a quarter of the equator
        (0.0, 0.0, 180.0, 0.0, np.pi),  # antipodes: the clip keeps it finite
        (10.0, 90.0, 120.0, 90.0, 0.0),  # the pole, whatever the longitude
        (137.2, 36.7, 137.2, 36.7, 0.0),
    ],
)
def test_central_angle(lon1, lat1, lon2, lat2, expected):
    np.testing.assert_allclose(central_angle(lon1, lat1, lon2, lat2), expected, atol=1e-12)


def test_equirectangular_close_to_haversine():
    rng = np.random.default_rng(0)
    lon = rng.uniform(137.0, 137.4, 200)
    lat = rng.uniform(36.5, 36.8, 200)
    h = haversine_m(lon, lat, lon[::-1], lat[::-1])
    e = equirectangular_m(lon, lat, lon[::-1], lat[::-1])
    np.testing.assert_allclose(e, h, rtol=2e-3, atol=0.01)
    x, y = local_xy_m(lon, lat)
    lo2, la2 = from_local_xy_m(x, y)
    np.testing.assert_allclose(lo2, lon, atol=1e-12)
    np.testing.assert_allclose(la2, lat, atol=1e-12)


def test_local_xy_east_of_any_origin():
    x, y = local_xy_m(137.2137 + 0.01, 36.6953, 137.2137, 36.6953)
    assert_allclose(x, 0.01 * np.pi / 180 * EARTH_RADIUS_M * np.cos(np.deg2rad(36.6953)))
    assert y == 0.0


def test_local_xy_defaults_to_the_city_reference_point():
    x, y = local_xy_m(REF_LON, REF_LAT)
    assert x == 0.0 and y == 0.0
    x, y = local_xy_m(REF_LON, REF_LAT + 1.0)
    assert_allclose(y, np.pi / 180 * EARTH_RADIUS_M)
    assert_allclose(local_xy_m(137.3, 36.8), local_xy_m(137.3, 36.8, REF_LON, REF_LAT))


@pytest.mark.parametrize(("lon0", "lat0"), [(REF_LON, REF_LAT), (137.0, 36.5), (137.4, 36.9)])
def test_from_local_xy_inverts_local_xy(lon0, lat0):
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(137.0, 137.4, 50), rng.uniform(36.5, 36.8, 50)
    lo2, la2 = from_local_xy_m(*local_xy_m(lon, lat, lon0, lat0), lon0, lat0)
    assert_allclose(lo2, lon, atol=1e-12)
    assert_allclose(la2, lat, atol=1e-12)


def test_local_xy_distance_close_to_haversine():
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(137.1, 137.3, 100), rng.uniform(36.6, 36.8, 100)
    x, y = local_xy_m(lon, lat, 137.2, 36.7)
    assert_allclose(np.hypot(x, y), haversine_m(lon, lat, 137.2, 36.7), rtol=1e-3)
