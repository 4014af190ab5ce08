"""Tests for toyama_lab.radio.regional and toyama_lab.radio.adr."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toyama_lab.radio.adr import assign_sf, sf_to_dr
from toyama_lab.radio.airtime import time_on_air
from toyama_lab.radio.regional import (
    ARIB_T108,
    ARIB_T108_SHORT_CS,
    AS923_DEFAULT_CHANNELS_HZ,
    AS923_DWELL,
    AS923_MAX_EIRP_DBM,
    JAPAN_MAX_EIRP_DBM,
    REGIONAL_REASONS,
    apply_regional_rules,
)

F0 = 923.2e6


def names(out):
    return [REGIONAL_REASONS[r] for r in out.reason]


def test_constants():
    assert AS923_DEFAULT_CHANNELS_HZ == (923_200_000, 923_400_000)
    assert AS923_MAX_EIRP_DBM == 16.0
    assert JAPAN_MAX_EIRP_DBM == 13.0
    assert (ARIB_T108.carrier_sense_s, ARIB_T108.max_tx_s, ARIB_T108.pause_s) == (5e-3, 4.0, 50e-3)
    assert (ARIB_T108_SHORT_CS.carrier_sense_s, ARIB_T108_SHORT_CS.max_tx_s) == (128e-6, 0.4)
    assert ARIB_T108.cs_threshold_dbm == -80.0
    assert ARIB_T108.hourly_budget_s == 360.0
    assert AS923_DWELL.max_tx_s == 0.4


def test_carrier_sense_defers_to_end_of_busy_channel():
    out = apply_regional_rules([0, 1], [0.0, 0.1], [0.2, 0.2], [F0, F0])
    assert names(out) == ["sent", "delayed_carrier_sense"]
    assert_allclose(out.start_s, [0.0, 0.2 + 5e-3])
    # another channel: no deferral
    out = apply_regional_rules([0, 1], [0.0, 0.1], [0.2, 0.2], [F0, F0 + 200e3])
    assert names(out) == ["sent", "sent"]


def test_simultaneous_starts_within_sensing_window_both_go():
    # the second starts 1 ms after the first, which is on air during its sensing window
    out = apply_regional_rules([0, 1], [0.0, 0.001], [0.2, 0.2], F0)
    assert names(out)[1] == "delayed_carrier_sense"
    # equal start: neither hears the other (carrier sense is before the start)
    out = apply_regional_rules([0, 1], [0.0, 0.0], [0.2, 0.2], F0)
    assert names(out) == ["sent", "sent"]


@pytest.mark.parametrize(
    ("deferrals", "expected"), [(0, "dropped_carrier_sense"), (1, "delayed_carrier_sense")]
)
def test_carrier_sense_gives_up_after_max_deferrals(deferrals, expected):
    out = apply_regional_rules(
        [0, 99], [0.0, 0.01], [3.9, 0.2], F0, rules=ARIB_T108.with_(max_deferrals=deferrals)
    )
    assert names(out) == ["sent", expected]
    assert out.dropped[1] == (deferrals == 0)
    assert_allclose(out.start_s[1], 0.01 if deferrals == 0 else 3.905)


def test_heard_power_below_threshold_does_not_block():
    out = apply_regional_rules(
        [0, 1], [0.0, 0.1], [0.2, 0.2], F0, heard_dbm=lambda a, b: np.full(len(a), -95.0)
    )
    assert names(out) == ["sent", "sent"]
    out = apply_regional_rules(
        [0, 1], [0.0, 0.1], [0.2, 0.2], F0, heard_dbm=lambda a, b: np.full(len(a), -70.0)
    )
    assert names(out) == ["sent", "delayed_carrier_sense"]


def test_pause_between_own_transmissions():
    out = apply_regional_rules([0, 0, 0], [0.0, 0.21, 100.0], [0.2, 0.2, 0.2], F0)
    assert names(out) == ["sent", "delayed_pause", "sent"]
    assert_allclose(out.start_s[1], 0.25)
    # the delay carries on: three back-to-back planned transmissions
    out = apply_regional_rules([0, 0, 0], [0.0, 0.2, 0.4], [0.2, 0.2, 0.2], F0)
    assert_allclose(out.start_s, [0.0, 0.25, 0.5])


@pytest.mark.parametrize("day", [0, 300])
def test_spaced_frames_of_many_devices_are_not_delayed(day):
    # 500 devices, 20 frames each 10 min apart at late clock times, each on its own
    # channel: no pause or carrier-sense rule applies, so nothing may move (an offset per
    # device in the pause scan once left ~1e-6 s round-off and marked them delayed)
    rng = np.random.default_rng(1)
    dev = np.repeat(np.arange(500), 20)
    start = day * 86400.0 + np.tile(np.arange(20), 500) * 600.0 + rng.uniform(0, 590, 500)[dev]
    freq = F0 + np.arange(dev.size) * 1e6
    out = apply_regional_rules(dev, start, 0.1, freq)
    assert set(names(out)) == {"sent"}
    assert np.array_equal(out.start_s, start)
    # and a real pause violation among them is still caught, by the exact amount
    start[1] = start[0] + 0.12
    out = apply_regional_rules(dev, start, 0.1, freq)
    assert names(out)[:2] == ["sent", "delayed_pause"]
    assert_allclose(out.start_s[1], start[0] + 0.15, atol=1e-9)
    assert set(names(out)[2:]) == {"sent"}


@pytest.mark.parametrize(
    ("rules", "sf", "payload", "expected"),
    [
        (AS923_DWELL, 12, 51, "dropped_max_tx_time"),  # 2.47 s > 0.4 s dwell
        (AS923_DWELL, 10, 19, "sent"),  # 0.33 s
        (ARIB_T108, 12, 51, "sent"),  # < 4 s
        (ARIB_T108_SHORT_CS, 11, 51, "dropped_max_tx_time"),
    ],
)
def test_max_transmission_time(rules, sf, payload, expected):
    out = apply_regional_rules([0], [0.0], [time_on_air(payload, sf)], F0, rules=rules)
    assert names(out) == [expected]


def test_hourly_budget_per_device_and_hour():
    n = 400
    start = np.arange(n) * 5.0  # 400 x 3.5 s within 2000 s (one clock hour)
    out = apply_regional_rules(np.zeros(n, int), start, 3.5, F0)
    sent = out.sent
    assert sent.sum() == int(360.0 // 3.5)
    assert np.all(sent[: int(360 // 3.5)])
    assert set(names(out)[int(360 // 3.5) :]) == {"dropped_hourly_budget"}
    # another device has its own budget; no budget -> all sent
    out = apply_regional_rules(np.arange(n) % 2, start, 3.5, F0 + np.arange(n) % 2 * 1e6)
    assert out.sent.sum() == 2 * int(360.0 // 3.5)
    out = apply_regional_rules(
        np.zeros(n, int), start, 3.5, F0, rules=ARIB_T108.with_(hourly_budget_s=None)
    )
    assert out.sent.all()


def test_regional_bad_input():
    with pytest.raises(ValueError, match="same length"):
        apply_regional_rules([0, 1, 2], [0.0, 1.0], 0.1, F0)
    with pytest.raises(ValueError, match="duration_s"):
        apply_regional_rules([0], [0.0], 0.0, F0)


@pytest.mark.parametrize(
    ("snr", "margin", "expected"),
    [
        (2.5, 10.0, 7),  # -7.5 + 10
        (2.4, 10.0, 8),
        (-10.0, 10.0, 12),  # -20 + 10
        (-10.1, 10.0, 0),
        (-10.1, 0.0, 9),
    ],
)
def test_assign_sf(snr, margin, expected):
    assert assign_sf([snr], margin_db=margin).tolist() == [expected]


def test_assign_sf_options():
    assert assign_sf([-25.0], unreachable=12).tolist() == [12]
    assert assign_sf([-5.0], sfs=(7, 8, 9)).tolist() == [0]  # dwell time: no SF10+
    nf = -174 + 10 * np.log10(125e3) + 6
    assert assign_sf(rssi_dbm=[nf + 2.5]).tolist() == [7]
    assert assign_sf(np.zeros((3, 2))).shape == (3, 2)
    assert sf_to_dr([7, 12]).tolist() == [5, 0]
    with pytest.raises(ValueError, match="exactly one"):
        assign_sf()
    with pytest.raises(ValueError, match="sf"):
        assign_sf([0.0], sfs=(6, 7))
    with pytest.raises(ValueError, match="sf"):
        sf_to_dr([13])


def test_channel_numbers_given_or_derived_agree():
    """Channels numbered by the caller (plan indices) give the outcome of the frequencies."""
    rng = np.random.default_rng(4)
    n = 3000
    plan = np.array([923.2e6, 923.4e6, 922.0e6])
    ch = rng.integers(0, 3, n)
    dev = rng.integers(0, 40, n)
    start = np.sort(rng.uniform(0.0, 600.0, n))
    dur = rng.uniform(0.05, 0.5, n)
    derived = apply_regional_rules(dev, start, dur, plan[ch])
    given = apply_regional_rules(dev, start, dur, plan[ch], channel=ch)
    np.testing.assert_array_equal(derived.reason, given.reason)
    np.testing.assert_array_equal(derived.start_s, given.start_s)
    assert derived.delayed.any() and derived.dropped.any()
