"""Build the synthetic Toyama from ``(seed, size)``.

The reference geography (:mod:`toyama_lab.city.places`) is real-ish and approximate;
everything that is multiplied for the larger sizes (extra pedestrian counters, bicycle
parks, rain and river gauges, fictional schools and gateway buildings, children's homes)
is placed with a :class:`numpy.random.Generator` seeded from
``SeedSequence([seed, size_code, stream])``, one stream per component, so the same
``(seed, size)`` always gives identical tables.

Notes
-----
The real network has far fewer sensors than the ``class`` and ``city`` sizes; the extras
are plausible placements, named ``(架空)`` where the place itself is invented, and every
position is approximate (``approx=True``).

* **Pedestrian counters**: in the two KPI areas on the named streets of
  :data:`~toyama_lab.city.places.KPI_STREETS` (about 4 m jitter); elsewhere around the
  district centres (normal, sigma = 0.4 x district radius) snapped to a 120 m street grid in
  one coordinate, and pulled back to the centre if outside the city outline.
* **Bicycle parks**: at tram and rail stops, those nearest 富山駅 first, 20-70 m from the
  stop. Capacities are illustrative (not the city's figures): 200-800 bicycles within 2 km of
  富山駅, 30-120 elsewhere.
* **Rain gauges**: one in the upper catchment of each river, then a jittered regular grid
  inside the city outline; the catchment (``river``) is the nearest river.
* **River gauges**: the reference gauges of :data:`~toyama_lab.city.places.RIVER_GAUGES`
  first (one per river, then the others), then fictional gauges along the rivers inside the
  outline, with the warning levels of the nearest reference gauge on the same river scaled
  by U(0.85, 1.15) (so caution < evacuation < danger is kept).
* **upstream_rain**: the rain gauge of the same catchment nearest to the point 8 km upstream
  of the river gauge along the river.
* **Gateways**: the public buildings of ``_GATEWAY_PRIORITY`` (city hall, service centres,
  fire stations), then school roofs (15 m), then fictional 地区センター (12 m); antenna
  heights are illustrative.
* **Children**: assigned to schools in proportion to the district population; home-school
  distance lognormal (median 600 m in town, 1.5 km in the hills) limited to 150 m-2.5 km in
  town and 4 km in the hills (小学校の通学距離「おおむね4km以内」, 義務教育諸学校等の施設費の
  国庫負担等に関する法律施行令 第4条); grade uniform 1-6.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import polars as pl
import shapely
from shapely.geometry import LineString, Point, Polygon

from toyama_lab.city import places as P
from toyama_lab.geo import from_local_xy_m, local_xy_m

SIZES: tuple[str, ...] = ("tiny", "class", "city")

#: Counts per size.  ``ped_*``: pedestrian counters (KPI areas central/station, other);
#: ``bike``: bicycle parks; ``rain``/``river``: gauges; ``gateways``; ``schools``;
#: ``children`` (GPS trackers of the child-watch programme).
SIZE_SPEC: dict[str, dict[str, int]] = {
    "tiny": dict(
        ped_central=4,
        ped_station=4,
        ped_other=3,
        bike=5,
        rain=3,
        river=3,
        gateways=4,
        schools=3,
        children=10,
    ),
    "class": dict(
        ped_central=30,
        ped_station=30,
        ped_other=60,
        bike=40,
        rain=12,
        river=9,
        gateways=20,
        schools=21,
        children=200,
    ),
    "city": dict(
        ped_central=120,
        ped_station=120,
        ped_other=660,
        bike=160,
        rain=60,
        river=30,
        gateways=110,
        schools=60,
        children=2400,
    ),
}

#: Sensor kinds of the city (``city.sensors["kind"]``): the one list, also used by
#: :mod:`toyama_lab.synth` (one simulator per kind).
KINDS: tuple[str, ...] = ("pedestrian", "bicycle_park", "counter", "rain", "river")
_PREFIX = {
    "pedestrian": "ped",
    "bicycle_park": "bike",
    "counter": "ctr",
    "rain": "rain",
    "river": "riv",
}

SENSOR_SCHEMA: dict[str, pl.DataType] = {
    "sensor_id": pl.String,
    "sensor_index": pl.Int32,
    "kind": pl.String,
    "name_ja": pl.String,
    "name_romaji": pl.String,
    "lon": pl.Float64,
    "lat": pl.Float64,
    "approx": pl.Boolean,
    "district_id": pl.String,
    "district_ja": pl.String,
    "area": pl.String,
    "capacity": pl.Int32,
    "windows": pl.Int16,
    "river": pl.String,
    "gauge_caution_m": pl.Float64,
    "gauge_evac_m": pl.Float64,
    "gauge_danger_m": pl.Float64,
    "upstream_rain": pl.String,
    "gateway_id": pl.String,
}

GATEWAY_SCHEMA: dict[str, pl.DataType] = {
    "gateway_id": pl.String,
    "name_ja": pl.String,
    "name_romaji": pl.String,
    "building": pl.String,
    "lon": pl.Float64,
    "lat": pl.Float64,
    "height_m": pl.Float64,
    "approx": pl.Boolean,
}

#: Columns of ``City.children`` that are secret truth (never exported, never shown except
#: in the privacy lesson).
SECRET_COLUMNS: tuple[str, ...] = ("home_lon", "home_lat")

_SIZE_CODE = {"tiny": 1, "class": 2, "city": 3}
_STREAM = {
    "ped": 11,
    "bike": 12,
    "rain": 13,
    "river": 14,
    "schools": 15,
    "gateways": 16,
    "children": 17,
}


@dataclass(frozen=True, eq=False)
class City:
    """The synthetic city: polars tables, identical for the same ``(seed, size)``.

    Attributes
    ----------
    seed : int
    size : str
        One of :data:`SIZES`.
    sensors : polars.DataFrame
        One row per time-series sensor, columns :data:`SENSOR_SCHEMA` (see
        docs/architecture.md).  Units: ``lon``/``lat`` [deg], gauge levels [m],
        ``capacity`` [bicycles], ``windows`` [staffed windows].
    gateways : polars.DataFrame
        LoRaWAN gateways on public buildings, columns :data:`GATEWAY_SCHEMA`;
        ``height_m`` antenna height above ground [m].
    districts : polars.DataFrame
        ``district_id, name_ja, name_romaji, kind, lon, lat, population, approx, source,
        polygon_wkt`` (Voronoi cells of the centres clipped to the city outline).
    stations : polars.DataFrame
        Tram and rail stops: ``station_id, name_ja, name_romaji, lon, lat, lines, approx``.
    schools : polars.DataFrame
        Elementary schools: ``school_id, name_ja, name_romaji, district_id, lon, lat,
        approx, fictional``.
    counters : polars.DataFrame
        The three city-hall counters: ``counter_id, sensor_id, name_ja, name_romaji, lon,
        lat, windows, approx``.
    lines : polars.DataFrame
        Polylines: ``line_id, kind (tram/rail/river), name_ja, name_romaji, approx,
        source, lon (list), lat (list)``.
    children : polars.DataFrame
        ``child_id, school_id, grade, home_lon, home_lat``.  **SECRET**: ``home_lon`` and
        ``home_lat`` (:data:`SECRET_COLUMNS`) are the synthetic truth of where the child
        lives. They are never exported to GeoJSON nor shown in workbooks except in the
        privacy lesson; the trackers record nothing within 50 m of them.
    """

    seed: int
    size: str
    sensors: pl.DataFrame
    gateways: pl.DataFrame
    districts: pl.DataFrame
    stations: pl.DataFrame
    schools: pl.DataFrame
    counters: pl.DataFrame
    lines: pl.DataFrame
    children: pl.DataFrame

    _TABLES = (
        "sensors",
        "gateways",
        "districts",
        "stations",
        "schools",
        "counters",
        "lines",
        "children",
    )

    def equals(self, other: City) -> bool:
        """True if every table of ``other`` equals this city's (same seed and size too)."""
        return (
            self.seed == other.seed
            and self.size == other.size
            and all(getattr(self, t).equals(getattr(other, t)) for t in self._TABLES)
        )

    def line_geometries(self, kind: str | None = None) -> dict[str, LineString]:
        """Shapely LineStrings (lon, lat) [deg] of the tram/rail lines and rivers.

        Parameters
        ----------
        kind : {"tram", "rail", "river"} or None
            Only lines of this kind; all if None.
        """
        df = self.lines if kind is None else self.lines.filter(pl.col("kind") == kind)
        return {
            row["line_id"]: LineString(list(zip(row["lon"], row["lat"], strict=True)))
            for row in df.iter_rows(named=True)
        }

    def district_polygons(self) -> dict[str, Polygon]:
        """Shapely polygons (lon, lat) [deg] of the districts."""
        return {
            d: shapely.from_wkt(w)
            for d, w in zip(
                self.districts["district_id"], self.districts["polygon_wkt"], strict=True
            )
        }

    def to_geojson(self) -> dict:
        """GeoJSON FeatureCollection for the offline basemap (no secret homes)."""
        from toyama_lab.city.geojson import to_geojson

        return to_geojson(self)


