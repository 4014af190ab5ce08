"""Tests for toyama_lab.lorawan.mac: MAC commands of LoRaWAN 1.0.4 §5."""

from __future__ import annotations

import pytest

from toyama_lab.lorawan import MacCommandError
from toyama_lab.lorawan.mac import (
    COMMANDS,
    MAX_EIRP_DBM,
    MacCommand,
    encode_mac_command,
    encode_mac_commands,
    parse_mac_commands,
)

# (name, fields, on-air hex) worked out by hand from the bit layouts in §5.1-§5.9
TABLE = [
    ("LinkCheckReq", {}, "02"),
    ("LinkCheckAns", {"margin": 20, "gw_cnt": 3}, "021403"),
    (
        "LinkADRReq",
        {"data_rate": 5, "tx_power": 2, "ch_mask": 0xFF00, "ch_mask_cntl": 6, "nb_trans": 1},
        "035200ff61",
    ),
    ("LinkADRAns", {"power_ack": True, "data_rate_ack": False, "channel_mask_ack": True}, "0305"),
    ("DutyCycleReq", {"max_duty_cycle": 7}, "0407"),
    ("DutyCycleAns", {}, "04"),
    (
        "RXParamSetupReq",
        {"rx1_dr_offset": 2, "rx2_data_rate": 3, "frequency": 923_200_000},
        "0523" + (9_232_000).to_bytes(3, "little").hex(),
    ),
    (
        "RXParamSetupAns",
        {"rx1_dr_offset_ack": True, "rx2_data_rate_ack": True, "channel_ack": False},
        "0506",
    ),
    ("DevStatusReq", {}, "06"),
    ("DevStatusAns", {"battery": 0, "margin": -32}, "060020"),
    ("DevStatusAns", {"battery": 255, "margin": 31}, "06ff1f"),
    (
        "NewChannelReq",
        {"ch_index": 2, "frequency": 923_400_000, "max_dr": 5, "min_dr": 0},
        "0702" + (9_234_000).to_bytes(3, "little").hex() + "50",
    ),
    ("NewChannelAns", {"data_rate_range_ok": True, "channel_frequency_ok": True}, "0703"),
    ("RXTimingSetupReq", {"delay": 1}, "0801"),
    ("RXTimingSetupAns", {}, "08"),
    (
        "TxParamSetupReq",
        {"downlink_dwell_time": True, "uplink_dwell_time": False, "max_eirp": 13},
        "092d",
    ),
    ("TxParamSetupAns", {}, "09"),
    (
        "DlChannelReq",
        {"ch_index": 0, "frequency": 923_600_000},
        "0a00" + (9_236_000).to_bytes(3, "little").hex(),
    ),
    ("DlChannelAns", {"uplink_frequency_exists": True, "channel_frequency_ok": False}, "0a02"),
    ("DeviceTimeReq", {}, "0d"),
    ("DeviceTimeAns", {"gps_seconds": 0x12345678, "fraction": 0x80}, "0d7856341280"),
]


# Payload bytes (after the CID) published in an independent implementation's tests:
# https://github.com/brocaar/lorawan/blob/master/mac_commands_test.go
# (its NewChannelReq vector is a 2.4 GHz one with 200 Hz steps, outside 1.0.4 sub-GHz: left out)
BROCAAR = [
    ("LinkCheckAns", {"margin": 10, "gw_cnt": 15}, bytes([10, 15])),
    (
        "LinkADRReq",
        {"data_rate": 1, "tx_power": 2, "ch_mask": 0b100, "ch_mask_cntl": 4, "nb_trans": 5},
        bytes([18, 4, 0, 69]),
    ),
    (
        "RXParamSetupReq",
        {"rx1_dr_offset": 3, "rx2_data_rate": 11, "frequency": 26_265_700},
        bytes([59, 1, 2, 4]),
    ),
    ("DevStatusAns", {"battery": 0, "margin": -30}, bytes([0, 34])),
    ("DevStatusAns", {"battery": 127, "margin": -1}, bytes([127, 63])),
    ("DevStatusAns", {"battery": 255, "margin": 30}, bytes([255, 30])),
    ("DeviceTimeAns", {"gps_seconds": 1, "fraction": 2}, bytes([1, 0, 0, 0, 2])),
]


@pytest.mark.parametrize(("name", "fields", "payload"), BROCAAR, ids=[b[0] for b in BROCAAR])
def test_payloads_match_brocaar_lorawan(name, fields, payload):
    raw = encode_mac_command(name, **fields)
    assert raw[1:] == payload
    spec = next(s for s in COMMANDS.values() if s.name == name)
    assert parse_mac_commands(raw, uplink=spec.uplink)[0].fields == fields


