"""LoRaWAN 1.0.x MAC commands: parse and build, both directions.

MAC commands travel in the FOpts field of the frame header (at most 15
bytes, in clear in 1.0.x) or as the whole FRMPayload of an FPort 0 frame
(encrypted with NwkSKey). Each command is one CID byte followed by a payload
whose length depends on the CID *and the direction*: the same CID is a
request one way and an answer the other way (LoRaWAN 1.0.4 §5 [1]_, MAC command table).

Every command is described once in :data:`COMMANDS` by its fields (byte
offset, byte count, bit position, width), and one generic parser/encoder
works from that table. The indices these commands carry (data rate, TX
power, channel) take their meaning from the regional parameters, here
AS923 [2]_.

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020,
   §5 (MAC commands, table "MAC commands") and §5.1-§5.9.
.. [2] LoRa Alliance, "RP002-1.0.3 LoRaWAN Regional Parameters", 2021: data-rate,
   TX-power and channel meanings of the indices carried by these commands (AS923).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from toyama_lab.lorawan.errors import MacCommandError

__all__ = [
    "COMMANDS",
    "MAX_EIRP_DBM",
    "Field",
    "MacCommand",
    "MacSpec",
    "encode_mac_command",
    "encode_mac_commands",
    "parse_mac_commands",
]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a MAC command payload.

    Parameters
    ----------
    name : str
        Field name (snake_case).
    offset : int
        First byte in the command payload (after the CID) [bytes].
    size : int
        Number of bytes the field spans, read little-endian (§4.1: multi-byte fields
        are little-endian).
    shift, width : int
        Bit position and width inside those bytes [bits].
    signed : bool
        Two's-complement value of ``width`` bits.
    scale : int
        Multiply the raw integer by ``scale`` (e.g. frequencies in units of 100 Hz).
    meaning_en, meaning_ja : str
        What the field says, for explanations.
    """

    name: str
    offset: int
    size: int
    shift: int
    width: int
    signed: bool = False
    scale: int = 1
    meaning_en: str = ""
    meaning_ja: str = ""

    def read(self, payload: bytes) -> int | bool:
        raw = int.from_bytes(payload[self.offset : self.offset + self.size], "little")
        v = (raw >> self.shift) & ((1 << self.width) - 1)
        if self.signed and v >= 1 << (self.width - 1):
            v -= 1 << self.width
        if self.width == 1 and not self.signed:
            return bool(v)
        return v * self.scale

    def raw_value(self, value: Any, command: str) -> int:
        v = int(value)
        if self.scale != 1:
            if v % self.scale:
                raise MacCommandError(
                    f"{command}.{self.name}={v} must be a multiple of {self.scale}"
                )
            v //= self.scale
        lo, hi = (
            (-(1 << (self.width - 1)), (1 << (self.width - 1)) - 1)
            if self.signed
            else (0, (1 << self.width) - 1)
        )
        if not lo <= v <= hi:
            raise MacCommandError(
                f"{command}.{self.name}={value} does not fit in {self.width} bits "
                f"(allowed {lo * self.scale}..{hi * self.scale})"
            )
        return (v & ((1 << self.width) - 1)) << self.shift


@dataclass(frozen=True, slots=True)
class MacSpec:
    """A MAC command for one direction: CID, name, payload length and fields (§5 command table)."""

    cid: int
    name: str
    uplink: bool
    length: int
    fields: tuple[Field, ...] = ()
    section: str = ""
    meaning_en: str = ""
    meaning_ja: str = ""


def _f(name, offset, size, shift, width, en, ja, *, signed=False, scale=1) -> Field:
    return Field(name, offset, size, shift, width, signed, scale, en, ja)


_FREQ = "frequency in units of 100 Hz, stored here in Hz (§5.4)"

