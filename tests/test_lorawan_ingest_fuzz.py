"""Property tests of every ingest reader on random and mutated bytes.

Contract (``toyama_lab.lorawan.ingest``):

- ``read_receptions`` returns a :data:`RECEPTION_SCHEMA` table or raises
  ``IngestError`` (Parquet that cannot be read, a wrong column type); nothing else;
- every non-blank line of a hex or base64 file becomes exactly one row;
- every non-blank line of a JSON-lines file becomes exactly one row (the records
  here each hold one reception) or one counted error row; a text that is not
  JSON lines (fewer than half of its lines are whole JSON objects or arrays) is
  one document with one error row;
- ``parse_push_data`` returns a table or raises ``IngestError``.
"""

from __future__ import annotations

import base64
import io
import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toyama_lab.lorawan.ingest import (
    RECEPTION_SCHEMA,
    IngestError,
    parse_push_data,
    read_receptions,
    receptions_from_json,
)

PHY = bytes.fromhex("40F17DBE4900020001954378762B11FF0D")
B64 = base64.b64encode(PHY).decode()
PROPS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
    database=None,
)

#: One-reception records of each JSON shape the reader knows (fields as in test_lorawan_ingest).
RECORDS = [
    {"rxpk": [{"tmst": 1, "freq": 923.2, "datr": "SF9BW125", "rssi": -90, "data": B64}]},
    {"tmst": 5, "datr": "SF7BW125", "codr": "4/5", "lsnr": 7.5, "data": B64},
    {
        "phyPayload": B64,
        "txInfo": {
            "frequency": 923400000,
            "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 9}},
        },
        "rxInfo": {"gatewayId": "0016c001f153a14c", "rssi": -60, "snr": 7.5},
    },
    {
        "end_device_ids": {"device_id": "d"},
        "uplink_message": {
            "raw_payload": B64,
            "rx_metadata": [{"gateway_ids": {"gateway_id": "g"}, "rssi": -35, "snr": 5.2}],
        },
    },
]
LINE_BYTES = [json.dumps(r).encode() for r in RECORDS]


def _mutate(data: st.DataObject, line: bytes) -> bytes:
    buf = bytearray(line)
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        pos = data.draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[pos] ^= data.draw(st.integers(1, 255))
        elif op == "cut" and buf:
            del buf[pos]
        elif op == "insert":
            buf[pos:pos] = data.draw(st.binary(min_size=1, max_size=6))
        elif op == "truncate":
            del buf[pos:]
    return bytes(buf)


def _non_blank(raw: bytes) -> list[bytes]:
    out = []
    for ln in raw.removeprefix(b"\xef\xbb\xbf").splitlines():
        try:
            if not ln.decode("utf-8").strip():
                continue
        except UnicodeDecodeError:
            pass
        out.append(ln)
    return out


def _whole_values(lines: list[bytes]) -> int:
    n = 0
    for ln in lines:
        try:
            n += isinstance(json.loads(ln.decode("utf-8")), dict | list)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            pass
    return n


def _read(tmp_path_factory, raw: bytes, fmt: str = "auto") -> pl.DataFrame:
    path = tmp_path_factory.mktemp("fuzz") / "input"
    path.write_bytes(raw)
    df = read_receptions(path, format=fmt)
    assert df.schema == pl.Schema(RECEPTION_SCHEMA)
    return df


@pytest.mark.timeout(120)
@PROPS
@given(
    raw=st.one_of(st.binary(max_size=400), st.binary(max_size=60).map(b"PAR1".__add__)),
    fmt=st.sampled_from(["auto", "json", "hex", "base64"]),
)
def test_random_bytes_give_rows_and_never_raise(tmp_path_factory, raw, fmt):
    try:
        df = _read(tmp_path_factory, raw, fmt)
    except IngestError as exc:  # only a file that claims to be Parquet may be refused
        assert fmt == "auto" and raw.startswith(b"PAR1"), exc
        return
    lines = _non_blank(raw)
    if fmt in ("hex", "base64"):
        assert len(df) == len(lines)
    # every row without bytes says why
    assert df.filter(pl.col("phy_payload").is_null())["ingest_error"].null_count() == 0


