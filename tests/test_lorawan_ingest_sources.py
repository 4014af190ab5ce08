"""Published gateway and network-server formats read by ``lorawan.ingest`` (issue 16).

Every fixture below is written for this project after a public document, cited at the
fixture; none is copied from it. Sources:

- [SEMTECH] Semtech, packet_forwarder ``PROTOCOL.TXT`` (sections 3.2 PUSH_DATA,
  4 upstream JSON ``rxpk``), github.com/Lora-net/packet_forwarder; the ``rsig``
  per-antenna list is from the v2 protocol of Semtech's SX1301AR / SX1302
  forwarders (fields ``ant``, ``chan``, ``rssic``, ``lsnr``).
- [CS3] ChirpStack v3 API, ``gw/gw.proto`` (UplinkFrame, UplinkTXInfo with
  ``modulation`` enum and ``loRaModulationInfo``, UplinkRXInfo with ``gatewayID``
  bytes, ``loRaSNR``), docs.rs/chirpstack_api 3.x; JSON as protobuf's JSON mapping.
- [CS4] ChirpStack v4 API, ``integration/integration.proto`` (UplinkEvent, JoinEvent,
  AckEvent, TxAckEvent, StatusEvent, LogEvent), docs.rs/chirpstack_api 4.x.
- [TTS] The Things Stack, ``api/messages.proto`` (UplinkMessage, GatewayUplinkMessage,
  ApplicationUp) and its event ``gs.up.receive``; before v3.19.2 the event data was
  the UplinkMessage itself (CHANGELOG of TheThingsNetwork/lorawan-stack).
- [STATION] LoRa Basics Station, github.com/lorabasics/basicstation ``src/lora.c``
  (``s2e_parse_lora_frame``: updf/jreq/propdf fields) and ``src/s2e.c``
  (``RefTime``, ``DR``, ``Freq``, ``upinfo`` with ``rxtime``); docs at doc.sm.tc/station.
- [RP002] LoRa Alliance, RP002-1.0.4 Regional Parameters, §2.8.3 (AS923 data rates).
"""

from __future__ import annotations

import base64
import json
import re
import struct
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toyama_lab.lorawan.batch import decode_batch, encode_batch, status_counts
from toyama_lab.lorawan.ingest import (
    AS923_DATA_RATES,
    FORMATS,
    RECEPTION_SCHEMA,
    SOURCES,
    read_receptions,
    receptions_from_json,
)
from toyama_lab.lorawan.join import encode_join_request
from toyama_lab.lorawan.keys import KeyStore

ADDR = 0x26011BDA
KEYS = KeyStore.from_records(
    [
        {
            "dev_addr": f"{ADDR:08X}",
            "nwk_s_key": "2b7e151628aed2a6abf7158809cf4f3c",
            "app_s_key": "000102030405060708090a0b0c0d0e0f",
        }
    ]
)
PHY = encode_batch([ADDR], [7], [13], [b"\x00\x05"], KEYS, fopts=[b"\x02"])[0]
B64 = base64.b64encode(PHY).decode()
ROOT = Path(__file__).resolve().parents[1]


def _one(obj) -> dict:
    df = receptions_from_json(obj)
    assert len(df) == 1, df
    return df.row(0, named=True)


# ------------------------------------------------------------------ 1. ChirpStack v3
CS3_FRAME = {  # [CS3] UplinkFrame as the v3 gateway bridge publishes it (JSON marshaler)
    "phyPayload": B64,
    "txInfo": {
        "frequency": 923200000,
        "modulation": "LORA",
        "loRaModulationInfo": {
            "bandwidth": 125,
            "spreadingFactor": 10,
            "codeRate": "4/5",
            "polarizationInversion": False,
        },
    },
    "rxInfo": {
        "gatewayID": base64.b64encode(bytes.fromhex("0016c001ff1e0002")).decode(),
        "time": "2021-08-04T05:06:07.5Z",
        "rssi": -101,
        "loRaSNR": -4.5,
        "channel": 1,
        "rfChain": 1,
        "board": 0,
        "antenna": 0,
        "crcStatus": "CRC_OK",
    },
}


