"""toyama_lab.datasets.summary: what a dataset folder holds."""

from __future__ import annotations

import polars as pl
from cases import KINDS

from toyama_lab.datasets import (
    format_summary,
    summarize,
)


def test_summary_table(tiny_dataset):
    table = summarize(tiny_dataset.path)
    ts = table.filter(pl.col("part") == "timeseries")
    assert sorted(ts["name"]) == sorted(KINDS)
    assert (ts["days"] == 1).all()
    assert (ts["readings"] == ts["sensors"] * 1440).all()
    ev = table.filter(pl.col("part") == "events")
    assert sorted(ev["name"]) == tiny_dataset.event_names
    assert ev.filter(pl.col("name") == "sensors")["rows"].item() == tiny_dataset.city.sensors.height
    assert table["bytes"].sum() == sum(f["bytes"] for f in tiny_dataset.manifest["files"].values())
    text = format_summary(table, title="T")
    assert text.splitlines()[0] == "T"
    assert f"{int(ts['readings'].sum()):,}" in text.splitlines()[-1]
