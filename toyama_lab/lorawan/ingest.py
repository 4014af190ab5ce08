"""Read gateway and network-server logs into one table of receptions.

Four sources, one schema (:data:`RECEPTION_SCHEMA`, one row per reception of
a frame by one gateway antenna); ``docs/ingest-formats.md`` tabulates what each
gives and what becomes an error row:

* **Semtech UDP packet forwarder** ``PUSH_DATA``: the JSON object with an
  ``rxpk`` list, or the whole datagram (protocol version, 2-byte token,
  identifier ``0x00``, 8-byte gateway EUI, then the JSON) [1]_;
* **ChirpStack v4**: the gateway ``UplinkFrame`` JSON that the ChirpStack MQTT
  forwarder / gateway bridge publishes on ``<region>/gateway/<gateway_id>/event/up``
  (``phyPayload`` base64, ``txInfo.frequency``,
  ``txInfo.modulation.lora.{bandwidth, spreadingFactor, codeRate}``,
  ``rxInfo.{gatewayId, rssi, snr, gwTime, nsTime, context, crcStatus}``; the
  ``UplinkFrameSet`` / frame-log variant with a list ``rxInfo`` too), and
  integration ``up`` events (``deviceInfo``, ``devAddr``, ``rxInfo[]``, ``txInfo``,
  no PHYPayload) [2]_. The reception time is ``gwTime`` (gateway GNSS clock) when
  present, else ``nsTime``. The opaque gateway ``context`` is not read;
* **The Things Stack v3**: gateway-server uplink messages (``raw_payload``
  base64, ``settings.data_rate.lora.{bandwidth, spreading_factor, coding_rate}``,
  ``settings.frequency``, ``rx_metadata[]``), the same message inside a
  ``gs.up.receive`` event (``{"name", "time", "identifiers", "data": {"@type":
  ...GatewayUplinkMessage, "message": {...}}}``, optionally wrapped as
  ``{"result": {...}}`` by the event-stream API), and application uplink messages
  (``end_device_ids``, ``uplink_message``; ``raw_payload`` only where present) [3]_.
  Other events give a row whose ``ingest_error`` starts with ``not_an_uplink``;
* **LoRa Basics Station** LNS messages ``updf``, ``jreq``/``rejoin`` and
  ``propdf``, whose PHYPayload is rebuilt from the fields (see
  :func:`_station_phy`), with the data rate read through :data:`AS923_DATA_RATES`.

ChirpStack v3 gateway frames (``modulation`` "LORA", ``loRaModulationInfo``
with the bandwidth in kHz) are read beside v4; saved PUSH_DATA datagrams (one,
or many back to back) are read from files; multi-antenna ``rsig`` lists give
one row per antenna with ``antenna`` and ``channel`` kept.

Errors are never dropped silently
---------------------------------
A line that is not UTF-8 (``bad_utf8``) or not JSON (``bad_json``), a payload
that is not base64, an object of unknown shape, or an application event that
carries no PHYPayload (ChirpStack and TTS integration events hold only the
*decrypted* FRMPayload, so the MIC cannot be checked) gives a row with
``phy_payload`` null and the reason in ``ingest_error``; the reason names the
line. Rows whose bytes arrived with a known problem (CRC failed, size field
differs) keep their bytes and also say so in ``ingest_error``. A field that is
present but cannot be read (``"rssi": "loud"``, a time that is not ISO 8601, a
``datr`` that is no LoRa data rate, a Parquet value that does not convert) is
null *and* named in ``ingest_error`` as ``bad_field: ...``; a Parquet column
of a type that cannot hold its field (an integer ``phy_payload``) is refused
with :class:`IngestError`. A text that is one pretty-printed JSON document with
a syntax error gives one ``bad_json: document`` row with the line and column.
:func:`toyama_lab.lorawan.batch.decode_batch` reports null payloads as status
``missing_payload``, so every input row stays countable.

References
----------
.. [1] Semtech, "packet_forwarder PROTOCOL.TXT", v2 (sections 3-4: PUSH_DATA,
   rxpk fields).
.. [2] ChirpStack v4 API protobufs ``gw/gw.proto`` (UplinkFrame, UplinkTxInfo,
   UplinkRxInfo) and ``integration/integration.proto`` (UplinkEvent).
.. [3] The Things Stack documentation, "Data Formats" (uplink messages) and
   the ``lorawanv3UplinkMessage`` API schema (``raw_payload``); lorawan-stack
   ``api/messages.proto`` (``UplinkMessage``: raw_payload, settings, rx_metadata,
   received_at; ``GatewayUplinkMessage``: message, band_id) and the event
   ``gs.up.receive`` defined by its gateway server.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

__all__ = [
    "AS923_DATA_RATES",
    "FORMATS",
    "RECEPTION_SCHEMA",
    "SOURCES",
    "IngestError",
    "empty_receptions",
    "parse_push_data",
    "read_receptions",
    "receptions_from_json",
    "receptions_from_payloads",
]

#: One row per gateway reception. ``ingest_error`` is null for a clean row.
RECEPTION_SCHEMA: dict[str, pl.DataType] = {
    "time": pl.Datetime("us", "UTC"),
    "gateway_id": pl.String,
    "freq_hz": pl.Int64,
    "sf": pl.Int8,
    "bw_hz": pl.Int32,
    "datr": pl.String,
    "codr": pl.String,
    "rssi_dbm": pl.Float32,
    "snr_db": pl.Float32,
    "tmst": pl.UInt32,
    "phy_payload": pl.Binary,
    "source": pl.String,
    "ingest_error": pl.String,
    "antenna": pl.UInt8,
    "channel": pl.UInt8,
    "rf_chain": pl.UInt8,
}

#: Shapes :func:`receptions_from_json` reads (``"auto"`` recognises each object by its keys).
SOURCES = ("auto", "semtech", "chirpstack", "tts", "basicstation")
#: Formats :func:`read_receptions` understands.
FORMATS = ("auto", "json", "hex", "base64", "parquet", "push_data")

_DATR = re.compile(r"^SF(\d{1,2})BW(\d{3})$")
#: LoRa bandwidths of LoRaWAN channels [kHz] (LoRa Alliance RP002-1.0.4, every region).
_LORA_BW_KHZ = (125, 250, 500)
_DATR_EXPECTED = "is not a LoRa data rate SF5..SF12 with BW125, BW250 or BW500"
_FRACTION = re.compile(r"(\.\d{6})\d+")
_HEX = re.compile(r"^[0-9a-fA-F]*$")


class IngestError(ValueError):
    """An input that cannot be read at all (bad file, bad datagram header)."""


def empty_receptions() -> pl.DataFrame:
    """A reception table with no rows."""
    return pl.DataFrame(schema=RECEPTION_SCHEMA)


def _row(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(RECEPTION_SCHEMA)
    row.update(values)
    return row


def _time(text: Any) -> datetime | None:
    """ISO 8601 text (``Z`` or offset, any fraction digits) -> aware UTC datetime."""
    if not isinstance(text, str) or not text:
        return None
    t = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def _b64(text: Any, size: int | None = None) -> tuple[bytes | None, str | None]:
    """Bytes of base64 text; unpadded text only when it decodes to ``size`` bytes.

    PROTOCOL.TXT's third rxpk example carries 43 characters, without the ``=``
    padding, for ``size`` 32: the padding is restored when the length agrees.
    """
    if not isinstance(text, str):
        return None, "no_phy_payload: the field is missing or not a string"
    try:
        return base64.b64decode(text, validate=True), None
    except (binascii.Error, ValueError):
        pass
    if size is not None and len(text) % 4 in (2, 3) and not text.endswith("="):
        try:
            phy = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            phy = None
        if phy is not None and len(phy) == size:
            return phy, None
    return None, "bad_base64: the payload is not valid base64"


def _num(value: Any) -> float | None:
    """A finite number from a JSON number or numeric text; None otherwise (booleans too)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _sf_bw(datr: Any) -> tuple[int | None, int | None]:
    m = _DATR.match(datr) if isinstance(datr, str) else None
    if not m or not 5 <= int(m[1]) <= 12 or int(m[2]) not in _LORA_BW_KHZ:
        return None, None
    return int(m[1]), int(m[2]) * 1000