def test_chirpstack_v3_gateway_frame():
    row = _one(CS3_FRAME)
    assert row["ingest_error"] is None and row["phy_payload"] == PHY
    assert row["gateway_id"] == "0016c001ff1e0002"
    assert (row["freq_hz"], row["sf"], row["bw_hz"], row["datr"], row["codr"]) == (
        923200000,
        10,
        125000,
        "SF10BW125",
        "4/5",
    )
    assert (row["rssi_dbm"], row["snr_db"], row["channel"], row["rf_chain"]) == (-101, -4.5, 1, 1)
    assert row["time"] == datetime(2021, 8, 4, 5, 6, 7, 500000, tzinfo=UTC)
    assert decode_batch(pl.DataFrame([row], schema=RECEPTION_SCHEMA), KEYS)["status"][0] == "ok"


@pytest.mark.parametrize("modulation", ["LORA", "FSK", 3, None, [1]])
def test_chirpstack_odd_modulation_never_crashes(modulation):
    frame = json.loads(json.dumps(CS3_FRAME))
    frame["txInfo"]["modulation"] = modulation
    assert _one(frame)["phy_payload"] == PHY


# ----------------------------------------------------------- 3. rsig, one per antenna
RXPK_RSIG = {  # [SEMTECH] v2 rxpk of a two-antenna gateway: RSSI/SNR per antenna only
    "time": "2024-06-12T01:02:03.000100Z",
    "tmst": 123456789,
    "chan": 2,
    "rfch": 0,
    "freq": 923.4,
    "stat": 1,
    "modu": "LORA",
    "datr": "SF8BW125",
    "codr": "4/5",
    "size": len(PHY),
    "data": B64,
    "rsig": [
        {"ant": 0, "chan": 2, "rssic": -97, "lsnr": 3.5},
        {"ant": 1, "chan": 10, "rssic": -104, "lsnr": -1.25},
    ],
}


def test_rsig_gives_one_reception_per_antenna_and_one_frame():
    df = receptions_from_json({"rxpk": [RXPK_RSIG]}, gateway_id="58a0cbfffe800001")
    assert df.select("antenna", "channel", "rf_chain", "rssi_dbm", "snr_db").rows() == [
        (0, 2, 0, -97.0, 3.5),
        (1, 10, 0, -104.0, -1.25),
    ]
    assert df["ingest_error"].null_count() == 2
    out = decode_batch(df, KEYS)
    assert out["status"].to_list() == ["ok"] and out["n_receptions"].to_list() == [2]
    assert out["gateways"].to_list() == [["58a0cbfffe800001"]]
    assert (out["rssi_dbm"][0], out["snr_db"][0]) == (-97.0, 3.5)  # best antenna


# ------------------------------------------------------------ 4. unpadded base64
def test_unpadded_base64_whose_length_matches_size():
    # [SEMTECH] third rxpk example: 32 bytes written as 43 characters without '='
    frame = bytes(range(0x40, 0x60))
    text = base64.b64encode(frame).decode().rstrip("=")
    assert len(text) == 43
    ok = _one({"rxpk": [{"datr": "SF10BW125", "size": 32, "data": text}]})
    assert ok["phy_payload"] == frame and ok["ingest_error"] is None
    wrong = _one({"rxpk": [{"datr": "SF10BW125", "size": 31, "data": text}]})
    assert wrong["phy_payload"] is None and wrong["ingest_error"].startswith("bad_base64")


# ----------------------------------------------------- 5 and 6. documents and the BOM
def test_pretty_printed_document_and_bom(tmp_path):
    doc = json.dumps({"rxpk": [RXPK_RSIG]}, indent=2)
    with_bom = tmp_path / "bom.json"
    with_bom.write_bytes(b"\xef\xbb\xbf" + doc.encode())
    assert len(read_receptions(with_bom)) == 2
    broken = tmp_path / "broken.json"
    lines = doc.splitlines()
    lines.insert(3, "    // a comment the editor added")
    broken.write_text("\n".join(lines))
    df = read_receptions(broken)
    assert len(df) == 1
    assert (
        df["ingest_error"][0].startswith("bad_json: document: ")
        and "line 4, column 5" in (df["ingest_error"][0])
    )


