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
  ``_ingest_station.station_phy``), with the data rate read through
  :data:`AS923_DATA_RATES` [4]_ [5]_.

The readers of each source live in private modules beside this one
(``_ingest_base``, ``_ingest_semtech``, ``_ingest_chirpstack``, ``_ingest_tts``,
``_ingest_station``); this module recognises the shapes, splits files into
lines or documents, reads Parquet and hands out the public names.

ChirpStack v3 gateway frames (``modulation`` "LORA", ``loRaModulationInfo``
with the bandwidth in kHz) are read beside v4 [2]_; saved PUSH_DATA datagrams
(one, many back to back, or a libpcap/pcapng capture [6]_) are read from files;
multi-antenna ``rsig`` lists give one row per antenna with ``antenna`` and
``channel`` kept [1]_.

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
   rxpk fields); the per-antenna ``rsig`` list of protocol v2 forwarders.
.. [2] ChirpStack v4 API protobufs ``gw/gw.proto`` (UplinkFrame, UplinkTxInfo,
   UplinkRxInfo) and ``integration/integration.proto`` (UplinkEvent, JoinEvent,
   AckEvent, TxAckEvent, StatusEvent, LogEvent); ChirpStack v3 ``gw/gw.proto``
   (UplinkTXInfo ``modulation`` enum and ``loRaModulationInfo``, UplinkRXInfo
   ``gatewayID`` bytes and ``loRaSNR``).
.. [3] The Things Stack documentation, "Data Formats" (uplink messages) and
   the ``lorawanv3UplinkMessage`` API schema (``raw_payload``); lorawan-stack
   ``api/messages.proto`` (``UplinkMessage``: raw_payload, settings, rx_metadata,
   received_at; ``GatewayUplinkMessage``: message, band_id) and the event
   ``gs.up.receive`` defined by its gateway server (its ``data`` was the
   UplinkMessage itself before v3.19.2).
.. [4] LoRa Basics Station, github.com/lorabasics/basicstation, ``src/lora.c``
   (``s2e_parse_lora_frame``) and ``src/s2e.c`` (``RefTime``, ``DR``, ``Freq``,
   ``upinfo``); documentation "The LNS Protocol" at doc.sm.tc/station.
.. [5] LoRa Alliance, RP002-1.0.4 Regional Parameters, §2.8.3 (AS923 data rates).
.. [6] IETF draft-ietf-opsawg-pcap and draft-ietf-opsawg-pcapng.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from toyama_lab.lorawan._ingest_base import (
    HEX,
    RECEPTION_SCHEMA,
    IngestError,
    empty_receptions,
    receptions_from_payloads,
    row,
)
from toyama_lab.lorawan._ingest_capture import is_capture
from toyama_lab.lorawan._ingest_chirpstack import CHIRPSTACK_KEYS, chirpstack_rows
from toyama_lab.lorawan._ingest_semtech import (
    capture_receptions,
    looks_like_push_data,
    parse_push_data,
    push_data_capture,
    semtech_rows,
)
from toyama_lab.lorawan._ingest_station import AS923_DATA_RATES, station_rows
from toyama_lab.lorawan._ingest_tts import tts_event_rows, tts_rows

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


#: Shapes :func:`receptions_from_json` reads (``"auto"`` recognises each object by its keys).
SOURCES = ("auto", "semtech", "chirpstack", "tts", "basicstation")
#: Formats :func:`read_receptions` understands.
FORMATS = ("auto", "json", "hex", "base64", "parquet", "push_data")


