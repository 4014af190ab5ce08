"""Tests for toyama_lab.lorawan.ingest (Semtech, ChirpStack, TTS readers)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import polars as pl
import pytest

from toyama_lab.lorawan.ingest import (
    FORMATS,
    RECEPTION_SCHEMA,
    IngestError,
    empty_receptions,
    parse_push_data,
    read_receptions,
    receptions_from_json,
    receptions_from_payloads,
)

PHY = bytes.fromhex("40F17DBE4900020001954378762B11FF0D")
B64 = base64.b64encode(PHY).decode()
GW_EUI = bytes.fromhex("AA555A0000000101")


def rxpk(**kw):
    pk = {
        "time": "2013-03-31T16:21:17.528002Z",
        "tmst": 3512348611,
        "chan": 2,
        "rfch": 0,
        "freq": 923.2,
        "stat": 1,
        "modu": "LORA",
        "datr": "SF10BW125",
        "codr": "4/5",
        "rssi": -35,
        "lsnr": 5.1,
        "size": len(PHY),
        "data": B64,
    }
    pk.update(kw)
    return pk


CHIRPSTACK_FRAME = {
    "phyPayload": B64,
    "txInfo": {
        "frequency": 923400000,
        "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 9, "codeRate": "CR_4_5"}},
    },
    "rxInfo": {
        "gatewayId": "0016c001f153a14c",
        "uplinkId": 4217,
        "rssi": -60,
        "snr": 7.5,
        "gwTime": "2024-05-01T03:00:00.123456789Z",
        "crcStatus": "CRC_OK",
    },
}
CHIRPSTACK_EVENT = {
    "deduplicationId": "x",
    "time": "2024-05-01T03:00:01Z",
    "deviceInfo": {"devEui": "0101010101010101"},
    "devAddr": "49be7df1",
    "fCnt": 2,
    "fPort": 1,
    "data": "dGVzdA==",
    "rxInfo": [
        {"gatewayId": "g1", "rssi": -70, "snr": 3.0},
        {"gatewayId": "g2", "rssi": -80, "snr": -1.5},
    ],
    "txInfo": CHIRPSTACK_FRAME["txInfo"],
}
TTS_UPLINK = {
    "end_device_ids": {
        "device_id": "dev1",
        "application_ids": {"application_id": "app1"},
        "dev_addr": "49BE7DF1",
    },
    "received_at": "2024-05-01T03:00:02Z",
    "uplink_message": {
        "f_port": 1,
        "f_cnt": 2,
        "frm_payload": "dGVzdA==",
        "raw_payload": B64,
        "rx_metadata": [
            {
                "gateway_ids": {"gateway_id": "gw1", "eui": "9C5C8EFFFE0A6AD0"},
                "time": "2024-05-01T03:00:00.5Z",
                "timestamp": 2463457000,
                "rssi": -35,
                "channel_rssi": -35,
                "snr": 5.2,
            }
        ],
        "settings": {
            "data_rate": {
                "lora": {"bandwidth": 125000, "spreading_factor": 7, "coding_rate": "4/5"}
            },
            "frequency": "923200000",
        },
    },
}


def test_schema_constant():
    assert list(RECEPTION_SCHEMA)[:12] == [
        "time",
        "gateway_id",
        "freq_hz",
        "sf",
        "bw_hz",
        "datr",
        "codr",
        "rssi_dbm",
        "snr_db",
        "tmst",
        "phy_payload",
        "source",
    ]
    assert empty_receptions().schema == pl.Schema(RECEPTION_SCHEMA)


def test_semtech_rxpk_object():
    df = receptions_from_json({"rxpk": [rxpk(), rxpk(rssi=-90)]}, gateway_id="gw-a")
    assert df.schema == pl.Schema(RECEPTION_SCHEMA)
    row = df.row(0, named=True)
    assert row["time"] == datetime(2013, 3, 31, 16, 21, 17, 528002, tzinfo=UTC)
    assert (row["freq_hz"], row["sf"], row["bw_hz"], row["datr"], row["codr"]) == (
        923200000,
        10,
        125000,
        "SF10BW125",
        "4/5",
    )
    assert row["rssi_dbm"] == -35.0 and row["snr_db"] == pytest.approx(5.1)
    assert row["tmst"] == 3512348611 and row["phy_payload"] == PHY
    assert row["source"] == "semtech" and row["gateway_id"] == "gw-a"
    assert row["ingest_error"] is None
    assert df["rssi_dbm"].to_list() == [-35.0, -90.0]


@pytest.mark.parametrize(
    ("override", "error", "keeps_bytes"),
    [
        ({"stat": -1}, "crc_error", True),
        ({"size": 3}, "size_mismatch", True),
        ({"data": "!!notbase64"}, "bad_base64", False),
        ({"data": None}, "no_phy_payload", False),
    ],
)
def test_semtech_problem_rows_are_kept(override, error, keeps_bytes):
    row = receptions_from_json(rxpk(**override)).row(0, named=True)
    assert row["ingest_error"].startswith(error)
    assert (row["phy_payload"] is not None) == keeps_bytes


def test_push_data_datagram():
    body = json.dumps({"rxpk": [rxpk()], "stat": {"rxnb": 1}}).encode()
    df = parse_push_data(bytes([2, 0x12, 0x34, 0x00]) + GW_EUI + body)
    assert df["gateway_id"].to_list() == ["aa555a0000000101"]
    assert df["phy_payload"].to_list() == [PHY]
    status_only = parse_push_data(bytes([2, 0, 0, 0]) + GW_EUI + b'{"stat": {}}')
    assert status_only.schema == pl.Schema(RECEPTION_SCHEMA)
    assert status_only["ingest_error"].to_list() == [
        "not_an_uplink: a Semtech status report ('stat' without 'rxpk') carries no uplink"
    ]
    assert status_only["gateway_id"].to_list() == ["aa555a0000000101"]


@pytest.mark.parametrize(
    ("datagram", "match"),
    [
        (b"\x02\x00", "too short"),
        (bytes([2, 0, 0, 0x02]) + GW_EUI + b"{}", "not a PUSH_DATA"),
        (bytes([9, 0, 0, 0x00]) + GW_EUI + b"{}", "not a PUSH_DATA"),
        (bytes([2, 0, 0, 0x00]) + GW_EUI + b"{bad", "JSON part is invalid"),
        (bytes([2, 0, 0, 0x00]) + GW_EUI + b"[1]", "expected a JSON object"),
    ],
)
def test_push_data_errors(datagram, match):
    with pytest.raises(IngestError, match=match):
        parse_push_data(datagram)


def test_chirpstack_uplink_frame():
    row = receptions_from_json(CHIRPSTACK_FRAME).row(0, named=True)
    assert row["source"] == "chirpstack" and row["gateway_id"] == "0016c001f153a14c"
    assert (row["freq_hz"], row["sf"], row["bw_hz"], row["datr"], row["codr"]) == (
        923400000,
        9,
        125000,
        "SF9BW125",
        "4/5",
    )
    assert row["time"] == datetime(2024, 5, 1, 3, 0, 0, 123456, tzinfo=UTC)
    assert row["phy_payload"] == PHY and row["ingest_error"] is None


def test_chirpstack_event_without_phy_payload_is_reported():
    df = receptions_from_json(CHIRPSTACK_EVENT)
    assert df["gateway_id"].to_list() == ["g1", "g2"]
    assert df["phy_payload"].null_count() == 2
    assert all(e.startswith("no_phy_payload") for e in df["ingest_error"])
    assert df["time"].to_list() == [datetime(2024, 5, 1, 3, 0, 1, tzinfo=UTC)] * 2


def test_tts_uplink():
    row = receptions_from_json(TTS_UPLINK).row(0, named=True)
    assert row["source"] == "tts" and row["gateway_id"] == "9c5c8efffe0a6ad0"
    assert (row["freq_hz"], row["sf"], row["datr"], row["codr"], row["tmst"]) == (
        923200000,
        7,
        "SF7BW125",
        "4/5",
        2463457000,
    )
    assert row["rssi_dbm"] == -35.0 and row["snr_db"] == pytest.approx(5.2)
    assert row["phy_payload"] == PHY


def test_tts_without_raw_payload():
    msg = json.loads(json.dumps(TTS_UPLINK))
    del msg["uplink_message"]["raw_payload"]
    row = receptions_from_json(msg).row(0, named=True)
    assert row["phy_payload"] is None and row["ingest_error"].startswith("no_phy_payload")


def test_json_lines_mixed_with_bad_lines():
    text = "\n".join(
        [
            json.dumps({"rxpk": [rxpk()]}),
            json.dumps(CHIRPSTACK_FRAME),
            "",
            "not json",
            json.dumps(TTS_UPLINK),
            "[1, 2]",
            json.dumps({"hello": 1}),
        ]
    )
    df = receptions_from_json(text)
    assert df["source"].to_list() == [
        "semtech",
        "chirpstack",
        "unknown",
        "tts",
        "unknown",
        "unknown",
    ]
    errors = df["ingest_error"].to_list()
    assert errors[2].startswith("bad_json: line 4")
    assert errors[4].startswith("bad_shape: line 6")
    assert errors[5].startswith("unknown_shape: line 7")


def test_list_and_forced_source():
    df = receptions_from_json([rxpk(), rxpk()], source="semtech")
    assert len(df) == 2 and df["source"].unique().to_list() == ["semtech"]
    with pytest.raises(ValueError, match="source must be one of"):
        receptions_from_json([], source="lorawan")
    assert len(receptions_from_json("")) == 0


def test_receptions_from_payloads():
    df = receptions_from_payloads([PHY, None], errors=[None, "bad"])
    assert df.schema == pl.Schema(RECEPTION_SCHEMA)
    assert df["source"].to_list() == ["raw", "raw"] and df["ingest_error"][1] == "bad"


# --------------------------------------------------------------------------- files
def test_read_hex_and_base64_lines(tmp_path):
    hex_file = tmp_path / "frames.txt"
    hex_file.write_text(f"{PHY.hex()}\n\n{PHY.hex().upper()}\n")
    df = read_receptions(hex_file)
    assert df["phy_payload"].to_list() == [PHY, PHY] and df["source"][0] == "hex"
    b64_file = tmp_path / "frames.b64"
    b64_file.write_text(f"{B64}\n***\n")
    df = read_receptions(b64_file)
    assert df["phy_payload"].to_list() == [PHY, None]
    assert df["ingest_error"][1] == "bad_base64: line 2 is not valid base64"
    forced = read_receptions(hex_file, format="base64")
    assert forced["source"][0] == "base64"


def test_read_json_array_and_lines(tmp_path):
    arr = tmp_path / "log.json"
    arr.write_text(json.dumps([{"rxpk": [rxpk()]}, TTS_UPLINK]))
    assert read_receptions(arr)["source"].to_list() == ["semtech", "tts"]
    lines = tmp_path / "log.jsonl"
    lines.write_text(json.dumps(CHIRPSTACK_FRAME) + "\n" + json.dumps(TTS_UPLINK) + "\n")
    assert read_receptions(lines, format="json")["source"].to_list() == ["chirpstack", "tts"]


def test_read_parquet(tmp_path):
    path = tmp_path / "rx.parquet"
    pl.DataFrame({"phy_payload": [PHY], "gateway_id": ["g"], "rssi_dbm": [-70]}).write_parquet(path)
    df = read_receptions(path)
    assert df.schema == pl.Schema(RECEPTION_SCHEMA)
    assert df.row(0, named=True)["rssi_dbm"] == -70.0 and df["source"][0] == "parquet"
    hex_path = tmp_path / "hex.parquet"
    pl.DataFrame({"phy_payload": [PHY.hex()]}).write_parquet(hex_path)
    assert read_receptions(hex_path, format="parquet")["phy_payload"][0] == PHY


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_receptions(tmp_path / "missing.json")
    f = tmp_path / "x.txt"
    f.write_text("00")
    with pytest.raises(IngestError, match="unknown format"):
        read_receptions(f, format="xml")
    no_phy = tmp_path / "nophy.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(no_phy)
    with pytest.raises(IngestError, match="no 'phy_payload' column"):
        read_receptions(no_phy)
    with pytest.raises(IngestError, match="Parquet"):
        read_receptions(f, format="parquet")
    assert "auto" in FORMATS


# ---------------------------------------------------------------- gateway-side formats
# ChirpStack v4 gateway UplinkFrame as the ChirpStack MQTT forwarder publishes it (JSON
# marshaler) on "as923/gateway/<gateway_id>/event/up". Hand-written after the protobuf
# schema chirpstack/chirpstack api/proto/gw/gw.proto: UplinkFrame {phy_payload, tx_info,
# rx_info}, UplinkTxInfo {frequency, modulation.lora {bandwidth, spreading_factor,
# code_rate}}, UplinkRxInfo {gateway_id, uplink_id, gw_time, ns_time, rssi, snr, channel,
# rf_chain, context, crc_status} in protobuf's JSON mapping (lowerCamelCase, bytes base64).
CHIRPSTACK_MQTT_UP = {
    "phyPayload": B64,
    "txInfo": {
        "frequency": 923200000,
        "modulation": {
            "lora": {
                "bandwidth": 125000,
                "spreadingFactor": 10,
                "codeRate": "CR_4_5",
                "polarizationInversion": False,
            }
        },
    },
    "rxInfo": {
        "gatewayId": "0016c001ff1e0001",
        "uplinkId": 3201948113,
        "nsTime": "2024-06-12T01:02:03.250Z",
        "rssi": -97,
        "snr": -3.25,
        "channel": 1,
        "rfChain": 1,
        "context": "Ef7hXA==",
        "crcStatus": "CRC_OK",
    },
}

# The Things Stack v3 gateway-server uplink inside a gs.up.receive event, as the events API
# streams it ({"result": event}). Hand-written after TheThingsNetwork/lorawan-stack
# api/messages.proto (GatewayUplinkMessage {message, band_id}; UplinkMessage {raw_payload,
# settings, rx_metadata, received_at}), api/metadata.proto (RxMetadata: gateway_ids, time,
# timestamp, rssi, channel_rssi, snr) and the gateway server's event name "gs.up.receive".
TTS_GS_UP_RECEIVE = {
    "result": {
        "name": "gs.up.receive",
        "time": "2024-06-12T01:02:03.400Z",
        "identifiers": [{"gateway_ids": {"gateway_id": "toyama-gw-01", "eui": "58A0CBFFFE800001"}}],
        "data": {
            "@type": "type.googleapis.com/ttn.lorawan.v3.GatewayUplinkMessage",
            "message": {
                "raw_payload": B64,
                "settings": {
                    "data_rate": {
                        "lora": {"bandwidth": 125000, "spreading_factor": 8, "coding_rate": "4/5"}
                    },
                    "frequency": "923400000",
                    "timestamp": 1012345678,
                },
                "rx_metadata": [
                    {
                        "gateway_ids": {"gateway_id": "toyama-gw-01"},
                        "timestamp": 1012345678,
                        "rssi": -101,
                        "channel_rssi": -101,
                        "snr": 2.5,
                        "uplink_token": "ChQKEgoMdG95YW1hLWd3LTAxEgg=",
                    }
                ],
                "received_at": "2024-06-12T01:02:03.380Z",
                "correlation_ids": ["gs:uplink:01J0ABCDEF"],
            },
            "band_id": "AS_923",
        },
        "correlation_ids": ["gs:uplink:01J0ABCDEF"],
        "origin": "ip-10-0-0-1",
        "visibility": {"rights": ["RIGHT_GATEWAY_TRAFFIC_READ"]},
    }
}


def test_chirpstack_mqtt_forwarder_uplink_frame():
    row = receptions_from_json(CHIRPSTACK_MQTT_UP).row(0, named=True)
    assert row["source"] == "chirpstack" and row["gateway_id"] == "0016c001ff1e0001"
    assert (row["freq_hz"], row["sf"], row["bw_hz"], row["datr"], row["codr"]) == (
        923200000,
        10,
        125000,
        "SF10BW125",
        "4/5",
    )
    # no gwTime (gateway without GNSS): the network server's time is used
    assert row["time"] == datetime(2024, 6, 12, 1, 2, 3, 250000, tzinfo=UTC)
    assert (row["rssi_dbm"], row["snr_db"]) == (-97.0, -3.25)
    assert row["phy_payload"] == PHY and row["ingest_error"] is None


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("gwTime", "2024-06-12T01:02:03.125Z", datetime(2024, 6, 12, 1, 2, 3, 125000, tzinfo=UTC)),
        ("nsTime", None, None),
    ],
)
def test_chirpstack_time_preference(field, value, expected):
    msg = json.loads(json.dumps(CHIRPSTACK_MQTT_UP))
    if value is None:
        del msg["rxInfo"][field]
    else:
        msg["rxInfo"][field] = value
    assert receptions_from_json(msg)["time"][0] == expected


def test_chirpstack_bad_crc_keeps_bytes():
    msg = json.loads(json.dumps(CHIRPSTACK_MQTT_UP))
    msg["rxInfo"]["crcStatus"] = "BAD_CRC"
    row = receptions_from_json(msg).row(0, named=True)
    assert row["phy_payload"] == PHY and row["ingest_error"].startswith("crc_error")


@pytest.mark.parametrize("wrapped", [True, False])
def test_tts_gs_up_receive_event(wrapped):
    obj = TTS_GS_UP_RECEIVE if wrapped else TTS_GS_UP_RECEIVE["result"]
    row = receptions_from_json(obj).row(0, named=True)
    assert row["source"] == "tts" and row["gateway_id"] == "toyama-gw-01"
    assert (row["freq_hz"], row["sf"], row["bw_hz"], row["codr"], row["tmst"]) == (
        923400000,
        8,
        125000,
        "4/5",
        1012345678,
    )
    # rx_metadata has no time: the message's received_at is used
    assert row["time"] == datetime(2024, 6, 12, 1, 2, 3, 380000, tzinfo=UTC)
    assert (row["rssi_dbm"], row["snr_db"]) == (-101.0, 2.5)
    assert row["phy_payload"] == PHY and row["ingest_error"] is None


def test_tts_event_gateway_from_identifiers():
    event = json.loads(json.dumps(TTS_GS_UP_RECEIVE["result"]))
    del event["data"]["message"]["rx_metadata"][0]["gateway_ids"]
    assert receptions_from_json(event)["gateway_id"][0] == "58a0cbfffe800001"


def test_tts_other_event_is_a_counted_row():
    event = {
        "name": "gs.status.receive",
        "time": "2024-06-12T01:00:00Z",
        "identifiers": [{"gateway_ids": {"gateway_id": "toyama-gw-01"}}],
        "data": {"@type": "type.googleapis.com/ttn.lorawan.v3.GatewayStatus"},
    }
    row = receptions_from_json(event).row(0, named=True)
    assert row["phy_payload"] is None and row["ingest_error"].startswith("not_an_uplink")


def test_read_receptions_detects_gateway_formats(tmp_path):
    from toyama_lab.lorawan.batch import decode_batch, status_counts
    from toyama_lab.lorawan.keys import KeyStore

    path = tmp_path / "gateway.jsonl"
    path.write_text(
        "\n".join(json.dumps(o) for o in (CHIRPSTACK_MQTT_UP, TTS_GS_UP_RECEIVE, rxpk())) + "\n"
    )
    df = read_receptions(path)
    assert df["source"].to_list() == ["chirpstack", "tts", "semtech"]
    assert df["phy_payload"].to_list() == [PHY] * 3
    out = decode_batch(df, KeyStore())
    assert out["gateways"].to_list() == [["0016c001ff1e0001", "toyama-gw-01"]]
    assert dict(status_counts(out).iter_rows()) == {"unknown_device": 1, "duplicate": 2}


# ------------------------------------------- unreadable input is counted, never silent
def test_non_utf8_line_is_one_counted_row(tmp_path):
    hex_file = tmp_path / "frames.hex"
    hex_file.write_bytes(PHY.hex().encode() + b"\n\xff\xfe00\n" + PHY.hex().encode() + b"\n")
    df = read_receptions(hex_file)
    assert df["phy_payload"].to_list() == [PHY, None, PHY]
    assert df["ingest_error"][1].startswith("bad_utf8: line 2: byte 0xff at column 1")
    lines = tmp_path / "log.jsonl"
    lines.write_bytes(
        json.dumps({"rxpk": [rxpk()]}).encode()
        + b'\n{"rxpk": "\xe9t\xe9"}\n'
        + json.dumps(CHIRPSTACK_FRAME).encode()
    )
    df = read_receptions(lines)
    assert df["source"].to_list() == ["semtech", "unknown", "chirpstack"]
    assert df["ingest_error"][1].startswith("bad_utf8: line 2: byte 0xe9 at column 11")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("rssi", "loud", "rssi 'loud' is not a number"),
        ("rssi", True, "rssi True is not a number"),
        ("lsnr", "NaN", "lsnr 'NaN' is not a number"),
        ("time", "not a time", "time 'not a time' is not an ISO 8601 time"),
        ("datr", "SF99BW1", "datr 'SF99BW1' is not a LoRa data rate"),
        ("datr", "SF7BW126", "datr 'SF7BW126' is not a LoRa data rate"),
        ("freq", "923.2 MHz", "freq '923.2 MHz' is not a number"),
        ("tmst", 2**32, "tmst 4294967296 is not an integer in 0..4294967295"),
        ("codr", 5, "codr 5 is not text"),
    ],
)
def test_unreadable_rxpk_fields_are_named(field, value, named):
    row = receptions_from_json(rxpk(**{field: value})).row(0, named=True)
    assert row["ingest_error"] == f"bad_field: {named}" or row["ingest_error"].startswith(
        f"bad_field: {named}"
    )
    column = {"rssi": "rssi_dbm", "lsnr": "snr_db", "freq": "freq_hz", "datr": "sf"}
    assert row[column.get(field, field)] is None
    assert row["phy_payload"] == PHY  # the bytes are kept and still decoded


def test_fsk_rxpk_has_no_spreading_factor_and_no_error():
    # PROTOCOL.TXT section 4, second rxpk example: FSK, datr is a bit rate [bit/s]
    row = receptions_from_json(rxpk(modu="FSK", datr=50000, codr=None)).row(0, named=True)
    assert (row["sf"], row["bw_hz"], row["datr"], row["ingest_error"]) == (
        None,
        None,
        "50000",
        None,
    )


def test_unreadable_fields_of_other_sources_are_named():
    cs = json.loads(json.dumps(CHIRPSTACK_MQTT_UP))
    cs["rxInfo"]["rssi"] = "strong"
    assert receptions_from_json(cs)["ingest_error"][0] == "bad_field: rssi 'strong' is not a number"
    tts = json.loads(json.dumps(TTS_UPLINK))
    tts["uplink_message"]["settings"]["frequency"] = "923.2MHz"
    err = receptions_from_json(tts)["ingest_error"][0]
    assert err == "bad_field: frequency '923.2MHz' is not a number"


def test_parquet_values_that_do_not_read_are_named(tmp_path):
    path = tmp_path / "rx.parquet"
    pl.DataFrame(
        {
            "phy_payload": [PHY.hex(), "zz", None],
            "rssi_dbm": ["-70", "loud", None],
            "time": ["2024-05-01T03:00:00Z", "not a time", None],
            "ingest_error": [None, "from the file", None],
        }
    ).write_parquet(path)
    df = read_receptions(path)
    assert df["phy_payload"].to_list() == [PHY, None, None]
    # problems in schema column order, after the file's own ingest_error
    assert df["ingest_error"].to_list() == [
        None,
        "from the file; bad_field: row 2: time 'not a time' is not an ISO 8601 time; "
        "rssi_dbm 'loud' is not a finite number that fits Float32; phy_payload 'zz' is not hex",
        None,
    ]


def test_parquet_floats_that_are_no_readings_are_named(tmp_path):
    path = tmp_path / "rx.parquet"
    pl.DataFrame(
        {"phy_payload": [PHY] * 3, "rssi_dbm": [1e300, float("nan"), -70.0]}
    ).write_parquet(path)
    df = read_receptions(path)
    assert df["rssi_dbm"].to_list() == [None, None, -70.0]
    assert df["ingest_error"][0] == (
        "bad_field: row 1: rssi_dbm '1e+300' is not a finite number that fits Float32"
    )
    assert df["ingest_error"][1].startswith("bad_field: row 2: rssi_dbm 'NaN'")


@pytest.mark.parametrize(
    ("column", "values", "match"),
    [
        ("phy_payload", [1], "column 'phy_payload' is Int64; expected Binary bytes"),
        ("rssi_dbm", [[1.0]], "column 'rssi_dbm' is List"),
        ("gateway_id", [7], "column 'gateway_id' is Int64; expected text"),
        ("time", [1.5], "column 'time' is Float64; expected Datetime"),
    ],
)
def test_parquet_columns_of_a_wrong_type_are_refused(tmp_path, column, values, match):
    path = tmp_path / "rx.parquet"
    table = {"phy_payload": [PHY]}
    table[column] = values
    pl.DataFrame(table).write_parquet(path)
    with pytest.raises(IngestError, match=match):
        read_receptions(path)


def test_multi_line_document_with_an_error_is_one_row():
    # pretty-printed like the PROTOCOL.TXT examples, with a comment (not JSON) on line 3
    text = '{"rxpk": [\n  {\n    // first packet\n    "data": "QAE="\n  }\n]}\n'
    df = receptions_from_json(text)
    assert len(df) == 1
    assert df["ingest_error"][0].startswith(
        "bad_json: document: Expecting property name enclosed in double quotes at line 3, column 5"
    )


def test_bench_ingest_script_small_run(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "ingest.py"
    spec = importlib.util.spec_from_file_location("bench_ingest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--n", "300", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for kind in ("hex", "base64", "jsonl"):
        assert f"  {kind}" in out
    assert out.count("ratio") == 3
