"""Vectorised LoRaWAN 1.0.x uplink encoding and decoding on whole columns.

:func:`decode_batch` turns a table of gateway receptions (one row per
reception, a ``phy_payload`` Binary column; see
:data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`) into one row per distinct
frame: header fields, 32-bit frame counter, MIC check, decrypted FRMPayload,
a ``status`` and the payload decoded by the FPort codec registry
(:mod:`toyama_lab.lorawan.codecs`). :func:`encode_batch` is the reverse for
uplinks: the radio simulation turns every sensor reading into a frame with it.

How the work is laid out
------------------------
* Header fields come from a ``(n, 24)`` byte matrix gathered out of the flat
  buffer of all frames (numpy only).
* Frames are sorted by device; AES runs once per device key over all of that
  device's blocks, and the CMAC chains of all frames advance in lock-step,
  one block round at a time (:mod:`toyama_lab.lorawan._frame_crypto`,
  :mod:`toyama_lab.lorawan._vector_crypto`). The AES key schedules are built
  once per KeyStore and kept while it lives.
* The 32-bit FCnt is rebuilt per device from the 16 bits on air with the
  rule of :func:`toyama_lab.lorawan.fcnt.reconstruct_fcnt` (the same as the
  single-frame :class:`~toyama_lab.lorawan.fcnt.FCntTracker`), counting only
  frames whose MIC is good: a forged frame cannot move a device's counter.

Status of a frame (column ``status``)
-------------------------------------
``ok``; ``bad_mic``; ``replay`` (MIC good, FCnt equal to or up to
MAX_FCNT_GAP below the last accepted one of that device); ``fcnt_gap`` (MIC
good with the forward counter, but more than MAX_FCNT_GAP = 16384 ahead);
``unknown_device`` (no session keys for the DevAddr, or no AppKey for the
DevEUI of a join-request); ``join_request``, ``join_accept``,
``join_accept:no_app_key``, ``join_accept:mic_mismatch`` (see Join frames);
``proprietary``; ``missing_payload`` (a reception without bytes, e.g. an
ingest error); ``malformed:<reason>`` with reason ``empty``, ``too_short``, ``too_long`` (over
255 bytes, or a join frame longer than its fixed size: the cases where
:func:`toyama_lab.lorawan.frames.parse` raises ``TooLongError``), ``bad_major``,
``bad_mtype``, ``fopts_overflow``, ``fopts_with_port0``. A row without a frame
(``missing_payload``, ``malformed:empty``) has null MAC fields, ``mtype``
included, so counts by MType count frames only.

Join frames
-----------
A join-request (23 bytes) is verified with the AppKey of its DevEUI (KeyStore
entries with ``dev_eui`` and ``app_key``; one lock-step CMAC over all
join-requests, one OpenSSL call per AppKey): status ``join_request`` (MIC
good), ``bad_mic`` or ``unknown_device``; its ``join_eui``, ``dev_eui``
(hex, as printed) and ``dev_nonce`` fill columns. A join-accept (downlink, 17
or 33 bytes) carries no identity in clear, so it is decrypted and checked with
the AppKey of the latest *verified* join-request received before it in the
same table: status ``join_accept`` (decrypted, MIC good: ``dev_addr``,
``join_nonce``, ``net_id``, ``rx1_dr_offset``, ``rx2_data_rate``,
``rx_delay``, ``cf_list`` filled, ``dev_eui``/``join_eui`` of that request),
``join_accept:no_app_key`` (no verified join-request before it: not
verified, ``mic_ok`` null) or ``join_accept:mic_mismatch`` (that AppKey does
not verify it: it answers another device whose request was not heard, or it
was altered; ``mic_ok`` False, nothing decrypted shown). Join frames have no
FCnt. DevNonce reuse is not tracked here.

Extra receptions of the same bytes are collapsed and counted by
:func:`status_counts` as ``duplicate``, so that the counts add up to the
number of reception rows. Rows without bytes (null or empty ``phy_payload``)
are never collapsed: each stays a row of its own.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4 (MAC frame
   formats), §4.3.1.5 (FCnt), §4.3.3 (FRMPayload encryption), §4.4 (MIC).
.. [2] LoRa Alliance, "RP002-1.0.4 Regional Parameters", 2022, §2.8.6
   (AS923 maximum MACPayload M = 250 bytes, FRMPayload N = 242 bytes at
   DR5-DR7 without dwell-time limit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from toyama_lab.lorawan._columns import (
    as_binary_series,
    binary_from_padded,
    binary_to_flat,
    flat_to_padded,
    gather_padded,
    ragged_index,
)
from toyama_lab.lorawan._frame_crypto import (
    crypt_payload,
    frame_mic,
    key_table,
    le_bytes,
    padded_buffer,
    radix_key,
    rebuild_fcnt32,
)
from toyama_lab.lorawan._join_batch import (
    check_join_requests,
    join_key_table,
    open_join_accepts,
)
from toyama_lab.lorawan._mac_batch import mac_command_lists, split_mac_commands
from toyama_lab.lorawan.fcnt import FCntStatus
from toyama_lab.lorawan.frames import MAX_PHY_LEN

if TYPE_CHECKING:
    from toyama_lab.lorawan.keys import KeyStore

__all__ = [
    "MAX_FRM_PAYLOAD",
    "MTYPE_NAMES",
    "STATUSES",
    "decode_batch",
    "encode_batch",
    "status_counts",
]

#: MType field values (MHDR bits 7..5), LoRaWAN 1.0.4 §4.2.1 Table 1.
MTYPE_NAMES = (
    "join_request",
    "join_accept",
    "unconfirmed_up",
    "unconfirmed_down",
    "confirmed_up",
    "confirmed_down",
    "rfu",
    "proprietary",
)

#: Every value :func:`decode_batch` may put in ``status`` (plus ``duplicate`` in counts).
STATUSES = (
    "ok",
    "bad_mic",
    "replay",
    "fcnt_gap",
    "unknown_device",
    "join_request",
    "join_accept",
    "join_accept:no_app_key",
    "join_accept:mic_mismatch",
    "proprietary",
    "missing_payload",
    "malformed:empty",
    "malformed:too_short",
    "malformed:too_long",
    "malformed:bad_major",
    "malformed:bad_mtype",
    "malformed:fopts_overflow",
    "malformed:fopts_with_port0",
    "duplicate",
)

#: Largest FRMPayload the encoder accepts [bytes] (AS923 N at DR5-7, RP002-1.0.4 §2.8.6).
MAX_FRM_PAYLOAD = 242
#: Largest MACPayload (FHDR + FPort + FRMPayload) [bytes] (AS923 M, RP002-1.0.4 §2.8.6).
MAX_MAC_PAYLOAD = 250

_HEADER_WIDTH = 24  # MHDR 1 + DevAddr 4 + FCtrl 1 + FCnt 2 + FOpts <= 15 + FPort 1
_MIC_LEN = 4
_MIN_DATA_LEN = 12  # MHDR + FHDR(7) + MIC(4), LoRaWAN 1.0.4 §4.3
_JOIN_REQUEST_LEN = 23  # MHDR + JoinEUI 8 + DevEUI 8 + DevNonce 2 + MIC 4 (§6.2.4)
_JOIN_ACCEPT_LENS = (17, 33)  # without / with CFList (§6.2.5)
_IS_DATA = np.array([False, False, True, True, True, True, False, False])  # by MType
_IS_DOWN = np.array([0, 0, 0, 1, 0, 1, 0, 0], dtype=np.uint8)  # Dir of data MTypes


# ----------------------------------------------------------------------------- decode
_FIRST_OF_GROUP = ("freq_hz", "sf", "bw_hz", "datr", "codr", "source", "ingest_error")


def _single_receptions(receptions: pl.DataFrame) -> pl.DataFrame:
    """What :func:`_collapse` returns when every reception is a different frame."""
    cols = set(receptions.columns)
    exprs: list[pl.Expr] = [
        pl.col("phy_payload"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_first"),
        pl.lit(1, dtype=pl.UInt32).alias("n_receptions"),
    ]
    if "gateway_id" in cols:
        exprs.append(
            pl.when(pl.col("gateway_id").is_null())
            .then(pl.lit([], dtype=pl.List(pl.String)))
            .otherwise(pl.concat_list(pl.col("gateway_id")))
            .alias("gateways")
        )
    exprs += [pl.col(c) for c in ("rssi_dbm", "snr_db", "time", *_FIRST_OF_GROUP) if c in cols]
    return receptions.select(exprs)


def _collapse(receptions: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct PHYPayload, in order of first reception."""
    phy = receptions["phy_payload"]
    if phy.null_count() == 0 and phy.n_unique() == len(phy):
        return _single_receptions(receptions)
    df = receptions.with_row_index("_rx")
    # a row without bytes (null or empty) is no frame: never a duplicate of another
    no_frame = pl.col("phy_payload").is_null() | (pl.col("phy_payload").bin.size() == 0)
    null_key = pl.when(no_frame).then(pl.col("_rx")).otherwise(-1)
    aggs: list[pl.Expr] = [pl.col("_rx").first().alias("_first"), pl.len().alias("n_receptions")]
    cols = set(df.columns)
    if "gateway_id" in cols:
        aggs.append(pl.col("gateway_id").drop_nulls().unique(maintain_order=True).alias("gateways"))
    if "rssi_dbm" in cols:
        aggs.append(pl.col("rssi_dbm").max())
    if "snr_db" in cols:
        aggs.append(pl.col("snr_db").max())
    if "time" in cols:
        aggs.append(pl.col("time").min())
    for c in _FIRST_OF_GROUP:
        if c in cols:
            aggs.append(pl.col(c).first())
    return (
        df.group_by([pl.col("phy_payload"), null_key.alias("_nullkey")], maintain_order=True)
        .agg(aggs)
        .sort("_first")
        .drop("_nullkey")
    )