class _Fields:
    """Reads the fields of one JSON object and notes every one it cannot read.

    A field that is absent (or JSON ``null``) is simply null; a field that is
    present but unreadable is null *and* named in :meth:`error`, so that no value
    turns into a silent null.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, name: str, value: Any, expected: str) -> None:
        """Note that field ``name`` holds ``value``, which ``expected`` says is wrong."""
        shown = repr(value)
        self.problems.append(f"{name} {shown[:40]}{'...' if len(shown) > 40 else ''} {expected}")

    def num(self, name: str, value: Any) -> float | None:
        if value is None:
            return None
        f = _num(value)
        if f is None:
            self.bad(name, value, "is not a number")
        return f

    def int_range(self, name: str, value: Any, lo: int, hi: int) -> int | None:
        f = self.num(name, value)
        if f is None:
            return None
        if f != round(f) or not lo <= f <= hi:
            self.bad(name, value, f"is not an integer in {lo}..{hi}")
            return None
        return round(f)

    def time(self, name: str, value: Any) -> datetime | None:
        if value is None:
            return None
        t = _time(value)
        if t is None:
            self.bad(name, value, "is not an ISO 8601 time")
        return t

    def text(self, name: str, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        self.bad(name, value, "is not text")
        return None

    def datr(self, value: Any, modu: Any) -> tuple[int | None, int | None, str | None]:
        """(SF, bandwidth [Hz], datr text) of a Semtech ``datr`` (FSK: a bit rate)."""
        if value is None:
            return None, None, None
        if modu == "FSK" or (isinstance(value, int | float) and not isinstance(value, bool)):
            if _num(value) is None:
                self.bad("datr", value, "is not an FSK bit rate")
                return None, None, None
            return None, None, str(value)
        sf, bw = _sf_bw(value)
        if sf is None:
            self.bad("datr", value, _DATR_EXPECTED)
            return None, None, value if isinstance(value, str) else None
        return sf, bw, value

    def error(self, first: str | None = None) -> str | None:
        """``first`` (a payload problem) and ``bad_field: ...`` for the unreadable fields."""
        parts = [first] if first else []
        if self.problems:
            parts.append("bad_field: " + "; ".join(self.problems))
        return "; ".join(parts) or None


# ------------------------------------------------------------------------ Semtech
def _rxpk_rows(pk: Mapping[str, Any], gateway_id: str | None) -> list[dict[str, Any]]:
    """Rows of one ``rxpk`` object (PROTOCOL.TXT section 4): one per antenna in ``rsig``.

    Gateways with several antennas (protocol v2 ``rsig`` list: ``ant``, ``chan``,
    ``rssic``, ``lsnr``) report RSSI and SNR per antenna instead of ``rssi`` /
    ``lsnr``; each antenna is a reception of its own, with ``antenna`` and
    ``channel`` kept. :func:`toyama_lab.lorawan.batch.decode_batch` collapses them
    into one frame, as it does for several gateways.
    """
    f = _Fields()
    size = f.int_range("size", pk.get("size"), 0, 2**16)
    phy, err = _b64(pk.get("data"), size)
    if phy is not None and size is not None and size != len(phy):
        err = f"size_mismatch: size field {size} but {len(phy)} bytes of data"
    if phy is not None and pk.get("stat") == -1:
        err = "crc_error: the gateway reports a failed CRC (stat = -1)"
    sf, bw, datr = f.datr(pk.get("datr"), pk.get("modu"))
    freq = f.num("freq", pk.get("freq"))
    if freq is not None and not 0 <= freq <= 10_000:
        f.bad("freq", pk.get("freq"), "is not a frequency in 0..10000 MHz")
        freq = None
    base = {
        "time": f.time("time", pk.get("time")),
        "gateway_id": gateway_id,
        "freq_hz": None if freq is None else round(freq * 1e6),
        "sf": sf,
        "bw_hz": bw,
        "datr": datr,
        "codr": f.text("codr", pk.get("codr")),
        "tmst": f.int_range("tmst", pk.get("tmst"), 0, 2**32 - 1),
        "phy_payload": phy,
        "source": "semtech",
        "rf_chain": f.int_range("rfch", pk.get("rfch"), 0, 255),
    }
    rsig = pk.get("rsig")
    if rsig is None:
        return [
            _row(
                **base,
                rssi_dbm=f.num("rssi", pk.get("rssi")),
                snr_db=f.num("lsnr", pk.get("lsnr")),
                channel=f.int_range("chan", pk.get("chan"), 0, 255),
                ingest_error=f.error(err),
            )
        ]
    if not isinstance(rsig, list) or not rsig:
        f.bad("rsig", rsig, "is not a non-empty list of antenna objects")
        rsig = [{}]
    rows = []
    for sig in rsig:
        fa = _Fields()
        fa.problems = list(f.problems)
        if not isinstance(sig, Mapping):
            fa.bad("rsig entry", sig, "is not an object")
            sig = {}
        rows.append(
            _row(
                **base,
                rssi_dbm=fa.num("rssic", sig.get("rssic", pk.get("rssi"))),
                snr_db=fa.num("lsnr", sig.get("lsnr", pk.get("lsnr"))),
                antenna=fa.int_range("ant", sig.get("ant"), 0, 255),
                channel=fa.int_range("chan", sig.get("chan", pk.get("chan")), 0, 255),
                ingest_error=fa.error(err),
            )
        )
    return rows


def _semtech_rows(obj: Mapping[str, Any], gateway_id: str | None) -> list[dict[str, Any]]:
    packets = obj.get("rxpk") if "rxpk" in obj else [obj]
    if not isinstance(packets, list):
        return [
            _row(
                source="semtech",
                gateway_id=gateway_id,
                ingest_error="bad_shape: 'rxpk' is not a list",
            )
        ]
    rows = []
    for pk in packets:
        if not isinstance(pk, Mapping):
            rows.append(
                _row(
                    source="semtech",
                    gateway_id=gateway_id,
                    ingest_error="bad_shape: an rxpk entry is not an object",
                )
            )
            continue
        rows.extend(_rxpk_rows(pk, gateway_id))
    return rows


def _looks_like_push_data(raw: bytes) -> bool:
    """A PUSH_DATA header (version 1/2, identifier 0x00) followed by a JSON object."""
    return len(raw) >= 13 and raw[0] in (1, 2) and raw[3] == 0x00 and raw[12:13] == b"{"


def _push_data_capture(raw: bytes) -> pl.DataFrame:
    """Receptions of saved PUSH_DATA datagrams: one, or many written back to back.

    A datagram has no length field: each JSON object ends where its braces close
    (found with :meth:`json.JSONDecoder.raw_decode`), and the next header follows.
    Bytes that do not start a datagram end the capture with one ``bad_datagram``
    row naming the byte offset.
    """
    decoder = json.JSONDecoder()
    text = raw.decode("latin-1")  # one character per byte: offsets stay byte offsets
    parts: list[pl.DataFrame] = []
    pos, n = 0, 0
    while pos < len(raw):
        if not raw[pos:].strip(b" \t\r\n"):
            break
        n += 1
        problem = None
        if not _looks_like_push_data(raw[pos:]):
            problem = "does not start with a PUSH_DATA header (version 1 or 2, identifier 0x00)"
        else:
            try:
                _, end = decoder.raw_decode(text, pos + 12)
            except (json.JSONDecodeError, RecursionError) as exc:
                problem = f"its JSON does not end ({getattr(exc, 'msg', 'nested too deeply')})"
            else:
                try:
                    parts.append(parse_push_data(raw[pos:end]))
                except IngestError as exc:
                    problem = str(exc)
                pos = end
        if problem is not None:
            parts.append(
                receptions_from_payloads(
                    [None],
                    source="semtech",
                    errors=[f"bad_datagram: datagram {n} at byte {pos}: {problem}"],
                )
            )
            break
    return pl.concat(parts) if parts else empty_receptions()


def parse_push_data(datagram: bytes) -> pl.DataFrame:
    """Receptions of one Semtech ``PUSH_DATA`` UDP datagram.

    Parameters
    ----------
    datagram : bytes
        Protocol version (1 or 2), random token (2 bytes), identifier ``0x00``,
        gateway EUI (8 bytes), then the JSON object with ``rxpk`` (and/or ``stat``).

    Returns
    -------
    polars.DataFrame
        :data:`RECEPTION_SCHEMA` rows, ``gateway_id`` = EUI as 16 lower-case
        hex digits; no rows for a status-only datagram.

    Raises
    ------
    IngestError
        A datagram that is too short, is not PUSH_DATA, or holds no JSON object.
    """
    data = bytes(datagram)
    if len(data) < 12:
        raise IngestError(
            f"PUSH_DATA datagram of {len(data)} bytes is too short: expected 12 header "
            "bytes (version, token, identifier, gateway EUI) followed by JSON"
        )
    if data[0] not in (1, 2) or data[3] != 0x00:
        raise IngestError(
            f"not a PUSH_DATA datagram: version {data[0]}, identifier 0x{data[3]:02x}; "
            "expected version 1 or 2 and identifier 0x00 (PULL_DATA/TX_ACK are not uplinks)"
        )
    eui = data[4:12].hex()
    try:
        obj = json.loads(data[12:].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"PUSH_DATA from gateway {eui}: the JSON part is invalid: {exc}") from exc
    if not isinstance(obj, Mapping):
        raise IngestError(f"PUSH_DATA from gateway {eui}: expected a JSON object")
    rows = _semtech_rows(obj, eui) if "rxpk" in obj else []
    return (
        pl.DataFrame(rows, schema=RECEPTION_SCHEMA, orient="row") if rows else (empty_receptions())
    )


# ---------------------------------------------------------------------- ChirpStack
_CS_CODE_RATE = re.compile(r"^CR_(\d)_(\d)$")


def _gateway_hex(value: Any) -> Any:
    """A gateway EUI as 16 lower-case hex digits: from hex, or from base64 of 8 bytes
    (ChirpStack v3 marshals the ``bytes`` field ``gatewayID`` as base64)."""
    if not isinstance(value, str):
        return value
    if len(value) == 16 and _HEX.match(value):
        return value.lower()
    if len(value) == 12:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
        if len(raw) == 8:
            return raw.hex()
    return value


def _chirpstack_event_kind(obj: Mapping[str, Any]) -> str:
    """``up`` for an uplink or a gateway frame, else the ChirpStack event type.

    Integration events do not name their type in the JSON (the MQTT topic does,
    ``.../event/<type>``); it is recognised from the fields each type alone has
    (ChirpStack v4 ``integration/integration.proto``; v3
    ``as/integration/integration.proto``, where ack, txack and error events also
    carry ``fCnt``, so those are tested first).
    """
    keys = set(obj)
    if keys & {"phyPayload", "phy_payload"}:
        return "up"
    if "acknowledged" in keys:
        return "ack"
    if keys & {"batteryLevel", "margin", "externalPowerSource", "batteryLevelUnavailable"}:
        return "status"
    if keys & {"level", "code", "description"} or {"type", "error"} <= keys:
        return "log"
    if keys & {"gatewayId", "gatewayID", "downlinkId", "queueItemId", "fCntDown"}:
        return "txack"
    if "location" in keys:
        return "location"
    if "integrationName" in keys:
        return "integration"
    if keys & {"fCnt", "fPort", "data", "object", "objectJSON"}:
        return "up"
    if "devAddr" in keys:
        return "join"
    return "up"


def _chirpstack_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of a ChirpStack gateway frame or integration event (v4 and v3).

    v4: ``txInfo.modulation.lora.{bandwidth [Hz], spreadingFactor, codeRate: "CR_4_5"}``,
    ``rxInfo.{gatewayId, rssi, snr, gwTime, nsTime}``. v3: ``txInfo.modulation``
    is the text ``"LORA"`` and ``txInfo.loRaModulationInfo.{bandwidth [kHz],
    spreadingFactor, codeRate: "4/5"}``, ``rxInfo.{gatewayID (base64 or hex), rssi,
    loRaSNR, time}``. Both: ``channel``, ``rfChain``, ``antenna``, ``crcStatus``.
    """
    kind = _chirpstack_event_kind(obj)
    if kind != "up":
        return [
            _row(
                time=_time(obj.get("time")),
                source="chirpstack",
                ingest_error=(
                    f"not_an_uplink: a ChirpStack {kind!r} event carries no uplink frame "
                    f"(keys: {sorted(obj)[:8]}); export 'up' events or gateway frames"
                ),
            )
        ]
    f = _Fields()
    tx = obj.get("txInfo", obj.get("tx_info")) or {}
    if not isinstance(tx, Mapping):
        f.bad("txInfo", tx, "is not an object")
        tx = {}
    modulation = tx.get("modulation")
    if isinstance(modulation, Mapping):  # v4
        lora, bw_unit = modulation.get("lora") or {}, 1
    else:  # v3: "modulation": "LORA" beside loRaModulationInfo, bandwidth in kHz
        lora = tx.get("loRaModulationInfo", tx.get("lora_modulation_info")) or {}
        bw_unit = 1000
    if not isinstance(lora, Mapping):
        f.bad("lora modulation", lora, "is not an object")
        lora = {}
    sf = f.int_range(
        "spreadingFactor", lora.get("spreadingFactor", lora.get("spreading_factor")), 5, 12
    )
    bw = f.int_range("bandwidth", lora.get("bandwidth"), 1, 10**7)
    bw = None if bw is None else bw * bw_unit
    cr = f.text("codeRate", lora.get("codeRate", lora.get("code_rate")))
    m = _CS_CODE_RATE.match(cr) if cr else None
    codr = f"{m[1]}/{m[2]}" if m else cr
    datr = f"SF{sf}BW{bw // 1000}" if sf is not None and bw is not None else None
    freq = f.int_range("frequency", tx.get("frequency"), 0, 10**10)
    phy_field = obj.get("phyPayload", obj.get("phy_payload"))
    if phy_field is not None:
        phy, err = _b64(phy_field)
    else:
        phy, err = (
            None,
            (
                "no_phy_payload: ChirpStack uplink event carries only the decrypted 'data', "
                "not the PHYPayload; export gateway frames (UplinkFrame) to check MICs"
            ),
        )
    rx = obj.get("rxInfo", obj.get("rx_info"))
    rx_list = rx if isinstance(rx, list) and rx else [rx] if isinstance(rx, Mapping) else [{}]
    rows = []
    for r in rx_list:
        r = r if isinstance(r, Mapping) else {}
        # Gateway clock (GNSS) first, then the network server's reception time.
        t = (
            r.get("gwTime")
            or r.get("gw_time")
            or r.get("time")
            or r.get("nsTime")
            or r.get("ns_time")
            or obj.get("time")
        )
        row_err = err
        if phy is not None and r.get("crcStatus", r.get("crc_status")) == "BAD_CRC":
            row_err = "crc_error: the gateway reports a failed CRC"
        fr = _Fields()
        fr.problems = list(f.problems)
        rows.append(
            _row(
                time=fr.time("time", t),
                gateway_id=fr.text(
                    "gatewayId",
                    _gateway_hex(r.get("gatewayId", r.get("gatewayID", r.get("gateway_id")))),
                ),
                freq_hz=freq,
                sf=sf,
                bw_hz=bw,
                datr=datr,
                codr=codr,
                rssi_dbm=fr.num("rssi", r.get("rssi")),
                snr_db=fr.num("snr", r.get("snr", r.get("loRaSNR"))),
                phy_payload=phy,
                source="chirpstack",
                ingest_error=fr.error(row_err),
                antenna=fr.int_range("antenna", r.get("antenna"), 0, 255),
                channel=fr.int_range("channel", r.get("channel"), 0, 255),
                rf_chain=fr.int_range("rfChain", r.get("rfChain", r.get("rf_chain")), 0, 255),
            )
        )
    return rows


