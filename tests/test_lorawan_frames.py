"""Tests for toyama_lab.lorawan.frames and .join: parse, decode, encode every MType."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toyama_lab.lorawan import (
    BadMajorError,
    BadMTypeError,
    FCntTracker,
    FCtrl,
    FOptsLengthError,
    FPortError,
    FrameError,
    JoinError,
    KeyStore,
    MacCommandError,
    MicError,
    MType,
    SessionKeys,
    TooLongError,
    TooShortError,
    UnknownDeviceError,
    decode,
    decode_join_accept,
    decode_join_request,
    encode_data,
    encode_downlink,
    encode_join_accept,
    encode_join_request,
    encode_mac_command,
    encode_proprietary,
    encode_uplink,
    otaa_session,
    parse,
)
from toyama_lab.lorawan.frames import MHDR

VECTORS = json.loads((Path(__file__).parent / "data" / "lorawan_vectors.json").read_text())[
    "vectors"
]
H = bytes.fromhex
KEYS = SessionKeys(0x26011BDA, bytes(range(16)), bytes(range(16, 32)))
APP_KEY = H("2B7E151628AED2A6ABF7158809CF4F3C")


def _kind(kind):
    return [v for v in VECTORS if v["kind"] == kind]


@pytest.mark.parametrize("v", _kind("data"), ids=lambda v: v["name"])
def test_data_vectors_parse_and_decode(v):
    e = v["expect"]
    phy = H(v["phy"])
    f = parse(phy)
    assert f.mtype.name == e["mtype"]
    assert f.dev_addr == int(e["dev_addr"], 16)
    assert f.fcnt == e["fcnt16"]
    fc = f.fhdr.fctrl
    assert (fc.adr, fc.adr_ack_req, fc.ack, fc.class_b, fc.f_pending) == (
        e["adr"],
        e["adr_ack_req"],
        e["ack"],
        e["class_b"],
        e["f_pending"],
    )
    assert f.fhdr.fopts.hex() == e["fopts"]
    assert f.fport == e["fport"]
    assert f.frm_payload.hex() == e["frm_payload"]
    assert f.mic.hex() == e["mic"]
    assert f.mic_ok is None and f.payload is None
    keys = SessionKeys(f.dev_addr, H(v["nwk_s_key"]), H(v["app_s_key"]))
    d = decode(phy, keys, fcnt_msb=v["fcnt32"] >> 16)
    assert d.mic_ok is True
    assert d.fcnt32 == v["fcnt32"]
    if e["payload"] is not None:
        assert d.payload.hex() == e["payload"]
    assert [c.name for c in d.mac_commands] == e["mac_commands"]


@pytest.mark.parametrize(
    "v",
    [v for v in _kind("data") if v["expect"]["payload"] is not None],  # AppSKey known
    ids=lambda v: v["name"],
)
def test_data_vectors_re_encode_identically(v):
    e = v["expect"]
    f = parse(H(v["phy"]))
    keys = SessionKeys(f.dev_addr, H(v["nwk_s_key"]), H(v["app_s_key"]))
    fctrl = FCtrl(
        adr=e["adr"],
        adr_ack_req=e["adr_ack_req"],
        ack=e["ack"],
        class_b=e["class_b"],
        f_pending=e["f_pending"],
    )
    phy = encode_data(
        MType[e["mtype"]],
        f.dev_addr,
        v["fcnt32"],
        e["fport"],
        H(e["payload"]),
        keys,
        fctrl=fctrl,
        fopts=H(e["fopts"]),
    )
    assert phy.hex() == v["phy"]


@pytest.mark.parametrize("v", _kind("join_request"), ids=lambda v: v["name"])
def test_join_request_vectors(v):
    e = v["expect"]
    f = decode_join_request(H(v["phy"]), H(v["app_key"]))
    jr = f.join_request
    assert (jr.app_eui.hex().upper(), jr.dev_eui.hex().upper(), jr.dev_nonce) == (
        e["app_eui"].upper(),
        e["dev_eui"].upper(),
        e["dev_nonce"],
    )
    assert f.mic_ok is True
    rebuilt = encode_join_request(H(v["app_key"]), jr.app_eui, jr.dev_eui, jr.dev_nonce)
    assert rebuilt.hex() == v["phy"].lower()


@pytest.mark.parametrize("v", _kind("join_accept"), ids=lambda v: v["name"])
def test_join_accept_vectors(v):
    e = v["expect"]
    f = decode_join_accept(H(v["phy"]), H(v["app_key"]))
    ja = f.join_accept
    assert ja.app_nonce == e["app_nonce"]
    assert ja.net_id == e["net_id"]
    assert ja.dev_addr == int(e["dev_addr"], 16)
    assert (ja.rx1_dr_offset, ja.rx2_data_rate, ja.rx_delay) == (
        e["rx1_dr_offset"],
        e["rx2_data_rate"],
        e["rx_delay"],
    )
    assert (None if ja.cf_list is None else ja.cf_list.hex()) == e["cf_list"]
    assert f.mic.hex() == e["mic"] and f.mic_ok is True
    assert f.dev_addr == ja.dev_addr
    rebuilt = encode_join_accept(
        H(v["app_key"]),
        ja.app_nonce,
        ja.net_id,
        ja.dev_addr,
        rx1_dr_offset=ja.rx1_dr_offset,
        rx2_data_rate=ja.rx2_data_rate,
        rx_delay=ja.rx_delay,
        cf_list=ja.cf_list,
    )
    assert rebuilt.hex() == v["phy"]


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True])
@pytest.mark.parametrize("fport", [None, 0, 1, 223, 255])
@pytest.mark.parametrize("fcnt", [0, 1, 65535, 65536, 0xFFFFFFFF])
def test_uplink_round_trip(confirmed, fport, fcnt):
    payload = (
        b""
        if fport is None
        else (encode_mac_command("LinkCheckReq") if fport == 0 else b"\x01\xff" * 9)
    )
    phy = encode_uplink(KEYS.dev_addr, fcnt, fport, payload, KEYS, confirmed=confirmed, adr=True)
    f = decode(phy, KEYS, fcnt_msb=fcnt >> 16)
    assert f.mtype == (MType.CONFIRMED_DATA_UP if confirmed else MType.UNCONFIRMED_DATA_UP)
    assert f.is_uplink and f.fhdr.fctrl.adr
    assert f.payload == payload and f.fport == fport and f.fcnt32 == fcnt
    if fport == 0:
        assert [c.name for c in f.mac_commands] == ["LinkCheckReq"]
        assert f.mac_commands[0].offset == f.fport_offset + 1


def test_downlink_round_trip_with_flags_and_fopts():
    fopts = [
        encode_mac_command("LinkCheckAns", margin=7, gw_cnt=2),
        encode_mac_command("DevStatusReq"),
    ]
    phy = encode_downlink(
        KEYS.dev_addr,
        70000,
        9,
        b"down",
        KEYS,
        confirmed=True,
        ack=True,
        f_pending=True,
        fopts=fopts,
    )
    f = decode(phy, KEYS, fcnt_msb=1)
    assert f.mtype == MType.CONFIRMED_DATA_DOWN and not f.is_uplink
    fc = f.fhdr.fctrl
    assert fc.ack and fc.f_pending and not fc.adr and not fc.class_b and fc.fopts_len == 4
    assert [c.name for c in f.mac_commands] == ["LinkCheckAns", "DevStatusReq"]
    assert f.mac_commands[0]["gw_cnt"] == 2
    assert f.payload == b"down"


def test_fctrl_bit_layout_uplink_and_downlink():
    assert (
        FCtrl(adr=True, adr_ack_req=True, ack=True, class_b=True, fopts_len=3).to_byte(uplink=True)
        == 0b1111_0011
    )
    assert FCtrl(adr=True, ack=True, f_pending=True, fopts_len=15).to_byte(uplink=False) == 0xBF
    up = FCtrl.from_byte(0x50, uplink=True)
    down = FCtrl.from_byte(0x50, uplink=False)
    assert up.adr_ack_req and up.class_b and not up.f_pending
    assert down.rfu and down.f_pending and not down.adr_ack_req and not down.class_b


def test_mhdr_round_trip_and_rfu_bits_kept():
    for mtype in (0, 1, 2, 3, 4, 5, 7):
        b = (mtype << 5) | 0b10100
        m = MHDR.from_byte(b)
        assert m.mtype == mtype and m.rfu == 0b101 and m.to_byte() == b


def test_keystore_decoding_and_unknown_device():
    other = SessionKeys(0x11111111, bytes(16), bytes(16))
    store = KeyStore([KEYS, other])
    phy = encode_uplink(KEYS.dev_addr, 3, 1, b"x", store)
    assert decode(phy, store).payload == b"x"
    assert decode(phy, KEYS).payload == b"x"
    with pytest.raises(UnknownDeviceError, match="byte 1: frame DevAddr 26011BDA does not match"):
        decode(phy, other)
    with pytest.raises(UnknownDeviceError, match="no session keys for DevAddr 26011BDA"):
        decode(phy, KeyStore([other]))
    with pytest.raises(TypeError, match="SessionKeys or KeyStore"):
        decode(phy, {"dev_addr": 1})  # type: ignore[arg-type]


def test_mic_failure_raises_and_names_offset():
    phy = bytearray(encode_uplink(KEYS.dev_addr, 3, 1, b"hello", KEYS))
    phy[10] ^= 0x01
    with pytest.raises(MicError, match=r"^byte 14: MIC .* does not match for DevAddr 26011BDA"):
        decode(bytes(phy), KEYS)


def test_wrong_fcnt_msb_fails_mic_and_tracker_finds_it():
    phy = encode_uplink(KEYS.dev_addr, 0x1_0002, 1, b"x", KEYS)
    with pytest.raises(MicError, match="upper bits 0"):
        decode(phy, KEYS)
    t = FCntTracker()
    t.accept(KEYS.dev_addr, 0xFFFE)
    fcnt32, status = t.check(KEYS.dev_addr, parse(phy).fcnt)
    assert status == 0 and fcnt32 == 0x1_0002
    assert decode(phy, KEYS, fcnt_msb=fcnt32 >> 16).fcnt32 == 0x1_0002


@pytest.mark.parametrize("bad", [-1, 65536, 1.5, True])
def test_bad_fcnt_msb(bad):
    phy = encode_uplink(KEYS.dev_addr, 1, 1, b"x", KEYS)
    with pytest.raises(ValueError, match="fcnt_msb"):
        decode(phy, KEYS, fcnt_msb=bad)


def test_keys_never_in_error_messages():
    phy = bytearray(encode_uplink(KEYS.dev_addr, 3, 1, b"x", KEYS))
    phy[-1] ^= 1
    with pytest.raises(MicError) as info:
        decode(bytes(phy), KEYS)
    assert KEYS.nwk_s_key.hex() not in str(info.value).lower()
    assert KEYS.app_s_key.hex() not in str(info.value).lower()


# --- structural errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phy", "exc", "offset", "match"),
    [
        ("", TooShortError, 0, "empty frame"),
        ("c0" + "00" * 12, BadMTypeError, 0, "MType 110"),
        ("41" + "00" * 12, BadMajorError, 0, "Major 01"),
        ("40" + "00" * 10, TooShortError, 11, "shorter than 12"),
        ("40" + "00000000" + "01" + "0000" + "00000000", FOptsLengthError, 5, "FOptsLen=1"),
        (
            "40" + "00000000" + "0f" + "0000" + "00" * 14 + "00000000",
            FOptsLengthError,
            5,
            "FOptsLen=15",
        ),
        (
            "40" + "00000000" + "01" + "0000" + "02" + "00" + "aa" + "00000000",
            FPortError,
            9,
            "FPort 0",
        ),
        ("00" + "00" * 21, TooShortError, 22, "join-request must be 23"),
        ("00" + "00" * 23, TooLongError, 23, "join-request must be 23"),
        ("20" + "00" * 15, TooShortError, 16, "join-accept must be 17"),
        ("20" + "00" * 20, TooLongError, 17, "join-accept must be 17"),
        ("20" + "00" * 40, TooLongError, 33, "join-accept must be 17"),
        ("e0" + "00" * 255, TooLongError, 255, "longer than 255"),
    ],
)
def test_parse_errors_name_the_byte(phy, exc, offset, match):
    with pytest.raises(exc, match=match) as info:
        parse(H(phy))
    assert info.value.offset == offset
    assert str(info.value).startswith(f"byte {offset}: ")
    assert isinstance(info.value, FrameError) and isinstance(info.value, ValueError)


def test_parse_rejects_text():
    with pytest.raises(TypeError, match=r"bytes\.fromhex"):
        parse("40da1b01")  # type: ignore[arg-type]


def test_parse_accepts_bytearray_and_memoryview():
    phy = encode_uplink(KEYS.dev_addr, 1, 1, b"a", KEYS)
    assert parse(bytearray(phy)).phy == phy
    assert parse(memoryview(phy)).fcnt == 1


def test_parse_unknown_fopts_command_is_marked_not_raised():
    phy = encode_uplink(KEYS.dev_addr, 1, None, b"", KEYS, fopts=b"\x02\x20\x01")
    cmds = parse(phy).mac_commands
    assert [c.name for c in cmds] == ["LinkCheckReq", "Unknown"]
    assert cmds[1].offset == 9 and not cmds[1].known


def test_frame_repr_shows_no_keys_and_key_fields():
    f = decode(encode_uplink(KEYS.dev_addr, 5, 2, b"\xab", KEYS), KEYS)
    r = repr(f)
    assert "UNCONFIRMED_DATA_UP" in r and "0x26011BDA" in r and "mic_ok=True" in r
    assert "payload=ab" in r


# --- encoding errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"fopts": b"\x02" * 16}, FOptsLengthError, "at most 15"),
        ({"fport": 0, "fopts": b"\x02"}, FPortError, "FOpts must then be empty"),
        ({"fport": None, "payload": b"x"}, FPortError, "needs an FPort"),
        ({"fport": 256}, FPortError, "0..255"),
        ({"payload": bytes(250)}, FrameError, "at most 255"),
        ({"fcnt": 2**32}, ValueError, "32-bit"),
        ({"dev_addr": -1}, ValueError, "32-bit"),
    ],
)
def test_encode_errors(kwargs, exc, match):
    args = {"dev_addr": KEYS.dev_addr, "fcnt": 1, "fport": 1, "payload": b"", "keys": KEYS}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        encode_uplink(**args)


def test_encode_data_rejects_join_mtypes_and_unknown_keys():
    with pytest.raises(ValueError, match="data frames only"):
        encode_data(MType.JOIN_REQUEST, 1, 1, 1, b"", KEYS)
    with pytest.raises(UnknownDeviceError):
        encode_uplink(0x12345678, 1, 1, b"", KEYS)


def test_encode_accepts_mac_command_objects_as_fopts():
    cmds = parse(
        encode_uplink(KEYS.dev_addr, 1, None, b"", KEYS, fopts=b"\x02\x06\xfe\x3c")
    ).mac_commands
    phy = encode_uplink(KEYS.dev_addr, 2, None, b"", KEYS, fopts=cmds)
    assert parse(phy).fhdr.fopts == b"\x02\x06\xfe\x3c"


# --- proprietary ----------------------------------------------------------------------------


def test_proprietary_round_trip():
    phy = encode_proprietary(b"\x01\x02\x03")
    assert phy == b"\xe0\x01\x02\x03"
    f = parse(phy)
    assert f.mtype == MType.PROPRIETARY and f.frm_payload == b"\x01\x02\x03" and f.mic is None
    d = decode(phy, KEYS)
    assert d.mic_ok is None  # no standard MIC: never reported as verified
    with pytest.raises(FrameError, match="at most 255"):
        encode_proprietary(bytes(255))


# --- joins ----------------------------------------------------------------------------------


def test_otaa_exchange_and_session():
    dev_eui = H("0004A30B001C0530")
    jr = encode_join_request(APP_KEY, H("70B3D57ED0000001"), dev_eui, 513)
    ja = encode_join_accept(APP_KEY, 0xABCDEF, 0x000013, 0x260B1234, rx1_dr_offset=1, rx_delay=5)
    session = otaa_session(jr, ja, APP_KEY)
    assert session.dev_addr == 0x260B1234 and session.dev_eui == dev_eui
    assert session.app_key == APP_KEY and session.nwk_s_key != session.app_s_key
    assert otaa_session(parse(jr), decode_join_accept(ja, APP_KEY), APP_KEY) == session
    up = encode_uplink(session.dev_addr, 0, 1, b"after join", session)
    assert decode(up, session).payload == b"after join"


def test_decode_dispatches_joins():
    dev_eui = H("0004A30B001C0530")
    jr = encode_join_request(APP_KEY, bytes(8), dev_eui, 1)
    keys = SessionKeys(1, bytes(16), bytes(16), dev_eui=dev_eui, app_key=APP_KEY)
    assert decode(jr, keys).mic_ok is True
    assert decode(jr, KeyStore([keys])).mic_ok is True
    with pytest.raises(UnknownDeviceError, match="no AppKey for DevEUI 0004A30B001C0530"):
        decode(jr, KeyStore([SessionKeys(1, bytes(16), bytes(16))]))
    ja = encode_join_accept(APP_KEY, 1, 2, 3)
    assert decode(ja, keys).join_accept.dev_addr == 3
    with pytest.raises(UnknownDeviceError, match="join-accept carries no device identity"):
        decode(ja, KeyStore([keys]))


def test_join_mic_failures():
    jr = bytearray(encode_join_request(APP_KEY, bytes(8), bytes(8), 1))
    jr[17] ^= 1
    with pytest.raises(MicError, match="join-request MIC"):
        decode_join_request(bytes(jr), APP_KEY)
    ja = encode_join_accept(APP_KEY, 1, 2, 3, cf_list=bytes(16))
    with pytest.raises(MicError, match="join-accept MIC"):
        decode_join_accept(ja, bytes(16))
    assert decode_join_accept(ja, APP_KEY).join_accept.cf_list == bytes(16)


def test_join_encode_errors():
    with pytest.raises(JoinError, match="dev_nonce"):
        encode_join_request(APP_KEY, bytes(8), bytes(8), 70000)
    with pytest.raises(JoinError, match="app_eui must be 8 bytes"):
        encode_join_request(APP_KEY, bytes(7), bytes(8), 1)
    with pytest.raises(JoinError, match="rx1_dr_offset"):
        encode_join_accept(APP_KEY, 1, 2, 3, rx1_dr_offset=8)
    with pytest.raises(JoinError, match="cf_list must be 16"):
        encode_join_accept(APP_KEY, 1, 2, 3, cf_list=bytes(15))
    with pytest.raises(JoinError, match="expected a join-accept"):
        decode_join_accept(encode_join_request(APP_KEY, bytes(8), bytes(8), 1), APP_KEY)


def test_mac_command_error_is_a_frame_error():
    assert issubclass(MacCommandError, FrameError)


def test_package_exports_resolve():
    import toyama_lab.lorawan as lorawan

    for name in lorawan.__all__:
        if name not in ("decode_batch", "encode_batch"):  # lazily imported from .batch
            assert getattr(lorawan, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lorawan.nope  # noqa: B018
