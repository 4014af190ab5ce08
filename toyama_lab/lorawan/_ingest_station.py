"""LoRa Basics Station LNS messages (``updf``, ``jreq``/``rejoin``, ``propdf``).

Private to :mod:`toyama_lab.lorawan.ingest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from toyama_lab.lorawan._ingest_base import (
    HEX,
    Fields,
    gateway_hex,
    row,
)

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


def _eui_bytes(f: Fields, name: str, value: Any) -> bytes | None:
    """An EUI as Basics Station writes it ("00-11-...-77", or plain/colon hex) -> 8 bytes."""
    if value is None:
        f.bad(name, value, "is missing")
        return None
    text = value.replace("-", "").replace(":", "") if isinstance(value, str) else ""
    if len(text) != 16 or not HEX.match(text):
        f.bad(name, value, "is not an EUI of 8 bytes such as '00-11-22-33-44-55-66-77'")
        return None
    return bytes.fromhex(text)


def _hex_field(f: Fields, name: str, value: Any) -> bytes | None:
    if isinstance(value, str) and HEX.match(value) and len(value) % 2 == 0:
        return bytes.fromhex(value)
    f.bad(name, value, "is not hex text")
    return None


def station_phy(msg: Mapping[str, Any], f: Fields) -> bytes | None:
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


def _station_time(f: Fields, value: Any, name: str) -> datetime | None:
    """UTC seconds since 1970 (Basics Station ``rxtime``/``RefTime``); 0 means unknown."""
    t = f.num(name, value)
    if not t:
        return None
    try:
        return datetime.fromtimestamp(t, UTC)
    except (OverflowError, OSError, ValueError):
        f.bad(name, value, "is not a time in seconds since 1970")
        return None


def station_rows(obj: Mapping[str, Any], gateway_id: str | None) -> list[dict[str, Any]]:
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
            row(
                source="basicstation",
                ingest_error=(
                    f"not_an_uplink: a LoRa Basics Station {kind!r} message carries no "
                    f"uplink; expected one of {list(_STATION_UPLINKS)}"
                ),
            )
        ]
    f = Fields()
    phy = station_phy(obj, f)
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
        row(
            time=when,
            gateway_id=gateway_hex(f.text("router", router)),
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
