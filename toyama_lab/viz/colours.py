"""The shared colour scales of every toyama-lab figure.

One palette per meaning, so that a river gauge is the same blue in every
workbook and a warning level has the same colour as on the weather service's maps.

Notes
-----
- Categorical colours are the Okabe–Ito palette, distinguishable with the common
  colour-vision deficiencies: M. Okabe and K. Ito, "Color Universal Design (CUD):
  How to make figures and presentations that are friendly to colorblind people",
  2008, https://jfly.uni-koeln.de/color/.
- Warning-level colours follow the colours of the Japan Meteorological Agency's
  risk maps and the 5-level alert scheme (警戒レベル): yellow for caution, red for
  warning, purple for danger, black for imminent disaster. 気象庁「キキクル
  (危険度分布)」の配色; 内閣府「避難情報に関するガイドライン」(令和3年5月).
"""

from __future__ import annotations

__all__ = [
    "BASEMAP",
    "CROWDING",
    "KIND",
    "OKABE_ITO",
    "SF",
    "WARNING",
    "colour_for",
]

#: Okabe–Ito categorical palette (black omitted; used as the figure colourway).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)

#: One colour per sensor kind (``city.sensors["kind"]``) and for gateways.
KIND: dict[str, str] = {
    "pedestrian": "#E69F00",
    "bicycle_park": "#009E73",
    "counter": "#CC79A7",
    "rain": "#56B4E9",
    "river": "#0072B2",
    "gateway": "#D55E00",
}

#: Basemap styles: fills and lines kept light so that data stand out.
BASEMAP: dict[str, str] = {
    "district_fill": "rgba(120, 120, 120, 0.06)",
    "district_line": "rgba(90, 90, 90, 0.45)",
    "river": "#6BAED6",
    "tram": "#7A7A7A",
    "rail": "#3F3F3F",
    "station": "#3F3F3F",
    "school": "#8C6D31",
    "counter": "#CC79A7",
    "place": "#5A5A5A",
    "sea": "rgba(107, 174, 214, 0.10)",
}

#: Warning levels (river gauges: caution / evacuation decision / danger), JMA colours.
WARNING: dict[str, str] = {
    "normal": "#9E9E9E",
    "caution": "#F2E700",  # 氾濫注意水位  (警戒レベル2相当, yellow)
    "evacuation": "#FF2800",  # 避難判断水位 (警戒レベル3相当, red)
    "danger": "#AA00AA",  # 氾濫危険水位 (警戒レベル4相当, purple)
    "disaster": "#0C000C",  # 氾濫発生 (警戒レベル5相当, black)
}

#: Five crowding levels, quiet to crowded, as plotly ``colorscale`` stops.
CROWDING: list[list[float | str]] = [
    [0.0, "#1A9850"],
    [0.25, "#91CF60"],
    [0.5, "#FEE08B"],
    [0.75, "#FC8D59"],
    [1.0, "#D73027"],
]

#: One colour per LoRa spreading factor (SF7 fast and short ... SF12 slow and far).
SF: dict[int, str] = {
    7: "#0072B2",
    8: "#56B4E9",
    9: "#009E73",
    10: "#E69F00",
    11: "#D55E00",
    12: "#CC79A7",
}


def colour_for(kind: str) -> str:
    """The colour of a sensor kind or of ``"gateway"``.

    Raises
    ------
    KeyError
        If ``kind`` has no colour; the message lists the known kinds.
    """
    try:
        return KIND[kind]
    except KeyError:
        raise KeyError(
            f"no colour for kind {kind!r}; expected one of {sorted(KIND)}. "
            "Add it to toyama_lab.viz.colours.KIND."
        ) from None
