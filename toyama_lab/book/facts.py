"""Numbers the book's prose states, computed from the package (MyST substitutions).

``book/conf.py`` sets ``myst_substitutions = facts.substitutions(root)``; a page
writes ``{{ class_sensors }}`` instead of typing a number, so the text follows the
code. Facts about the world are not here: they are cited on the sources page.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["substitutions"]


def substitutions(root: str | os.PathLike[str]) -> dict[str, str]:
    """``name -> text`` for every number the pages use.

    Parameters
    ----------
    root : path-like
        The repository root (the workbooks are counted under ``root/workbooks``).

    Returns
    -------
    dict
        ``n_workbooks``, ``n_themes``; per size ``tiny``/``class``: ``<size>_sensors``,
        ``<size>_gateways``, ``<size>_children``, ``<size>_<kind>`` sensors per kind;
        ``n_scenarios``, ``n_codecs``; ``toa_sf7_ms``/``toa_sf12_ms`` (11-byte payload
        at 125 kHz [ms]); ``mmc_windows`` (windows for 30 arrivals/h, 7 min
        each, mean wait <= 5 min); ``home_rule_m`` (the privacy rule's radius [m]),
        ``min_cell_children``.
    """
    from toyama_lab import privacy
    from toyama_lab.city import build_city
    from toyama_lab.lorawan.codecs import REGISTRY
    from toyama_lab.mobility.counters import min_windows
    from toyama_lab.radio.airtime import time_on_air
    from toyama_lab.synth import SCENARIOS

    base = Path(root) / "workbooks"
    notebooks = [p for p in base.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    out = {
        "n_workbooks": str(len(notebooks)),
        "n_themes": str(len({p.parent for p in notebooks if p.parent != base})),
        "n_scenarios": str(len(SCENARIOS)),
        "n_codecs": str(len(REGISTRY)),
        "toa_sf7_ms": f"{1000 * float(time_on_air(11, 7)):.0f}",
        "toa_sf12_ms": f"{1000 * float(time_on_air(11, 12)):.0f}",
        "home_rule_m": f"{privacy.HOME_EXCLUSION_RADIUS_M:.0f}",
        "min_cell_children": str(privacy.MIN_CELL_CHILDREN),
        # staff session 3: 30 arrivals per hour, 7 min per person, mean wait <= 5 min
        "mmc_windows": str(int(min_windows(30 / 60, 1 / 7, 5.0))),
    }
    for size in ("tiny", "class"):
        city = build_city(0, size)
        out[f"{size}_sensors"] = f"{city.sensors.height:,}"
        out[f"{size}_gateways"] = f"{city.gateways.height:,}"
        out[f"{size}_children"] = f"{city.children.height:,}"
        for kind, n in city.sensors.group_by("kind").len().rows():
            out[f"{size}_{kind}"] = f"{n:,}"
    return out