_SPECS: tuple[MacSpec, ...] = (
    # 0x02 LinkCheck (§5.1)
    MacSpec(
        0x02, "LinkCheckReq", True, 0, (), "§5.1", "link quality check", "リンク品質の確認要求"
    ),
    MacSpec(
        0x02,
        "LinkCheckAns",
        False,
        2,
        (
            _f("margin", 0, 1, 0, 8, "demodulation margin above floor [dB]", "受信マージン [dB]"),
            _f("gw_cnt", 1, 1, 0, 8, "gateways that received the request", "受信ゲートウェイ数"),
        ),
        "§5.1",
        "link quality answer",
        "リンク品質の応答",
    ),
    # 0x03 LinkADR (§5.2)
    MacSpec(
        0x03,
        "LinkADRReq",
        False,
        4,
        (
            _f("data_rate", 0, 1, 4, 4, "data rate index (regional)", "データレート番号"),
            _f("tx_power", 0, 1, 0, 4, "TX power index (regional)", "送信電力番号"),
            _f("ch_mask", 1, 2, 0, 16, "enabled channels bit mask", "使用チャネルのビットマスク"),
            _f("ch_mask_cntl", 3, 1, 4, 3, "how to apply ChMask", "ChMask の適用方法"),
            _f("nb_trans", 3, 1, 0, 4, "transmissions per uplink (0 = keep)", "送信回数"),
        ),
        "§5.2",
        "adaptive data rate request",
        "ADR(データレート・送信電力)設定要求",
    ),
    MacSpec(
        0x03,
        "LinkADRAns",
        True,
        1,
        (
            _f("power_ack", 0, 1, 2, 1, "TX power accepted", "送信電力を受理"),
            _f("data_rate_ack", 0, 1, 1, 1, "data rate accepted", "データレートを受理"),
            _f("channel_mask_ack", 0, 1, 0, 1, "channel mask accepted", "チャネルマスクを受理"),
        ),
        "§5.2",
        "adaptive data rate answer",
        "ADR 設定の応答",
    ),
    # 0x04 DutyCycle (§5.3)
    MacSpec(
        0x04,
        "DutyCycleReq",
        False,
        1,
        (
            _f(
                "max_duty_cycle",
                0,
                1,
                0,
                4,
                "aggregated duty cycle limit 1/2**n (0 = none)",
                "総デューティ比上限 1/2**n",
            ),
        ),
        "§5.3",
        "maximum duty cycle request",
        "最大デューティ比の設定要求",
    ),
    MacSpec(
        0x04, "DutyCycleAns", True, 0, (), "§5.3", "duty cycle answer", "デューティ比設定の応答"
    ),
    # 0x05 RXParamSetup (§5.4)
    MacSpec(
        0x05,
        "RXParamSetupReq",
        False,
        4,
        (
            _f("rx1_dr_offset", 0, 1, 4, 3, "RX1 data rate offset", "RX1 データレートオフセット"),
            _f("rx2_data_rate", 0, 1, 0, 4, "RX2 data rate index", "RX2 データレート番号"),
            _f("frequency", 1, 3, 0, 24, "RX2 frequency [Hz]", "RX2 周波数 [Hz]", scale=100),
        ),
        "§5.4",
        "receive windows parameters request",
        "受信窓パラメータの設定要求",
    ),
    MacSpec(
        0x05,
        "RXParamSetupAns",
        True,
        1,
        (
            _f("rx1_dr_offset_ack", 0, 1, 2, 1, "RX1 DR offset accepted", "RX1 オフセットを受理"),
            _f("rx2_data_rate_ack", 0, 1, 1, 1, "RX2 data rate accepted", "RX2 DR を受理"),
            _f("channel_ack", 0, 1, 0, 1, "RX2 frequency accepted", "RX2 周波数を受理"),
        ),
        "§5.4",
        "receive windows parameters answer",
        "受信窓パラメータの応答",
    ),
    # 0x06 DevStatus (§5.5)
    MacSpec(0x06, "DevStatusReq", False, 0, (), "§5.5", "device status request", "端末状態の要求"),
    MacSpec(
        0x06,
        "DevStatusAns",
        True,
        2,
        (
            _f(
                "battery",
                0,
                1,
                0,
                8,
                "0 external power, 1..254 level, 255 unknown",
                "電池残量 (0=外部電源, 255=測定不能)",
            ),
            _f(
                "margin",
                1,
                1,
                0,
                6,
                "SNR of last downlink [dB]",
                "直近ダウンリンクの SNR [dB]",
                signed=True,
            ),
        ),
        "§5.5",
        "device status answer",
        "端末状態の応答",
    ),
    # 0x07 NewChannel (§5.6)
    MacSpec(
        0x07,
        "NewChannelReq",
        False,
        5,
        (
            _f("ch_index", 0, 1, 0, 8, "channel index", "チャネル番号"),
            _f("frequency", 1, 3, 0, 24, "channel frequency [Hz]", "周波数 [Hz]", scale=100),
            _f("max_dr", 4, 1, 4, 4, "highest data rate allowed", "最大データレート"),
            _f("min_dr", 4, 1, 0, 4, "lowest data rate allowed", "最小データレート"),
        ),
        "§5.6",
        "create or modify a channel",
        "チャネルの追加・変更要求",
    ),
    MacSpec(
        0x07,
        "NewChannelAns",
        True,
        1,
        (
            _f("data_rate_range_ok", 0, 1, 1, 1, "data rate range accepted", "DR 範囲を受理"),
            _f("channel_frequency_ok", 0, 1, 0, 1, "frequency accepted", "周波数を受理"),
        ),
        "§5.6",
        "new channel answer",
        "チャネル追加の応答",
    ),
    # 0x08 RXTimingSetup (§5.7)
    MacSpec(
        0x08,
        "RXTimingSetupReq",
        False,
        1,
        (_f("delay", 0, 1, 0, 4, "RX1 delay [s] (0 means 1 s)", "RX1 遅延 [s] (0 は 1 秒)"),),
        "§5.7",
        "receive window timing request",
        "受信窓タイミングの設定要求",
    ),
    MacSpec(
        0x08,
        "RXTimingSetupAns",
        True,
        0,
        (),
        "§5.7",
        "receive timing answer",
        "受信窓タイミングの応答",
    ),
    # 0x09 TxParamSetup (§5.8)
    MacSpec(
        0x09,
        "TxParamSetupReq",
        False,
        1,
        (
            _f(
                "downlink_dwell_time",
                0,
                1,
                5,
                1,
                "downlink dwell time 400 ms",
                "下り滞留時間 400 ms",
            ),
            _f("uplink_dwell_time", 0, 1, 4, 1, "uplink dwell time 400 ms", "上り滞留時間 400 ms"),
            _f("max_eirp", 0, 1, 0, 4, "MaxEIRP index (see MAX_EIRP_DBM)", "最大 EIRP 番号"),
        ),
        "§5.8",
        "transmit parameters request (AS923 etc.)",
        "送信パラメータの設定要求 (AS923 など)",
    ),
    MacSpec(
        0x09,
        "TxParamSetupAns",
        True,
        0,
        (),
        "§5.8",
        "transmit parameters answer",
        "送信パラメータの応答",
    ),
    # 0x0A DlChannel (§5.6)
    MacSpec(
        0x0A,
        "DlChannelReq",
        False,
        4,
        (
            _f("ch_index", 0, 1, 0, 8, "channel index", "チャネル番号"),
            _f(
                "frequency",
                1,
                3,
                0,
                24,
                "downlink RX1 frequency [Hz]",
                "下り RX1 周波数 [Hz]",
                scale=100,
            ),
        ),
        "§5.6",
        "downlink channel request",
        "下りチャネルの設定要求",
    ),
    MacSpec(
        0x0A,
        "DlChannelAns",
        True,
        1,
        (
            _f(
                "uplink_frequency_exists", 0, 1, 1, 1, "uplink channel exists", "上りチャネルが存在"
            ),
            _f("channel_frequency_ok", 0, 1, 0, 1, "frequency accepted", "周波数を受理"),
        ),
        "§5.6",
        "downlink channel answer",
        "下りチャネル設定の応答",
    ),
    # 0x0D DeviceTime (§5.9)
    MacSpec(
        0x0D,
        "DeviceTimeReq",
        True,
        0,
        (),
        "§5.9",
        "network time request",
        "ネットワーク時刻の要求",
    ),
    MacSpec(
        0x0D,
        "DeviceTimeAns",
        False,
        5,
        (
            _f(
                "gps_seconds",
                0,
                4,
                0,
                32,
                "seconds since GPS epoch [s]",
                "GPS エポックからの秒 [s]",
            ),
            _f("fraction", 4, 1, 0, 8, "fractional second [1/256 s]", "秒の端数 [1/256 s]"),
        ),
        "§5.9",
        "network time answer",
        "ネットワーク時刻の応答",
    ),
)

