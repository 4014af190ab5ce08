"""ChirpStack v4 and v3 gateway frames and integration events.

Private to :mod:`toyama_lab.lorawan.ingest`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from toyama_lab.lorawan._ingest_base import (
    Fields,
    b64_payload,
    gateway_hex,
    parse_time,
    row,
)

_CS_CODE_RATE = re.compile(r"^CR_(\d)_(\d)$")


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


def chirpstack_rows(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
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
            row(
                time=parse_time(obj.get("time")),
                source="chirpstack",
                ingest_error=(
                    f"not_an_uplink: a ChirpStack {kind!r} event carries no uplink frame "
                    f"(keys: {sorted(obj)[:8]}); export 'up' events or gateway frames"
                ),
            )
        ]
    f = Fields()
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
    bw = f.int_range("bandwidth", lora.get("bandwidth"), 1, 10**7 // bw_unit)  # <= 10 MHz
    bw = None if bw is None else bw * bw_unit
    cr = f.text("codeRate", lora.get("codeRate", lora.get("code_rate")))
    m = _CS_CODE_RATE.match(cr) if cr else None
    codr = f"{m[1]}/{m[2]}" if m else cr
    datr = f"SF{sf}BW{bw // 1000}" if sf is not None and bw is not None else None
    freq = f.int_range("frequency", tx.get("frequency"), 0, 10**10)
    phy_field = obj.get("phyPayload", obj.get("phy_payload"))
    if phy_field is not None:
        phy, err = b64_payload(phy_field)
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
        fr = Fields()
        fr.problems = list(f.problems)
        rows.append(
            row(
                time=fr.time("time", t),
                gateway_id=fr.text(
                    "gatewayId",
                    gateway_hex(r.get("gatewayId", r.get("gatewayID", r.get("gateway_id")))),
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


#: Keys that only ChirpStack objects have (v4 ``deviceInfo``; v3 ``devEUI``, ``applicationID``).
CHIRPSTACK_KEYS = frozenset(
    {"deviceInfo", "devAddr", "devEUI", "applicationID", "rxInfo", "txInfo", "phyPayload"}
    | {"rx_info", "phy_payload"}
)
