"""GeoJSON export of the synthetic city for the offline basemap (no secret homes)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import shapely

from toyama_lab._atomic import write_text_atomic

if TYPE_CHECKING:
    from toyama_lab.city.build import City


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [float(lon), float(lat)]}


def _feature(geometry: dict, layer: str, props: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": {"layer": layer, **props}}


def _points(df, layer: str, id_col: str, kind, extra: tuple[str, ...] = ()) -> list[dict]:
    out = []
    for r in df.iter_rows(named=True):
        props = {
            "id": r[id_col],
            "name_ja": r["name_ja"],
            "name_romaji": r["name_romaji"],
            "kind": r[kind] if kind in r else kind,
            "approx": bool(r["approx"]),
        }
        props.update({k: r[k] for k in extra if r.get(k) is not None})
        out.append(_feature(_point(r["lon"], r["lat"]), layer, props))
    return out


def to_geojson(city: City) -> dict:
    """The city as one GeoJSON FeatureCollection.

    Layers (property ``layer``): ``district`` (Polygon), ``tram``/``rail``/``river``
    (LineString), ``station``, ``sensor``, ``gateway``, ``school``, ``counter`` (Point).
    Every feature has ``name_ja``, ``name_romaji``, ``kind`` and ``approx``.  Children and
    their homes are secret truth and are never exported.

    Parameters
    ----------
    city : City

    Returns
    -------
    dict
        A GeoJSON FeatureCollection (RFC 7946; coordinates WGS84 lon, lat [deg]).
    """
    feats: list[dict] = []
    for r in city.districts.iter_rows(named=True):
        geom = shapely.geometry.mapping(shapely.from_wkt(r["polygon_wkt"]))
        geom = json.loads(json.dumps(geom))  # tuples -> lists
        feats.append(
            _feature(
                geom,
                "district",
                {
                    "id": r["district_id"],
                    "name_ja": r["name_ja"],
                    "name_romaji": r["name_romaji"],
                    "kind": r["kind"],
                    "approx": bool(r["approx"]),
                    "population": r["population"],
                },
            )
        )
    for r in city.lines.iter_rows(named=True):
        geom = {
            "type": "LineString",
            "coordinates": [[lo, la] for lo, la in zip(r["lon"], r["lat"], strict=True)],
        }
        feats.append(
            _feature(
                geom,
                r["kind"],
                {
                    "id": r["line_id"],
                    "name_ja": r["name_ja"],
                    "name_romaji": r["name_romaji"],
                    "kind": r["kind"],
                    "approx": bool(r["approx"]),
                },
            )
        )
    feats += _points(city.stations, "station", "station_id", "station", ("lines",))
    feats += _points(
        city.sensors,
        "sensor",
        "sensor_id",
        "kind",
        (
            "area",
            "capacity",
            "windows",
            "river",
            "gauge_caution_m",
            "gauge_evac_m",
            "gauge_danger_m",
            "gateway_id",
            "district_id",
        ),
    )
    feats += _points(city.gateways, "gateway", "gateway_id", "building", ("height_m",))
    feats += _points(city.schools, "school", "school_id", "school", ("fictional",))
    feats += _points(city.counters, "counter", "counter_id", "counter", ("windows",))
    return {
        "type": "FeatureCollection",
        "properties": {
            "seed": city.seed,
            "size": city.size,
            "note": "synthetic Toyama; positions approximate",
        },
        "features": feats,
    }


def write_geojson(city: City, path: str | os.PathLike) -> Path:
    """Write :func:`to_geojson` to ``path`` atomically (temporary file, then rename).

    Parameters
    ----------
    city : City
    path : str or path-like
        Destination file; its folder must exist.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first."
        )
    text = json.dumps(to_geojson(city), ensure_ascii=False, separators=(",", ":"))
    return write_text_atomic(path, text)
