"""Stage 6 of decoding: payload codecs, chosen per device, into columns fixed in advance.

Each frame whose MIC is good and whose FPort is 1..223 (the application
ports, LoRaWAN 1.0.4 §4.3.2 [1]_) is decoded with the codec of its device
when the device profile names one (:attr:`toyama_lab.lorawan.keys.SessionKeys.codec`,
as in ChirpStack and The Things Stack [2]_), otherwise with the codec
registered for its FPort (:data:`toyama_lab.lorawan.codecs.REGISTRY`). The
columns (:data:`PAYLOAD_SCHEMA`) are the same for every batch, whatever the
bytes: ``codec`` (the codec used), ``<codec>_<field>`` for every fixed-layout
codec, ``cayenne`` (a list of ``{channel, type_id, type, component, value}``
items) and ``payload_error``.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020, §4.3.2 (FPort 0
   for MAC commands, 1..223 application-specific, 224..255 reserved).
.. [2] ChirpStack v4 documentation, "Device profiles" (payload codec per
   device profile); The Things Stack v3 documentation, "Payload formatters"
   (per end device or application).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.lorawan.codecs import REGISTRY
from toyama_lab.lorawan.columnar.columns import sparse_column

__all__ = ["CODECS", "PAYLOAD_SCHEMA", "choose_codecs", "decode_payload_columns"]

#: The codecs of the decoded table, in registry order (index = codec number).
CODECS = tuple(REGISTRY.values())

#: Columns the payload stage adds, fixed whatever the bytes.
PAYLOAD_SCHEMA: dict[str, pl.DataType] = {
    "codec": pl.String,
    **{c: t for codec in CODECS for c, t in codec.decoded_schema().items()},
    "payload_error": pl.String,
}

_FIRST_APP_PORT, _LAST_APP_PORT = 1, 223
_BY_PORT = np.full(256, -1, dtype=np.int64)
for _k, _c in enumerate(CODECS):
    _BY_PORT[_c.fport] = _k


def choose_codecs(fport: np.ndarray, has_plain: np.ndarray, device_codec: np.ndarray) -> np.ndarray:
    """Codec number of each frame (-1: not decoded).

    Parameters
    ----------
    fport : numpy.ndarray of int
        FPort per frame (-1 without FPort).
    has_plain : numpy.ndarray of bool
        The frame's payload was decrypted (MIC good).
    device_codec : numpy.ndarray of int
        Codec number named by the frame's device profile, -1 for none.

    Examples
    --------
    >>> choose_codecs(np.array([13, 13, 0, 99]), np.ones(4, bool), np.array([-1, 0, 0, -1]))
    array([ 4,  0, -1, -1])
    """
    port = np.asarray(fport, dtype=np.int64)
    by_port = _BY_PORT[np.clip(port, 0, 255)]
    chosen = np.where(device_codec >= 0, device_codec, by_port)
    app = (port >= _FIRST_APP_PORT) & (port <= _LAST_APP_PORT) & has_plain
    return np.where(app, chosen, -1)


def decode_payload_columns(frm_payload: pl.Series, codec: np.ndarray) -> pl.DataFrame:
    """Decode every payload with its codec into the columns of :data:`PAYLOAD_SCHEMA`.

    Parameters
    ----------
    frm_payload : polars.Series
        Decrypted FRMPayloads (Binary).
    codec : numpy.ndarray of int
        Codec number per row (:func:`choose_codecs`); -1 rows stay null.

    Returns
    -------
    polars.DataFrame
        One row per input row, exactly :data:`PAYLOAD_SCHEMA`.
    """
    n = len(frm_payload)
    columns: dict[str, pl.Series] = {}
    decoded, errors = [], []
    for k in np.unique(codec[codec >= 0]).tolist():
        rows = np.flatnonzero(codec == k)
        dec = CODECS[k].decode_columns(frm_payload.gather(rows))
        decoded.append(rows)
        errors.append(dec["payload_error"])
        # every other column belongs to this codec alone: placed at its rows, null elsewhere
        for c in dec.columns:
            if c != "payload_error":
                columns[c] = sparse_column(n, rows, dec[c], PAYLOAD_SCHEMA[c])
    if decoded:
        rows = np.concatenate(decoded)
        columns["codec"] = sparse_column(n, rows, _CODEC_NAMES.gather(codec[rows]), pl.String)
        columns["payload_error"] = sparse_column(n, rows, pl.concat(errors), pl.String)
    for c, t in PAYLOAD_SCHEMA.items():
        if c not in columns:  # a codec no frame of this batch uses
            columns[c] = pl.repeat(None, n, dtype=t, eager=True)
    return pl.DataFrame([columns[c].alias(c) for c in PAYLOAD_SCHEMA])


_CODEC_NAMES = pl.Series([c.name for c in CODECS], dtype=pl.String)