# ---------------------------------------------------------------------------------------------
# validation and random streams


def _check(seed, size) -> None:
    if size not in SIZES:
        raise ValueError(
            f"size={size!r} is not a city size; expected one of {SIZES} "
            "(tiny for tests, class for training, city for the whole city)."
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"seed={seed!r} is not allowed; expected a non-negative integer such as 0 or 42."
        )


def _rng(seed: int, size: str, stream: str) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), _SIZE_CODE[size], _STREAM[stream]])
    )


# ---------------------------------------------------------------------------------------------
# static tables


def _districts_table() -> pl.DataFrame:
    ds = P.DISTRICTS
    x, y = local_xy_m([d.lon for d in ds], [d.lat for d in ds])
    outline = Polygon(np.column_stack(local_xy_m(*np.array(P.CITY_OUTLINE).T)))
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(np.column_stack([x, y])), extend_to=outline.buffer(20_000)
    )
    cell_list = list(cells.geoms)
    wkts = []
    for xi, yi in zip(x, y, strict=True):
        pt = Point(xi, yi)
        cell = next(c for c in cell_list if c.covers(pt))
        poly = cell.intersection(outline)
        if poly.geom_type != "Polygon":  # keep the part around the centre
            poly = max(poly.geoms, key=lambda g: g.area)
        cx, cy = np.asarray(poly.exterior.coords).T
        lon, lat = from_local_xy_m(cx, cy)
        wkts.append(Polygon(np.column_stack([np.round(lon, 6), np.round(lat, 6)])).wkt)
    return pl.DataFrame(
        {
            "district_id": [d.id for d in ds],
            "name_ja": [d.name_ja for d in ds],
            "name_romaji": [d.name_romaji for d in ds],
            "kind": [d.kind for d in ds],
            "lon": [d.lon for d in ds],
            "lat": [d.lat for d in ds],
            "population": pl.Series([d.population for d in ds], dtype=pl.Int32),
            "approx": [d.approx for d in ds],
            "source": [d.source for d in ds],
            "polygon_wkt": wkts,
        }
    )