#: All MAC commands of LoRaWAN 1.0.4, keyed by ``(cid, uplink)`` (§5 command table).
COMMANDS: Mapping[tuple[int, bool], MacSpec] = {(s.cid, s.uplink): s for s in _SPECS}
_BY_NAME: Mapping[str, MacSpec] = {s.name.lower(): s for s in _SPECS}

#: MaxEIRP values indexed by the TxParamSetupReq MaxEIRP field [dBm]
#: (LoRaWAN 1.0.4 §5.8, MaxEIRP encoding; the same table is in the independent
#: github.com/brocaar/lorawan eirp.go).
MAX_EIRP_DBM = (8, 10, 12, 13, 14, 16, 18, 20, 21, 24, 26, 27, 29, 30, 33, 36)


@dataclass(frozen=True, slots=True)
class MacCommand:
    """One parsed MAC command.

    Attributes
    ----------
    cid : int
        Command identifier.
    name : str
        Name from the §5 command table (``"LinkADRReq"``), or ``"Unknown"`` /
        ``"Truncated"`` for an unknown CID or a cut-short command parsed leniently.
    uplink : bool
        Direction of the frame that carries it (True = end-device to network).
    fields : dict
        Named field values (ints; one-bit flags as bools; frequencies in [Hz]).
    raw : bytes
        CID and payload as on air (for ``Unknown``: the CID and every byte after it).
    offset : int or None
        Byte offset of the CID in the PHYPayload (or in the buffer parsed).
    """

    cid: int
    name: str
    uplink: bool
    fields: dict[str, Any] = field(default_factory=dict, hash=False)
    raw: bytes = b""
    offset: int | None = None

    @property
    def known(self) -> bool:
        """False for the ``Unknown`` / ``Truncated`` entries of lenient parsing."""
        spec = COMMANDS.get((self.cid, self.uplink))
        return spec is not None and spec.name == self.name

    @property
    def spec(self) -> MacSpec | None:
        """The table entry of this command, or ``None`` when unknown."""
        return COMMANDS.get((self.cid, self.uplink)) if self.known else None

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def to_bytes(self) -> bytes:
        """The command as on air (CID + payload)."""
        if not self.known:
            return self.raw
        return encode_mac_command(self.name, **self.fields)


