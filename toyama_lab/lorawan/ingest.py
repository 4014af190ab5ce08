"""Read gateway and network-server logs into one table of receptions.

Three sources, one schema (:data:`RECEPTION_SCHEMA`, one row per reception of
a frame by one gateway):

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
  Other events give a row whose ``ingest_error`` starts with ``not_an_uplink``.

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
    "FORMATS",
    "RECEPTION_SCHEMA",
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
}

#: Formats :func:`read_receptions` understands.
FORMATS = ("auto", "json", "hex", "base64", "parquet")

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


def _b64(text: Any) -> tuple[bytes | None, str | None]:
    if not isinstance(text, str):
        return None, "no_phy_payload: the field is missing or not a string"
    try:
        return base64.b64decode(text, validate=True), None
    except (binascii.Error, ValueError):
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

    def _bad(self, name: str, value: Any, expected: str) -> None:
        shown = repr(value)
        self.problems.append(f"{name} {shown[:40]}{'...' if len(shown) > 40 else ''} {expected}")

    def num(self, name: str, value: Any) -> float | None:
        if value is None:
            return None
        f = _num(value)
        if f is None:
            self._bad(name, value, "is not a number")
        return f

    def int_range(self, name: str, value: Any, lo: int, hi: int) -> int | None:
        f = self.num(name, value)
        if f is None:
            return None
        if f != round(f) or not lo <= f <= hi:
            self._bad(name, value, f"is not an integer in {lo}..{hi}")
            return None
        return round(f)

    def time(self, name: str, value: Any) -> datetime | None:
        if value is None:
            return None
        t = _time(value)
        if t is None:
            self._bad(name, value, "is not an ISO 8601 time")
        return t

    def text(self, name: str, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        self._bad(name, value, "is not text")
        return None

    def datr(self, value: Any, modu: Any) -> tuple[int | None, int | None, str | None]:
        """(SF, bandwidth [Hz], datr text) of a Semtech ``datr`` (FSK: a bit rate)."""
        if value is None:
            return None, None, None
        if modu == "FSK" or (isinstance(value, int | float) and not isinstance(value, bool)):
            if _num(value) is None:
                self._bad("datr", value, "is not an FSK bit rate")
                return None, None, None
            return None, None, str(value)
        sf, bw = _sf_bw(value)
        if sf is None:
            self._bad("datr", value, _DATR_EXPECTED)
            return None, None, value if isinstance(value, str) else None
        return sf, bw, value

    def error(self, first: str | None = None) -> str | None:
        """``first`` (a payload problem) and ``bad_field: ...`` for the unreadable fields."""
        parts = [first] if first else []
        if self.problems:
            parts.append("bad_field: " + "; ".join(self.problems))
        return "; ".join(parts) or None


# ------------------------------------------------------------------------ Semtech
def _rxpk_row(pk: Mapping[str, Any], gateway_id: str | None) -> dict[str, Any]:
    """One row of one ``rxpk`` object (PROTOCOL.TXT section 4)."""
    f = _Fields()
    phy, err = _b64(pk.get("data"))
    size = f.int_range("size", pk.get("size"), 0, 2**16)
    if phy is not None and size is not None and size != len(phy):
        err = f"size_mismatch: size field {size} but {len(phy)} bytes of data"
    if phy is not None and pk.get("stat") == -1:
        err = "crc_error: the gateway reports a failed CRC (stat = -1)"
    sf, bw, datr = f.datr(pk.get("datr"), pk.get("modu"))
    freq = f.num("freq", pk.get("freq"))
    return _row(
        time=f.time("time", pk.get("time")),
        gateway_id=gateway_id,
        freq_hz=None if freq is None else round(freq * 1e6),
        sf=sf,
        bw_hz=bw,
        datr=datr,
        codr=f.text("codr", pk.get("codr")),
        rssi_dbm=f.num("rssi", pk.get("rssi")),
        snr_db=f.num("lsnr", pk.get("lsnr")),
        tmst=f.int_range("tmst", pk.get("tmst"), 0, 2**32 - 1),
        phy_payload=phy,
        source="semtech",
        ingest_error=f.error(err),
    )


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
        rows.append(_rxpk_row(pk, gateway_id))
    return rows


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


def _chirpstack_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    f = _Fields()
    tx = obj.get("txInfo") or obj.get("tx_info") or {}
    lora = ((tx.get("modulation") or {}).get("lora") or {}) if isinstance(tx, Mapping) else {}
    sf = f.int_range(
        "spreadingFactor", lora.get("spreadingFactor", lora.get("spreading_factor")), 5, 12
    )
    bw = f.int_range("bandwidth", lora.get("bandwidth"), 1, 10**7)
    cr = lora.get("codeRate", lora.get("code_rate"))
    m = _CS_CODE_RATE.match(cr) if isinstance(cr, str) else None
    codr = f"{m[1]}/{m[2]}" if m else cr
    datr = f"SF{sf}BW{bw // 1000}" if sf is not None and bw is not None else None
    freq = (
        f.int_range("frequency", tx.get("frequency"), 0, 10**10)
        if isinstance(tx, Mapping)
        else None
    )
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
    rx_list = rx if isinstance(rx, list) else [rx] if isinstance(rx, Mapping) else [{}]
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
                gateway_id=r.get("gatewayId", r.get("gateway_id")),
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
            )
        )
    return rows


# ---------------------------------------------------------------- The Things Stack
def _tts_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
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
        gw = (ids.get("eui") or ids.get("gateway_id")) if isinstance(ids, Mapping) else None
        fr = _Fields()
        fr.problems = list(f.problems)
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
                codr=lora.get("coding_rate") or settings.get("coding_rate"),
                rssi_dbm=fr.num("rssi", md.get("rssi", md.get("channel_rssi"))),
                snr_db=fr.num("snr", md.get("snr")),
                tmst=fr.int_range("timestamp", md.get("timestamp"), 0, 2**32 - 1),
                phy_payload=phy,
                source="tts",
                ingest_error=fr.error(err),
            )
        )
    return rows


#: The Things Stack event carrying a gateway uplink (``GatewayUplinkMessage``).
TTS_UPLINK_EVENT = "gs.up.receive"


def _tts_event_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of a The Things Stack event (``{"name", "time", "identifiers", "data"}``).

    ``gs.up.receive`` carries a ``GatewayUplinkMessage`` whose ``message`` is an
    ``UplinkMessage`` with ``raw_payload``; the gateway comes from
    ``rx_metadata[].gateway_ids`` or, failing that, from the event's
    ``identifiers[].gateway_ids``. Other events (status, downlink, forward, ...)
    give one row with the reason in ``ingest_error`` so that they stay counted.
    """
    name = obj.get("name")
    data = obj.get("data")
    message = data.get("message") if isinstance(data, Mapping) else None
    if name != TTS_UPLINK_EVENT or not isinstance(message, Mapping):
        return [
            _row(
                time=_time(obj.get("time")),
                source="tts",
                ingest_error=(
                    f"not_an_uplink: The Things Stack event {name!r} is not "
                    f"'{TTS_UPLINK_EVENT}' with a message; only gateway uplinks carry a PHYPayload"
                ),
            )
        ]
    gateway = None
    for ident in obj.get("identifiers") or []:
        ids = ident.get("gateway_ids") if isinstance(ident, Mapping) else None
        if isinstance(ids, Mapping):
            gateway = ids.get("eui") or ids.get("gateway_id")
            break
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


