"""toyama_lab.datasets.cache: the data root, load, and the Dataset handle."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from cases import KINDS, START

from toyama_lab import __version__
from toyama_lab.datasets import (
    DatasetError,
    data_root,
    dataset_dirname,
    load,
    open_dataset,
    resolve_params,
)


def test_dataset_dirname_default_and_custom_period():
    assert dataset_dirname(resolve_params("normal-week", "class", 0)) == "normal-week-class-0"
    p = resolve_params("normal-week", "tiny", 2, "2025-10-07", 2)
    assert dataset_dirname(p) == "normal-week-tiny-2-20251007-2d"


def test_data_root_order(tmp_path, monkeypatch):
    monkeypatch.setenv("TOYAMA_LAB_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "given") == tmp_path / "given"
    monkeypatch.delenv("TOYAMA_LAB_DATA")
    repo = Path(__file__).resolve().parents[1]
    assert data_root() == repo / "data" / "synthetic"


def test_load_builds_into_named_folder(tiny_dataset):
    assert tiny_dataset.path.name == "normal-week-tiny-4-20251006-1d"
    names = sorted(p.name for p in tiny_dataset.path.parent.iterdir())
    assert names == [f".{tiny_dataset.path.name}.lock", tiny_dataset.path.name]
    assert sorted(p.name for p in tiny_dataset.path.iterdir()) == [
        "README.md", "city.geojson", "events", "manifest.json", "timeseries",
    ]  # fmt: skip
    assert tiny_dataset.kinds == sorted(KINDS)


def test_timeseries_layout_and_metadata(tiny_dataset):
    from toyama_lab.synth import VARIABLES

    for kind in KINDS:
        cube = tiny_dataset.timeseries(kind)
        assert cube.sizes["time"] == 1440
        assert (
            cube.sizes["sensor"] == tiny_dataset.city.sensors.filter(pl.col("kind") == kind).height
        )
        assert cube["time"].values[0] == np.datetime64("2025-10-06T00:00")
        assert cube["time"].attrs["timezone"] == "Asia/Tokyo"
        assert np.all(np.diff(cube["time"].values) == np.timedelta64(1, "m"))
        for coord in ("sensor_id", "lon", "lat", "district_ja"):
            assert coord in cube.coords
        assert (
            list(cube["sensor_id"].values)
            == (
                tiny_dataset.city.sensors.filter(pl.col("kind") == kind).sort("sensor_index")[
                    "sensor_id"
                ]
            ).to_list()
        )
        assert cube.attrs["scenario"] == "normal-week"
        assert cube.attrs["seed"] == 4
        assert cube.attrs["toyama_lab_version"] == __version__
        assert sorted(cube.data_vars) == sorted(v.name for v in VARIABLES[kind])
        for v in VARIABLES[kind]:
            attrs = cube[v.name].attrs
            assert (attrs["units"], attrs["long_name_ja"], attrs["long_name_en"]) == (
                v.units, v.long_name_ja, v.long_name_en,
            )  # fmt: skip
            assert cube[v.name].chunks[1] == (1440,)


def test_timeseries_values_match_synth(tiny_dataset):
    from toyama_lab.synth import simulate

    sensors = tiny_dataset.city.sensors.filter(pl.col("kind") == "rain").sort("sensor_index")
    truth = simulate("rain", sensors, START, 1, seed=4, scenario="normal-week")
    cube = tiny_dataset.timeseries("rain").load()
    np.testing.assert_array_equal(cube["precip_true"].values, truth["precip_true"])
    np.testing.assert_array_equal(cube["fault"].values, truth["fault"])


def test_events_tables(tiny_dataset):
    assert tiny_dataset.event_names == sorted(
        ["sensors", "gateways", "children_fixes", "fault_events", "outages", "rain_events",
         "event_days"]
    )  # fmt: skip
    t0, t1 = dt.datetime(2025, 10, 6), dt.datetime(2025, 10, 7)
    for name in ("fault_events", "outages", "rain_events"):
        table = tiny_dataset.events(name)
        assert table.filter((pl.col("start") >= t1) | (pl.col("end") <= t0)).height == 0
    fixes = tiny_dataset.events("children_fixes")
    assert fixes.height > 0  # 2025-10-06 is a school day
    assert not {"home_lon", "home_lat"} & set(fixes.columns)
    assert tiny_dataset.events("sensors").equals(tiny_dataset.city.sensors)
    assert tiny_dataset.events("gateways").equals(tiny_dataset.city.gateways)
    with pytest.raises(DatasetError, match=r"expected one of: .*sensors"):
        tiny_dataset.events("nope")
    with pytest.raises(DatasetError, match=r"expected one of: .*pedestrian"):
        tiny_dataset.timeseries("snowplough")


def test_load_cache_hit_does_not_generate(tiny_dataset, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("generate called on a cache hit")

    monkeypatch.setattr("toyama_lab.datasets.build.build_folder", must_not_run)
    again = load(
        "normal-week", "tiny", 4, start=START, days=1, root=tiny_dataset.path.parent, verify=True
    )
    assert again.path == tiny_dataset.path
    assert again.manifest == tiny_dataset.manifest


@pytest.mark.parametrize("key", ["toyama-lab", "toyama-lab-source-sha256"])
def test_load_rebuilds_stale_and_verify_detects_changes(tmp_path, key):
    ds = load("earthquake", "tiny", 0, start="2025-11-12", days=1, root=tmp_path, progress=False)
    manifest = json.loads((ds.path / "manifest.json").read_text())
    current = manifest["software"][key]
    manifest["software"][key] = "0.0.0-old"
    (ds.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.warns(UserWarning, match="regenerating"):
        fresh = load("earthquake", "tiny", 0, start="2025-11-12", days=1, root=tmp_path)
    assert fresh.manifest["software"][key] == current
    chunk = next(p for p in (fresh.path / "timeseries").rglob("c/0/0"))
    data = bytearray(chunk.read_bytes())
    data[-1] ^= 0xFF  # same size: only a full verify sees it
    chunk.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="1 changed"):
        load("earthquake", "tiny", 0, start="2025-11-12", days=1, root=tmp_path, verify=True)
    assert repr(fresh).startswith("Dataset('earthquake', size='tiny', seed=0")


def test_open_dataset_rejects_non_dataset(tmp_path):
    with pytest.raises(DatasetError, match="not a toyama-lab dataset"):
        open_dataset(tmp_path)
