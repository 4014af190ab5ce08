"""toyama_lab.datasets.network: a dataset's network/ simulated from its readings, kept or redone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from cases import START, _bytes
from snapshots import file_snapshot

from toyama_lab.datasets import (
    DatasetError,
    generate,
    load,
    open_dataset,
)
from toyama_lab.network import simulate_network, write_network


def test_blocks_write_the_same_bytes_as_one_shot(three_days, tmp_path):
    import shutil

    from toyama_lab.datasets import open_dataset, simulate_from_dataset

    ds = open_dataset(three_days)
    assert "children_fixes" in ds.event_names
    p = ds.params
    one = simulate_network(ds.city, ds.readings(), seed=p.seed, scenario=p.scenario,
                           start=p.start)  # fmt: skip
    (tmp_path / "one").mkdir()
    write_network(one, tmp_path / "one")
    expected = _bytes(tmp_path / "one")
    # uplinks planned after midnight and receptions ending after it cross the block edges
    assert (
        one.transmissions["planned_time"].dt.convert_time_zone("Asia/Tokyo").dt.date().n_unique()
        == 4
    )
    for block_days in (1, 2, 3):
        copy = tmp_path / f"b{block_days}"
        shutil.copytree(three_days, copy)
        simulate_from_dataset(copy, block_days=block_days)
        got = _bytes(copy)
        for name in ("receptions", "transmissions", "gateways", "params", "registry", "keys"):
            assert got[name] == expected[name], (block_days, name)
        open_dataset(copy).verify()  # the manifest covers the new files


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
    from toyama_lab.network import RadioConfig, RadioConfigError

    def must_not_run(*args, **kwargs):
        raise AssertionError("generation started before the radio check")

    monkeypatch.setattr("toyama_lab.city.build_city", must_not_run)
    radio = RadioConfig(confirmed_share=0.5)
    out = tmp_path / "ds"
    with pytest.raises(DatasetError, match="pass network=True"):
        generate("normal-week", "tiny", 0, START, 1, out=out, radio=radio)
    with pytest.raises(RadioConfigError, match=r"must be a toyama_lab\.network\.RadioConfig"):
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


def test_a_folder_s_recorded_radio_settings_are_compared(tmp_path):
    from toyama_lab.datasets.network import (
        confirmed_summary,
        network_radio_mismatch,
        recorded_radio,
    )
    from toyama_lab.network import RadioConfig, radio_params

    res_params = {"seed": 0, "scenario": "normal-week", "start": START, "intervals": {},
                  **radio_params(None)}  # fmt: skip
    (tmp_path / "network").mkdir()
    meta = tmp_path / "network" / "network.json"
    meta.write_text(json.dumps({"params": res_params}))
    assert recorded_radio(tmp_path) == json.loads(json.dumps(radio_params(None)))
    assert network_radio_mismatch(tmp_path) is None
    why = network_radio_mismatch(tmp_path, RadioConfig(confirmed_share=0.3))
    assert why.startswith("its network/ was simulated with confirmed_share=0.0")
    assert confirmed_summary(tmp_path) is None
    meta.write_text(json.dumps({"params": radio_params(RadioConfig(confirmed_share=0.3))}))
    assert confirmed_summary(tmp_path) == "network: confirmed share 0.3, no retransmissions"
    meta.write_text("{not json")
    assert "no readable radio settings" in network_radio_mismatch(tmp_path)
    assert confirmed_summary(tmp_path) is None
    assert confirmed_summary(tmp_path / "elsewhere") is None


def test_dataset_reads_its_network_as_written(three_days, tmp_path):
    """Dataset.gateway_log/transmissions/registry/keys give back what the road simulated."""
    import shutil

    from toyama_lab.datasets import simulate_from_dataset
    from toyama_lab.lorawan import decode_batch

    copy = tmp_path / "ds"
    shutil.copytree(three_days, copy)
    ds = open_dataset(copy)
    assert not ds.has_network
    with pytest.raises(DatasetError, match=r"no simulated network .*network=True"):
        ds.gateway_log()
    with pytest.raises(DatasetError, match="expected one of: registry"):
        ds.network_path("log")
    one = simulate_network(ds.city, ds.readings(), seed=0, scenario="school-term",
                           start=ds.params.start)  # fmt: skip
    simulate_from_dataset(copy)
    assert ds.has_network
    assert ds.gateway_log().equals(one.gateway_log)
    assert ds.gateway_log(lazy=True).collect().equals(one.gateway_log)
    assert ds.transmissions().equals(one.transmissions)
    assert ds.registry().equals(one.registry)
    assert sorted(k.dev_addr for k in ds.keys()) == sorted(k.dev_addr for k in one.keys)
    assert ds.network_meta()["params"]["scenario"] == "school-term"
    dec = decode_batch(ds.gateway_log(), ds.keys())
    assert set(dec["status"].unique()) == {"ok"}


def test_readings_of_a_window_are_the_columns_of_the_whole(three_days):
    ds = open_dataset(three_days)
    whole = ds.readings()
    assert set(whole) == {*ds.kinds, "gps_tracker"}
    fixes = whole["gps_tracker"]
    assert fixes["fix_number"].to_list() == list(range(fixes.height))
    day = ds.readings(1, 1)
    for kind in ds.kinds:
        for name, arr in day[kind].items():
            np.testing.assert_array_equal(arr, whole[kind][name][:, 1440:2880])
    raw, decoded = ds.timeseries("pedestrian", raw=True), ds.timeseries("pedestrian")
    assert raw["count"].dtype == np.uint16 and decoded["count"].dtype.kind == "f"
    gaps = raw["count"].values == 65535  # a sensor's gap as it is stored
    assert gaps.any() and np.isnan(decoded["count"].values[gaps]).all()
    np.testing.assert_array_equal(
        whole["pedestrian"]["count"][:, :1440], raw["count"].values[:, :1440]
    )  # sensors in index order here
    got = day["gps_tracker"]
    assert got.equals(fixes.filter(pl.col("fix_number").is_in(got["fix_number"].implode())))
    for bad in ((3, 1), (-1, 1), (0, 4), (2, 0)):
        with pytest.raises(DatasetError, match="not inside this dataset's 3 day"):
            ds.readings(*bad)
