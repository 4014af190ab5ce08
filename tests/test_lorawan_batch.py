"""Tests for toyama_lab.lorawan.batch (vectorised encode/decode) and its helpers."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toyama_lab.lorawan import frames
from toyama_lab.lorawan.batch import STATUSES, decode_batch, encode_batch, status_counts
from toyama_lab.lorawan.codecs import RAIN
from toyama_lab.lorawan.columnar.aes import CipherCache, cmac, ecb_by_group
from toyama_lab.lorawan.columnar.columns import (
    binary_from_flat,
    binary_from_padded,
    binary_from_spans,
    binary_to_flat,
    flat_to_padded,
    gather_blocks,
    gather_padded,
    ragged_index,
)
from toyama_lab.lorawan.errors import UnknownDeviceError
from toyama_lab.lorawan.keys import KeyStore

BASE_ADDR = 0x26010000


def make_keys(n: int, seed: int = 7) -> KeyStore:
    rng = np.random.default_rng(seed)
    return KeyStore.from_records(
        [
            {
                "dev_addr": f"{BASE_ADDR + i:08X}",
                "nwk_s_key": rng.bytes(16).hex(),
                "app_s_key": rng.bytes(16).hex(),
            }
            for i in range(n)
        ]
    )


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return make_keys(40)


def rx(phy: list[bytes | None], **extra) -> pl.DataFrame:
    return pl.DataFrame({"phy_payload": pl.Series(phy, dtype=pl.Binary), **extra})


def one(keys: KeyStore, **kw) -> bytes:
    args = {"dev_addr": [BASE_ADDR], "fcnt32": [1], "fport": [2], "payload": [b"hi"]}
    args.update(kw)
    return encode_batch(
        args.pop("dev_addr"),
        args.pop("fcnt32"),
        args.pop("fport"),
        args.pop("payload"),
        keys,
        **args,
    )[0]


# --------------------------------------------------------------------------- helpers
def test_columns_round_trip():
    data = [b"", b"\x01\x02\x03", b"x" * 40, b"\x00"]
    s = pl.Series(data, dtype=pl.Binary)
    flat, offsets, is_null = binary_to_flat(s)
    assert offsets.tolist() == [0, 0, 3, 43, 44]
    assert not is_null.any()
    assert binary_from_flat(flat, offsets).to_list() == data
    padded = flat_to_padded(flat, offsets)
    assert padded.shape == (4, 40)
    assert binary_from_padded(padded, np.diff(offsets)).to_list() == data
    assert flat_to_padded(flat, offsets, width=2)[2].tolist() == [ord("x")] * 2
    assert binary_from_spans(flat, offsets[:-1] + 1, [0, 1, 2, 0]).to_list() == [
        b"",
        b"\x02",
        b"xx",
        b"",
    ]
    g = gather_padded(flat, offsets[:-1], np.diff(offsets), 3)
    assert g[1].tolist() == [1, 2, 3] and g[3].tolist() == [0, 0, 0]


def test_columns_nulls_and_ragged_index():
    flat, offsets, is_null = binary_to_flat(pl.Series([None, b"ab"], dtype=pl.Binary))
    assert is_null.tolist() == [True, False] and offsets.tolist() == [0, 0, 2]
    assert binary_from_flat(flat, offsets, null_mask=is_null).to_list() == [None, b"ab"]
    idx, row = ragged_index(np.array([5, 0]), np.array([2, 3]))
    assert idx.tolist() == [5, 6, 0, 1, 2] and row.tolist() == [0, 0, 1, 1, 1]


@pytest.mark.parametrize(("n", "rounds"), [(0, 3), (5, 0), (7, 1), (5000, 17)])
def test_gather_blocks_is_the_block_major_row_gather(n, rounds):
    # 5000 windows of 272 bytes span several tiles
    rng = np.random.default_rng(n + rounds)
    flat = rng.integers(0, 256, 20_000, dtype=np.uint8)
    starts = rng.integers(0, len(flat) - 16 * rounds + 1, n)
    rows = np.array([flat[s : s + 16 * rounds] for s in starts]).reshape(n, rounds, 16)
    assert np.array_equal(gather_blocks(flat, starts, rounds), rows.transpose(1, 0, 2))


def test_gather_blocks_writes_into_the_array_given():
    flat = np.arange(100, dtype=np.uint8)
    blocks = np.full((3, 2, 16), 7, dtype=np.uint8)
    out = gather_blocks(flat, np.array([0, 10]), 2, out=blocks[1:])
    assert out.base is blocks or np.shares_memory(out, blocks)
    assert (blocks[0] == 7).all() and blocks[1, 1, 0] == 10 and blocks[2, 0, 0] == 16
    with pytest.raises(ValueError, match="C-contiguous"):
        gather_blocks(flat, np.array([0, 10]), 2, out=np.zeros((2, 2, 8), dtype=np.uint8))


def test_gather_blocks_rejects_windows_outside_the_buffer():
    with pytest.raises(IndexError):
        gather_blocks(np.zeros(40, dtype=np.uint8), np.array([0, 20]), 2)
    with pytest.raises(IndexError):
        gather_blocks(np.zeros(8, dtype=np.uint8), np.array([0]), 1)


@pytest.mark.parametrize("n_groups", [1, 3, 7])
def test_vector_cmac_matches_cryptography(n_groups):
    rng = np.random.default_rng(n_groups)
    keys_ = [rng.bytes(16) for _ in range(n_groups)]
    group = np.sort(rng.integers(0, n_groups, 120))
    lengths = rng.integers(0, 70, 120)
    lengths[:3] = [0, 16, 32]  # empty and complete-block messages
    width = (int(lengths.max()) // 16 + 1) * 16
    msgs = rng.integers(0, 256, (120, width), dtype=np.uint8)
    tags = cmac(CipherCache(keys_), msgs, lengths, group)
    for i in range(120):
        ref = CMAC(algorithms.AES(keys_[group[i]]))
        ref.update(msgs[i, : lengths[i]].tobytes())
        assert tags[i].tobytes() == ref.finalize()


def test_vector_cmac_rejects_narrow_matrix():
    with pytest.raises(ValueError, match="width"):
        cmac(CipherCache([bytes(16)]), np.zeros((1, 16), np.uint8), np.array([20]), np.array([0]))


def test_ecb_by_group_matches_cryptography():
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    rng = np.random.default_rng(2)
    keys_ = [rng.bytes(16) for _ in range(3)]
    group = np.array([0, 0, 1, 2, 2, 2])
    blocks = rng.integers(0, 256, (6, 16), dtype=np.uint8)
    out = ecb_by_group(CipherCache(keys_), blocks, group)
    for i, g in enumerate(group):
        enc = Cipher(algorithms.AES(keys_[g]), modes.ECB()).encryptor()
        assert out[i].tobytes() == enc.update(blocks[i].tobytes())


# --------------------------------------------------------------------------- known vector
def test_published_vector_decodes():
    """The example frame of the lora-packet README (DevAddr 49BE7DF1, payload 'test')."""
    ks = KeyStore.from_records(
        [
            {
                "dev_addr": "49BE7DF1",
                "nwk_s_key": "44024241ed4ce9a68c6a8bc055233fd3",
                "app_s_key": "ec925802ae430ca77fd3dd73cb2cc588",
            }
        ]
    )
    out = decode_batch(rx([bytes.fromhex("40F17DBE4900020001954378762B11FF0D")]), ks)
    row = out.row(0, named=True)
    assert (row["dev_addr"], row["fcnt"], row["fport"], row["frm_payload"], row["status"]) == (
        "49BE7DF1",
        2,
        1,
        b"test",
        "ok",
    )
    assert encode_batch([0x49BE7DF1], [2], [1], [b"test"], ks)[0] == bytes.fromhex(
        "40F17DBE4900020001954378762B11FF0D"
    )


# --------------------------------------------------------------------------- round trips
def random_uplinks(keys: KeyStore, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_dev = len(keys)
    dev = rng.integers(0, n_dev, n)
    # per-device increasing counters crossing the 16-bit boundary for some devices
    order = np.argsort(dev, kind="stable")
    rank = np.empty(n, np.int64)
    _, first = np.unique(dev[order], return_index=True)
    sizes = np.diff(np.append(first, n))
    rank[order] = np.arange(n) - np.repeat(first, sizes)
    start = np.where(np.arange(n_dev) % 3 == 0, 65530, rng.integers(0, 1000, n_dev))
    fcnt = start[dev] + rank * rng.integers(1, 4)
    lengths = rng.integers(0, 40, n)
    payload = [rng.bytes(int(k)) for k in lengths]
    fport = rng.integers(1, 224, n)
    fport[lengths == 0] = rng.choice([-1, 5], int((lengths == 0).sum()))
    fopts = [rng.bytes(int(rng.integers(1, 16))) if rng.random() < 0.1 else b"" for _ in range(n)]
    fopts = [b"" if fport[i] == 0 else f for i, f in enumerate(fopts)]
    return {
        "dev_addr": BASE_ADDR + dev,
        "fcnt32": fcnt,
        "fport": fport,
        "payload": payload,
        "fopts": fopts,
        "confirmed": rng.random(n) < 0.2,
        "adr": rng.random(n) < 0.5,
    }


def encode_uplinks(up, keys: KeyStore) -> pl.Series:
    """``encode_batch`` over every column of :func:`random_uplinks`."""
    return encode_batch(
        up["dev_addr"],
        up["fcnt32"],
        up["fport"],
        up["payload"],
        keys,
        fopts=up["fopts"],
        confirmed=up["confirmed"],
        adr=up["adr"],
    )


def test_round_trip_many_devices(keys):
    up = random_uplinks(keys, 3000)
    phy = encode_uplinks(up, keys)
    assert phy.dtype == pl.Binary and len(phy) == 3000
    out = decode_batch(rx(phy.to_list()), keys, decode_payloads=False)
    assert out["status"].to_list() == ["ok"] * 3000
    assert out["mic_ok"].all()
    assert out["fcnt"].to_numpy().tolist() == up["fcnt32"].tolist()
    has_port = up["fport"] >= 0
    assert [p for p, h in zip(out["frm_payload"].to_list(), has_port, strict=True) if h] == [
        p for p, h in zip(up["payload"], has_port, strict=True) if h
    ]
    assert out["fport"].to_list() == [int(p) if p >= 0 else None for p in up["fport"]]
    assert out["fopts"].to_list() == up["fopts"]
    assert out["confirmed"].to_list() == up["confirmed"].tolist()
    assert out["adr"].to_list() == up["adr"].tolist()
    assert out["dev_addr"].to_list() == [f"{a:08X}" for a in up["dev_addr"]]
    expected_mtype = np.where(up["confirmed"], "confirmed_up", "unconfirmed_up")
    assert out["mtype"].to_list() == expected_mtype.tolist()


def test_encode_matches_single_frame_encoder(keys):
    up = random_uplinks(keys, 300, seed=3)
    phy = encode_uplinks(up, keys).to_list()
    for i in range(300):
        ref = frames.encode_uplink(
            int(up["dev_addr"][i]),
            int(up["fcnt32"][i]),
            None if up["fport"][i] < 0 else int(up["fport"][i]),
            up["payload"][i],
            keys,
            confirmed=bool(up["confirmed"][i]),
            adr=bool(up["adr"][i]),
            fopts=up["fopts"][i],
        )
        assert phy[i] == ref, i


def test_decode_matches_single_frame_decoder(keys):
    up = random_uplinks(keys, 200, seed=4)
    phy = encode_batch(
        up["dev_addr"], up["fcnt32"], up["fport"], up["payload"], keys, fopts=up["fopts"]
    ).to_list()
    out = decode_batch(rx(phy), keys, decode_payloads=False)
    for i, row in enumerate(out.iter_rows(named=True)):
        ref = frames.decode(phy[i], keys, fcnt_msb=row["fcnt"] >> 16)
        assert ref.mic_ok and row["fcnt"] == ref.fcnt32
        assert (row["frm_payload"] or b"") == (ref.payload or b"")


def test_mac_commands_on_port_zero_use_network_key(keys):
    phy = one(keys, fport=[0], payload=[b"\x02"])  # LinkCheckReq in FRMPayload
    ref = frames.encode_uplink(BASE_ADDR, 1, 0, b"\x02", keys)
    assert phy == ref
    out = decode_batch(rx([phy]), keys)
    assert out["frm_payload"][0] == b"\x02" and out["status"][0] == "ok"


# --------------------------------------------------------------------------- statuses
def test_duplicates_across_gateways_collapse(keys):
    a, b = one(keys, fcnt32=[1]), one(keys, fcnt32=[2])
    df = rx(
        [a, a, b, a],
        gateway_id=["g1", "g2", "g1", "g3"],
        rssi_dbm=pl.Series([-110.0, -90.0, -100.0, -95.0], dtype=pl.Float32),
        snr_db=pl.Series([-3.0, 5.0, 1.0, 2.0], dtype=pl.Float32),
    )
    out = decode_batch(df, keys)
    assert len(out) == 2
    first = out.row(0, named=True)
    assert first["n_receptions"] == 3 and first["gateways"] == ["g1", "g2", "g3"]
    assert first["rssi_dbm"] == -90.0 and first["snr_db"] == 5.0 and first["fcnt"] == 1
    counts = dict(status_counts(out).iter_rows())
    assert counts == {"ok": 2, "duplicate": 2}
    assert sum(counts.values()) == len(df)


def test_statuses_of_bad_frames(keys):
    good = one(keys, fcnt32=[10])
    tampered = bytearray(one(keys, fcnt32=[11]))
    tampered[9] ^= 0x01
    other = KeyStore.from_records(
        [{"dev_addr": "01020304", "nwk_s_key": "00" * 16, "app_s_key": "11" * 16}]
    )
    unknown = encode_batch([0x01020304], [1], [2], [b"x"], other)[0]
    replay_same = one(keys, fcnt32=[10], payload=[b"other"])
    replay_old = one(keys, fcnt32=[5], payload=[b"old"])
    ahead = one(keys, fcnt32=[10 + 20000])
    join_request = bytes([0x00]) + bytes(22)
    join_accept = bytes([0x20]) + bytes(16)
    proprietary = bytes([0xE0, 1, 2, 3])
    bad_major = bytes([0x41]) + good[1:]
    rfu = bytes([0xC0]) + good[1:]
    fopts_overflow = bytes([0x40]) + good[1:5] + bytes([0x0F]) + good[6:12]
    port0_fopts = bytes([0x40]) + good[1:5] + bytes([0x01, 0, 0, 0x02, 0x00, 1, 2, 3, 4, 5])
    cases = [
        (good, "ok"),
        (bytes(tampered), "bad_mic"),
        (unknown, "unknown_device"),
        (replay_same, "replay"),
        (replay_old, "replay"),
        (ahead, "fcnt_gap"),
        (join_request, "unknown_device"),  # no AppKey for its DevEUI
        (join_accept, "join_accept:no_app_key"),  # no join-request before it
        (proprietary, "proprietary"),
        (good[:11], "malformed:too_short"),
        (bad_major, "malformed:bad_major"),
        (rfu, "malformed:bad_mtype"),
        (fopts_overflow, "malformed:fopts_overflow"),
        (port0_fopts, "malformed:fopts_with_port0"),
        (b"", "malformed:empty"),
        (None, "missing_payload"),
        (bytes([0x00]) + bytes(5), "malformed:too_short"),
    ]
    out = decode_batch(rx([c[0] for c in cases]), keys)
    assert out["status"].to_list() == [c[1] for c in cases]
    # a data frame of a device without keys still shows its address (not the key table's)
    assert out["dev_addr"][:3].to_list() == [good[4:0:-1].hex().upper()] * 2 + ["01020304"]
    assert set(out["status"]) <= set(STATUSES)
    assert not ((out["status"] == "ok") & ~out["mic_ok"].fill_null(False)).any()
    assert out.filter(pl.col("status") == "bad_mic")["frm_payload"].null_count() == 1
    assert status_counts(out)["count"].sum() == len(cases)


def test_forged_frame_does_not_move_the_counter(keys):
    forged = bytearray(one(keys, fcnt32=[5000]))
    forged[-1] ^= 0xFF  # bad MIC with a high counter
    later = one(keys, fcnt32=[3])
    out = decode_batch(rx([one(keys, fcnt32=[2]), bytes(forged), later]), keys)
    assert out["status"].to_list() == ["ok", "bad_mic", "ok"]


def test_last_fcnt_continues_a_session(keys):
    phy = [one(keys, fcnt32=[70000]), one(keys, fcnt32=[69990])]
    out = decode_batch(rx(phy), keys, last_fcnt={BASE_ADDR: 69995})
    assert out["status"].to_list() == ["ok", "replay"]
    assert out["fcnt"].to_list() == [70000, 69990]
    # Without history the upper 16 bits are taken as 0: the MIC fails.
    assert decode_batch(rx(phy[:1]), keys)["status"][0] == "bad_mic"


def test_decoded_payload_columns_via_registry(keys):
    payload = RAIN.encode({"rain_mm": np.array([1.5, 0.0])}).to_list()
    phy = encode_batch([BASE_ADDR, BASE_ADDR + 1], [1, 1], [13, 13], payload, keys)
    out = decode_batch(rx(phy.to_list()), keys)
    assert out["rain_rain_mm"].to_list() == [1.5, 0.0]
    assert out["payload_error"].null_count() == 2


def test_decode_batch_rejects_bad_tables(keys):
    with pytest.raises(TypeError, match="polars DataFrame"):
        decode_batch([b"x"], keys)
    with pytest.raises(ValueError, match="phy_payload"):
        decode_batch(pl.DataFrame({"x": [1]}), keys)
    with pytest.raises(TypeError, match="Binary"):
        decode_batch(pl.DataFrame({"phy_payload": ["40aa"]}), keys)


def test_decode_empty_table(keys):
    out = decode_batch(rx([]), keys)
    assert len(out) == 0 and status_counts(out)["count"].sum() == 0


# --------------------------------------------------------------------------- encoder errors
@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"dev_addr": [0x01]}, UnknownDeviceError, "no session keys"),
        ({"payload": [b"x" * 243]}, ValueError, "at most 242"),
        ({"fopts": [b"x" * 16]}, ValueError, "at most 15"),
        ({"fport": [0], "fopts": [b"\x02"]}, ValueError, "FPort is 0"),
        ({"fport": [-1]}, ValueError, "needs an FPort"),
        ({"fport": [256]}, ValueError, "out of range"),
        ({"fcnt32": [2**32]}, ValueError, "out of range"),
        ({"fcnt32": [1, 2]}, ValueError, "expected 1"),
        ({"payload": [None]}, ValueError, "nulls"),
        ({"fcnt32": [1.5]}, TypeError, "integers"),
        ({"dev_addr": ["zz"]}, ValueError, "hex digits"),
    ],
)
def test_encode_batch_errors(keys, kw, error, match):
    with pytest.raises(error, match=match):
        one(keys, **kw)


def test_encode_accepts_hex_addresses_and_scalars(keys):
    a = encode_batch(pl.Series([f"{BASE_ADDR:08X}"]), 7, 3, [b"abc"], keys, adr=True)
    b = encode_batch([BASE_ADDR], [7], [3], [b"abc"], keys, adr=[True])
    assert a.to_list() == b.to_list()


# --------------------------------------------------------------------------- hostile input
@pytest.fixture(scope="module")
def valid_frames(keys):
    up = random_uplinks(keys, 30, seed=11)
    return encode_batch(
        up["dev_addr"], up["fcnt32"], up["fport"], up["payload"], keys, fopts=up["fopts"]
    ).to_list()


def _check_invariants(out: pl.DataFrame, n_rows: int) -> None:
    assert status_counts(out)["count"].sum() == n_rows
    assert set(out["status"]) <= set(STATUSES)
    not_verified = out["mic_ok"].fill_null(False).not_()
    assert not (not_verified & (out["status"] == "ok")).any()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.binary(max_size=64)), max_size=25))
def test_random_bytes_never_raise(keys, blobs):
    out = decode_batch(rx(blobs), keys)
    _check_invariants(out, len(blobs))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_frames_never_raise(keys, valid_frames, data):
    picks = data.draw(st.lists(st.integers(0, len(valid_frames) - 1), min_size=1, max_size=12))
    blobs = []
    for i in picks:
        f = bytearray(valid_frames[i])
        action = data.draw(st.sampled_from(["flip", "cut", "extend", "same"]))
        if action == "flip":
            pos = data.draw(st.integers(0, len(f) - 1))
            f[pos] ^= data.draw(st.integers(1, 255))
        elif action == "cut":
            f = f[: data.draw(st.integers(0, len(f)))]
        elif action == "extend":
            f += data.draw(st.binary(min_size=1, max_size=8))
        blobs.append(bytes(f))
    out = decode_batch(rx(blobs), keys)
    _check_invariants(out, len(blobs))


def test_downlinks_decode_with_their_direction(keys):
    down = frames.encode_downlink(
        BASE_ADDR + 1, 3, 7, b"cfg", keys, confirmed=True, f_pending=True, ack=True
    )
    row = decode_batch(rx([down]), keys).row(0, named=True)
    assert (row["mtype"], row["status"], row["frm_payload"]) == ("confirmed_down", "ok", b"cfg")
    assert row["f_pending"] is True and row["ack"] is True
    assert row["class_b"] is None and row["adr_ack_req"] is None


def test_fast_and_grouped_paths_give_the_same_table(keys):
    a, b = one(keys, fcnt32=[1]), one(keys, fcnt32=[2])
    extra = {"gateway_id": ["g1", "g2"], "rssi_dbm": pl.Series([-80.0, -90.0], dtype=pl.Float32)}
    unique = decode_batch(rx([a, b], **extra), keys)
    dup = decode_batch(
        rx(
            [a, b, b],
            gateway_id=["g1", "g2", "g3"],
            rssi_dbm=pl.Series([-80.0, -90.0, -70.0], dtype=pl.Float32),
        ),
        keys,
    )
    assert unique.schema == dup.schema
    assert unique["gateways"].to_list() == [["g1"], ["g2"]]
    assert dup["gateways"].to_list() == [["g1"], ["g2", "g3"]]
    assert dup["rssi_dbm"].to_list() == [-80.0, -70.0]


def test_payload_sizes_that_differ_a_lot(keys):
    """One long payload among short ones takes the grouped keystream path."""
    payload = [b"a", b"b" * 200, b"c" * 17, b"", b"d" * 5]
    phy = encode_batch([BASE_ADDR + i for i in range(5)], [1] * 5, [1] * 5, payload, keys)
    assert phy.to_list() == [
        frames.encode_uplink(BASE_ADDR + i, 1, 1, p, keys) for i, p in enumerate(payload)
    ]
    out = decode_batch(rx(phy.to_list()), keys, decode_payloads=False)
    assert out["frm_payload"].to_list() == payload


@pytest.mark.parametrize("history", [False, True])
@pytest.mark.parametrize("kind", ["increasing", "with_replays", "with_gaps", "rollover"])
def test_fcnt_fast_path_matches_core_reconstruction(history, kind):
    from toyama_lab.lorawan.columnar.frame_crypto import rebuild_fcnt32
    from toyama_lab.lorawan.fcnt import reconstruct_fcnt

    rng = np.random.default_rng(len(kind) + history)
    n_dev, n = 20, 2000
    device = np.sort(rng.integers(0, n_dev, n))
    steps = rng.integers(1, 40, n)
    if kind == "with_replays":
        steps[rng.random(n) < 0.05] = 0
    if kind == "with_gaps":
        steps[rng.random(n) < 0.01] = 20000
    start = rng.integers(0, 70000, n_dev) if kind == "rollover" else np.zeros(n_dev, np.int64)
    f32 = start[device] + np.cumsum(steps) - np.cumsum(steps)[np.searchsorted(device, device)]
    f16 = (f32 & 0xFFFF).astype(np.int64)
    last = (start - 1).clip(-1) if history else None
    got = rebuild_fcnt32(f16, device, last)
    ref = reconstruct_fcnt(f16, device, last)
    assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])


def test_key_table_is_kept_per_keystore(keys):
    from toyama_lab.lorawan.columnar.frame_crypto import key_table

    table = key_table(keys)
    assert key_table(keys) is table and table.n == len(keys)
    other = make_keys(3, seed=99)
    assert key_table(other) is not table
    assert table.lookup(np.array([BASE_ADDR + 1, 0x01], dtype=np.uint32)).tolist() == [1, -1]


def test_docstring_examples():
    import doctest

    import toyama_lab.lorawan.batch as public
    import toyama_lab.lorawan.columnar.decode as stages

    for module in (public, stages):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# --------------------------------------------------------------------------- MAC commands
MAC_UP = [
    bytes([0x02]),  # LinkCheckReq
    bytes([0x03, 0x07]),  # LinkADRAns
    bytes([0x06, 0x80, 0x05]),  # DevStatusAns
    bytes([0x0D]),  # DeviceTimeReq
    bytes([0x20, 0x01]),  # RFU CID -> Unknown, ends the buffer
    bytes([0x06, 0x80]),  # DevStatusAns cut short -> Truncated
]


def test_mac_command_names_match_the_single_frame_parser(keys):
    from toyama_lab.lorawan.mac import parse_mac_commands

    rng = np.random.default_rng(5)
    n = 60
    fopts = [
        b"".join(MAC_UP[int(i)] for i in rng.integers(0, len(MAC_UP), int(k)))[:15]
        for k in rng.integers(0, 4, n)
    ]
    fport = np.where(np.arange(n) % 5 == 0, 0, 7)
    payload = [fo or b"\x02" if p == 0 else b"data" for fo, p in zip(fopts, fport, strict=True)]
    fopts = [b"" if p == 0 else fo for fo, p in zip(fopts, fport, strict=True)]
    phy = encode_batch(
        BASE_ADDR + np.arange(n) % 7, np.arange(n) + 1, fport, payload, keys, fopts=fopts
    )
    out = decode_batch(rx(phy.to_list()), keys)
    assert (out["status"] == "ok").all()
    for got, fo, pay, p in zip(out["mac_commands"].to_list(), fopts, payload, fport, strict=True):
        buf = pay if p == 0 else fo
        expected = [c.name for c in parse_mac_commands(buf, uplink=True, lenient=True)]
        assert (got if got is not None else []) == expected
        assert (got is None) == (len(buf) == 0)


def test_mac_commands_only_for_verified_frames(keys):
    good = one(keys, fopts=[bytes([0x02])])
    bad = bytearray(one(keys, fcnt32=[2], fopts=[bytes([0x02])]))
    bad[-1] ^= 0x01
    out = decode_batch(rx([good, bytes(bad), one(keys, fcnt32=[3])]), keys)
    assert out["status"].to_list() == ["ok", "bad_mic", "ok"]
    assert out["mac_commands"].to_list() == [["LinkCheckReq"], None, None]
    from toyama_lab.lorawan.columnar.mac_commands import MAC_NAME_DTYPE

    assert out.schema["mac_commands"] == pl.List(MAC_NAME_DTYPE)
    assert out.filter(pl.col("mac_commands").list.contains("LinkCheckReq")).height == 1


@pytest.mark.parametrize("uplink", [True, False])
def test_split_mac_commands_agrees_with_lenient_parser(uplink):
    from toyama_lab.lorawan.columnar.mac_commands import MAC_NAMES, split_mac_commands
    from toyama_lab.lorawan.mac import parse_mac_commands

    rng = np.random.default_rng(17 + uplink)
    bufs = [bytes(rng.integers(0, 16, int(k)).astype(np.uint8)) for k in rng.integers(0, 21, 300)]
    mat = np.zeros((len(bufs), 24), dtype=np.uint8)
    for i, b in enumerate(bufs):
        mat[i, : len(b)] = list(b)
    row, name, off = split_mac_commands(mat, [len(b) for b in bufs], np.full(len(bufs), uplink))
    for i, b in enumerate(bufs):
        ref = parse_mac_commands(b, uplink=uplink, lenient=True)
        assert [MAC_NAMES[k] for k in name[row == i]] == [c.name for c in ref]
        assert off[row == i].tolist() == [c.offset for c in ref]


def test_too_long_frames_are_malformed_as_parse_says(keys):
    good = one(keys, fcnt32=[30])
    long_data = good[:-4] + bytes(300) + good[-4:]  # data frame over 255 bytes
    long_join_request = bytes([0x00]) + bytes(23)  # 24 bytes
    long_join_accept = bytes([0x20]) + bytes(19)  # 20 bytes: neither 17 nor 33
    cases = [long_data, long_join_request, long_join_accept, bytes([0x20]) + bytes(10)]
    out = decode_batch(rx(cases), keys)
    assert out["status"].to_list() == [
        "malformed:too_long",
        "malformed:too_long",
        "malformed:too_long",
        "malformed:too_short",
    ]
    for phy, status in zip(cases, out["status"], strict=True):
        kind = status.split(":")[1]
        with pytest.raises(
            {"too_long": frames.TooLongError, "too_short": frames.TooShortError}[kind]
        ):
            frames.parse(phy)


def test_rows_without_bytes_are_never_duplicates_and_have_no_mtype(keys):
    good = one(keys, fcnt32=[40])
    out = decode_batch(rx([good, b"", b"", None, None, good]), keys)
    assert out["status"].to_list() == [
        "ok",
        "malformed:empty",
        "malformed:empty",
        "missing_payload",
        "missing_payload",
    ]
    counts = dict(status_counts(out).iter_rows())
    assert counts == {"ok": 1, "malformed:empty": 2, "missing_payload": 2, "duplicate": 1}
    # a row without a frame has null MAC fields, mtype included (no MHDR was read)
    assert out["mtype"].to_list() == ["unconfirmed_up", None, None, None, None]
    assert (
        out.slice(1).select("dev_addr", "fcnt16", "fport", "mic").null_count().sum_horizontal()[0]
        == 4 * 4
    )
    # before the fix a null row read the MHDR of the frame after it
    assert decode_batch(rx([None, good]), keys)["mtype"].to_list() == [None, "unconfirmed_up"]


def test_bench_decode_stage_timers_cover_every_stage_and_restore_them():
    import importlib.util
    from pathlib import Path

    from toyama_lab.lorawan.columnar import decode as stages

    path = Path(__file__).resolve().parents[1] / "bench" / "decode.py"
    spec = importlib.util.spec_from_file_location("bench_decode", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    before = {name: getattr(stages, name) for name in bench.STAGES}
    keys, phy, _, _ = bench.build(50, 5)
    times = bench.stage_times(keys, phy, repeat=2)
    assert list(times) == [*bench.STAGES, "whole decode_batch"]
    assert all(t >= 0 for t in times.values())
    assert sum(times[name] for name in bench.STAGES) <= times["whole decode_batch"] + 1e-3
    assert all(getattr(stages, name) is func for name, func in before.items())
