"""Tests for ``toyama-lab frame explain``: output, JSON, and every error path.

Exit status: 0 success, 2 usage error (bad hex, bad key), 1 invalid frame.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from toyama_lab.cli import main

PHY = "40F17DBE4900020001954378762B11FF0D"
NWK = "44024241ed4ce9a68c6a8bc055233fd3"
APP = "ec925802ae430ca77fd3dd73cb2cc588"


def run(*args: str):
    return CliRunner().invoke(main, ["frame", "explain", *args])


def test_explain_english_with_keys():
    res = run(PHY, "--nwkskey", NWK, "--appskey", APP, "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "verified OK" in res.output
    assert "74657374" in res.output  # "test" decrypted
    assert "49BE7DF1" in res.output
    assert NWK not in res.output.lower() and APP not in res.output.lower()


def test_explain_japanese_default_and_separators():
    spaced = " ".join(PHY[i : i + 2] for i in range(0, len(PHY), 2))
    res = run(spaced)
    assert res.exit_code == 0, res.output
    assert "位置" in res.output and "未検証" in res.output


def test_explain_json():
    res = run("0x" + PHY.lower(), "--json", "--nwkskey", NWK, "--lang", "en")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["frame"] == PHY and doc["lang"] == "en"
    mic = next(r for r in doc["rows"] if r["field"] == "MIC")
    assert mic["offset"] == 13 and mic["bytes_hex"] == "2B11FF0D"
    assert "verified OK" in mic["meaning"]


def test_explain_fcnt_msb_option():
    res = run(PHY, "--nwkskey", NWK, "--fcnt-msb", "1", "--lang", "en")
    assert res.exit_code == 0 and "MISMATCH" in res.output
    res = run(PHY, "--fcnt-msb", "65536")
    assert res.exit_code == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["40F17DBE4900020001zz"], 2, "character 19 of the hex digits"),
        (["40F"], 2, "odd number of hex digits"),
        ([PHY, "--nwkskey", "00" * 15], 2, "has 15 bytes; expected 16"),
        ([PHY, "--appskey", "gg" * 16], 2, "not hexadecimal"),
        ([PHY, "--lang", "fr"], 2, "fr"),
        (["40F17D"], 1, "not a valid LoRaWAN frame: byte 3:"),
        (["C0" + "00" * 12], 1, "byte 0: MHDR 0xC0 has MType 110"),
        (["40" + "00000000" + "05" + "0000" + "00000000"], 1, "byte 5: FOptsLen=5"),
    ],
)
def test_errors(args, code, message):
    res = run(*args)
    assert res.exit_code == code, res.output
    assert message in res.output
    assert "gg" * 16 not in res.output


def test_help_lists_options():
    res = CliRunner().invoke(main, ["frame", "explain", "--help"])
    assert res.exit_code == 0
    for opt in ("--nwkskey", "--appskey", "--appkey", "--lang", "--json", "--fcnt-msb"):
        assert opt in res.output
