"""Tests for the ``toyama-lab decode`` command."""

from __future__ import annotations

import base64
import json

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from toyama_lab.cli import main
from toyama_lab.lorawan.batch import encode_batch
from toyama_lab.lorawan.codecs import RAIN
from toyama_lab.lorawan.keys import KeyStore

ADDR = 0x26011BDA


@pytest.fixture
def setup(tmp_path):
    keys = KeyStore.from_records(
        [
            {
                "dev_addr": f"{ADDR:08X}",
                "nwk_s_key": "2b7e151628aed2a6abf7158809cf4f3c",
                "app_s_key": "000102030405060708090a0b0c0d0e0f",
            }
        ]
    )
    keys_path = keys.save(tmp_path / "keys.csv")
    payload = RAIN.encode({"rain_mm": np.array([0.5, 1.0, 2.5])}).to_list()
    phy = encode_batch([ADDR] * 3, [1, 2, 3], [13] * 3, payload, keys).to_list()
    return tmp_path, keys_path, phy


def run(*args):
    return CliRunner().invoke(main, ["decode", *map(str, args)])


def test_decode_hex_lines(setup):
    tmp, keys_path, phy = setup
    src = tmp / "frames.hex"
    src.write_text("\n".join(p.hex() for p in [*phy, phy[0]]) + "\nzz\n")
    out = tmp / "sub" / "out.parquet"
    res = run(src, "--keys", keys_path, "--out", out)
    assert res.exit_code == 0, res.output
    df = pl.read_parquet(out)
    assert df["status"].to_list() == ["ok"] * 3 + ["missing_payload"]
    assert df["rain_rain_mm"].to_list()[:3] == [0.5, 1.0, 2.5]
    assert "duplicate" in res.output and "total receptions" in res.output
    assert [p.name for p in out.parent.iterdir()] == ["out.parquet"]  # no temp file left


def test_decode_rxpk_json_and_parquet(setup):
    tmp, keys_path, phy = setup
    src = tmp / "log.jsonl"
    src.write_text(
        "\n".join(
            json.dumps(
                {
                    "rxpk": [
                        {
                            "data": base64.b64encode(p).decode(),
                            "rssi": -80,
                            "lsnr": 3.0,
                            "datr": "SF7BW125",
                        }
                    ]
                }
            )
            for p in phy
        )
    )
    out = tmp / "out.parquet"
    assert run(src, "--keys", keys_path, "--out", out).exit_code == 0
    first = pl.read_parquet(out)
    assert first["fcnt"].to_list() == [1, 2, 3]
    rx = tmp / "rx.parquet"
    pl.DataFrame({"phy_payload": phy}).write_parquet(rx)
    out2 = tmp / "out2.parquet"
    res = run(rx, "--keys", keys_path, "--out", out2, "--format", "parquet", "--no-payloads")
    assert res.exit_code == 0, res.output
    assert "rain_rain_mm" not in pl.read_parquet(out2).columns


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing_input", 1, "does not exist"),
        ("missing_keys", 1, "keys file"),
        ("bad_keys", 1, "cannot read keys"),
        ("bad_format", 2, "Invalid value for '--format'"),
        ("bad_parquet", 1, "no 'phy_payload' column"),
        ("no_keys_for_a_file", 1, "give the session keys with --keys"),
        ("folder_without_network", 1, "generate --network"),
    ],
)
def test_decode_errors(setup, case, code, message):
    tmp, keys_path, phy = setup
    src = tmp / "frames.hex"
    src.write_text(phy[0].hex())
    args = [src, "--keys", keys_path, "--out", tmp / "o.parquet"]
    if case == "missing_input":
        args[0] = tmp / "nope.hex"
    elif case == "missing_keys":
        args[2] = tmp / "nokeys.csv"
    elif case == "bad_keys":
        bad = tmp / "bad.csv"
        bad.write_text("dev_addr,nwk_s_key,app_s_key\nXYZ,00,00\n")
        args[2] = bad
    elif case == "bad_format":
        args += ["--format", "xml"]
    elif case == "bad_parquet":
        args[0] = tmp / "x.parquet"
        pl.DataFrame({"a": [1]}).write_parquet(args[0])
    elif case == "no_keys_for_a_file":
        args = [src, "--out", tmp / "o.parquet"]
    elif case == "folder_without_network":
        (tmp / "plain").mkdir()
        args = [tmp / "plain", "--out", tmp / "o.parquet"]
    res = run(*args)
    assert res.exit_code == code
    assert message in res.output
    assert not (tmp / "o.parquet").exists()


def test_decode_counts_a_non_utf8_line_instead_of_failing(setup):
    tmp, keys_path, phy = setup
    src = tmp / "frames.hex"
    src.write_bytes(
        b"\n".join([phy[0].hex().encode(), b"\x81\x00 latin-1 \xe9", phy[1].hex().encode()])
    )
    out = tmp / "out.parquet"
    res = run(src, "--keys", keys_path, "--out", out)
    assert res.exit_code == 0, res.output
    df = pl.read_parquet(out)
    assert df["status"].to_list() == ["ok", "missing_payload", "ok"]
    assert df["ingest_error"][1].startswith("bad_utf8: line 2: byte 0x81 at column 1")
    assert "total receptions         3" in res.output


def test_cli_formats_are_the_ingest_formats():
    from toyama_lab.cli.decode import INPUT_FORMATS
    from toyama_lab.lorawan.ingest import FORMATS

    assert INPUT_FORMATS == FORMATS


def test_decode_basics_station_updf_lines(setup):
    # LoRa Basics Station updf fields as src/lora.c writes them (DevAddr and MIC signed)
    tmp, keys_path, phy = setup
    lines = []
    for p in phy:
        lines.append(
            json.dumps(
                {
                    "msgtype": "updf",
                    "MHdr": p[0],
                    "DevAddr": int.from_bytes(p[1:5], "little", signed=True),
                    "FCtrl": p[5],
                    "FCnt": int.from_bytes(p[6:8], "little"),
                    "FOpts": "",
                    "FPort": p[8],
                    "FRMPayload": p[9:-4].hex(),
                    "MIC": int.from_bytes(p[-4:], "little", signed=True),
                    "DR": 5,
                    "Freq": 923200000,
                    "upinfo": {"rssi": -80, "snr": 7.0, "rxtime": 1718154123.5},
                }
            )
        )
    src = tmp / "station.jsonl"
    src.write_text("\n".join(lines) + '\n{"msgtype": "timesync", "txtime": 1}\n')
    out = tmp / "out.parquet"
    res = run(src, "--keys", keys_path, "--out", out)
    assert res.exit_code == 0, res.output
    df = pl.read_parquet(out)
    assert df["status"].to_list() == ["ok"] * 3 + ["missing_payload"]
    assert df["rain_rain_mm"].to_list()[:3] == [0.5, 1.0, 2.5]
    assert df["ingest_error"][3].startswith("not_an_uplink: a LoRa Basics Station 'timesync'")