def _unwrap(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object inside a The Things Stack event-stream line ``{"result": {...}}``."""
    inner = obj.get("result")
    return inner if len(obj) == 1 and isinstance(inner, Mapping) else obj


def _detect(obj: Mapping[str, Any]) -> str | None:
    keys = set(obj)
    if isinstance(obj.get("name"), str) and "data" in keys and "identifiers" in keys:
        return "tts_event"
    if "rxpk" in keys or ({"tmst", "datr"} & keys and "data" in keys):
        return "semtech"
    if {"end_device_ids", "uplink_message", "raw_payload"} & keys:
        return "tts"
    if {"deviceInfo", "devAddr", "rxInfo", "txInfo", "phyPayload", "rx_info", "phy_payload"} & keys:
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
    return [
        _row(
            source="unknown",
            ingest_error=(
                f"unknown_shape: {where}: not a Semtech rxpk, ChirpStack or The Things Stack "
                f"uplink (keys: {sorted(obj)[:8]})"
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
    source : {"auto", "semtech", "chirpstack", "tts"}
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
    if source not in ("auto", "semtech", "chirpstack", "tts"):
        raise ValueError(
            f"source must be one of 'auto', 'semtech', 'chirpstack', 'tts', got {source!r}"
        )
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
_NUMERIC = ("freq_hz", "sf", "bw_hz", "rssi_dbm", "snr_db", "tmst")
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
    format : {"auto", "json", "hex", "base64", "parquet"}
        ``"auto"`` looks at the Parquet magic bytes, then at the first
        non-blank character (``{`` or ``[`` means JSON), then at whether most
        lines are hex (else base64). Lines that do not decode become rows with
        ``ingest_error`` set.

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
    lines = _split_lines(raw)
    first = next((t.lstrip()[:1] for _, t in lines if isinstance(t, str)), "")
    if format == "json" or (format == "auto" and first in ("{", "[")):
        return receptions_from_json(raw)
    return _read_lines(lines, format)
