"""What a dataset folder holds, as a table: sensors, days, readings, rows, size on disk.

This is what ``toyama-lab generate`` (and ``make data``) prints after writing.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import xarray as xr

from toyama_lab.store import read_manifest

__all__ = ["format_summary", "summarize"]


def _size(files: dict[str, dict[str, int]], prefix: str) -> int:
    return sum(v["bytes"] for k, v in files.items() if k == prefix or k.startswith(prefix + "/"))


def summarize(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Summarise a dataset folder.

    Parameters
    ----------
    path : path-like
        A dataset folder written by :func:`~toyama_lab.datasets.generate`.

    Returns
    -------
    polars.DataFrame
        One row per time-series kind then per event table, columns ``part``
        (``timeseries``/``events``/``other``), ``name``, ``sensors``, ``days``,
        ``readings`` (sensors x minutes), ``variables``, ``rows`` (event tables)
        and ``bytes`` (size on disk, from the manifest).
    """
    root = Path(path)
    manifest = read_manifest(root)
    files = manifest["files"]
    records = []
    for store in sorted((root / "timeseries").glob("*.zarr")):
        with xr.open_zarr(store, consolidated=False) as ds:
            n_sensor, n_time = ds.sizes["sensor"], ds.sizes["time"]
            records.append(
                {
                    "part": "timeseries",
                    "name": store.stem,
                    "sensors": n_sensor,
                    "days": n_time // 1440,
                    "readings": n_sensor * n_time,
                    "variables": len(ds.data_vars),
                    "rows": None,
                    "bytes": _size(files, f"timeseries/{store.name}"),
                }
            )
    for part in ("events", "network"):
        for table in sorted((root / part).glob("*.parquet")):
            rows = pl.scan_parquet(table).select(pl.len()).collect().item()
            records.append(
                {
                    "part": part,
                    "name": table.stem,
                    "sensors": None,
                    "days": None,
                    "readings": None,
                    "variables": None,
                    "rows": rows,
                    "bytes": _size(files, f"{part}/{table.name}"),
                }
            )
    others = [k for k in files if not k.startswith(("timeseries/", "events/", "network/"))]
    for name in others:
        records.append({"part": "other", "name": name, "bytes": files[name]["bytes"]})
    schema = {
        "part": pl.String,
        "name": pl.String,
        "sensors": pl.Int64,
        "days": pl.Int64,
        "readings": pl.Int64,
        "variables": pl.Int64,
        "rows": pl.Int64,
        "bytes": pl.Int64,
    }
    return pl.DataFrame(records, schema=schema)


def _human(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def format_summary(table: pl.DataFrame, *, title: str | None = None) -> str:
    """Render :func:`summarize` output as a plain-text table with a total line."""

    def fmt(v: int | None) -> str:
        return "" if v is None else f"{v:,}"

    header = ["part", "name", "sensors", "days", "readings", "vars", "rows", "size"]
    rows = [
        [
            r["part"],
            r["name"],
            fmt(r["sensors"]),
            fmt(r["days"]),
            fmt(r["readings"]),
            fmt(r["variables"]),
            fmt(r["rows"]),
            _human(r["bytes"]),
        ]
        for r in table.iter_rows(named=True)
    ]
    readings = int(table.get_column("readings").fill_null(0).sum())
    total_bytes = int(table.get_column("bytes").sum())
    rows.append(["total", "", "", "", fmt(readings), "", "", _human(total_bytes)])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    left = {0, 1}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [title] if title else []
    out += [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1])]
    return "\n".join(out)
