"""Maps of the synthetic city: sensors and gateways over the offline basemap."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from toyama_lab.viz.basemap import BASE_LAYERS, add_points, basemap_figure
from toyama_lab.viz.colours import colour_for
from toyama_lab.viz.labels import label

__all__ = ["sensor_map"]


def sensor_map(
    city,
    *,
    lang: str = "ja",
    kinds: Sequence[str] | None = None,
    gateways: bool = True,
    layers: Sequence[str] = BASE_LAYERS,
    title: str | None = None,
) -> go.Figure:
    """The city's sensors (one colour per kind) and gateways on the basemap.

    Parameters
    ----------
    city : toyama_lab.city.City
        The city (``city.sensors``, ``city.gateways`` and ``city.to_geojson()``).
    lang : {"ja", "en"}
        Language of names and legend.
    kinds : sequence of str, optional
        Sensor kinds to show (default: every kind present).
    gateways : bool
        Also draw the gateways.
    layers : sequence of str
        Basemap layers.
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    ValueError
        If a requested kind has no sensor in this city.
    """
    sensors = city.sensors
    present = sensors["kind"].unique(maintain_order=True).to_list()
    wanted = list(kinds) if kinds is not None else present
    missing = [k for k in wanted if k not in present]
    if missing:
        raise ValueError(
            f"no sensors of kind {missing} in this city; it has {present}. "
            "Choose kinds from that list."
        )
    fig = basemap_figure(city, lang=lang, layers=layers, title=title)
    name_col = "name_ja" if lang == "ja" else "name_romaji"
    for kind in wanted:
        rows = sensors.filter(sensors["kind"] == kind)
        add_points(
            fig,
            rows["lon"],
            rows["lat"],
            name=label(kind, lang),
            text=[f"{i}: {n}" for i, n in zip(rows["sensor_id"], rows[name_col], strict=True)],
            color=colour_for(kind),
        )
    if gateways:
        gw = city.gateways
        add_points(
            fig,
            gw["lon"],
            gw["lat"],
            name=label("gateway", lang),
            text=[f"{i}: {n}" for i, n in zip(gw["gateway_id"], gw[name_col], strict=True)],
            color=colour_for("gateway"),
            size=13,
            symbol="triangle-up",
        )
    return fig
