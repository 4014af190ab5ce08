"""An offline basemap: the city's own GeoJSON drawn as plain plotly traces.

No tile server and no map service is involved: districts, rivers, railway and
tram lines and stations are ``go.Scatter`` traces on an ordinary x (longitude)
/ y (latitude) pair of axes. The y axis is tied to the x axis
(``scaleanchor``) with a ratio of ``1 / cos(latitude)``, so that a kilometre
east looks as long as a kilometre north, which is the equirectangular
projection around the map's centre. At the size of a city (< 50 km) that is
within a fraction of a percent of a true local projection.

The figure JSON holds only coordinates, names and colours; no URL. The test
``tests/test_viz.py`` checks that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from toyama_lab.viz.colours import BASEMAP
from toyama_lab.viz.labels import check_lang, label

__all__ = [
    "BASE_LAYERS",
    "LAYERS",
    "add_points",
    "aspect_ratio",
    "basemap_figure",
    "basemap_traces",
    "city_geojson",
    "legend_below",
]

#: Every layer the basemap knows how to draw, in drawing order (bottom first).
LAYERS: tuple[str, ...] = ("district", "river", "rail", "tram", "station", "school", "counter")
#: Layers drawn by default.
BASE_LAYERS: tuple[str, ...] = ("district", "river", "rail", "tram", "station")

_LINE_WIDTH = {"river": 2.5, "rail": 1.5, "tram": 2.0}
_LINE_DASH = {"rail": "dash"}
_MARKER = {
    "station": {"size": 5, "symbol": "square", "color": BASEMAP["station"]},
    "school": {"size": 7, "symbol": "star", "color": BASEMAP["school"]},
    "counter": {"size": 8, "symbol": "diamond", "color": BASEMAP["counter"]},
}


def city_geojson(city_or_geojson) -> dict:
    """The GeoJSON FeatureCollection of a city, a dataset or a GeoJSON dict.

    Parameters
    ----------
    city_or_geojson : City, Dataset or dict
        A :class:`toyama_lab.city.City` (anything with ``to_geojson()``), an object
        with a ``city`` attribute (a :class:`toyama_lab.datasets.Dataset`), or a
        GeoJSON FeatureCollection already.

    Returns
    -------
    dict
        The FeatureCollection.

    Raises
    ------
    TypeError
        If the argument is none of these.
    """
    obj = city_or_geojson
    if isinstance(obj, Mapping):
        if obj.get("type") != "FeatureCollection":
            raise TypeError(
                "expected a GeoJSON FeatureCollection (a dict with type='FeatureCollection'), "
                f"got a dict with type={obj.get('type')!r}; pass city.to_geojson()."
            )
        return dict(obj)
    if hasattr(obj, "to_geojson"):
        return obj.to_geojson()
    if hasattr(obj, "city") and hasattr(obj.city, "to_geojson"):
        return obj.city.to_geojson()
    raise TypeError(
        f"cannot draw a basemap from a {type(obj).__name__}; expected a City "
        "(toyama_lab.city.build_city), a Dataset (toyama_lab.datasets.load) or a GeoJSON dict."
    )


def aspect_ratio(lat: float) -> float:
    """The y/x scale ratio that makes degrees of latitude and longitude equal in metres.

    Parameters
    ----------
    lat : float
        Latitude of the map centre. [deg]

    Returns
    -------
    float
        ``1 / cos(lat)``: one degree of latitude is this many times longer on the
        ground than one degree of longitude (spherical Earth).

    Examples
    --------
    >>> round(aspect_ratio(36.7), 3)
    1.247
    """
    if not -89.0 < lat < 89.0:
        raise ValueError(f"lat={lat!r} must be between -89 and 89 degrees for a city map.")
    return 1.0 / math.cos(math.radians(lat))


def _name(props: Mapping, lang: str) -> str:
    return str(props.get("name_ja") if lang == "ja" else props.get("name_romaji")) or str(
        props.get("id", "")
    )


def _rings(geometry: Mapping) -> list[Sequence]:
    """Outer rings of a Polygon / MultiPolygon, or the paths of a (Multi)LineString."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Polygon":
        return [coords[0]]
    if kind == "MultiPolygon":
        return [poly[0] for poly in coords]
    if kind == "LineString":
        return [coords]
    if kind == "MultiLineString":
        return list(coords)
    raise ValueError(f"cannot draw geometry type {kind!r} as a line or an area.")


def _joined(paths: Iterable[Sequence]) -> tuple[list, list]:
    """Concatenate paths into x/y lists separated by ``None`` gaps (one trace, many paths)."""
    xs: list = []
    ys: list = []
    for path in paths:
        xs.extend(p[0] for p in path)
        ys.extend(p[1] for p in path)
        xs.append(None)
        ys.append(None)
    return xs, ys