# ------------------------------------------------- 7. The Things Stack before 3.19.2
TTS_OLD_EVENT = {  # [TTS] gs.up.receive as emitted before v3.19.2: data is an UplinkMessage
    "name": "gs.up.receive",
    "time": "2022-03-01T00:00:01.2Z",
    "identifiers": [{"gateway_ids": {"gateway_id": "toyama-gw-02", "eui": "58A0CBFFFE800002"}}],
    "data": {
        "@type": "type.googleapis.com/ttn.lorawan.v3.UplinkMessage",
        "raw_payload": B64,
        "settings": {
            "data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 9}},
            "frequency": "923200000",
        },
        "rx_metadata": [{"gateway_ids": {"gateway_id": "toyama-gw-02"}, "rssi": -88, "snr": 6}],
        "received_at": "2022-03-01T00:00:01.1Z",
    },
}


def test_tts_gs_up_receive_before_3_19_2():
    row = _one(TTS_OLD_EVENT)
    assert row["phy_payload"] == PHY and row["ingest_error"] is None
    assert (row["gateway_id"], row["sf"], row["rssi_dbm"]) == ("toyama-gw-02", 9, -88.0)
    bare = json.loads(json.dumps(TTS_OLD_EVENT))
    del bare["data"]["raw_payload"]
    err = _one(bare)["ingest_error"]
    assert err.startswith("bad_shape: a 'gs.up.receive' event whose 'data' holds neither")
    assert "found ['@type', 'received_at', 'rx_metadata', 'settings']" in err


# ------------------------------------------------------------ 8. non-uplink events
@pytest.mark.parametrize(
    ("event", "named"),
    [
        (  # [CS4] JoinEvent
            {
                "deduplicationId": "a",
                "time": "2024-01-01T00:00:00Z",
                "deviceInfo": {},
                "devAddr": "01",
            },
            "ChirpStack 'join' event",
        ),
        (  # [CS4] AckEvent
            {"deviceInfo": {}, "queueItemId": "q", "acknowledged": True, "fCntDown": 3},
            "ChirpStack 'ack' event",
        ),
        (  # [CS4] TxAckEvent
            {"downlinkId": 7, "deviceInfo": {}, "fCntDown": 3, "gatewayId": "g", "txInfo": {}},
            "ChirpStack 'txack' event",
        ),
        (  # [CS4] StatusEvent
            {"deviceInfo": {}, "margin": 7, "batteryLevel": 90.0},
            "ChirpStack 'status' event",
        ),
        (  # [CS4] LogEvent
            {"deviceInfo": {}, "level": "ERROR", "code": "UPLINK_CODEC", "description": "x"},
            "ChirpStack 'log' event",
        ),
        (  # [TTS] ApplicationUp with join_accept
            {"end_device_ids": {"device_id": "d"}, "join_accept": {"session_key_id": "k"}},
            "The Things Stack 'join_accept' message",
        ),
        (  # [TTS] an event other than gs.up.receive
            {"name": "gs.down.send", "identifiers": [], "data": {}},
            "The Things Stack event 'gs.down.send' is not an uplink",
        ),
        ({"msgtype": "dntxed", "diid": 1}, "LoRa Basics Station 'dntxed' message"),  # [STATION]
    ],
)
def test_non_uplink_events_are_named(event, named):
    row = _one(event)
    assert row["phy_payload"] is None
    assert row["ingest_error"].startswith("not_an_uplink: ") and named in row["ingest_error"]


# ------------------------------------------------------------ 9. PUSH_DATA datagrams
def _datagram(obj, token=0x1234, eui="58a0cbfffe800003") -> bytes:
    # [SEMTECH] section 3.2: version 2, token, identifier 0x00, gateway EUI, JSON
    return bytes([2, token >> 8, token & 0xFF, 0]) + bytes.fromhex(eui) + json.dumps(obj).encode()


