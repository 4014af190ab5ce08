"""Tests for toyama_lab.lorawan.keys: SessionKeys and KeyStore files."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from toyama_lab.lorawan import FrameError, KeyStore, KeyStoreError, SessionKeys

NWK = "2B7E151628AED2A6ABF7158809CF4F3C"
APP = "000102030405060708090A0B0C0D0E0F"
APPKEY = "F0E1D2C3B4A5968778695A4B3C2D1E0F"


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _records():
    return [
        {"dev_addr": "26011BDA", "nwk_s_key": NWK, "app_s_key": APP},
        {
            "dev_addr": "0x260B0001",
            "nwk_s_key": NWK.lower(),
            "app_s_key": APP,
            "dev_eui": "0004A30B001C0530",
            "app_key": APPKEY,
        },
    ]


def test_session_keys_repr_redacts_every_key():
    k = SessionKeys(0x26011BDA, bytes.fromhex(NWK), bytes.fromhex(APP), app_key=bytes(16))
    for text in (repr(k), str(k), f"{k}"):
        assert "nwk_s_key=<redacted>" in text
        assert "app_key=<redacted>" in text
        assert NWK.lower() not in text.lower()
        assert APP.lower() not in text.lower()
        assert "26011BDA" in text


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"dev_addr": -1}, ValueError, "32-bit"),
        ({"dev_addr": 2**32}, ValueError, "32-bit"),
        ({"dev_addr": "26011BDA"}, TypeError, "int"),
        ({"nwk_s_key": bytes(15)}, ValueError, "nwk_s_key must be 16 bytes"),
        ({"app_s_key": NWK}, TypeError, "app_s_key must be bytes"),
        ({"dev_eui": bytes(7)}, ValueError, "dev_eui must be 8 bytes"),
        ({"app_key": bytes(17)}, ValueError, "app_key must be 16 bytes"),
    ],
)
def test_session_keys_validation(kwargs, exc, match):
    base = {"dev_addr": 1, "nwk_s_key": bytes(16), "app_s_key": bytes(16)}
    base.update(kwargs)
    with pytest.raises(exc, match=match):
        SessionKeys(**base)


def test_session_keys_is_frozen():
    k = SessionKeys(1, bytes(16), bytes(16))
    with pytest.raises(AttributeError):
        k.dev_addr = 2  # type: ignore[misc]


def test_from_records_lookup_and_container_protocol():
    ks = KeyStore.from_records(_records())
    assert len(ks) == 2
    assert 0x26011BDA in ks and 0x260B0001 in ks and 0x12345678 not in ks
    assert "26011BDA" not in ks and True not in ks
    assert np.uint32(0x26011BDA) in ks and ks.get(np.uint32(0x26011BDA)) is not None
    k = ks.get(0x26011BDA)
    assert k is not None and k.nwk_s_key == bytes.fromhex(NWK)
    assert ks.get(0xDEADBEEF) is None
    other = ks.by_dev_eui(bytes.fromhex("0004A30B001C0530"))
    assert other is not None and other.dev_addr == 0x260B0001
    assert other.app_key == bytes.fromhex(APPKEY)
    assert ks.by_dev_eui(bytes(8)) is None
    assert [k.dev_addr for k in ks] == [0x26011BDA, 0x260B0001]
    assert "redacted" in repr(ks) and NWK not in repr(ks)


def test_dev_addr_is_big_endian_as_written():
    ks = KeyStore.from_records([{"dev_addr": "01020304", "nwk_s_key": NWK, "app_s_key": APP}])
    assert 0x01020304 in ks


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_save_and_load_round_trip(tmp_path, suffix):
    ks = KeyStore.from_records(_records())
    path = ks.save(tmp_path / f"keys{suffix}")
    back = KeyStore.load(path)
    assert [(k.dev_addr, k.nwk_s_key, k.app_s_key, k.dev_eui, k.app_key) for k in back] == [
        (k.dev_addr, k.nwk_s_key, k.app_s_key, k.dev_eui, k.app_key) for k in ks
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"keys{suffix}"]  # no temp file left


def test_records_are_the_rows_save_writes_and_from_records_reads(tmp_path):
    import csv

    from toyama_lab.lorawan.keys import COLUMNS

    ks = KeyStore.from_records(_records())
    rows = ks.records()
    assert all(list(r) == list(COLUMNS) for r in rows)
    assert all(v == v.upper() for r in rows for k, v in r.items() if k != "codec")
    with open(ks.save(tmp_path / "keys.csv"), newline="") as f:
        assert list(csv.DictReader(f)) == rows
    again = KeyStore.from_records(rows)
    assert [(k.dev_addr, k.nwk_s_key, k.dev_eui) for k in again] == [
        (k.dev_addr, k.nwk_s_key, k.dev_eui) for k in ks
    ]


def test_save_replaces_existing_file_atomically(tmp_path):
    p = tmp_path / "keys.csv"
    p.write_text("old")
    KeyStore.from_records(_records()[:1]).save(p)
    assert p.read_text().startswith("dev_addr,nwk_s_key")
    assert len(KeyStore.load(p)) == 1


def test_save_rejects_unknown_suffix(tmp_path):
    with pytest.raises(KeyStoreError, match=r"\.csv or \.jsonl"):
        KeyStore.from_records(_records()).save(tmp_path / "keys.txt")


def test_load_csv_with_blank_lines_bom_and_spaces(tmp_path):
    text = "\ufeffdev_addr, nwk_s_key ,app_s_key\n26011BDA,{0},{1}\n\n260B0001,{0},{1}\n".format(
        NWK, " ".join(APP[i : i + 2] for i in range(0, 32, 2))
    )
    ks = KeyStore.load(_write(tmp_path, "k.csv", text))
    assert len(ks) == 2


_JL = json.dumps({"dev_addr": "26011BDA", "nwk_s_key": NWK, "app_s_key": APP})


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("k.csv", f"# SYNTHETIC keys\ndev_addr,nwk_s_key,app_s_key\n26011BDA,{NWK},{APP}\n"),
        ("k.csv", f"\n  # note\ndev_addr,nwk_s_key,app_s_key\n# x\n26011BDA,{NWK},{APP}\n"),
        ("k.jsonl", f"# SYNTHETIC keys\n{_JL}\n   # trailing note\n"),
        ("keys", f"# SYNTHETIC keys, sniffed as JSON lines\n\n{_JL}\n"),
        (
            "keys",
            f"# SYNTHETIC, sniffed as CSV\ndev_addr,nwk_s_key,app_s_key\n26011BDA,{NWK},{APP}\n",
        ),
    ],
)
def test_load_skips_comment_lines(tmp_path, name, text):
    ks = KeyStore.load(_write(tmp_path, name, text))
    assert list(ks) == [KeyStore.from_records(_records()[:1]).get(0x26011BDA)]


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("k.csv", "# c\n# c\ndev_addr,nwk_s_key,app_s_key\n26011BDA,,x\n", r"line 4: column"),
        ("k.csv", "# c\ndev_addr,nwk_s_key\n", r"line 2: header lacks column\(s\) app_s_key"),
        ("k.jsonl", "# c\n\n[1]\n", r"line 3: expected a JSON object"),
    ],
)
def test_load_errors_count_comment_lines(tmp_path, name, text, match):
    with pytest.raises(KeyStoreError, match=match):
        KeyStore.load(_write(tmp_path, name, text))


def test_load_sniffs_json_lines_without_suffix(tmp_path):
    line = json.dumps({"dev_addr": "26011BDA", "nwk_s_key": NWK, "app_s_key": APP})
    ks = KeyStore.load(_write(tmp_path, "keys", line + "\n\n"))
    assert 0x26011BDA in ks


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        (
            "k.csv",
            f"dev_addr,nwk_s_key\n26011BDA,{NWK}\n",
            r"k\.csv, line 1: header lacks .*app_s_key",
        ),
        (
            "k.csv",
            f"dev_addr,nwk_s_key,app_s_key\n26011BDA,{NWK},ZZ{APP[2:]}\n",
            r"k\.csv, line 2, column 'app_s_key': value is not hexadecimal",
        ),
        (
            "k.csv",
            f"dev_addr,nwk_s_key,app_s_key\n26011BDA,{NWK[:-2]},{APP}\n",
            r"line 2, column 'nwk_s_key': value has 30 hex digits, expected 32",
        ),
        (
            "k.csv",
            f"dev_addr,nwk_s_key,app_s_key\n26011B,{NWK},{APP}\n",
            r"line 2, column 'dev_addr': value '26011B' has 6 hex digits, expected 8",
        ),
        (
            "k.csv",
            f"dev_addr,nwk_s_key,app_s_key\n26011BDA,{NWK},{APP}\n26011bda,{NWK},{APP}\n",
            r"line 3, column 'dev_addr': duplicate DevAddr 26011BDA",
        ),
        (
            "k.csv",
            f"dev_addr,nwk_s_key,app_s_key\n26011BDA,,{APP}\n",
            r"line 2: column 'nwk_s_key' is missing or empty",
        ),
        (
            "k.csv",
            f"dev_addr,nwk_s_key,app_s_key,dev_eui\n26011BDA,{NWK},{APP},0004\n",
            r"line 2, column 'dev_eui': value '0004' has 4 hex digits, expected 16",
        ),
        ("k.jsonl", '{"dev_addr": "26011BDA"\n', r"k\.jsonl, line 1: not valid JSON"),
        ("k.jsonl", "[1, 2]\n", r"line 1: expected a JSON object"),
        (
            "k.jsonl",
            json.dumps({"dev_addr": 5.5, "nwk_s_key": NWK, "app_s_key": APP}),
            r"line 1, column 'dev_addr': expected a hexadecimal string",
        ),
        (
            "k.jsonl",
            "\n" + json.dumps({"dev_addr": "1", "nwk_s_key": NWK, "app_key": APP}),
            r"line 2: column 'app_s_key' is missing",
        ),
    ],
)
def test_load_errors_name_file_line_and_column(tmp_path, name, text, match):
    with pytest.raises(KeyStoreError, match=match) as info:
        KeyStore.load(_write(tmp_path, name, text))
    message = str(info.value)
    assert NWK not in message.upper() and APP not in message.upper()
    assert APP[2:] not in message.upper() and NWK[:-2] not in message.upper()


def test_load_missing_file(tmp_path):
    with pytest.raises(KeyStoreError, match="key file not found"):
        KeyStore.load(tmp_path / "nope.csv")


def test_load_non_utf8_file(tmp_path):
    p = tmp_path / "k.csv"
    p.write_bytes(b"dev_addr,nwk_s_key,app_s_key\n\xff\xfe\n")
    with pytest.raises(KeyStoreError, match="UTF-8"):
        KeyStore.load(p)


def test_keystore_error_is_not_a_frame_error():
    assert issubclass(KeyStoreError, ValueError)
    assert not issubclass(KeyStoreError, FrameError)


def test_from_records_errors_name_record():
    recs = [*_records(), {"dev_addr": "26011BDA", "nwk_s_key": NWK, "app_s_key": APP}]
    with pytest.raises(KeyStoreError, match=r"record 3, column 'dev_addr': duplicate"):
        KeyStore.from_records(recs)
    with pytest.raises(KeyStoreError, match=r"record 1: expected a mapping"):
        KeyStore.from_records(["26011BDA"])  # type: ignore[list-item]
    with pytest.raises(KeyStoreError, match="not a 32-bit"):
        KeyStore.from_records([{"dev_addr": -5, "nwk_s_key": NWK, "app_s_key": APP}])


def test_duplicate_dev_eui_rejected():
    recs = _records()
    recs[0]["dev_eui"] = recs[1]["dev_eui"]
    with pytest.raises(KeyStoreError, match="duplicate DevEUI 0004A30B001C0530"):
        KeyStore.from_records(recs)


def test_int_dev_addr_accepted_in_records():
    ks = KeyStore.from_records([{"dev_addr": 0x26011BDA, "nwk_s_key": NWK, "app_s_key": APP}])
    assert 0x26011BDA in ks


def test_constructor_from_session_keys_and_type_check():
    ks = KeyStore([SessionKeys(1, bytes(16), bytes(16)), SessionKeys(2, bytes(16), bytes(16))])
    assert len(ks) == 2
    with pytest.raises(TypeError, match="expected SessionKeys"):
        KeyStore([{"dev_addr": 1}])  # type: ignore[list-item]


def test_to_polars_schema_and_values():
    df = KeyStore.from_records(_records()).to_polars()
    assert df.schema == pl.Schema(
        {
            "dev_addr": pl.UInt32,
            "nwk_s_key": pl.Binary,
            "app_s_key": pl.Binary,
            "dev_eui": pl.Binary,
            "app_key": pl.Binary,
            "codec": pl.String,
        }
    )
    assert df["dev_addr"].to_list() == [0x26011BDA, 0x260B0001]
    assert df["nwk_s_key"][0] == bytes.fromhex(NWK)
    assert df["dev_eui"].to_list() == [None, bytes.fromhex("0004A30B001C0530")]


def test_to_polars_of_empty_store():
    df = KeyStore().to_polars()
    assert df.height == 0 and df.schema["dev_addr"] == pl.UInt32
