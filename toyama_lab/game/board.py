"""The game board: the city map drawn from the city's own GeoJSON, as SVG, with the five areas.

The map is the synthetic city's basemap (:meth:`toyama_lab.city.City.to_geojson`: districts,
rivers, tram and rail lines, stations), projected with an equirectangular projection scaled
by cos(latitude) (good to well under 1 % over a city of 40 km). No tiles, no network.
"""

from __future__ import annotations

import html
import math

from toyama_lab.city import build_city

__all__ = ["LAYER_STYLE", "city_svg"]

#: Fill/stroke of each GeoJSON layer drawn on the board (others are left out).
LAYER_STYLE = {
    "district": 'fill="#f4f1e8" stroke="#b8b0a0" stroke-width="0.6"',
    "river": 'fill="none" stroke="#4a90c8" stroke-width="2.2"',
    "rail": 'fill="none" stroke="#555" stroke-width="1.2" stroke-dasharray="4 2"',
    "tram": 'fill="none" stroke="#d0453a" stroke-width="1.6"',
}


def _rings(geom: dict) -> list[list[list[float]]]:
    t, c = geom["type"], geom["coordinates"]
    if t == "Polygon":
        return [c[0]]
    if t == "MultiPolygon":
        return [p[0] for p in c]
    if t == "LineString":
        return [c]
    if t == "MultiLineString":
        return list(c)
    return []


def city_svg(*, seed: int = 0, size: str = "class", width: float = 180.0,
             height: float = 120.0, lang: str = "ja") -> str:  # fmt: skip
    """The city map as an SVG element sized ``width`` x ``height`` [mm].

    Parameters
    ----------
    seed, size : int, str
        The synthetic city (:func:`toyama_lab.city.build_city`).
    width, height : float
        Size on paper. [mm]
    lang : {"ja", "en"}
        Language of the station labels (Japanese names or romaji).

    Returns
    -------
    str
        An ``<svg>`` element (no XML declaration), deterministic for the same arguments.
    """
    gj = build_city(seed, size).to_geojson()
    feats = [f for f in gj["features"] if f["properties"].get("layer") in LAYER_STYLE]
    pts = [p for f in feats for ring in _rings(f["geometry"]) for p in ring]
    lon0 = min(p[0] for p in pts)
    lon1 = max(p[0] for p in pts)
    lat0 = min(p[1] for p in pts)
    lat1 = max(p[1] for p in pts)
    k = math.cos(math.radians((lat0 + lat1) / 2))
    sx = width / ((lon1 - lon0) * k)
    sy = height / (lat1 - lat0)
    s = min(sx, sy)
    ox = (width - (lon1 - lon0) * k * s) / 2
    oy = (height - (lat1 - lat0) * s) / 2

    def xy(p):
        return f"{ox + (p[0] - lon0) * k * s:.2f},{oy + (lat1 - p[1]) * s:.2f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}" class="city-map">'
    ]
    for layer in LAYER_STYLE:  # draw order: districts, then rivers and lines
        for f in feats:
            if f["properties"]["layer"] != layer:
                continue
            for ring in _rings(f["geometry"]):
                d = "M" + " L".join(xy(p) for p in ring)
                d += " Z" if layer == "district" else ""
                parts.append(f'<path d="{d}" {LAYER_STYLE[layer]} />')
    for f in gj["features"]:
        pr = f["properties"]
        if pr.get("layer") == "station":
            x, y = xy(f["geometry"]["coordinates"]).split(",")
            name = pr.get("name_ja") if lang == "ja" else pr.get("name_romaji")
            parts.append(f'<circle cx="{x}" cy="{y}" r="0.8" fill="#222" />')
            if pr.get("name_ja") == "富山駅":  # label the hub only: 67 labels would hide the map
                parts.append(
                    f'<text x="{float(x) + 1.6:.2f}" y="{float(y) + 1:.2f}" font-size="2.6">'
                    f"{html.escape(name)}</text>"
                )
    parts.append("</svg>")
    return "\n".join(parts)
