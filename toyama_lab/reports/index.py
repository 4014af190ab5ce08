"""The index of a report job: ``index.parquet``, ``index.csv`` and ``index.html``.

One row per run of the job, with fixed columns whatever the workbooks record
(:data:`SCHEMA`): the run's parameters and recorded values are JSON texts, and
:func:`values_long` unfolds the values into a long table (run, name, value) for
analysis. ``index.html`` shows the table with links to each run's notebook, page and
PDF, and a figure per recorded number across the grid (plotly, ``plotly.min.js`` from
the output folder: it opens offline from ``file://``). Every file is written
atomically; the index is rewritten after every finished run, so an interrupted job
leaves an index that describes exactly what is on disk.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

__all__ = [
    "SCHEMA",
    "STATUSES",
    "grid_figures",
    "index_html",
    "read_index",
    "values_long",
    "write_index",
]

#: Run statuses: ``pending`` (not run yet), ``interrupted`` (stopped by Ctrl-C).
STATUSES = ("ok", "error", "timeout", "kernel-start", "interrupted", "pending")

#: Columns of the index, in order.
SCHEMA = pl.Schema(
    {
        "run": pl.Int64,
        "name": pl.String,
        "workbook": pl.String,
        "status": pl.String,
        "error_name": pl.String,
        "error_message": pl.String,
        "cell": pl.Int64,
        "seconds": pl.Float64,
        "kernel_retries": pl.Int64,
        "started": pl.String,
        "key": pl.String,
        "params": pl.String,
        "values": pl.String,
        "notebook": pl.String,
        "html": pl.String,
        "pdf": pl.String,
    }
)


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


def read_index(out: str | os.PathLike) -> pl.DataFrame:
    """The index of a job folder (an empty frame of :data:`SCHEMA` if there is none)."""
    path = Path(out) / "index.parquet"
    if not path.is_file():
        return SCHEMA.to_frame()
    frame = pl.read_parquet(path)
    if frame.schema != SCHEMA:  # written by another version: start afresh
        return SCHEMA.to_frame()
    return frame


def values_long(index: pl.DataFrame) -> pl.DataFrame:
    """Recorded values as a long table ``run``, ``name``, ``value`` (null if not a number)."""
    rows = [
        {"run": run, "name": k, "value": float(v) if isinstance(v, (int, float)) else None}
        for run, text in zip(index["run"], index["values"], strict=True)
        for k, v in json.loads(text or "{}").items()
    ]
    return pl.DataFrame(rows, schema={"run": pl.Int64, "name": pl.String, "value": pl.Float64})


def grid_figures(index: pl.DataFrame, lang: str = "ja"):
    """One plotly figure per recorded number across the grid.

    The x axis is the first parameter that varies between runs, the colour the second
    (if any); runs without the value are left out.

    Returns
    -------
    list of plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    ok = index.filter(pl.col("status") == "ok")
    if ok.is_empty():
        return []
    params = [json.loads(p) for p in ok["params"]]
    names = list(dict.fromkeys(k for p in params for k in p))
    varying = [n for n in names if len({_json(p.get(n)) for p in params}) > 1]
    long = values_long(ok).drop_nulls("value")
    figures = []
    for value_name in long["name"].unique(maintain_order=True):
        rows = long.filter(pl.col("name") == value_name)
        by_run = dict(zip(ok["run"], params, strict=True))
        x_name = varying[0] if varying else "run"
        colour = varying[1] if len(varying) > 1 else None
        groups: dict[str, list] = {}
        for run, value in zip(rows["run"], rows["value"], strict=True):
            p = by_run[run]
            group = f"{colour}={p.get(colour)}" if colour else value_name
            x = p.get(x_name, run) if x_name != "run" else run
            groups.setdefault(group, []).append((str(x), value))
        fig = go.Figure()
        for group, points in groups.items():
            points.sort()
            fig.add_scatter(
                x=[p[0] for p in points], y=[p[1] for p in points], name=group,
                mode="lines+markers",
            )  # fmt: skip
        fig.update_layout(
            title=value_name, xaxis_title=x_name, yaxis_title=value_name, height=360,
            margin={"l": 60, "r": 20, "t": 50, "b": 50}, template="plotly_white",
        )  # fmt: skip
        figures.append(fig)
    return figures