def _lines_and_stations() -> tuple[pl.DataFrame, pl.DataFrame]:
    rows_l = []
    stops: dict[str, dict] = {}
    for line_id, ja, ro, kind, src, st in P.LINES_RAIL:
        rows_l.append(
            dict(
                line_id=line_id,
                kind=kind,
                name_ja=ja,
                name_romaji=ro,
                approx=True,
                source=src,
                lon=[s[3] for s in st],
                lat=[s[4] for s in st],
            )
        )
        for sid, sja, sro, lon, lat in st:
            rec = stops.setdefault(
                sid,
                dict(
                    station_id=sid,
                    name_ja=sja,
                    name_romaji=sro,
                    lon=lon,
                    lat=lat,
                    lines=[],
                    approx=True,
                ),
            )
            if line_id not in rec["lines"]:
                rec["lines"].append(line_id)
    for rid, ja, ro, src, pts in P.RIVERS:
        rows_l.append(
            dict(
                line_id=rid,
                kind="river",
                name_ja=ja,
                name_romaji=ro,
                approx=True,
                source=src,
                lon=[p[0] for p in pts],
                lat=[p[1] for p in pts],
            )
        )
    lines = pl.DataFrame(
        rows_l,
        schema={
            "line_id": pl.String,
            "kind": pl.String,
            "name_ja": pl.String,
            "name_romaji": pl.String,
            "approx": pl.Boolean,
            "source": pl.String,
            "lon": pl.List(pl.Float64),
            "lat": pl.List(pl.Float64),
        },
    )
    srows = [dict(r, lines=",".join(r["lines"])) for r in stops.values()]
    stations = pl.DataFrame(
        srows,
        schema={
            "station_id": pl.String,
            "name_ja": pl.String,
            "name_romaji": pl.String,
            "lon": pl.Float64,
            "lat": pl.Float64,
            "lines": pl.String,
            "approx": pl.Boolean,
        },
    )
    return lines, stations


def _nearest_district(districts: pl.DataFrame, lon, lat) -> np.ndarray:
    """Index of the nearest district centre (the Voronoi cell) for each point."""
    dx, dy = local_xy_m(districts["lon"].to_numpy(), districts["lat"].to_numpy())
    px, py = local_xy_m(lon, lat)
    d2 = (px[:, None] - dx[None, :]) ** 2 + (py[:, None] - dy[None, :]) ** 2
    return np.argmin(d2, axis=1)


def _jitter_around(rng, cx, cy, sigma_m, n, grid_m=None):
    """Points around (cx, cy) [m]; optionally snapped to a Manhattan street grid."""
    x = cx + rng.normal(0.0, 1.0, n) * sigma_m
    y = cy + rng.normal(0.0, 1.0, n) * sigma_m
    if grid_m:
        # on a street: snap one of the two coordinates to the grid
        snap_x = rng.random(n) < 0.5
        x = np.where(snap_x, np.round(x / grid_m) * grid_m, x)
        y = np.where(snap_x, y, np.round(y / grid_m) * grid_m)
    return x, y


def _inside_outline(x, y) -> np.ndarray:
    outline = Polygon(np.column_stack(local_xy_m(*np.array(P.CITY_OUTLINE).T)))
    return shapely.contains_xy(outline, x, y)


def _clip_to_outline(x, y, cx, cy):
    """Pull points that fall outside the city outline back to their centre."""
    inside = _inside_outline(x, y)
    return np.where(inside, x, cx), np.where(inside, y, cy)