def parse_mac_commands(
    data: bytes, *, uplink: bool, offset: int = 0, lenient: bool = False
) -> tuple[MacCommand, ...]:
    """Split a MAC command buffer (FOpts or an FPort 0 payload) into commands.

    Parameters
    ----------
    data : bytes
        Concatenated commands.
    uplink : bool
        Direction of the frame: True for end-device to network (requests such
        as LinkCheckReq and answers such as LinkADRAns), False for downlink.
    offset : int, optional
        Byte offset of ``data[0]`` in the PHYPayload, so positions in results
        and errors are PHYPayload offsets.
    lenient : bool, optional
        When True an unknown CID ends parsing with one ``MacCommand`` named
        ``"Unknown"`` holding the rest of the buffer (its length is unknown,
        so nothing after it can be read, as §5 prescribes for devices); a
        truncated command likewise becomes ``"Truncated"``. When False both
        raise :class:`MacCommandError`.

    Returns
    -------
    tuple of MacCommand

    Raises
    ------
    MacCommandError
        Unknown CID or a command cut short (strict mode), naming the byte offset.

    Examples
    --------
    >>> [c.name for c in parse_mac_commands(bytes([0x02, 0x04]), uplink=True)]
    ['LinkCheckReq', 'DutyCycleAns']
    """
    data = bytes(data)
    out: list[MacCommand] = []
    i = 0
    n = len(data)
    while i < n:
        cid = data[i]
        spec = COMMANDS.get((cid, uplink))
        if spec is None:
            direction = "uplink" if uplink else "downlink"
            if lenient:
                out.append(MacCommand(cid, "Unknown", uplink, {}, data[i:], offset + i))
                break
            kind = "proprietary" if cid >= 0x80 else "unknown or reserved"
            raise MacCommandError(
                f"{kind} MAC command CID 0x{cid:02X} in a {direction} frame; LoRaWAN 1.0.4 §5 "
                "defines CIDs 0x02-0x0A and 0x0D - the bytes may be corrupt or from another "
                "LoRaWAN version",
                offset + i,
            )
        end = i + 1 + spec.length
        if end > n:
            if lenient:
                out.append(MacCommand(cid, "Truncated", uplink, {}, data[i:], offset + i))
                break
            raise MacCommandError(
                f"{spec.name} (CID 0x{cid:02X}) needs {spec.length} payload bytes but only "
                f"{n - i - 1} remain",
                offset + i,
            )
        payload = data[i + 1 : end]
        values = {f.name: f.read(payload) for f in spec.fields}
        out.append(MacCommand(cid, spec.name, uplink, values, data[i:end], offset + i))
        i = end
    return tuple(out)


