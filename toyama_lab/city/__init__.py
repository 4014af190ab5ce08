"""The synthetic Toyama City (富山市), deterministic from ``(seed, size)``.

:func:`build_city` returns a :class:`City`: polars tables of sensors (pedestrian counters
in the two KPI areas 中心商業地区 / 富山駅周辺 and elsewhere, bicycle parks at stops, the
three city-hall counters, rain and river gauges), LoRaWAN gateways on public buildings,
districts, tram/rail stops, elementary schools, the line geometries of the tram/rail lines
and the rivers 神通川・常願寺川・いたち川, and the children of the child-watch programme.

The reference geography is in :mod:`toyama_lab.city.places` (every position approximate,
with its source); :mod:`toyama_lab.city.geojson` exports the map for the offline basemap.
``City.children`` holds each child's home position (``home_lon``, ``home_lat``): this is
**secret** synthetic truth, never exported to GeoJSON and never shown in workbooks except
in the privacy lesson.

>>> from toyama_lab.city import build_city
>>> city = build_city(seed=0, size="tiny")
>>> city.sensors.columns[:3]
['sensor_id', 'sensor_index', 'kind']
"""

from toyama_lab.city.build import (
    GATEWAY_SCHEMA,
    KINDS,
    SECRET_COLUMNS,
    SENSOR_SCHEMA,
    SIZE_SPEC,
    SIZES,
    City,
    build_city,
)
from toyama_lab.city.geojson import to_geojson, write_geojson

__all__ = [
    "GATEWAY_SCHEMA",
    "KINDS",
    "SECRET_COLUMNS",
    "SENSOR_SCHEMA",
    "SIZES",
    "SIZE_SPEC",
    "City",
    "build_city",
    "to_geojson",
    "write_geojson",
]
