"""Semtech UDP packet forwarder: ``rxpk`` objects and PUSH_DATA datagrams (PROTOCOL.TXT).

Private to :mod:`toyama_lab.lorawan.ingest`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from toyama_lab.lorawan._ingest_base import (
    RECEPTION_SCHEMA,
    Fields,
    IngestError,
    b64_payload,
    empty_receptions,
    parse_time,
    receptions_from_payloads,
    row,
)
from toyama_lab.lorawan._ingest_capture import udp_payloads


def _rxpk_rows(pk: Mapping[str, Any], gateway_id: str | None) -> list[dict[str, Any]]:
    """Rows of one ``rxpk`` object (PROTOCOL.TXT section 4): one per antenna in ``rsig``.

    Gateways with several antennas (protocol v2 ``rsig`` list: ``ant``, ``chan``,
    ``rssic``, ``lsnr``) report RSSI and SNR per antenna instead of ``rssi`` /
    ``lsnr``; each antenna is a reception of its own, with ``antenna`` and
    ``channel`` kept. :func:`toyama_lab.lorawan.batch.decode_batch` collapses them
    into one frame, as it does for several gateways.
    """
    f = Fields()
    size = f.int_range("size", pk.get("size"), 0, 2**16)
    phy, err = b64_payload(pk.get("data"), size)
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
            row(
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
        fa = Fields()
        fa.problems = list(f.problems)
        if not isinstance(sig, Mapping):
            fa.bad("rsig entry", sig, "is not an object")
            sig = {}
        rows.append(
            row(
                **base,
                rssi_dbm=fa.num("rssic", sig.get("rssic", pk.get("rssi"))),
                snr_db=fa.num("lsnr", sig.get("lsnr", pk.get("lsnr"))),
                antenna=fa.int_range("ant", sig.get("ant"), 0, 255),
                channel=fa.int_range("chan", sig.get("chan", pk.get("chan")), 0, 255),
                ingest_error=fa.error(err),
            )
        )
    return rows


def semtech_rows(obj: Mapping[str, Any], gateway_id: str | None) -> list[dict[str, Any]]:
    """Rows of an upstream JSON object: its ``rxpk`` list, or one bare rxpk object.

    An object with only a status report (``stat``, PROTOCOL.TXT section 4) is not
    an uplink: one ``not_an_uplink`` row keeps it counted.
    """
    if "rxpk" not in obj and "stat" in obj and "data" not in obj:
        return [
            row(
                source="semtech",
                gateway_id=gateway_id,
                time=parse_time(obj["stat"].get("time"))
                if isinstance(obj["stat"], Mapping)
                else None,
                ingest_error=(
                    "not_an_uplink: a Semtech status report ('stat' without 'rxpk') carries no "
                    "uplink"
                ),
            )
        ]
    packets = obj.get("rxpk") if "rxpk" in obj else [obj]
    if not isinstance(packets, list):
        return [
            row(
                source="semtech",
                gateway_id=gateway_id,
                ingest_error=(
                    f"bad_shape: 'rxpk' is {type(packets).__name__}; expected a list of "
                    "rxpk objects"
                ),
            )
        ]
    rows = []
    for i, pk in enumerate(packets, start=1):
        if not isinstance(pk, Mapping):
            rows.append(
                row(
                    source="semtech",
                    gateway_id=gateway_id,
                    ingest_error=(
                        f"bad_shape: rxpk entry {i} is {type(pk).__name__}; expected an object"
                    ),
                )
            )
            continue
        rows.extend(_rxpk_rows(pk, gateway_id))
    return rows


def looks_like_push_data(raw: bytes) -> bool:
    """A PUSH_DATA header (version 1/2, identifier 0x00) followed by a JSON object."""
    return len(raw) >= 13 and raw[0] in (1, 2) and raw[3] == 0x00 and raw[12:13] == b"{"


def push_data_capture(raw: bytes) -> pl.DataFrame:
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
        problem, start = None, pos
        if not looks_like_push_data(raw[pos:]):
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
                    errors=[f"bad_datagram: datagram {n} at byte {start}: {problem}"],
                )
            )
            break
    return pl.concat(parts) if parts else empty_receptions()


#: Semtech UDP datagram identifiers (PROTOCOL.TXT sections 3-5; TX_ACK from protocol v2).
DATAGRAM_NAMES = {
    0x00: "PUSH_DATA",
    0x01: "PUSH_ACK",
    0x02: "PULL_DATA",
    0x03: "PULL_RESP",
    0x04: "PULL_ACK",
    0x05: "TX_ACK",
}


def _error_row(message: str) -> pl.DataFrame:
    return receptions_from_payloads([None], source="semtech", errors=[message])


def capture_receptions(raw: bytes) -> pl.DataFrame:
    """Receptions of the PUSH_DATA datagrams in a libpcap or pcapng capture.

    Every packet is counted: a PUSH_DATA gives its receptions (a status-only
    one a ``not_an_uplink`` row); the protocol's other datagrams (acks, pulls, downlinks)
    give one ``not_an_uplink`` row each; a packet that is not a Semtech
    datagram over UDP, or a capture cut short, gives one ``bad_datagram`` row.
    """
    parts: list[pl.DataFrame] = []
    for n, payload, problem in udp_payloads(raw):
        if payload is None:
            parts.append(_error_row(f"bad_datagram: packet {n}: {problem}"))
            continue
        kind = DATAGRAM_NAMES.get(payload[3]) if len(payload) >= 4 else None
        if kind is None or payload[0] not in (1, 2):
            parts.append(
                _error_row(
                    f"bad_datagram: packet {n}: a UDP payload of {len(payload)} bytes that "
                    "is not a Semtech packet-forwarder datagram (version 1 or 2, identifier 0-5)"
                )
            )
        elif kind != "PUSH_DATA":
            parts.append(
                _error_row(f"not_an_uplink: packet {n} is a Semtech {kind}, not a PUSH_DATA")
            )
        else:
            try:
                parts.append(parse_push_data(payload))
            except IngestError as exc:
                parts.append(_error_row(f"bad_datagram: packet {n}: {exc}"))
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
        hex digits; a status-only datagram gives one ``not_an_uplink`` row.

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
    rows = semtech_rows(obj, eui) if "rxpk" in obj or "stat" in obj else []
    return (
        pl.DataFrame(rows, schema=RECEPTION_SCHEMA, orient="row") if rows else (empty_receptions())
    )
