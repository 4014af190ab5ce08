"""Decode a table of LoRaWAN receptions in stages, into a table of fixed columns.

:func:`decode_batch` turns a table of gateway receptions (one row per
reception, a ``phy_payload`` Binary column; see
:data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`) into one row per distinct
frame with the columns of :data:`~toyama_lab.lorawan.columnar.schema.DECODED_SCHEMA`.
Frame formats, FCnt, MIC and encryption follow the LoRaWAN 1.0.4 specification [1]_.
The stages, each a module of this package with its own tests:

1. :mod:`.receptions` - check the input and collapse repeated receptions;
2. :mod:`.header` - the ``(n, 24)`` header matrix, fields as columns, and the
   structural status (malformed, join, proprietary, missing);
3. :mod:`.verify` - device lookup, 32-bit FCnt and MIC of data frames
   (one AES-ECB call per key and CMAC block round, frames in lock-step);
4. :mod:`.decrypt` - FRMPayload keystream, one AES-ECB call per key;
5. :mod:`.joins` and :mod:`.mac_commands` - join frames and MAC command names;
6. :mod:`.payloads` - payload codecs chosen per device (FPort registry by
   default), into columns fixed in advance;
7. :func:`assemble` - the output table; :mod:`.status` for the statuses and
   :func:`~toyama_lab.lorawan.columnar.status.status_counts`.

The Python loops run over keys, block rounds and codecs, never over frames.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4 (MAC frame
   formats), §4.3.1.5 (FCnt), §4.3.3 (FRMPayload encryption), §4.4 (MIC).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from toyama_lab.lorawan.columnar.columns import binary_from_padded
from toyama_lab.lorawan.columnar.decrypt import decrypt_payloads
from toyama_lab.lorawan.columnar.frame_crypto import key_table
from toyama_lab.lorawan.columnar.header import (
    MIC_LEN,
    MIN_DATA_LEN,
    Headers,
    read_headers,
    structural_status,
)
from toyama_lab.lorawan.columnar.joins import Joins, decode_joins
from toyama_lab.lorawan.columnar.mac_commands import mac_command_column
from toyama_lab.lorawan.columnar.payloads import choose_codecs, decode_payload_columns
from toyama_lab.lorawan.columnar.receptions import check_receptions, collapse
from toyama_lab.lorawan.columnar.schema import DECODED_SCHEMA, FRAME_SCHEMA
from toyama_lab.lorawan.columnar.status import IS_MALFORMED, MTYPE_NAMES, STATUSES, code
from toyama_lab.lorawan.columnar.verify import Verified, lookup_devices, verify_data_frames

if TYPE_CHECKING:
    from toyama_lab.lorawan.columnar.frame_crypto import KeyTable
    from toyama_lab.lorawan.keys import KeyStore

__all__ = ["assemble", "decode_batch"]

_MTYPES = pl.Series(MTYPE_NAMES, dtype=pl.String)
_STATUS_TEXT = pl.Series(STATUSES, dtype=pl.String)
#: the two output schemas, built once (each decode checks its table against one)
_SCHEMAS = {True: pl.Schema(DECODED_SCHEMA), False: pl.Schema(FRAME_SCHEMA)}


def assemble(
    h: Headers,
    status: np.ndarray,
    v: Verified,
    joins: Joins,
    plain: np.ndarray,
    has_plain: np.ndarray,
    phy: pl.Series,
    table: KeyTable,
    dev: np.ndarray,
) -> pl.DataFrame:
    """The MAC columns (:data:`~toyama_lab.lorawan.columnar.schema.MAC_SCHEMA`) of every frame.

    Each field is null where it does not apply: no MHDR without bytes, FCtrl
    and FCnt only for data frames, ``adr_ack_req``/``class_b`` only uplink,
    ``f_pending`` only downlink, FPort and FOpts only when well formed,
    ``frm_payload`` only with a good MIC, ``fcnt`` and ``mic_ok`` only when checked.
    ``dev`` is each frame's row in ``table``
    (:func:`~toyama_lab.lorawan.columnar.verify.lookup_devices`): the ``dev_addr``
    text comes from the table's printed addresses when every data frame has keys and
    no join-accept gives an address; otherwise the distinct addresses are printed.
    """
    length, is_null, mtype, direction = h.length, h.is_null, h.mtype, h.direction
    mic_ok = v.mic_ok | joins.mic_ok
    checked = v.mic_checked | joins.checked
    data = h.is_data & (length >= MIN_DATA_LEN) & ~is_null
    fopts_ok = data & ~IS_MALFORMED[status]
    fopts_len = np.where(fopts_ok, h.fopts_len, 0)
    mac_col = mac_command_column(
        h.matrix,
        fopts_ok & mic_ok,
        fopts_len,
        plain,
        has_plain,
        h.fport,
        h.pay_len,
        direction,
    )
    has_addr = data
    if not len(joins.accept_rows) and dev[data].min(initial=0) >= 0:
        # every address shown has keys: the key table's, printed once per table
        addr_text, addr_row = table.addr_text, np.maximum(dev, 0)
    else:
        # a verified join-accept names the DevAddr given to the device
        dev_addr = h.dev_addr.copy()
        dev_addr[joins.accept_rows] = joins.accept_dev_addr
        has_addr = data.copy()
        has_addr[joins.accept_rows] = True
        uniq_addr, addr_row = np.unique(dev_addr, return_inverse=True)
        addr_text = pl.Series([f"{a:08X}" for a in uniq_addr.tolist()], dtype=pl.String)
    fopts_len8 = fopts_len.astype(np.uint8)
    full = binary_from_padded(plain)  # sliced to each payload's length in the select below
    # frames shorter than 4 bytes read padding, and are not ``_mic`` rows
    mic_col = binary_from_padded(h.mic32.astype("<u4").view(np.uint8).reshape(-1, MIC_LEN))
    raw = pl.DataFrame(
        {
            "_addr_row": addr_row.astype(np.uint32),
            "_mtype": mtype.astype(np.uint8),
            "_status": status.astype(np.uint8),
            "_pay_len": np.where(has_plain, h.pay_len, 0).astype(np.uint32),
            "fctrl": h.fctrl,
            "fopts_len": fopts_len8,
            "phy": phy,
            "fcnt16": h.fcnt16.astype(np.uint16),
            "fcnt": (v.fcnt32 & 0xFFFFFFFF).astype(np.uint32),
            "fport": np.where(h.fport >= 0, h.fport, 0).astype(np.uint8),
            "frm_payload": full,
            "_mic_bytes": mic_col,
            "mic_ok": mic_ok,
            "_addr": has_addr,
            "_frame": ~is_null & (length > 0),
            "_data": data,
            "_up": data & (direction == 0),
            "_down": data & (direction == 1),
            "_confirmed": (mtype == 4) | (mtype == 5),
            "_fopts_ok": fopts_ok,
            "_port": fopts_ok & (h.fport >= 0),
            "_plain": has_plain,
            "_checked": checked,
            "_fcnt": v.mic_checked,
            "_mic": data | ((mtype == 0) & checked),
        }
    )
    data_col = pl.col("_data")

    def bit(k: int) -> pl.Expr:
        return (pl.col("fctrl") & (1 << k)) != 0

    def when(mask: str, value: pl.Expr, name: str) -> pl.Expr:
        return pl.when(pl.col(mask)).then(value).alias(name)

    # text columns: a small literal table gathered by code, inside the one select
    out = raw.select(
        when("_addr", pl.lit(addr_text).gather(pl.col("_addr_row")), "dev_addr"),
        when("_frame", pl.lit(_MTYPES).gather(pl.col("_mtype")), "mtype"),
        pl.when(data_col).then(pl.col("_confirmed")).alias("confirmed"),
        pl.when(data_col).then(bit(7)).alias("adr"),
        when("_up", bit(6), "adr_ack_req"),
        pl.when(data_col).then(bit(5)).alias("ack"),
        when("_up", bit(4), "class_b"),
        when("_down", bit(4), "f_pending"),
        when("_fopts_ok", pl.col("fopts_len"), "fopts_len"),
        when("_fopts_ok", pl.col("phy").bin.slice(8, pl.col("fopts_len")), "fopts"),
        pl.when(data_col).then(pl.col("fcnt16")).alias("fcnt16"),
        when("_fcnt", pl.col("fcnt"), "fcnt"),
        when("_port", pl.col("fport"), "fport"),
        when("_plain", pl.col("frm_payload").bin.slice(0, pl.col("_pay_len")), "frm_payload"),
        when("_mic", pl.col("_mic_bytes"), "mic"),
        when("_checked", pl.col("mic_ok"), "mic_ok"),
        pl.lit(_STATUS_TEXT).gather(pl.col("_status")).alias("status"),
    )
    out.insert_column(out.columns.index("fopts") + 1, mac_col)
    return out


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
        Session keys by DevAddr (and AppKeys by DevEUI for join frames); an
        entry's ``codec`` chooses the payload codec of that device.
    last_fcnt : mapping of int to int, optional
        Last accepted 32-bit FCnt per DevAddr from before this batch, to detect
        replays across batches and to read counters past 65535 correctly.
    decode_payloads : bool
        Add the payload columns (:data:`~toyama_lab.lorawan.columnar.payloads.PAYLOAD_SCHEMA`).

    Returns
    -------
    polars.DataFrame
        One row per distinct PHYPayload, in order of first reception, with
        exactly the columns of :data:`~toyama_lab.lorawan.columnar.schema.DECODED_SCHEMA`
        (:data:`~toyama_lab.lorawan.columnar.schema.FRAME_SCHEMA` with
        ``decode_payloads=False``), described in ``docs/decoded-schema.md``.

    Notes
    -----
    Never raises on bad frames: every frame keeps a row with its ``status``
    (:mod:`toyama_lab.lorawan.columnar.status`). ``status_counts(result)`` adds
    ``duplicate`` = sum(n_receptions - 1), so the counts sum to ``len(receptions)``.

    Examples
    --------
    >>> from toyama_lab.lorawan.columnar.encode import encode_batch
    >>> from toyama_lab.lorawan.columnar.status import status_counts
    >>> from toyama_lab.lorawan.keys import KeyStore
    >>> ks = KeyStore.from_records(
    ...     [{"dev_addr": "26011BDA", "nwk_s_key": "00" * 16, "app_s_key": "11" * 16}]
    ... )
    >>> phy = encode_batch([0x26011BDA] * 2, [1, 2], [13, 13], [b"\\x00\\x05", b"\\x00\\x07"], ks)
    >>> rx = pl.DataFrame({"phy_payload": pl.concat([phy, phy[1:]])})  # frame 2 heard twice
    >>> out = decode_batch(rx, ks)
    >>> out.select("dev_addr", "fcnt", "status", "n_receptions", "codec", "rain_rain_mm").rows()
    [('26011BDA', 1, 'ok', 1, 'rain', 0.5), ('26011BDA', 2, 'ok', 2, 'rain', 0.7)]
    >>> status_counts(out).rows()
    [('ok', 2), ('duplicate', 1)]
    """
    frames = collapse(check_receptions(receptions))
    h = read_headers(frames["phy_payload"])
    status, decided = structural_status(h)
    table = key_table(keys)
    dev = lookup_devices(h, table)
    unknown = (dev < 0) & ~decided
    if unknown.any():
        status[unknown] = code("unknown_device")
        decided |= unknown
    v = verify_data_frames(h, status, decided, dev, table, last_fcnt)
    plain, has_plain = decrypt_payloads(h, v, dev, table)
    joins = decode_joins(keys, h, status)
    mac = assemble(h, status, v, joins, plain, has_plain, frames["phy_payload"], table, dev)
    parts = [mac, joins.columns, frames.drop("_first")]
    if decode_payloads:
        device_codec = np.append(table.codec, -1)[dev]  # dev -1 (unknown) -> no codec
        codec = choose_codecs(h.fport, has_plain, device_codec)
        parts.append(decode_payload_columns(mac["frm_payload"], codec))
    out = pl.concat(parts, how="horizontal")
    assert out.schema == _SCHEMAS[bool(decode_payloads)], "decoded table drifted from its schema"
    return out
