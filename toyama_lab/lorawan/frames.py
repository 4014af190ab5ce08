"""LoRaWAN 1.0.x PHYPayload: parse, verify, decrypt and build frames.

Layout (LoRaWAN 1.0.4 §4 [1]_, multi-byte fields little-endian on air)::

    PHYPayload = MHDR(1) | MACPayload | MIC(4)            data frames
               = MHDR(1) | JoinEUI(8) | DevEUI(8) | DevNonce(2) | MIC(4)
               = MHDR(1) | encrypted(JoinNonce(3) | NetID(3) | DevAddr(4)
                            | DLSettings(1) | RxDelay(1) | [CFList(16)] | MIC(4))
               = MHDR(1) | proprietary bytes              MType 111
    MACPayload = FHDR | [FPort(1) | FRMPayload]
    FHDR       = DevAddr(4) | FCtrl(1) | FCnt(2) | FOpts(0..15)

Design: one immutable :class:`Frame` for every MType with optional parts
(``fhdr`` for data frames, ``join_request`` / ``join_accept`` for joins), so
tables of frames have one shape. :func:`parse` reads structure only (no
keys); :func:`decode` also checks the MIC and decrypts, and never returns a
frame whose MIC failed. Multi-byte identifiers are exposed as people write
them: ``dev_addr`` as an int (``0x26011BDA``), EUIs as big-endian bytes.

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020,
   §4.1 (PHYPayload), §4.2 (MHDR, Table 3-5), §4.3.1 (FHDR, FCtrl Tables 6-8),
   §4.3.2 (FPort), §4.3.3 (FRMPayload encryption), §4.4 (MIC), §6.2.5-§6.2.6 (joins).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import TYPE_CHECKING

from toyama_lab.lorawan import crypto
from toyama_lab.lorawan.errors import (
    BadMajorError,
    BadMTypeError,
    FOptsLengthError,
    FPortError,
    FrameError,
    MicError,
    TooLongError,
    TooShortError,
    UnknownDeviceError,
)
from toyama_lab.lorawan.keys import KeyStore, SessionKeys
from toyama_lab.lorawan.mac import MacCommand, encode_mac_commands, parse_mac_commands

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "FHDR",
    "MAX_FOPTS_LEN",
    "MAX_PHY_LEN",
    "MHDR",
    "MIC_LEN",
    "FCtrl",
    "Frame",
    "JoinAccept",
    "JoinRequest",
    "MType",
    "decode",
    "encode_data",
    "encode_downlink",
    "encode_proprietary",
    "encode_uplink",
    "parse",
]

#: Length of the MIC field [bytes] (LoRaWAN 1.0.4 §4.4).
MIC_LEN = 4
#: Largest FOpts field [bytes]: FOptsLen is 4 bits (LoRaWAN 1.0.4 §4.3.1.6).
MAX_FOPTS_LEN = 15
#: Largest PHYPayload handled [bytes]: the B0 block stores len(msg) in one byte (§4.4);
#: regional limits (RP002) are lower.
MAX_PHY_LEN = 255
_DATA_MIN = 1 + 7 + MIC_LEN  # MHDR + smallest FHDR + MIC, §4.3.1
_JOIN_REQUEST_LEN = 23  # MHDR + 8 + 8 + 2 + MIC, §6.2.5
_JOIN_ACCEPT_LENS = (17, 33)  # MHDR + 12 [+ 16 CFList] + MIC, §6.2.6


class MType(IntEnum):
    """Message type, bits 7..5 of MHDR (LoRaWAN 1.0.4 §4.2.1, Table 4)."""

    JOIN_REQUEST = 0
    JOIN_ACCEPT = 1
    UNCONFIRMED_DATA_UP = 2
    UNCONFIRMED_DATA_DOWN = 3
    CONFIRMED_DATA_UP = 4
    CONFIRMED_DATA_DOWN = 5
    RFU = 6
    PROPRIETARY = 7

    @property
    def is_data(self) -> bool:
        """True for the four data-frame types."""
        return 2 <= self <= 5

    @property
    def is_uplink(self) -> bool:
        """True for frames sent by the end-device (join-request, data up)."""
        return self in (MType.JOIN_REQUEST, MType.UNCONFIRMED_DATA_UP, MType.CONFIRMED_DATA_UP)

    @property
    def is_confirmed(self) -> bool:
        """True for confirmed data frames, which ask for an ACK (§4.2.1.2)."""
        return self in (MType.CONFIRMED_DATA_UP, MType.CONFIRMED_DATA_DOWN)


@dataclass(frozen=True, slots=True)
class MHDR:
    """MAC header: MType (bits 7..5), RFU (4..2), Major (1..0) (LoRaWAN 1.0.4 §4.2, Table 3)."""

    mtype: MType
    major: int = 0
    rfu: int = 0

    @classmethod
    def from_byte(cls, b: int) -> MHDR:
        """Split the MHDR byte; raises for MType 110 (RFU) or Major != 0."""
        mtype = b >> 5
        if mtype == MType.RFU:
            raise BadMTypeError(
                f"MHDR 0x{b:02X} has MType 110 (reserved); expected 000-101 or 111 "
                "(LoRaWAN 1.0.4 §4.2.1) - the frame is corrupt or not LoRaWAN",
                0,
            )
        major = b & 0x03
        if major != 0:
            raise BadMajorError(
                f"MHDR 0x{b:02X} has Major {major:02b}; only 00 (LoRaWAN R1) is defined "
                "(LoRaWAN 1.0.4 §4.2.2)",
                0,
            )
        return cls(MType(mtype), major, (b >> 2) & 0x07)

    def to_byte(self) -> int:
        """The MHDR byte."""
        return (int(self.mtype) << 5) | ((self.rfu & 0x07) << 2) | (self.major & 0x03)


@dataclass(frozen=True, slots=True)
class FCtrl:
    """Frame control byte (LoRaWAN 1.0.4 §4.3.1, Tables 7-8).

    Uplink bits: 7 ADR, 6 ADRACKReq, 5 ACK, 4 ClassB, 3..0 FOptsLen.
    Downlink bits: 7 ADR, 6 RFU, 5 ACK, 4 FPending, 3..0 FOptsLen.
    ``adr_ack_req``/``class_b`` are False on downlinks and ``f_pending`` is
    False on uplinks; ``rfu`` keeps the downlink bit 6.
    """

    adr: bool = False
    adr_ack_req: bool = False
    ack: bool = False
    class_b: bool = False
    f_pending: bool = False
    fopts_len: int = 0
    rfu: bool = False

    @classmethod
    def from_byte(cls, b: int, *, uplink: bool) -> FCtrl:
        """Split an FCtrl byte of an uplink or downlink frame."""
        bit4 = bool(b & 0x10)
        bit6 = bool(b & 0x40)
        return cls(
            adr=bool(b & 0x80),
            adr_ack_req=bit6 if uplink else False,
            ack=bool(b & 0x20),
            class_b=bit4 if uplink else False,
            f_pending=False if uplink else bit4,
            fopts_len=b & 0x0F,
            rfu=False if uplink else bit6,
        )

    def to_byte(self, *, uplink: bool) -> int:
        """The FCtrl byte for an uplink or downlink frame."""
        bit6 = self.adr_ack_req if uplink else self.rfu
        bit4 = self.class_b if uplink else self.f_pending
        return (
            (self.adr << 7) | (bit6 << 6) | (self.ack << 5) | (bit4 << 4) | (self.fopts_len & 0x0F)
        )


@dataclass(frozen=True, slots=True)
class FHDR:
    """Frame header of a data frame (LoRaWAN 1.0.4 §4.3.1, Table 6).

    Attributes
    ----------
    dev_addr : int
        32-bit device address (little-endian on air, shown as written).
    fctrl : FCtrl
    fcnt : int
        The 16 least significant bits of the frame counter, as on air (§4.3.1.5).
    fopts : bytes
        Frame options: MAC commands in clear (§4.3.1.6).
    """

    dev_addr: int
    fctrl: FCtrl
    fcnt: int
    fopts: bytes = b""


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """Join-request fields (LoRaWAN 1.0.4 §6.2.5, Table 53).

    ``app_eui`` (JoinEUI in 1.0.4) and ``dev_eui`` are big-endian as printed
    (they are little-endian on air); ``dev_nonce`` is the 16-bit integer.
    """

    app_eui: bytes
    dev_eui: bytes
    dev_nonce: int


@dataclass(frozen=True, slots=True)
class JoinAccept:
    """Decrypted join-accept fields (LoRaWAN 1.0.4 §6.2.6, Tables 54-55).

    Attributes
    ----------
    app_nonce : int
        24-bit AppNonce (JoinNonce in 1.0.4).
    net_id : int
        24-bit network identifier.
    dev_addr : int
        32-bit address given to the device.
    rx1_dr_offset : int
        DLSettings bits 6..4: RX1 data-rate offset.
    rx2_data_rate : int
        DLSettings bits 3..0: RX2 data rate.
    rx_delay : int
        RxDelay bits 3..0: delay of RX1 after the uplink [s] (0 means 1 s).
    cf_list : bytes or None
        16-byte optional channel-frequency list (regional, RP002), or None.
    dl_settings_rfu : int
        DLSettings bit 7 (RFU in 1.0.x).
    """

    app_nonce: int
    net_id: int
    dev_addr: int
    rx1_dr_offset: int = 0
    rx2_data_rate: int = 0
    rx_delay: int = 1
    cf_list: bytes | None = None
    dl_settings_rfu: int = 0


@dataclass(frozen=True, slots=True)
class Frame:
    """One LoRaWAN PHYPayload, parsed (and possibly verified and decrypted).

    Attributes
    ----------
    phy : bytes
        The PHYPayload as received.
    mhdr : MHDR
    mic : bytes or None
        The 4-byte MIC field; ``None`` for proprietary frames (format not
        standardised) and for a join-accept not yet decrypted.
    fhdr : FHDR or None
        Data frames only.
    fport : int or None
        FPort, or ``None`` when the frame has no port and no payload (§4.3.2).
    frm_payload : bytes
        FRMPayload as on air (encrypted); for a join-accept not yet
        decrypted, the whole encrypted body; for proprietary frames, every
        byte after MHDR.
    payload : bytes or None
        Decrypted FRMPayload (set by :func:`decode`).
    fcnt32 : int or None
        Full 32-bit frame counter used for the MIC check (set by :func:`decode`).
    mic_ok : bool or None
        True once the MIC was verified; ``None`` when not checked.
    mac_commands : tuple of MacCommand
        Commands from FOpts, or from the decrypted payload when FPort is 0
        (parsed leniently: unknown CIDs appear as ``name="Unknown"``).
    join_request, join_accept : JoinRequest or JoinAccept or None
        Join fields (a join-accept only after decryption).
    """

    phy: bytes
    mhdr: MHDR
    mic: bytes | None = None
    fhdr: FHDR | None = None
    fport: int | None = None
    frm_payload: bytes = b""
    payload: bytes | None = None
    fcnt32: int | None = None
    mic_ok: bool | None = None
    mac_commands: tuple[MacCommand, ...] = ()
    join_request: JoinRequest | None = None
    join_accept: JoinAccept | None = None

    @property
    def mtype(self) -> MType:
        """Message type."""
        return self.mhdr.mtype

    @property
    def is_uplink(self) -> bool:
        """True for end-device to network frames."""
        return self.mhdr.mtype.is_uplink

    @property
    def dev_addr(self) -> int | None:
        """DevAddr of a data frame or a decrypted join-accept, else None."""
        if self.fhdr is not None:
            return self.fhdr.dev_addr
        if self.join_accept is not None:
            return self.join_accept.dev_addr
        return None

    @property
    def fcnt(self) -> int | None:
        """16-bit FCnt of a data frame, else None."""
        return None if self.fhdr is None else self.fhdr.fcnt

    @property
    def fopts_offset(self) -> int:
        """Byte offset of FOpts in the PHYPayload (§4.3.1)."""
        return 8

    @property
    def fport_offset(self) -> int | None:
        """Byte offset of FPort in the PHYPayload, or None when absent."""
        if self.fhdr is None or self.fport is None:
            return None
        return 8 + len(self.fhdr.fopts)

    def __repr__(self) -> str:
        parts = [f"mtype={self.mtype.name}"]
        if self.fhdr is not None:
            parts += [f"dev_addr=0x{self.fhdr.dev_addr:08X}", f"fcnt={self.fhdr.fcnt}"]
            if self.fport is not None:
                parts.append(f"fport={self.fport}")
        if self.join_request is not None:
            jr = self.join_request
            parts += [f"dev_eui={jr.dev_eui.hex().upper()}", f"dev_nonce={jr.dev_nonce}"]
        if self.join_accept is not None:
            parts.append(f"dev_addr=0x{self.join_accept.dev_addr:08X}")
        parts.append(f"len={len(self.phy)}")
        if self.mic_ok is not None:
            parts.append(f"mic_ok={self.mic_ok}")
        if self.payload is not None:
            parts.append(f"payload={self.payload.hex()}")
        return f"Frame({', '.join(parts)})"


def _as_bytes(phy: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(phy, bytes):
        return phy
    if isinstance(phy, bytearray | memoryview):
        return bytes(phy)
    raise TypeError(
        f"phy must be bytes, got {type(phy).__name__}; convert hex text with bytes.fromhex(...)"
    )


def parse(phy: bytes) -> Frame:
    """Parse a PHYPayload without keys: structure only.

    Parameters
    ----------
    phy : bytes
        The PHYPayload (MHDR to MIC), as a gateway forwards it (base64-decoded).

    Returns
    -------
    Frame
        With ``mic_ok=None`` and ``payload=None``. FOpts MAC commands are parsed
        (they are in clear in 1.0.x); a join-accept keeps its encrypted body in
        ``frm_payload``.

    Raises
    ------
    FrameError
        One of its subclasses, naming the byte offset: TooShortError,
        TooLongError, BadMTypeError, BadMajorError, FOptsLengthError, FPortError.

    Examples
    --------
    >>> f = parse(bytes.fromhex("40da1b0126000100" "01" "a1b2c3" "00000000"))
    >>> hex(f.dev_addr), f.fcnt, f.fport, f.frm_payload.hex()
    ('0x26011bda', 1, 1, 'a1b2c3')
    """
    phy = _as_bytes(phy)
    n = len(phy)
    if n == 0:
        raise TooShortError("empty frame; expected at least the 1-byte MHDR (§4.1)", 0)
    if n > MAX_PHY_LEN:
        raise TooLongError(
            f"frame of {n} bytes is longer than {MAX_PHY_LEN} bytes, the most a LoRaWAN "
            "PHYPayload can be (§4.4)",
            MAX_PHY_LEN,
        )
    mhdr = MHDR.from_byte(phy[0])
    mtype = mhdr.mtype
    if mtype == MType.JOIN_REQUEST:
        if n != _JOIN_REQUEST_LEN:
            cls = TooShortError if n < _JOIN_REQUEST_LEN else TooLongError
            raise cls(
                f"join-request must be {_JOIN_REQUEST_LEN} bytes (MHDR, JoinEUI 8, DevEUI 8, "
                f"DevNonce 2, MIC 4; §6.2.5), got {n}",
                min(n, _JOIN_REQUEST_LEN),
            )
        jr = JoinRequest(
            app_eui=phy[1:9][::-1],
            dev_eui=phy[9:17][::-1],
            dev_nonce=int.from_bytes(phy[17:19], "little"),
        )
        return Frame(phy=phy, mhdr=mhdr, mic=phy[19:23], join_request=jr)
    if mtype == MType.JOIN_ACCEPT:
        if n not in _JOIN_ACCEPT_LENS:
            cls = TooShortError if n < _JOIN_ACCEPT_LENS[0] else TooLongError
            raise cls(
                f"join-accept must be 17 bytes, or 33 with a CFList (§6.2.6), got {n}",
                min(n, _JOIN_ACCEPT_LENS[0] if n < 33 else 33),
            )
        return Frame(phy=phy, mhdr=mhdr, frm_payload=phy[1:])
    if mtype == MType.PROPRIETARY:
        return Frame(phy=phy, mhdr=mhdr, frm_payload=phy[1:])
    # data frames
    if n < _DATA_MIN:
        raise TooShortError(
            f"data frame of {n} bytes is shorter than {_DATA_MIN} (MHDR 1, DevAddr 4, FCtrl 1, "
            "FCnt 2, MIC 4; §4.3.1)",
            n,
        )
    uplink = mtype.is_uplink
    fctrl = FCtrl.from_byte(phy[5], uplink=uplink)
    fopts_end = 8 + fctrl.fopts_len
    mic_start = n - MIC_LEN
    if fopts_end > mic_start:
        raise FOptsLengthError(
            f"FOptsLen={fctrl.fopts_len} needs FOpts at bytes 8..{fopts_end - 1}, but the MIC "
            f"starts at byte {mic_start} (frame of {n} bytes; §4.3.1.6)",
            5,
        )
    fopts = phy[8:fopts_end]
    fhdr = FHDR(
        dev_addr=int.from_bytes(phy[1:5], "little"),
        fctrl=fctrl,
        fcnt=int.from_bytes(phy[6:8], "little"),
        fopts=fopts,
    )
    fport = None
    frm = b""
    if fopts_end < mic_start:
        fport = phy[fopts_end]
        frm = phy[fopts_end + 1 : mic_start]
        if fport == 0 and fopts:
            raise FPortError(
                f"FPort 0 (MAC commands in the payload) together with {len(fopts)} bytes of "
                "FOpts; MAC commands may be in one place only (§4.3.1.6, §5)",
                fopts_end,
            )
    macs = parse_mac_commands(fopts, uplink=uplink, offset=8, lenient=True) if fopts else ()
    return Frame(
        phy=phy,
        mhdr=mhdr,
        mic=phy[mic_start:],
        fhdr=fhdr,
        fport=fport,
        frm_payload=frm,
        mac_commands=macs,
    )


def _session_for(addr: int, keys: SessionKeys | KeyStore) -> SessionKeys:
    """Keys of DevAddr ``addr``; UnknownDeviceError (at the DevAddr field, byte 1) if none."""
    if isinstance(keys, KeyStore):
        found = keys.get(addr)
        if found is None:
            raise UnknownDeviceError(
                f"no session keys for DevAddr {addr:08X} in {keys.source}; add the device to "
                "the key file or check the address",
                1,
            )
        return found
    if isinstance(keys, SessionKeys):
        if keys.dev_addr != addr:
            raise UnknownDeviceError(
                f"frame DevAddr {addr:08X} does not match the keys given "
                f"(DevAddr {keys.dev_addr:08X}); pass the right keys or a KeyStore",
                1,
            )
        return keys
    raise TypeError(f"keys must be SessionKeys or KeyStore, got {type(keys).__name__}")


def decode(phy: bytes, keys: SessionKeys | KeyStore, *, fcnt_msb: int | None = None) -> Frame:
    """Parse, verify the MIC and decrypt a PHYPayload.

    Parameters
    ----------
    phy : bytes
        The PHYPayload.
    keys : SessionKeys or KeyStore
        Keys of the device, or a store looked up by DevAddr (data frames) or
        DevEUI (join-requests). A join-accept needs ``SessionKeys`` with
        ``app_key`` (it carries no device identity in clear).
    fcnt_msb : int, optional
        Upper 16 bits of the 32-bit frame counter (0..65535; default 0). Use
        :class:`~toyama_lab.lorawan.fcnt.FCntTracker` to find it.

    Returns
    -------
    Frame
        With ``mic_ok=True``, ``fcnt32``, the decrypted ``payload`` (NwkSKey
        for FPort 0, AppSKey otherwise; §4.3.3) and, for FPort 0, the MAC
        commands of the payload. Join frames come back verified (and a
        join-accept decrypted); proprietary frames are returned as parsed
        (``mic_ok=None``: their format has no standard MIC).

    Raises
    ------
    MicError
        The MIC does not match: altered frame, wrong keys or wrong ``fcnt_msb``.
    UnknownDeviceError
        No keys for the frame's DevAddr/DevEUI.
    FrameError
        Any structural problem (see :func:`parse`).
    """
    msb = 0 if fcnt_msb is None else fcnt_msb
    if isinstance(msb, bool) or not isinstance(msb, int) or not 0 <= msb <= 0xFFFF:
        raise ValueError(f"fcnt_msb must be an integer 0..65535, got {fcnt_msb!r}")
    frame = parse(phy)
    mtype = frame.mtype
    if mtype in (MType.JOIN_REQUEST, MType.JOIN_ACCEPT):
        from toyama_lab.lorawan import join

        if mtype == MType.JOIN_REQUEST:
            return join.verify_join_request(frame, keys)
        if not isinstance(keys, SessionKeys) or keys.app_key is None:
            raise UnknownDeviceError(
                "a join-accept carries no device identity in clear; pass SessionKeys with "
                "app_key (or call decode_join_accept(phy, app_key))",
                1,
            )
        return join.decode_join_accept(frame.phy, keys.app_key)
    if mtype == MType.PROPRIETARY:
        return frame
    fhdr = frame.fhdr
    assert fhdr is not None
    session = _session_for(fhdr.dev_addr, keys)
    fcnt32 = (msb << 16) | fhdr.fcnt
    direction = crypto.UPLINK if frame.is_uplink else crypto.DOWNLINK
    expected = crypto.compute_mic(
        session.nwk_s_key, fhdr.dev_addr, fcnt32, direction, frame.phy[:-MIC_LEN]
    )
    assert frame.mic is not None
    if expected != frame.mic:
        raise MicError(
            f"MIC {frame.mic.hex().upper()} does not match for DevAddr {fhdr.dev_addr:08X} "
            f"with FCnt {fcnt32} (upper bits {msb}); the frame was altered, or the NwkSKey "
            "or the frame-counter upper bits are wrong (§4.4)",
            len(frame.phy) - MIC_LEN,
        )
    payload = b""
    macs = frame.mac_commands
    if frame.frm_payload:
        key = session.nwk_s_key if frame.fport == 0 else session.app_s_key
        payload = crypto.aes_encrypt_payload(
            key, fhdr.dev_addr, fcnt32, direction, frame.frm_payload
        )
    if frame.fport == 0:
        macs = parse_mac_commands(
            payload, uplink=frame.is_uplink, offset=frame.fport_offset + 1, lenient=True
        )
    return replace(frame, payload=payload, fcnt32=fcnt32, mic_ok=True, mac_commands=macs)


def _fopts_bytes(fopts: bytes | Iterable[MacCommand | bytes]) -> bytes:
    if isinstance(fopts, bytes | bytearray):
        return bytes(fopts)
    return encode_mac_commands(fopts)


def encode_data(
    mtype: MType | int,
    dev_addr: int,
    fcnt: int,
    fport: int | None,
    payload: bytes,
    keys: SessionKeys | KeyStore,
    *,
    fctrl: FCtrl | None = None,
    fopts: bytes | Iterable[MacCommand | bytes] = b"",
) -> bytes:
    """Build and sign a data frame of any direction.

    Parameters
    ----------
    mtype : MType
        One of the four data MTypes (§4.2.1).
    dev_addr : int
        32-bit device address.
    fcnt : int
        Full 32-bit frame counter; its low 16 bits go on air, all 32 enter the
        MIC and the keystream (§4.3.1.5).
    fport : int or None
        0 (MAC commands in the payload, encrypted with NwkSKey), 1..223
        application ports, 224 test port, 225..255 RFU; ``None`` for a frame
        without port and payload (then ``payload`` must be empty).
    payload : bytes
        Plain FRMPayload.
    keys : SessionKeys or KeyStore
        Keys of ``dev_addr``.
    fctrl : FCtrl, optional
        Flags; ``fopts_len`` is filled in from ``fopts``.
    fopts : bytes or iterable of MacCommand/bytes, optional
        MAC commands to piggy-back in clear (at most 15 bytes).

    Returns
    -------
    bytes
        The PHYPayload.

    Raises
    ------
    FOptsLengthError, FPortError, FrameError
        FOpts over 15 bytes; FPort out of range, FPort 0 with FOpts, or a
        payload without FPort; frame over 255 bytes.
    UnknownDeviceError
        ``keys`` is a KeyStore without ``dev_addr``, or SessionKeys of another device.
    """
    mtype = MType(mtype)
    if not mtype.is_data:
        raise ValueError(f"encode_data builds data frames only, got {mtype.name}")
    if not 0 <= fcnt <= 0xFFFFFFFF:
        raise ValueError(f"fcnt must be a 32-bit unsigned integer, got {fcnt}")
    if not 0 <= dev_addr <= 0xFFFFFFFF:
        raise ValueError(f"dev_addr must be a 32-bit unsigned integer, got {dev_addr}")
    fo = _fopts_bytes(fopts)
    if len(fo) > MAX_FOPTS_LEN:
        raise FOptsLengthError(
            f"FOpts of {len(fo)} bytes; at most {MAX_FOPTS_LEN} fit (FOptsLen is 4 bits, "
            "§4.3.1.6) - send the rest as an FPort 0 frame"
        )
    payload = bytes(payload)
    if fport is None:
        if payload:
            raise FPortError("a payload needs an FPort (0..255); got fport=None (§4.3.2)")
    elif not 0 <= fport <= 255:
        raise FPortError(f"fport must be 0..255, got {fport} (§4.3.2)")
    elif fport == 0 and fo:
        raise FPortError(
            "FPort 0 carries MAC commands in the payload; FOpts must then be empty (§4.3.1.6)"
        )
    uplink = mtype.is_uplink
    session = _session_for(dev_addr, keys)
    fc = replace(fctrl or FCtrl(), fopts_len=len(fo))
    head = (
        bytes((MHDR(mtype).to_byte(),))
        + dev_addr.to_bytes(4, "little")
        + bytes((fc.to_byte(uplink=uplink),))
        + (fcnt & 0xFFFF).to_bytes(2, "little")
        + fo
    )
    direction = crypto.UPLINK if uplink else crypto.DOWNLINK
    if fport is not None:
        key = session.nwk_s_key if fport == 0 else session.app_s_key
        head += bytes((fport,)) + crypto.aes_encrypt_payload(
            key, dev_addr, fcnt, direction, payload
        )
    if len(head) + MIC_LEN > MAX_PHY_LEN:
        raise FrameError(
            f"frame would be {len(head) + MIC_LEN} bytes; at most {MAX_PHY_LEN} (§4.4) - "
            "shorten the payload"
        )
    return head + crypto.compute_mic(session.nwk_s_key, dev_addr, fcnt, direction, head)


def encode_uplink(
    dev_addr: int,
    fcnt: int,
    fport: int | None,
    payload: bytes,
    keys: SessionKeys | KeyStore,
    *,
    confirmed: bool = False,
    adr: bool = False,
    adr_ack_req: bool = False,
    ack: bool = False,
    class_b: bool = False,
    fopts: bytes | Iterable[MacCommand | bytes] = b"",
) -> bytes:
    """Build an uplink data frame (end-device to network).

    Parameters
    ----------
    dev_addr, fcnt, fport, payload, keys
        See :func:`encode_data` (``fcnt`` is FCntUp, 32-bit).
    confirmed : bool
        Confirmed data up (MType 100) instead of unconfirmed (010).
    adr, adr_ack_req, ack, class_b : bool
        FCtrl uplink flags (§4.3.1.1-§4.3.1.3).
    fopts : bytes or iterable of MacCommand
        MAC commands in clear, at most 15 bytes.

    Returns
    -------
    bytes
        The PHYPayload.

    Examples
    --------
    >>> k = SessionKeys(0x26011BDA, bytes(16), bytes(16))
    >>> phy = encode_uplink(0x26011BDA, 1, 1, b"hi", k)
    >>> decode(phy, k).payload
    b'hi'
    """
    mtype = MType.CONFIRMED_DATA_UP if confirmed else MType.UNCONFIRMED_DATA_UP
    fc = FCtrl(adr=adr, adr_ack_req=adr_ack_req, ack=ack, class_b=class_b)
    return encode_data(mtype, dev_addr, fcnt, fport, payload, keys, fctrl=fc, fopts=fopts)


def encode_downlink(
    dev_addr: int,
    fcnt: int,
    fport: int | None,
    payload: bytes,
    keys: SessionKeys | KeyStore,
    *,
    confirmed: bool = False,
    adr: bool = False,
    ack: bool = False,
    f_pending: bool = False,
    fopts: bytes | Iterable[MacCommand | bytes] = b"",
) -> bytes:
    """Build a downlink data frame (network to end-device).

    Parameters
    ----------
    dev_addr, fcnt, fport, payload, keys
        See :func:`encode_data` (``fcnt`` is FCntDown, 32-bit).
    confirmed : bool
        Confirmed data down (MType 101) instead of unconfirmed (011).
    adr, ack, f_pending : bool
        FCtrl downlink flags (§4.3.1.1, §4.3.1.2, §4.3.1.4).
    fopts : bytes or iterable of MacCommand
        MAC commands in clear, at most 15 bytes.

    Returns
    -------
    bytes
        The PHYPayload.
    """
    mtype = MType.CONFIRMED_DATA_DOWN if confirmed else MType.UNCONFIRMED_DATA_DOWN
    fc = FCtrl(adr=adr, ack=ack, f_pending=f_pending)
    return encode_data(mtype, dev_addr, fcnt, fport, payload, keys, fctrl=fc, fopts=fopts)


def encode_proprietary(payload: bytes) -> bytes:
    """Build a proprietary frame (MType 111): MHDR 0xE0 followed by ``payload`` (§4.2.1).

    Parameters
    ----------
    payload : bytes
        Implementation-defined bytes (at most 254).

    Returns
    -------
    bytes
    """
    payload = bytes(payload)
    if len(payload) + 1 > MAX_PHY_LEN:
        raise FrameError(f"proprietary frame would be {len(payload) + 1} bytes; at most 255")
    return bytes((MHDR(MType.PROPRIETARY).to_byte(),)) + payload
