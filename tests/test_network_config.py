"""toyama_lab.network.config: the radio settings, their recorded form and comparison."""

from __future__ import annotations

import json

import pytest
from cases import START

from toyama_lab.city import build_city
from toyama_lab.network import (
    RadioConfig,
    simulate_network,
)
from toyama_lab.network.config import AS923_JP_CHANNELS_HZ
from toyama_lab.radio.regional import AS923_DWELL


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"confirmed_share": 1.5}, "outside"),
        ({"confirmed_share": -0.1}, "outside"),
        ({"confirmed_share": "half"}, "number"),
        ({"max_retransmissions": 8}, "from 0 to 7"),
        ({"max_retransmissions": -1}, "from 0 to 7"),
        ({"max_retransmissions": 1.0}, "integer"),
        ({"max_retransmissions": True}, "integer"),
    ],
)
def test_bad_retransmission_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RadioConfig(**kwargs)


def test_radio_params_are_what_runs_record_and_compare():
    from toyama_lab.network.config import RADIO_KEYS, radio_mismatch, radio_params

    full = radio_params(RadioConfig(confirmed_share=0.3, max_retransmissions=3))
    assert tuple(full) == RADIO_KEYS
    assert (full["confirmed_share"], full["max_retransmissions"]) == (0.3, 3)
    assert radio_params(None) == radio_params(RadioConfig())
    assert set(radio_params(None)) == set(RADIO_KEYS)  # every field is recorded
    assert json.loads(json.dumps(full)) == full  # as JSON reads it back
    # what a default run records: same settings, and each difference named
    res_params = {"seed": 0, "scenario": "normal-week", "start": START, "intervals": {},
                  **radio_params(None)}  # fmt: skip
    recorded = json.loads(json.dumps(res_params))  # as read back from network.json
    assert radio_mismatch(recorded) is None
    assert radio_mismatch(recorded, RadioConfig(confirmed_share=0.0)) is None
    why = radio_mismatch(recorded, RadioConfig(confirmed_share=0.3, max_retransmissions=3))
    assert why == (
        "its network/ was simulated with confirmed_share=0.0, max_retransmissions=0, "
        "not the asked confirmed_share=0.3, max_retransmissions=3"
    )
    why = radio_mismatch(recorded, RadioConfig(tracker_sf=10))
    assert "tracker_sf=9" in why and "tracker_sf=10" in why and "confirmed" not in why
    # issue 9.13: fields beyond those the first version recorded are compared too
    why = radio_mismatch(recorded, RadioConfig(shadowing_db=8.0, n_demodulators=16))
    assert why == (
        "its network/ was simulated with shadowing_db=6.0, n_demodulators=8, "
        "not the asked shadowing_db=8.0, n_demodulators=16"
    )
    rules = RadioConfig().rules.with_(max_deferrals=5)
    assert "'max_deferrals': 5" in radio_mismatch(recorded, RadioConfig(rules=rules))
    old = {k: v for k, v in recorded.items() if k not in ("eirp_dbm", "fading_db")}
    # written before every field was recorded
    assert "eirp_dbm=<not recorded>, fading_db=<not recorded>" in radio_mismatch(old)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rules": "ARIB"}, r"rules='ARIB' must be a toyama_lab\.radio\.regional\.RegionalRules"),
        ({"channels_hz": ()}, "channels_hz=.*non-empty tuple"),
        ({"channels_hz": [923_200_000]}, "channels_hz=.*tuple"),
        ({"channels_hz": (923.2e6,)}, "positive integer"),
        ({"eirp_dbm": float("nan")}, "eirp_dbm=nan must be a finite number"),
        ({"gw_gain_dbi": "2"}, "gw_gain_dbi='2' must be a finite number"),
        ({"shadowing_db": -1.0}, "shadowing_db=-1.0 must be a standard deviation >= 0"),
        ({"fading_db": float("inf")}, "fading_db=inf"),
        ({"tracker_sf": 6}, "tracker_sf=6 must be a spreading factor from 7 to 12"),
        ({"tracker_sf": 9.0}, "tracker_sf=9.0"),
        ({"n_demodulators": 0}, "n_demodulators=0 must be a positive integer"),
        ({"bw_hz": 200_000}, "bw_hz=200000 must be one of 125000, 250000, 500000"),
        ({"confirmed_share": float("nan")}, "outside"),
    ],
)
def test_bad_settings_name_the_field_and_the_allowed_values(kwargs, match):
    from toyama_lab.network.config import RadioConfigError

    with pytest.raises(RadioConfigError, match=match):
        RadioConfig(**kwargs)


def test_good_settings_and_the_defaults():
    from toyama_lab.network.config import as_radio_config
    from toyama_lab.radio.regional import ARIB_T108

    assert as_radio_config(None) == RadioConfig()
    cfg = RadioConfig(rules=AS923_DWELL, channels_hz=AS923_JP_CHANNELS_HZ[:2], tracker_sf=12,
                      n_demodulators=16, bw_hz=250_000, shadowing_db=0,
                      confirmed_share=1)  # fmt: skip
    assert as_radio_config(cfg) is cfg
    assert RadioConfig().rules is ARIB_T108
    with pytest.raises(
        ValueError, match=r"config=\{'x': 1\} must be a toyama_lab\.network\.RadioConfig"
    ):
        as_radio_config({"x": 1}, name="config")
    city = build_city(0, "tiny")
    with pytest.raises(
        ValueError, match=r"config='fast' must be a toyama_lab\.network\.RadioConfig"
    ):
        simulate_network(city, {}, seed=0, scenario="normal-week", start=START, config="fast")


def test_descriptions_for_people():
    from toyama_lab.network.config import describe_confirmed, describe_radio, radio_params

    assert describe_radio({"a": 1, "b": [2]}) == "a=1, b=[2]"
    assert describe_confirmed(radio_params(None)) is None
    assert describe_confirmed(radio_params(RadioConfig(confirmed_share=0.5))) == (
        "network: confirmed share 0.5, no retransmissions"
    )
    both = RadioConfig(confirmed_share=1.0, max_retransmissions=3)
    assert describe_confirmed(radio_params(both)) == (
        "network: confirmed share 1, up to 3 retransmissions"
    )
