"""Tests for toyama_lab.radio.link."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toyama_lab.radio import link


def test_log_distance_matches_lorasim_constants():
    # LoRaSim: Lpl = 127.41 + 20.8 log10(d / 40)
    d = np.array([40.0, 400.0, 4000.0])
    assert_allclose(link.log_distance_path_loss(d), [127.41, 148.21, 169.01])
    assert link.LOG_DISTANCE_LORASIM["sigma_db"] == 3.57


@pytest.mark.parametrize(
    ("env", "large", "expected"),
    [
        # Hata 1980 at 900 MHz, 1 km, hb = 30 m, hm = 1.5 m (hand-computed from the formula)
        ("urban", False, 126.4033),
        ("suburban", False, 126.4033 - 2 * np.log10(900 / 28) ** 2 - 5.4),
        ("open", False, 126.4033 - 4.78 * np.log10(900) ** 2 + 18.33 * np.log10(900) - 40.94),
        (
            "urban",
            True,
            126.4033
            + (1.1 * np.log10(900) - 0.7) * 1.5
            - (1.56 * np.log10(900) - 0.8)
            - (3.2 * np.log10(11.75 * 1.5) ** 2 - 4.97),
        ),
    ],
)
def test_okumura_hata(env, large, expected):
    got = link.okumura_hata_path_loss(1000.0, 900e6, environment=env, large_city=large)
    assert_allclose(got, expected, atol=1e-3)


def test_hata_slope_and_errors():
    pl = link.okumura_hata_path_loss(np.array([1000.0, 10000.0]), 923.2e6)
    assert_allclose(np.diff(pl), 44.9 - 6.55 * np.log10(30.0))
    with pytest.raises(ValueError, match="environment"):
        link.okumura_hata_path_loss(1000.0, environment="forest")
    with pytest.raises(ValueError, match="distance"):
        link.okumura_hata_path_loss(0.0)


def test_noise_floor_and_snr_sensitivity():
    assert_allclose(link.noise_floor_dbm(125_000), -174 + 10 * np.log10(125e3) + 6)
    assert_allclose(link.snr_floor_db(np.arange(7, 13)), [-7.5, -10, -12.5, -15, -17.5, -20])
    assert_allclose(link.sensitivity_dbm(12), -137.03, atol=0.01)
    assert_allclose(
        link.sensitivity_dbm(7, 500_000, noise_figure_db=0.0), -174 + 10 * np.log10(500e3) - 7.5
    )


@pytest.mark.parametrize(
    ("table", "sf", "bw", "expected"),
    [
        ("sx1276", 7, 125_000, -123.0),
        ("sx1276", 12, 125_000, -136.0),
        ("sx1276", 12, 500_000, -130.0),
        ("lorasim", 7, 125_000, -126.5),
        ("lorasim", 12, 250_000, -132.25),
        ("lorasim", 11, 125_000, -134.5),
    ],
)
def test_sensitivity_tables(table, sf, bw, expected):
    assert link.sensitivity_dbm(sf, bw, table=table) == expected


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [((6,), {}, "sf"), ((7, 200_000), {}, "bw_hz"), ((7,), {"table": "x"}, "table")],
)
def test_sensitivity_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        link.sensitivity_dbm(*args, **kwargs)


def test_distance_and_received_power_pairs():
    d = link.distance_m([[0, 0], [300, 400]], [[0, 0], [0, 400]], gw_height_m=[0.0, 0.0])
    assert_allclose(d, [[0, 400], [500, 300]])
    pl = link.log_distance_path_loss(np.maximum(d, 1.0))
    rx = link.received_power_dbm(np.array([14.0, 10.0]), pl, rx_gain_dbi=np.array([3.0, 0.0]))
    assert rx.shape == (2, 2)
    assert_allclose(rx[1, 0], 10.0 + 3.0 - pl[1, 0])
    with pytest.raises(ValueError, match="shape"):
        link.distance_m([[0, 0, 0]], [[0, 0]])


def test_shadowing():
    s = link.shadowing_db((2000, 3), 3.57, rng=1)
    assert s.shape == (2000, 3)
    assert abs(s.std() - 3.57) < 0.1
    assert_allclose(link.shadowing_db(4, 3.57, rng=5), link.shadowing_db(4, 3.57, rng=5))
    with pytest.raises(ValueError, match="sigma_db"):
        link.shadowing_db(3, -1.0)


@pytest.mark.parametrize("env", ["urban", "suburban", "open"])
def test_hata_terms_give_the_loss(env):
    d = np.array([50.0, 1000.0, 7300.0])
    hb = np.array([[15.0], [40.0]])
    a, b = link.okumura_hata_terms(923.2e6, h_base_m=hb, h_mobile_m=1.0, environment=env)
    want = link.okumura_hata_path_loss(d, 923.2e6, h_base_m=hb, h_mobile_m=1.0, environment=env)
    assert_allclose(a + b * np.log10(d / 1000.0), want, atol=1e-9)
    with pytest.raises(ValueError, match="environment"):
        link.okumura_hata_terms(environment="forest")
