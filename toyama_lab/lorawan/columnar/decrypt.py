"""Stage 4 of decoding: decrypt the FRMPayload of every frame whose MIC is good.

All counter blocks (A_i, LoRaWAN 1.0.4 §4.3.3 [1]_) of one key are
enciphered in one OpenSSL call
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
    has_plain = v.mic_ok & h.is_data
    good = np.flatnonzero(has_plain)
    if not len(good):
        return np.zeros((n, 16), dtype=np.uint8), has_plain
    every = len(good) == n  # the usual case: no row to leave out, no scatter
    g_len = h.pay_len[good]
    width = (int(g_len.max()) + 15) // 16 * 16 or 16

    def pick(a: np.ndarray) -> np.ndarray:
        return a if every else a[good]

    enc = gather_padded(
        h.flat, pick(h.start + h.pay_start), g_len, width, zero_tail=False, padded=True
    )
    # the MIC stage's device order, as row numbers of ``good``, and its blocks B0
    all_ok = bool(v.ok_in_order.all())
    by_device = v.order if all_ok else v.order[v.ok_in_order]
    b0 = v.b0_in_order if all_ok else v.b0_in_order[v.ok_in_order]
    if not every:
        pos = np.zeros(n, dtype=np.int64)
        pos[good] = np.arange(len(good))
        by_device = pos[by_device]
    dec = crypt_payload(
        table,
        pick(dev),
        pick(h.fport),
        pick(h.direction),
        pick(h.dev_addr),
        pick(v.fcnt32) & 0xFFFFFFFF,
        enc,
        g_len,
        order=by_device,
        overwrite=True,
        b0=b0,
    )
    if every:
        return dec, has_plain
    plain = np.zeros((n, width), dtype=np.uint8)
    plain[good] = dec
    return plain, has_plain