_CSS = """
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic",
       "Meiryo", sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; }
td.ok { background: #e6f4ea; } td.error, td.timeout, td.kernel-start { background: #fde8e8; }
td.interrupted, td.pending { background: #fff6db; }
code { font-size: 0.9em; }
"""


def _link(name) -> str:
    return f'<a href="{html.escape(name)}">{html.escape(name)}</a>' if name else ""


def index_html(index: pl.DataFrame, title: str) -> str:
    """``index.html``: the runs table and the figures across the grid (offline)."""
    import plotly.io as pio

    from toyama_lab.reports.pages import PLOTLYJS

    counts = index.group_by("status").len().sort("status")
    summary = ", ".join(f"{s}: {n}" for s, n in zip(counts["status"], counts["len"], strict=True))
    head = ["#", "status", "parameters", "values", "seconds", "retries", "error", "outputs"]
    rows = []
    for r in index.iter_rows(named=True):
        error = ""
        if r["error_name"]:
            cell = f" (cell {r['cell']})" if r["cell"] is not None else ""
            error = f"{r['error_name']}: {r['error_message'] or ''}{cell}"
        outputs = " ".join(_link(r[k]) for k in ("notebook", "html", "pdf") if r[k])
        cells = [
            str(r["run"]),
            html.escape(r["status"]),
            f"<code>{html.escape(r['params'])}</code>",
            f"<code>{html.escape(r['values'] or '')}</code>",
            "" if r["seconds"] is None else f"{r['seconds']:.1f}",
            str(r["kernel_retries"] or 0),
            html.escape(error[:500]),
            outputs,
        ]
        rows.append(
            "<tr>" + "".join(
                f'<td class="{html.escape(r["status"])}">{c}</td>' if i == 1 else f"<td>{c}</td>"
                for i, c in enumerate(cells)
            ) + "</tr>"
        )  # fmt: skip
    figures = [
        pio.to_html(f, include_plotlyjs=False, full_html=False, include_mathjax=False)
        for f in grid_figures(index)
    ]
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f'<script src="{PLOTLYJS}" charset="utf-8"></script></head><body>'
        f"<h1>{html.escape(title)}</h1><p>{len(index)} runs — {html.escape(summary)}</p>"
        "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
        + "\n".join(rows) + "</tbody></table>"
        + ("<h2>記録された値 / recorded values</h2>" + "\n".join(figures) if figures else "")
        + "</body></html>"
    )  # fmt: skip


def write_index(out: str | os.PathLike, rows: Sequence[Mapping], title: str) -> pl.DataFrame:
    """Write ``index.parquet``, ``index.csv`` and ``index.html`` (each atomically).

    Parameters
    ----------
    out : path-like
        The job's output folder.
    rows : sequence of mapping
        One mapping per run with the :data:`SCHEMA` columns.
    title : str
        Title of ``index.html``.

    Returns
    -------
    polars.DataFrame
        The index.
    """
    from toyama_lab._atomic import write_atomic, write_text_atomic
    from toyama_lab.reports.pages import OUTPUT_MODE, write_plotlyjs

    out = Path(out)
    index = pl.DataFrame([dict(r) for r in rows], schema=SCHEMA) if rows else SCHEMA.to_frame()
    write_atomic(out / "index.parquet", lambda p: index.write_parquet(p), mode=OUTPUT_MODE)
    write_text_atomic(out / "index.csv", index.write_csv(), mode=OUTPUT_MODE)
    write_plotlyjs(out)
    write_text_atomic(out / "index.html", index_html(index, title), mode=OUTPUT_MODE)
    return index