@pytest.mark.timeout(120)
@PROPS
@given(data=st.data())
def test_mutated_json_lines_give_one_row_per_line(tmp_path_factory, data):
    picks = data.draw(st.lists(st.integers(0, len(LINE_BYTES) - 1), min_size=1, max_size=8))
    lines = []
    for i in picks:
        line = LINE_BYTES[i]
        if data.draw(st.booleans()):
            line = _mutate(data, line)
        lines.append(line.replace(b"\n", b" ").replace(b"\r", b" "))
    raw = b"\n".join(lines) + b"\n"
    df = _read(tmp_path_factory, raw, "json")
    kept = _non_blank(raw)
    if len(kept) <= 1 or 2 * _whole_values(kept) >= len(kept):
        assert len(df) == len(kept)  # one row per line: a reception or a counted error
    else:
        assert len(df) == 1 and df["ingest_error"][0].startswith(("bad_json: document", "bad_utf8"))
    errors = df["ingest_error"].drop_nulls().to_list()
    for e in errors:
        assert e.split(":")[0] in {
            "bad_json",
            "bad_utf8",
            "bad_shape",
            "unknown_shape",
            "bad_base64",
            "no_phy_payload",
            "size_mismatch",
            "crc_error",
            "bad_field",
            "not_an_uplink",
        }, e


@pytest.mark.timeout(120)
@PROPS
@given(data=st.data())
def test_mutated_hex_and_base64_lines_give_one_row_per_line(tmp_path_factory, data):
    fmt = data.draw(st.sampled_from(["hex", "base64"]))
    text = PHY.hex() if fmt == "hex" else B64
    lines = [
        _mutate(data, text.encode()) if data.draw(st.booleans()) else text.encode()
        for _ in range(data.draw(st.integers(1, 8)))
    ]
    raw = b"\n".join(ln.replace(b"\n", b"").replace(b"\r", b"") for ln in lines)
    df = _read(tmp_path_factory, raw, fmt)
    assert len(df) == len(_non_blank(raw))
    bad = df.filter(pl.col("phy_payload").is_null())["ingest_error"]
    assert bad.null_count() == 0
    assert all(e.startswith((f"bad_{fmt}: line", "bad_utf8: line")) for e in bad)


@pytest.mark.timeout(120)
@PROPS
@given(st.binary(max_size=200))
def test_push_data_raises_only_ingest_error(datagram):
    for blob in (datagram, bytes([2, 0, 0, 0]) + bytes(8) + datagram):
        try:
            df = parse_push_data(blob)
        except IngestError:
            continue
        assert df.schema == pl.Schema(RECEPTION_SCHEMA)


def _parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pl.DataFrame(
        {"phy_payload": [PHY, PHY[:5]], "gateway_id": ["g1", "g2"], "rssi_dbm": [-70.0, -80.0]}
    ).write_parquet(buf)
    return buf.getvalue()


PARQUET = _parquet_bytes()


@pytest.mark.timeout(120)
@PROPS
@given(data=st.data())
def test_mutated_parquet_raises_only_ingest_error(tmp_path_factory, data):
    raw = _mutate(data, PARQUET)
    try:
        df = _read(tmp_path_factory, raw, "parquet")
    except IngestError:
        return
    assert len(df) <= 2


COLUMN_VALUES = {
    "text": st.one_of(st.none(), st.text(max_size=8)),
    "int": st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    "float": st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
}


@pytest.mark.timeout(120)
@PROPS
@given(data=st.data())
def test_parquet_tables_of_any_column_types(tmp_path_factory, data):
    n = data.draw(st.integers(1, 5))
    table = {}
    for column in data.draw(st.sets(st.sampled_from(list(RECEPTION_SCHEMA)), min_size=1)):
        kind = data.draw(st.sampled_from(sorted(COLUMN_VALUES)))
        table[column] = pl.Series(
            data.draw(st.lists(COLUMN_VALUES[kind], min_size=n, max_size=n)),
            dtype={"text": pl.String, "int": pl.Int64, "float": pl.Float64}[kind],
        )
    path = tmp_path_factory.mktemp("fuzz") / "t.parquet"
    pl.DataFrame(table).write_parquet(path)
    try:
        df = read_receptions(path)
    except IngestError as exc:
        assert "column" in str(exc)
        return
    assert len(df) == n and df.schema == pl.Schema(RECEPTION_SCHEMA)
    # a value that was in the file but did not become a value is named in ingest_error
    for column, original in table.items():
        if column in ("ingest_error", "source"):
            continue
        lost = original.is_not_null() & df[column].is_null()
        for err in df["ingest_error"].filter(lost):
            assert f"{column} '" in err


def test_receptions_from_json_bytes_with_bom_and_bad_lines():
    raw = b"\xef\xbb\xbf" + LINE_BYTES[0] + b"\n\xc3\x28\n" + LINE_BYTES[2]
    df = receptions_from_json(raw)
    assert df["source"].to_list() == ["semtech", "unknown", "chirpstack"]
    assert df["ingest_error"][1].startswith("bad_utf8: line 2")
