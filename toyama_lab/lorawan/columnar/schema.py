"""The decoded table's columns, fixed in advance (``docs/decoded-schema.md``).

:data:`DECODED_SCHEMA` is what ``decode_batch`` returns, in this order, for
every batch: the columns never depend on the bytes that arrived, nor on which
optional reception columns the input had, so the Parquet parts of two batches
concatenate. :data:`FRAME_SCHEMA` is the table without payload decoding
(``decode_payloads=False``).
"""

from __future__ import annotations

import polars as pl

from toyama_lab.lorawan.columnar.joins import JOIN_SCHEMA
from toyama_lab.lorawan.columnar.mac_commands import MAC_NAME_DTYPE
from toyama_lab.lorawan.columnar.payloads import PAYLOAD_SCHEMA
from toyama_lab.lorawan.columnar.receptions import COLLAPSED_SCHEMA

__all__ = ["DECODED_SCHEMA", "FRAME_SCHEMA", "MAC_SCHEMA"]

#: MAC-layer columns of a data frame (null where they do not apply; see the doc).
MAC_SCHEMA: dict[str, pl.DataType] = {
    "dev_addr": pl.String,
    "mtype": pl.String,
    "confirmed": pl.Boolean,
    "adr": pl.Boolean,
    "adr_ack_req": pl.Boolean,
    "ack": pl.Boolean,
    "class_b": pl.Boolean,
    "f_pending": pl.Boolean,
    "fopts_len": pl.UInt8,
    "fopts": pl.Binary,
    "mac_commands": pl.List(MAC_NAME_DTYPE),
    "fcnt16": pl.UInt16,
    "fcnt": pl.UInt32,
    "fport": pl.UInt8,
    "frm_payload": pl.Binary,
    "mic": pl.Binary,
    "mic_ok": pl.Boolean,
    "status": pl.String,
}

#: Columns of the decoded table without payload decoding.
FRAME_SCHEMA: dict[str, pl.DataType] = {
    **MAC_SCHEMA,
    **JOIN_SCHEMA,
    "phy_payload": pl.Binary,
    **COLLAPSED_SCHEMA,
}

#: Columns of the decoded table (``decode_batch`` with payload decoding, the default).
DECODED_SCHEMA: dict[str, pl.DataType] = {**FRAME_SCHEMA, **PAYLOAD_SCHEMA}
