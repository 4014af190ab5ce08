"""Tests of toyama_lab.capacity: ALOHA formulas, LoRaSim curves, the city model."""

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab import capacity as cap
from toyama_lab.radio.airtime import time_on_air


@pytest.mark.parametrize(
    ("n", "toa", "interval", "channels", "expected"),
    [
        (100, 0.5, 100.0, 1, 0.5),
        (100, 0.5, 100.0, 2, 0.25),
        (0, 1.0, 10.0, 1, 0.0),
        (1000, 0.0617, 600.0, 8, 1000 * 0.0617 / 4800),
    ],
)
def test_offered_load(n, toa, interval, channels, expected):
    assert_allclose(cap.offered_load(n, toa, interval, channels=channels), expected)


@pytest.mark.parametrize(
    ("g", "success", "throughput"),
    [(0.0, 1.0, 0.0), (0.5, np.exp(-1.0), 0.5 / np.e), (1.0, np.exp(-2.0), np.exp(-2.0))],
)
def test_pure_aloha(g, success, throughput):
    assert_allclose(cap.pure_aloha_success(g), success)
    assert_allclose(cap.pure_aloha_throughput(g), throughput)


def test_aloha_throughput_peaks_at_half():
    g = np.linspace(0.0, 3.0, 3001)
    s = cap.pure_aloha_throughput(g)
    assert_allclose(g[np.argmax(s)], 0.5, atol=1e-3)
    assert_allclose(s.max(), 1.0 / (2.0 * np.e), rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_devices": -1, "airtime_s": 1.0, "interval_s": 1.0},
        {"n_devices": 1, "airtime_s": 0.0, "interval_s": 1.0},
        {"n_devices": 1, "airtime_s": 1.0, "interval_s": 0.0},
        {"n_devices": 1, "airtime_s": 1.0, "interval_s": 1.0, "channels": 0},
    ],
)
def test_offered_load_rejects(kwargs):
    with pytest.raises(ValueError):
        cap.offered_load(**kwargs)


def test_pure_aloha_rejects_negative():
    with pytest.raises(ValueError, match="offered load"):
        cap.pure_aloha_success(-0.1)


def test_max_devices_inverts_aloha():
    t = cap.max_devices(0.9, 11, 600.0, channels=2)
    toa = time_on_air(24, t["sf"].to_numpy())
    n = t["max_devices"].to_numpy()
    # n devices keep the DER at or above the target, n + 1 fall below it
    assert np.all(cap.pure_aloha_success(cap.offered_load(n, toa, 600.0, channels=2)) >= 0.9)
    assert np.all(cap.pure_aloha_success(cap.offered_load(n + 1, toa, 600.0, channels=2)) < 0.9)
    assert np.all(np.diff(n) < 0)  # higher SF, fewer devices


@pytest.mark.parametrize("target", [0.0, 1.0, -0.5, 1.5])
def test_max_devices_rejects_target(target):
    with pytest.raises(ValueError, match="target_der"):
        cap.max_devices(target, 11, 600.0)


def test_lorasim_curve_follows_aloha_without_capture():
    t = cap.lorasim_der_curve([100, 400, 1000], experiment=4, sim_time_ms=2e7, seed=3)
    assert t["nodes"].to_list() == [100, 400, 1000]
    assert np.all(np.diff(t["der"].to_numpy()) < 0)
    # one SF, one channel, Poisson-like starts: the simulator matches exp(-2G)
    assert_allclose(t["der"].to_numpy(), t["aloha_der"].to_numpy(), atol=0.05)


def test_lorasim_capture_helps():
    kw = {"experiment": 4, "sim_time_ms": 1e7, "seed": 5}
    plain = cap.lorasim_der_curve([800], capture=False, **kw)
    captured = cap.lorasim_der_curve([800], capture=True, **kw)
    assert captured["der"][0] > plain["der"][0]


def test_lorasim_curve_multi_sf_has_no_aloha():
    t = cap.lorasim_der_curve([50], experiment=3, sim_time_ms=1e6)
    assert t["aloha_der"].null_count() == 1


@pytest.mark.parametrize("bad", [{"nodes": []}, {"nodes": [10], "experiment": 2}])
def test_lorasim_curve_rejects(bad):
    with pytest.raises(ValueError):
        cap.lorasim_der_curve(**bad)


def test_network_der_counts_add_up():
    r = cap.network_der(300, interval_s=120.0, duration_s=1800.0, seed=2)
    lost = r["out_of_range"] + r["no_demodulator"] + r["collision"] + r["interference"]
    assert r["delivered"] + lost == r["sent"]
    assert r["sent"] == 300 * 15  # periodic: exactly duration / interval frames each
    assert_allclose(sum(r["sf_share"].values()), 1.0)


def test_network_der_gateways_and_capture_help():
    kw = {"interval_s": 60.0, "duration_s": 1200.0, "seed": 4}
    one = cap.network_der(800, n_gateways=1, co_sf_db=None, **kw)
    cap1 = cap.network_der(800, n_gateways=1, co_sf_db=6.0, **kw)
    three = cap.network_der(800, n_gateways=3, co_sf_db=None, **kw)
    assert cap1["der"] > one["der"]
    assert three["der"] > one["der"]


@pytest.mark.parametrize(
    ("sf", "expected"),
    [(9, {9: 1.0}), ({7: 1.0, 12: 1.0}, None)],
)
def test_network_der_sf_choice(sf, expected):
    r = cap.network_der(400, sf=sf, duration_s=600.0, seed=1)
    if expected is not None:
        assert r["sf_share"] == expected
    else:
        assert set(r["sf_share"]) == {7, 12}
        assert_allclose(r["sf_share"][7], 0.5, atol=0.1)


def test_network_der_poisson_close_to_aloha_for_one_sf():
    r = cap.network_der(
        400, sf=7, traffic="poisson", co_sf_db=None, interval_s=30.0, duration_s=1800.0,
        radius_m=1000.0, n_demodulators=10_000, seed=6,
    )  # fmt: skip
    assert_allclose(r["der"], cap.pure_aloha_success(r["g"]), atol=0.06)


@pytest.mark.parametrize(
    "bad",
    [
        {"n_devices": 0},
        {"n_devices": 10, "n_gateways": 0},
        {"n_devices": 10, "traffic": "bursty"},
        {"n_devices": 10, "sf": 6},
        {"n_devices": 10, "sf": "fast"},
        {"n_devices": 10, "sf": {13: 1.0}},
        {"n_devices": 10, "interval_s": 0.0},
        {"n_devices": 10, "channels_hz": []},
    ],
)
def test_network_der_rejects(bad):
    with pytest.raises(ValueError):
        cap.network_der(**bad)


def test_network_curve():
    t = cap.network_der_curve([50, 200], duration_s=600.0, seed=1)
    assert isinstance(t, pl.DataFrame)
    assert t["nodes"].to_list() == [50, 200]
    assert {"der", "g", "aloha_der", "collision"} <= set(t.columns)
