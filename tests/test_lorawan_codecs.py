"""Tests for toyama_lab.lorawan.codecs (Cayenne LPP, project codecs, FPort registry)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from toyama_lab.lorawan.codecs import (
    BICYCLE_PARK,
    CAYENNE,
    COUNTER,
    FIXED_CODECS,
    GPS_TRACKER,
    LPP_TYPES,
    PEDESTRIAN,
    RAIN,
    REGISTRY,
    RIVER,
    CodecError,
    codec_for_fport,
    decode_by_fport,
    get_codec,
    layout_table,
    registry_table,
)
from toyama_lab.lorawan.codecs._base import int_range

DOCS = Path(__file__).resolve().parents[1] / "docs" / "payload-codecs.md"


def random_columns(codec, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    cols = {}
    for f in codec.fields:
        lo, hi = f.physical_range()
        if f.is_integer:
            cols[f.name] = rng.integers(int(lo), int(hi) + 1, n)
        else:
            cols[f.name] = rng.uniform(lo, hi, n)
    return cols


# --------------------------------------------------------------------------- fixed codecs
@pytest.mark.parametrize("codec", list(FIXED_CODECS.values()), ids=list(FIXED_CODECS))
def test_fixed_round_trip_within_resolution(codec):
    cols = random_columns(codec, 500)
    payloads = codec.encode(cols)
    assert payloads.dtype == pl.Binary
    assert set(payloads.bin.size().to_list()) == {codec.length}
    out = codec.decode(payloads)
    assert out.columns == list(codec.columns)
    for f in codec.fields:
        assert_allclose(out[f.name].to_numpy(), cols[f.name], atol=f.scale / 2 + 1e-9)


@pytest.mark.parametrize("codec", list(FIXED_CODECS.values()), ids=list(FIXED_CODECS))
def test_fixed_extremes_round_trip(codec):
    lo = {f.name: [f.physical_range()[0]] for f in codec.fields}
    hi = {f.name: [f.physical_range()[1]] for f in codec.fields}
    for cols in (lo, hi):
        out = codec.decode(codec.encode(cols))
        for f in codec.fields:
            assert_allclose(out[f.name][0], cols[f.name][0], atol=f.scale / 2 + 1e-9)


@pytest.mark.parametrize(
    ("codec", "columns", "hex_payload"),
    [
        (RAIN, {"rain_mm": [12.3]}, "007b"),
        (RIVER, {"level_cm": [-5]}, "fffb"),
        (PEDESTRIAN, {"count": [258]}, "0102"),
        (BICYCLE_PARK, {"count_in": [1], "count_out": [2], "occupancy": [300]}, "00010002012c"),
        (COUNTER, {"tickets_issued": [40], "waiting": [7], "windows_open": [3]}, "0028000703"),
        (
            GPS_TRACKER,
            {"lat": [36.6959], "lon": [137.2137], "battery_pct": [80], "fix_age_s": [5]},
            "15df599851c92628500005",
        ),
    ],
)
def test_fixed_byte_layout(codec, columns, hex_payload):
    assert codec.encode(columns)[0].hex() == hex_payload


@pytest.mark.parametrize(
    ("codec", "columns", "match"),
    [
        (RAIN, {"rain_mm": [-0.1]}, "out of range 0..6553.5 mm"),
        (RAIN, {"rain_mm": [6553.6]}, "rain_mm"),
        (RIVER, {"level_cm": [40000]}, "level_cm"),
        (PEDESTRIAN, {"count": [65536]}, "row 0"),
        (GPS_TRACKER, {"lat": [91.0], "lon": [0.0], "battery_pct": [1], "fix_age_s": [0]}, "lat"),
        (
            GPS_TRACKER,
            {"lat": [0.0], "lon": [0.0], "battery_pct": [101], "fix_age_s": [0]},
            "battery_pct",
        ),
        (RAIN, {"rain_mm": [np.nan]}, "missing"),
        (RAIN, {"rain": [1.0]}, "missing column"),
        (RAIN, {"rain_mm": ["a"]}, "numeric"),
        (
            BICYCLE_PARK,
            {"count_in": [1], "count_out": [1, 2], "occupancy": [1]},
            "different lengths",
        ),
    ],
)
def test_fixed_encode_errors(codec, columns, match):
    with pytest.raises(CodecError, match=match):
        codec.encode(columns)


def test_fixed_encode_accepts_dataframe_with_extra_columns():
    df = pl.DataFrame({"rain_mm": [0.1, 2.0], "sensor_id": ["rain-1", "rain-2"]})
    assert RAIN.decode(RAIN.encode(df))["rain_mm"].to_list() == [0.1, 2.0]
    with pytest.raises(TypeError, match="dict of arrays"):
        RAIN.encode([1, 2])


def test_fixed_decode_wrong_length():
    bad = pl.Series([b"\x00\x01", b"\x00", None], dtype=pl.Binary)
    with pytest.raises(CodecError, match="row 1 is 1 bytes, expected 2"):
        RAIN.decode(bad)
    out = RAIN.decode(bad, strict=False)
    assert out["rain_mm"].to_list() == [0.1, None, None]
    assert out["_error"].to_list() == [None, "rain: expected 2 bytes", "rain: expected 2 bytes"]


@pytest.mark.parametrize("codec", list(FIXED_CODECS.values()), ids=list(FIXED_CODECS))
def test_layout_table_matches_codec(codec):
    table = layout_table(codec)
    assert table["field"].to_list() == list(codec.columns)
    assert (table["offset"] + table["size"]).max() == codec.length
    assert table["offset"].to_list() == list(codec.offsets)
    assert layout_table(codec.name).equals(table)


# --------------------------------------------------------------------------- Cayenne LPP
@pytest.mark.parametrize(
    ("hex_payload", "expected"),
    [
        ("03670110056700ff", {"temperature_3": 27.2, "temperature_5": 25.5}),
        ("0167ffd7", {"temperature_1": -4.1}),
        (
            "067104d2fb2e0000",
            {"accelerometer_6_x": 1.234, "accelerometer_6_y": -1.234, "accelerometer_6_z": 0.0},
        ),
        (
            "018806765ff2960a0003e8",
            {"gps_1_lat": 42.3519, "gps_1_lon": -87.9094, "gps_1_alt": 10.0},
        ),
    ],
)
def test_cayenne_documented_examples(hex_payload, expected):
    """Examples of the Cayenne LPP documentation (myDevices)."""
    out = CAYENNE.decode([bytes.fromhex(hex_payload)]).row(0, named=True)
    assert out.keys() == expected.keys()
    for k, v in expected.items():
        assert out[k] == pytest.approx(v, abs=1e-9)
    assert CAYENNE.encode({k: [v] for k, v in expected.items()})[0].hex() == hex_payload


def _all_types_columns(n: int, rng) -> dict[str, np.ndarray]:
    cols = {}
    for t in LPP_TYPES.values():
        for f in t.components:
            lo, hi = f.physical_range()
            name = f"{t.name}_{t.type_id % 7}" + (f"_{f.name}" if f.name else "")
            vals = rng.uniform(lo, hi, n) if not f.is_integer else rng.integers(lo, hi + 1, n)
            cols[name] = np.asarray(vals, dtype=np.float64)
    return cols


def test_cayenne_round_trip_all_types():
    rng = np.random.default_rng(5)
    cols = _all_types_columns(50, rng)
    payloads = CAYENNE.encode(cols)
    out = CAYENNE.decode(payloads)
    assert out.columns == list(cols)
    scale = {}
    for t in LPP_TYPES.values():
        for f in t.components:
            scale[f"{t.name}_{t.type_id % 7}" + (f"_{f.name}" if f.name else "")] = f.scale
    for name, values in cols.items():
        assert_allclose(out[name].to_numpy(), values, atol=scale[name] / 2 + 1e-9)


def test_cayenne_null_values_leave_items_out():
    cols = {"temperature_1": [20.0, None, np.nan], "humidity_2": [50.0, 40.0, None]}
    payloads = CAYENNE.encode(pl.DataFrame(cols, strict=False))
    assert payloads.bin.size().to_list() == [7, 3, 0]
    out = CAYENNE.decode(payloads)
    assert out["temperature_1"].to_list() == [20.0, None, None]
    assert out["humidity_2"].to_list() == [50.0, 40.0, None]


def test_cayenne_decode_long():
    long = CAYENNE.decode_long([bytes.fromhex("03670110"), bytes.fromhex("05680a0167ffd7")])
    assert long["row"].to_list() == [0, 1, 1]
    assert long["type"].to_list() == ["temperature", "humidity", "temperature"]
    assert long["channel"].to_list() == [3, 5, 1]
    assert_allclose(long["value"].to_numpy(), [27.2, 5.0, -4.1])


@pytest.mark.parametrize(
    ("hex_payload", "match"),
    [
        ("01", "item header"),
        ("01ff00", "unknown LPP type byte 255"),
        ("016700", "inside an item's data"),
    ],
)
def test_cayenne_decode_errors(hex_payload, match):
    with pytest.raises(CodecError, match=match):
        CAYENNE.decode([bytes.fromhex(hex_payload)])
    with pytest.raises(CodecError, match=match):
        CAYENNE.decode_long([bytes.fromhex(hex_payload)])
    out = CAYENNE.decode([bytes.fromhex("0167ffd7"), bytes.fromhex(hex_payload)], strict=False)
    assert out["_error"][0] is None and match.split()[0] in out["_error"][1]


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        ({"temp_1": [1.0]}, "known type"),
        ({"temperature_300": [1.0]}, "channel must be 0..255"),
        ({"gps_1_lat": [1.0], "gps_1_lon": [1.0]}, "needs columns"),
        ({"humidity_1": [101.0]}, "out of range"),
    ],
)
def test_cayenne_encode_errors(columns, match):
    with pytest.raises(CodecError, match=match):
        CAYENNE.encode(columns)


def test_cayenne_layout_table_covers_types():
    table = CAYENNE.layout_table()
    assert set(table["type_id"].to_list()) == set(LPP_TYPES)
    gps = table.filter(pl.col("type") == "gps")
    assert gps["item_bytes"].to_list() == [11, 11, 11]


# --------------------------------------------------------------------------- registry
def test_registry_ports_and_lookup():
    assert sorted(REGISTRY) == [1, 10, 11, 12, 13, 14, 15]
    assert all(c.fport == p for p, c in REGISTRY.items())
    assert codec_for_fport(13) is RAIN and codec_for_fport(99) is None
    assert get_codec("river") is RIVER
    with pytest.raises(KeyError, match="known codecs"):
        get_codec("wind")
    table = registry_table()
    assert table["codec"].to_list() == [c.name for c in REGISTRY.values()]


def test_decode_by_fport_prefixes_and_errors():
    fport = pl.Series([13, 10, 1, None, 13, 99])
    payloads = pl.Series(
        [b"\x00\x05", b"\x00\x01\x00\x02\x00\x03", bytes.fromhex("0367ffd7"), None, b"\x00", b"zz"],
        dtype=pl.Binary,
    )
    out = decode_by_fport(fport, payloads)
    assert len(out) == 6
    assert out["rain_rain_mm"].to_list() == [0.5, None, None, None, None, None]
    assert out["bicycle_park_occupancy"].to_list()[1] == 3
    assert out["cayenne_temperature_3"].to_list()[2] == pytest.approx(-4.1)
    assert out["payload_error"].to_list() == [
        None,
        None,
        None,
        None,
        "rain: expected 2 bytes",
        None,
    ]
    assert out.columns[-1] == "payload_error"


def test_decode_by_fport_nothing_registered():
    out = decode_by_fport(pl.Series([99]), pl.Series([b"x"], dtype=pl.Binary))
    assert out.columns == ["payload_error"] and out["payload_error"].to_list() == [None]


def test_docs_list_every_codec_field():
    text = DOCS.read_text(encoding="utf-8")
    for codec in FIXED_CODECS.values():
        assert f"FPort {codec.fport}" in text
        for f in codec.fields:
            assert f"`{f.name}`" in text
    for t in LPP_TYPES.values():
        assert f"| {t.type_id} |" in text


def test_int_range():
    assert int_range("int24") == (-(2**23), 2**23 - 1)
    assert int_range("uint8") == (0, 255)


def test_cayenne_repeated_item_first_wins_and_long_order():
    payload = bytes.fromhex("03670110036700ff018806765ff2960a0003e8")
    assert CAYENNE.decode([payload])["temperature_3"].to_list() == [27.2]
    long = CAYENNE.decode_long([payload])
    assert long["component"].to_list() == ["", "", "lat", "lon", "alt"]
    assert long["type_id"].to_list() == [103, 103, 136, 136, 136]
    assert_allclose(long["value"].to_numpy(), [27.2, 25.5, 42.3519, -87.9094, 10.0])


def test_cayenne_empty_inputs():
    assert CAYENNE.decode([]).shape == (0, 0)
    assert CAYENNE.decode_long([b""]).height == 0
    assert CAYENNE.decode([b""], strict=False)["_error"].to_list() == [None]


@pytest.mark.parametrize("module", ["cayenne", "toyama"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"toyama_lab.lorawan.codecs.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0
