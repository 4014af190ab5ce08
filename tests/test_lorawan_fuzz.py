"""Fuzz tests: structure-aware mutations of valid frames thrown at parse/decode/explain.

Contract checked for any input bytes:

- ``parse``, ``decode`` and ``explain`` either return or raise a ``FrameError``
  subclass - never another exception, never a hang (pytest-timeout guards it);
- ``decode`` never returns a data frame whose MIC does not verify, and a
  frame it returns unchanged decrypts to the payload that was encoded.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toyama_lab.lorawan import (
    FrameError,
    KeyStore,
    MacCommandError,
    MType,
    SessionKeys,
    compute_mic,
    decode,
    encode_downlink,
    encode_join_accept,
    encode_join_request,
    encode_mac_command,
    encode_proprietary,
    encode_uplink,
    parse,
    parse_mac_commands,
)
from toyama_lab.lorawan._mutate import MUTATIONS, mutate_once
from toyama_lab.lorawan.explain import explain

KEYS = SessionKeys(
    0x26011BDA,
    bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C"),
    bytes(range(16)),
    dev_eui=bytes.fromhex("0004A30B001C0530"),
    app_key=bytes(range(32, 48)),
)
STORE = KeyStore([KEYS, SessionKeys(0x01020304, bytes(16), bytes(16))])
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)

MAC_SAMPLES = [
    encode_mac_command("LinkCheckReq"),
    encode_mac_command("LinkADRAns", power_ack=True, data_rate_ack=True, channel_mask_ack=True),
    encode_mac_command("DevStatusAns", battery=10, margin=3),
    encode_mac_command("DeviceTimeReq"),
    b"\x20",  # RFU CID
]


@st.composite
def valid_frames(draw):
    """(phy, payload or None) for every MType, built with the real encoders."""
    kind = draw(st.sampled_from(["up", "down", "join_request", "join_accept", "proprietary"]))
    if kind == "join_request":
        phy = encode_join_request(
            KEYS.app_key,
            draw(st.binary(min_size=8, max_size=8)),
            KEYS.dev_eui,
            draw(st.integers(0, 0xFFFF)),
        )
        return phy, None
    if kind == "join_accept":
        cf = draw(st.one_of(st.none(), st.binary(min_size=16, max_size=16)))
        phy = encode_join_accept(
            KEYS.app_key,
            draw(st.integers(0, 0xFFFFFF)),
            0x13,
            draw(st.integers(0, 0xFFFFFFFF)),
            cf_list=cf,
        )
        return phy, None
    if kind == "proprietary":
        return encode_proprietary(draw(st.binary(max_size=40))), None
    fport = draw(st.one_of(st.none(), st.integers(0, 255)))
    payload = b"" if fport is None else draw(st.binary(max_size=60))
    fopts = (
        b"" if fport == 0 else b"".join(draw(st.lists(st.sampled_from(MAC_SAMPLES), max_size=4)))
    )
    fcnt = draw(st.integers(0, 0xFFFF))  # fcnt_msb 0 so decode can verify it
    encoder = encode_uplink if kind == "up" else encode_downlink
    phy = encoder(
        KEYS.dev_addr,
        fcnt,
        fport,
        payload,
        KEYS,
        confirmed=draw(st.booleans()),
        adr=draw(st.booleans()),
        ack=draw(st.booleans()),
        fopts=fopts,
    )
    return phy, payload


@st.composite
def mutated_frames(draw):
    phy, _ = draw(valid_frames())
    buf = bytearray(phy)
    for _ in range(draw(st.integers(1, 4))):
        mutate_once(
            buf,
            draw(st.sampled_from(MUTATIONS)),
            lambda lo, hi: draw(st.integers(lo, hi)),
            lambda lo, hi: draw(st.binary(min_size=lo, max_size=hi)),
            max_extend=300,
        )
    return bytes(buf)


def _check_decode(phy: bytes, keys) -> None:
    try:
        frame = decode(phy, keys)
    except FrameError:
        return
    if frame.mtype.is_data:
        assert frame.mic_ok is True
        sk = STORE.get(frame.dev_addr) if isinstance(keys, KeyStore) else keys
        direction = 0 if frame.is_uplink else 1
        assert (
            compute_mic(sk.nwk_s_key, frame.dev_addr, frame.fcnt32, direction, phy[:-4])
            == frame.mic
        )
    elif frame.mtype in (MType.JOIN_REQUEST, MType.JOIN_ACCEPT):
        assert frame.mic_ok is True
    else:
        assert frame.mic_ok is None


def _check_parse_and_explain(phy: bytes) -> None:
    try:
        parse(phy)
    except FrameError:
        pass
    try:
        explain(phy, nwk_s_key=KEYS.nwk_s_key, app_s_key=KEYS.app_s_key, app_key=KEYS.app_key)
    except FrameError:
        pass


@pytest.mark.timeout(120)
@FUZZ
@given(valid_frames())
def test_valid_frames_round_trip(frame_and_payload):
    phy, payload = frame_and_payload
    frame = decode(phy, KEYS)
    if payload is not None:
        assert frame.mic_ok is True and frame.payload == payload
    explain(phy, nwk_s_key=KEYS.nwk_s_key, app_s_key=KEYS.app_s_key, app_key=KEYS.app_key)


@pytest.mark.timeout(120)
@FUZZ
@given(mutated_frames())
def test_mutated_frames_only_raise_frame_errors(phy):
    _check_parse_and_explain(phy)
    _check_decode(phy, KEYS)
    _check_decode(phy, STORE)


@pytest.mark.timeout(120)
@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_frame_errors(phy):
    _check_parse_and_explain(phy)
    _check_decode(phy, KEYS)
    _check_decode(phy, STORE)


@pytest.mark.timeout(120)
@FUZZ
@given(st.binary(max_size=64), st.booleans())
def test_mac_command_parser_only_raises_mac_command_errors(data, uplink):
    try:
        strict = parse_mac_commands(data, uplink=uplink)
    except MacCommandError as exc:
        assert exc.offset is not None and 0 <= exc.offset < len(data)
    else:
        assert b"".join(c.raw for c in strict) == data
    lenient = parse_mac_commands(data, uplink=uplink, lenient=True)
    assert b"".join(c.raw for c in lenient) == data


def test_single_bit_flips_never_pass_the_mic():
    # exhaustive over every bit of one frame: each flip is caught
    phy = encode_uplink(KEYS.dev_addr, 77, 3, b"sensor reading", KEYS, fopts=MAC_SAMPLES[1])
    caught = 0
    for i in range(len(phy) * 8):
        buf = bytearray(phy)
        buf[i // 8] ^= 1 << (i % 8)
        try:
            decode(bytes(buf), STORE)
        except FrameError:
            caught += 1
    assert caught == len(phy) * 8


@pytest.mark.timeout(120)
def test_bench_fuzz_script_small_run(capsys):
    path = Path(__file__).resolve().parents[1] / "bench" / "fuzz.py"
    spec = importlib.util.spec_from_file_location("bench_fuzz", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--n", "3000", "--pool", "300", "--devices", "10", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "violations: 0" in out and "frames/s" in out and "MicError" in out


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("flip", b"\x41\x01\x02\x03\x04\x00"),  # bit 0 of byte 0
        ("truncate", b""),  # cut from offset 0
        ("extend", b"\x40\x01\x02\x03\x04\x00\xaa"),
        ("fopts_len", b"\x40\x01\x02\x03\x04\x00"),  # low nibble of FCtrl (byte 5) set to 0
        ("mhdr", b"\x00\x01\x02\x03\x04\x00"),
        ("byte", b"\x00\x01\x02\x03\x04\x00"),  # byte 0 set to 0
        ("cut", b"\x01\x02\x03\x04\x00"),  # byte 0 deleted
    ],
)
def test_mutate_once_edits_the_named_part(op, expected):
    buf = bytearray(b"\x40\x01\x02\x03\x04\x00")
    mutate_once(buf, op, lambda lo, hi: lo, lambda lo, hi: b"\xaa" * lo)
    assert bytes(buf) == expected


def test_mutate_once_skips_edits_that_need_a_byte_and_rejects_unknown_ops():
    for op in ("flip", "fopts_len", "mhdr", "byte", "cut"):
        buf = bytearray()
        mutate_once(buf, op, lambda lo, hi: lo, lambda lo, hi: b"")
        assert buf == bytearray()
    with pytest.raises(ValueError, match="unknown mutation"):
        mutate_once(bytearray(b"\x40"), "swap", lambda lo, hi: lo, lambda lo, hi: b"")
