"""Power outages after an earthquake: which gateways and sensors go dark, and for how long.

Physical model: the probability that a site loses power falls off with its
distance ``d`` from the epicentre, ``p = s * 0.9 * exp(-d / 15 km)``, with a
susceptibility ``s`` per kind (mains-powered counters 1.0, battery- or
solar-powered rain and river gauges 0.3, gateways 1.0). Restoration takes a
log-normal time (median 6 h, sigma 0.8, longer near the epicentre:
``x (1 + 10 km / (d + 5 km))``), capped at 72 h. Gateways on city buildings
ride through the first 0-3 h on their backup batteries. Every draw is a
function of (seed, site): of ``sensor_index`` for sensors, of a stable hash
of ``gateway_id`` for gateways.

Notes
-----
The order of magnitude follows the 2024 Noto Peninsula earthquake (M7.6:
about 40,000 households without power in Ishikawa the next day, most
restored within days, 北陸電力送配電 outage reports) and the 2016 Kumamoto
earthquake (M7.3: 477,000 households, mostly restored within 5 days,
経済産業省); those figures were not re-checked in the last review. All the model's
constants (0.9, 15 km, the 6 h median and sigma 0.8, the 10 km / 5 km
near-field term, the 72 h cap, the 0-3 h gateway backup and the
susceptibilities) are synthetic, chosen to give outages of that order.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.geo import haversine_m
from toyama_lab.synth import random as rnd
from toyama_lab.synth._sensors import column
from toyama_lab.synth.calendar import EPOCH
from toyama_lab.synth.scenario import Scenario, get_scenario

__all__ = ["SUSCEPTIBILITY", "outage_mask", "outages", "site_outages"]

#: Chance factor that a power cut reaches the device, per kind (synthetic).
SUSCEPTIBILITY = {
    "pedestrian": 1.0,
    "bicycle_park": 1.0,
    "counter": 1.0,
    "rain": 0.3,
    "river": 0.3,
    "gateway": 1.0,
}


def _distance_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance on the sphere of :data:`toyama_lab.geo.EARTH_RADIUS_M`. [km]"""
    return haversine_m(lon1, lat1, lon2, lat2) / 1000.0


def site_outages(kind: str, ids, lon, lat, scenario: Scenario, seed: int):
    """Outage start and end (absolute minutes) per site; -1 where none.

    Parameters
    ----------
    kind : str
        Sensor kind or ``gateway``.
    ids : numpy.ndarray of int
        ``sensor_index`` (sensors) or a stable id (gateways).
    lon, lat : array_like
        Site positions. [deg]
    scenario : Scenario
        Only a scenario with a quake has outages.
    seed : int
        Scenario seed.

    Returns
    -------
    start, end : numpy.ndarray of int64
    """
    ids = np.asarray(ids, dtype=np.int64)
    none = np.full(ids.shape, -1, dtype=np.int64)
    q = scenario.quake
    if q is None:
        return none, none.copy()
    d = _distance_km(lon, lat, q.lon, q.lat)
    p = SUSCEPTIBILITY[kind] * 0.9 * np.exp(-d / 15.0)
    out = rnd.uniform(seed, f"outage-{kind}", ids, 0) < p
    hours = (
        6.0 * np.exp(0.8 * rnd.normal(seed, f"outage-len-{kind}", ids, 0)) * (1 + 10.0 / (d + 5.0))
    )
    hours = np.minimum(hours, 72.0)
    t0 = int((np.datetime64(q.time, "m") - np.datetime64(EPOCH, "m")).astype(np.int64))
    delay = np.zeros(ids.shape)
    if kind == "gateway":
        delay = 180.0 * rnd.uniform(seed, "outage-backup", ids, 0)
    start = t0 + np.rint(delay).astype(np.int64)
    end = t0 + np.rint(hours * 60).astype(np.int64)
    out &= end > start  # power back before the backup battery ran out: no outage
    return np.where(out, start, -1), np.where(out, end, -1)