# ---------------------------------------------------------------------------------------------
# sensors of each kind: each returns a dict of column lists (without index/gateway/district)


def _pedestrians(rng, spec, districts: pl.DataFrame) -> dict:
    cols: dict[str, list] = {
        k: [] for k in ("name_ja", "name_romaji", "x", "y", "area", "district_id")
    }
    for area in ("central", "station"):
        streets = [s for s in P.KPI_STREETS if s[3] == area]
        lines = np.array(
            [LineString(np.column_stack(local_xy_m(*np.array(s[4]).T))) for s in streets]
        )
        n = spec[f"ped_{area}"]
        which = np.arange(n) % len(streets)  # every street gets counters, in turn
        no = np.arange(n) // len(streets) + 1
        pts = shapely.line_interpolate_point(lines[which], rng.random(n), normalized=True)
        jit = rng.normal(0.0, 4.0, (n, 2))
        cols["x"] += list(shapely.get_x(pts) + jit[:, 0])
        cols["y"] += list(shapely.get_y(pts) + jit[:, 1])
        cols["name_ja"] += [
            f"{streets[w][1]} 歩行者カウンター No.{k}" for w, k in zip(which, no, strict=True)
        ]
        cols["name_romaji"] += [
            f"{streets[w][2]} pedestrian counter No.{k}" for w, k in zip(which, no, strict=True)
        ]
        cols["area"] += [area] * n
        cols["district_id"] += [area] * n
    other = districts.filter(~pl.col("kind").is_in(["central", "station"]))
    n = spec["ped_other"]
    w = other["population"].to_numpy().astype(float)
    pick = rng.choice(len(other), size=n, p=w / w.sum())
    pick[: min(n, len(other))] = np.arange(min(n, len(other)))  # each district at least once
    cx, cy = local_xy_m(other["lon"].to_numpy()[pick], other["lat"].to_numpy()[pick])
    sigma = other["radius_km"].to_numpy()[pick] * 1000.0 * 0.4
    x, y = _jitter_around(rng, cx, cy, sigma, n, grid_m=120.0)
    x, y = _clip_to_outline(x, y, cx, cy)
    # running number of the counter within its district
    no = np.zeros(n, dtype=int)
    for j in range(len(other)):
        sel = pick == j
        no[sel] = np.arange(1, sel.sum() + 1)
    ja = other["name_ja"].to_numpy()[pick]
    ro = other["name_romaji"].to_numpy()[pick]
    cols["x"] += list(x)
    cols["y"] += list(y)
    cols["name_ja"] += [f"{a} 歩行者カウンター No.{k}" for a, k in zip(ja, no, strict=True)]
    cols["name_romaji"] += [f"{a} pedestrian counter No.{k}" for a, k in zip(ro, no, strict=True)]
    cols["area"] += [None] * n
    cols["district_id"] += [None] * n
    return cols


def _bicycle_parks(rng, spec, stations: pl.DataFrame) -> dict:
    n = spec["bike"]
    sx, sy = local_xy_m(stations["lon"].to_numpy(), stations["lat"].to_numpy())
    tx, ty = local_xy_m(P.TOYAMA_STATION.lon, P.TOYAMA_STATION.lat)
    # stops nearest Toyama Station first: the small sizes get the busy central parks
    order = np.argsort(np.hypot(sx - tx, sy - ty), kind="stable")
    at = order[np.arange(n) % len(order)]
    nth = np.arange(n) // len(order) + 1
    ang = rng.uniform(0.0, 2.0 * np.pi, n)
    r = rng.uniform(20.0, 70.0, n)
    x = sx[at] + r * np.cos(ang)
    y = sy[at] + r * np.sin(ang)
    d_km = np.hypot(sx[at] - sx[order[0]], sy[at] - sy[order[0]]) / 1000.0
    big = np.array([200, 300, 500, 800])
    small = np.array([30, 50, 80, 120])
    cap = np.where(d_km < 2.0, rng.choice(big, n), rng.choice(small, n))
    names = stations["name_ja"].to_numpy()[at]
    romaji = stations["name_romaji"].to_numpy()[at]
    return dict(
        name_ja=[
            f"{a} 駐輪場" + ("" if k == 1 else f" (第{k})") for a, k in zip(names, nth, strict=True)
        ],
        name_romaji=[
            f"{a} bicycle park" + ("" if k == 1 else f" No.{k}")
            for a, k in zip(romaji, nth, strict=True)
        ],
        x=list(x),
        y=list(y),
        capacity=[int(c) for c in cap],
    )


def _river_lines_xy() -> dict[str, LineString]:
    return {
        rid: LineString(np.column_stack(local_xy_m(*np.array(pts).T)))
        for rid, _ja, _ro, _src, pts in P.RIVERS
    }


