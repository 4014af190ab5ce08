"""Whole-column LoRaWAN decoding and encoding: the public names.

:func:`decode_batch` turns a table of gateway receptions into one row per
distinct frame with the fixed columns of :data:`DECODED_SCHEMA`
(``docs/decoded-schema.md``); :func:`encode_batch` builds uplinks for whole
columns; :func:`status_counts` counts frames per status (:data:`STATUSES`).
The work is done stage by stage in :mod:`toyama_lab.lorawan.columnar`; this
module only gives those functions their stable, public home.

Examples
--------
>>> from toyama_lab.lorawan.keys import KeyStore
>>> ks = KeyStore.from_records(
...     [{"dev_addr": "26011BDA", "nwk_s_key": "00" * 16, "app_s_key": "11" * 16}]
... )
>>> phy = encode_batch([0x26011BDA], [7], [11], [b"\\x00\\x2a"], ks)
>>> out = decode_batch(pl.DataFrame({"phy_payload": phy}), ks)
>>> out.select("status", "fcnt", "codec", "pedestrian_count").row(0)
('ok', 7, 'pedestrian', 42)
>>> out.schema == pl.Schema(DECODED_SCHEMA)
True
"""

from __future__ import annotations

import polars as pl  # noqa: F401  (used by the examples)

from toyama_lab.lorawan.columnar.decode import decode_batch
from toyama_lab.lorawan.columnar.encode import MAX_FRM_PAYLOAD, MAX_MAC_PAYLOAD, encode_batch
from toyama_lab.lorawan.columnar.payloads import PAYLOAD_SCHEMA
from toyama_lab.lorawan.columnar.schema import DECODED_SCHEMA, FRAME_SCHEMA
from toyama_lab.lorawan.columnar.status import MTYPE_NAMES, STATUSES, status_counts

__all__ = [
    "DECODED_SCHEMA",
    "FRAME_SCHEMA",
    "MAX_FRM_PAYLOAD",
    "MAX_MAC_PAYLOAD",
    "MTYPE_NAMES",
    "PAYLOAD_SCHEMA",
    "STATUSES",
    "decode_batch",
    "encode_batch",
    "status_counts",
]
