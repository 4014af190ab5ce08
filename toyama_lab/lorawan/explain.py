"""Byte-by-byte explanation of a LoRaWAN 1.0.x frame, in Japanese or English.

:func:`explain` turns a PHYPayload into a list of :class:`ExplainRow` (offset,
bytes, field, value, meaning, spec section [1]_), the same rows for the command
line (``toyama-lab frame explain``) and for notebooks. Keys are optional:
without them the rows show the structure; with NwkSKey the MIC is checked;
with AppSKey (or NwkSKey for FPort 0) the payload is decrypted; with AppKey a
join-request is verified and a join-accept opened.

Unlike :func:`~toyama_lab.lorawan.frames.decode`, a MIC mismatch does not
raise here: it is reported in the MIC row, because the point is to show what
is in the frame. Structural problems still raise
:class:`~toyama_lab.lorawan.errors.FrameError` naming the byte.

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020,
   §4 (frame format), §5 (MAC commands), §6.2.5-§6.2.6 (joins).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from toyama_lab.lorawan import crypto
from toyama_lab.lorawan.errors import FrameError
from toyama_lab.lorawan.frames import MIC_LEN, Frame, MType, parse
from toyama_lab.lorawan.mac import COMMANDS, MAX_EIRP_DBM, MacCommand, parse_mac_commands

__all__ = ["LANGS", "ExplainRow", "explain", "format_rows", "rows_to_dicts"]

#: Languages of the explanations.
LANGS = ("ja", "en")

_T: dict[str, tuple[str, str]] = {
    "MHDR": ("MACヘッダ", "MAC header"),
    "MType": ("メッセージ種別", "message type"),
    "RFU": ("予約ビット", "reserved bits"),
    "Major": ("メジャーバージョン", "major version"),
    "major0": ("LoRaWAN R1 (00)", "LoRaWAN R1 (00)"),
    "DevAddr": (
        "端末アドレス (電波上はリトルエンディアン)",
        "device address (little-endian on air)",
    ),
    "FCtrl": ("フレーム制御", "frame control"),
    "ADR": ("ADR: 適応データレート", "ADR: adaptive data rate"),
    "ADRACKReq": ("ADRACKReq: ネットワーク応答の要求", "ADRACKReq: asks the network to answer"),
    "ACK": (
        "ACK: 直前の確認付きフレームへの受信確認",
        "ACK: acknowledges the last confirmed frame",
    ),
    "ClassB": ("ClassB: クラスB動作中", "ClassB: device in Class B"),
    "FPending": ("FPending: 送信待ちデータあり", "FPending: more data pending"),
    "RFU6": ("予約ビット (下り bit 6)", "reserved bit (downlink bit 6)"),
    "FOptsLen": ("FOpts の長さ [バイト]", "length of FOpts [bytes]"),
    "FCnt": ("フレームカウンタ (下位16ビット)", "frame counter (low 16 bits)"),
    "fcnt32": ("MIC 計算に使う32ビット値", "32-bit value used for the MIC"),
    "FOpts": ("フレームオプション (平文の MAC コマンド)", "frame options (MAC commands in clear)"),
    "FPort": ("ポート番号", "port"),
    "port0": ("0: MAC コマンドのみ (NwkSKey で暗号化)", "0: MAC commands only (NwkSKey)"),
    "portapp": ("アプリケーションのポート", "application port"),
    "port224": ("224: LoRaWAN 試験プロトコル", "224: LoRaWAN test protocol"),
    "portrfu": ("225-255: 予約", "225-255: reserved"),
    "FRMPayload": ("ペイロード (暗号化)", "payload (encrypted)"),
    "plain": ("復号したペイロード", "decrypted payload"),
    "plainmac": ("復号した MAC コマンド", "decrypted MAC commands"),
    "nokey_app": (
        "復号には --appskey が必要",
        "give --appskey to decrypt",
    ),
    "nokey_nwk": ("復号には --nwkskey が必要", "give --nwkskey to decrypt"),
    "MIC": ("メッセージ完全性コード", "message integrity code"),
    "mic_ok": ("検証OK", "verified OK"),
    "mic_bad": (
        "不一致: 改ざん、鍵違い、またはカウンタ上位ビット違い",
        "MISMATCH: altered, wrong key or wrong counter upper bits",
    ),
    "mic_nokey": ("未検証 (--nwkskey を指定)", "not checked (give --nwkskey)"),
    "mic_nokey_join": ("未検証 (--appkey を指定)", "not checked (give --appkey)"),
    "mic_expected": ("期待値", "expected"),
    "AppEUI": (
        "AppEUI/JoinEUI (電波上はリトルエンディアン)",
        "AppEUI/JoinEUI (little-endian on air)",
    ),
    "DevEUI": ("DevEUI (電波上はリトルエンディアン)", "DevEUI (little-endian on air)"),
    "DevNonce": ("DevNonce: 参加要求ごとの番号", "DevNonce: join-request number"),
    "JAenc": ("暗号化された参加応答 (--appkey で復号)", "encrypted join-accept (give --appkey)"),
    "JAbody": (
        "暗号化された参加応答; 以下は AppKey で復号した値",
        "encrypted join-accept; decrypted with AppKey below",
    ),
    "AppNonce": ("AppNonce/JoinNonce", "AppNonce/JoinNonce"),
    "NetID": ("ネットワーク ID", "network ID"),
    "DLSettings": ("下り設定", "downlink settings"),
    "RX1DROffset": ("RX1 データレートオフセット", "RX1 data-rate offset"),
    "RX2DataRate": ("RX2 データレート", "RX2 data rate"),
    "RxDelay": ("RX1 までの遅延 [s] (0 は 1 秒)", "delay to RX1 [s] (0 means 1 s)"),
    "CFList": ("チャネル周波数リスト (地域依存)", "channel frequency list (regional)"),
    "Proprietary": ("独自形式のデータ (規格外)", "proprietary data (not standardised)"),
    "mac": ("MAC コマンド", "MAC command"),
    "unknown_mac": (
        "不明な CID: ここから先は解釈できない",
        "unknown CID: the rest cannot be read",
    ),
    "truncated_mac": ("途中で切れた MAC コマンド", "MAC command cut short"),
}

_MTYPE_TEXT = {
    MType.JOIN_REQUEST: ("参加要求 (上り)", "join-request (uplink)"),
    MType.JOIN_ACCEPT: ("参加応答 (下り)", "join-accept (downlink)"),
    MType.UNCONFIRMED_DATA_UP: ("確認なしデータ (上り)", "unconfirmed data up"),
    MType.UNCONFIRMED_DATA_DOWN: ("確認なしデータ (下り)", "unconfirmed data down"),
    MType.CONFIRMED_DATA_UP: ("確認付きデータ (上り)", "confirmed data up"),
    MType.CONFIRMED_DATA_DOWN: ("確認付きデータ (下り)", "confirmed data down"),
    MType.PROPRIETARY: ("独自形式", "proprietary"),
}


@dataclass(frozen=True)
class ExplainRow:
    """One line of a frame explanation.

    Attributes
    ----------
    offset : int or None
        First byte in the PHYPayload; ``None`` for derived rows (decrypted data).
    length : int
        Number of bytes covered (0 for a bit field shown under its byte).
    bytes_hex : str
        Those bytes as on air, upper-case hex.
    field : str
        Field name as in the specification (``FCtrl.ADR``).
    value : str
        Value as people read it (DevAddr big-endian, integers in decimal).
    meaning : str
        What it says, in the chosen language.
    depth : int
        0 for a field, 1 for a part of the field above it.
    section : str
        Section of LoRaWAN 1.0.4 that defines it.
    """

    offset: int | None
    length: int
    bytes_hex: str
    field: str
    value: str
    meaning: str
    depth: int = 0
    section: str = ""


def _key(value: bytes | str | None, name: str) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = bytes.fromhex(value.replace(" ", "").replace(":", ""))
        except ValueError:
            raise ValueError(f"{name} is not hexadecimal; expected 32 hex digits") from None
    if len(value) != 16:
        raise ValueError(f"{name} must be 16 bytes (32 hex digits), got {len(value)} bytes")
    return bytes(value)


class _Rows:
    def __init__(self, phy: bytes, lang: str) -> None:
        self.phy = phy
        self.lang = lang
        self.rows: list[ExplainRow] = []

    def t(self, key: str) -> str:
        ja, en = _T[key]
        return ja if self.lang == "ja" else en

    def add(
        self,
        offset: int | None,
        length: int,
        field: str,
        value: str,
        meaning: str,
        *,
        depth: int = 0,
        section: str = "",
        raw: bytes | None = None,
    ) -> None:
        if raw is None:
            raw = self.phy[offset : offset + length] if offset is not None else b""
        self.rows.append(
            ExplainRow(offset, length, raw.hex().upper(), field, value, meaning, depth, section)
        )


def _mac_rows(r: _Rows, cmds: tuple[MacCommand, ...], *, derived: bool) -> None:
    for c in cmds:
        offset = None if derived else c.offset
        if not c.known:
            key = "unknown_mac" if c.name == "Unknown" else "truncated_mac"
            r.add(
                offset,
                len(c.raw),
                f"CID 0x{c.cid:02X}",
                c.name,
                r.t(key),
                depth=1,
                section="§5",
                raw=c.raw,
            )
            continue
        spec = COMMANDS[(c.cid, c.uplink)]
        meaning = spec.meaning_ja if r.lang == "ja" else spec.meaning_en
        r.add(
            offset,
            len(c.raw),
            f"{r.t('mac')} 0x{c.cid:02X}",
            c.name,
            meaning,
            depth=1,
            section=spec.section,
            raw=c.raw,
        )
        for f in spec.fields:
            v = c.fields[f.name]
            field_offset = offset
            text = f"{int(v)}" if isinstance(v, bool) else f"{v}"
            if spec.name == "TxParamSetupReq" and f.name == "max_eirp":
                text = f"{v} ({MAX_EIRP_DBM[v]} dBm)"
            if f.name == "frequency":
                text = f"{v} Hz ({v / 1e6:.1f} MHz)"
            r.add(
                field_offset,
                0,
                f"{c.name}.{f.name}",
                text,
                f.meaning_ja if r.lang == "ja" else f.meaning_en,
                depth=2,
                section=spec.section,
                raw=b"",
            )


def _mhdr_rows(r: _Rows, frame: Frame) -> None:
    b = r.phy[0]
    m = frame.mhdr
    mt_ja, mt_en = _MTYPE_TEXT[m.mtype]
    r.add(0, 1, "MHDR", f"0x{b:02X}", r.t("MHDR"), section="§4.2")
    r.add(
        0,
        0,
        "MHDR.MType",
        f"{b >> 5:03b}",
        mt_ja if r.lang == "ja" else mt_en,
        depth=1,
        section="§4.2.1",
        raw=b"",
    )
    r.add(0, 0, "MHDR.RFU", f"{m.rfu:03b}", r.t("RFU"), depth=1, section="§4.2", raw=b"")
    r.add(0, 0, "MHDR.Major", f"{m.major:02b}", r.t("major0"), depth=1, section="§4.2.2", raw=b"")


def _data_rows(r: _Rows, frame: Frame, nwk: bytes | None, app: bytes | None, msb: int) -> None:
    fhdr = frame.fhdr
    assert fhdr is not None
    uplink = frame.is_uplink
    r.add(1, 4, "DevAddr", f"{fhdr.dev_addr:08X}", r.t("DevAddr"), section="§4.3.1")
    fc = fhdr.fctrl
    r.add(5, 1, "FCtrl", f"0x{r.phy[5]:02X}", r.t("FCtrl"), section="§4.3.1")
    flags = [("ADR", fc.adr, "§4.3.1.1")]
    if uplink:
        flags += [("ADRACKReq", fc.adr_ack_req, "§4.3.1.1"), ("ACK", fc.ack, "§4.3.1.2")]
        flags += [("ClassB", fc.class_b, "§4.3.1.3")]
    else:
        flags += [("RFU6", fc.rfu, "§4.3.1"), ("ACK", fc.ack, "§4.3.1.2")]
        flags += [("FPending", fc.f_pending, "§4.3.1.4")]
    for name, flag, sec in flags:
        label = "RFU" if name == "RFU6" else name
        r.add(5, 0, f"FCtrl.{label}", str(int(flag)), r.t(name), depth=1, section=sec, raw=b"")
    r.add(
        5,
        0,
        "FCtrl.FOptsLen",
        str(fc.fopts_len),
        r.t("FOptsLen"),
        depth=1,
        section="§4.3.1.6",
        raw=b"",
    )
    fcnt32 = (msb << 16) | fhdr.fcnt
    r.add(
        6,
        2,
        "FCnt",
        str(fhdr.fcnt),
        f"{r.t('FCnt')}; {r.t('fcnt32')} = {fcnt32}",
        section="§4.3.1.5",
    )
    if fhdr.fopts:
        r.add(
            8, len(fhdr.fopts), "FOpts", fhdr.fopts.hex().upper(), r.t("FOpts"), section="§4.3.1.6"
        )
        _mac_rows(r, frame.mac_commands, derived=False)
    direction = crypto.UPLINK if uplink else crypto.DOWNLINK
    if frame.fport is not None:
        port = frame.fport
        pm = (
            "port0"
            if port == 0
            else "portapp"
            if port <= 223
            else "port224"
            if port == 224
            else "portrfu"
        )
        off = frame.fport_offset
        assert off is not None
        r.add(off, 1, "FPort", str(port), r.t(pm), section="§4.3.2")
        if frame.frm_payload:
            r.add(
                off + 1,
                len(frame.frm_payload),
                "FRMPayload",
                frame.frm_payload.hex().upper(),
                r.t("FRMPayload"),
                section="§4.3.3",
            )
            key = nwk if port == 0 else app
            if key is None:
                note = r.t("nokey_nwk" if port == 0 else "nokey_app")
                r.add(None, 0, "FRMPayload", "-", note, depth=1, section="§4.3.3", raw=b"")
            else:
                plain = crypto.aes_encrypt_payload(
                    key, fhdr.dev_addr, fcnt32, direction, frame.frm_payload
                )
                label = "plainmac" if port == 0 else "plain"
                r.add(
                    None,
                    len(plain),
                    "FRMPayload (plain)",
                    plain.hex().upper(),
                    r.t(label),
                    depth=1,
                    section="§4.3.3",
                    raw=plain,
                )
                if port == 0:
                    cmds = parse_mac_commands(plain, uplink=uplink, lenient=True)
                    _mac_rows(r, cmds, derived=True)
    mic_at = len(r.phy) - MIC_LEN
    if nwk is None:
        verdict = r.t("mic_nokey")
    else:
        expected = crypto.compute_mic(nwk, fhdr.dev_addr, fcnt32, direction, r.phy[:mic_at])
        verdict = (
            r.t("mic_ok")
            if expected == frame.mic
            else f"{r.t('mic_bad')} ({r.t('mic_expected')} {expected.hex().upper()})"
        )
    r.add(
        mic_at,
        MIC_LEN,
        "MIC",
        r.phy[mic_at:].hex().upper(),
        f"{r.t('MIC')}: {verdict}",
        section="§4.4",
    )


def _join_request_rows(r: _Rows, frame: Frame, app_key: bytes | None) -> None:
    jr = frame.join_request
    assert jr is not None
    r.add(1, 8, "AppEUI", jr.app_eui.hex().upper(), r.t("AppEUI"), section="§6.2.5")
    r.add(9, 8, "DevEUI", jr.dev_eui.hex().upper(), r.t("DevEUI"), section="§6.2.5")
    r.add(17, 2, "DevNonce", str(jr.dev_nonce), r.t("DevNonce"), section="§6.2.5")
    if app_key is None:
        verdict = r.t("mic_nokey_join")
    else:
        expected = crypto.compute_join_request_mic(app_key, r.phy[:19])
        verdict = r.t("mic_ok") if expected == frame.mic else r.t("mic_bad")
    r.add(19, 4, "MIC", r.phy[19:].hex().upper(), f"{r.t('MIC')}: {verdict}", section="§6.2.5")


def _join_accept_rows(r: _Rows, frame: Frame, app_key: bytes | None) -> None:
    r.add(
        1,
        len(r.phy) - 1,
        "JoinAccept",
        "-",
        r.t("JAenc") if app_key is None else r.t("JAbody"),
        section="§6.2.6",
    )
    if app_key is None:
        return
    plain = crypto.decrypt_join_accept(app_key, frame.frm_payload)
    body, mic = plain[:-MIC_LEN], plain[-MIC_LEN:]

    # ECB keeps positions: decrypted byte i sits at on-air offset i + 1.
    def add(off: int, n: int, field: str, value: str, key: str, depth: int = 1) -> None:
        r.add(
            off + 1,
            n,
            field,
            value,
            r.t(key),
            depth=depth,
            section="§6.2.6",
            raw=body[off : off + n],
        )

    add(0, 3, "AppNonce", str(int.from_bytes(body[0:3], "little")), "AppNonce")
    add(3, 3, "NetID", f"{int.from_bytes(body[3:6], 'little'):06X}", "NetID")
    add(6, 4, "DevAddr", f"{int.from_bytes(body[6:10], 'little'):08X}", "DevAddr")
    add(10, 1, "DLSettings", f"0x{body[10]:02X}", "DLSettings")
    add(10, 0, "DLSettings.RX1DROffset", str((body[10] >> 4) & 7), "RX1DROffset", 2)
    add(10, 0, "DLSettings.RX2DataRate", str(body[10] & 0x0F), "RX2DataRate", 2)
    add(11, 1, "RxDelay", str(body[11] & 0x0F), "RxDelay")
    if len(body) > 12:
        add(12, 16, "CFList", body[12:28].hex().upper(), "CFList")
    expected = crypto.compute_join_accept_mic(app_key, r.phy[:1] + body)
    verdict = r.t("mic_ok") if expected == mic else r.t("mic_bad")
    r.add(
        len(r.phy) - MIC_LEN,
        MIC_LEN,
        "MIC",
        mic.hex().upper(),
        f"{r.t('MIC')}: {verdict}",
        depth=1,
        section="§6.2.6",
        raw=mic,
    )


def explain(
    phy: bytes,
    *,
    nwk_s_key: bytes | str | None = None,
    app_s_key: bytes | str | None = None,
    app_key: bytes | str | None = None,
    fcnt_msb: int = 0,
    lang: str = "ja",
) -> list[ExplainRow]:
    """Annotate every field of a PHYPayload.

    Parameters
    ----------
    phy : bytes
        The PHYPayload.
    nwk_s_key, app_s_key, app_key : bytes or hex str, optional
        Keys (16 bytes) to check MICs and decrypt; without them the rows say
        which key is missing.
    fcnt_msb : int, optional
        Upper 16 bits of the frame counter (default 0).
    lang : {"ja", "en"}
        Language of the ``meaning`` column.

    Returns
    -------
    list of ExplainRow
        In byte order; derived rows (bit fields, decrypted data) follow the
        field they belong to.

    Raises
    ------
    FrameError
        The frame cannot be parsed (the message names the byte).
    ValueError
        Bad ``lang``, key or ``fcnt_msb``.

    Examples
    --------
    >>> rows = explain(bytes.fromhex("40da1b0126800100" "01" "a1" "00000000"), lang="en")
    >>> [(r.field, r.value) for r in rows][:2]
    [('MHDR', '0x40'), ('MHDR.MType', '010')]
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    if isinstance(fcnt_msb, bool) or not isinstance(fcnt_msb, int) or not 0 <= fcnt_msb <= 0xFFFF:
        raise ValueError(f"fcnt_msb must be an integer 0..65535, got {fcnt_msb!r}")
    nwk = _key(nwk_s_key, "nwk_s_key")
    app = _key(app_s_key, "app_s_key")
    root = _key(app_key, "app_key")
    frame = parse(phy)
    r = _Rows(frame.phy, lang)
    _mhdr_rows(r, frame)
    mtype = frame.mtype
    if mtype.is_data:
        _data_rows(r, frame, nwk, app, fcnt_msb)
    elif mtype == MType.JOIN_REQUEST:
        _join_request_rows(r, frame, root)
    elif mtype == MType.JOIN_ACCEPT:
        _join_accept_rows(r, frame, root)
    elif mtype == MType.PROPRIETARY:
        if frame.frm_payload:
            r.add(
                1,
                len(frame.frm_payload),
                "Proprietary",
                frame.frm_payload.hex().upper(),
                r.t("Proprietary"),
                section="§4.2.1",
            )
    else:  # pragma: no cover - parse() rejects MType RFU
        raise FrameError(f"cannot explain MType {mtype.name}", 0)
    return r.rows


