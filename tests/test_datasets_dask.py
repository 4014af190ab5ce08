"""Byte-identical datasets whatever the dask chunking, threads or dask.distributed cluster."""

from __future__ import annotations

import json

import pytest

from toyama_lab.datasets import DatasetError, generate, open_dataset

ARGS = {"scenario": "heavy-rain", "size": "tiny", "seed": 5, "start": "2025-07-08", "days": 3}


def files_of(path):
    return json.loads((path / "manifest.json").read_text())["files"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The dataset written with the default compute chunking and threads."""
    return generate(**ARGS, out=tmp_path_factory.mktemp("ref") / "ds", progress=False)


@pytest.mark.parametrize(
    "options",
    [
        {"chunk_days": 1, "workers": 1},
        {"chunk_days": 2, "chunk_sensors": 512, "workers": 2},
    ],
)
def test_same_bytes_whatever_chunking_and_threads(reference, tmp_path, options):
    out = generate(**ARGS, out=tmp_path / "ds", progress=False, **options)
    assert files_of(out) == files_of(reference)
    assert (out / "manifest.json").read_bytes() == (reference / "manifest.json").read_bytes()
    open_dataset(out, verify=True)


def test_other_seed_gives_other_bytes(reference, tmp_path):
    out = generate(**{**ARGS, "seed": 6}, out=tmp_path / "ds", progress=False)
    ours, theirs = files_of(out), files_of(reference)
    changed = [k for k in ours if k.endswith("/c/0/0") and ours[k] != theirs.get(k)]
    assert changed  # the random streams depend on the seed


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"chunk_sensors": 100}, "multiple of 256"),
        ({"chunk_sensors": 0}, "multiple of 256"),
        ({"chunk_days": 0}, "chunk_days"),
    ],
)
def test_bad_compute_chunks(tmp_path, options, fragment):
    with pytest.raises(DatasetError, match=fragment):
        generate(**ARGS, out=tmp_path / "ds", **options)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_distributed_cluster_gives_same_bytes(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        out = generate(**ARGS, out=tmp_path / "ds", client=client, progress=False)
    assert files_of(out) == files_of(reference)


def test_progress_bar_counts_blocks(tmp_path, capsys):
    generate(**ARGS, out=tmp_path / "ds", progress=True, chunk_days=1)
    err = capsys.readouterr().err
    assert "時系列 time series" in err
    assert "15/15" in err  # 5 kinds x 3 one-day blocks


def test_sensor_blocks_do_not_change_bytes(tmp_path):
    """City-size pedestrians (900 > 256 sensors): several storage chunks along sensors."""
    from toyama_lab.city import build_city
    from toyama_lab.datasets.build import compute_writes, timeseries_dataset, write_timeseries
    from toyama_lab.datasets.params import resolve_params
    from toyama_lab.store import file_table

    sensors = build_city(0, "city").sensors
    params = resolve_params("normal-week", "city", 0, "2025-10-11", 1)
    tables = []
    for n, chunk_sensors in enumerate((256, 768)):
        cube = timeseries_dataset(sensors, "pedestrian", params, chunk_sensors=chunk_sensors)
        assert cube.sizes["sensor"] > 2 * 256
        assert cube["count"].chunks[0][0] == chunk_sensors
        store = tmp_path / f"{n}.zarr"
        compute_writes(
            [write_timeseries(cube, store)], workers=2, client=None, progress=False, total=0
        )
        tables.append(file_table(store))
    assert tables[0] == tables[1]
    assert "count/c/3/0" in tables[0]  # four storage chunks of 256 sensors


def test_each_variable_computes_alone_like_the_whole_cube():
    # every variable's graph must stand on its own (it once named the later variables' layers)
    import numpy as np

    from toyama_lab.city import build_city
    from toyama_lab.datasets.build import timeseries_dataset
    from toyama_lab.datasets.params import resolve_params

    city = build_city(0, "tiny")
    params = resolve_params("normal-week", size="tiny", seed=0, days=2)
    ds = timeseries_dataset(city.sensors, "pedestrian", params, chunk_sensors=256, chunk_days=1)
    whole = ds.compute()
    assert len(ds.data_vars) > 1
    for name in ds.data_vars:
        np.testing.assert_array_equal(ds[name].values, whole[name].values)


def test_block_arrays_split_one_task_layer_per_variable():
    import numpy as np

    from toyama_lab.datasets._blocks import block_arrays

    def block(i, j):
        return {"a": np.full((2, 3), 10 * i + j), "b": np.full((2, 3), -(10 * i + j))}

    layer = {("sim", i, j): (block, i, j) for i in range(2) for j in range(2)}
    out = block_arrays("sim", layer, ((2, 2), (3, 3)), {"a": np.int64, "b": np.int64}, "x")
    assert list(out) == ["a", "b"] and out["a"].name == "a-x" and out["a"].shape == (4, 6)
    expected = np.repeat(np.repeat([[0, 1], [10, 11]], 2, axis=0), 3, axis=1)
    np.testing.assert_array_equal(out["a"].compute(), expected)
    np.testing.assert_array_equal(out["b"].compute(), -expected)