def _rain(rng, spec) -> dict:
    rivers = _river_lines_xy()
    names = {rid: (ja, ro) for rid, ja, ro, _s, _p in P.RIVERS}
    n = spec["rain"]
    xs, ys, rv, nja, nro = [], [], [], [], []
    # one gauge in the upper catchment of each river first (always present)
    for rid, line in rivers.items():
        p = line.interpolate(0.25, normalized=True)
        xs.append(p.x + 300.0)
        ys.append(p.y)
        rv.append(rid)
        nja.append(f"{names[rid][0]}上流 雨量計")
        nro.append(f"{names[rid][1]} upper catchment rain gauge")
    m = n - len(xs)
    if m > 0:
        # a regular grid over the catchments, inside the city outline
        lon0, lat0, lon1, lat1 = P.CITY_BBOX
        gx0, gy0 = local_xy_m(lon0, lat0)
        gx1, gy1 = local_xy_m(lon1, lat1)
        area = float(Polygon(np.column_stack(local_xy_m(*np.array(P.CITY_OUTLINE).T))).area)
        step = np.sqrt(area / m) * 0.9
        while True:
            gx, gy = np.meshgrid(np.arange(gx0, gx1, step), np.arange(gy0, gy1, step))
            gx, gy = gx.ravel(), gy.ravel()
            inside = _inside_outline(gx, gy)
            if inside.sum() >= m:
                break
            step *= 0.9
        gx, gy = gx[inside], gy[inside]
        take = np.sort(rng.choice(len(gx), size=m, replace=False))
        jx = gx[take] + rng.normal(0.0, step * 0.1, m)
        jy = gy[take] + rng.normal(0.0, step * 0.1, m)
        keep = _inside_outline(jx, jy)  # jitter must not push a gauge out of the city
        gx = np.where(keep, jx, gx[take])
        gy = np.where(keep, jy, gy[take])
        ids = list(rivers)
        d = np.stack([shapely.distance(rivers[r], shapely.points(gx, gy)) for r in ids])
        near = np.argmin(d, axis=0)
        for k in range(m):
            rid = ids[near[k]]
            xs.append(float(gx[k]))
            ys.append(float(gy[k]))
            rv.append(rid)
            nja.append(f"{names[rid][0]}流域 雨量計 No.{k + 1}")
            nro.append(f"{names[rid][1]} catchment rain gauge No.{k + 1}")
    return dict(name_ja=nja, name_romaji=nro, x=xs, y=ys, river=rv)


def _rivers(rng, spec) -> dict:
    rivers = _river_lines_xy()
    names = {rid: (ja, ro) for rid, ja, ro, _s, _p in P.RIVERS}
    n = spec["river"]
    ref = list(P.RIVER_GAUGES)
    first = []
    for rid in rivers:  # one official gauge per river first
        g = next(g for g in ref if g[1] == rid)
        first.append(g)
    ordered = first + [g for g in ref if g not in first]
    rows = []
    for g in ordered[:n]:
        _gid, rid, ja, ro, lon, lat, c, e, d, _src = g
        x, y = local_xy_m(lon, lat)
        rows.append(
            dict(
                name_ja=f"{ja} 水位観測所 ({names[rid][0]})",
                name_romaji=f"{ro} water-level gauge ({names[rid][1]})",
                x=float(x),
                y=float(y),
                river=rid,
                caution=c,
                evac=e,
                danger=d,
                fictional=False,
            )
        )
    m = n - len(rows)
    if m > 0:
        ids = list(rivers)
        lengths = np.array([rivers[r].length for r in ids])
        # draw candidates and keep the first m that lie inside the city outline
        which = rng.choice(len(ids), size=8 * m, p=lengths / lengths.sum())
        frac = rng.uniform(0.05, 0.97, 8 * m)
        pts = [
            rivers[ids[w]].interpolate(f, normalized=True) for w, f in zip(which, frac, strict=True)
        ]
        inside = _inside_outline(np.array([q.x for q in pts]), np.array([q.y for q in pts]))
        keep = np.flatnonzero(inside)[:m]
        which, pts = which[keep], [pts[i] for i in keep]
        scale = rng.uniform(0.85, 1.15, m)
        for k in range(m):
            rid = ids[which[k]]
            line = rivers[rid]
            p = pts[k]
            # levels from the official gauge of the same river nearest along the river
            refs = [g for g in P.RIVER_GAUGES if g[1] == rid]
            along = np.array([line.project(Point(*local_xy_m(g[4], g[5]))) for g in refs])
            g = refs[int(np.argmin(np.abs(along - line.project(p))))]
            rows.append(
                dict(
                    name_ja=f"(架空) {names[rid][0]} 水位計 No.{k + 1}",
                    name_romaji=f"(fictional) {names[rid][1]} level gauge No.{k + 1}",
                    x=p.x,
                    y=p.y,
                    river=rid,
                    caution=round(g[6] * scale[k], 2),
                    evac=round(g[7] * scale[k], 2),
                    danger=round(g[8] * scale[k], 2),
                    fictional=True,
                )
            )
    return {k: [r[k] for r in rows] for k in rows[0]}


