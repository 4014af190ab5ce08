"""LoRaWAN 1.0.x cryptography: payload encryption, MICs, join-accept, key derivation.

All AES-128 and AES-CMAC (RFC 4493 [2]_) work is done by the ``cryptography``
package (OpenSSL); nothing here implements AES itself. Every function is a
pure function of its arguments.

Byte orders follow the specification [1]_: DevAddr, FCnt, AppNonce, NetID and
DevNonce enter the crypto blocks little-endian, as they travel on air.

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020:
   §4.3.3 (FRMPayload encryption, A blocks), §4.4 (MIC, B0 block),
   §6.2.5 (join-request MIC), §6.2.6 (join-accept encryption and MIC),
   §6.2.6 (NwkSKey/AppSKey derivation in 1.0.x).
.. [2] J. H. Song et al., "The AES-CMAC Algorithm", RFC 4493, 2006.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

__all__ = [
    "DOWNLINK",
    "UPLINK",
    "aes_encrypt_payload",
    "compute_join_accept_mic",
    "compute_join_request_mic",
    "compute_mic",
    "decrypt_join_accept",
    "derive_session_keys",
    "encrypt_join_accept",
]

#: Direction bit of the A and B0 blocks for uplinks (LoRaWAN 1.0.4 §4.3.3.1, §4.4).
UPLINK = 0
#: Direction bit of the A and B0 blocks for downlinks (LoRaWAN 1.0.4 §4.3.3.1, §4.4).
DOWNLINK = 1

_BLOCK = 16  # AES block [bytes]
_A_TAG = 0x01  # first byte of the A_i blocks, §4.3.3.1
_B0_TAG = 0x49  # first byte of the B0 block, §4.4


def _key(key: bytes, name: str = "key") -> bytes:
    if isinstance(key, bytearray | memoryview):
        key = bytes(key)
    if not isinstance(key, bytes) or len(key) != 16:
        got = f"{len(key)} bytes" if isinstance(key, bytes) else type(key).__name__
        raise ValueError(f"{name} must be 16 bytes (AES-128), got {got}")
    return key


def _u(value: int, bits: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << bits):
        raise ValueError(f"{name} must be an unsigned {bits}-bit integer, got {value!r}")
    return value


def _direction(direction: int) -> int:
    if direction not in (UPLINK, DOWNLINK):
        raise ValueError(f"direction must be 0 (uplink) or 1 (downlink), got {direction!r}")
    return int(direction)


@lru_cache(maxsize=4096)
def _ecb(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.ECB())


def _aes_encrypt(key: bytes, data: bytes) -> bytes:
    enc = _ecb(key).encryptor()
    return enc.update(data) + enc.finalize()


def _aes_decrypt(key: bytes, data: bytes) -> bytes:
    dec = _ecb(key).decryptor()
    return dec.update(data) + dec.finalize()


def _cmac(key: bytes, data: bytes) -> bytes:
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    n = len(a)
    return (int.from_bytes(a, "little") ^ int.from_bytes(b[:n], "little")).to_bytes(n, "little")


def aes_encrypt_payload(
    key: bytes, dev_addr: int, fcnt32: int, direction: int, payload: bytes
) -> bytes:
    """Encrypt or decrypt an FRMPayload with the LoRaWAN A-block keystream.

    Parameters
    ----------
    key : bytes
        16-byte key: NwkSKey when FPort is 0, AppSKey otherwise (§4.3.3).
    dev_addr : int
        32-bit device address.
    fcnt32 : int
        Full 32-bit frame counter (FCntUp or FCntDown).
    direction : int
        0 for uplink, 1 for downlink.
    payload : bytes
        Plain or cipher text, any length.

    Returns
    -------
    bytes
        ``payload XOR S`` where ``S = aes128_encrypt(K, A_1) | ... | aes128_encrypt(K, A_k)``
        truncated to ``len(payload)``. The operation is its own inverse.

    Notes
    -----
    ``A_i = 0x01 | 0x00*4 | Dir | DevAddr | FCnt | 0x00 | i`` with DevAddr and
    FCnt little-endian and ``i`` counting from 1 (LoRaWAN 1.0.4 §4.3.3.1).
    All blocks are encrypted in one ECB call.

    Examples
    --------
    >>> k = bytes(16)
    >>> c = aes_encrypt_payload(k, 0x26011BDA, 1, 0, b"hello")
    >>> aes_encrypt_payload(k, 0x26011BDA, 1, 0, c)
    b'hello'
    """
    key = _key(key)
    payload = bytes(payload)
    if not payload:
        return b""
    n_blocks = (len(payload) + _BLOCK - 1) // _BLOCK
    if n_blocks > 255:
        raise ValueError(f"payload of {len(payload)} bytes is longer than 255 AES blocks")
    head = (
        bytes((_A_TAG, 0, 0, 0, 0, _direction(direction)))
        + _u(dev_addr, 32, "dev_addr").to_bytes(4, "little")
        + _u(fcnt32, 32, "fcnt32").to_bytes(4, "little")
        + b"\x00"
    )
    blocks = b"".join(head + bytes((i,)) for i in range(1, n_blocks + 1))
    return _xor(payload, _aes_encrypt(key, blocks))


def _b0(dev_addr: int, fcnt32: int, direction: int, msg_len: int) -> bytes:
    return (
        bytes((_B0_TAG, 0, 0, 0, 0, _direction(direction)))
        + _u(dev_addr, 32, "dev_addr").to_bytes(4, "little")
        + _u(fcnt32, 32, "fcnt32").to_bytes(4, "little")
        + bytes((0, _u(msg_len, 8, "message length")))
    )


def compute_mic(key: bytes, dev_addr: int, fcnt32: int, direction: int, msg: bytes) -> bytes:
    """The 4-byte MIC of a data frame.

    Parameters
    ----------
    key : bytes
        16-byte NwkSKey.
    dev_addr : int
        32-bit device address.
    fcnt32 : int
        Full 32-bit frame counter.
    direction : int
        0 uplink, 1 downlink.
    msg : bytes
        ``MHDR | FHDR | FPort | FRMPayload`` (the PHYPayload without its MIC), at most 255 bytes.

    Returns
    -------
    bytes
        ``aes128_cmac(NwkSKey, B0 | msg)[0:4]``.

    Notes
    -----
    ``B0 = 0x49 | 0x00*4 | Dir | DevAddr | FCnt | 0x00 | len(msg)`` (LoRaWAN 1.0.4 §4.4).
    In 1.0.x the same block serves uplinks and downlinks; only Dir changes.
    """
    key = _key(key)
    msg = bytes(msg)
    return _cmac(key, _b0(dev_addr, fcnt32, direction, len(msg)) + msg)[:4]


def compute_join_request_mic(app_key: bytes, msg: bytes) -> bytes:
    """MIC of a join-request: ``aes128_cmac(AppKey, MHDR | AppEUI | DevEUI | DevNonce)[0:4]``.

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey.
    msg : bytes
        The 19 bytes of the join-request before its MIC, as on air.

    Returns
    -------
    bytes
        4-byte MIC (LoRaWAN 1.0.4 §6.2.5).
    """
    return _cmac(_key(app_key, "app_key"), bytes(msg))[:4]


def compute_join_accept_mic(app_key: bytes, msg: bytes) -> bytes:
    """MIC of a join-accept over ``MHDR | AppNonce | NetID | DevAddr | DLSettings | RxDelay | CFList``.

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey.
    msg : bytes
        The plaintext join-accept before its MIC (13 or 29 bytes), as on air.

    Returns
    -------
    bytes
        4-byte MIC (LoRaWAN 1.0.4 §6.2.6).
    """  # noqa: E501
    return _cmac(_key(app_key, "app_key"), bytes(msg))[:4]


def encrypt_join_accept(app_key: bytes, plaintext: bytes) -> bytes:
    """Encrypt a join-accept body (everything after MHDR, MIC included).

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey.
    plaintext : bytes
        ``AppNonce | NetID | DevAddr | DLSettings | RxDelay | [CFList] | MIC``,
        16 or 32 bytes.

    Returns
    -------
    bytes
        The cipher text sent on air after MHDR.

    Notes
    -----
    The network server *encrypts* with an AES **decrypt** operation in ECB
    mode, so that the device needs only AES encrypt to open it
    (LoRaWAN 1.0.4 §6.2.6).
    """
    plaintext = bytes(plaintext)
    if len(plaintext) not in (16, 32):
        raise ValueError(f"join-accept body must be 16 or 32 bytes, got {len(plaintext)}")
    return _aes_decrypt(_key(app_key, "app_key"), plaintext)


def decrypt_join_accept(app_key: bytes, ciphertext: bytes) -> bytes:
    """Open a join-accept body received on air (inverse of :func:`encrypt_join_accept`).

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey.
    ciphertext : bytes
        The 16 or 32 bytes after MHDR.

    Returns
    -------
    bytes
        ``AppNonce | NetID | DevAddr | DLSettings | RxDelay | [CFList] | MIC``.

    Notes
    -----
    The device uses AES **encrypt** in ECB mode (LoRaWAN 1.0.4 §6.2.6).
    """
    ciphertext = bytes(ciphertext)
    if len(ciphertext) not in (16, 32):
        raise ValueError(f"join-accept body must be 16 or 32 bytes, got {len(ciphertext)}")
    return _aes_encrypt(_key(app_key, "app_key"), ciphertext)


def derive_session_keys(
    app_key: bytes, app_nonce: int, net_id: int, dev_nonce: int
) -> tuple[bytes, bytes]:
    """Derive the LoRaWAN 1.0.x session keys after a join.

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey.
    app_nonce : int
        24-bit AppNonce (called JoinNonce in 1.0.4) from the join-accept.
    net_id : int
        24-bit NetID from the join-accept, as written (``0x000013``).
    dev_nonce : int
        16-bit DevNonce from the join-request.

    Returns
    -------
    nwk_s_key, app_s_key : bytes
        ``aes128_encrypt(AppKey, 0x01 | AppNonce | NetID | DevNonce | pad16)`` and the
        same with ``0x02`` (LoRaWAN 1.0.4 §6.2.6), integers packed little-endian as on air.
    """
    app_key = _key(app_key, "app_key")
    body = (
        _u(app_nonce, 24, "app_nonce").to_bytes(3, "little")
        + _u(net_id, 24, "net_id").to_bytes(3, "little")
        + _u(dev_nonce, 16, "dev_nonce").to_bytes(2, "little")
        + bytes(7)
    )
    out = _aes_encrypt(app_key, b"\x01" + body + b"\x02" + body)
    return out[:16], out[16:]