def test_saved_push_data_file_and_capture(tmp_path):
    one = tmp_path / "one.bin"
    one.write_bytes(_datagram({"rxpk": [RXPK_RSIG]}))
    df = read_receptions(one)
    assert df["gateway_id"].to_list() == ["58a0cbfffe800003"] * 2
    many = tmp_path / "capture.bin"
    many.write_bytes(
        _datagram({"rxpk": [{"datr": "SF7BW125", "data": B64}]}, 1)
        + _datagram({"stat": {"rxnb": 1}}, 2)  # status only: counted, not an uplink
        + _datagram({"rxpk": [{"datr": "SF9BW125", "data": B64}]}, 3, "58a0cbfffe800004")
        + b"\x02\x00"  # a truncated fourth datagram
    )
    df = read_receptions(many)
    assert df["gateway_id"].to_list()[:3] == ["58a0cbfffe800003"] * 2 + ["58a0cbfffe800004"]
    assert df["ingest_error"][1].startswith("not_an_uplink: a Semtech status report")
    assert df["ingest_error"][3].startswith("bad_datagram: datagram 4 at byte ")
    assert dict(status_counts(decode_batch(df, KEYS)).iter_rows()) == {
        "ok": 1,
        "duplicate": 1,
        "missing_payload": 2,
    }
    assert read_receptions(one, format="push_data").height == 2


# --------------------------------------------------------- 10. LoRa Basics Station
def _updf_of(phy: bytes) -> dict:
    """A Basics Station updf built the way src/lora.c splits a data frame [STATION]."""
    fopts_len = phy[5] & 0x0F
    port_at = 8 + fopts_len
    has_port = port_at < len(phy) - 4
    return {
        "msgtype": "updf",
        "MHdr": phy[0],
        "DevAddr": int.from_bytes(phy[1:5], "little", signed=True),
        "FCtrl": phy[5],
        "FCnt": int.from_bytes(phy[6:8], "little"),
        "FOpts": phy[8:port_at].hex().upper(),
        "FPort": phy[port_at] if has_port else -1,
        "FRMPayload": phy[port_at + 1 : -4].hex().upper() if has_port else "",
        "MIC": int.from_bytes(phy[-4:], "little", signed=True),
        "RefTime": 1718154123.25,
        "DR": 5,
        "Freq": 923400000,
        "upinfo": {
            "rctx": 0,
            "xtime": 68719476736123,
            "gpstime": 0,
            "fts": -1,
            "rssi": -93,
            "snr": 8.25,
            "rxtime": 1718154123.5,
        },
    }


def test_basicstation_updf_gives_back_the_same_bytes():
    high = encode_batch([0xA6011BDA & 0x7FFFFFFF | 0x80000000], [9], [-1], [b""], KEYS_HIGH)[0]
    for phy in (PHY, high):
        row = _one(_updf_of(phy))
        assert row["phy_payload"] == phy and row["ingest_error"] is None
    row = _one(_updf_of(PHY))
    assert (row["sf"], row["bw_hz"], row["datr"], row["freq_hz"]) == (
        7,
        125000,
        "SF7BW125",
        923400000,
    )
    assert (row["rssi_dbm"], row["snr_db"], row["source"]) == (-93.0, 8.25, "basicstation")
    assert row["time"] == datetime(2024, 6, 12, 1, 2, 3, 500000, tzinfo=UTC)
    out = decode_batch(receptions_from_json(_updf_of(PHY)), KEYS)
    assert out["status"].to_list() == ["ok"] and out["frm_payload"][0] == b"\x00\x05"


KEYS_HIGH = KeyStore.from_records(
    [{"dev_addr": "A6011BDA", "nwk_s_key": "11" * 16, "app_s_key": "22" * 16}]
)


