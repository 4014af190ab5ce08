"""Join-request and join-accept frames for whole columns (a stage of the decoder).

* :class:`JoinKeyTable` - the AppKeys of a :class:`~toyama_lab.lorawan.keys.KeyStore`
  by DevEUI, with one AES encryptor per AppKey, kept as long as the KeyStore lives;
* :func:`check_join_requests` - JoinEUI, DevEUI, DevNonce and the MIC of many
  join-requests: one lock-step CMAC over all join-requests, one OpenSSL call per AppKey;
* :func:`open_join_accepts` - decrypt many join-accepts and check their MIC, each with
  the AppKey it is given.

A join-accept carries no device identity in clear
(LoRaWAN 1.0.x, §6.2.6 [1]_), so the caller chooses the AppKey to try
(:func:`decode_joins` uses the one of the latest verified join-request before it).

References
----------
.. [1] LoRa Alliance, "LoRaWAN L2 1.0.4 Specification (TS001-1.0.4)", 2020,
   §6.2.5 (join-request: MHDR | JoinEUI | DevEUI | DevNonce | MIC, MIC =
   aes128_cmac(AppKey, MHDR | JoinEUI | DevEUI | DevNonce)[0..3]) and §6.2.6
   (join-accept: the network encrypts with aes128_decrypt(AppKey, ...), so the
   device decrypts with aes128_encrypt; MIC = aes128_cmac(AppKey, MHDR | JoinNonce |
   NetID | DevAddr | DLSettings | RxDelay | CFList)[0..3]).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from toyama_lab.lorawan.columnar.aes import CipherCache, cmac, ecb_by_group
from toyama_lab.lorawan.columnar.columns import (
    binary_from_padded,
    gather_padded,
    hex_rows,
    null_columns,
    sparse_column,
)
from toyama_lab.lorawan.columnar.frame_crypto import keystore_entries
from toyama_lab.lorawan.columnar.header import Headers
from toyama_lab.lorawan.columnar.lookup import HashIndex
from toyama_lab.lorawan.columnar.status import code

if TYPE_CHECKING:
    from toyama_lab.lorawan.keys import KeyStore

__all__ = [
    "JOIN_SCHEMA",
    "JoinKeyTable",
    "Joins",
    "check_join_requests",
    "decode_joins",
    "join_key_table",
    "open_join_accepts",
]

_JR_BODY = 19  # MHDR + JoinEUI 8 + DevEUI 8 + DevNonce 2 [bytes], §6.2.5
_MIC = 4
_JA_LEN_WITH_CFLIST = 33  # join-accept with CFList [bytes], §6.2.6


class JoinKeyTable:
    """AppKeys by DevEUI: ``euis`` sorted (uint64, big-endian value as printed)."""

    def __init__(self, keys: KeyStore) -> None:
        entries = sorted(
            (k for k in keys if k.dev_eui is not None and k.app_key is not None),
            key=lambda k: k.dev_eui,
        )
        self.n = len(entries)
        self.signature = keystore_entries(keys)
        self.euis = np.array([int.from_bytes(k.dev_eui, "big") for k in entries], dtype=np.uint64)
        self.ciphers = CipherCache([k.app_key for k in entries])
        self._index = HashIndex(self.euis)

    def lookup(self, dev_eui: np.ndarray) -> np.ndarray:
        """Index of each DevEUI (uint64) in the table, -1 when it has no AppKey."""
        return self._index.find(dev_eui)


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def join_key_table(keys: KeyStore) -> JoinKeyTable:
    """The :class:`JoinKeyTable` of a KeyStore, rebuilt only when its AppKeys changed."""
    try:
        table = _TABLES.get(keys)
    except TypeError:  # not weak-referenceable: no cache
        return JoinKeyTable(keys)
    if table is None or table.signature != keystore_entries(keys):
        table = JoinKeyTable(keys)
        _TABLES[keys] = table
    return table


def _u64_be(rows: np.ndarray) -> np.ndarray:
    """``(n, 8)`` bytes, most significant first, as uint64."""
    return np.ascontiguousarray(rows).view(">u8").ravel().astype(np.uint64)


def check_join_requests(
    table: JoinKeyTable, buf: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fields and MIC check of 23-byte join-requests.

    Parameters
    ----------
    table : JoinKeyTable
    buf : numpy.ndarray of uint8
        Frame buffer with at least 32 bytes after the start of every frame
        (:attr:`toyama_lab.lorawan.columnar.header.Headers.flat`).
    starts : numpy.ndarray of int
        Offset of each join-request in ``buf``.

    Returns
    -------
    join_eui, dev_eui : numpy.ndarray of uint64
        As printed (big-endian); on air they are little-endian.
    dev_nonce : numpy.ndarray of int64
    device : numpy.ndarray of int64
        Row of the AppKey in ``table``, -1 when the DevEUI has none.
    mic_ok : numpy.ndarray of bool
        False also where ``device`` is -1 (not checked).
    """
    n = len(starts)
    h = gather_padded(buf, starts, np.full(n, _JR_BODY + _MIC), 24, zero_tail=False, padded=True)
    join_eui = _u64_be(h[:, 8:0:-1])
    dev_eui = _u64_be(h[:, 16:8:-1])
    dev_nonce = h[:, 17].astype(np.int64) | (h[:, 18].astype(np.int64) << 8)
    device = table.lookup(dev_eui)
    mic_ok = np.zeros(n, dtype=bool)
    known = np.flatnonzero(device >= 0)
    if len(known):
        known = known[np.argsort(device[known], kind="stable")]
        msg = gather_padded(buf, starts[known], np.full(len(known), _JR_BODY), 32, padded=True)
        tags = cmac(table.ciphers, msg, np.full(len(known), _JR_BODY), device[known])
        mic_ok[known] = np.all(tags[:, :_MIC] == h[known, _JR_BODY : _JR_BODY + _MIC], axis=1)
    return join_eui, dev_eui, dev_nonce, device, mic_ok