def encode_mac_command(name: str, **fields: Any) -> bytes:
    """Build one MAC command from its name and field values.

    Parameters
    ----------
    name : str
        Command name from §5 table, case-insensitive (``"LinkADRReq"``);
        the name fixes the direction.
    **fields
        Every field of the command (see ``COMMANDS``); frequencies in [Hz],
        multiples of 100.

    Returns
    -------
    bytes
        CID followed by the payload.

    Raises
    ------
    MacCommandError
        Unknown name, missing or extra field, or a value that does not fit.

    Examples
    --------
    >>> encode_mac_command("LinkCheckAns", margin=20, gw_cnt=3).hex()
    '021403'
    """
    spec = _BY_NAME.get(str(name).lower())
    if spec is None:
        known = ", ".join(s.name for s in _SPECS)
        raise MacCommandError(f"unknown MAC command name {name!r}; expected one of {known}")
    names = {f.name for f in spec.fields}
    missing = names - fields.keys()
    extra = fields.keys() - names
    if missing or extra:
        raise MacCommandError(
            f"{spec.name} takes fields {sorted(names)}; missing {sorted(missing)}, "
            f"unexpected {sorted(extra)}"
        )
    buf = bytearray(spec.length)
    for f in spec.fields:
        raw = f.raw_value(fields[f.name], spec.name)
        chunk = int.from_bytes(buf[f.offset : f.offset + f.size], "little") | raw
        buf[f.offset : f.offset + f.size] = chunk.to_bytes(f.size, "little")
    return bytes((spec.cid,)) + bytes(buf)


def encode_mac_commands(commands: Iterable[MacCommand | bytes | tuple[str, Mapping]]) -> bytes:
    """Concatenate commands given as MacCommand, raw bytes or ``(name, fields)`` pairs.

    Returns
    -------
    bytes
        The command buffer for FOpts or an FPort 0 payload.
    """
    parts = []
    for c in commands:
        if isinstance(c, MacCommand):
            parts.append(c.to_bytes())
        elif isinstance(c, bytes | bytearray):
            parts.append(bytes(c))
        else:
            name, values = c
            parts.append(encode_mac_command(name, **dict(values)))
    return b"".join(parts)
