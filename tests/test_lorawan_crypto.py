"""Tests for toyama_lab.lorawan.crypto against published and cross-checked vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from toyama_lab.lorawan import crypto, parse

VECTORS_PATH = Path(__file__).parent / "data" / "lorawan_vectors.json"
VECTORS = json.loads(VECTORS_PATH.read_text())["vectors"]
H = bytes.fromhex


def _by_kind(kind: str) -> list[dict]:
    return [v for v in VECTORS if v["kind"] == kind]


def test_every_vector_names_its_source():
    assert VECTORS
    for v in VECTORS:
        assert v["source"].strip(), v["name"]


@pytest.mark.parametrize("v", _by_kind("session_keys"), ids=lambda v: v["name"])
def test_derive_session_keys_vectors(v):
    nwk, app = crypto.derive_session_keys(
        H(v["app_key"]), v["app_nonce"], v["net_id"], v["dev_nonce"]
    )
    assert nwk.hex() == v["expect"]["nwk_s_key"]
    assert app.hex() == v["expect"]["app_s_key"]


@pytest.mark.parametrize("v", _by_kind("data"), ids=lambda v: v["name"])
def test_compute_mic_vectors(v):
    phy = H(v["phy"])
    direction = crypto.UPLINK if v["expect"]["mtype"].endswith("_UP") else crypto.DOWNLINK
    dev_addr = int(v["expect"]["dev_addr"], 16)
    mic = crypto.compute_mic(H(v["nwk_s_key"]), dev_addr, v["fcnt32"], direction, phy[:-4])
    assert mic.hex() == v["expect"]["mic"]


@pytest.mark.parametrize(
    "v", [v for v in _by_kind("data") if v["expect"]["payload"]], ids=lambda v: v["name"]
)
def test_aes_encrypt_payload_vectors(v):
    e = v["expect"]
    direction = crypto.UPLINK if e["mtype"].endswith("_UP") else crypto.DOWNLINK
    key = H(v["nwk_s_key"]) if e["fport"] == 0 else H(v["app_s_key"])
    plain = crypto.aes_encrypt_payload(
        key, int(e["dev_addr"], 16), v["fcnt32"], direction, H(e["frm_payload"])
    )
    assert plain.hex() == e["payload"]


@pytest.mark.parametrize("v", _by_kind("join_request"), ids=lambda v: v["name"])
def test_join_request_mic_vectors(v):
    phy = H(v["phy"])
    assert crypto.compute_join_request_mic(H(v["app_key"]), phy[:-4]).hex() == v["expect"]["mic"]


@pytest.mark.parametrize("v", _by_kind("join_accept"), ids=lambda v: v["name"])
def test_join_accept_decrypt_and_mic_vectors(v):
    phy = H(v["phy"])
    key = H(v["app_key"])
    plain = crypto.decrypt_join_accept(key, phy[1:])
    assert plain[-4:].hex() == v["expect"]["mic"]
    assert crypto.compute_join_accept_mic(key, phy[:1] + plain[:-4]) == plain[-4:]
    assert crypto.encrypt_join_accept(key, plain) == phy[1:]


def test_join_accept_uses_aes_decrypt_to_encrypt():
    # §6.2.6: the server runs AES *decrypt*; the device opens with AES *encrypt*.
    key = bytes(range(16))
    body = bytes(range(100, 116))
    ciphertext = crypto.encrypt_join_accept(key, body)
    dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    assert ciphertext == dec.update(body) + dec.finalize()


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 32, 100, 240])
@pytest.mark.parametrize("direction", [0, 1])
def test_payload_encryption_is_an_involution_and_length_preserving(length, direction):
    key = bytes(range(16))
    data = bytes((i * 7) % 256 for i in range(length))
    c = crypto.aes_encrypt_payload(key, 0x26011BDA, 70000, direction, data)
    assert len(c) == length
    assert crypto.aes_encrypt_payload(key, 0x26011BDA, 70000, direction, c) == data
    if length:
        assert c != data


def test_payload_keystream_depends_on_every_block_input():
    key = bytes(16)
    base = crypto.aes_encrypt_payload(key, 1, 1, 0, bytes(16))
    assert crypto.aes_encrypt_payload(key, 2, 1, 0, bytes(16)) != base
    assert crypto.aes_encrypt_payload(key, 1, 2, 0, bytes(16)) != base
    assert crypto.aes_encrypt_payload(key, 1, 1, 1, bytes(16)) != base
    assert crypto.aes_encrypt_payload(bytes([1] * 16), 1, 1, 0, bytes(16)) != base


def test_payload_block_counter_starts_at_one():
    # A_1 = 0x01 | 0x00*4 | Dir | DevAddr(LE) | FCnt(LE) | 0x00 | 0x01 (§4.3.3.1)
    key = bytes(range(16))
    a1 = bytes([1, 0, 0, 0, 0, 0]) + (0x01020304).to_bytes(4, "little") + (5).to_bytes(4, "little")
    a1 += bytes([0, 1])
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    s1 = enc.update(a1) + enc.finalize()
    assert crypto.aes_encrypt_payload(key, 0x01020304, 5, 0, bytes(16)) == s1


def test_mic_uses_full_32_bit_counter():
    key = bytes(range(16))
    msg = bytes(range(12))
    assert crypto.compute_mic(key, 1, 5, 0, msg) != crypto.compute_mic(key, 1, 0x10005, 0, msg)


def test_lp_vector_parses_as_expected_devaddr():
    v = next(v for v in VECTORS if v["name"] == "lp-uplink-test")
    assert parse(H(v["phy"])).dev_addr == int(v["expect"]["dev_addr"], 16)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: crypto.compute_mic(bytes(15), 1, 1, 0, b""), "16 bytes"),
        (lambda: crypto.compute_mic("00" * 16, 1, 1, 0, b""), "16 bytes"),
        (lambda: crypto.compute_mic(bytes(16), 1, 1, 2, b""), "direction"),
        (lambda: crypto.compute_mic(bytes(16), -1, 1, 0, b""), "dev_addr"),
        (lambda: crypto.compute_mic(bytes(16), 1, 2**32, 0, b""), "fcnt32"),
        (lambda: crypto.compute_mic(bytes(16), 1, 1, 0, bytes(256)), "length"),
        (lambda: crypto.aes_encrypt_payload(bytes(16), 1, 1, 0, bytes(16 * 256)), "255"),
        (lambda: crypto.encrypt_join_accept(bytes(16), bytes(15)), "16 or 32"),
        (lambda: crypto.decrypt_join_accept(bytes(16), bytes(20)), "16 or 32"),
        (lambda: crypto.derive_session_keys(bytes(16), 2**24, 0, 0), "app_nonce"),
        (lambda: crypto.derive_session_keys(bytes(16), 0, 2**24, 0), "net_id"),
        (lambda: crypto.derive_session_keys(bytes(16), 0, 0, 2**16), "dev_nonce"),
        (lambda: crypto.compute_join_request_mic(bytes(8), b""), "app_key"),
    ],
)
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