def _centroid(ring: Sequence) -> tuple[float, float]:
    """Area centroid of a closed ring (shoelace formula); the vertex mean if it has no area."""
    xy = np.asarray(ring, dtype=float)[:, :2]
    x, y = xy[:, 0], xy[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    area = cross.sum() / 2.0
    if abs(area) < 1e-15:
        return float(x.mean()), float(y.mean())
    return (
        float(((x + x1) * cross).sum() / (6.0 * area)),
        float(((y + y1) * cross).sum() / (6.0 * area)),
    )


def _district_traces(group: Sequence[Mapping], lang: str, legend_name: str) -> list[go.Scatter]:
    """All districts as one filled outline trace and one trace of name markers at their centres.

    One trace for every outline (``None`` gaps between rings; ``fill="toself"`` fills each
    ring on its own) instead of one per district: the browser lays out and redraws two
    traces instead of dozens, which is most of a live redraw of a city map.
    """
    rings = [_rings(f["geometry"]) for f in group]
    xs, ys = _joined(r for feature in rings for r in feature)
    centres = [_centroid(max(feature, key=len)) for feature in rings]
    return [
        go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=BASEMAP["district_fill"],
            line={"color": BASEMAP["district_line"], "width": 0.8},
            name=legend_name, legendgroup="district", showlegend=False, hoverinfo="skip",
        ),
        go.Scatter(
            x=[c[0] for c in centres], y=[c[1] for c in centres], mode="markers",
            marker={"size": 6, "color": BASEMAP["district_line"], "opacity": 0.35},
            name=legend_name, legendgroup="district", showlegend=False,
            text=[_name(f["properties"], lang) for f in group],
            hovertemplate="%{text}<extra>" + legend_name + "</extra>",
        ),
    ]  # fmt: skip


def basemap_traces(
    city_or_geojson, *, lang: str = "ja", layers: Sequence[str] = BASE_LAYERS
) -> list[go.Scatter]:
    """The basemap as plotly ``Scatter`` traces (no tiles, no URL).

    Parameters
    ----------
    city_or_geojson : City, Dataset or dict
        See :func:`city_geojson`.
    lang : {"ja", "en"}
        Language of the names in hover text and legend.
    layers : sequence of str
        Layers to draw, a subset of :data:`LAYERS`; drawn in :data:`LAYERS` order.

    Returns
    -------
    list of plotly.graph_objects.Scatter
        Districts are one filled trace of every outline and one marker trace at the
        districts' centres (hover shows the district's name); rivers, rail and tram
        lines one trace per layer (``None`` gaps between lines, hover shows the
        line's name); stations, schools and counters one marker trace per layer.
        Traces of a layer share a legend group. Few traces keep a live redraw of a
        map quick in the browser.

    Raises
    ------
    ValueError
        If a layer name is unknown or ``lang`` is not supported.
    """
    check_lang(lang)
    unknown = [layer for layer in layers if layer not in LAYERS]
    if unknown:
        raise ValueError(f"unknown basemap layer(s) {unknown}; expected a subset of {LAYERS}.")
    feats = city_geojson(city_or_geojson)["features"]
    by_layer: dict[str, list[Mapping]] = {}
    for f in feats:
        by_layer.setdefault(f["properties"].get("layer"), []).append(f)
    traces: list[go.Scatter] = []
    for layer in (layer for layer in LAYERS if layer in layers):
        group = by_layer.get(layer, [])
        legend_name = label(layer, lang)
        if not group:
            continue
        if layer == "district":
            traces += _district_traces(group, lang, legend_name)
        elif layer in ("river", "rail", "tram"):
            paths = [(_name(f["properties"], lang), path) for f in group
                     for path in _rings(f["geometry"])]  # fmt: skip
            xs, ys = _joined(path for _, path in paths)
            traces.append(
                go.Scatter(
                    x=xs, y=ys, mode="lines",
                    line={
                        "color": BASEMAP[layer],
                        "width": _LINE_WIDTH[layer],
                        "dash": _LINE_DASH.get(layer, "solid"),
                    },
                    name=legend_name, legendgroup=layer,
                    text=[t for name, path in paths for t in [name] * len(path) + [None]],
                    hovertemplate="%{text}<extra></extra>",
                )
            )  # fmt: skip
        else:
            traces.append(
                go.Scatter(
                    x=[f["geometry"]["coordinates"][0] for f in group],
                    y=[f["geometry"]["coordinates"][1] for f in group],
                    mode="markers", marker=_MARKER[layer], name=legend_name, legendgroup=layer,
                    text=[_name(f["properties"], lang) for f in group],
                    hovertemplate="%{text}<extra></extra>",
                )
            )  # fmt: skip
    return traces