def _sparse(n: int, rows: np.ndarray, values: Any, dtype: pl.DataType) -> pl.Series:
    """A length-``n`` column, null except at ``rows`` (cheap when ``rows`` is empty)."""
    out = pl.repeat(None, n, dtype=dtype, eager=True)
    if len(rows):
        vals = values if isinstance(values, pl.Series) else pl.Series(values, dtype=dtype)
        out = out.scatter(rows, vals.cast(dtype))
    return out


def _hex(rows_of_bytes: np.ndarray) -> pl.Series:
    """Upper-case hex text of each row of a ``(n, k)`` byte matrix."""
    return binary_from_padded(rows_of_bytes).bin.encode("hex").str.to_uppercase()


def _decode_joins(
    keys: KeyStore,
    flat: np.ndarray,
    start: np.ndarray,
    length: np.ndarray,
    status: np.ndarray,
    mtype: np.ndarray,
) -> dict[str, Any]:
    """Check join-requests and open join-accepts; set their ``status`` in place.

    Join-requests (status ``join_request`` so far, i.e. 23 bytes) are verified
    with the AppKey of their DevEUI. A join-accept (17 or 33 bytes) carries no
    identity in clear, so it is tried with the AppKey of the latest verified
    join-request received before it (a network server answers a join-request
    within JOIN_ACCEPT_DELAY1/2 = 5/6 s, LoRaWAN 1.0.4 §6.2.6 and RP002 §2).
    """
    n = len(status)
    mic_ok = np.zeros(n, dtype=bool)
    checked = np.zeros(n, dtype=bool)
    jr = np.flatnonzero(status == STATUSES.index("join_request"))
    ja = np.flatnonzero(status == STATUSES.index("join_accept"))
    cols: dict[str, pl.Series] = {}
    addr = np.zeros(0, dtype=np.int64)
    ja_ok_rows = np.zeros(0, dtype=np.int64)
    if len(jr) or len(ja):
        table = join_key_table(keys)
        j_eui, d_eui, nonce, device, ok = check_join_requests(table, flat, start[jr])
        status[jr] = np.where(
            device < 0,
            STATUSES.index("unknown_device"),
            np.where(ok, STATUSES.index("join_request"), STATUSES.index("bad_mic")),
        )
        mic_ok[jr] = ok
        checked[jr] = device >= 0
        # latest verified join-request at or before each row (-1: none)
        pos_of = np.full(n, -1, dtype=np.int64)
        pos_of[jr[ok]] = np.flatnonzero(ok)
        latest = np.maximum.accumulate(pos_of) if n else pos_of
        cand = latest[ja]
        tried = ja[cand >= 0]
        cand = cand[cand >= 0]
        status[ja] = STATUSES.index("join_accept:no_app_key")
        plain, a_ok = open_join_accepts(table, flat, start[tried], length[tried], device[cand])
        status[tried] = np.where(
            a_ok, STATUSES.index("join_accept"), STATUSES.index("join_accept:mic_mismatch")
        )
        mic_ok[tried] = a_ok
        checked[tried] = True
        ja_ok_rows = tried[a_ok]
        p = plain[a_ok].astype(np.int64)
        join_nonce = p[:, 0] | (p[:, 1] << 8) | (p[:, 2] << 16)
        net_id = p[:, 3] | (p[:, 4] << 8) | (p[:, 5] << 16)
        addr = p[:, 6] | (p[:, 7] << 8) | (p[:, 8] << 16) | (p[:, 9] << 24)
        has_cf = length[ja_ok_rows] == _JOIN_ACCEPT_LENS[1]
        eui_rows = np.concatenate([jr, ja_ok_rows])
        join_eui = np.concatenate([j_eui, j_eui[cand[a_ok]]])
        dev_eui = np.concatenate([d_eui, d_eui[cand[a_ok]]])
        eui_sort = np.argsort(eui_rows, kind="stable")
        eui_rows = eui_rows[eui_sort]
        be = np.stack([join_eui[eui_sort], dev_eui[eui_sort]]).astype(">u8")
        cols["join_eui"] = _sparse(
            n, eui_rows, _hex(be[0].view(np.uint8).reshape(-1, 8)), pl.String
        )
        cols["dev_eui"] = _sparse(n, eui_rows, _hex(be[1].view(np.uint8).reshape(-1, 8)), pl.String)
        cols["dev_nonce"] = _sparse(n, jr, nonce, pl.UInt16)
        cols["join_nonce"] = _sparse(n, ja_ok_rows, join_nonce, pl.UInt32)
        cols["net_id"] = _sparse(
            n,
            ja_ok_rows,
            _hex(net_id.astype(">u4").view(np.uint8).reshape(-1, 4)[:, 1:]),
            pl.String,
        )
        cols["rx1_dr_offset"] = _sparse(n, ja_ok_rows, (p[:, 10] >> 4) & 0x07, pl.UInt8)
        cols["rx2_data_rate"] = _sparse(n, ja_ok_rows, p[:, 10] & 0x0F, pl.UInt8)
        cols["rx_delay"] = _sparse(n, ja_ok_rows, p[:, 11] & 0x0F, pl.UInt8)
        cf = binary_from_padded(plain[a_ok][:, 12:28])
        cols["cf_list"] = _sparse(n, ja_ok_rows[has_cf], cf.filter(pl.Series(has_cf)), pl.Binary)
    return {
        "mic_ok": mic_ok,
        "checked": checked,
        "accept_rows": ja_ok_rows,
        "accept_dev_addr": addr,
        "columns": cols,
    }