def _upstream_rain(river_cols: dict, rain_cols: dict, rain_ids: list[str]) -> list[str]:
    """For each river gauge: the rain gauge of its catchment nearest a point 8 km upstream."""
    rivers = _river_lines_xy()
    rx = np.array(rain_cols["x"])
    ry = np.array(rain_cols["y"])
    rr = np.array(rain_cols["river"])
    out = []
    for x, y, rid in zip(river_cols["x"], river_cols["y"], river_cols["river"], strict=True):
        line = rivers[rid]
        up = line.interpolate(max(line.project(Point(x, y)) - 8_000.0, 0.0))
        cand = np.flatnonzero(rr == rid)
        k = cand[np.argmin(np.hypot(rx[cand] - up.x, ry[cand] - up.y))]
        out.append(rain_ids[k])
    return out


# ---------------------------------------------------------------------------------------------
# schools, gateways, children


def _schools(rng, spec, districts: pl.DataFrame) -> pl.DataFrame:
    n = spec["schools"]
    real = list(P.SCHOOLS)
    rows = [
        dict(
            school_id=s[0],
            name_ja=s[1],
            name_romaji=s[2],
            district_id=s[3],
            lon=s[4],
            lat=s[5],
            approx=True,
            fictional=False,
        )
        for s in real[:n]
    ]
    m = n - len(rows)
    if m > 0:
        w = districts["population"].to_numpy().astype(float)
        pick = rng.choice(len(districts), size=m, p=w / w.sum())
        cx, cy = local_xy_m(districts["lon"].to_numpy()[pick], districts["lat"].to_numpy()[pick])
        rad = np.array([d.radius_km for d in P.DISTRICTS])[pick] * 1000.0
        ang = rng.uniform(0, 2 * np.pi, m)
        r = rad * np.sqrt(rng.uniform(0.15, 1.0, m))
        x, y = _clip_to_outline(cx + r * np.cos(ang), cy + r * np.sin(ang), cx, cy)
        lon, lat = from_local_xy_m(x, y)
        counts: dict[str, int] = {}
        for k in range(m):
            d = districts.row(int(pick[k]), named=True)
            counts[d["district_id"]] = counts.get(d["district_id"], 0) + 1
            c = counts[d["district_id"]]
            rows.append(
                dict(
                    school_id=f"es-x{k + 1:03d}",
                    name_ja=f"(架空) {d['name_ja'].split(' ')[0]}第{c}小学校",
                    name_romaji=f"(fictional) {d['name_romaji'].split(' (')[0]} No.{c} "
                    "Elementary School",
                    district_id=d["district_id"],
                    lon=float(lon[k]),
                    lat=float(lat[k]),
                    approx=True,
                    fictional=True,
                )
            )
    return pl.DataFrame(
        rows,
        schema={
            "school_id": pl.String,
            "name_ja": pl.String,
            "name_romaji": pl.String,
            "district_id": pl.String,
            "lon": pl.Float64,
            "lat": pl.Float64,
            "approx": pl.Boolean,
            "fictional": pl.Boolean,
        },
    )


#: Order in which public buildings get gateways: spread over the city first.
_GATEWAY_PRIORITY = (
    "city-hall",
    "fuchu-sc",
    "osawano-sc",
    "oyama-sc",
    "yatsuo-sc",
    "mizuhashi-sc",
    "fire-north",
    "cic",
    "hosoiri-sc",
    "yamada-sc",
    "fire-west",
    "fire-south",
    "fire-hq",
)


def _gateways(rng, spec, schools: pl.DataFrame, districts: pl.DataFrame) -> pl.DataFrame:
    n = spec["gateways"]
    bld = {b[0]: b for b in P.PUBLIC_BUILDINGS}
    rows = []
    for bid in _GATEWAY_PRIORITY:
        b = bld[bid]
        rows.append(
            dict(name_ja=b[1], name_romaji=b[2], building=b[3], lon=b[4], lat=b[5], height_m=b[6])
        )
    for s in schools.iter_rows(named=True):  # school roofs next
        rows.append(
            dict(
                name_ja=s["name_ja"],
                name_romaji=s["name_romaji"],
                building="school",
                lon=s["lon"],
                lat=s["lat"],
                height_m=15.0,
            )
        )
    m = n - len(rows)
    if m > 0:  # fictional community centres (地区センター), spread by population
        w = districts["population"].to_numpy().astype(float) ** 0.5
        pick = rng.choice(len(districts), size=m, p=w / w.sum())
        cx, cy = local_xy_m(districts["lon"].to_numpy()[pick], districts["lat"].to_numpy()[pick])
        rad = np.array([d.radius_km for d in P.DISTRICTS])[pick] * 1000.0
        ang = rng.uniform(0, 2 * np.pi, m)
        r = rad * np.sqrt(rng.uniform(0.2, 1.2, m))
        x, y = _clip_to_outline(cx + r * np.cos(ang), cy + r * np.sin(ang), cx, cy)
        lon, lat = from_local_xy_m(x, y)
        for k in range(m):
            d = districts.row(int(pick[k]), named=True)
            rows.append(
                dict(
                    name_ja=f"(架空) {d['name_ja'].split(' ')[0]} 地区センター {k + 1}",
                    name_romaji=f"(fictional) {d['name_romaji'].split(' (')[0]} "
                    f"community centre {k + 1}",
                    building="community_centre",
                    lon=float(lon[k]),
                    lat=float(lat[k]),
                    height_m=12.0,
                )
            )
    rows = rows[:n]
    df = pl.DataFrame(
        rows, schema={k: v for k, v in GATEWAY_SCHEMA.items() if k not in ("gateway_id", "approx")}
    )
    return df.select(
        pl.format(
            "gw-{}", pl.int_range(1, n + 1, dtype=pl.Int32).cast(pl.String).str.zfill(3)
        ).alias("gateway_id"),
        *[c for c in GATEWAY_SCHEMA if c not in ("gateway_id", "approx")],
        pl.lit(True).alias("approx"),
    )


