"""Tests for toyama_lab.datasets: parameters, atomic folders, manifest, generate, load."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from snapshots import file_snapshot

from toyama_lab import __version__
from toyama_lab.datasets import (
    Dataset,
    DatasetError,
    OutputExistsError,
    OutputNotWritableError,
    data_root,
    dataset_dirname,
    format_summary,
    generate,
    load,
    open_dataset,
    resolve_params,
    store,
    summarize,
)
from toyama_lab.datasets.params import MAX_DAYS
from toyama_lab.synth.scenario import SCENARIOS

START = "2025-10-06"  # a Monday: the normal-week scenario's first day


# --------------------------------------------------------------------------- params


def test_resolve_params_defaults_from_scenario():
    for name, sc in SCENARIOS.items():
        p = resolve_params(name, "tiny", 3)
        assert (p.start, p.days) == (sc.start, sc.days)
        assert p.n_minutes == sc.days * 1440


def test_resolve_params_explicit_values():
    p = resolve_params("heavy-rain", "class", 7, "2025-07-08", 2)
    assert p.as_dict() == {
        "scenario": "heavy-rain",
        "size": "class",
        "seed": 7,
        "start": "2025-07-08",
        "days": 2,
    }
    assert p.command().split() == [
        "toyama-lab", "generate", "--scenario", "heavy-rain", "--size", "class",
        "--seed", "7", "--start", "2025-07-08", "--days", "2",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"scenario": "typhoon"}, "normal-week"),
        ({"scenario": "normal-week", "size": "huge"}, "tiny"),
        ({"scenario": "normal-week", "seed": -1}, ">= 0"),
        ({"scenario": "normal-week", "seed": 1.5}, ">= 0"),
        ({"scenario": "normal-week", "days": 0}, "days"),
        ({"scenario": "normal-week", "days": -3}, "days"),
        ({"scenario": "normal-week", "days": MAX_DAYS + 1}, "days"),
        ({"scenario": "normal-week", "start": "2025-13-01"}, "YYYY-MM-DD"),
        ({"scenario": "normal-week", "start": "06/10/2025"}, "YYYY-MM-DD"),
        ({"scenario": "normal-week", "start": "2025-1-6"}, "YYYY-MM-DD"),
        ({"scenario": "normal-week", "start": "1999-12-31"}, "outside"),
    ],
)
def test_resolve_params_rejects_bad_input(kwargs, fragment):
    with pytest.raises(DatasetError, match=r"expected|must|outside") as info:
        resolve_params(**kwargs)
    assert fragment in str(info.value)


def test_dataset_dirname_default_and_custom_period():
    assert dataset_dirname(resolve_params("normal-week", "class", 0)) == "normal-week-class-0"
    p = resolve_params("normal-week", "tiny", 2, "2025-10-07", 2)
    assert dataset_dirname(p) == "normal-week-tiny-2-20251007-2d"


# --------------------------------------------------------------------------- store


def test_atomic_folder_moves_into_place(tmp_path):
    out = tmp_path / "a" / "b" / "ds"
    with store.atomic_folder(out) as tmp:
        assert tmp.parent == out.parent and tmp.name.startswith("ds.tmp-")
        (tmp / "x.txt").write_text("x")
        assert not out.exists()
    assert (out / "x.txt").read_text() == "x"
    assert sorted(p.name for p in out.parent.iterdir()) == ["ds"]


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_atomic_folder_cleans_up_on_error(tmp_path, exc):
    out = tmp_path / "new" / "ds"
    with pytest.raises(exc), store.atomic_folder(out) as tmp:
        (tmp / "half.bin").write_bytes(b"\0" * 10)
        raise exc()
    assert list(tmp_path.iterdir()) == []  # no ds, no ds.tmp-*, no created parent


def test_atomic_folder_refuses_existing_unless_overwrite(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(OutputExistsError, match="--overwrite"), store.atomic_folder(out):
        pass
    assert (out / "old.txt").exists()
    with store.atomic_folder(out, overwrite=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_atomic_folder_overwrite_failure_keeps_old(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(ValueError), store.atomic_folder(out, overwrite=True):
        raise ValueError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]
    assert (out / "old.txt").read_text() == "old"


def test_check_writable_rejects_file_parent_and_file_target(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(OutputNotWritableError, match="not a folder"):
        store.check_writable(blocker / "ds")
    with pytest.raises(OutputNotWritableError, match="not a folder"):
        store.check_writable(blocker)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_check_writable_rejects_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(OutputNotWritableError, match="not writable"):
            store.check_writable(ro / "ds")
    finally:
        ro.chmod(0o755)


def test_manifest_lists_every_file_but_itself(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"abc")
    (tmp_path / "a.txt").write_text("hello\n")
    header = {"format": store.FORMAT, "parameters": {}}
    manifest = store.write_manifest(tmp_path, header)
    assert list(manifest["files"]) == ["a.txt", "sub/b.bin"]
    assert manifest["files"]["sub/b.bin"] == {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "bytes": 3,
    }
    assert store.read_manifest(tmp_path) == manifest
    first = (tmp_path / store.MANIFEST_NAME).read_bytes()
    store.write_manifest(tmp_path, header)
    assert (tmp_path / store.MANIFEST_NAME).read_bytes() == first


def test_read_manifest_errors(tmp_path):
    with pytest.raises(DatasetError, match=r"no manifest\.json"):
        store.read_manifest(tmp_path)
    (tmp_path / store.MANIFEST_NAME).write_text("{broken")
    with pytest.raises(DatasetError, match="not valid JSON"):
        store.read_manifest(tmp_path)


def test_write_parquet_is_deterministic(tmp_path):
    rng = np.random.default_rng(1)
    frame = pl.DataFrame(
        {
            "t": pl.datetime_range(
                dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 3), "1m", eager=True
            ),
            "v": rng.random(2881),
            "s": rng.choice(["中央", "駅前"], 2881),
        }
    )
    store.write_parquet(frame, tmp_path / "a.parquet")
    store.write_parquet(frame.clone(), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert pl.read_parquet(tmp_path / "a.parquet").equals(frame)


# --------------------------------------------------------------------------- data root


def test_data_root_order(tmp_path, monkeypatch):
    monkeypatch.setenv("TOYAMA_LAB_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "given") == tmp_path / "given"
    monkeypatch.delenv("TOYAMA_LAB_DATA")
    repo = Path(__file__).resolve().parents[1]
    assert data_root() == repo / "data" / "synthetic"


# --------------------------------------------------------------------------- generate / load

KINDS = ("pedestrian", "bicycle_park", "counter", "rain", "river")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Dataset:
    """A tiny one-day dataset built through load() into a temporary data root."""
    root = tmp_path_factory.mktemp("root")
    return load("normal-week", "tiny", 4, start=START, days=1, root=root, progress=False)


def test_load_builds_into_named_folder(tiny):
    assert tiny.path.name == "normal-week-tiny-4-20251006-1d"
    names = sorted(p.name for p in tiny.path.parent.iterdir())
    assert names == [f".{tiny.path.name}.lock", tiny.path.name]
    assert sorted(p.name for p in tiny.path.iterdir()) == [
        "README.md", "city.geojson", "events", "manifest.json", "timeseries",
    ]  # fmt: skip
    assert tiny.kinds == sorted(KINDS)


def test_timeseries_layout_and_metadata(tiny):
    from toyama_lab.synth import VARIABLES

    for kind in KINDS:
        cube = tiny.timeseries(kind)
        assert cube.sizes["time"] == 1440
        assert cube.sizes["sensor"] == tiny.city.sensors.filter(pl.col("kind") == kind).height
        assert cube["time"].values[0] == np.datetime64("2025-10-06T00:00")
        assert cube["time"].attrs["timezone"] == "Asia/Tokyo"
        assert np.all(np.diff(cube["time"].values) == np.timedelta64(1, "m"))
        for coord in ("sensor_id", "lon", "lat", "district_ja"):
            assert coord in cube.coords
        assert (
            list(cube["sensor_id"].values)
            == (
                tiny.city.sensors.filter(pl.col("kind") == kind).sort("sensor_index")["sensor_id"]
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


def test_timeseries_values_match_synth(tiny):
    from toyama_lab.synth import simulate

    sensors = tiny.city.sensors.filter(pl.col("kind") == "rain").sort("sensor_index")
    truth = simulate("rain", sensors, START, 1, seed=4, scenario="normal-week")
    cube = tiny.timeseries("rain").load()
    np.testing.assert_array_equal(cube["precip_true"].values, truth["precip_true"])
    np.testing.assert_array_equal(cube["fault"].values, truth["fault"])


def test_events_tables(tiny):
    assert tiny.event_names == sorted(
        ["sensors", "gateways", "children_fixes", "fault_events", "outages", "rain_events",
         "event_days"]
    )  # fmt: skip
    t0, t1 = dt.datetime(2025, 10, 6), dt.datetime(2025, 10, 7)
    for name in ("fault_events", "outages", "rain_events"):
        table = tiny.events(name)
        assert table.filter((pl.col("start") >= t1) | (pl.col("end") <= t0)).height == 0
    fixes = tiny.events("children_fixes")
    assert fixes.height > 0  # 2025-10-06 is a school day
    assert not {"home_lon", "home_lat"} & set(fixes.columns)
    assert tiny.events("sensors").equals(tiny.city.sensors)
    assert tiny.events("gateways").equals(tiny.city.gateways)
    with pytest.raises(DatasetError, match=r"expected one of: .*sensors"):
        tiny.events("nope")
    with pytest.raises(DatasetError, match=r"expected one of: .*pedestrian"):
        tiny.timeseries("snowplough")


def test_manifest_and_readme(tiny):
    m = tiny.manifest
    assert m["parameters"] == {
        "scenario": "normal-week", "size": "tiny", "seed": 4, "start": START, "days": 1,
    }  # fmt: skip
    assert m["software"]["toyama-lab"] == __version__
    assert m["created_by"].startswith("toyama-lab generate --scenario normal-week")
    on_disk = sorted(
        p.relative_to(tiny.path).as_posix() for p in tiny.path.rglob("*") if p.is_file()
    )
    assert sorted(m["files"]) == [f for f in on_disk if f != "manifest.json"]
    assert not any(k in json.dumps(m) for k in ("created_at", "timestamp", "hostname"))
    tiny.verify()
    readme = (tiny.path / "README.md").read_text(encoding="utf-8")
    from toyama_lab.synth import VARIABLES

    for kind in KINDS:
        for v in VARIABLES[kind]:
            assert (
                f"| `{v.name}` | {v.dtype} | {v.units} | {v.long_name_ja} | {v.long_name_en} |"
                in readme
            )
    for name in tiny.event_names:
        assert f"`events/{name}.parquet`" in readme
    assert m["created_by"] in readme


def test_summary_table(tiny):
    table = summarize(tiny.path)
    ts = table.filter(pl.col("part") == "timeseries")
    assert sorted(ts["name"]) == sorted(KINDS)
    assert (ts["days"] == 1).all()
    assert (ts["readings"] == ts["sensors"] * 1440).all()
    ev = table.filter(pl.col("part") == "events")
    assert sorted(ev["name"]) == tiny.event_names
    assert ev.filter(pl.col("name") == "sensors")["rows"].item() == tiny.city.sensors.height
    assert table["bytes"].sum() == sum(f["bytes"] for f in tiny.manifest["files"].values())
    text = format_summary(table, title="T")
    assert text.splitlines()[0] == "T"
    assert f"{int(ts['readings'].sum()):,}" in text.splitlines()[-1]


def test_load_cache_hit_does_not_generate(tiny, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("generate called on a cache hit")

    monkeypatch.setattr("toyama_lab.datasets.build.build_folder", must_not_run)
    again = load("normal-week", "tiny", 4, start=START, days=1, root=tiny.path.parent, verify=True)
    assert again.path == tiny.path
    assert again.manifest == tiny.manifest


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


def test_generate_requires_out(tmp_path):
    with pytest.raises(DatasetError, match="out"):
        generate("normal-week", "tiny", 0)


def test_children_fixes_in_blocks_equal_one_call():
    from toyama_lab.city import build_city
    from toyama_lab.datasets.build import children_fixes
    from toyama_lab.synth.children import simulate_tracks

    city = build_city(2, "tiny")
    params = resolve_params("school-term", "tiny", 2, "2025-06-05", 4)  # Thu..Sun
    whole = simulate_tracks(city, params.start, params.days, seed=2)
    assert whole.height > 0
    for block_days in (1, 3):
        assert children_fixes(city, params, block_days=block_days).equals(whole)


def test_load_with_network_adds_it_to_a_cached_dataset(tmp_path):
    from toyama_lab.datasets import load

    plain = load("normal-week", "tiny", 0, days=1, root=tmp_path, progress=False)
    assert not (plain.path / "network").exists()
    with_net = load("normal-week", "tiny", 0, days=1, root=tmp_path, network=True)
    assert with_net.path == plain.path
    assert (with_net.path / "network" / "transmissions.parquet").is_file()
    with_net.verify()


def _recorded_radio(folder: Path) -> dict:
    params = json.loads((folder / "network" / "network.json").read_text())["params"]
    return {k: params.get(k) for k in ("confirmed_share", "max_retransmissions")}


def test_load_rebuilds_only_the_network_for_other_radio_settings(tmp_path):
    import warnings

    from toyama_lab.network import RadioConfig

    radio = RadioConfig(confirmed_share=1.0, max_retransmissions=3)
    plain = load("normal-week", "tiny", 0, days=1, root=tmp_path, network=True, progress=False)
    assert _recorded_radio(plain.path) == {"confirmed_share": 0.0, "max_retransmissions": 0}
    default_tx = (plain.path / "network" / "transmissions.parquet").read_bytes()
    before = file_snapshot(plain.path)

    with pytest.warns(UserWarning, match=r"rebuilding .*network.*confirmed_share=0\.0"):
        ds = load("normal-week", "tiny", 0, days=1, root=tmp_path, network=True, radio=radio)
    assert ds.path == plain.path
    assert _recorded_radio(ds.path) == {"confirmed_share": 1.0, "max_retransmissions": 3}
    after = file_snapshot(ds.path)
    outside = {k for k in before if not k.startswith("network/") and k != "manifest.json"}
    assert outside and all(after[k] == before[k] for k in outside)  # bytes and mtime
    assert after["network/transmissions.parquet"] != before["network/transmissions.parquet"]
    tx = pl.read_parquet(ds.path / "network" / "transmissions.parquet")
    assert tx["confirmed"].all() and int(tx["attempt"].max()) > 0
    ds.verify()  # the manifest was rewritten for the new network files

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same settings: kept, no warning
        again = load("normal-week", "tiny", 0, days=1, root=tmp_path, network=True, radio=radio)
    assert file_snapshot(again.path) == after

    with pytest.warns(UserWarning, match="not the asked confirmed_share=0.0"):
        load("normal-week", "tiny", 0, days=1, root=tmp_path, network=True)
    assert (plain.path / "network" / "transmissions.parquet").read_bytes() == default_tx


def test_load_adds_a_network_with_radio_settings_to_a_cached_dataset(tmp_path):
    from toyama_lab.network import RadioConfig

    radio = RadioConfig(confirmed_share=0.5)
    load("normal-week", "tiny", 0, days=1, root=tmp_path, progress=False)
    ds = load("normal-week", "tiny", 0, days=1, root=tmp_path, network=True, radio=radio)
    assert _recorded_radio(ds.path) == {"confirmed_share": 0.5, "max_retransmissions": 0}
    ds.verify()


def test_radio_needs_the_network(tmp_path, monkeypatch):
    from toyama_lab.network import RadioConfig

    def must_not_run(*args, **kwargs):
        raise AssertionError("generation started before the radio check")

    monkeypatch.setattr("toyama_lab.city.build_city", must_not_run)
    radio = RadioConfig(confirmed_share=0.5)
    out = tmp_path / "ds"
    with pytest.raises(DatasetError, match="pass network=True"):
        generate("normal-week", "tiny", 0, START, 1, out=out, radio=radio)
    with pytest.raises(DatasetError, match=r"must be a toyama_lab\.network\.RadioConfig"):
        generate("normal-week", "tiny", 0, START, 1, out=out, network=True, radio={"x": 1})
    with pytest.raises(ValueError, match="pass network=True"):
        load("normal-week", "tiny", 0, days=1, root=tmp_path, radio=radio)
    assert list(tmp_path.iterdir()) == []


def test_generate_with_radio_records_it(tmp_path):
    from toyama_lab.network import RadioConfig

    radio = RadioConfig(confirmed_share=1.0, max_retransmissions=2)
    out = generate("normal-week", "tiny", 0, START, 1, out=tmp_path / "ds", network=True,
                   radio=radio, progress=False)  # fmt: skip
    assert _recorded_radio(out) == {"confirmed_share": 1.0, "max_retransmissions": 2}
    open_dataset(out, verify=True)
