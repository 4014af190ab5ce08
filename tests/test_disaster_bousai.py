"""Tests for toyama_lab.disaster.bousai: synthetic organisation rates and shelter reach."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab.city import build_city
from toyama_lab.disaster.bousai import (
    citywide_rate,
    lagging_districts,
    organisation_rates,
    population_points,
    shelter_reach,
    shelters_from_schools,
)


@pytest.fixture(scope="module")
def city():
    return build_city(0, "class")


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_citywide_rate_rises_every_year(city, seed):
    rates = organisation_rates(city.districts, seed=seed)
    c = citywide_rate(rates)
    assert (c["change"].drop_nulls() > 0).all()
    assert rates["synthetic"].all()
    assert rates["rate"].min() >= 0.3 and rates["rate"].max() <= 1.0


@pytest.mark.parametrize("start", [0.6, 0.8])
def test_first_year_citywide_is_the_assumed_level(city, start):
    c = citywide_rate(organisation_rates(city.districts, seed=0, citywide_start=start))
    assert_allclose(c["rate"][0], start, atol=0.005)


def test_rates_are_deterministic_and_seed_dependent(city):
    a = organisation_rates(city.districts, seed=3)
    assert a.equals(organisation_rates(city.districts, seed=3))
    assert not a.equals(organisation_rates(city.districts, seed=4))


def test_no_district_falls(city):
    r = organisation_rates(city.districts, seed=2).sort("district_id", "year")
    diffs = r.group_by("district_id").agg(pl.col("rate").diff().drop_nulls().min().alias("d"))
    assert (diffs["d"] >= 0).all()


def test_citywide_is_population_weighted():
    rates = pl.DataFrame({"year": [2020, 2020], "rate": [0.5, 1.0], "population": [3, 1]})
    assert_allclose(citywide_rate(rates)["rate"][0], 0.625)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"years": [2020, 2019]}, "increasing"),
        ({"years": []}, "increasing"),
        ({"seed": -1}, "seed"),
        ({"citywide_start": 1.5}, "citywide_start"),
        ({"annual_gain": -0.1}, "annual_gain"),
    ],
)
def test_organisation_rates_bad_input(city, kwargs, match):
    with pytest.raises(ValueError, match=match):
        organisation_rates(city.districts, **kwargs)


def test_lagging_districts(city):
    rates = organisation_rates(city.districts, seed=0)
    lag = lagging_districts(rates, gap=0.05)
    assert lag.height == city.districts.height
    assert (lag.filter(pl.col("lagging"))["gap"] > 0.05).all()
    assert lag["gap"].is_sorted(descending=True)
    with pytest.raises(ValueError, match="gap"):
        lagging_districts(rates, gap=2.0)


def test_population_points_keep_population(city):
    pts = population_points(city.districts, spacing_m=500)
    by = pts.group_by("district_id").agg(pl.col("population").sum())
    want = dict(zip(city.districts["district_id"], city.districts["population"], strict=True))
    for did, pop in by.iter_rows():
        assert_allclose(pop, want[did])
    with pytest.raises(ValueError, match="spacing_m"):
        population_points(city.districts, spacing_m=10)


def test_shelter_reach_simple_geometry():
    # points 0, 400 and 1500 m north of a single shelter
    dlat = np.array([0.0, 400.0, 1500.0]) / 111_195.0
    pts = pl.DataFrame(
        {
            "district_id": ["a"] * 3,
            "lon": [137.2] * 3,
            "lat": 36.7 + dlat,
            "population": [1.0, 1.0, 2.0],
        }
    )
    shel = pl.DataFrame({"shelter_id": ["s"], "lon": [137.2], "lat": [36.7]})
    p, by = shelter_reach(pts, shel)
    assert_allclose(p["distance_m"].to_numpy(), [0.0, 400.0, 1500.0], atol=1.0)
    assert_allclose(by["within_500m"][0], 0.5)
    assert_allclose(by["within_1000m"][0], 0.5)
    assert_allclose(by["median_m"][0], 400.0, atol=1.0)
    p2, by2 = shelter_reach(pts, shel, detour=1.3)
    assert_allclose(p2["distance_m"][1], 520.0, atol=1.0)
    assert_allclose(by2["within_500m"][0], 0.25)  # 400 m x 1.3 = 520 m is now outside
    with pytest.raises(ValueError, match="detour"):
        shelter_reach(pts, shel, detour=0.5)
    with pytest.raises(ValueError, match="empty"):
        shelter_reach(pts, shel.clear())


def test_reach_on_city_is_a_share(city):
    pts = population_points(city.districts, spacing_m=500)
    _, by = shelter_reach(pts, shelters_from_schools(city))
    assert by.height == city.districts.height
    assert ((by["within_500m"] >= 0) & (by["within_500m"] <= by["within_1000m"])).all()
    assert (by["within_1000m"] <= 1.0 + 1e-9).all()


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reach_map_is_light_and_keeps_the_distances(city, lang):
    from toyama_lab.viz.disaster import reach_map

    pts, _ = shelter_reach(population_points(city.districts, spacing_m=500),
                           shelters_from_schools(city))  # fmt: skip
    fig = reach_map(city, pts, shelters_from_schools(city), lang=lang)
    (trace,) = [t for t in fig.data if t.marker.colorscale is not None]
    # the hover reads each point's distance from its colour: whole metres, no text per point
    assert trace.text is None and "%{marker.color} m" in trace.hovertemplate
    assert_allclose(trace.marker.color, pts["distance_m"].to_numpy(), atol=0.5)
    assert_allclose(trace.x, pts["lon"].to_numpy(), atol=1e-5)  # float32: about 1 m
    raw = fig.to_json()
    assert '"dtype":"u2"' in raw.replace(" ", "") and '"dtype":"f4"' in raw.replace(" ", "")