def _children(rng, spec, schools: pl.DataFrame, districts: pl.DataFrame) -> pl.DataFrame:
    n = spec["children"]
    kind = dict(zip(districts["district_id"], districts["kind"], strict=True))
    pop = dict(zip(districts["district_id"], districts["population"], strict=True))
    sd = schools["district_id"].to_list()
    # children per school in proportion to the district population shared among its schools
    per_d = {d: sd.count(d) for d in set(sd)}
    w = np.array([pop[d] / per_d[d] for d in sd], dtype=float)
    school = rng.choice(len(schools), size=n, p=w / w.sum())
    school[: min(n, len(schools))] = np.arange(min(n, len(schools)))  # no empty school
    hill = np.array([kind[d] == "hill" for d in sd])[school]
    # home-school distance: lognormal, median 600 m in town and 1.5 km in the hills,
    # limited to 150 m .. 2.5 km in town and 4 km in the hills (elementary school walking
    # distance "おおむね4km以内": 義務教育諸学校等の施設費の国庫負担等に関する法律施行令 第4条).
    median = np.where(hill, 1500.0, 600.0)
    dist = np.clip(median * np.exp(rng.normal(0.0, 0.5, n)), 150.0, np.where(hill, 4000.0, 2500.0))
    ang = rng.uniform(0.0, 2.0 * np.pi, n)
    sx, sy = local_xy_m(schools["lon"].to_numpy()[school], schools["lat"].to_numpy()[school])
    hx, hy = _clip_to_outline(sx + dist * np.cos(ang), sy + dist * np.sin(ang), sx + 200.0, sy)
    lon, lat = from_local_xy_m(hx, hy)
    return pl.DataFrame(
        {
            "child_id": [f"child-{i + 1:05d}" for i in range(n)],
            "school_id": schools["school_id"].to_numpy()[school].tolist(),
            "grade": pl.Series(rng.integers(1, 7, n), dtype=pl.Int8),
            "home_lon": lon,
            "home_lat": lat,
        }
    )


# ---------------------------------------------------------------------------------------------


def _nearest_gateway(gateways: pl.DataFrame, lon, lat) -> np.ndarray:
    gx, gy = local_xy_m(gateways["lon"].to_numpy(), gateways["lat"].to_numpy())
    px, py = local_xy_m(lon, lat)
    d2 = (px[:, None] - gx[None, :]) ** 2 + (py[:, None] - gy[None, :]) ** 2
    return gateways["gateway_id"].to_numpy()[np.argmin(d2, axis=1)]


