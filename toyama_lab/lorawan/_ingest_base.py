"""Shared parts of the ingest readers: the reception schema, rows and field parsing.

Private to :mod:`toyama_lab.lorawan.ingest`, which re-exports the public names.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import polars as pl

#: One row per reception of a frame by one gateway antenna. ``ingest_error`` is null
#: for a clean row. Units: ``freq_hz`` [Hz], ``bw_hz`` [Hz], ``rssi_dbm`` [dBm],
#: ``snr_db`` [dB], ``tmst`` the gateway's free-running counter [us, 32 bits].
#: ``antenna`` (rsig ``ant``, ChirpStack ``antenna``, TTS ``antenna_index``),
#: ``channel`` (the concentrator IF channel: rxpk ``chan``, ChirpStack ``channel``,
#: TTS ``channel_index``) and ``rf_chain`` (rxpk ``rfch``, ChirpStack ``rfChain``)
#: are null where the source does not report them.
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

_DATR = re.compile(r"^SF(\d{1,2})BW(\d{3})$")
#: LoRa bandwidths of LoRaWAN channels [kHz] (LoRa Alliance RP002-1.0.4, every region).
_LORA_BW_KHZ = (125, 250, 500)
_DATR_EXPECTED = "is not a LoRa data rate SF5..SF12 with BW125, BW250 or BW500"
_FRACTION = re.compile(r"(\.\d{6})\d+")
HEX = re.compile(r"^[0-9a-fA-F]*$")
_EXACT = 2**53  # integers a float holds exactly


class IngestError(ValueError):
    """An input that cannot be read at all (bad file, bad datagram header)."""


def empty_receptions() -> pl.DataFrame:
    """A reception table with no rows."""
    return pl.DataFrame(schema=RECEPTION_SCHEMA)


def row(**values: Any) -> dict[str, Any]:
    """One reception row: every schema column, null unless given."""
    out = dict.fromkeys(RECEPTION_SCHEMA)
    out.update(values)
    return out


def parse_time(text: Any) -> datetime | None:
    """ISO 8601 text (``Z`` or offset, any fraction digits) -> aware UTC datetime."""
    if not isinstance(text, str) or not text:
        return None
    t = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(t)
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset past year 1 or 9999
        return None


def b64_payload(text: Any, size: int | None = None) -> tuple[bytes | None, str | None]:
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


def number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric text; None otherwise (booleans too)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def sf_bw(datr: Any) -> tuple[int | None, int | None]:
    m = _DATR.match(datr) if isinstance(datr, str) else None
    if not m or not 5 <= int(m[1]) <= 12 or int(m[2]) not in _LORA_BW_KHZ:
        return None, None
    return int(m[1]), int(m[2]) * 1000


class Fields:
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
        """A finite number, or None (noted unless the field is absent)."""
        if value is None:
            return None
        if type(value) is int and -_EXACT < value < _EXACT:  # the usual JSON number
            return float(value)
        f = number(value)
        if f is None:
            self.bad(name, value, "is not a number")
        return f

    def int_range(self, name: str, value: Any, lo: int, hi: int) -> int | None:
        """An integer in ``lo..hi``, or None (noted unless the field is absent)."""
        if type(value) is int and lo <= value <= hi:  # the usual JSON integer
            return value
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
        t = parse_time(value)
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
            if number(value) is None:
                self.bad("datr", value, "is not an FSK bit rate")
                return None, None, None
            return None, None, str(value)
        sf, bw = sf_bw(value)
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


def gateway_hex(value: Any) -> Any:
    """A gateway EUI as 16 lower-case hex digits: from hex, or from base64 of 8 bytes
    (ChirpStack v3 marshals the ``bytes`` field ``gatewayID`` as base64)."""
    if not isinstance(value, str):
        return value
    if len(value) == 16 and HEX.match(value):
        return value.lower()
    if len(value) == 12:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
        if len(raw) == 8:
            return raw.hex()
    return value


def receptions_from_payloads(
    payloads: Iterable[bytes | None], *, source: str = "raw", errors: Iterable[str | None] = ()
) -> pl.DataFrame:
    """Receptions with only bytes known (e.g. hex or base64 lines); metadata null.

    ``payloads`` and ``errors`` may be polars Series (used as they are) or any
    iterables; ``errors`` defaults to all null.
    """
    phy = payloads if isinstance(payloads, pl.Series) else pl.Series(list(payloads))
    phy = phy.cast(pl.Binary)
    errs = errors if isinstance(errors, pl.Series) else pl.Series(list(errors), dtype=pl.String)
    if errs.len() == 0:
        errs = pl.repeat(None, phy.len(), dtype=pl.String, eager=True)
    frame = pl.DataFrame({"phy_payload": phy, "ingest_error": errs.cast(pl.String)})
    return frame.with_columns(
        [
            pl.lit(None, dtype=t).alias(c)
            for c, t in RECEPTION_SCHEMA.items()
            if c not in ("phy_payload", "ingest_error", "source")
        ]
        + [pl.lit(source, dtype=pl.String).alias("source")]
    ).select(list(RECEPTION_SCHEMA))
