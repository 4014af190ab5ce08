"""Tests for join-request / join-accept handling in toyama_lab.lorawan.batch.decode_batch.

Expected values come from the single-frame join helpers (``toyama_lab.lorawan.join``),
which are checked against published vectors in ``tests/test_lorawan_frames.py``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toyama_lab.lorawan import frames
from toyama_lab.lorawan.batch import STATUSES, decode_batch, encode_batch, status_counts
from toyama_lab.lorawan.join import decode_join_accept, encode_join_accept, encode_join_request
from toyama_lab.lorawan.keys import KeyStore, SessionKeys

JOIN_EUI = bytes.fromhex("70B3D57ED0000001")


def make_store(n: int, seed: int = 3) -> KeyStore:
    rng = np.random.default_rng(seed)
    return KeyStore(
        [
            SessionKeys(
                0x26020000 + i,
                rng.bytes(16),
                rng.bytes(16),
                dev_eui=(0x0004A30B00000000 + i).to_bytes(8, "big"),
                app_key=rng.bytes(16),
            )
            for i in range(n)
        ]
    )


@pytest.fixture(scope="module")
def store() -> KeyStore:
    return make_store(12)


def rx(phy: list[bytes | None]) -> pl.DataFrame:
    return pl.DataFrame({"phy_payload": pl.Series(phy, dtype=pl.Binary)})


def request(k: SessionKeys, nonce: int) -> bytes:
    return encode_join_request(k.app_key, JOIN_EUI, k.dev_eui, nonce)


def accept(k: SessionKeys, *, cf_list: bytes | None = None, addr: int = 0x260AB001) -> bytes:
    return encode_join_accept(
        k.app_key,
        0x00ABCD,
        0x000013,
        addr,
        rx1_dr_offset=2,
        rx2_data_rate=2,
        rx_delay=1,
        cf_list=cf_list,
    )


def test_join_requests_are_verified_with_the_app_key_of_their_dev_eui(store):
    keys = list(store)
    phys = [request(k, 100 + i) for i, k in enumerate(keys)] * 2  # each heard twice
    phys = [request(k, 7 * i) for i, k in enumerate(keys)] + phys[len(keys) :]
    out = decode_batch(rx(phys), store)
    assert out["status"].to_list() == ["join_request"] * len(out)
    assert out["mic_ok"].to_list() == [True] * len(out)
    for row, phy in zip(out.iter_rows(named=True), out["phy_payload"], strict=True):
        jr = frames.parse(phy).join_request
        assert row["dev_eui"] == jr.dev_eui.hex().upper()
        assert row["join_eui"] == jr.app_eui.hex().upper() == JOIN_EUI.hex().upper()
        assert row["dev_nonce"] == jr.dev_nonce
        assert row["mic"] == phy[-4:]
        assert row["fcnt"] is None and row["dev_addr"] is None
    assert status_counts(out)["count"].sum() == len(phys)


def test_join_request_statuses(store):
    k = next(iter(store))
    good = request(k, 9)
    tampered = bytearray(good)
    tampered[17] ^= 0x01  # DevNonce changed, MIC kept
    stranger = encode_join_request(bytes(16), JOIN_EUI, bytes.fromhex("0102030405060708"), 1)
    out = decode_batch(rx([good, bytes(tampered), stranger]), store)
    assert out["status"].to_list() == ["join_request", "bad_mic", "unknown_device"]
    assert out["mic_ok"].to_list() == [True, False, None]
    assert out["dev_eui"].to_list()[2] == "0102030405060708"


@pytest.mark.parametrize("cf_list", [None, bytes(range(16))])
def test_join_accept_after_its_request_is_decrypted(store, cf_list):
    k = list(store)[4]
    ja = accept(k, cf_list=cf_list)
    out = decode_batch(rx([request(k, 5), ja]), store)
    row = out.row(1, named=True)
    ref = decode_join_accept(ja, k.app_key).join_accept
    assert row["status"] == "join_accept" and row["mic_ok"] is True
    assert row["mtype"] == "join_accept"
    assert row["dev_addr"] == f"{ref.dev_addr:08X}" == "260AB001"
    assert row["join_nonce"] == ref.app_nonce
    assert row["net_id"] == f"{ref.net_id:06X}" == "000013"
    assert (row["rx1_dr_offset"], row["rx2_data_rate"], row["rx_delay"]) == (
        ref.rx1_dr_offset,
        ref.rx2_data_rate,
        ref.rx_delay,
    )
    assert row["cf_list"] == cf_list
    assert row["dev_eui"] == k.dev_eui.hex().upper()


def test_join_accept_without_a_key_or_with_the_wrong_one(store):
    a, b = list(store)[:2]
    phys = [accept(a), request(b, 1), accept(a, addr=0x260AB002), accept(b)]
    out = decode_batch(rx(phys), store)
    assert out["status"].to_list() == [
        "join_accept:no_app_key",
        "join_request",
        "join_accept:mic_mismatch",
        "join_accept",
    ]
    assert out["mic_ok"].to_list() == [None, True, False, True]
    assert out["dev_addr"].to_list() == [None, None, None, "260AB001"]
    assert out["join_nonce"].null_count() == 3


def test_joins_mixed_with_data_frames(store):
    k = list(store)[2]
    up = encode_batch([k.dev_addr], [3], [5], [b"abc"], store)[0]
    tampered_accept = bytearray(accept(k))
    tampered_accept[3] ^= 0xFF
    phys = [up, request(k, 2), bytes(tampered_accept), accept(k), None, up]
    out = decode_batch(rx(phys), store)
    assert out["status"].to_list() == [
        "ok",
        "join_request",
        "join_accept:mic_mismatch",
        "join_accept",
        "missing_payload",
    ]
    assert out["frm_payload"][0] == b"abc" and out["dev_addr"][0] == f"{k.dev_addr:08X}"
    assert set(out["status"]) <= set(STATUSES)
    assert status_counts(out)["count"].sum() == len(phys)


def test_join_columns_exist_without_joins(store):
    k = next(iter(store))
    out = decode_batch(rx([encode_batch([k.dev_addr], [1], [1], [b"x"], store)[0]]), store)
    for name in ("join_eui", "dev_eui", "dev_nonce", "join_nonce", "net_id", "cf_list"):
        assert out[name].null_count() == 1


def test_key_store_without_app_keys():
    ks = KeyStore([SessionKeys(0x01020304, bytes(16), bytes(16))])
    k = make_store(1)
    only = next(iter(k))
    out = decode_batch(rx([request(only, 1), accept(only)]), ks)
    assert out["status"].to_list() == ["unknown_device", "join_accept:no_app_key"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_joins_never_raise(store, data):
    keys = list(store)
    pool = [request(k, i) for i, k in enumerate(keys[:4])] + [accept(k) for k in keys[:4]]
    phys = []
    for _ in range(data.draw(st.integers(1, 12))):
        buf = bytearray(data.draw(st.sampled_from(pool)))
        if data.draw(st.booleans()):
            i = data.draw(st.integers(0, len(buf) - 1))
            buf[i] ^= 1 << data.draw(st.integers(0, 7))
        if data.draw(st.booleans()):
            del buf[data.draw(st.integers(0, len(buf))) :]
        phys.append(bytes(buf))
    out = decode_batch(rx(phys), store)
    assert status_counts(out)["count"].sum() == len(phys)
    assert set(out["status"]) <= set(STATUSES)
    ok_status = out["status"].is_in(["ok", "join_request", "join_accept"])
    assert not (ok_status & ~out["mic_ok"].fill_null(False)).any()
