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

from toyama_lab.lorawan.codecs import REGISTRY, FixedCodec
from toyama_lab.lorawan.columnar.arrow_c import binary_buffer
from toyama_lab.lorawan.columnar.columns import gather_padded, sparse_column

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

    Notes
    -----
    The payloads to decode are copied once into one byte buffer. A codec of
    fixed-size fields (:class:`~toyama_lab.lorawan.codecs.FixedCodec`) reads
    its rows from there with numpy (:meth:`~toyama_lab.lorawan.codecs.FixedCodec.values`);
    the others (Cayenne LPP) decode their rows with ``decode_columns``. Every
    flat column, ``codec`` and ``payload_error`` are then placed at their rows
    in one polars ``select``.
    """
    n = len(frm_payload)
    codec = np.asarray(codec, dtype=np.int64)
    used = np.flatnonzero(codec >= 0)
    # (a fixed codec reads only rows of its own length: no window runs past a row)
    buf, start, length, is_null = binary_buffer(frm_payload.gather(used))
    data: dict[str, np.ndarray | pl.Series] = {"_codec": codec}
    shown: dict[str, tuple[str, pl.DataType]] = {}  # output column -> (mask, dtype)
    nested: dict[str, pl.Series] = {}
    message = np.full(n, -1, dtype=np.int64)  # each row's error: an index into ``messages``
    messages: list[str] = []
    for k in np.unique(codec[used]).tolist():
        at = np.flatnonzero(codec[used] == k)  # positions among ``used``
        rows = used[at]
        c = CODECS[k]
        if isinstance(c, FixedCodec):
            ok = (length[at] == c.length) & ~is_null[at]
            mat = gather_padded(buf, start[at[ok]], length[at[ok]], c.length, padded=True)
            mask = np.zeros(n, dtype=bool)
            mask[rows[ok]] = True
            data[f"_ok_{k}"] = mask
            for name, values in c.values(mat).items():
                full = np.zeros(n, dtype=values.dtype)
                full[rows[ok]] = values
                column = f"{c.name}_{name}"
                data[column] = full
                shown[column] = (f"_ok_{k}", c.decoded_dtypes[name])
            if not ok.all():
                message[rows[~ok]] = len(messages)
                messages.append(f"{c.name}: expected {c.length} bytes")
        else:
            dec = c.decode_columns(frm_payload.gather(rows))
            for column in dec.columns:
                if column != "payload_error":
                    nested[column] = sparse_column(n, rows, dec[column], PAYLOAD_SCHEMA[column])
            errors = dec["payload_error"]
            bad = np.flatnonzero(errors.is_not_null().to_numpy())
            if len(bad):
                text, index = np.unique(errors.gather(bad).to_numpy(), return_inverse=True)
                message[rows[bad]] = len(messages) + index
                messages += text.tolist()
    data["_message"] = message
    exprs = []
    for column, dtype in PAYLOAD_SCHEMA.items():
        if column == "codec":
            name = pl.lit(_CODEC_NAMES).gather(pl.col("_codec").clip(0))
            exprs.append(pl.when(pl.col("_codec") >= 0).then(name).alias(column))
        elif column == "payload_error":
            text = pl.lit(pl.Series(messages or [""], dtype=pl.String))
            found = text.gather(pl.col("_message").clip(0))
            exprs.append(pl.when(pl.col("_message") >= 0).then(found).alias(column))
        elif column in shown:
            mask, dtype = shown[column]
            exprs.append(pl.when(pl.col(mask)).then(pl.col(column).cast(dtype)).alias(column))
        elif column not in nested:  # a codec no frame of this batch uses
            exprs.append(pl.lit(None, dtype=dtype).alias(column))
    out = pl.DataFrame(data).select(exprs)
    for column, values in sorted(nested.items(), key=lambda kv: list(PAYLOAD_SCHEMA).index(kv[0])):
        out.insert_column(list(PAYLOAD_SCHEMA).index(column), values.alias(column))
    return out


_CODEC_NAMES = pl.Series([c.name for c in CODECS], dtype=pl.String)