def test_basicstation_jreq_propdf_and_reftime():
    app_key = bytes(range(16))
    jr = encode_join_request(
        app_key, bytes.fromhex("70B3D57ED0000001"), bytes.fromhex("0004A30B001C0530"), 0x1234
    )
    jreq = {  # [STATION] jreq: EUIs as "HH-HH-..." text, MIC as a signed 32-bit integer
        "msgtype": "jreq",
        "MHdr": 0,
        "JoinEui": "70-B3-D5-7E-D0-00-00-01",
        "DevEui": "00-04-A3-0B-00-1C-05-30",
        "DevNonce": 0x1234,
        "MIC": int.from_bytes(jr[-4:], "little", signed=True),
        "RefTime": 1718154000.0,
        "DR": 0,
        "Freq": 923200000,
        "upinfo": {"rssi": -120, "snr": -15.5},
    }
    row = _one(jreq)
    assert row["phy_payload"] == jr and (row["sf"], row["bw_hz"]) == (12, 125000)
    assert row["time"] == datetime(2024, 6, 12, 1, 0, 0, tzinfo=UTC)  # RefTime, no rxtime
    keys = KeyStore.from_records(
        [
            {
                "dev_addr": "01020304",
                "nwk_s_key": "00" * 16,
                "app_s_key": "00" * 16,
                "dev_eui": "0004A30B001C0530",
                "app_key": app_key.hex(),
            }
        ]
    )
    assert decode_batch(receptions_from_json(jreq), keys)["status"][0] == "join_request"
    prop = _one({"msgtype": "propdf", "FRMPayload": "E0A1B2", "DR": 6, "Freq": 923200000})
    assert prop["phy_payload"] == bytes.fromhex("E0A1B2") and (prop["sf"], prop["bw_hz"]) == (
        7,
        250000,
    )
    fsk = _one({**jreq, "DR": 7})
    assert (fsk["sf"], fsk["datr"]) == (None, "50000")
    bad = _one({**_updf_of(PHY), "DR": 9, "FOpts": "XYZ"})
    assert bad["phy_payload"] is None
    assert "DR 9 is not an AS923 uplink data rate" in bad["ingest_error"]
    assert "FOpts 'XYZ' is not hex text" in bad["ingest_error"]


def test_as923_table_matches_rp002():
    # [RP002] §2.8.3: DR0..DR5 = SF12..SF7 at 125 kHz, DR6 = SF7 at 250 kHz, DR7 = FSK
    assert [AS923_DATA_RATES[d] for d in range(8)] == [
        (12, 125000),
        (11, 125000),
        (10, 125000),
        (9, 125000),
        (8, 125000),
        (7, 125000),
        (7, 250000),
        None,
    ]


# ----------------------------------------------------- never a traceback, any JSON
KNOWN_KEYS = sorted(
    {"rxpk", "data", "datr", "tmst", "rsig", "size", "stat", "modu", "rssi", "lsnr", "freq"}
    | {"phyPayload", "txInfo", "rxInfo", "modulation", "lora", "loRaModulationInfo", "gatewayID"}
    | {"bandwidth", "spreadingFactor", "codeRate", "deviceInfo", "devAddr", "fCnt", "time"}
    | {"name", "identifiers", "data", "message", "raw_payload", "rx_metadata", "settings"}
    | {"end_device_ids", "uplink_message", "gateway_ids", "result", "msgtype", "MHdr"}
    | {"DevAddr", "FCtrl", "FCnt", "FOpts", "FPort", "FRMPayload", "MIC", "DR", "upinfo"}
    | {"JoinEui", "DevEui", "DevNonce", "RefTime", "rxtime", "ant", "chan", "rssic"}
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from([B64, "updf", "jreq", "propdf", "gs.up.receive", "LORA", "SF7BW125", "00"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=4)), inner, max_size=6
        ),
    ),
    max_leaves=25,
)


@pytest.mark.timeout(120)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
@given(JSON)
def test_any_json_gives_rows_never_a_traceback(value):
    for source in SOURCES:
        df = receptions_from_json(value, source=source)
        assert df.schema == pl.Schema(RECEPTION_SCHEMA)
        assert df.filter(pl.col("phy_payload").is_null())["ingest_error"].null_count() == 0
    text = receptions_from_json(json.dumps(value))
    assert text.schema == pl.Schema(RECEPTION_SCHEMA)