def _mac_commands(
    header: np.ndarray,
    fopts_rows: np.ndarray,
    fopts_len: np.ndarray,
    plain: np.ndarray,
    has_plain: np.ndarray,
    fport: np.ndarray,
    pay_len: np.ndarray,
    direction: np.ndarray,
) -> pl.Series:
    """Column ``mac_commands``: names of the MAC commands in FOpts or an FPort 0 payload.

    Only frames whose MIC is good are parsed (FOpts from the header matrix, FPort 0
    payloads after decryption); only those rows are touched, all in lock-step.
    """
    n = len(fport)
    fo = np.flatnonzero(fopts_rows & (fopts_len > 0))
    p0 = np.flatnonzero(has_plain & (fport == 0) & (pay_len > 0))
    up = direction == 0
    r1, n1, _ = split_mac_commands(header[fo, 8:24], fopts_len[fo], up[fo])
    r2, n2, _ = split_mac_commands(plain[p0], pay_len[p0], up[p0])
    col = mac_command_lists(
        n,
        np.concatenate([r1, r2 + len(fo)]),
        np.concatenate([n1, n2]),
        np.concatenate([fo, p0]),
    )
    return col.alias("mac_commands")


#: Columns :func:`decode_batch` adds for join frames (null on other rows).
_JOIN_COLUMNS: dict[str, pl.DataType] = {
    "join_eui": pl.String,
    "dev_eui": pl.String,
    "dev_nonce": pl.UInt16,
    "join_nonce": pl.UInt32,
    "net_id": pl.String,
    "rx1_dr_offset": pl.UInt8,
    "rx2_data_rate": pl.UInt8,
    "rx_delay": pl.UInt8,
    "cf_list": pl.Binary,
}