def _bounds(feats: Iterable[Mapping]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for f in feats:
        g = f["geometry"]
        if g["type"] == "Point":
            xs.append(g["coordinates"][0])
            ys.append(g["coordinates"][1])
        else:
            for path in _rings(g):
                xs.extend(p[0] for p in path)
                ys.extend(p[1] for p in path)
    if not xs:
        raise ValueError("the GeoJSON has no features to draw; build the city first.")
    return min(xs), min(ys), max(xs), max(ys)


def basemap_figure(
    city_or_geojson,
    *,
    lang: str = "ja",
    layers: Sequence[str] = BASE_LAYERS,
    title: str | None = None,
    height: int = 560,
) -> go.Figure:
    """A figure with the city basemap and map-like axes, ready for data overlays.

    Parameters
    ----------
    city_or_geojson : City, Dataset or dict
        See :func:`city_geojson`.
    lang : {"ja", "en"}
        Language of names, axis titles and the default title.
    layers : sequence of str
        Basemap layers (see :func:`basemap_traces`).
    title : str, optional
        Figure title; by default ``label("map_title", lang)``.
    height : int
        Figure height. [px]

    Returns
    -------
    plotly.graph_objects.Figure
        Axes in degrees (x longitude, y latitude) with ``scaleanchor`` and
        ``scaleratio = 1 / cos(centre latitude)``.
    """
    gj = city_geojson(city_or_geojson)
    fig = go.Figure(basemap_traces(gj, lang=lang, layers=layers))
    shown = [f for f in gj["features"] if f["properties"].get("layer") in layers] or gj["features"]
    x0, y0, x1, y1 = _bounds(shown)
    pad_x, pad_y = 0.03 * (x1 - x0 or 0.01), 0.03 * (y1 - y0 or 0.01)
    fig.update_layout(
        title=title if title is not None else label("map_title", lang),
        height=height,
        hovermode="closest",
        xaxis={
            "title": label("lon", lang),
            "range": [x0 - pad_x, x1 + pad_x],
            "showgrid": False,
            "zeroline": False,
            "constrain": "domain",
        },
        yaxis={
            "title": label("lat", lang),
            "range": [y0 - pad_y, y1 + pad_y],
            "showgrid": False,
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": aspect_ratio((y0 + y1) / 2.0),
            "constrain": "domain",
        },
        legend={"itemsizing": "constant"},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    return fig


def _numeric(values) -> np.ndarray:
    """``values`` as an array: floats and integers keep their dtype, the rest become float64."""
    arr = np.asarray(values)
    return arr if arr.dtype.kind in "fiu" else arr.astype(float)


def add_points(
    fig: go.Figure,
    lon: Sequence[float],
    lat: Sequence[float],
    *,
    name: str,
    text: Sequence[str] | None = None,
    color: str | Sequence[float] | None = None,
    size: float | Sequence[float] = 9,
    symbol: str = "circle",
    **marker,
) -> go.Figure:
    """Overlay points (sensors, gateways, ...) on a basemap figure, in place.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Usually from :func:`basemap_figure`.
    lon, lat : sequence of float
        Positions. [deg]
    name : str
        Legend name.
    text : sequence of str, optional
        Hover text per point.
    color : str or sequence of float, optional
        One colour, or values for a colour scale (pass ``colorscale=`` in ``marker``).
    size : float or sequence of float
        Marker size. [px]
    symbol : str
        Plotly marker symbol.
    **marker
        Further ``marker`` properties (``colorscale``, ``colorbar``, ``cmin``...).

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig``, for chaining.
    """
    # numpy arrays, not lists: plotly writes them as base64 typed arrays ("bdata"), which keeps
    # maps with many points small in the executed notebooks (lists are decimal JSON text)
    # (float32 or integer arrays are kept as they come: half the bytes or less, for the
    # maps with the most points)
    lon, lat = _numeric(lon), _numeric(lat)
    if len(lon) != len(lat):
        raise ValueError(f"lon has {len(lon)} values but lat has {len(lat)}; pass one per point.")
    if color is not None and not isinstance(color, str):
        values = np.asarray(color)
        color = _numeric(values) if values.dtype.kind in "fiub" else color
    fig.add_trace(
        go.Scatter(
            x=lon,
            y=lat,
            mode="markers",
            name=name,
            text=list(text) if text is not None else None,
            hovertemplate="%{text}<extra>" + name + "</extra>" if text is not None else None,
            marker={
                "size": size,
                "symbol": symbol,
                "color": color,
                "line": {"width": 0.5, "color": "white"},
                **marker,
            },
        )
    )
    return fig


def legend_below(fig: go.Figure, height: int) -> go.Figure:
    """Lay the legend out in a row under a map figure and set its height, in place.

    Map overlays with long bilingual legend names would squeeze the map if the legend
    stood at the side.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Usually from :func:`basemap_figure`.
    height : int
        Figure height. [px]

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig``, for chaining.
    """
    fig.update_layout(legend={"x": 0.0, "y": -0.15, "orientation": "h"}, height=height)
    return fig
