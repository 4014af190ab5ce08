"""Over-the-air activation (OTAA) for LoRaWAN 1.0.x: join-request, join-accept, session keys.

The device sends a join-request (in clear, MIC with AppKey); the network
answers with a join-accept encrypted with AppKey; both sides then derive
NwkSKey and AppSKey from AppKey, AppNonce, NetID and DevNonce (LoRaWAN
1.0.4 §6.2.5-§6.2.6 [1]_). ABP needs none of this: build
:class:`~toyama_lab.lorawan.keys.SessionKeys` directly.

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020,
   §6.2.5 (join-request frame, Table 53), §6.2.6 (join-accept frame,
   Tables 54-55, key derivation).
"""

from __future__ import annotations

from dataclasses import replace

from toyama_lab.lorawan import crypto
from toyama_lab.lorawan.errors import JoinError, MicError, UnknownDeviceError
from toyama_lab.lorawan.frames import MHDR, MIC_LEN, Frame, JoinAccept, MType, parse
from toyama_lab.lorawan.keys import KeyStore, SessionKeys

__all__ = [
    "decode_join_accept",
    "decode_join_request",
    "encode_join_accept",
    "encode_join_request",
    "otaa_session",
    "verify_join_request",
]

_CFLIST_LEN = 16  # optional CFList [bytes], §6.2.6


def _eui(value: bytes, name: str) -> bytes:
    value = bytes(value)
    if len(value) != 8:
        raise JoinError(f"{name} must be 8 bytes (EUI-64, big-endian as printed), got {len(value)}")
    return value


def encode_join_request(app_key: bytes, app_eui: bytes, dev_eui: bytes, dev_nonce: int) -> bytes:
    """Build a join-request PHYPayload (23 bytes).

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey (signs the request).
    app_eui : bytes
        8-byte AppEUI/JoinEUI, big-endian as printed (sent little-endian).
    dev_eui : bytes
        8-byte DevEUI, big-endian as printed.
    dev_nonce : int
        16-bit DevNonce (a counter in 1.0.4, never reused).

    Returns
    -------
    bytes
        ``MHDR | AppEUI | DevEUI | DevNonce | MIC`` (LoRaWAN 1.0.4 §6.2.5).
    """
    if not 0 <= dev_nonce <= 0xFFFF:
        raise JoinError(f"dev_nonce must be 0..65535, got {dev_nonce}")
    msg = (
        bytes((MHDR(MType.JOIN_REQUEST).to_byte(),))
        + _eui(app_eui, "app_eui")[::-1]
        + _eui(dev_eui, "dev_eui")[::-1]
        + dev_nonce.to_bytes(2, "little")
    )
    return msg + crypto.compute_join_request_mic(app_key, msg)


def _app_key_for(frame: Frame, keys: SessionKeys | KeyStore | bytes) -> bytes:
    jr = frame.join_request
    assert jr is not None
    if isinstance(keys, bytes | bytearray):
        return bytes(keys)
    found: SessionKeys | None
    if isinstance(keys, KeyStore):
        found = keys.by_dev_eui(jr.dev_eui)
    elif isinstance(keys, SessionKeys):
        found = keys if keys.dev_eui in (None, jr.dev_eui) else None
    else:
        raise TypeError(f"keys must be SessionKeys, KeyStore or bytes, got {type(keys).__name__}")
    if found is None or found.app_key is None:
        raise UnknownDeviceError(
            f"no AppKey for DevEUI {jr.dev_eui.hex().upper()}; add dev_eui and app_key to the "
            "key file",
            9,
        )
    return found.app_key


def verify_join_request(frame: Frame, keys: SessionKeys | KeyStore | bytes) -> Frame:
    """Check the MIC of a parsed join-request.

    Parameters
    ----------
    frame : Frame
        Output of :func:`~toyama_lab.lorawan.frames.parse` for a join-request.
    keys : SessionKeys, KeyStore or bytes
        The AppKey, keys with ``app_key``, or a store looked up by DevEUI.

    Returns
    -------
    Frame
        The frame with ``mic_ok=True``.

    Raises
    ------
    MicError, UnknownDeviceError
    """
    if frame.mtype != MType.JOIN_REQUEST:
        raise JoinError(f"expected a join-request, got {frame.mtype.name}", 0)
    app_key = _app_key_for(frame, keys)
    expected = crypto.compute_join_request_mic(app_key, frame.phy[:-MIC_LEN])
    if expected != frame.mic:
        eui = frame.phy[9:17][::-1].hex().upper()
        raise MicError(
            f"join-request MIC {frame.phy[-MIC_LEN:].hex().upper()} does not match for DevEUI "
            f"{eui}; wrong AppKey or altered frame (§6.2.5)",
            len(frame.phy) - MIC_LEN,
        )
    return replace(frame, mic_ok=True)


def decode_join_request(phy: bytes, keys: SessionKeys | KeyStore | bytes) -> Frame:
    """Parse a join-request PHYPayload and verify its MIC (see :func:`verify_join_request`)."""
    return verify_join_request(parse(phy), keys)