def decode_batch(
    receptions: pl.DataFrame,
    keys: KeyStore,
    *,
    last_fcnt: Mapping[int, int] | None = None,
    decode_payloads: bool = True,
) -> pl.DataFrame:
    """Decode, verify and decrypt a table of LoRaWAN receptions in one go.

    Parameters
    ----------
    receptions : polars.DataFrame
        One row per gateway reception with at least a ``phy_payload`` Binary
        column; the other columns of
        :data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA` are used when present.
    keys : KeyStore
        Session keys by DevAddr.
    last_fcnt : mapping of int to int, optional
        Last accepted 32-bit FCnt per DevAddr from before this batch, to detect
        replays across batches and to read counters past 65535 correctly.
    decode_payloads : bool
        Add the columns of the FPort codec (:mod:`toyama_lab.lorawan.codecs`).

    Returns
    -------
    polars.DataFrame
        One row per distinct PHYPayload, in order of first reception, with
        ``dev_addr`` (str, 8 hex digits big-endian), ``mtype``, ``confirmed``,
        ``adr``, ``adr_ack_req``, ``ack``, ``class_b`` (uplink) / ``f_pending``
        (downlink), ``fopts_len``, ``fopts`` (Binary), ``mac_commands`` (list of
        MAC command names, dtype ``List(Enum)`` over
        ``toyama_lab.lorawan._mac_batch.MAC_NAMES`` (compares with plain strings),
        from FOpts or a decrypted FPort 0 payload, as
        :func:`~toyama_lab.lorawan.mac.parse_mac_commands` with ``lenient=True``
        names them; null unless the MIC is good and there are commands; parse
        ``fopts`` / ``frm_payload`` with that function for the fields), ``fcnt16``, ``fcnt``
        (UInt32, rebuilt 32-bit counter), ``fport``, ``frm_payload``
        (decrypted, null unless the MIC is good), ``mic``, ``mic_ok`` (null when
        not checked), ``status``, ``n_receptions``, ``gateways`` and the best
        ``rssi_dbm``/``snr_db`` over the receptions, ``phy_payload``, the join
        columns ``join_eui``, ``dev_eui``, ``dev_nonce``, ``join_nonce``, ``net_id``,
        ``rx1_dr_offset``, ``rx2_data_rate``, ``rx_delay``, ``cf_list`` (null on
        data frames; see "Join frames" in the module docstring), and the
        decoded payload columns (``<codec>_<field>``) plus ``payload_error``.

    Notes
    -----
    Never raises on bad frames: every frame keeps a row with its ``status``.
    ``status_counts(result)`` adds ``duplicate`` = sum(n_receptions - 1), so the
    counts sum to ``len(receptions)``.

    Examples
    --------
    >>> from toyama_lab.lorawan.keys import KeyStore
    >>> ks = KeyStore.from_records(
    ...     [{"dev_addr": "26011BDA", "nwk_s_key": "00" * 16, "app_s_key": "11" * 16}]
    ... )
    >>> phy = encode_batch([0x26011BDA] * 2, [1, 2], [13, 13], [b"\\x00\\x05", b"\\x00\\x07"], ks)
    >>> rx = pl.DataFrame({"phy_payload": pl.concat([phy, phy[1:]])})  # frame 2 heard twice
    >>> out = decode_batch(rx, ks)
    >>> out.select("dev_addr", "fcnt", "status", "n_receptions", "rain_rain_mm").rows()
    [('26011BDA', 1, 'ok', 1, 0.5), ('26011BDA', 2, 'ok', 2, 0.7)]
    >>> status_counts(out).rows()
    [('ok', 2), ('duplicate', 1)]
    """
    if not isinstance(receptions, pl.DataFrame):
        raise TypeError(
            f"receptions must be a polars DataFrame, got {type(receptions).__name__}; "
            "build one with toyama_lab.lorawan.ingest.read_receptions(...)"
        )
    if "phy_payload" not in receptions.columns:
        raise ValueError(
            "receptions has no 'phy_payload' column (columns: "
            f"{receptions.columns}); expected the raw LoRaWAN PHYPayload bytes as Binary"
        )
    if receptions.schema["phy_payload"] != pl.Binary:
        raise TypeError(
            f"column 'phy_payload' must be Binary, got {receptions.schema['phy_payload']}; "
            "decode hex text first with pl.col('phy_payload').str.decode('hex')"
        )
    frames = _collapse(receptions)
    flat, offsets, is_null = binary_to_flat(frames["phy_payload"])
    n = len(frames)
    length = np.diff(offsets)
    # Every gather below reads from one buffer with room before and after the frames.
    flat = padded_buffer(flat, int(length.max(initial=0)))
    start = offsets[:-1] + 16
    # Bytes past a short frame are never read: every field below is gated by a length check.
    h = gather_padded(flat, start, length, _HEADER_WIDTH, zero_tail=False, padded=True)
    mhdr = h[:, 0]
    mtype = (mhdr >> 5).astype(np.int64)
    major = mhdr & 0x03
    dev_addr = np.ascontiguousarray(h[:, 1:5]).view("<u4").ravel()
    fctrl = h[:, 5]
    fcnt16 = np.ascontiguousarray(h[:, 6:8]).view("<u2").ravel().astype(np.int64)
    fopts_len = (fctrl & 0x0F).astype(np.int64)
    is_data = _IS_DATA[mtype]
    direction = _IS_DOWN[mtype]
    has_port = length > _MIN_DATA_LEN + fopts_len
    port_pos = np.minimum(8 + fopts_len, _HEADER_WIDTH - 1)
    fport = np.where(has_port, h[np.arange(n), port_pos].astype(np.int64), -1)
    pay_start = 9 + fopts_len
    pay_len = np.where(has_port, length - _MIC_LEN - pay_start, 0)

    status = np.zeros(n, dtype=np.int8)  # index into STATUSES
    bad = np.zeros(n, dtype=bool)

    def mark(cond: np.ndarray, label: str) -> None:
        if not cond.any():  # most conditions match no frame: skip the masked writes
            return
        hit = cond & ~bad
        status[hit] = STATUSES.index(label)
        bad[:] |= hit

    mark(is_null, "missing_payload")
    mark(length == 0, "malformed:empty")
    mark(length > MAX_PHY_LEN, "malformed:too_long")
    mark(major != 0, "malformed:bad_major")
    mark(mtype == 6, "malformed:bad_mtype")
    # join frames have fixed sizes; shorter or longer as frames.parse tells them apart
    mark((mtype == 0) & (length < _JOIN_REQUEST_LEN), "malformed:too_short")
    mark((mtype == 0) & (length > _JOIN_REQUEST_LEN), "malformed:too_long")
    mark(mtype == 0, "join_request")
    bad_accept = (mtype == 1) & (length != _JOIN_ACCEPT_LENS[0]) & (length != _JOIN_ACCEPT_LENS[1])
    mark(bad_accept & (length < _JOIN_ACCEPT_LENS[0]), "malformed:too_short")
    mark(bad_accept, "malformed:too_long")
    mark(mtype == 1, "join_accept")
    mark(mtype == 7, "proprietary")
    mark(is_data & (length < _MIN_DATA_LEN), "malformed:too_short")
    mark(is_data & (length < _MIN_DATA_LEN + fopts_len), "malformed:fopts_overflow")
    mark(is_data & (fport == 0) & (fopts_len > 0), "malformed:fopts_with_port0")
    table = key_table(keys)
    # Few distinct addresses: look each up once (a sorted search per row is slower).
    uniq_addr, addr_row = np.unique(dev_addr, return_inverse=True)
    dev = table.lookup(uniq_addr)[addr_row]
    mark(dev < 0, "unknown_device")

    mic_ok = np.zeros(n, dtype=bool)
    mic_checked = np.zeros(n, dtype=bool)
    fcnt32 = fcnt16.copy()
    plain = np.zeros((n, 16), dtype=np.uint8)
    has_plain = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(~bad)
    if len(cand):
        every = len(cand) == n  # the usual case: no frame set aside so far
        dev_key = radix_key(dev if every else dev[cand], table.n)
        sort = np.argsort(dev_key, kind="stable")
        order = sort if every else cand[sort]
        c_dev = dev[order]
        c_key = dev_key[sort]
        c_len = length[order] - _MIC_LEN
        c_start = start[order]
        mic_rx = gather_padded(flat, c_start + c_len, c_len, 4, zero_tail=False, padded=True)
        last_seen = None
        if last_fcnt:
            known = {int(k): int(v) for k, v in last_fcnt.items()}
            last_seen = np.array([known.get(int(x), -1) for x in table.addrs], dtype=np.int64)
        c_f16 = fcnt16[order]
        c_dir = direction[order]
        c_addr = dev_addr[order]
        f32 = np.zeros(len(order), dtype=np.int64)
        fst = np.zeros(len(order), dtype=np.int8)
        ok = np.zeros(len(order), dtype=bool)
        active = np.ones(len(order), dtype=bool)
        checked = np.zeros(len(order), dtype=bool)
        # Counters are rebuilt from MIC-verified frames only: a forged frame must not move
        # a device's counter. Each round drops the frames whose MIC failed and re-checks
        # the frames whose counter changed (usually one round, at most a few).
        n_c = len(order)

        def pick(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
            # ``rows`` is sorted and unique, so all n_c of them is the identity: no copy
            return a if len(rows) == n_c else a[rows]

        for _ in range(8):
            idx_act = np.flatnonzero(active)
            new32, new_st = rebuild_fcnt32(pick(c_f16, idx_act), pick(c_key, idx_act), last_seen)
            changed = ~pick(checked, idx_act) | (new32 != pick(f32, idx_act))
            redo = idx_act[changed]
            f32[idx_act] = new32
            fst[idx_act] = new_st
            if len(redo):
                tags = frame_mic(
                    table,
                    pick(c_dev, redo),
                    flat,
                    pick(c_start, redo),
                    pick(c_len, redo),
                    pick(c_dir, redo),
                    pick(c_addr, redo),
                    pick(f32, redo) & 0xFFFFFFFF,
                )
                # compare the 4 MIC bytes as one 32-bit word per frame
                same = tags.view("<u4")[:, 0] == pick(mic_rx, redo).view("<u4")[:, 0]
                ok[redo] = same
                checked[redo] = True
            if np.array_equal(active, ok):
                break
            active = ok.copy()
        mic_ok[order] = ok
        mic_checked[order] = True
        fcnt32[order] = f32
        status[order] = np.select(
            [~ok, fst == FCntStatus.OK, fst == FCntStatus.GAP_TOO_LARGE],
            [STATUSES.index("bad_mic"), 0, STATUSES.index("fcnt_gap")],
            STATUSES.index("replay"),
        )
        # Decrypt the FRMPayload of every frame whose MIC is good, in (key, device) order
        # so that the rows of one key are contiguous.
        # (crypt_payload regroups FPort 0 rows, which use NwkSKey, when there are any)
        g_rows = np.flatnonzero(ok)
        good = pick(order, g_rows)
        if len(good):
            g_len = pay_len[good]
            g_port = fport[good]
            width = (int(g_len.max()) + 15) // 16 * 16 or 16
            enc = gather_padded(
                flat,
                pick(c_start, g_rows) + pay_start[good],
                g_len,
                width,
                zero_tail=False,
                padded=True,
            )
            plain = np.zeros((n, width), dtype=np.uint8)
            plain[good] = crypt_payload(
                table,
                pick(c_dev, g_rows),
                g_port,
                pick(c_dir, g_rows),
                pick(c_addr, g_rows),
                pick(f32, g_rows) & 0xFFFFFFFF,
                enc,
                g_len,
            )
            has_plain[good] = True
    joins = _decode_joins(keys, flat, start, length, status, mtype)
    fcnt_known = mic_checked.copy()
    mic_ok |= joins["mic_ok"]
    mic_checked |= joins["checked"]
    data_ok = is_data & (length >= _MIN_DATA_LEN) & ~is_null
    malformed = np.array([s.startswith("malformed") for s in STATUSES])
    fopts_ok = data_ok & ~malformed[status]
    fopts_len = np.where(fopts_ok, fopts_len, 0)
    mac_col = _mac_commands(
        h, fopts_ok & mic_ok, fopts_len, plain, has_plain, fport, pay_len, direction
    )
    has_addr = data_ok
    if len(joins["accept_rows"]):
        # a verified join-accept names the DevAddr given to the device
        dev_addr = dev_addr.copy()
        dev_addr[joins["accept_rows"]] = joins["accept_dev_addr"]
        has_addr = data_ok.copy()
        has_addr[joins["accept_rows"]] = True
        uniq_addr, addr_row = np.unique(dev_addr, return_inverse=True)
    columns = {
        "dev_addr": pl.Series([f"{int(a):08X}" for a in uniq_addr], dtype=pl.String).gather(
            addr_row
        ),
        "mtype": pl.Series(MTYPE_NAMES, dtype=pl.String).gather(mtype),
        "_frame": ~is_null & (length > 0),
        "fctrl": fctrl,
        "fopts_len": fopts_len.astype(np.uint8),
        "_phy": frames["phy_payload"],
        "fcnt16": fcnt16.astype(np.uint16),
        "fcnt": (fcnt32 & 0xFFFFFFFF).astype(np.uint32),
        "fport": np.where(fport >= 0, fport, 0).astype(np.uint8),
        "frm_payload": binary_from_padded(plain, np.where(has_plain, pay_len, 0)),
        "mic_ok": mic_ok,
        "status": pl.Series(STATUSES, dtype=pl.String).gather(status),
        "_data": data_ok,
        "_addr": has_addr,
        "_jr": mtype == 0,
        "_up": data_ok & (direction == 0),
        "_down": data_ok & (direction == 1),
        "_fopts_ok": fopts_ok,
        "_port": fopts_ok & (fport >= 0),
        "_plain": has_plain,
        "_checked": mic_checked,
        "_fcnt": fcnt_known,
        "_confirmed": (mtype == 4) | (mtype == 5),
    }
    data = pl.col("_data")

    def bit(k: int) -> pl.Expr:
        return (pl.col("fctrl") & (1 << k)) != 0

    out = pl.DataFrame(columns).select(
        pl.when(pl.col("_addr")).then(pl.col("dev_addr")).alias("dev_addr"),
        pl.when(pl.col("_frame")).then(pl.col("mtype")).alias("mtype"),
        pl.when(data).then(pl.col("_confirmed")).alias("confirmed"),
        pl.when(data).then(bit(7)).alias("adr"),
        pl.when(pl.col("_up")).then(bit(6)).alias("adr_ack_req"),
        pl.when(data).then(bit(5)).alias("ack"),
        pl.when(pl.col("_up")).then(bit(4)).alias("class_b"),
        pl.when(pl.col("_down")).then(bit(4)).alias("f_pending"),
        pl.when(pl.col("_fopts_ok")).then(pl.col("fopts_len")).alias("fopts_len"),
        pl.when(pl.col("_fopts_ok"))
        .then(pl.col("_phy").bin.slice(8, pl.col("fopts_len")))
        .alias("fopts"),
        pl.when(data).then(pl.col("fcnt16")).alias("fcnt16"),
        pl.when(pl.col("_fcnt")).then(pl.col("fcnt")).alias("fcnt"),
        pl.when(pl.col("_port")).then(pl.col("fport")).alias("fport"),
        pl.when(pl.col("_plain")).then(pl.col("frm_payload")).alias("frm_payload"),
        pl.when(data | (pl.col("_jr") & pl.col("_checked")))
        .then(pl.col("_phy").bin.tail(_MIC_LEN))
        .alias("mic"),
        pl.when(pl.col("_checked")).then(pl.col("mic_ok")).alias("mic_ok"),
        pl.col("status"),
    )
    out.insert_column(out.columns.index("fopts") + 1, mac_col)
    if joins["columns"]:
        out = pl.concat([out, pl.DataFrame(joins["columns"])], how="horizontal")
    else:  # no join frames: typed all-null columns, broadcast by polars
        out = out.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in _JOIN_COLUMNS.items())
    out = pl.concat([out, frames.drop("_first")], how="horizontal")
    if decode_payloads:
        from toyama_lab.lorawan.codecs import decode_by_fport

        decoded = decode_by_fport(out["fport"], out["frm_payload"])
        if decoded.width:
            out = pl.concat([out, decoded], how="horizontal")
    return out


