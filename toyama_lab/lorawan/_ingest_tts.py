"""The Things Stack v3 uplink messages and ``gs.up.receive`` events.

Private to :mod:`toyama_lab.lorawan.ingest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toyama_lab.lorawan._ingest_base import (
    HEX,
    Fields,
    b64_payload,
    parse_time,
    row,
)

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


def tts_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    other = [k for k in _TTS_NOT_UPLINK if k in obj]
    if other and "uplink_message" not in obj:
        return [
            row(
                time=parse_time(obj.get("received_at")),
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
    f = Fields()
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
        phy, err = b64_payload(raw)
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
        fr = Fields()
        fr.problems = list(f.problems)
        gw = (
            fr.text("gateway_ids", ids.get("eui") or ids.get("gateway_id"))
            if isinstance(ids, Mapping)
            else None
        )
        rows.append(
            row(
                time=fr.time(
                    "time",
                    md.get("time")
                    or md.get("received_at")
                    or up.get("received_at")
                    or obj.get("received_at"),
                ),
                gateway_id=gw.lower() if isinstance(gw, str) and HEX.match(gw) else gw,
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


def tts_event_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
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
            row(
                time=parse_time(obj.get("time")),
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
            row(
                time=parse_time(obj.get("time")),
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
    rows = tts_rows(msg)
    if isinstance(gateway, str):
        gw = gateway.lower() if HEX.match(gateway) else gateway
        for r in rows:
            if r["gateway_id"] is None:
                r["gateway_id"] = gw
    return rows