def build_city(seed: int = 0, size: str = "class") -> City:
    """Build the synthetic Toyama for ``(seed, size)``.

    Parameters
    ----------
    seed : int
        Non-negative integer; the same seed and size give identical tables.
    size : {"tiny", "class", "city"}
        ``tiny`` for tests (~25 sensors, 4 gateways, 10 children), ``class`` for training
        (~180 sensors, 20 gateways, 200 children), ``city`` for the whole city (>1,100
        sensors, 110 gateways, 2,400 children).  See :data:`SIZE_SPEC`.

    Returns
    -------
    City

    Raises
    ------
    ValueError
        If ``size`` is not in :data:`SIZES` or ``seed`` is not a non-negative integer.

    Examples
    --------
    >>> city = build_city(0, "tiny")
    >>> sorted(city.sensors["kind"].unique())
    ['bicycle_park', 'counter', 'pedestrian', 'rain', 'river']
    """
    _check(seed, size)
    spec = SIZE_SPEC[size]
    districts = _districts_table()
    lines, stations = _lines_and_stations()
    dist_r = districts.with_columns(pl.Series("radius_km", [d.radius_km for d in P.DISTRICTS]))

    ped = _pedestrians(_rng(seed, size, "ped"), spec, dist_r)
    bike = _bicycle_parks(_rng(seed, size, "bike"), spec, stations)
    rain = _rain(_rng(seed, size, "rain"), spec)
    river = _rivers(_rng(seed, size, "river"), spec)
    ctr_x, ctr_y = local_xy_m([c[0].lon for c in P.COUNTERS], [c[0].lat for c in P.COUNTERS])

    n_ped, n_bike, n_rain, n_riv = (len(ped["x"]), len(bike["x"]), len(rain["x"]), len(river["x"]))
    n_ctr = len(P.COUNTERS)
    kinds = (
        ["pedestrian"] * n_ped
        + ["bicycle_park"] * n_bike
        + ["counter"] * n_ctr
        + ["rain"] * n_rain
        + ["river"] * n_riv
    )
    counts = {
        "pedestrian": n_ped,
        "bicycle_park": n_bike,
        "counter": n_ctr,
        "rain": n_rain,
        "river": n_riv,
    }
    ids = [f"{_PREFIX[k]}-{i + 1:04d}" for k in KINDS for i in range(counts[k])]
    rain_ids = ids[n_ped + n_bike + n_ctr : n_ped + n_bike + n_ctr + n_rain]
    none = [None]
    x = np.concatenate([ped["x"], bike["x"], ctr_x, rain["x"], river["x"]])
    y = np.concatenate([ped["y"], bike["y"], ctr_y, rain["y"], river["y"]])
    lon, lat = from_local_xy_m(x, y)
    lon, lat = np.round(lon, 6), np.round(lat, 6)

    sensors = pl.DataFrame(
        {
            "sensor_id": ids,
            "sensor_index": np.arange(len(ids), dtype=np.int32),
            "kind": kinds,
            "name_ja": ped["name_ja"]
            + bike["name_ja"]
            + [c[0].name_ja for c in P.COUNTERS]
            + rain["name_ja"]
            + river["name_ja"],
            "name_romaji": ped["name_romaji"]
            + bike["name_romaji"]
            + [c[0].name_romaji for c in P.COUNTERS]
            + rain["name_romaji"]
            + river["name_romaji"],
            "lon": lon,
            "lat": lat,
            "approx": [True] * len(ids),
            "area": ped["area"] + none * (len(ids) - n_ped),
            "capacity": none * n_ped + bike["capacity"] + none * (n_ctr + n_rain + n_riv),
            "windows": none * (n_ped + n_bike)
            + [c[1] for c in P.COUNTERS]
            + none * (n_rain + n_riv),
            "river": none * (n_ped + n_bike + n_ctr) + rain["river"] + river["river"],
            "gauge_caution_m": none * (len(ids) - n_riv) + river["caution"],
            "gauge_evac_m": none * (len(ids) - n_riv) + river["evac"],
            "gauge_danger_m": none * (len(ids) - n_riv) + river["danger"],
            "upstream_rain": none * (len(ids) - n_riv) + _upstream_rain(river, rain, rain_ids),
        },
        schema_overrides={
            k: v
            for k, v in SENSOR_SCHEMA.items()
            if k not in ("district_id", "district_ja", "gateway_id")
        },
    )

    d_idx = _nearest_district(districts, lon, lat)
    d_ids = districts["district_id"].to_numpy()[d_idx]
    fixed = np.array(ped["district_id"] + none * (len(ids) - n_ped), dtype=object)
    d_ids = np.where(fixed == None, d_ids, fixed)  # noqa: E711  (object array compare)
    ja = dict(zip(districts["district_id"], districts["name_ja"], strict=True))

    schools = _schools(_rng(seed, size, "schools"), spec, districts)
    gateways = _gateways(_rng(seed, size, "gateways"), spec, schools, districts)
    sensors = sensors.with_columns(
        pl.Series("district_id", d_ids.tolist(), dtype=pl.String),
        pl.Series("district_ja", [ja[d] for d in d_ids], dtype=pl.String),
        pl.Series("gateway_id", _nearest_gateway(gateways, lon, lat).tolist(), dtype=pl.String),
    ).select(list(SENSOR_SCHEMA))

    counters = pl.DataFrame(
        {
            "counter_id": [c[0].id for c in P.COUNTERS],
            "sensor_id": [f"ctr-{i + 1:04d}" for i in range(n_ctr)],
            "name_ja": [c[0].name_ja for c in P.COUNTERS],
            "name_romaji": [c[0].name_romaji for c in P.COUNTERS],
            "lon": [c[0].lon for c in P.COUNTERS],
            "lat": [c[0].lat for c in P.COUNTERS],
            "windows": pl.Series([c[1] for c in P.COUNTERS], dtype=pl.Int16),
            "approx": [True] * n_ctr,
        }
    )
    children = _children(_rng(seed, size, "children"), spec, schools, districts)
    return City(
        seed=int(seed),
        size=size,
        sensors=sensors,
        gateways=gateways,
        districts=districts,
        stations=stations,
        schools=schools,
        counters=counters,
        lines=lines,
        children=children,
    )
