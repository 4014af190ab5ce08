"""Tests for the stages of toyama_lab.lorawan.columnar and the fixed decoded schema.

Expected values come from the single-frame code (``toyama_lab.lorawan.frames``) and
from the ``cryptography`` primitives, never from the batch code under test.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import polars as pl
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from toyama_lab.lorawan import frames
from toyama_lab.lorawan.batch import DECODED_SCHEMA, FRAME_SCHEMA, decode_batch, encode_batch
from toyama_lab.lorawan.codecs import CAYENNE, CODEC_NAMES, RAIN, RIVER
from toyama_lab.lorawan.columnar import arrow_c
from toyama_lab.lorawan.columnar.aes import CipherCache, block_major, cmac_blocks
from toyama_lab.lorawan.columnar.columns import hex_rows, sparse_column
from toyama_lab.lorawan.columnar.decrypt import decrypt_payloads
from toyama_lab.lorawan.columnar.frame_crypto import key_table
from toyama_lab.lorawan.columnar.header import read_headers, structural_status
from toyama_lab.lorawan.columnar.joins import JOIN_SCHEMA, decode_joins
from toyama_lab.lorawan.columnar.lookup import HashIndex
from toyama_lab.lorawan.columnar.mac_commands import mac_command_column
from toyama_lab.lorawan.columnar.payloads import (
    CODECS,
    PAYLOAD_SCHEMA,
    choose_codecs,
    decode_payload_columns,
)
from toyama_lab.lorawan.columnar.receptions import COLLAPSED_SCHEMA, check_receptions, collapse
from toyama_lab.lorawan.columnar.status import STATUSES, code, status_counts
from toyama_lab.lorawan.columnar.verify import lookup_devices, verify_data_frames
from toyama_lab.lorawan.errors import KeyStoreError
from toyama_lab.lorawan.keys import KeyStore, SessionKeys

BASE = 0x26030000
MODULES = [
    "aes",
    "arrow_c",
    "columns",
    "decode",
    "decrypt",
    "encode",
    "frame_crypto",
    "header",
    "joins",
    "lookup",
    "mac_commands",
    "payloads",
    "receptions",
    "schema",
    "status",
    "verify",
]


def make_keys(n: int, codecs: dict[int, str] | None = None, seed: int = 11) -> KeyStore:
    rng = np.random.default_rng(seed)
    codecs = codecs or {}
    return KeyStore(
        [SessionKeys(BASE + i, rng.bytes(16), rng.bytes(16), codec=codecs.get(i)) for i in range(n)]
    )


@pytest.fixture(scope="module")
def keys() -> KeyStore:
    return make_keys(8)


def rx(phy) -> pl.DataFrame:
    return pl.DataFrame({"phy_payload": pl.Series(list(phy), dtype=pl.Binary)})


def random_frames(keys: KeyStore, n: int, seed: int, ports=(1, 224)) -> pl.Series:
    """Uplinks with random FPorts and random payload bytes (what an unknown sensor sends)."""
    rng = np.random.default_rng(seed)
    dev = rng.integers(0, len(keys), n)
    fcnt = np.zeros(n, dtype=np.int64)
    for d in range(len(keys)):
        fcnt[dev == d] = np.arange(int((dev == d).sum())) + 1
    payload = [rng.bytes(int(k)) for k in rng.integers(0, 60, n)]
    return encode_batch(BASE + dev, fcnt, rng.integers(*ports, n), payload, keys)


# --------------------------------------------------------------------------- every module
@pytest.mark.parametrize("name", MODULES)
def test_module_docstring_examples(name):
    module = importlib.import_module(f"toyama_lab.lorawan.columnar.{name}")
    assert module.__doc__
    result = doctest.testmod(module)
    assert result.failed == 0


# --------------------------------------------------------------------------- stage 1
def test_check_receptions_types_every_column():
    out = check_receptions(
        pl.DataFrame({"phy_payload": [b"\x01"], "rssi_dbm": [-80.5], "gateway_id": [7]})
    )
    assert out.schema["rssi_dbm"] == pl.Float32 and out["gateway_id"].to_list() == ["7"]
    assert out["snr_db"].to_list() == [None] and out.schema["time"] == COLLAPSED_SCHEMA["time"]


def test_check_receptions_refuses_what_cannot_be_cast():
    bad = pl.DataFrame({"phy_payload": [b"\x01"], "time": ["not a time"]})
    with pytest.raises(TypeError, match="time"):
        check_receptions(bad)


def test_collapse_keeps_first_and_counts():
    rx_ = check_receptions(
        pl.DataFrame(
            {
                "phy_payload": [b"a", b"b", b"a", None, None],
                "gateway_id": ["g1", "g1", "g2", "g3", "g3"],
                "snr_db": pl.Series([1.0, 2.0, 5.0, 0.0, 0.0], dtype=pl.Float32),
            }
        )
    )
    out = collapse(rx_)
    assert out["n_receptions"].to_list() == [2, 1, 1, 1]
    assert out["gateways"].to_list() == [["g1", "g2"], ["g1"], ["g3"], ["g3"]]
    assert out["snr_db"].to_list() == [5.0, 2.0, 0.0, 0.0]
    assert out.drop("phy_payload", "_first").schema == pl.Schema(COLLAPSED_SCHEMA)


# --------------------------------------------------------------------------- stage 2
def _rows_of(buf, start, length):
    return [bytes(buf[a : a + k]) for a, k in zip(start.tolist(), length.tolist(), strict=True)]


@pytest.mark.parametrize(("seed", "chunked"), [(0, True), (1, False), (2, False)])
def test_binary_buffer_gives_every_row_and_zero_margins(seed, chunked):
    rng = np.random.default_rng(seed)
    n = 3000
    lengths = rng.choice([0, 1, 11, 12, 13, 40, 255], n)
    rows = [None if rng.random() < 0.05 else rng.bytes(int(k)) for k in lengths]
    # three chunks (rechunked first), or one chunk whose slice starts at view 7
    whole = pl.concat(
        [pl.Series(rows[:1000], dtype=pl.Binary), pl.Series(rows[1000:], dtype=pl.Binary)],
        rechunk=False,
    ).append(pl.Series([b"z" * 20], dtype=pl.Binary))
    series = (whole if chunked else whole.rechunk()).slice(7)
    want = [*rows, b"z" * 20][7:]
    buf, start, length, is_null = arrow_c.binary_buffer(series, before=16, after=48)
    assert _rows_of(buf, start, length) == [b"" if r is None else r for r in want]
    assert is_null.tolist() == [r is None for r in want]
    longest = int(length.max())
    assert int(start.min()) >= 16 and not buf[:16].any() and not buf[-(48 + longest) :].any()
    # the polars-only route (for any other Arrow layout) gives the same rows
    buf2, start2, length2 = arrow_c._by_list_cast(series, 16, 48)
    assert _rows_of(buf2, start2, length2) == _rows_of(buf, start, length)
    assert not buf2[:16].any() and not buf2[-(48 + longest) :].any()


def test_binary_buffer_of_empty_and_all_null_columns():
    buf, start, length, is_null = arrow_c.binary_buffer(pl.Series([], dtype=pl.Binary), 16, 4)
    assert len(start) == len(length) == len(is_null) == 0 and len(buf) == 20 and not buf.any()
    buf, start, length, is_null = arrow_c.binary_buffer(pl.Series([None, None], dtype=pl.Binary))
    assert length.tolist() == [0, 0] and is_null.tolist() == [True, True]
    with pytest.raises(TypeError, match="Binary"):
        arrow_c.binary_buffer(pl.Series(["text"]))


def test_binary_buffer_reads_polars_binary_views_through_the_public_stream(monkeypatch):
    """The views route is taken (the list cast is the fallback for other layouts): a
    polars that stops exporting ``Binary`` as views through ``__arrow_c_stream__``
    fails here instead of silently decoding at half the speed."""

    def no_cast(*args):
        raise AssertionError("the list-cast fallback was taken")

    monkeypatch.setattr(arrow_c, "_by_list_cast", no_cast)
    series = pl.Series([b"ab", None, bytes(range(40))], dtype=pl.Binary)
    buf, start, length, is_null = arrow_c.binary_buffer(series, 16, 4)
    assert _rows_of(buf, start, length) == [b"ab", b"", bytes(range(40))]
    assert is_null.tolist() == [False, True, False]


def test_a_failing_arrow_stream_raises_its_own_message():
    import ctypes

    stream = arrow_c._Stream()
    text = ctypes.create_string_buffer(b"out of buffers")  # (lives as long as the stream)
    stream.get_last_error = type(stream.get_last_error)(lambda s: ctypes.addressof(text))
    arrow_c._check(stream, 0)  # success: nothing raised
    with pytest.raises(RuntimeError, match="out of buffers"):
        arrow_c._check(stream, 12)
    assert ctypes.sizeof(stream) == 5 * ctypes.sizeof(ctypes.c_void_p)  # ArrowArrayStream


def test_read_headers_agrees_with_parse(keys):
    phy = encode_batch(
        [BASE, BASE + 1], [3, 70000], [5, -1], [b"abc", b""], keys, fopts=[b"\x02", b""]
    )
    h = read_headers(phy)
    for i, p in enumerate(phy.to_list()):
        ref = frames.parse(p)
        assert int(h.dev_addr[i]) == ref.fhdr.dev_addr
        assert int(h.fcnt16[i]) == ref.fhdr.fcnt
        assert int(h.fopts_len[i]) == len(ref.fhdr.fopts)
        assert int(h.fport[i]) == (-1 if ref.fport is None else ref.fport)
        assert int(h.pay_len[i]) == len(ref.frm_payload or b"")


def test_structural_status_sets_aside_what_is_not_a_data_frame():
    h = read_headers(pl.Series([None, b"", b"\xe0\x01", b"\x40" + bytes(11)], dtype=pl.Binary))
    status, decided = structural_status(h)
    assert [STATUSES[s] for s in status] == [
        "missing_payload",
        "malformed:empty",
        "proprietary",
        "ok",
    ]
    assert decided.tolist() == [True, True, True, False]


# --------------------------------------------------------------------------- stages 3-4
def test_verify_and_decrypt_agree_with_the_single_frame_decoder(keys):
    phy = random_frames(keys, 120, seed=1).to_list()
    tampered = bytearray(phy[5])
    tampered[-2] ^= 0x40
    phy[5] = bytes(tampered)
    phy = pl.Series(phy, dtype=pl.Binary)
    h = read_headers(phy)
    status, decided = structural_status(h)
    table = key_table(keys)
    dev = lookup_devices(h, table)
    v = verify_data_frames(h, status, decided, dev, table)
    plain, has_plain = decrypt_payloads(h, v, dev, table)
    assert STATUSES[status[5]] == "bad_mic" and not has_plain[5]
    for i, p in enumerate(phy.to_list()):
        if i == 5:
            continue
        ref = frames.decode(p, keys, fcnt_msb=int(v.fcnt32[i]) >> 16)
        assert ref.mic_ok and v.mic_ok[i] and int(v.fcnt32[i]) == ref.fcnt32
        assert plain[i, : h.pay_len[i]].tobytes() == (ref.payload or b"")


def test_cmac_blocks_match_cryptography():
    rng = np.random.default_rng(4)
    keys_ = [rng.bytes(16) for _ in range(3)]
    group = np.sort(rng.integers(0, 3, 50))
    # every case of the last block: empty message, complete blocks, 1..15 bytes left
    lengths = np.concatenate([[0, 16, 32, 48, 64, 1, 15, 17], rng.integers(0, 65, 42)])
    msgs = rng.integers(0, 256, (50, 64), dtype=np.uint8)
    cache = CipherCache(keys_)
    # the subkeys of group 2 are made by a first call, those of 0 and 1 by the second
    first = cmac_blocks(
        cache, block_major(msgs[group == 2]), lengths[group == 2], group[group == 2]
    )
    tags = cmac_blocks(cache, block_major(msgs), lengths, group)
    assert np.array_equal(first, tags[group == 2])
    for i in range(50):
        ref = CMAC(algorithms.AES(keys_[group[i]]))
        ref.update(msgs[i, : lengths[i]].tobytes())
        assert tags[i].tobytes() == ref.finalize()
    with pytest.raises(ValueError, match="rounds"):
        cmac_blocks(CipherCache(keys_), block_major(msgs[:, :16]), lengths, group)


# --------------------------------------------------------------------------- stage 5
def test_join_columns_are_typed_nulls_without_joins(keys):
    h = read_headers(random_frames(keys, 3, seed=2))
    status, _ = structural_status(h)
    joins = decode_joins(keys, h, status)
    assert (
        joins.columns.schema == pl.Schema(JOIN_SCHEMA)
        and joins.columns.null_count().row(0) == (3,) * 9
    )


def test_mac_command_column_reads_fopts_and_port_zero():
    header = np.zeros((3, 24), dtype=np.uint8)
    header[0, 8:10] = [0x02, 0x0D]  # LinkCheckReq, DeviceTimeReq in FOpts
    plain = np.zeros((3, 16), dtype=np.uint8)
    plain[1, 0] = 0x02  # LinkCheckReq in an FPort 0 payload
    col = mac_command_column(
        header,
        np.array([True, False, False]),
        np.array([2, 0, 0]),
        plain,
        np.array([True, True, True]),
        np.array([1, 0, 1]),
        np.array([0, 1, 0]),
        np.zeros(3, dtype=np.uint8),
    )
    assert col.to_list() == [["LinkCheckReq", "DeviceTimeReq"], ["LinkCheckReq"], None]


# --------------------------------------------------------------------------- stage 6
def test_choose_codecs_prefers_the_device_profile():
    rain, cayenne = CODEC_NAMES.index("rain"), CODEC_NAMES.index("cayenne")
    got = choose_codecs(
        np.array([13, 13, 99, 0, 224, 13, -1]),
        np.array([True, True, True, True, True, False, True]),
        np.array([-1, cayenne, rain, rain, rain, -1, rain]),
    )
    assert got.tolist() == [rain, cayenne, rain, -1, -1, -1, -1]


@pytest.mark.parametrize(
    "codec_rows",
    [[-1, -1, -1], [0, -1, 0], [CODEC_NAMES.index("rain"), 0, -1]],
)
def test_payload_columns_are_fixed(codec_rows):
    payloads = pl.Series([b"\x03\x67\x01\x10", b"\x00\x05", b""], dtype=pl.Binary)
    out = decode_payload_columns(payloads, np.array(codec_rows))
    assert out.schema == pl.Schema(PAYLOAD_SCHEMA) and len(out) == 3
    names = [None if k < 0 else CODECS[k].name for k in codec_rows]
    assert out["codec"].to_list() == names


def test_cayenne_items_are_one_list_column():
    payloads = CAYENNE.encode(
        {"temperature_3": np.array([27.2, np.nan]), "humidity_5": np.array([64.5, 50.0])}
    )
    out = CAYENNE.decode_columns(pl.concat([payloads, pl.Series([b"", b"\x01\x99"])]))
    items = out["cayenne"].to_list()
    assert [(i["type"], i["channel"], i["value"]) for i in items[0]] == [
        ("temperature", 3, 27.2),
        ("humidity", 5, 64.5),
    ]
    assert items[1] == [
        {"channel": 5, "type_id": 104, "type": "humidity", "component": "", "value": 50.0}
    ]
    assert items[2] == [] and items[3] == []
    assert out["payload_error"].to_list()[:3] == [None, None, None]
    assert "unknown LPP type" in out["payload_error"][3]


def test_fixed_codec_decode_columns_report_bad_lengths():
    out = RIVER.decode_columns(pl.Series([b"\x00\x7b", b"\x01"], dtype=pl.Binary))
    assert out.schema == pl.Schema({**RIVER.decoded_schema(), "payload_error": pl.String})
    assert out["river_level_cm"].to_list() == [123, None]
    assert out["payload_error"].to_list() == [None, "river: expected 2 bytes"]


# --------------------------------------------------------------------------- schema
def test_two_batches_with_different_payloads_have_one_schema(keys, tmp_path):
    cayenne = CAYENNE.encode(
        {
            "temperature_3": np.array([21.5]),
            "gps_1_lat": np.array([36.7]),
            "gps_1_lon": np.array([137.2]),
            "gps_1_alt": np.array([10.0]),
        }
    )
    first = decode_batch(rx(random_frames(keys, 200, seed=3)), keys)
    second = decode_batch(
        pl.DataFrame(
            {
                "phy_payload": encode_batch([BASE], [900], [1], cayenne, keys),
                "gateway_id": ["gw-7"],
                "rssi_dbm": pl.Series([-99.0], dtype=pl.Float32),
            }
        ),
        keys,
    )
    empty = decode_batch(rx([]), keys)
    assert first.schema == second.schema == empty.schema == pl.Schema(DECODED_SCHEMA)
    assert (first["codec"] == "cayenne").any()  # random bytes on FPort 1 add no column
    assert [i["type"] for i in second["cayenne"][0]] == ["temperature", "gps", "gps", "gps"]
    first.write_parquet(tmp_path / "part-0.parquet")
    second.write_parquet(tmp_path / "part-1.parquet")
    both = pl.read_parquet(tmp_path / "part-*.parquet")
    assert len(both) == len(first) + 1 and both.schema == first.schema


def test_frame_schema_without_payloads(keys):
    out = decode_batch(rx(random_frames(keys, 5, seed=4)), keys, decode_payloads=False)
    assert out.schema == pl.Schema(FRAME_SCHEMA)
    assert not set(PAYLOAD_SCHEMA) & set(out.columns)


# --------------------------------------------------------------------------- per device
def test_codec_of_the_device_profile_wins_over_the_port():
    keys = make_keys(3, codecs={1: "rain"})
    payload = RAIN.encode({"rain_mm": np.array([1.2, 1.2, 1.2])})
    phy = encode_batch([BASE, BASE + 1, BASE + 2], [1, 1, 1], [13, 99, 99], payload, keys)
    out = decode_batch(rx(phy), keys)
    assert out["codec"].to_list() == ["rain", "rain", None]
    assert out["rain_rain_mm"].to_list() == [1.2, 1.2, None]


def test_key_file_carries_the_codec(tmp_path):
    keys = make_keys(2, codecs={0: "river"})
    for suffix in (".csv", ".jsonl"):
        back = KeyStore.load(keys.save(tmp_path / f"keys{suffix}"))
        assert [k.codec for k in back] == ["river", None]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "dev_addr,nwk_s_key,app_s_key,codec\n26011BDA," + "00" * 16 + "," + "11" * 16 + ",bogus\n"
    )
    with pytest.raises(KeyStoreError, match=r"line 2, column 'codec'.*bogus"):
        KeyStore.load(bad)
    with pytest.raises(ValueError, match="not a payload codec"):
        SessionKeys(1, bytes(16), bytes(16), codec="bogus")


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 20000])
def test_hash_index_finds_every_key_and_only_those(n):
    rng = np.random.default_rng(n)
    keys = rng.choice(1 << 40, n, replace=False).astype(np.uint64)
    queries = np.concatenate([keys, rng.integers(0, 1 << 40, 500, dtype=np.uint64)])
    rng.shuffle(queries)
    row = {int(k): i for i, k in enumerate(keys)}
    want = [row.get(int(q), -1) for q in queries]
    assert HashIndex(keys).find(queries).tolist() == want


def test_hash_index_with_keys_that_share_their_first_slot():
    # 300 keys whose Fibonacci hash (the top 11 bits of key * 2**64 / golden ratio, the
    # slot of a 300-key index) is 0: one probe walk through all of them
    candidates = np.arange(2_000_000, dtype=np.uint64)
    slot = (candidates * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - 11)
    keys = candidates[slot == 0][:300]
    assert len(keys) == 300
    index = HashIndex(keys)
    assert index.find(keys).tolist() == list(range(300))
    assert index.find(keys + np.uint64(1)).tolist() == [-1] * 300
    with pytest.raises(ValueError, match="distinct"):
        HashIndex(np.array([5, 9, 5], dtype=np.uint32))


def test_key_table_is_rebuilt_when_an_entry_is_replaced():
    keys = make_keys(3)
    table = key_table(keys)
    assert key_table(keys) is table
    first = next(iter(keys))
    # KeyStore has no public setter; a private replacement must still not serve stale keys
    keys._by_addr[first.dev_addr] = SessionKeys(first.dev_addr, bytes(16), bytes(16))
    assert key_table(keys) is not table


def test_changing_a_codec_rebuilds_the_key_table():
    keys = make_keys(2)
    assert key_table(keys).codec.tolist() == [-1, -1]
    other = make_keys(2, codecs={1: "gps"})
    assert key_table(other).codec.tolist() == [-1, CODEC_NAMES.index("gps")]


# --------------------------------------------------------------------------- helpers
def test_status_codes_and_counts():
    assert STATUSES[code("fcnt_gap")] == "fcnt_gap"
    out = pl.DataFrame({"status": ["ok", "ok", "bad_mic"], "n_receptions": [3, 1, 1]})
    assert status_counts(out).rows() == [("duplicate", 2), ("ok", 2), ("bad_mic", 1)]


def test_sparse_column_and_hex_rows():
    assert sparse_column(3, np.array([], dtype=np.int64), [], pl.String).to_list() == [None] * 3
    assert sparse_column(2, np.array([0]), ["x"], pl.String).to_list() == ["x", None]
    cf = pl.Series([b"\x01\x02", b"\xff" * 16])
    assert sparse_column(3, np.array([0, 2]), cf, pl.Binary).to_list() == [
        b"\x01\x02",
        None,
        b"\xff" * 16,
    ]
    assert hex_rows(np.array([[0, 255], [1, 2]], dtype=np.uint8)).to_list() == ["00FF", "0102"]


def test_doc_lists_every_decoded_column():
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "decoded-schema.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1:3] for line in doc.splitlines() if line.startswith("| `")]
    listed = {cell.strip().strip("`"): kind.strip() for cell, kind in rows}
    assert list(listed) == list(DECODED_SCHEMA)
    for column, dtype in DECODED_SCHEMA.items():  # the type's name, before any parameters
        assert listed[column].split("(")[0] == str(dtype).split("(")[0], column


def test_long_table_recipe_of_the_doc(keys):
    payload = CAYENNE.encode({"temperature_3": np.array([21.5]), "humidity_5": np.array([60.0])})
    part = decode_batch(rx(encode_batch([BASE], [1], [1], payload, keys)), keys)
    items = (
        part.select("dev_addr", "fcnt", "time", "cayenne")
        .explode("cayenne")
        .unnest("cayenne")
        .drop_nulls("channel")
    )
    assert items.select("channel", "type", "value").rows() == [
        (3, "temperature", 21.5),
        (5, "humidity", 60.0),
    ]


def test_unaligned_u32_reads_little_endian_words_at_any_offset():
    from toyama_lab.lorawan.columnar.columns import unaligned_u32

    flat = np.arange(1, 11, dtype=np.uint8)
    words = unaligned_u32(flat)
    assert len(words) == 7
    for i in (0, 1, 3, 6):
        assert int(words[i]) == int.from_bytes(bytes(flat[i : i + 4]), "little")
    assert len(unaligned_u32(np.zeros(2, dtype=np.uint8))) == 0


def test_ecb_runs_matches_cryptography_per_run():
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    from toyama_lab.lorawan.columnar.aes import ecb_runs

    rng = np.random.default_rng(3)
    keys_ = [rng.bytes(16) for _ in range(3)]
    blocks = rng.integers(0, 256, (7, 16), dtype=np.uint8)
    starts, stops, group = np.array([0, 2, 5]), np.array([2, 5, 7]), np.array([2, 0, 1])
    out = ecb_runs(CipherCache(keys_), blocks, group, starts, stops)
    for a, b, g in zip(starts, stops, group, strict=True):
        enc = Cipher(algorithms.AES(keys_[g]), modes.ECB()).encryptor()
        assert out[a:b].tobytes() == enc.update(blocks[a:b].tobytes())


@pytest.mark.parametrize("spread", ["even", "ragged"])
def test_crypt_payload_matches_single_frame_cipher(spread):
    """Both keystream layouts (whole rows for even lengths, ragged for spread ones)."""
    from toyama_lab.lorawan import crypto
    from toyama_lab.lorawan.columnar.frame_crypto import crypt_payload, key_table
    from toyama_lab.lorawan.keys import KeyStore

    rng = np.random.default_rng(11 if spread == "even" else 12)
    n_dev, n = 4, 40
    ks = KeyStore.from_records(
        [
            {
                "dev_addr": f"{0x26010000 + i:08X}",
                "nwk_s_key": rng.bytes(16).hex(),
                "app_s_key": rng.bytes(16).hex(),
            }
            for i in range(n_dev)
        ]
    )
    table = key_table(ks)
    dev = rng.integers(0, n_dev, n)
    lengths = rng.integers(28, 33, n) if spread == "even" else rng.integers(0, 100, n)
    w = (int(lengths.max()) + 15) // 16 * 16
    payload = rng.integers(0, 256, (n, w), dtype=np.uint8)
    fport = np.where(rng.random(n) < 0.2, 0, 7)
    direction = rng.integers(0, 2, n)
    fcnt = rng.integers(0, 2**32, n)
    addr = table.addrs[dev]
    out = crypt_payload(table, dev, fport, direction, addr, fcnt, payload, lengths)
    for i in range(n):
        entry = ks.get(int(addr[i]))
        key = entry.nwk_s_key if fport[i] == 0 else entry.app_s_key
        want = crypto.aes_encrypt_payload(
            key, int(addr[i]), int(fcnt[i]), int(direction[i]), payload[i, : lengths[i]].tobytes()
        )
        assert out[i, : lengths[i]].tobytes() == want


# -- session keys of many devices ------------------------------------------------------


def test_derive_session_keys_batch_equals_the_single_device_derivation():
    from toyama_lab.lorawan.columnar.session_keys import derive_session_keys_batch
    from toyama_lab.lorawan.crypto import derive_session_keys

    rng = np.random.default_rng(7)
    n = 50
    app_keys = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    app_nonce = rng.integers(0, 1 << 24, size=n)
    dev_nonce = rng.integers(0, 1 << 16, size=n)
    app_nonce[0], dev_nonce[0] = (1 << 24) - 1, (1 << 16) - 1  # the largest values
    for net_id in (0x13, rng.integers(0, 1 << 24, size=n)):
        nwk, app = derive_session_keys_batch(app_keys, app_nonce, net_id, dev_nonce)
        assert nwk.shape == app.shape == (n, 16) and nwk.dtype == np.uint8
        nets = np.broadcast_to(net_id, n)
        for i in range(n):
            want = derive_session_keys(
                app_keys[i].tobytes(), int(app_nonce[i]), int(nets[i]), int(dev_nonce[i])
            )
            assert (nwk[i].tobytes(), app[i].tobytes()) == want
    nwk, app = derive_session_keys_batch(np.zeros((0, 16), np.uint8), [], 0, [])
    assert nwk.shape == app.shape == (0, 16)


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((np.zeros((2, 15), np.uint8), 0, 0, 0), ValueError, "app_keys"),
        ((np.zeros((2, 16), np.int64), 0, 0, 0), ValueError, "app_keys"),
        (
            (np.zeros((2, 16), np.uint8), [0, 1 << 24], 0, 0),
            ValueError,
            r"app_nonce\[1\] = 16777216 is out of range 0..16777215",
        ),
        ((np.zeros((2, 16), np.uint8), 0, -1, 0), ValueError, r"net_id\[0\] = -1 is out of range"),
        (
            (np.zeros((2, 16), np.uint8), 0, 0, [1 << 16, 0]),
            ValueError,
            r"dev_nonce\[0\] = 65536 is out of range 0..65535",
        ),
        ((np.zeros((2, 16), np.uint8), 0, 0, [1, 2, 3]), ValueError, "dev_nonce has 3 values"),
        ((np.zeros((2, 16), np.uint8), 0.5, 0, 0), TypeError, "app_nonce must hold integers"),
    ],
)
def test_derive_session_keys_batch_refuses_bad_input(args, error, match):
    from toyama_lab.lorawan.columnar.session_keys import derive_session_keys_batch

    with pytest.raises(error, match=match):
        derive_session_keys_batch(*args)


def test_cipher_cache_serves_two_threads_at_once():
    """Runs of 4 KiB on one key from two threads at once (the road's two air threads).

    ``cryptography`` releases the GIL while it enciphers 2 KiB or more; one encryptor
    shared by both threads then raises ``RuntimeError: Already borrowed`` within a few
    hundred calls. Each call has a set of encryptors to itself, and each gets the right
    blocks.
    """
    import threading

    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from toyama_lab.lorawan.columnar.aes import ecb_runs

    key = bytes(range(16))
    cache = CipherCache([key])
    blocks = np.random.default_rng(0).integers(0, 256, (256, 16), dtype=np.uint8)
    want = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(blocks.tobytes())
    one = (np.array([0]), np.array([0]), np.array([len(blocks)]))
    errors, wrong = [], []

    def work():
        try:
            for _ in range(2000):
                if ecb_runs(cache, blocks, *one).tobytes() != want:
                    wrong.append(1)
        except Exception as exc:  # collected, asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and wrong == []
    assert 1 <= len(cache._free) <= 2  # a second set only when both calls ran at once


def test_cipher_cache_threads_taking_turns_share_one_set_of_encryptors(monkeypatch):
    """The road's air threads take turns most of the time: one set, each key's encryptor
    made once (about 9 microseconds each with the GIL held), not once per thread."""
    import threading

    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    from toyama_lab.lorawan.columnar import aes

    keys_ = [bytes([i]) * 16 for i in range(5)]
    cache = CipherCache(keys_)
    blocks = np.arange(5 * 16, dtype=np.uint8).reshape(5, 16)
    made, got = [], []
    missing = aes._Updaters.__missing__

    def counted(self, group):
        made.append(group)
        return missing(self, group)

    def work():
        got.append(aes.ecb_runs(cache, blocks, np.arange(5), np.arange(5), np.arange(1, 6)))

    monkeypatch.setattr(aes._Updaters, "__missing__", counted)
    for _ in range(3):
        t = threading.Thread(target=work)
        t.start()
        t.join()
    assert sorted(made) == [0, 1, 2, 3, 4]
    want = [Cipher(algorithms.AES(k), modes.ECB()).encryptor().update(b.tobytes())
            for k, b in zip(keys_, blocks, strict=True)]  # fmt: skip
    assert all(g.tobytes() == b"".join(want) for g in got)