def rows_to_dicts(rows: list[ExplainRow]) -> list[dict[str, Any]]:
    """Rows as plain dicts (for JSON or a DataFrame)."""
    return [asdict(row) for row in rows]


def format_rows(rows: list[ExplainRow], *, lang: str = "ja") -> str:
    """Rows as an aligned text table for a terminal.

    Parameters
    ----------
    rows : list of ExplainRow
    lang : {"ja", "en"}
        Language of the column headings.

    Returns
    -------
    str
    """
    head = (
        ("位置", "バイト列", "フィールド", "値", "意味")
        if lang == "ja"
        else ("offset", "bytes", "field", "value", "meaning")
    )
    table = [head]
    for row in rows:
        if row.offset is None:
            off = "  -"
        elif row.length > 1:
            off = f"{row.offset}-{row.offset + row.length - 1}"
        else:
            off = str(row.offset)
        hexb = row.bytes_hex if len(row.bytes_hex) <= 24 else row.bytes_hex[:21] + "..."
        meaning = f"{row.meaning} [{row.section}]" if row.section else row.meaning
        table.append((off, hexb, "  " * row.depth + row.field, row.value, meaning))
    widths = [max(len(str(line[i])) for line in table) for i in range(4)]
    out = []
    for line in table:
        cells = [str(line[i]).ljust(widths[i]) for i in range(4)]
        out.append("  ".join([*cells, line[4]]).rstrip())
    return "\n".join(out)