def encode_join_accept(
    app_key: bytes,
    app_nonce: int,
    net_id: int,
    dev_addr: int,
    *,
    rx1_dr_offset: int = 0,
    rx2_data_rate: int = 0,
    rx_delay: int = 1,
    cf_list: bytes | None = None,
) -> bytes:
    """Build an encrypted join-accept PHYPayload (17 or 33 bytes).

    Parameters
    ----------
    app_key : bytes
        16-byte AppKey.
    app_nonce : int
        24-bit AppNonce (JoinNonce).
    net_id : int
        24-bit NetID.
    dev_addr : int
        32-bit address given to the device.
    rx1_dr_offset : int
        0..7, DLSettings bits 6..4.
    rx2_data_rate : int
        0..15, DLSettings bits 3..0.
    rx_delay : int
        0..15, RX1 delay [s] (0 means 1 s).
    cf_list : bytes, optional
        16-byte CFList (regional, RP002).

    Returns
    -------
    bytes
        ``MHDR | aes128_decrypt(AppKey, JoinNonce | NetID | DevAddr | DLSettings |
        RxDelay | [CFList] | MIC)`` (LoRaWAN 1.0.4 §6.2.6).
    """
    for name, value, hi in (
        ("app_nonce", app_nonce, 0xFFFFFF),
        ("net_id", net_id, 0xFFFFFF),
        ("dev_addr", dev_addr, 0xFFFFFFFF),
        ("rx1_dr_offset", rx1_dr_offset, 7),
        ("rx2_data_rate", rx2_data_rate, 15),
        ("rx_delay", rx_delay, 15),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= hi:
            raise JoinError(f"{name} must be an integer 0..{hi}, got {value!r}")
    if cf_list is not None and len(cf_list) != _CFLIST_LEN:
        raise JoinError(f"cf_list must be {_CFLIST_LEN} bytes, got {len(cf_list)}")
    mhdr = bytes((MHDR(MType.JOIN_ACCEPT).to_byte(),))
    body = (
        app_nonce.to_bytes(3, "little")
        + net_id.to_bytes(3, "little")
        + dev_addr.to_bytes(4, "little")
        + bytes(((rx1_dr_offset << 4) | rx2_data_rate, rx_delay))
        + (bytes(cf_list) if cf_list is not None else b"")
    )
    mic = crypto.compute_join_accept_mic(app_key, mhdr + body)
    return mhdr + crypto.encrypt_join_accept(app_key, body + mic)


def decode_join_accept(phy: bytes, app_key: bytes) -> Frame:
    """Decrypt a join-accept and verify its MIC.

    Parameters
    ----------
    phy : bytes
        The 17- or 33-byte PHYPayload.
    app_key : bytes
        16-byte AppKey.

    Returns
    -------
    Frame
        ``join_accept`` filled in, ``mic`` the decrypted MIC, ``mic_ok=True``,
        ``payload`` the decrypted body without MIC.

    Raises
    ------
    MicError
        Wrong AppKey or altered frame.
    FrameError
        Not a join-accept, or wrong length.
    """
    frame = parse(phy)
    if frame.mtype != MType.JOIN_ACCEPT:
        raise JoinError(f"expected a join-accept (MType 001), got {frame.mtype.name}", 0)
    plain = crypto.decrypt_join_accept(app_key, frame.frm_payload)
    body, mic = plain[:-MIC_LEN], plain[-MIC_LEN:]
    if crypto.compute_join_accept_mic(app_key, frame.phy[:1] + body) != mic:
        raise MicError(
            "join-accept MIC does not match after decryption; wrong AppKey or altered frame "
            "(§6.2.6)",
            len(frame.phy) - MIC_LEN,
        )
    ja = JoinAccept(
        app_nonce=int.from_bytes(body[0:3], "little"),
        net_id=int.from_bytes(body[3:6], "little"),
        dev_addr=int.from_bytes(body[6:10], "little"),
        rx1_dr_offset=(body[10] >> 4) & 0x07,
        rx2_data_rate=body[10] & 0x0F,
        rx_delay=body[11] & 0x0F,
        cf_list=body[12:28] if len(body) > 12 else None,
        dl_settings_rfu=body[10] >> 7,
    )
    return replace(frame, mic=mic, mic_ok=True, payload=body, join_accept=ja)


def otaa_session(
    join_request: bytes | Frame, join_accept: bytes | Frame, app_key: bytes
) -> SessionKeys:
    """Session keys of a device after an OTAA exchange.

    Parameters
    ----------
    join_request : bytes or Frame
        The join-request PHYPayload (or its parsed frame); gives DevEUI and DevNonce.
    join_accept : bytes or Frame
        The join-accept PHYPayload (or a frame from :func:`decode_join_accept`);
        gives AppNonce, NetID and DevAddr.
    app_key : bytes
        16-byte AppKey.

    Returns
    -------
    SessionKeys
        DevAddr, derived NwkSKey and AppSKey (§6.2.6), DevEUI and AppKey.

    Raises
    ------
    MicError
        Either frame fails its MIC with ``app_key``.

    Examples
    --------
    >>> key = bytes(range(16))
    >>> jr = encode_join_request(key, bytes(8), bytes.fromhex("0004A30B001C0530"), 7)
    >>> ja = encode_join_accept(key, 1, 0x13, 0x26011BDA)
    >>> otaa_session(jr, ja, key).dev_addr == 0x26011BDA
    True
    """
    req = join_request if isinstance(join_request, Frame) else parse(join_request)
    req = verify_join_request(req, app_key)
    acc_phy = join_accept.phy if isinstance(join_accept, Frame) else join_accept
    acc = decode_join_accept(acc_phy, app_key)
    ja = acc.join_accept
    jr = req.join_request
    assert ja is not None and jr is not None
    nwk, app = crypto.derive_session_keys(app_key, ja.app_nonce, ja.net_id, jr.dev_nonce)
    return SessionKeys(ja.dev_addr, nwk, app, dev_eui=jr.dev_eui, app_key=bytes(app_key))
