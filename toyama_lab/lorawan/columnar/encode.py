"""Build encrypted, signed LoRaWAN 1.0.x uplinks for whole columns.

:func:`encode_batch` is the reverse of the decoder for uplinks: the radio
simulation turns every sensor reading into a frame with it (frame format,
encryption and MIC of LoRaWAN 1.0.4 [1]_; FRMPayload at most 242 bytes, the
AS923 limit [2]_). AES runs once per device key over all of that device's
counter blocks, and the CMAC chains of all frames advance in lock-step
(:mod:`toyama_lab.lorawan.columnar.frame_crypto`).

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4 (MAC frame
   formats), §4.3.3 (FRMPayload encryption), §4.4 (MIC).
.. [2] LoRa Alliance, "RP002-1.0.4 Regional Parameters", 2022, §2.8.6
   (AS923 maximum MACPayload M = 250 bytes, FRMPayload N = 242 bytes at
   DR5-DR7 without dwell-time limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from toyama_lab.lorawan.columnar.columns import (
    as_binary_series,
    binary_from_padded,
    binary_to_flat,
    flat_to_padded,
    int_array,
    ragged_index,
)
from toyama_lab.lorawan.columnar.frame_crypto import (
    crypt_payload,
    frame_mic,
    key_table,
    le_bytes,
    radix_key,
)
from toyama_lab.lorawan.columnar.header import MIC_LEN

if TYPE_CHECKING:
    from toyama_lab.lorawan.keys import KeyStore

__all__ = ["MAX_FRM_PAYLOAD", "MAX_MAC_PAYLOAD", "encode_batch"]

#: Largest FRMPayload the encoder accepts [bytes] (AS923 N at DR5-7, RP002-1.0.4 §2.8.6).
MAX_FRM_PAYLOAD = 242
#: Largest MACPayload (FHDR + FPort + FRMPayload) [bytes] (AS923 M, RP002-1.0.4 §2.8.6).
MAX_MAC_PAYLOAD = 250


def _dev_addr_array(dev_addr: Any) -> np.ndarray:
    if isinstance(dev_addr, pl.Series) and dev_addr.dtype == pl.String:
        dev_addr = dev_addr.to_list()
    if isinstance(dev_addr, Sequence) and len(dev_addr) and isinstance(dev_addr[0], str):
        try:
            return np.array([int(s, 16) for s in dev_addr], dtype=np.int64)
        except ValueError as exc:
            raise ValueError(f"dev_addr: expected 8 hex digits such as '26011BDA': {exc}") from exc
    return int_array(dev_addr, "dev_addr", None, 0, 0xFFFFFFFF)


def encode_batch(
    dev_addr: Any,
    fcnt32: Any,
    fport: Any,
    payload: pl.Series | Sequence[bytes],
    keys: KeyStore,
    *,
    confirmed: Any = None,
    fopts: pl.Series | Sequence[bytes] | None = None,
    adr: Any = None,
    adr_ack_req: Any = None,
    ack: Any = None,
) -> pl.Series:
    """Build encrypted, signed LoRaWAN 1.0.x uplink PHYPayloads for whole columns.

    Parameters
    ----------
    dev_addr : array-like of int, or of str (8 hex digits)
        Device address of each frame.
    fcnt32 : array-like of int
        32-bit uplink frame counter [0, 2**32 - 1]; the low 16 bits go on air.
    fport : array-like of int
        FPort 0..255, or -1 for a frame without FPort (then payload must be empty).
    payload : polars.Series (Binary) or sequence of bytes
        Plain FRMPayload of each frame [0, 242 bytes].
    keys : KeyStore
        Session keys; every DevAddr must be in it.
    confirmed, adr, adr_ack_req, ack : array-like of bool or bool, optional
        MHDR MType (confirmed data up instead of unconfirmed) and FCtrl bits.
    fopts : polars.Series (Binary) or sequence of bytes, optional
        MAC commands piggy-backed in FOpts [0, 15 bytes], sent in clear (1.0.x).

    Returns
    -------
    polars.Series
        Binary ``phy_payload``, one frame per input row, in input order.

    Raises
    ------
    ValueError
        Lengths that disagree, out-of-range fields, FOpts with FPort 0, or a
        payload without FPort.
    toyama_lab.lorawan.errors.UnknownDeviceError
        When a DevAddr has no keys.
    """
    addr = _dev_addr_array(dev_addr)
    n = len(addr)
    f32 = int_array(fcnt32, "fcnt32", n, 0, 0xFFFFFFFF)
    port = int_array(fport, "fport", n, -1, 255)
    pay = as_binary_series(payload, "payload")
    if len(pay) != n:
        raise ValueError(f"payload has {len(pay)} rows, expected {n} (one per frame)")
    if pay.null_count():
        raise ValueError("payload contains nulls; use b'' for an empty payload")
    pflat, poff, _ = binary_to_flat(pay)
    plen = np.diff(poff)
    if fopts is None:
        oflat, ooff = np.zeros(0, dtype=np.uint8), np.zeros(n + 1, dtype=np.int64)
    else:
        fo = as_binary_series(fopts, "fopts").fill_null(b"")
        if len(fo) != n:
            raise ValueError(f"fopts has {len(fo)} rows, expected {n} (one per frame)")
        oflat, ooff, _ = binary_to_flat(fo)
    olen = np.diff(ooff)
    flags = {}
    for name, val in (
        ("confirmed", confirmed),
        ("adr", adr),
        ("adr_ack_req", adr_ack_req),
        ("ack", ack),
    ):
        flags[name] = (
            np.zeros(n, dtype=bool) if val is None else int_array(val, name, n, 0, 1).astype(bool)
        )
    _check_lengths(plen, olen, port)
    table = key_table(keys)
    dev = table.lookup(addr)
    missing = np.flatnonzero(dev < 0)
    if len(missing):
        from toyama_lab.lorawan.errors import UnknownDeviceError

        shown = ", ".join(f"{int(addr[i]):08X}" for i in missing[:5])
        raise UnknownDeviceError(
            f"no session keys for DevAddr {shown} ({len(missing)} frame(s)); "
            "add them to the KeyStore before encoding"
        )
    direction = np.zeros(n, dtype=np.uint8)
    # Encrypt the FRMPayloads.
    pwidth = (int(plen.max(initial=0)) + 15) // 16 * 16 or 16
    enc_mat = crypt_payload(
        table, dev, port, direction, addr, f32, flat_to_padded(pflat, poff, pwidth), plen
    )
    enc_mat *= np.arange(pwidth) < plen[:, None]  # no keystream past a payload's end
    has_port = port >= 0
    frame_len = 8 + olen + has_port + plen  # without MIC
    width = int(frame_len.max(initial=0))
    # One zeroed buffer: 16 bytes of margin, then a row of ``stride`` bytes per frame (the
    # frame, its MIC, zeros; wide enough for a whole payload row at any FOpts length), then
    # the margin the MIC reads past the last row (as frame_crypto.padded_buffer leaves).
    # (a FRMPayload starts at byte 9 + its FOpts length, after FOpts and FPort)
    stride = max(width + MIC_LEN, 9 + int(olen.max(initial=0)) + pwidth)
    buf = np.zeros(16 + n * stride + width + 48, dtype=np.uint8)
    frame = buf[16 : 16 + n * stride].reshape(n, stride)
    frame[:, 0] = np.where(flags["confirmed"], 0x80, 0x40)
    frame[:, 1:5] = le_bytes(addr, 4)
    frame[:, 5] = (
        (flags["adr"].astype(np.uint8) << 7)
        | (flags["adr_ack_req"].astype(np.uint8) << 6)
        | (flags["ack"].astype(np.uint8) << 5)
        | olen.astype(np.uint8)
    )
    frame[:, 6:8] = le_bytes(f32 & 0xFFFF, 2)
    idx, _ = ragged_index(np.arange(n, dtype=np.int64) * stride + 8, olen)  # FOpts: few bytes
    frame.reshape(-1)[idx] = oflat
    port_rows = np.flatnonzero(has_port)
    frame[port_rows, 8 + olen[port_rows]] = port[port_rows].astype(np.uint8)
    for k in np.unique(olen).tolist():  # FOpts lengths 0..15: the payload rows in a few moves
        rows = np.flatnonzero(olen == k)
        frame[rows, 9 + k : 9 + k + pwidth] = enc_mat[rows]
    # MIC per device, rows sorted by device.
    order = np.argsort(radix_key(dev, table.n), kind="stable")
    mic = frame_mic(
        table,
        dev[order],
        buf,
        16 + order * stride,
        frame_len[order],
        direction[order],
        addr[order],
        f32[order],
    )[0]
    frame[order[:, None], frame_len[order, None] + np.arange(MIC_LEN)] = mic
    return binary_from_padded(frame, frame_len + MIC_LEN, "phy_payload")


def _check_lengths(plen: np.ndarray, olen: np.ndarray, port: np.ndarray) -> None:
    def first(cond: np.ndarray) -> int | None:
        hit = np.flatnonzero(cond)
        return int(hit[0]) if len(hit) else None

    if (i := first(plen > MAX_FRM_PAYLOAD)) is not None:
        raise ValueError(
            f"payload[{i}] has {int(plen[i])} bytes; at most {MAX_FRM_PAYLOAD} fit in one "
            "AS923 uplink (RP002-1.0.4 §2.8.6) - split the reading over several frames"
        )
    if (i := first(olen > 15)) is not None:
        raise ValueError(f"fopts[{i}] has {int(olen[i])} bytes; FOpts holds at most 15")
    if (i := first((port == 0) & (olen > 0))) is not None:
        raise ValueError(
            f"frame {i}: FOpts must be empty when FPort is 0 (LoRaWAN 1.0.4 §4.3.1.6); "
            "put the MAC commands in the payload or use another FPort"
        )
    if (i := first((port < 0) & (plen > 0))) is not None:
        raise ValueError(f"frame {i}: a payload needs an FPort (got -1 = no FPort)")
    if (i := first(7 + olen + (port >= 0) + plen > MAX_MAC_PAYLOAD)) is not None:
        raise ValueError(
            f"frame {i}: MACPayload of {int(7 + olen[i] + 1 + plen[i])} bytes exceeds "
            f"{MAX_MAC_PAYLOAD} (AS923, RP002-1.0.4 §2.8.6)"
        )
