"""Stage 4 of decoding: decrypt the FRMPayload of every frame whose MIC is good.

Frames are taken in device order (the order of the MIC stage), so that all
counter blocks of one key are enciphered in one OpenSSL call
(:func:`~toyama_lab.lorawan.columnar.frame_crypto.crypt_payload`; FPort 0
payloads use NwkSKey, the others AppSKey).

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020, §4.3.3
   (FRMPayload encryption, blocks A_i).
"""

from __future__ import annotations

import numpy as np

from toyama_lab.lorawan.columnar.columns import gather_padded
from toyama_lab.lorawan.columnar.frame_crypto import KeyTable, crypt_payload
from toyama_lab.lorawan.columnar.header import Headers
from toyama_lab.lorawan.columnar.verify import Verified

__all__ = ["decrypt_payloads"]


def decrypt_payloads(
    h: Headers, v: Verified, dev: np.ndarray, table: KeyTable
) -> tuple[np.ndarray, np.ndarray]:
    """Plain FRMPayloads of the verified frames.

    Returns
    -------
    plain : numpy.ndarray of uint8, shape (n, w)
        Row ``i`` holds the plain payload of frame ``i`` in its first
        ``h.pay_len[i]`` bytes (``w`` a multiple of 16; zeros elsewhere for
        frames without a plain payload; bytes past the payload are meaningless).
    has_plain : numpy.ndarray of bool
        True where the frame's MIC is good (its payload may be empty).
    """
    n = h.n
    has_plain = np.zeros(n, dtype=bool)
    good = v.order[v.ok_in_order] if len(v.order) != int(v.ok_in_order.sum()) else v.order
    if not len(good):
        return np.zeros((n, 16), dtype=np.uint8), has_plain
    g_len = h.pay_len[good]
    width = (int(g_len.max()) + 15) // 16 * 16 or 16
    enc = gather_padded(
        h.flat, h.start[good] + h.pay_start[good], g_len, width, zero_tail=False, padded=True
    )
    plain = np.zeros((n, width), dtype=np.uint8)
    plain[good] = crypt_payload(
        table,
        dev[good],
        h.fport[good],
        h.direction[good],
        h.dev_addr[good],
        v.fcnt32[good] & 0xFFFFFFFF,
        enc,
        g_len,
    )
    has_plain[good] = True
    return plain, has_plain
