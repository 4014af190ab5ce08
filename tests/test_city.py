"""Tests for toyama_lab.city: the synthetic Toyama."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
import shapely

from toyama_lab.city import (
    GATEWAY_SCHEMA,
    SECRET_COLUMNS,
    SENSOR_SCHEMA,
    SIZES,
    build_city,
    write_geojson,
)
from toyama_lab.city import places as P
from toyama_lab.geo import equirectangular_m, haversine_m

LON0, LAT0, LON1, LAT1 = 136.95, 36.45, 137.45, 36.80  # Toyama's bounding box from the brief


@pytest.fixture(scope="module", params=SIZES)
def city(request):
    return build_city(0, request.param)


def test_sensor_schema_exact(city):
    assert city.sensors.schema == pl.Schema(SENSOR_SCHEMA)
    assert city.gateways.schema == pl.Schema(GATEWAY_SCHEMA)


@pytest.mark.parametrize(
    ("size", "lo", "hi", "gw_lo", "gw_hi", "ch_lo", "ch_hi"),
    [
        ("tiny", 20, 40, 3, 5, 5, 20),
        ("class", 150, 300, 15, 30, 150, 300),
        ("city", 1000, 5000, 100, 300, 2000, 10000),
    ],
)
def test_sizes(size, lo, hi, gw_lo, gw_hi, ch_lo, ch_hi):
    c = build_city(3, size)
    assert lo <= c.sensors.height <= hi
    assert gw_lo <= c.gateways.height <= gw_hi
    assert ch_lo <= c.children.height <= ch_hi
    assert set(c.sensors["kind"]) == {"pedestrian", "bicycle_park", "counter", "rain", "river"}


@pytest.mark.parametrize("size", SIZES)
def test_deterministic(size):
    a, b = build_city(7, size), build_city(7, size)
    assert a.equals(b)
    assert a.sensors.equals(b.sensors)
    assert a.children.equals(b.children)


def test_seed_changes_placement():
    a, b = build_city(0, "class"), build_city(1, "class")
    assert not a.sensors.equals(b.sensors)
    assert not a.children.equals(b.children)


def test_index_ids_unique_and_stable(city):
    s = city.sensors
    np.testing.assert_array_equal(s["sensor_index"].to_numpy(), np.arange(s.height))
    assert s["sensor_id"].n_unique() == s.height
    assert city.gateways["gateway_id"].n_unique() == city.gateways.height
    assert city.children["child_id"].n_unique() == city.children.height


def test_inside_bbox(city):
    for df in (city.sensors, city.gateways, city.schools, city.stations, city.counters):
        assert df["lon"].is_between(LON0, LON1).all()
        assert df["lat"].is_between(LAT0, LAT1).all()
    ch = city.children
    assert ch["home_lon"].is_between(LON0, LON1).all()
    assert ch["home_lat"].is_between(LAT0, LAT1).all()


def test_inside_city_outline(city):
    outline = shapely.Polygon(P.CITY_OUTLINE)
    for df, lon, lat in (
        (city.sensors, "lon", "lat"),
        (city.gateways, "lon", "lat"),
        (city.schools, "lon", "lat"),
        (city.children, "home_lon", "home_lat"),
    ):
        assert shapely.contains_xy(outline, df[lon].to_numpy(), df[lat].to_numpy()).all()


def test_three_counters():
    c = build_city(0, "tiny")
    names = " ".join(c.counters["name_ja"])
    for n in ("本庁舎", "とやま市民交流館", "婦中行政サービスセンター"):
        assert n in names
    assert (
        c.counters["sensor_id"].to_list()
        == c.sensors.filter(pl.col("kind") == "counter")["sensor_id"].to_list()
    )


def test_everything_marked_approx(city):
    for df in (city.sensors, city.gateways, city.schools, city.stations, city.districts):
        assert df["approx"].all()


def test_station_near_cited_position():
    c = build_city(0, "tiny")
    st = c.stations.filter(pl.col("station_id") == "toyama-st")
    d = haversine_m(st["lon"][0], st["lat"][0], 137.213, 36.701)
    assert d < 300.0
    hall = c.counters.filter(pl.col("counter_id") == "ctr-honchosha")
    assert haversine_m(hall["lon"][0], hall["lat"][0], 137.2137, 36.6959) < 100.0


def test_kind_columns(city):
    s = city.sensors
    by = {k: s.filter(pl.col("kind") == k) for k in set(s["kind"])}
    assert by["counter"].height == 3
    assert (by["counter"]["windows"] > 0).all()
    assert by["bicycle_park"]["capacity"].is_not_null().all()
    assert (by["bicycle_park"]["capacity"] > 0).all()
    assert by["rain"]["river"].is_in(["jinzu", "joganji", "itachi"]).all()
    ped = by["pedestrian"]
    assert set(ped["area"].drop_nulls()) == {"central", "station"}
    kpi = ped.filter(pl.col("area").is_not_null())
    assert (kpi["area"] == kpi["district_id"]).all()
    # null where a column does not apply
    assert s.filter(pl.col("kind") != "bicycle_park")["capacity"].is_null().all()
    assert s.filter(pl.col("kind") != "river")["gauge_danger_m"].is_null().all()
    assert s["gateway_id"].is_in(city.gateways["gateway_id"].implode()).all()
    assert s["district_id"].is_in(city.districts["district_id"].implode()).all()


def test_river_gauges_levels_and_upstream(city):
    s = city.sensors
    rv = s.filter(pl.col("kind") == "river")
    assert set(rv["river"]) == {"jinzu", "joganji", "itachi"}
    assert (rv["gauge_caution_m"] < rv["gauge_evac_m"]).all()
    assert (rv["gauge_evac_m"] < rv["gauge_danger_m"]).all()
    rain = s.filter(pl.col("kind") == "rain").select("sensor_id", pl.col("river").alias("rr"))
    j = rv.join(rain, left_on="upstream_rain", right_on="sensor_id", how="left")
    assert j.height == rv.height
    assert (j["rr"] == j["river"]).all()  # upstream gauge in the same catchment


def test_gateway_is_nearest(city):
    s, g = city.sensors, city.gateways
    d = haversine_m(
        s["lon"].to_numpy()[:, None],
        s["lat"].to_numpy()[:, None],
        g["lon"].to_numpy()[None, :],
        g["lat"].to_numpy()[None, :],
    )
    gid = g["gateway_id"].to_numpy()[np.argmin(d, axis=1)]
    np.testing.assert_array_equal(gid, s["gateway_id"].to_numpy())


def test_children_secret_and_schools(city):
    ch = city.children
    assert set(SECRET_COLUMNS) <= set(ch.columns)
    assert ch["school_id"].is_in(city.schools["school_id"].implode()).all()
    assert ch["grade"].is_between(1, 6).all()
    sch = ch.join(city.schools, on="school_id")
    d = haversine_m(sch["home_lon"], sch["home_lat"], sch["lon"], sch["lat"])
    assert (d > 100.0).all() and (d < 6000.0).all()


def test_districts_and_lines(city):
    d = city.districts
    assert {"central", "station", "suburb", "hill"} == set(d["kind"])
    for name in ("八尾", "大沢野", "細入", "大山", "山田", "婦中"):
        assert d["name_ja"].str.contains(name).any()
    polys = city.district_polygons()
    for r in d.iter_rows(named=True):
        assert polys[r["district_id"]].is_valid
    lines = city.line_geometries()
    assert {"portram", "loop", "jinzu", "joganji", "itachi"} <= set(lines)
    iwasehama = city.stations.filter(pl.col("station_id") == "iwasehama")
    assert iwasehama["lat"][0] > 36.75  # the Portram runs north to the coast
    loop_names = set(city.stations.filter(pl.col("lines").str.contains("loop"))["name_ja"])
    assert {"大手モール", "グランドプラザ前"} <= loop_names
    rivers = city.line_geometries("river")
    assert set(rivers) == {"jinzu", "joganji", "itachi"}


def test_geojson_valid_no_homes(city, tmp_path):
    gj = city.to_geojson()
    assert gj["type"] == "FeatureCollection"
    layers = {f["properties"]["layer"] for f in gj["features"]}
    assert layers >= {"district", "tram", "river", "station", "sensor", "gateway", "school"}
    for f in gj["features"]:
        shp = shapely.geometry.shape(f["geometry"])
        assert shp.is_valid
        for k in ("name_ja", "name_romaji", "kind", "approx"):
            assert k in f["properties"]
    text = json.dumps(gj)
    assert "home_lon" not in text and "child-" not in text
    # no coordinate in the file is (close to) a child's home
    pts = np.concatenate(
        [shapely.get_coordinates(shapely.geometry.shape(f["geometry"])) for f in gj["features"]]
    )
    ch = city.children
    d = equirectangular_m(
        pts[:, 0][:, None],
        pts[:, 1][:, None],
        ch["home_lon"].to_numpy()[None, :],
        ch["home_lat"].to_numpy()[None, :],
    )
    assert d.min() > 1.0
    path = write_geojson(city, tmp_path / "city.geojson")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(gj))
    assert [p.name for p in tmp_path.iterdir()] == ["city.geojson"]  # no temp file left


def test_write_geojson_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        write_geojson(build_city(0, "tiny"), tmp_path / "nope" / "city.geojson")


@pytest.mark.parametrize(
    ("seed", "size", "match"),
    [
        (0, "huge", "tiny"),
        (0, "Tiny", "tiny"),
        (-1, "tiny", "non-negative"),
        (1.5, "tiny", "non-negative"),
        ("0", "tiny", "non-negative"),
        (True, "tiny", "non-negative"),
    ],
)
def test_bad_input(seed, size, match):
    with pytest.raises(ValueError, match=match):
        build_city(seed, size)


def test_district_populations_add_up():
    # DOMAIN.md: 406,978 inhabitants (Aug 2023); the rounded district figures stay within 5 %
    total = sum(d.population for d in P.DISTRICTS)
    assert abs(total - 406_978) / 406_978 < 0.05
    assert build_city(0, "tiny").districts["population"].sum() == total


def test_reference_places_in_bbox():
    pts = [(p.lon, p.lat) for p in (P.TOYAMA_STATION, P.CITY_HALL)]
    pts += [(d.lon, d.lat) for d in P.DISTRICTS]
    pts += [s[3:5] for line in P.LINES_RAIL for s in line[5]]
    pts += [p for r in P.RIVERS for p in r[4]]
    pts += [(g[4], g[5]) for g in P.RIVER_GAUGES] + [(s[4], s[5]) for s in P.SCHOOLS]
    arr = np.array(pts)
    assert ((arr[:, 0] >= LON0) & (arr[:, 0] <= LON1)).all()
    assert ((arr[:, 1] >= LAT0) & (arr[:, 1] <= LAT1)).all()
    for g in P.RIVER_GAUGES:
        assert g[6] < g[7] < g[8]