def status_counts(result: pl.DataFrame) -> pl.DataFrame:
    """Count frames per status, plus ``duplicate`` for the extra receptions.

    Parameters
    ----------
    result : polars.DataFrame
        Output of :func:`decode_batch`.

    Returns
    -------
    polars.DataFrame
        Columns ``status`` (str) and ``count`` (UInt32), largest first. The
        counts sum to the number of reception rows given to :func:`decode_batch`:
        each distinct frame counts once under its status and each further
        reception of the same bytes once under ``duplicate``.
    """
    counts = result.group_by("status").agg(pl.len().cast(pl.UInt32).alias("count"))
    dup = int((result["n_receptions"].cast(pl.Int64) - 1).sum()) if len(result) else 0
    if dup:
        counts = pl.concat(
            [
                counts,
                pl.DataFrame(
                    {"status": ["duplicate"], "count": [dup]},
                    schema={"status": pl.String, "count": pl.UInt32},
                ),
            ]
        )
    return counts.sort(["count", "status"], descending=[True, False])


# ----------------------------------------------------------------------------- encode
def _as_int_array(values: Any, name: str, n: int | None, lo: int, hi: int) -> np.ndarray:
    arr = values.to_numpy() if isinstance(values, pl.Series) else np.asarray(values)
    if arr.ndim == 0 and n is not None:
        arr = np.full(n, arr.item())
    if arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n is not None and len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} values, expected {n} (one per frame)")
    bad = np.flatnonzero((arr < lo) | (arr > hi))
    if len(bad):
        i = int(bad[0])
        raise ValueError(
            f"{name}[{i}] = {int(arr[i])} is out of range {lo}..{hi} "
            f"({len(bad)} bad value(s)); fix the input"
        )
    return arr