@pytest.mark.parametrize(("name", "fields", "wire"), TABLE, ids=[t[0] for t in TABLE])
def test_encode_and_parse_table(name, fields, wire):
    raw = encode_mac_command(name, **fields)
    assert raw.hex() == wire
    spec = next(s for s in COMMANDS.values() if s.name == name)
    (cmd,) = parse_mac_commands(raw, uplink=spec.uplink)
    assert cmd.name == name and cmd.fields == fields and cmd.raw == raw
    assert cmd.known and cmd.spec is spec and cmd.to_bytes() == raw
    for k, v in fields.items():
        assert cmd[k] == v


def test_every_cid_of_1_0_4_is_covered_both_directions():
    cids = {0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0D}
    assert {c for c, _ in COMMANDS} == cids
    for cid in cids:
        assert (cid, True) in COMMANDS and (cid, False) in COMMANDS


def test_same_cid_differs_by_direction():
    up = parse_mac_commands(bytes.fromhex("0305"), uplink=True)
    assert up[0].name == "LinkADRAns"
    with pytest.raises(MacCommandError, match=r"LinkADRReq .* needs 4 payload bytes"):
        parse_mac_commands(bytes.fromhex("0305"), uplink=False)


def test_sequence_offsets_are_shifted():
    buf = encode_mac_commands(
        [
            encode_mac_command("LinkCheckReq"),
            ("DevStatusAns", {"battery": 100, "margin": 5}),
            encode_mac_command("DeviceTimeReq"),
        ]
    )
    cmds = parse_mac_commands(buf, uplink=True, offset=8)
    assert [c.name for c in cmds] == ["LinkCheckReq", "DevStatusAns", "DeviceTimeReq"]
    assert [c.offset for c in cmds] == [8, 9, 12]
    assert encode_mac_commands(cmds) == buf


@pytest.mark.parametrize(
    ("data", "uplink", "offset", "match"),
    [
        ("20", True, 8, r"^byte 8: unknown or reserved MAC command CID 0x20 in a uplink"),
        ("020b", True, 0, r"^byte 1: unknown or reserved MAC command CID 0x0B"),
        ("80aa", False, 3, r"^byte 3: proprietary MAC command CID 0x80 in a downlink"),
        (
            "0d0102",
            False,
            9,
            r"^byte 9: DeviceTimeAns \(CID 0x0D\) needs 5 payload bytes but only 2",
        ),
    ],
)
def test_strict_errors_name_byte(data, uplink, offset, match):
    with pytest.raises(MacCommandError, match=match) as info:
        parse_mac_commands(bytes.fromhex(data), uplink=uplink, offset=offset)
    assert info.value.offset is not None


def test_lenient_marks_unknown_and_truncated():
    cmds = parse_mac_commands(bytes.fromhex("02200102"), uplink=True, lenient=True, offset=8)
    assert [c.name for c in cmds] == ["LinkCheckReq", "Unknown"]
    assert cmds[1].raw == bytes.fromhex("200102") and cmds[1].offset == 9
    assert not cmds[1].known and cmds[1].spec is None and cmds[1].to_bytes() == cmds[1].raw
    cmds = parse_mac_commands(bytes.fromhex("0603"), uplink=True, lenient=True)
    assert [c.name for c in cmds] == ["Truncated"] and not cmds[0].known


def test_empty_buffer():
    assert parse_mac_commands(b"", uplink=True) == ()


@pytest.mark.parametrize(
    ("name", "fields", "match"),
    [
        ("NoSuchCmd", {}, "unknown MAC command name"),
        ("LinkCheckAns", {"margin": 1}, r"missing \['gw_cnt'\]"),
        ("LinkCheckReq", {"x": 1}, r"unexpected \['x'\]"),
        ("LinkCheckAns", {"margin": 256, "gw_cnt": 1}, "does not fit in 8 bits"),
        ("DevStatusAns", {"battery": 1, "margin": -33}, r"allowed -32\.\.31"),
        ("DlChannelReq", {"ch_index": 1, "frequency": 923_200_050}, "multiple of 100"),
        ("DutyCycleReq", {"max_duty_cycle": 16}, "4 bits"),
    ],
)
def test_encode_errors(name, fields, match):
    with pytest.raises(MacCommandError, match=match):
        encode_mac_command(name, **fields)


def test_name_is_case_insensitive():
    assert encode_mac_command("linkcheckreq") == b"\x02"


def test_max_eirp_table_has_16_increasing_entries():
    assert len(MAX_EIRP_DBM) == 16
    assert list(MAX_EIRP_DBM) == sorted(MAX_EIRP_DBM)
    assert (MAX_EIRP_DBM[0], MAX_EIRP_DBM[5], MAX_EIRP_DBM[15]) == (8, 16, 36)


def test_mac_command_is_frozen():
    cmd = MacCommand(2, "LinkCheckReq", True)
    with pytest.raises(AttributeError):
        cmd.cid = 3  # type: ignore[misc]
