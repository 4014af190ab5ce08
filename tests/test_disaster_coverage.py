"""Tests for toyama_lab.disaster.coverage: reach, outage masks, coverage, greedy sites."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab.city import build_city
from toyama_lab.disaster.coverage import (
    candidate_sites,
    coverage_over_time,
    dark_mask,
    greedy_sites,
    max_path_loss_db,
    reach_m,
    reach_matrix,
    sensor_loss_table,
)
from toyama_lab.radio.link import okumura_hata_path_loss


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"sf": 12, "margin_db": 0.0}, 13.0 + 137.03),
        ({"sf": 12, "margin_db": 10.0}, 13.0 + 127.03),
        ({"sf": 7, "margin_db": 10.0}, 13.0 + 127.03 - 12.5),
        ({"sf": 12, "margin_db": 0.0, "tx_power_dbm": 10.0, "rx_gain_dbi": 3.0}, 150.03),
    ],
)
def test_max_path_loss(kwargs, expected):
    assert_allclose(max_path_loss_db(**kwargs), expected, atol=0.01)


def test_max_path_loss_rejects_negative_margin():
    with pytest.raises(ValueError, match="margin_db"):
        max_path_loss_db(margin_db=-1.0)


@pytest.mark.parametrize("height", [15.0, 20.0, 70.0])
def test_reach_is_where_hata_loss_equals_budget(height):
    r = float(reach_m(height))
    loss = okumura_hata_path_loss(r, h_base_m=height, h_mobile_m=1.5, environment="suburban")
    assert_allclose(loss, max_path_loss_db(sf=12, margin_db=10.0), atol=1e-6)


def test_reach_grows_with_height_and_sf():
    assert reach_m(70.0) > reach_m(20.0)
    assert reach_m(20.0, sf=12) > reach_m(20.0, sf=7)
    with pytest.raises(TypeError, match="unknown link parameter"):
        reach_m(20.0, power=3)


def test_reach_matrix_agrees_with_reach_distance():
    # sensors due north of one gateway at 0.5x and 2x its reach
    gw = pl.DataFrame({"lon": [137.2], "lat": [36.7], "height_m": [20.0]})
    r = float(reach_m(20.0))
    dlat = np.array([0.5, 2.0]) * r / 111_195.0
    sensors = pl.DataFrame({"lon": [137.2, 137.2], "lat": 36.7 + dlat})
    assert reach_matrix(sensors, gw)[:, 0].tolist() == [True, False]
    with pytest.raises(ValueError, match="height_m"):
        reach_matrix(sensors, gw.drop("height_m"))


def test_dark_mask_intervals_end_exclusive():
    t = np.datetime64("2025-11-12T08:00") + np.arange(6) * np.timedelta64(10, "m")
    out = pl.DataFrame(
        {
            "target_id": ["a", "a", "c"],
            "start": [
                dt.datetime(2025, 11, 12, 8, 10),
                dt.datetime(2025, 11, 12, 8, 40),
                dt.datetime(2025, 11, 12, 9, 0),
            ],
            "end": [
                dt.datetime(2025, 11, 12, 8, 30),
                dt.datetime(2025, 11, 12, 9, 0),
                dt.datetime(2025, 11, 12, 10, 0),
            ],
        }
    )
    m = dark_mask(out, ["a", "b"], t)
    assert m[0].tolist() == [False, True, True, False, True, True]
    assert not m[1].any()
    with pytest.raises(ValueError, match="outages lack"):
        dark_mask(out.drop("end"), ["a"], t)


def test_coverage_states_are_exclusive_and_correct():
    reach = np.array([[True, False], [True, True], [False, False]])
    gw_dark = np.array([[False, True, True], [False, False, True]])
    s_dark = np.array([[False, False, False], [False, True, False], [False, False, False]])
    st = coverage_over_time(reach, gw_dark, s_dark)
    assert st["heard"].tolist() == [[True, False, False], [True, False, False], [False] * 3]
    assert st["orphaned"].tolist() == [[False, True, True], [False, False, True], [True] * 3]
    total = st["heard"].astype(int) + st["orphaned"] + st["dark"]
    assert (total == 1).all()
    sensors = pl.DataFrame({"sensor_id": ["s1", "s2", "s3"], "kind": ["rain"] * 3,
                            "lon": [0.0] * 3, "lat": [0.0] * 3})  # fmt: skip
    tab = sensor_loss_table(sensors, st, step_min=10)
    by = {r["sensor_id"]: r for r in tab.iter_rows(named=True)}
    assert by["s1"]["lost_min"] == 20 and by["s2"]["dark_min"] == 10
    assert by["s3"]["never_in_reach"] and by["s3"]["lost_min"] == 0
    with pytest.raises(ValueError, match="shape"):
        coverage_over_time(reach[:2], gw_dark, s_dark)


def test_candidate_sites_and_greedy_sites_on_a_city():
    city = build_city(0, "class")
    sites = candidate_sites(city)
    assert sites.height > 0 and set(sites["kind"]) <= {"school", "counter"}
    gw = city.gateways
    from toyama_lab.geo import haversine_m

    d = haversine_m(sites["lon"].to_numpy()[:, None], sites["lat"].to_numpy()[:, None],
                    gw["lon"].to_numpy()[None, :], gw["lat"].to_numpy()[None, :])  # fmt: skip
    assert (d.min(axis=1) > 100).all()
    w = np.ones(city.sensors.height)
    picks = greedy_sites(city.sensors, sites, w, k=2)
    assert picks["gain"].is_sorted(descending=True)
    assert (picks["n_sensors"] <= picks["gain"]).all()
    assert picks["site_id"].is_in(sites["site_id"].to_list()).all()
