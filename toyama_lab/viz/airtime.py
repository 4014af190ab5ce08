"""Figures of LoRa time on air: how long a frame occupies the channel, and what it costs.

The numbers come from :func:`toyama_lab.radio.airtime.time_on_air` and the Japanese rules in
:mod:`toyama_lab.radio.regional`; this module only arranges and draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import polars as pl

from toyama_lab.viz.colours import SF
from toyama_lab.viz.labels import check_lang, label

__all__ = ["airtime_figure", "airtime_table", "budget_figure", "budget_table", "staircase"]

#: LoRaWAN overhead around the application payload without FOpts:
#: MHDR 1 + DevAddr 4 + FCtrl 1 + FCnt 2 + FPort 1 + MIC 4 = 13 bytes
#: (LoRaWAN L2 1.0.4, section 4). [byte]
LORAWAN_OVERHEAD_BYTES = 13


def airtime_table(
    payload_bytes: Sequence[int] | np.ndarray,
    sfs: Sequence[int] = (7, 8, 9, 10, 11, 12),
    *,
    bw_hz: int = 125_000,
    lorawan: bool = True,
) -> pl.DataFrame:
    """Time on air for every (spreading factor, application payload size).

    Parameters
    ----------
    payload_bytes : sequence of int
        Application payload sizes (FRMPayload). [byte]
    sfs : sequence of int
        Spreading factors, 7..12.
    bw_hz : int
        Bandwidth. [Hz]
    lorawan : bool
        Add the 13-byte LoRaWAN frame overhead (:data:`LORAWAN_OVERHEAD_BYTES`) to get
        the PHY payload; False treats ``payload_bytes`` as the PHY payload.

    Returns
    -------
    polars.DataFrame
        Columns ``sf`` (int8), ``payload_bytes``, ``phy_bytes`` (int32) and
        ``time_on_air_ms`` (float64) [ms], one row per combination.
    """
    from toyama_lab.radio.airtime import time_on_air

    app = np.asarray(payload_bytes, dtype=np.int32)
    sf = np.asarray(sfs, dtype=np.int32)
    sf_grid, app_grid = np.meshgrid(sf, app, indexing="ij")
    phy = app_grid + (LORAWAN_OVERHEAD_BYTES if lorawan else 0)
    toa = np.asarray(time_on_air(phy.ravel(), sf_grid.ravel(), bw_hz=bw_hz)) * 1e3
    return pl.DataFrame(
        {
            "sf": sf_grid.ravel().astype(np.int8),
            "payload_bytes": app_grid.ravel(),
            "phy_bytes": phy.ravel(),
            "time_on_air_ms": toa,
        }
    )


def airtime_figure(
    max_payload: int = 51,
    sfs: Sequence[int] = (7, 8, 9, 10, 11, 12),
    *,
    bw_hz: int = 125_000,
    limit_ms: float | None = 400.0,
    mark_payload: int | None = None,
    lang: str = "ja",
) -> go.Figure:
    """Time on air against application payload size, one line per spreading factor.

    Parameters
    ----------
    max_payload : int
        Largest application payload shown. [byte]
    sfs : sequence of int
        Spreading factors to draw.
    bw_hz : int
        Bandwidth. [Hz]
    limit_ms : float or None
        A horizontal limit line, by default the AS923 400 ms dwell time
        (:data:`toyama_lab.radio.regional.AS923_DWELL`). [ms]
    mark_payload : int, optional
        Draw a vertical line at this payload size (e.g. the sensor's). [byte]
    lang : {"ja", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        Log-scaled y axis (each SF step roughly doubles the time).
    """
    check_lang(lang)
    if not 0 <= max_payload <= 255 - LORAWAN_OVERHEAD_BYTES:
        raise ValueError(
            f"max_payload={max_payload} must be 0..{255 - LORAWAN_OVERHEAD_BYTES} bytes "
            "(a LoRa PHY payload holds at most 255 bytes, 13 of them LoRaWAN overhead)."
        )
    table = airtime_table(np.arange(max_payload + 1), sfs, bw_hz=bw_hz)
    fig = go.Figure()
    for sf in sfs:
        rows = table.filter(pl.col("sf") == sf)
        fig.add_trace(
            go.Scatter(
                x=rows["payload_bytes"],
                y=rows["time_on_air_ms"],
                mode="lines",
                line={"shape": "hv", "color": SF.get(int(sf))},
                name=f"SF{sf}",
            )
        )
    if limit_ms is not None:
        fig.add_hline(
            y=limit_ms,
            line={"dash": "dash", "color": "#555555"},
            annotation_text=f"{limit_ms:g} ms",
            annotation_position="top left",
            # on a log axis plotly places annotations in log10 units
            annotation_y=float(np.log10(limit_ms)),
        )
    if mark_payload is not None:
        fig.add_vline(x=mark_payload, line={"dash": "dot", "color": "#888888"})
    fig.update_layout(
        title=f"{label('time_on_air_ms', lang)} — {bw_hz // 1000} kHz",
        xaxis_title=label("payload_bytes", lang),
        yaxis_title=label("time_on_air_ms", lang),
        yaxis_type="log",
        legend_title=label("sf", lang),
        height=450,
    )
    return fig


def budget_table(
    payload_bytes: int,
    sfs: Sequence[int] = (7, 8, 9, 10, 11, 12),
    *,
    budget_s: float | None = None,
    bw_hz: int = 125_000,
) -> pl.DataFrame:
    """How many uplinks of one size fit in the hourly transmit-time budget, per SF.

    Parameters
    ----------
    payload_bytes : int
        Application payload size. [byte]
    sfs : sequence of int
        Spreading factors.
    budget_s : float, optional
        Transmit time allowed per device and hour; default the 360 s of
        :data:`toyama_lab.radio.regional.ARIB_T108`. [s]
    bw_hz : int
        Bandwidth. [Hz]

    Returns
    -------
    polars.DataFrame
        ``sf``, ``time_on_air_ms`` [ms], ``max_per_hour`` (whole uplinks within the
        budget) and ``min_interval_s`` (the shortest even spacing that keeps to it) [s].
    """
    if budget_s is None:
        from toyama_lab.radio.regional import ARIB_T108

        budget_s = float(ARIB_T108.hourly_budget_s)
    if budget_s <= 0:
        raise ValueError(f"budget_s={budget_s} must be a positive number of seconds per hour.")
    t = airtime_table([payload_bytes], sfs, bw_hz=bw_hz)
    return t.select(
        "sf",
        "time_on_air_ms",
        (budget_s * 1e3 / pl.col("time_on_air_ms")).floor().cast(pl.Int64).alias("max_per_hour"),
        (3600.0 * pl.col("time_on_air_ms") / (budget_s * 1e3)).alias("min_interval_s"),
    )


def budget_figure(
    payload_bytes: int = 11,
    *,
    budget_s: float | None = None,
    sfs: Sequence[int] = (7, 8, 9, 10, 11, 12),
    lang: str = "ja",
) -> go.Figure:
    """Bar chart of :func:`budget_table`: uplinks per hour within the budget, per SF.

    Returns
    -------
    plotly.graph_objects.Figure
        Log-scaled bars with the count written on each.
    """
    check_lang(lang)
    t = budget_table(payload_bytes, sfs, budget_s=budget_s)
    fig = go.Figure(
        go.Bar(
            x=[f"SF{s}" for s in t["sf"]],
            y=t["max_per_hour"],
            marker_color=[SF.get(int(s)) for s in t["sf"]],
            text=t["max_per_hour"],
            textposition="outside",
            customdata=t["time_on_air_ms"],
            hovertemplate="%{x}: %{y} /h, %{customdata:.1f} ms<extra></extra>",
        )
    )
    per_hour = "1時間あたりの最大送信回数" if lang == "ja" else "Uplinks per hour (max)"
    fig.update_layout(
        title=f"{per_hour} — {label('payload_bytes', lang)} = {payload_bytes}",
        xaxis_title=label("sf", lang),
        yaxis_title=per_hour,
        yaxis_type="log",
        height=420,
        showlegend=False,
    )
    return fig


def staircase(sf: int, bw_hz: int = 125_000) -> dict[str, float]:
    """The steps of the time-on-air staircase at one spreading factor, measured on the formula.

    The payload part of a LoRa frame is sent in blocks of ``CR`` symbols (5 at coding rate
    4/5), each carrying ``4 (SF - 2 DE)`` payload bits (SX1276 datasheet rev. 7, section
    4.1.1.7); one more byte either fits in the last block or costs a whole block. This
    function reads the step off :func:`toyama_lab.radio.airtime.time_on_air` itself.

    Parameters
    ----------
    sf : int
        Spreading factor, 7..12.
    bw_hz : int
        Bandwidth. [Hz]

    Returns
    -------
    dict
        ``step_ms`` (time one block adds) [ms], ``step_symbols`` (symbols per block),
        ``bytes_per_step`` (PHY bytes one block holds, mean over the staircase) [byte].

    Examples
    --------
    >>> staircase(10)
    {'step_ms': 40.96, 'step_symbols': 5.0, 'bytes_per_step': 5.0}
    """
    from toyama_lab.radio.airtime import symbol_time, time_on_air

    phy = np.arange(0, 256)
    toa_ms = np.asarray(time_on_air(phy, sf, bw_hz=bw_hz)) * 1e3
    jumps = np.flatnonzero(np.diff(toa_ms) > 1e-9)
    step_ms = float(np.round(np.diff(toa_ms)[jumps].max(), 6))
    sym_ms = float(symbol_time(sf, bw_hz)) * 1e3
    return {
        "step_ms": step_ms,
        "step_symbols": float(np.round(step_ms / sym_ms, 6)),
        "bytes_per_step": float(np.round(np.diff(jumps).mean(), 2)),
    }