def _lonlat(df: pl.DataFrame, what: str):
    if "lon" not in df.columns or "lat" not in df.columns:
        raise ValueError(f"{what} need lon/lat columns for the earthquake scenario")
    return column(df, "lon", np.nan), column(df, "lat", np.nan)


def outage_mask(sensors: pl.DataFrame, minutes: np.ndarray, scenario: Scenario, seed: int):
    """Boolean (n_sensor, n_minute) mask of power cuts, or None when there are none."""
    if scenario.quake is None:
        return None
    lon, lat = _lonlat(sensors, "sensors")
    start, end = site_outages(
        sensors["kind"][0], sensors["sensor_index"].to_numpy(), lon, lat, scenario, seed
    )
    m = np.asarray(minutes, dtype=np.int64)[None, :]
    mask = (m >= start[:, None]) & (m < end[:, None])
    return mask if mask.any() else None


def _gateway_ids(gateway_id) -> np.ndarray:
    return np.array([rnd.stream_id(f"gw:{g}") >> 2 for g in gateway_id], dtype=np.int64)


def outages(city, scenario: str | Scenario, seed: int) -> pl.DataFrame:
    """Outage events of gateways and sensors in a scenario.

    Parameters
    ----------
    city : toyama_lab.city.City
        Needs ``city.sensors`` and ``city.gateways`` (with lon/lat).
    scenario : str or Scenario
        Scenario; only ``earthquake`` (a scenario with a quake) has outages.
    seed : int
        Scenario seed.

    Returns
    -------
    polars.DataFrame
        ``target_id`` (sensor_id or gateway_id), ``kind`` (``gateway`` or
        ``sensor``), ``sensor_kind`` (null for gateways), ``distance_km``,
        ``start``, ``end`` (datetime, JST naive, end exclusive).
    """
    scen = get_scenario(scenario)
    schema = {
        "target_id": pl.String,
        "kind": pl.String,
        "sensor_kind": pl.String,
        "distance_km": pl.Float64,
        "start": pl.Datetime("us"),
        "end": pl.Datetime("us"),
    }
    if scen.quake is None:
        return pl.DataFrame(schema=schema)
    rows = []
    gw = city.gateways
    lon, lat = _lonlat(gw, "gateways")
    s, e = site_outages("gateway", _gateway_ids(gw["gateway_id"].to_list()), lon, lat, scen, seed)
    rows.append(
        pl.DataFrame(
            {
                "target_id": gw["gateway_id"],
                "kind": "gateway",
                "sensor_kind": None,
                "distance_km": _distance_km(lon, lat, scen.quake.lon, scen.quake.lat),
                "start": s,
                "end": e,
            },
            schema_overrides={"sensor_kind": pl.String},
        )
    )
    sen = city.sensors
    for kind in sen["kind"].unique(maintain_order=True).to_list():
        sub = sen.filter(pl.col("kind") == kind)
        lon, lat = _lonlat(sub, "sensors")
        s, e = site_outages(kind, sub["sensor_index"].to_numpy(), lon, lat, scen, seed)
        rows.append(
            pl.DataFrame(
                {
                    "target_id": sub["sensor_id"],
                    "kind": "sensor",
                    "sensor_kind": kind,
                    "distance_km": _distance_km(lon, lat, scen.quake.lon, scen.quake.lat),
                    "start": s,
                    "end": e,
                }
            )
        )
    t0 = pl.lit(EPOCH).cast(pl.Datetime("us"))
    return (
        pl.concat(rows, how="vertical_relaxed")
        .filter(pl.col("start") >= 0)
        .with_columns(
            (t0 + pl.duration(minutes=pl.col("start"))).alias("start"),
            (t0 + pl.duration(minutes=pl.col("end"))).alias("end"),
        )
        .cast(schema)
        .sort("start", "target_id")
    )