def _dev_addr_array(dev_addr: Any) -> np.ndarray:
    if isinstance(dev_addr, pl.Series) and dev_addr.dtype == pl.String:
        dev_addr = dev_addr.to_list()
    if isinstance(dev_addr, Sequence) and len(dev_addr) and isinstance(dev_addr[0], str):
        try:
            return np.array([int(s, 16) for s in dev_addr], dtype=np.int64)
        except ValueError as exc:
            raise ValueError(f"dev_addr: expected 8 hex digits such as '26011BDA': {exc}") from exc
    return _as_int_array(dev_addr, "dev_addr", None, 0, 0xFFFFFFFF)


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
    f32 = _as_int_array(fcnt32, "fcnt32", n, 0, 0xFFFFFFFF)
    port = _as_int_array(fport, "fport", n, -1, 255)
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
            np.zeros(n, dtype=bool)
            if val is None
            else _as_int_array(val, name, n, 0, 1).astype(bool)
        )
    _check_lengths(plen, olen, port)
    table = key_table(keys)
    uniq_addr, addr_row = np.unique(addr.astype(np.uint32), return_inverse=True)
    dev = table.lookup(uniq_addr)[addr_row]
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
    enc = enc_mat[np.arange(pwidth) < plen[:, None]]
    has_port = port >= 0
    frame_len = 8 + olen + has_port + plen  # without MIC
    width = int(frame_len.max(initial=0))
    body = np.zeros((n, width), dtype=np.uint8)
    body[:, 0] = np.where(flags["confirmed"], 0x80, 0x40)
    body[:, 1:5] = le_bytes(addr, 4)
    body[:, 5] = (
        (flags["adr"].astype(np.uint8) << 7)
        | (flags["adr_ack_req"].astype(np.uint8) << 6)
        | (flags["ack"].astype(np.uint8) << 5)
        | olen.astype(np.uint8)
    )
    body[:, 6:8] = le_bytes(f32 & 0xFFFF, 2)
    flat_body = body.reshape(-1)
    row_base = np.arange(n, dtype=np.int64) * width
    idx, _ = ragged_index(row_base + 8, olen)
    flat_body[idx] = oflat
    port_rows = np.flatnonzero(has_port)
    flat_body[row_base[port_rows] + 8 + olen[port_rows]] = port[port_rows].astype(np.uint8)
    idx, _ = ragged_index(row_base + 9 + olen, np.where(has_port, plen, 0))
    flat_body[idx] = enc
    # MIC per device, rows sorted by device.
    order = np.argsort(radix_key(dev, table.n), kind="stable")
    mic = np.empty((n, 4), dtype=np.uint8)
    mic[order] = frame_mic(
        table,
        dev[order],
        padded_buffer(body.reshape(-1), width),
        16 + order * width,
        frame_len[order],
        direction[order],
        addr[order],
        f32[order],
    )
    full = np.zeros((n, width + _MIC_LEN), dtype=np.uint8)
    full[:, :width] = body
    cols = frame_len[:, None] + np.arange(_MIC_LEN)
    full[np.arange(n)[:, None], cols] = mic
    return binary_from_padded(full, frame_len + _MIC_LEN, "phy_payload")


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
