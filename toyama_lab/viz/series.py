"""Time-series figures of the sensor x time cubes from :mod:`toyama_lab.datasets`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import xarray as xr

from toyama_lab.viz.colours import OKABE_ITO
from toyama_lab.viz.labels import check_lang, label

__all__ = ["main_variable", "timeseries_figure", "variable_label"]

_HOW = ("sum", "mean", "max")


def main_variable(cube: xr.Dataset) -> str:
    """The reported (main) variable of a cube, from its ``kind`` attribute.

    Raises
    ------
    ValueError
        If the cube has no ``kind`` attribute naming a known sensor kind.
    """
    from toyama_lab.synth import MAIN

    kind = cube.attrs.get("kind")
    if kind not in MAIN:
        raise ValueError(
            f"cube attribute kind={kind!r} is not a sensor kind {tuple(MAIN)}; "
            "pass variable= explicitly or open the cube with Dataset.timeseries(kind)."
        )
    return MAIN[kind]


def variable_label(da: xr.DataArray, lang: str = "ja") -> str:
    """``long_name [units]`` of a variable in ``lang`` (units omitted for counts, "1")."""
    check_lang(lang)
    name = da.attrs.get(f"long_name_{lang}") or da.name
    units = da.attrs.get("units")
    return f"{name} [{units}]" if units and units != "1" else str(name)


def timeseries_figure(
    cube: xr.Dataset,
    sensors: str | Sequence[str] | None = None,
    *,
    variable: str | None = None,
    truth: bool = False,
    freq: str | None = None,
    how: str = "sum",
    lang: str = "ja",
    title: str | None = None,
) -> go.Figure:
    """Lines of one variable over time, one per sensor.

    Parameters
    ----------
    cube : xarray.Dataset
        A sensor x time cube (``Dataset.timeseries(kind)``), with a ``sensor_id``
        coordinate along ``sensor``.
    sensors : str or sequence of str, optional
        Sensor ids to draw (default: the first three).
    variable : str, optional
        Variable name (default: the kind's reported variable, :func:`main_variable`).
    truth : bool
        Also draw the ``<variable>_true`` copy, dashed, when the cube has it.
    freq : str, optional
        Resample to this period first (e.g. ``"10min"``, ``"1h"``).
    how : {"sum", "mean", "max"}
        Aggregation when resampling (``sum`` for counts per period, ``mean`` for levels).
    lang : {"ja", "en"}
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    KeyError
        For an unknown variable or sensor id (the message lists what exists).
    ValueError
        For an unknown ``how``.
    """
    check_lang(lang)
    variable = variable or main_variable(cube)
    if variable not in cube.data_vars:
        raise KeyError(f"no variable {variable!r} in the cube; it has {list(cube.data_vars)}.")
    if how not in _HOW:
        raise ValueError(f"how={how!r} must be one of {_HOW}.")
    ids = [str(s) for s in np.asarray(cube["sensor_id"].values)]
    if sensors is None:
        wanted = ids[:3]
    else:
        wanted = [sensors] if isinstance(sensors, str) else list(sensors)
    unknown = [s for s in wanted if s not in ids]
    if unknown:
        raise KeyError(f"unknown sensor id(s) {unknown}; this cube has {ids}.")
    names = cube["name_ja" if lang == "ja" else "name_romaji"].values
    index = [ids.index(s) for s in wanted]
    names_of = {s: str(names[i]) for s, i in zip(wanted, index, strict=True)}
    extra = [f"{variable}_true"] if truth and f"{variable}_true" in cube.data_vars else []
    sub = cube[[variable, *extra]].isel(sensor=index).compute()
    if freq is not None:
        sub = getattr(sub.resample(time=freq), how)(skipna=True, keep_attrs=True)
    fig = go.Figure()
    for j, sid in enumerate(wanted):
        colour = OKABE_ITO[j % len(OKABE_ITO)]
        fig.add_trace(
            go.Scatter(
                x=sub["time"].values,
                y=sub[variable].isel(sensor=j).values,
                mode="lines",
                name=f"{sid} {names_of[sid]}",
                line={"color": colour, "width": 1.5},
            )
        )
        for name in extra:
            fig.add_trace(
                go.Scatter(
                    x=sub["time"].values,
                    y=sub[name].isel(sensor=j).values,
                    mode="lines",
                    name=f"{sid} ({'真値' if lang == 'ja' else 'truth'})",
                    line={"color": colour, "width": 1, "dash": "dot"},
                )
            )
    y_title = variable_label(cube[variable], lang)
    if freq is not None:
        y_title += f" ({how}, {freq})"
    fig.update_layout(
        title=title if title is not None else variable_label(cube[variable], lang),
        xaxis_title=label("time", lang),
        yaxis_title=y_title,
        hovermode="x unified",
        height=420,
    )
    return fig
