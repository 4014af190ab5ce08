"""Session keys and key files for LoRaWAN 1.0.x devices.

A device in session is identified on air by its 32-bit DevAddr and holds two
AES-128 session keys (LoRaWAN 1.0.4 §6.1):

- ``NwkSKey`` (network session key) for the MIC of data frames and the
  encryption of FPort 0 payloads (MAC commands);
- ``AppSKey`` (application session key) for the encryption of application
  payloads (FPort 1..255).

Activation by personalisation (ABP, §6.3) stores these directly;
over-the-air activation (OTAA, §6.2) derives them from the root ``AppKey``
(see :func:`toyama_lab.lorawan.join.otaa_session`).

Key files are CSV (header line) or JSON lines with the columns
``dev_addr, nwk_s_key, app_s_key`` and optional ``dev_eui, app_key`` (hexadecimal
text) and ``codec`` (the device profile's payload codec, a name of
:data:`toyama_lab.lorawan.codecs.CODEC_NAMES`; empty for the FPort registry).
``dev_addr`` and ``dev_eui`` are written big-endian as people and network
servers print them (``26011BDA``); keys are written in the byte order they are
used in AES (as printed by every network server console).

Problems in a key file raise :class:`~toyama_lab.lorawan.errors.KeyStoreError`
(a :class:`ValueError`, sibling of ``FrameError``) naming the file, the line and
the column. No key value ever appears in a repr, a log line or an error.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toyama_lab._atomic import write_text_atomic
from toyama_lab.lorawan.errors import KeyStoreError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["COLUMNS", "KeyStore", "SessionKeys"]

#: Columns of a key file, in the order :meth:`KeyStore.save` writes them.
COLUMNS = ("dev_addr", "nwk_s_key", "app_s_key", "dev_eui", "app_key", "codec")
_REQUIRED = ("dev_addr", "nwk_s_key", "app_s_key")
_KEY_LEN = 16  # AES-128 key [bytes], LoRaWAN 1.0.4 §6.1
_EUI_LEN = 8  # EUI-64 [bytes], LoRaWAN 1.0.4 §6.2


def _check_bytes(name: str, value: Any, length: int, *, optional: bool) -> bytes | None:
    if value is None and optional:
        return None
    if isinstance(value, bytearray | memoryview):
        value = bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"{name} must be bytes of length {length}, got {type(value).__name__}")
    if len(value) != length:
        raise ValueError(
            f"{name} must be {length} bytes ({2 * length} hex digits), got {len(value)} bytes"
        )
    return value


@dataclass(frozen=True, repr=False)
class SessionKeys:
    """The keys of one LoRaWAN 1.0.x device in session.

    Parameters
    ----------
    dev_addr : int
        Device address, 32-bit unsigned, as people write it (``0x26011BDA``);
        it travels little-endian on air (LoRaWAN 1.0.4 §4.3.1, §6.1.1).
    nwk_s_key : bytes
        Network session key, 16 bytes (§6.1).
    app_s_key : bytes
        Application session key, 16 bytes (§6.1).
    dev_eui : bytes or None
        Device EUI-64, 8 bytes big-endian as printed (§6.2), when known.
    app_key : bytes or None
        OTAA root key, 16 bytes (§6.2), when known.
    codec : str or None
        Payload codec of the device profile (a name of
        :data:`toyama_lab.lorawan.codecs.CODEC_NAMES`), used by the batch decoder
        for every application FPort of this device; None to choose by FPort.

    Notes
    -----
    ``repr`` and ``str`` never show a key: they print ``<redacted>``.
    ABP activation (§6.3) is simply a ``SessionKeys`` built by hand.

    Examples
    --------
    >>> k = SessionKeys(0x26011BDA, bytes(16), bytes(range(16)))
    >>> k
    SessionKeys(dev_addr=0x26011BDA, nwk_s_key=<redacted>, app_s_key=<redacted>, dev_eui=None, app_key=None)
    """  # noqa: E501

    dev_addr: int
    nwk_s_key: bytes
    app_s_key: bytes
    dev_eui: bytes | None = None
    app_key: bytes | None = None
    codec: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.dev_addr, bool) or not isinstance(self.dev_addr, int):
            raise TypeError(f"dev_addr must be an int, got {type(self.dev_addr).__name__}")
        if not 0 <= self.dev_addr <= 0xFFFFFFFF:
            raise ValueError(f"dev_addr must be a 32-bit unsigned integer, got {self.dev_addr}")
        for name, length, optional in (
            ("nwk_s_key", _KEY_LEN, False),
            ("app_s_key", _KEY_LEN, False),
            ("dev_eui", _EUI_LEN, True),
            ("app_key", _KEY_LEN, True),
        ):
            object.__setattr__(
                self, name, _check_bytes(name, getattr(self, name), length, optional=optional)
            )
        if self.codec is not None:
            _check_codec(self.codec)

    def __repr__(self) -> str:
        eui = "None" if self.dev_eui is None else self.dev_eui.hex().upper()
        app_key = "None" if self.app_key is None else "<redacted>"
        codec = "" if self.codec is None else f", codec={self.codec!r}"
        return (
            f"SessionKeys(dev_addr=0x{self.dev_addr:08X}, nwk_s_key=<redacted>, "
            f"app_s_key=<redacted>, dev_eui={eui}, app_key={app_key}{codec})"
        )

    __str__ = __repr__


def _check_codec(name: Any) -> None:
    """Raise ValueError unless ``name`` is a known payload codec name."""
    # The codecs pull in numpy and polars: imported only when a device names a codec.
    from toyama_lab.lorawan.codecs import CODEC_NAMES

    if name not in CODEC_NAMES:
        raise ValueError(
            f"codec {name!r} is not a payload codec; expected one of {list(CODEC_NAMES)} "
            "or empty for the FPort registry"
        )


def _parse_hex(text: Any, *, column: str, length: int, where: str, secret: bool) -> bytes:
    """Hex text -> bytes of ``length``; errors name ``where`` and ``column``, never the value."""
    if not isinstance(text, str):
        raise KeyStoreError(
            f"{where}, column {column!r}: expected a hexadecimal string, got {type(text).__name__}"
        )
    cleaned = text.strip().replace(" ", "").replace(":", "").replace("-", "")
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    shown = "" if secret else f" {text!r}"
    try:
        value = bytes.fromhex(cleaned)
    except ValueError:
        raise KeyStoreError(
            f"{where}, column {column!r}: value{shown} is not hexadecimal; expected "
            f"{2 * length} hex digits 0-9/A-F"
        ) from None
    if len(value) != length:
        raise KeyStoreError(
            f"{where}, column {column!r}: value{shown} has {len(cleaned)} hex digits, "
            f"expected {2 * length} ({length} bytes)"
        )
    return value


def _record_to_keys(record: Mapping[str, Any], where: str) -> SessionKeys:
    for column in _REQUIRED:
        value = record.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise KeyStoreError(
                f"{where}: column {column!r} is missing or empty; every record needs "
                f"{', '.join(_REQUIRED)}"
            )
    raw_addr = record["dev_addr"]
    if isinstance(raw_addr, int) and not isinstance(raw_addr, bool):
        if not 0 <= raw_addr <= 0xFFFFFFFF:
            raise KeyStoreError(
                f"{where}, column 'dev_addr': {raw_addr} is not a 32-bit unsigned integer"
            )
        dev_addr = raw_addr
    else:
        addr = _parse_hex(raw_addr, column="dev_addr", length=4, where=where, secret=False)
        dev_addr = int.from_bytes(addr, "big")
    optional: dict[str, bytes | None] = {}
    for column, length, secret in (("dev_eui", _EUI_LEN, False), ("app_key", _KEY_LEN, True)):
        value = record.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            optional[column] = None
        else:
            optional[column] = _parse_hex(
                value, column=column, length=length, where=where, secret=secret
            )
    codec = record.get("codec")
    if isinstance(codec, str):
        codec = codec.strip() or None
    if codec is not None:
        try:
            _check_codec(codec)
        except ValueError as exc:
            raise KeyStoreError(f"{where}, column 'codec': {exc}") from None
    return SessionKeys(
        dev_addr=dev_addr,
        nwk_s_key=_parse_hex(
            record["nwk_s_key"], column="nwk_s_key", length=_KEY_LEN, where=where, secret=True
        ),
        app_s_key=_parse_hex(
            record["app_s_key"], column="app_s_key", length=_KEY_LEN, where=where, secret=True
        ),
        dev_eui=optional["dev_eui"],
        app_key=optional["app_key"],
        codec=codec,
    )


class KeyStore:
    """Session keys of many devices, looked up by DevAddr or DevEUI.

    Build one with :meth:`load` (CSV or JSON-lines file),
    :meth:`from_records` (dicts of hex strings) or from :class:`SessionKeys`.

    Parameters
    ----------
    keys : iterable of SessionKeys
        One entry per device. DevAddr values must be unique (a network server
        assigns each DevAddr to one session, LoRaWAN 1.0.4 §6.1.1).
    source : str, optional
        Where the keys came from, for error messages.

    Raises
    ------
    KeyStoreError
        When two entries share a DevAddr or a DevEUI.

    Examples
    --------
    >>> ks = KeyStore.from_records(
    ...     [{"dev_addr": "26011BDA", "nwk_s_key": "00" * 16, "app_s_key": "11" * 16}]
    ... )
    >>> len(ks), 0x26011BDA in ks
    (1, True)
    """

    def __init__(self, keys: Iterable[SessionKeys] = (), *, source: str = "<keys>") -> None:
        self._by_addr: dict[int, SessionKeys] = {}
        self._by_eui: dict[bytes, SessionKeys] = {}
        self.source = source
        for i, k in enumerate(keys):
            self._add(k, f"{source}, entry {i + 1}")

    def _add(self, k: SessionKeys, where: str) -> None:
        if not isinstance(k, SessionKeys):
            raise TypeError(f"{where}: expected SessionKeys, got {type(k).__name__}")
        if k.dev_addr in self._by_addr:
            raise KeyStoreError(
                f"{where}, column 'dev_addr': duplicate DevAddr {k.dev_addr:08X}; each DevAddr "
                "may appear once - remove the stale session or give the device a new address"
            )
        if k.dev_eui is not None and k.dev_eui in self._by_eui:
            raise KeyStoreError(
                f"{where}, column 'dev_eui': duplicate DevEUI {k.dev_eui.hex().upper()}; "
                "each device may appear once"
            )
        self._by_addr[k.dev_addr] = k
        if k.dev_eui is not None:
            self._by_eui[k.dev_eui] = k

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_records(
        cls, records: Iterable[Mapping[str, Any]], *, source: str = "<records>"
    ) -> KeyStore:
        """Build a store from dicts with hex-string values.

        Parameters
        ----------
        records : iterable of mapping
            Keys ``dev_addr``, ``nwk_s_key``, ``app_s_key`` (required) and
            ``dev_eui``, ``app_key`` (optional, may be ``None`` or empty).
            ``dev_addr`` may also be an ``int``; optional ``codec`` names the
            device profile's payload codec.
        source : str, optional
            Name used in error messages.

        Returns
        -------
        KeyStore

        Raises
        ------
        KeyStoreError
            Bad hex, wrong length, missing column or duplicate DevAddr, naming
            the record (1-based) and the column.
        """
        store = cls(source=source)
        for i, rec in enumerate(records):
            where = f"{source}, record {i + 1}"
            if not isinstance(rec, Mapping):
                raise KeyStoreError(f"{where}: expected a mapping, got {type(rec).__name__}")
            store._add(_record_to_keys(rec, where), where)
        return store

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyStore:
        """Read a key file: CSV with a header line, or JSON lines (one object per line).

        The format is chosen by suffix: ``.csv`` is CSV, ``.jsonl``/``.ndjson``/
        ``.json`` is JSON lines; any other suffix is sniffed from the first
        non-blank character of the first line that is not a comment (``{`` means
        JSON lines). In both formats, blank lines and comment lines (first non-blank
        character ``#``, e.g. ``# SYNTHETIC keys, not for real devices``) are skipped,
        before the CSV header too.

        Parameters
        ----------
        path : path-like
            The key file.

        Returns
        -------
        KeyStore

        Raises
        ------
        KeyStoreError
            For a missing column, bad hex, wrong length or duplicate DevAddr,
            naming the file, the line and the column; for an unreadable file.
        """
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise KeyStoreError(
                f"{p}: key file not found; expected a CSV or JSON-lines file with columns "
                f"{', '.join(_REQUIRED)}"
            ) from None
        except UnicodeDecodeError as exc:
            raise KeyStoreError(f"{p}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
        suffix = p.suffix.lower()
        # comment lines become blank lines, so that line numbers in messages stay true
        lines = [
            "\n" if line.lstrip().startswith("#") else line
            for line in text.splitlines(keepends=True)
        ]
        content = [i for i, line in enumerate(lines) if line.strip()]
        if suffix in (".jsonl", ".ndjson", ".json"):
            is_json = True
        elif suffix == ".csv":
            is_json = False
        else:
            is_json = bool(content) and lines[content[0]].lstrip().startswith("{")
        store = cls(source=str(p))
        if is_json:
            for lineno, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                where = f"{p}, line {lineno}"
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise KeyStoreError(
                        f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); each line "
                        "must be one JSON object"
                    ) from None
                if not isinstance(rec, dict):
                    raise KeyStoreError(
                        f"{where}: expected a JSON object, got {type(rec).__name__}"
                    )
                store._add(_record_to_keys(rec, where), where)
        else:
            skip = content[0] if content else 0  # leading blank and comment lines
            reader = csv.DictReader(io.StringIO("".join(lines[skip:])))
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in _REQUIRED if c not in header]
            if missing:
                raise KeyStoreError(
                    f"{p}, line {skip + 1}: header lacks column(s) {', '.join(missing)}; "
                    f"expected a header line with {', '.join(_REQUIRED)} (optional dev_eui, "
                    "app_key)"
                )
            reader.fieldnames = header
            for rec in reader:
                where = f"{p}, line {skip + reader.line_num}"
                if not any((v or "").strip() for v in rec.values() if isinstance(v, str)):
                    continue
                store._add(_record_to_keys(rec, where), where)
        return store

    # -- lookup ---------------------------------------------------------------------------
    def get(self, dev_addr: int) -> SessionKeys | None:
        """Return the keys of ``dev_addr`` (32-bit int), or ``None`` if unknown."""
        return self._by_addr.get(operator.index(dev_addr))

    def by_dev_eui(self, dev_eui: bytes) -> SessionKeys | None:
        """Return the keys of the device with EUI ``dev_eui`` (8 bytes big-endian), or ``None``."""
        return self._by_eui.get(bytes(dev_eui))

    def __len__(self) -> int:
        return len(self._by_addr)

    def __iter__(self) -> Iterator[SessionKeys]:
        return iter(self._by_addr.values())

    def __contains__(self, dev_addr: object) -> bool:
        if isinstance(dev_addr, bool):
            return False
        try:
            return operator.index(dev_addr) in self._by_addr  # int, numpy integers
        except TypeError:
            return False

    def __repr__(self) -> str:
        return f"KeyStore({len(self)} devices from {self.source!r}; keys redacted)"

    # -- output ---------------------------------------------------------------------------
    def records(self) -> list[dict[str, str]]:
        """The rows :meth:`save` writes: one dict per device of the :data:`COLUMNS`, keys and
        EUIs as upper-case hex, empty text for a missing EUI, AppKey or codec.

        Examples
        --------
        >>> ks = KeyStore.from_records(
        ...     [{"dev_addr": "26011bda", "nwk_s_key": "00" * 16, "app_s_key": "11" * 16}]
        ... )
        >>> ks.records()[0]["dev_addr"], ks.records()[0]["app_key"]
        ('26011BDA', '')
        """
        return [
            {
                "dev_addr": f"{k.dev_addr:08X}",
                "nwk_s_key": k.nwk_s_key.hex().upper(),
                "app_s_key": k.app_s_key.hex().upper(),
                "dev_eui": "" if k.dev_eui is None else k.dev_eui.hex().upper(),
                "app_key": "" if k.app_key is None else k.app_key.hex().upper(),
                "codec": k.codec or "",
            }
            for k in self
        ]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the store atomically as CSV (``.csv``) or JSON lines (``.jsonl``).

        The file is written to a temporary sibling, flushed to disk and moved
        into place with :func:`os.replace`, so a crash never leaves half a file.

        Parameters
        ----------
        path : path-like
            Destination; its suffix chooses the format.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        KeyStoreError
            For a suffix other than ``.csv``, ``.jsonl`` or ``.ndjson``.
        """
        p = Path(path)
        suffix = p.suffix.lower()
        buf = io.StringIO()
        if suffix == ".csv":
            writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
            writer.writeheader()
            writer.writerows(self.records())
        elif suffix in (".jsonl", ".ndjson"):
            for rec in self.records():
                clean = {c: v for c, v in rec.items() if v != ""}
                buf.write(json.dumps(clean) + "\n")
        else:
            raise KeyStoreError(
                f"{p}: cannot choose a format from suffix {p.suffix!r}; use .csv or .jsonl"
            )
        write_text_atomic(p, buf.getvalue(), mode=0o600, fsync=True)
        return p

    def to_polars(self) -> pl.DataFrame:
        """The store as a polars DataFrame for vectorised joins.

        Returns
        -------
        polars.DataFrame
            Columns ``dev_addr`` (UInt32), ``nwk_s_key``, ``app_s_key``
            (Binary, 16 bytes), ``dev_eui`` and ``app_key`` (Binary, null when
            unknown), ``codec`` (str, null for the FPort registry); one row per
            device, in insertion order.

        Notes
        -----
        The DataFrame holds raw keys: do not print or log it.
        """
        import polars as pl

        keys = list(self)
        return pl.DataFrame(
            {
                "dev_addr": [k.dev_addr for k in keys],
                "nwk_s_key": [k.nwk_s_key for k in keys],
                "app_s_key": [k.app_s_key for k in keys],
                "dev_eui": [k.dev_eui for k in keys],
                "app_key": [k.app_key for k in keys],
                "codec": [k.codec for k in keys],
            },
            schema={
                "dev_addr": pl.UInt32,
                "nwk_s_key": pl.Binary,
                "app_s_key": pl.Binary,
                "dev_eui": pl.Binary,
                "app_key": pl.Binary,
                "codec": pl.String,
            },
        )