def _unwrap(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object inside a The Things Stack event-stream line ``{"result": {...}}``."""
    inner = obj.get("result")
    return inner if len(obj) == 1 and isinstance(inner, Mapping) else obj


def _detect(obj: Mapping[str, Any]) -> str | None:
    keys = set(obj)
    if isinstance(obj.get("msgtype"), str):
        return "basicstation"
    if isinstance(obj.get("name"), str) and "data" in keys and "identifiers" in keys:
        return "tts_event"
    if "rxpk" in keys or ({"tmst", "datr"} & keys and "data" in keys) or keys == {"stat"}:
        return "semtech"
    if {"end_device_ids", "uplink_message", "raw_payload"} & keys:
        return "tts"
    if CHIRPSTACK_KEYS & keys:
        return "chirpstack"
    return None


def _rows_of(obj: Any, source: str, gateway_id: str | None, where: str) -> list[dict[str, Any]]:
    if not isinstance(obj, Mapping):
        return [
            row(
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
        return tts_event_rows(obj)
    if kind == "semtech":
        return semtech_rows(obj, gateway_id)
    if kind == "chirpstack":
        return chirpstack_rows(obj)
    if kind == "tts":
        return tts_rows(obj)
    if kind == "basicstation":
        return station_rows(obj, gateway_id)
    return [
        row(
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
    its non-blank lines are each a complete JSON object or array (or it has one
    line); then each line gives its rows, or one row ``bad_json: line N: ...``.
    Otherwise it is one document with an error: one row
    ``bad_json: document: ... at line L, column C``.

    Examples
    --------
    >>> text = '{"rxpk": [{"datr": "SF7BW125", "rssi": "loud", "data": "QAE="}]}'
    >>> receptions_from_json(text).select("sf", "rssi_dbm", "phy_payload", "ingest_error").row(0)
    (7, None, b'@\\x01', "bad_field: rssi 'loud' is not a number")
    >>> receptions_from_json('{"msgtype": "dntxed"}')["ingest_error"][0][:45]
    "not_an_uplink: a LoRa Basics Station 'dntxed'"
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
            rows.append(row(source="unknown", ingest_error=obj.message))
        else:
            rows.extend(_rows_of(obj, source, gateway_id, where))
    if not rows:
        return empty_receptions()
    return pl.DataFrame(rows, schema=RECEPTION_SCHEMA, orient="row")


class _BadLine:
    """An input line (or document) that could not be read; ``message`` says why."""

    def __init__(self, message: str) -> None:
        self.message = message


#: Line ends, as :meth:`bytes.splitlines` knows them.
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: The byte-order mark some editors put at the start of UTF-8 files.
_BOM = b"\xef\xbb\xbf"


def _split_lines(raw: bytes) -> list[tuple[int, str | _BadLine]]:
    """Non-blank lines of ``raw`` as (line number, text), or a ``bad_utf8`` line.

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r`` (never inside a JSON string, unlike
    :meth:`str.splitlines`, which also breaks at U+2028). A leading UTF-8 BOM is dropped.
    """
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:  # the usual case: the whole file is UTF-8, split once
        whole = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return [(n, t) for n, t in enumerate(_NEWLINE.split(whole), start=1) if t.strip()]
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
    if len(lines) == 1 or 2 * n_whole >= len(lines):  # one line is a line, not a document
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


def _read_lines(lines: list[tuple[int, str | _BadLine]], fmt: str) -> pl.DataFrame:
    """One row per non-blank line of hex or base64 text; bad lines keep a row with the reason.

    The lines are decoded as one polars column (``str.decode``, which checks
    padding and alphabet as :func:`base64.b64decode` with ``validate=True`` does).
    """
    text = pl.Series([t.strip() if isinstance(t, str) else None for _, t in lines], dtype=pl.String)
    if fmt == "auto":
        # Hex when most lines are even-length hex (a bad line should not flip the whole file).
        n_hex = (text.str.contains(HEX.pattern) & (text.str.len_bytes() % 2 == 0)).sum()
        n_text = text.len() - text.null_count()
        fmt = "hex" if n_text and 2 * n_hex >= n_text else "base64"
    if fmt == "hex" and text.str.contains(r"\s").any():  # as bytes.fromhex, allow spaces
        text = text.str.replace_all(r"\s", "")
    phy = text.str.decode(fmt, strict=False)
    line = pl.Series([n for n, _ in lines], dtype=pl.Int64).cast(pl.String)
    utf8 = pl.Series(
        [t.message if isinstance(t, _BadLine) else None for _, t in lines], dtype=pl.String
    )
    errs = (
        pl.DataFrame({"text": text, "phy": phy, "line": line, "utf8": utf8})
        .select(
            pl.when(pl.col("utf8").is_not_null())
            .then(pl.col("utf8"))
            .when(pl.col("phy").is_null())
            .then(pl.format("bad_{}: line {} is not valid {}", pl.lit(fmt), "line", pl.lit(fmt)))
        )
        .to_series()
    )
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
        if t == pl.Float32:  # NaN, infinities and overflow to inf are no readings
            new = pl.when(new.is_finite()).then(new)
            expected = "is not a finite number that fits Float32"
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
        ``"auto"`` looks at the Parquet magic bytes, then for a libpcap or
        pcapng capture (its UDP payloads are read as Semtech datagrams), then for
        a PUSH_DATA header (saved datagrams, one or many back to back), then at the
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
    if format in ("auto", "push_data") and is_capture(raw):
        return capture_receptions(raw)
    if format == "push_data" or (format == "auto" and looks_like_push_data(raw)):
        return push_data_capture(raw)
    lines = _split_lines(raw)
    first = next((t.lstrip()[:1] for _, t in lines if isinstance(t, str)), "")
    if format == "json" or (format == "auto" and first in ("{", "[")):
        return receptions_from_json(raw)
    return _read_lines(lines, format)