# ------------------------------------------------------------- the table in the docs
def test_docs_table_of_formats_is_true():
    doc = (ROOT / "docs" / "ingest-formats.md").read_text(encoding="utf-8")
    rows = [ln for ln in doc.splitlines() if ln.startswith("| `")]
    named = {re.match(r"\| `([a-z0-9_]+)`", ln)[1] for ln in rows}
    assert named == (set(FORMATS) | set(SOURCES)) - {"auto", "json"}
    codes_in_doc = set(re.findall(r"`((?:bad|no|not|unknown|size|crc)_[a-z0-9_]+)[`:]", doc))
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "toyama_lab" / "lorawan").glob("*ingest*.py")
    )
    codes_in_code = set(re.findall(r"\b((?:bad|no|not|unknown|size|crc)_[a-z0-9_]+): ", source))
    if '"bad_{}: line {} is not valid {}"' in source:  # the line readers name their format
        codes_in_code |= {"bad_hex", "bad_base64"}
    assert codes_in_doc == codes_in_code
    assert "ingest-formats.md" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("event", "kind"),
    [  # [CS3] v3 integration events: ack, txack and error carry fCnt too
        ({"applicationID": "1", "devEUI": "AQIDBAUGBwg=", "acknowledged": True, "fCnt": 3}, "ack"),
        ({"applicationID": "1", "devEUI": "AQIDBAUGBwg=", "fCnt": 3, "gatewayID": "AQ=="}, "txack"),
        (
            {"applicationID": "1", "devEUI": "AQIDBAUGBwg=", "type": "UPLINK_CODEC", "error": "x"},
            "log",
        ),
        (
            {"applicationID": "1", "devEUI": "AQIDBAUGBwg=", "margin": 9, "batteryLevel": 80},
            "status",
        ),
        (  # v3 join: rxInfo as an uplink has, but no fCnt, fPort or data
            {"applicationID": "1", "devEUI": "AQIDBAUGBwg=", "devAddr": "AAECAw==", "rxInfo": []},
            "join",
        ),
    ],
)
def test_chirpstack_v3_integration_events_are_named(event, kind):
    err = _one(event)["ingest_error"]
    assert err.startswith(f"not_an_uplink: a ChirpStack {kind!r} event")


def test_chirpstack_v3_up_event_has_no_frame():
    event = {  # [CS3] up event: decrypted data only, rxInfo list with base64 gatewayID
        "applicationID": "1",
        "devEUI": "AQIDBAUGBwg=",
        "rxInfo": [{"gatewayID": "ABbAAf8eAAI=", "rssi": -90, "loRaSNR": 2.5}],
        "txInfo": {"frequency": 923200000, "dr": 5},
        "fCnt": 10,
        "fPort": 2,
        "data": "AAU=",
    }
    row = _one(event)
    assert row["ingest_error"].startswith("no_phy_payload")
    assert (row["gateway_id"], row["rssi_dbm"], row["snr_db"]) == ("0016c001ff1e0002", -90, 2.5)


# ------------------------------------------------ 9b. PUSH_DATA in packet captures
# [PCAP] IETF draft-ietf-opsawg-pcap (libpcap file and record headers) and
# draft-ietf-opsawg-pcapng (SHB, IDB, EPB); RFC 791 / RFC 768 (IPv4, UDP headers).
def _udp_ipv4(payload: bytes, sport=1700, dport=1700) -> bytes:
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes(4), bytes(4))
    return ip + udp


def _ethernet(ip: bytes, vlan: bool = False) -> bytes:
    tag = b"\x81\x00\x00\x05" if vlan else b""
    return bytes(12) + tag + b"\x08\x00" + ip


def _pcap(frames: list[bytes], link: int = 1) -> bytes:
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link)
    body = b"".join(
        struct.pack("<IIII", 1718154123 + i, 0, len(f), len(f)) + f for i, f in enumerate(frames)
    )
    return head + body