# ---------------------------------------------------------------- The Things Stack
#: Application messages of The Things Stack that are not uplinks (``ApplicationUp`` one-of).
_TTS_NOT_UPLINK = (
    "join_accept",
    "downlink_ack",
    "downlink_nack",
    "downlink_sent",
    "downlink_failed",
    "downlink_queued",
    "downlink_queue_invalidated",
    "location_solved",
    "service_data",
)


def _tts_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    other = [k for k in _TTS_NOT_UPLINK if k in obj]
    if other and "uplink_message" not in obj:
        return [
            _row(
                time=_time(obj.get("received_at")),
                source="tts",
                ingest_error=(
                    f"not_an_uplink: a The Things Stack {other[0]!r} message carries no "
                    "uplink; expected 'uplink_message' or a gateway uplink with 'raw_payload'"
                ),
            )
        ]
    up = obj.get("uplink_message") if "uplink_message" in obj else obj
    up = up if isinstance(up, Mapping) else {}
    settings = up.get("settings") or {}
    lora = (
        ((settings.get("data_rate") or {}).get("lora") or {})
        if isinstance(settings, Mapping)
        else {}
    )
    f = _Fields()
    sf = f.int_range("spreading_factor", lora.get("spreading_factor"), 5, 12)
    bw = f.int_range("bandwidth", lora.get("bandwidth"), 1, 10**7)
    freq = (
        f.int_range("frequency", settings.get("frequency"), 0, 10**10)
        if isinstance(settings, Mapping)
        else None
    )
    datr = f"SF{sf}BW{bw // 1000}" if sf is not None and bw is not None else None
    raw = up.get("raw_payload", obj.get("raw_payload"))
    if raw is not None:
        phy, err = _b64(raw)
    else:
        phy, err = (
            None,
            (
                "no_phy_payload: The Things Stack uplink message carries only the decrypted "
                "'frm_payload'; use gateway-server events with 'raw_payload' to check MICs"
            ),
        )
    meta = up.get("rx_metadata")
    meta_list = meta if isinstance(meta, list) and meta else [{}]
    rows = []
    for md in meta_list:
        md = md if isinstance(md, Mapping) else {}
        ids = md.get("gateway_ids") or {}
        fr = _Fields()
        fr.problems = list(f.problems)
        gw = (
            fr.text("gateway_ids", ids.get("eui") or ids.get("gateway_id"))
            if isinstance(ids, Mapping)
            else None
        )
        rows.append(
            _row(
                time=fr.time(
                    "time",
                    md.get("time")
                    or md.get("received_at")
                    or up.get("received_at")
                    or obj.get("received_at"),
                ),
                gateway_id=gw.lower() if isinstance(gw, str) and _HEX.match(gw) else gw,
                freq_hz=freq,
                sf=sf,
                bw_hz=bw,
                datr=datr,
                codr=fr.text(
                    "coding_rate",
                    lora.get("coding_rate")
                    or (settings.get("coding_rate") if isinstance(settings, Mapping) else None),
                ),
                rssi_dbm=fr.num("rssi", md.get("rssi", md.get("channel_rssi"))),
                snr_db=fr.num("snr", md.get("snr")),
                tmst=fr.int_range("timestamp", md.get("timestamp"), 0, 2**32 - 1),
                phy_payload=phy,
                source="tts",
                ingest_error=fr.error(err),
                antenna=fr.int_range("antenna_index", md.get("antenna_index"), 0, 255),
                channel=fr.int_range("channel_index", md.get("channel_index"), 0, 255),
            )
        )
    return rows


