"""LoRaWAN 1.0.x session keys of many devices at once (the OTAA key derivation on arrays).

:func:`toyama_lab.lorawan.crypto.derive_session_keys` derives one device's NwkSKey and
AppSKey after a join (LoRaWAN 1.0.4 §6.2.6 [1]_); :func:`derive_session_keys_batch` does
the same for a whole table of devices: the two input blocks of every device are built as
one ``(n, 2, 16)`` matrix and each device's pair is enciphered by one OpenSSL call with its
own AppKey (:func:`toyama_lab.lorawan.columnar.aes.ecb_runs`). The Python loop runs over
keys, as everywhere in this package.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020, §6.2.6 (key derivation).
"""

from __future__ import annotations

import numpy as np

from toyama_lab.lorawan.columnar.aes import CipherCache, ecb_runs
from toyama_lab.lorawan.columnar.columns import int_array

__all__ = ["derive_session_keys_batch"]


def derive_session_keys_batch(
    app_keys: np.ndarray, app_nonce, net_id, dev_nonce
) -> tuple[np.ndarray, np.ndarray]:
    """NwkSKey and AppSKey of ``n`` devices after their joins, as ``(n, 16)`` uint8 arrays.

    Row ``i`` equals ``derive_session_keys(app_keys[i].tobytes(), app_nonce[i], net_id[i],
    dev_nonce[i])`` (:func:`toyama_lab.lorawan.crypto.derive_session_keys`):
    ``aes128_encrypt(AppKey, 0x01 | AppNonce | NetID | DevNonce | pad16)`` and the same with
    ``0x02``, the integers little-endian as on air (LoRaWAN 1.0.4 §6.2.6).

    Parameters
    ----------
    app_keys : numpy.ndarray
        ``(n, 16)`` uint8: each device's AppKey.
    app_nonce : int or array of int
        24-bit AppNonce (JoinNonce in 1.0.4) of each join-accept, or one for all.
    net_id : int or array of int
        24-bit NetID, as written (``0x000013``), per device or one for all.
    dev_nonce : int or array of int
        16-bit DevNonce of each join-request, or one for all.

    Returns
    -------
    nwk_s_key, app_s_key : numpy.ndarray
        ``(n, 16)`` uint8 each.

    Raises
    ------
    ValueError
        For keys that are not ``(n, 16)`` uint8, integers out of their range or a wrong
        number of them.
    TypeError
        For nonces or NetIDs that are not integers.

    Examples
    --------
    >>> from toyama_lab.lorawan.crypto import derive_session_keys
    >>> keys = np.arange(32, dtype=np.uint8).reshape(2, 16)
    >>> nwk, app = derive_session_keys_batch(keys, [1, 2], 0x13, [7, 8])
    >>> (nwk[1].tobytes(), app[1].tobytes()) == derive_session_keys(keys[1].tobytes(), 2, 0x13, 8)
    True
    """
    keys = np.asarray(app_keys)
    if keys.ndim != 2 or keys.shape[1] != 16 or keys.dtype != np.uint8:
        raise ValueError(f"app_keys must be an (n, 16) uint8 array, got {keys.shape} {keys.dtype}")
    n = keys.shape[0]
    blocks = np.zeros((n, 2, 16), dtype=np.uint8)
    blocks[:, 0, 0], blocks[:, 1, 0] = 0x01, 0x02
    for name, values, bits, at in (
        ("app_nonce", app_nonce, 24, 1),
        ("net_id", net_id, 24, 4),
        ("dev_nonce", dev_nonce, 16, 7),
    ):
        le = int_array(values, name, n, 0, (1 << bits) - 1).astype("<u4")
        le = le.view(np.uint8).reshape(n, 4)
        blocks[:, :, at : at + bits // 8] = le[:, None, : bits // 8]
    # one run of two blocks per device, enciphered with that device's AppKey
    starts = np.arange(n, dtype=np.int64) * 2
    cache = CipherCache([k.tobytes() for k in keys])
    out = ecb_runs(cache, blocks.reshape(2 * n, 16), np.arange(n), starts, starts + 2)
    out = out.reshape(n, 2, 16)
    return np.ascontiguousarray(out[:, 0]), np.ascontiguousarray(out[:, 1])