def open_join_accepts(
    table: JoinKeyTable,
    buf: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    device: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Decrypt join-accepts (17 or 33 bytes) with the AppKey of ``device`` and check the MIC.

    Parameters
    ----------
    table : JoinKeyTable
    buf : numpy.ndarray of uint8
        Frame buffer with at least 48 spare bytes after every frame.
    starts, lengths : numpy.ndarray of int
        Offset and length [bytes] of each join-accept in ``buf``.
    device : numpy.ndarray of int
        AppKey row in ``table`` to try for each frame (>= 0).

    Returns
    -------
    plain : numpy.ndarray of uint8, shape (n, 32)
        MHDR is not included: row ``i`` is JoinNonce | NetID | DevAddr | DLSettings |
        RxDelay | [CFList] | MIC, ``lengths[i] - 1`` bytes (the rest is zero).
    mic_ok : numpy.ndarray of bool
    """
    n = len(starts)
    if n == 0:
        return np.zeros((0, 32), dtype=np.uint8), np.zeros(0, dtype=bool)
    order = np.argsort(device, kind="stable")
    enc_len = lengths[order] - 1
    enc = gather_padded(buf, starts[order] + 1, enc_len, 32, padded=True)
    # Two blocks per frame (the second is zero for a 17-byte frame and ignored).
    plain = ecb_by_group(table.ciphers, enc.reshape(-1, 16), np.repeat(device[order], 2))
    plain = plain.reshape(n, 32) * (np.arange(32) < enc_len[:, None])
    body_len = enc_len - _MIC
    rows = np.arange(n)
    mic_rx = plain[rows[:, None], body_len[:, None] + np.arange(_MIC)]
    msg = np.zeros((n, 32), dtype=np.uint8)
    msg[:, 0] = gather_padded(buf, starts[order], np.ones(n), 1, padded=True)[:, 0]
    msg[:, 1:] = plain[:, :31] * (np.arange(31) < body_len[:, None])
    tags = cmac(table.ciphers, msg, body_len + 1, device[order])
    out_plain = np.empty_like(plain)
    out_plain[order] = plain
    ok = np.empty(n, dtype=bool)
    ok[order] = np.all(tags[:, :_MIC] == mic_rx, axis=1)
    return out_plain, ok


#: Columns the decoder adds for join frames (null on other rows).
JOIN_SCHEMA: dict[str, pl.DataType] = {
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


@dataclass(frozen=True)
class Joins:
    """Outcome of the join stage (see :func:`decode_joins`)."""

    mic_ok: np.ndarray
    checked: np.ndarray
    accept_rows: np.ndarray  # rows of verified join-accepts
    accept_dev_addr: np.ndarray  # the DevAddr each of them gives
    columns: pl.DataFrame  # JOIN_SCHEMA, one row per frame


def decode_joins(keys: KeyStore, h: Headers, status: np.ndarray) -> Joins:
    """Check join-requests and open join-accepts; set their ``status`` in place.

    Join-requests (status ``join_request`` so far, i.e. 23 bytes) are verified
    with the AppKey of their DevEUI: ``join_request``, ``bad_mic`` or
    ``unknown_device``. A join-accept (17 or 33 bytes) carries no identity in
    clear, so it is tried with the AppKey of the latest verified join-request
    received before it in the same table (a network server answers a
    join-request within JOIN_ACCEPT_DELAY1/2 = 5/6 s, LoRaWAN 1.0.4 §6.2.6 and
    RP002 §2): ``join_accept`` (decrypted, MIC good), ``join_accept:no_app_key``
    (no verified join-request before it: not verified) or
    ``join_accept:mic_mismatch`` (that AppKey does not verify it). Join frames
    have no FCnt; DevNonce reuse is not tracked here.
    """
    n = h.n
    mic_ok = np.zeros(n, dtype=bool)
    checked = np.zeros(n, dtype=bool)
    jr = np.flatnonzero(status == code("join_request"))
    ja = np.flatnonzero(status == code("join_accept"))
    empty = np.zeros(0, dtype=np.int64)
    if not (len(jr) or len(ja)):
        # no join frames: typed all-null columns (one broadcast, no per-column allocation)
        cols = null_columns(n, JOIN_SCHEMA)
        return Joins(mic_ok, checked, empty, empty, cols)
    flat, start, length = h.flat, h.start, h.length
    table = join_key_table(keys)
    j_eui, d_eui, nonce, device, ok = check_join_requests(table, flat, start[jr])
    status[jr] = np.where(
        device < 0,
        code("unknown_device"),
        np.where(ok, code("join_request"), code("bad_mic")),
    )
    mic_ok[jr] = ok
    checked[jr] = device >= 0
    # latest verified join-request at or before each row (-1: none)
    pos_of = np.full(n, -1, dtype=np.int64)
    pos_of[jr[ok]] = np.flatnonzero(ok)
    latest = np.maximum.accumulate(pos_of)
    cand = latest[ja]
    tried = ja[cand >= 0]
    cand = cand[cand >= 0]
    status[ja] = code("join_accept:no_app_key")
    plain, a_ok = open_join_accepts(table, flat, start[tried], length[tried], device[cand])
    status[tried] = np.where(a_ok, code("join_accept"), code("join_accept:mic_mismatch"))
    mic_ok[tried] = a_ok
    checked[tried] = True
    ja_ok_rows = tried[a_ok]
    p = plain[a_ok].astype(np.int64)
    join_nonce = p[:, 0] | (p[:, 1] << 8) | (p[:, 2] << 16)
    net_id = p[:, 3] | (p[:, 4] << 8) | (p[:, 5] << 16)
    addr = p[:, 6] | (p[:, 7] << 8) | (p[:, 8] << 16) | (p[:, 9] << 24)
    has_cf = length[ja_ok_rows] == _JA_LEN_WITH_CFLIST
    eui_rows = np.concatenate([jr, ja_ok_rows])
    join_eui = np.concatenate([j_eui, j_eui[cand[a_ok]]])
    dev_eui = np.concatenate([d_eui, d_eui[cand[a_ok]]])
    eui_sort = np.argsort(eui_rows, kind="stable")
    eui_rows = eui_rows[eui_sort]
    be = np.stack([join_eui[eui_sort], dev_eui[eui_sort]]).astype(">u8")
    net_hex = hex_rows(net_id.astype(">u4").view(np.uint8).reshape(-1, 4)[:, 1:])
    cf = binary_from_padded(plain[a_ok][:, 12:28])
    values = {
        "join_eui": (eui_rows, hex_rows(be[0].view(np.uint8).reshape(-1, 8))),
        "dev_eui": (eui_rows, hex_rows(be[1].view(np.uint8).reshape(-1, 8))),
        "dev_nonce": (jr, nonce),
        "join_nonce": (ja_ok_rows, join_nonce),
        "net_id": (ja_ok_rows, net_hex),
        "rx1_dr_offset": (ja_ok_rows, (p[:, 10] >> 4) & 0x07),
        "rx2_data_rate": (ja_ok_rows, p[:, 10] & 0x0F),
        "rx_delay": (ja_ok_rows, p[:, 11] & 0x0F),
        "cf_list": (ja_ok_rows[has_cf], cf.filter(pl.Series(has_cf))),
    }
    cols = pl.DataFrame(
        [sparse_column(n, r, v, JOIN_SCHEMA[c]).alias(c) for c, (r, v) in values.items()]
    )
    return Joins(mic_ok, checked, ja_ok_rows, addr, cols)