def _pcapng(frames: list[bytes], link: int = 1) -> bytes:
    def block(kind: int, body: bytes) -> bytes:
        body += bytes(-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(1, struct.pack("<HHI", link, 0, 0))
    epbs = b"".join(
        block(6, struct.pack("<IIIII", 0, 0, i, len(f), len(f)) + f) for i, f in enumerate(frames)
    )
    return shb + idb + epbs


def test_push_data_in_pcap_and_pcapng_captures(tmp_path):
    push = _datagram({"rxpk": [{"datr": "SF7BW125", "data": B64, "rssi": -70}]})
    ack = bytes([2, 0x12, 0x34, 0x01])  # PUSH_ACK from the server
    pull = bytes([2, 0, 1, 0x02]) + bytes(8)  # PULL_DATA keep-alive
    frames = [
        _ethernet(_udp_ipv4(push)),
        _ethernet(_udp_ipv4(ack, 1700, 40000), vlan=True),
        _ethernet(_udp_ipv4(pull)),
        _ethernet(_udp_ipv4(b"not semtech", 53, 53)),
    ]
    for name, data in (("up.pcap", _pcap(frames)), ("up.pcapng", _pcapng(frames))):
        path = tmp_path / name
        path.write_bytes(data)
        df = read_receptions(path)
        assert df["phy_payload"].to_list() == [PHY, None, None, None], name
        assert df["gateway_id"][0] == "58a0cbfffe800003" and df["rssi_dbm"][0] == -70
        errors = df["ingest_error"].to_list()[1:]
        assert errors[0] == "not_an_uplink: packet 2 is a Semtech PUSH_ACK, not a PUSH_DATA"
        assert errors[1] == "not_an_uplink: packet 3 is a Semtech PULL_DATA, not a PUSH_DATA"
        assert errors[2].startswith("bad_datagram: packet 4: a UDP payload of 11 bytes")
    raw_ip = tmp_path / "raw.pcap"
    raw_ip.write_bytes(_pcap([_udp_ipv4(push), _udp_ipv4(push)[:30]], link=101))
    df = read_receptions(raw_ip, format="push_data")
    assert df["phy_payload"][0] == PHY
    assert df["ingest_error"][1].startswith("bad_datagram: packet 2: UDP length")
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(_pcap(frames)[:-10])
    df = read_receptions(cut)
    assert df["ingest_error"][-1].startswith("bad_datagram: packet 4: the packet at byte ")


@pytest.mark.timeout(120)
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_mutated_captures_give_rows_never_a_traceback(data):
    from toyama_lab.lorawan._ingest_semtech import capture_receptions

    push = _datagram({"rxpk": [{"datr": "SF7BW125", "data": B64}]})
    raw = bytearray(data.draw(st.sampled_from([_pcap, _pcapng]))([_ethernet(_udp_ipv4(push))] * 2))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[pos] = data.draw(st.integers(0, 255))
        else:
            del raw[pos : pos + data.draw(st.integers(1, 8))]
    df = capture_receptions(bytes(raw[:4]) + bytes(raw[4:]))
    assert df.schema == pl.Schema(RECEPTION_SCHEMA)
    assert df.filter(pl.col("phy_payload").is_null())["ingest_error"].null_count() == 0


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    fcnt=st.integers(0, 2**32 - 1),
    fport=st.integers(-1, 223),
    payload=st.binary(max_size=40),
    fopts=st.binary(max_size=15),
    confirmed=st.booleans(),
)
def test_any_encoded_uplink_survives_a_basicstation_round_trip(
    fcnt, fport, payload, fopts, confirmed
):
    # [STATION] src/lora.c splits the frame; the reader must put back the same bytes
    if fport == -1:
        payload = b""
    if fport == 0:
        fopts = b""
    phy = encode_batch(
        [ADDR], [fcnt], [fport], [payload], KEYS, fopts=[fopts], confirmed=[confirmed]
    )[0]
    assert _one(_updf_of(phy))["phy_payload"] == phy


def _leaves(obj, path=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, (*path, i))
    else:
        yield path


EXTREMES = st.sampled_from(
    [
        *(2**31, 2**32, 2**63, -(2**63) - 1, 1e300, -1e300, 1e-300, -1, 0, 255, 256, 65536),
        *(True, "", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "FFFF", "=="),
    ]
)


@pytest.mark.timeout(120)
@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_any_field_of_a_published_shape_replaced_gives_rows(data):
    """Each leaf of each fixture replaced by an odd value: rows, never a traceback."""
    fixtures = [CS3_FRAME, {"rxpk": [RXPK_RSIG]}, TTS_OLD_EVENT, _updf_of(PHY), CS3_FRAME]
    obj = json.loads(json.dumps(data.draw(st.sampled_from(fixtures))))
    paths = list(_leaves(obj))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        target = obj
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(st.one_of(EXTREMES, SCALARS, JSON))
    df = receptions_from_json(obj)
    assert df.schema == pl.Schema(RECEPTION_SCHEMA) and len(df) >= 1
    assert df.filter(pl.col("phy_payload").is_null())["ingest_error"].null_count() == 0