#: The Things Stack event carrying a gateway uplink (``GatewayUplinkMessage``).
TTS_UPLINK_EVENT = "gs.up.receive"


def _tts_event_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of a The Things Stack event (``{"name", "time", "identifiers", "data"}``).

    ``gs.up.receive`` carries a ``GatewayUplinkMessage`` whose ``message`` is an
    ``UplinkMessage`` with ``raw_payload`` (since 3.19.2; before, ``data`` was the
    ``UplinkMessage`` itself, and both are read); the gateway comes from
    ``rx_metadata[].gateway_ids`` or, failing that, from the event's
    ``identifiers[].gateway_ids``. Other events (status, downlink, forward, ...)
    give one row with the reason in ``ingest_error`` so that they stay counted.
    """
    name = obj.get("name")
    data = obj.get("data")
    if name != TTS_UPLINK_EVENT:
        return [
            _row(
                time=_time(obj.get("time")),
                source="tts",
                ingest_error=(
                    f"not_an_uplink: The Things Stack event {name!r} is not an uplink; "
                    f"expected {TTS_UPLINK_EVENT!r}, the only event that carries a PHYPayload"
                ),
            )
        ]
    message = data.get("message") if isinstance(data, Mapping) else None
    if not isinstance(message, Mapping) and isinstance(data, Mapping) and "raw_payload" in data:
        message = data  # before 3.19.2: the UplinkMessage itself
    if not isinstance(message, Mapping):
        found = sorted(data)[:8] if isinstance(data, Mapping) else type(data).__name__
        return [
            _row(
                time=_time(obj.get("time")),
                source="tts",
                ingest_error=(
                    f"bad_shape: a {TTS_UPLINK_EVENT!r} event whose 'data' holds neither "
                    "'message' (a GatewayUplinkMessage, 3.19.2 and later) nor 'raw_payload' "
                    f"(an UplinkMessage, before 3.19.2); found {found}"
                ),
            )
        ]
    gateway = None
    for ident in obj.get("identifiers") or []:
        ids = ident.get("gateway_ids") if isinstance(ident, Mapping) else None
        if isinstance(ids, Mapping):
            gateway = ids.get("eui") or ids.get("gateway_id")
            break
    if not isinstance(message.get("rx_metadata"), list | None):
        message = {**message, "rx_metadata": None}
    msg = dict(message)
    if not msg.get("received_at") and obj.get("time"):
        msg["received_at"] = obj["time"]
    rows = _tts_rows(msg)
    if isinstance(gateway, str):
        gw = gateway.lower() if _HEX.match(gateway) else gateway
        for row in rows:
            if row["gateway_id"] is None:
                row["gateway_id"] = gw
    return rows


# ------------------------------------------------------------ LoRa Basics Station
#: AS923 data rates: DR -> (spreading factor, bandwidth [Hz]); DR7 is FSK 50 kbit/s
#: (LoRa Alliance, RP002-1.0.4 Regional Parameters, §2.8.3, AS923 "Data rate and
#: end-device output power encoding" table). Basics Station reports ``DR`` as an
#: index into the region's table (its router_config ``DRs``).
AS923_DATA_RATES: dict[int, tuple[int, int] | None] = {
    0: (12, 125_000),
    1: (11, 125_000),
    2: (10, 125_000),
    3: (9, 125_000),
    4: (8, 125_000),
    5: (7, 125_000),
    6: (7, 250_000),
    7: None,  # FSK 50 kbit/s
}
#: Basics Station uplink message types that carry a frame.
_STATION_UPLINKS = ("updf", "jreq", "rejoin", "propdf")


def _eui_bytes(f: _Fields, name: str, value: Any) -> bytes | None:
    """An EUI as Basics Station writes it ("00-11-...-77", or plain/colon hex) -> 8 bytes."""
    if value is None:
        f.bad(name, value, "is missing")
        return None
    text = value.replace("-", "").replace(":", "") if isinstance(value, str) else ""
    if len(text) != 16 or not _HEX.match(text):
        f.bad(name, value, "is not an EUI of 8 bytes such as '00-11-22-33-44-55-66-77'")
        return None
    return bytes.fromhex(text)


def _hex_field(f: _Fields, name: str, value: Any) -> bytes | None:
    if isinstance(value, str) and _HEX.match(value) and len(value) % 2 == 0:
        return bytes.fromhex(value)
    f.bad(name, value, "is not hex text")
    return None


def _station_phy(msg: Mapping[str, Any], f: _Fields) -> bytes | None:
    """The PHYPayload of a Basics Station uplink, rebuilt from its fields.

    Basics Station (``src/lora.c``, ``s2e_parse_lora_frame``) splits a data frame
    into ``MHdr``, ``DevAddr`` (signed 32-bit), ``FCtrl``, ``FCnt``, ``FOpts``
    (hex), ``FPort`` (-1: none), ``FRMPayload`` (hex) and ``MIC`` (the last 4
    bytes read little-endian as a signed 32-bit integer); a join-request into
    ``MHdr``, ``JoinEui``, ``DevEui``, ``DevNonce``, ``MIC``; a proprietary frame
    is sent whole as ``FRMPayload``. Network servers (ChirpStack's gateway bridge,
    The Things Stack's gateway server) put the fields back in LoRaWAN order, all
    little-endian (LoRaWAN 1.0.4 §4), as done here.
    """
    kind = msg.get("msgtype")
    if kind == "propdf":
        return _hex_field(f, "FRMPayload", msg.get("FRMPayload"))
    mhdr = f.int_range("MHdr", msg.get("MHdr"), 0, 255)
    mic = f.int_range("MIC", msg.get("MIC"), -(2**31), 2**32 - 1)
    if kind in ("jreq", "rejoin"):
        join_eui = _eui_bytes(f, "JoinEui", msg.get("JoinEui", msg.get("JoinEUI")))
        dev_eui = _eui_bytes(f, "DevEui", msg.get("DevEui", msg.get("DevEUI")))
        nonce = f.int_range("DevNonce", msg.get("DevNonce"), 0, 2**16 - 1)
        parts = (mhdr, join_eui, dev_eui, nonce, mic)
        if any(p is None for p in parts):
            return None
        return (
            bytes([mhdr])
            + join_eui[::-1]
            + dev_eui[::-1]
            + nonce.to_bytes(2, "little")
            + (mic & 0xFFFFFFFF).to_bytes(4, "little")
        )
    addr = f.int_range("DevAddr", msg.get("DevAddr"), -(2**31), 2**32 - 1)
    fctrl = f.int_range("FCtrl", msg.get("FCtrl"), 0, 255)
    fcnt = f.int_range("FCnt", msg.get("FCnt"), 0, 2**16 - 1)
    fopts = _hex_field(f, "FOpts", msg.get("FOpts", ""))
    fport = f.int_range("FPort", msg.get("FPort", -1), -1, 255)
    frm = _hex_field(f, "FRMPayload", msg.get("FRMPayload", ""))
    parts = (mhdr, addr, fctrl, fcnt, fopts, fport, frm, mic)
    if any(p is None for p in parts):
        return None
    return (
        bytes([mhdr])
        + (addr & 0xFFFFFFFF).to_bytes(4, "little")
        + bytes([fctrl])
        + fcnt.to_bytes(2, "little")
        + fopts
        + (bytes([fport]) if fport >= 0 else b"")
        + frm
        + (mic & 0xFFFFFFFF).to_bytes(4, "little")
    )


def _station_time(f: _Fields, value: Any, name: str) -> datetime | None:
    """UTC seconds since 1970 (Basics Station ``rxtime``/``RefTime``); 0 means unknown."""
    t = f.num(name, value)
    if not t:
        return None
    try:
        return datetime.fromtimestamp(t, UTC)
    except (OverflowError, OSError, ValueError):
        f.bad(name, value, "is not a time in seconds since 1970")
        return None


def _station_rows(obj: Mapping[str, Any], gateway_id: str | None) -> list[dict[str, Any]]:
    """Rows of a LoRa Basics Station LNS message (``updf``, ``jreq``/``rejoin``, ``propdf``).

    RSSI, SNR and the reception time come from ``upinfo`` (``rssi`` [dBm], ``snr``
    [dB], ``rxtime`` [s since 1970, UTC]; ``RefTime`` when ``rxtime`` is absent),
    the frequency from ``Freq`` [Hz] and SF/bandwidth from ``DR`` through
    :data:`AS923_DATA_RATES`. The gateway is not in the message (it is the
    router of the WebSocket connection): pass ``gateway_id`` or find it in
    ``router``. Other message types give a ``not_an_uplink`` row.
    """
    kind = obj.get("msgtype")
    if kind not in _STATION_UPLINKS:
        return [
            _row(
                source="basicstation",
                ingest_error=(
                    f"not_an_uplink: a LoRa Basics Station {kind!r} message carries no "
                    f"uplink; expected one of {list(_STATION_UPLINKS)}"
                ),
            )
        ]
    f = _Fields()
    phy = _station_phy(obj, f)
    dr = f.int_range("DR", obj.get("DR"), 0, 15)
    sf = bw = None
    datr = None
    if dr is not None:
        if dr not in AS923_DATA_RATES:
            f.bad("DR", dr, "is not an AS923 uplink data rate DR0..DR7")
        elif AS923_DATA_RATES[dr] is None:
            datr = "50000"  # FSK [bit/s], as rxpk writes it
        else:
            sf, bw = AS923_DATA_RATES[dr]
            datr = f"SF{sf}BW{bw // 1000}"
    up = obj.get("upinfo")
    if not isinstance(up, Mapping):
        if up is not None:
            f.bad("upinfo", up, "is not an object")
        up = {}
    when = _station_time(f, up.get("rxtime"), "rxtime") or _station_time(
        f, obj.get("RefTime"), "RefTime"
    )
    router = obj.get("router", gateway_id)
    return [
        _row(
            time=when,
            gateway_id=_gateway_hex(f.text("router", router)),
            freq_hz=f.int_range("Freq", obj.get("Freq"), 0, 10**10),
            sf=sf,
            bw_hz=bw,
            datr=datr,
            rssi_dbm=f.num("rssi", up.get("rssi")),
            snr_db=f.num("snr", up.get("snr")),
            phy_payload=phy,
            source="basicstation",
            ingest_error=f.error(
                None
                if phy is not None
                else f"no_phy_payload: the {kind!r} message cannot be rebuilt into a PHYPayload"
            ),
        )
    ]


def _unwrap(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object inside a The Things Stack event-stream line ``{"result": {...}}``."""
    inner = obj.get("result")
    return inner if len(obj) == 1 and isinstance(inner, Mapping) else obj


#: Keys that only ChirpStack objects have (v4 ``deviceInfo``; v3 ``devEUI``, ``applicationID``).
_CHIRPSTACK_KEYS = frozenset(
    {"deviceInfo", "devAddr", "devEUI", "applicationID", "rxInfo", "txInfo", "phyPayload"}
    | {"rx_info", "phy_payload"}
)


def _detect(obj: Mapping[str, Any]) -> str | None:
    keys = set(obj)
    if isinstance(obj.get("msgtype"), str):
        return "basicstation"
    if isinstance(obj.get("name"), str) and "data" in keys and "identifiers" in keys:
        return "tts_event"
    if "rxpk" in keys or ({"tmst", "datr"} & keys and "data" in keys):
        return "semtech"
    if {"end_device_ids", "uplink_message", "raw_payload"} & keys:
        return "tts"
    if _CHIRPSTACK_KEYS & keys:
        return "chirpstack"
    return None


def _rows_of(obj: Any, source: str, gateway_id: str | None, where: str) -> list[dict[str, Any]]:
    if not isinstance(obj, Mapping):
        return [
            _row(
                source="unknown",
                ingest_error=f"bad_shape: {where}: expected a JSON "
                f"object, got {type(obj).__name__}",
            )
        ]
    obj = _unwrap(obj)
    kind = _detect(obj) if source == "auto" else source
    if kind == "tts" and _detect(obj) == "tts_event":
        kind = "tts_event"
    if kind == "tts_event":
        return _tts_event_rows(obj)
    if kind == "semtech":
        return _semtech_rows(obj, gateway_id)
    if kind == "chirpstack":
        return _chirpstack_rows(obj)
    if kind == "tts":
        return _tts_rows(obj)
    if kind == "basicstation":
        return _station_rows(obj, gateway_id)
    return [
        _row(
            source="unknown",
            ingest_error=(
                f"unknown_shape: {where}: not a Semtech rxpk, ChirpStack, The Things Stack or "
                f"LoRa Basics Station uplink (keys: {sorted(obj)[:8]})"
            ),
        )
    ]


def receptions_from_json(
    data: Any, *, source: str = "auto", gateway_id: str | None = None
) -> pl.DataFrame:
    """Receptions from parsed JSON: one object, a list of objects, or JSON text.

    Parameters
    ----------
    data : dict, list of dict, str or bytes
        Parsed JSON, or JSON text (one document, or JSON lines); bytes are read
        line by line as UTF-8 (a line that is not UTF-8 gives one ``bad_utf8`` row).
    source : {"auto", "semtech", "chirpstack", "tts", "basicstation"}
        The shape; ``"auto"`` recognises it per object from its keys.
    gateway_id : str, optional
        Gateway of Semtech ``rxpk`` objects given without their datagram header.

    Returns
    -------
    polars.DataFrame
        :data:`RECEPTION_SCHEMA`; unreadable items give rows with
        ``phy_payload`` null and ``ingest_error`` set.

    Notes
    -----
    Text that parses as one JSON document is that document (an object, or a list
    of objects). Text that does not is read as JSON lines when at least half of
    its non-blank lines are each a complete JSON object or array; then each line
    gives its rows, or one row ``bad_json: line N: ...``. Otherwise it is one
    document with an error: one row ``bad_json: document: ... at line L, column C``.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {list(SOURCES)}, got {source!r}")
    if isinstance(data, str | bytes):
        raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
        items = _json_items(raw, _split_lines(raw))
    else:
        items = [
            (o, f"item {i + 1}") for i, o in enumerate(data if isinstance(data, list) else [data])
        ]
    rows: list[dict[str, Any]] = []
    for obj, where in items:
        if isinstance(obj, _BadLine):
            rows.append(_row(source="unknown", ingest_error=obj.message))
        else:
            rows.extend(_rows_of(obj, source, gateway_id, where))
    if not rows:
        return empty_receptions()
    return pl.DataFrame(rows, schema=RECEPTION_SCHEMA, orient="row")


class _BadLine:
    """An input line (or document) that could not be read; ``message`` says why."""

    def __init__(self, message: str) -> None:
        self.message = message


#: The byte-order mark some editors put at the start of UTF-8 files.
_BOM = b"\xef\xbb\xbf"


def _split_lines(raw: bytes) -> list[tuple[int, str | _BadLine]]:
    """Non-blank lines of ``raw`` as (line number, text), or a ``bad_utf8`` line.

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (never inside a JSON string, unlike
    :meth:`str.splitlines`, which also breaks at U+2028). A leading UTF-8 BOM is dropped.
    """
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    out: list[tuple[int, str | _BadLine]] = []
    for n, line in enumerate(raw.splitlines(), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.append(
                (
                    n,
                    _BadLine(
                        f"bad_utf8: line {n}: byte 0x{line[exc.start]:02x} at column "
                        f"{exc.start + 1} is not UTF-8 text; save the file as UTF-8"
                    ),
                )
            )
            continue
        if text.strip():
            out.append((n, text))
    return out


def _json_items(raw: bytes, lines: list[tuple[int, str | _BadLine]]) -> list[tuple[Any, str]]:
    """Objects of JSON text (see :func:`receptions_from_json`, Notes), or bad lines."""
    if not lines:
        return []
    doc_error: json.JSONDecodeError | None = None
    if not any(isinstance(t, _BadLine) for _, t in lines):
        text = raw.decode("utf-8").removeprefix("\ufeff")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            doc_error = exc
        except RecursionError:
            doc_error = json.JSONDecodeError("arrays or objects nested too deeply", text, 0)
        else:
            if isinstance(doc, list):
                return [(o, f"item {i + 1}") for i, o in enumerate(doc)]
            return [(doc, "document")]
    items: list[tuple[Any, str]] = []
    n_whole = 0
    for n, line in lines:
        if isinstance(line, _BadLine):
            items.append((line, ""))
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            col = f" (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            items.append((_BadLine(f"bad_json: line {n}: {msg}{col}"), ""))
            continue
        n_whole += isinstance(obj, dict | list)
        items.append((obj, f"line {n}"))
    if 2 * n_whole >= len(lines):
        return items
    if doc_error is None:  # a document with a line that is not UTF-8
        return [(next(t for _, t in lines if isinstance(t, _BadLine)), "")]
    return [
        (
            _BadLine(
                f"bad_json: document: {doc_error.msg} at line {doc_error.lineno}, column "
                f"{doc_error.colno} (the file is one JSON document of {len(lines)} lines, "
                "not JSON lines; fix the document, or write one JSON object per line)"
            ),
            "",
        )
    ]


def receptions_from_payloads(
    payloads: Iterable[bytes | None], *, source: str = "raw", errors: Iterable[str | None] = ()
) -> pl.DataFrame:
    """Receptions with only bytes known (e.g. hex or base64 lines); metadata null."""
    phy = list(payloads)
    errs = list(errors) or [None] * len(phy)
    frame = pl.DataFrame(
        {
            "phy_payload": pl.Series(phy, dtype=pl.Binary),
            "ingest_error": pl.Series(errs, dtype=pl.String),
        }
    )
    return frame.with_columns(
        [
            pl.lit(None, dtype=t).alias(c)
            for c, t in RECEPTION_SCHEMA.items()
            if c not in ("phy_payload", "ingest_error", "source")
        ]
        + [pl.lit(source, dtype=pl.String).alias("source")]
    ).select(list(RECEPTION_SCHEMA))


def _read_lines(lines: list[tuple[int, str | _BadLine]], fmt: str) -> pl.DataFrame:
    """One row per non-blank line of hex or base64 text; bad lines keep a row with the reason."""
    text = [(n, t.strip()) for n, t in lines if isinstance(t, str)]
    if fmt == "auto":
        # Hex when most lines are even-length hex (a bad line should not flip the whole file).
        n_hex = sum(1 for _, t in text if _HEX.match(t) and len(t) % 2 == 0)
        fmt = "hex" if text and 2 * n_hex >= len(text) else "base64"
    phy: list[bytes | None] = []
    errs: list[str | None] = []
    for n, t in lines:
        if isinstance(t, _BadLine):
            phy.append(None)
            errs.append(t.message)
            continue
        t = t.strip()
        try:
            phy.append(bytes.fromhex(t) if fmt == "hex" else base64.b64decode(t, validate=True))
            errs.append(None)
        except (ValueError, binascii.Error):
            phy.append(None)
            errs.append(f"bad_{fmt}: line {n} is not valid {fmt}")
    return receptions_from_payloads(phy, source=fmt, errors=errs)


#: What each column of a Parquet table may hold to be read into :data:`RECEPTION_SCHEMA`.
_NUMERIC = (
    "freq_hz",
    "sf",
    "bw_hz",
    "rssi_dbm",
    "snr_db",
    "tmst",
    "antenna",
    "channel",
    "rf_chain",
)
_TEXT = ("gateway_id", "datr", "codr", "source", "ingest_error")


def _column_check(name: str, dtype: pl.DataType, where: str) -> None:
    """Refuse a column whose type cannot hold the field (no silent re-interpretation)."""
    if name == "phy_payload":
        ok, expected = dtype in (pl.Binary, pl.String), "Binary bytes, or hex text (String)"
    elif name == "time":
        ok, expected = (
            isinstance(dtype, pl.Datetime) or dtype == pl.String,
            ("Datetime, or ISO 8601 text"),
        )
    elif name in _NUMERIC:
        ok, expected = dtype.is_numeric() or dtype == pl.String, "numbers, or numeric text"
    else:
        ok = dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
        expected = "text (String)"
    if not ok:
        raise IngestError(
            f"{where}: column {name!r} is {dtype}; expected {expected}. Convert the column "
            f"(e.g. with polars .cast or .str.decode) and write the table again"
        )


def _conform(df: pl.DataFrame, where: str) -> pl.DataFrame:
    """A Parquet table as :data:`RECEPTION_SCHEMA`; each unreadable value is named in
    ``ingest_error`` (``bad_field: row N: ...``) and a column of a wrong type is refused."""
    if "phy_payload" not in df.columns:
        raise IngestError(
            f"{where}: no 'phy_payload' column (columns: {df.columns}); expected a table of "
            "receptions with the raw PHYPayload bytes"
        )
    for c in RECEPTION_SCHEMA:
        if c in df.columns:
            _column_check(c, df.schema[c], where)
    cols: list[pl.Expr] = []
    problems: list[pl.Expr] = []
    for c, t in RECEPTION_SCHEMA.items():
        if c not in df.columns:
            cols.append(pl.lit("parquet" if c == "source" else None, dtype=t).alias(c))
            continue
        src = df.schema[c]
        col = pl.col(c)
        if c == "phy_payload" and src == pl.String:
            new, expected = col.str.strip_chars().str.decode("hex", strict=False), "is not hex"
        elif c == "time" and src == pl.String:
            new = col.str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
            expected = "is not an ISO 8601 time"
        elif c == "time" and src.time_zone is None:  # type: ignore[union-attr]
            new, expected = col.dt.replace_time_zone("UTC").cast(t), ""
        else:
            new = col.cast(t, strict=False)
            expected = f"does not fit {t}" if src != pl.String else f"is not a {t} value"
        cols.append(new.alias(c))
        if c != "ingest_error" and expected:
            shown = col.cast(pl.String).str.slice(0, 40)
            problems.append(
                pl.when(col.is_not_null() & new.is_null()).then(
                    pl.format("{} '{}' {}", pl.lit(c), shown, pl.lit(expected))
                )
            )
    if not problems:
        return df.select(cols)
    row = pl.int_range(1, pl.len() + 1).cast(pl.String)
    found = pl.concat_str(problems, separator="; ", ignore_nulls=True)
    err = pl.when(found != "").then(pl.format("bad_field: row {}: {}", row, found))
    # the checks read the file's columns, so they run in the same select as the casts
    out = df.select(*cols, err.alias("_bad"))
    return out.with_columns(
        pl.concat_str([pl.col("ingest_error"), pl.col("_bad")], separator="; ", ignore_nulls=True)
        .replace("", None)
        .alias("ingest_error")
    ).drop("_bad")


def read_receptions(path: str | os.PathLike[str], *, format: str = "auto") -> pl.DataFrame:
    """Read a log file of receptions in any supported format.

    Parameters
    ----------
    path : path-like
        A Parquet table of receptions, a JSON document/array, JSON lines
        (Semtech rxpk, ChirpStack, The Things Stack; mixed is fine), or text
        with one PHYPayload per line in hex or base64.
    format : {"auto", "json", "hex", "base64", "parquet", "push_data"}
        ``"auto"`` looks at the Parquet magic bytes, then for a PUSH_DATA
        header (saved UDP datagrams, one or many back to back), then at the
        first non-blank character (``{`` or ``[`` means JSON; a UTF-8 BOM is
        skipped), then at whether most lines are hex (else base64). Lines that
        do not decode become rows with ``ingest_error`` set.

    Returns
    -------
    polars.DataFrame
        :data:`RECEPTION_SCHEMA`.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    IngestError
        Unknown format, unreadable file or a Parquet file without ``phy_payload``.
    """
    if format not in FORMATS:
        raise IngestError(f"unknown format {format!r}; expected one of {list(FORMATS)}")
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"input file {str(p)!r} does not exist (or is not a file)")
    raw = p.read_bytes()
    if format == "parquet" or (format == "auto" and raw[:4] == b"PAR1"):
        try:
            table = pl.read_parquet(p)
        except pl.exceptions.PolarsError as exc:
            raise IngestError(f"{p}: cannot read as Parquet: {exc}") from exc
        return _conform(table, str(p))
    if format == "push_data" or (format == "auto" and _looks_like_push_data(raw)):
        return _push_data_capture(raw)
    lines = _split_lines(raw)
    first = next((t.lstrip()[:1] for _, t in lines if isinstance(t, str)), "")
    if format == "json" or (format == "auto" and first in ("{", "[")):
        return receptions_from_json(raw)
    return _read_lines(lines, format)
