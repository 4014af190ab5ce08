"""A picture of a LoRaWAN frame: its bytes in order, coloured by field.

The rows come from :func:`toyama_lab.lorawan.explain.explain`; this module only draws them.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from toyama_lab.viz.colours import OKABE_ITO
from toyama_lab.viz.labels import check_lang, label

__all__ = ["explain_table", "frame_figure"]

_COLUMNS = ("offset", "length", "bytes_hex", "field", "value", "meaning", "depth", "section")


def explain_table(rows) -> pl.DataFrame:
    """Explain rows (``ExplainRow`` objects or dicts) as a DataFrame.

    Returns
    -------
    polars.DataFrame
        Columns ``offset``, ``length``, ``bytes_hex``, ``field``, ``value``, ``meaning``,
        ``depth``, ``section``; ``offset`` is null for derived rows (decrypted data).

    Raises
    ------
    ValueError
        If there are no rows.
    """
    from dataclasses import asdict, is_dataclass

    if isinstance(rows, pl.DataFrame):
        return rows
    dicts = [asdict(r) if is_dataclass(r) else dict(r) for r in rows]
    if not dicts:
        raise ValueError("no rows to show; pass the result of toyama_lab.lorawan.explain(phy).")
    schema = {
        "offset": pl.Int64,
        "length": pl.Int64,
        "bytes_hex": pl.String,
        "field": pl.String,
        "value": pl.String,
        "meaning": pl.String,
        "depth": pl.Int64,
        "section": pl.String,
    }
    return pl.DataFrame([{c: d.get(c) for c in _COLUMNS} for d in dicts], schema=schema)


def frame_figure(rows, *, lang: str = "ja", title: str | None = None) -> go.Figure:
    """The frame's bytes as a strip of boxes, one colour per top-level field.

    Parameters
    ----------
    rows : list of ExplainRow, list of dict or polars.DataFrame
        From :func:`toyama_lab.lorawan.explain.explain`.
    lang : {"ja", "en"}
        Language of the axis titles (the meanings are in the language of ``rows``).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Horizontal bars: x is the byte offset in the PHYPayload [byte]; each field's
        box is labelled with its bytes in hex; hover shows the field's meaning.
    """
    check_lang(lang)
    table = explain_table(rows)
    fields = table.filter((pl.col("depth") == 0) & pl.col("offset").is_not_null())
    fields = fields.filter(pl.col("length") > 0).sort("offset")
    fig = go.Figure()
    for i, r in enumerate(fields.iter_rows(named=True)):
        fig.add_trace(
            go.Bar(
                x=[r["length"]],
                base=[r["offset"]],
                y=["PHYPayload"],
                orientation="h",
                name=r["field"],
                marker={"color": OKABE_ITO[i % len(OKABE_ITO)], "line": {"color": "white"}},
                text=[_spaced(r["bytes_hex"])],
                textposition="inside",
                insidetextanchor="middle",
                customdata=[[r["field"], r["value"], r["meaning"], r["section"]]],
                hovertemplate="%{customdata[0]} = %{customdata[1]}<br>%{customdata[2]}"
                "<br>LoRaWAN 1.0.4 %{customdata[3]}<extra></extra>",
            )
        )
    n_bytes = int((fields["offset"] + fields["length"]).max()) if fields.height else 0
    fig.update_layout(
        title=title,
        barmode="overlay",
        height=260,
        xaxis={"title": label("bytes", lang), "range": [0, n_bytes], "dtick": 1},
        yaxis={"showticklabels": False},
        legend={"orientation": "h", "y": -0.5},
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
    )
    return fig


def _spaced(hex_text: str | None) -> str:
    """``"DA1B0126"`` -> ``"DA 1B 01 26"``."""
    text = hex_text or ""
    return " ".join(text[i : i + 2] for i in range(0, len(text), 2))
