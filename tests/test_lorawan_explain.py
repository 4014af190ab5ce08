"""Tests for toyama_lab.lorawan.explain: annotated rows in Japanese and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toyama_lab.lorawan import (
    FOptsLengthError,
    SessionKeys,
    encode_downlink,
    encode_join_accept,
    encode_join_request,
    encode_mac_command,
    encode_proprietary,
    encode_uplink,
)
from toyama_lab.lorawan.explain import ExplainRow, explain, format_rows, rows_to_dicts

VECTORS = {
    v["name"]: v
    for v in json.loads((Path(__file__).parent / "data" / "lorawan_vectors.json").read_text())[
        "vectors"
    ]
}
KEYS = SessionKeys(0x26011BDA, bytes(range(16)), bytes(range(16, 32)))
APP_KEY = bytes(range(100, 116))


def _row(rows, field):
    return next(r for r in rows if r.field == field)


def test_data_frame_rows_with_keys():
    v = VECTORS["lp-uplink-test"]
    rows = explain(
        bytes.fromhex(v["phy"]), nwk_s_key=v["nwk_s_key"], app_s_key=v["app_s_key"], lang="en"
    )
    assert [r.field for r in rows if r.depth == 0] == [
        "MHDR",
        "DevAddr",
        "FCtrl",
        "FCnt",
        "FPort",
        "FRMPayload",
        "MIC",
    ]
    assert _row(rows, "DevAddr").value == "49BE7DF1"
    assert _row(rows, "DevAddr").bytes_hex == "F17DBE49"
    assert (_row(rows, "DevAddr").offset, _row(rows, "DevAddr").length) == (1, 4)
    assert _row(rows, "FRMPayload (plain)").bytes_hex == b"test".hex().upper()
    assert "verified OK" in _row(rows, "MIC").meaning
    assert _row(rows, "MIC").section == "§4.4"


def test_rows_cover_every_byte_once_at_depth_zero():
    phy = encode_uplink(KEYS.dev_addr, 3, 2, b"abc", KEYS, fopts=b"\x02", adr=True)
    rows = explain(phy)
    covered = sorted(
        i
        for r in rows
        if r.depth == 0 and r.offset is not None
        for i in range(r.offset, r.offset + r.length)
    )
    assert covered == list(range(len(phy)))


def test_without_keys_rows_say_which_key_is_missing():
    phy = encode_uplink(KEYS.dev_addr, 3, 2, b"abc", KEYS)
    en = explain(phy, lang="en")
    assert "not checked (give --nwkskey)" in _row(en, "MIC").meaning
    assert any("give --appskey" in r.meaning for r in en)
    ja = explain(phy, lang="ja")
    assert "未検証" in _row(ja, "MIC").meaning


def test_mic_mismatch_is_reported_not_raised():
    phy = bytearray(encode_uplink(KEYS.dev_addr, 3, 2, b"abc", KEYS))
    phy[9] ^= 0xFF
    rows = explain(bytes(phy), nwk_s_key=KEYS.nwk_s_key, lang="en")
    assert "MISMATCH" in _row(rows, "MIC").meaning


def test_fcnt_msb_enters_the_mic():
    phy = encode_uplink(KEYS.dev_addr, 0x30001, 2, b"abc", KEYS)
    bad = explain(phy, nwk_s_key=KEYS.nwk_s_key, lang="en")
    good = explain(phy, nwk_s_key=KEYS.nwk_s_key, fcnt_msb=3, lang="en")
    assert "MISMATCH" in _row(bad, "MIC").meaning
    assert "verified OK" in _row(good, "MIC").meaning
    assert "196609" in _row(good, "FCnt").meaning


def test_fopts_and_port0_mac_commands_explained():
    fopts = encode_mac_command("DevStatusAns", battery=200, margin=-3)
    phy = encode_uplink(KEYS.dev_addr, 1, None, b"", KEYS, fopts=fopts, class_b=True)
    rows = explain(phy, lang="en")
    assert _row(rows, "FCtrl.ClassB").value == "1"
    assert _row(rows, "DevStatusAns.margin").value == "-3"
    cmd = next(r for r in rows if r.value == "DevStatusAns")
    assert (cmd.offset, cmd.length, cmd.section) == (8, 3, "§5.5")
    payload = encode_mac_command(
        "TxParamSetupReq", downlink_dwell_time=False, uplink_dwell_time=True, max_eirp=5
    )
    down = encode_downlink(KEYS.dev_addr, 1, 0, payload, KEYS, f_pending=True)
    rows = explain(down, nwk_s_key=KEYS.nwk_s_key, lang="en")
    assert _row(rows, "FCtrl.FPending").value == "1"
    assert _row(rows, "TxParamSetupReq.max_eirp").value == "5 (16 dBm)"
    assert _row(rows, "TxParamSetupReq.max_eirp").offset is None  # derived from decryption


def test_unknown_mac_command_is_flagged():
    phy = encode_uplink(KEYS.dev_addr, 1, None, b"", KEYS, fopts=b"\x7f\x01")
    rows = explain(phy, lang="en")
    unk = next(r for r in rows if r.field == "CID 0x7F")
    assert "unknown CID" in unk.meaning and unk.offset == 8


def test_join_request_and_accept():
    jr = encode_join_request(APP_KEY, bytes.fromhex("70B3D57ED0000001"), bytes(8), 258)
    rows = explain(jr, app_key=APP_KEY, lang="en")
    assert _row(rows, "AppEUI").value == "70B3D57ED0000001"
    assert _row(rows, "DevNonce").value == "258"
    assert "verified OK" in _row(rows, "MIC").meaning
    ja = encode_join_accept(APP_KEY, 5, 0x13, 0x260B0001, rx1_dr_offset=3, cf_list=bytes(16))
    locked = explain(ja, lang="en")
    assert [r.field for r in locked] == [
        "MHDR",
        "MHDR.MType",
        "MHDR.RFU",
        "MHDR.Major",
        "JoinAccept",
    ]
    rows = explain(ja, app_key=APP_KEY.hex(), lang="ja")
    assert _row(rows, "DevAddr").value == "260B0001"
    assert _row(rows, "DLSettings.RX1DROffset").value == "3"
    assert _row(rows, "CFList").offset == 13
    assert "検証OK" in _row(rows, "MIC").meaning
    wrong = explain(ja, app_key=bytes(16), lang="en")
    assert "MISMATCH" in _row(wrong, "MIC").meaning


def test_proprietary():
    rows = explain(encode_proprietary(b"\x01\x02"), lang="en")
    assert _row(rows, "Proprietary").bytes_hex == "0102"


def test_structural_error_raises_frame_error_with_byte():
    with pytest.raises(FOptsLengthError, match=r"^byte 5: "):
        explain(bytes.fromhex("40" + "00000000" + "0f" + "0000" + "00000000"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lang": "fr"}, "lang must be one of"),
        ({"nwk_s_key": "zz" * 16}, "nwk_s_key is not hexadecimal"),
        ({"app_s_key": bytes(15)}, "app_s_key must be 16 bytes"),
        ({"fcnt_msb": 70000}, "fcnt_msb"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        explain(encode_uplink(KEYS.dev_addr, 1, 1, b"", KEYS), **kwargs)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_format_and_dicts(lang):
    rows = explain(encode_uplink(KEYS.dev_addr, 1, 1, b"x" * 40, KEYS), lang=lang)
    text = format_rows(rows, lang=lang)
    assert text.splitlines()[0].split()[0] == ("位置" if lang == "ja" else "offset")
    assert len(text.splitlines()) == len(rows) + 1
    assert "..." in text  # long byte strings are shortened in the bytes column
    dicts = rows_to_dicts(rows)
    assert dicts[0] == {
        "offset": 0,
        "length": 1,
        "bytes_hex": "40",
        "field": "MHDR",
        "value": "0x40",
        "meaning": rows[0].meaning,
        "depth": 0,
        "section": "§4.2",
    }
    assert isinstance(rows[0], ExplainRow)
