"""Frame statuses of the decoded table, and their counts.

Status of a frame (column ``status``)
-------------------------------------
``ok``; ``bad_mic``; ``replay`` (MIC good, FCnt equal to or up to
MAX_FCNT_GAP below the last accepted one of that device); ``fcnt_gap`` (MIC
good with the forward counter, but more than MAX_FCNT_GAP = 16384 ahead);
``unknown_device`` (no session keys for the DevAddr, or no AppKey for the
DevEUI of a join-request); ``join_request``, ``join_accept``,
``join_accept:no_app_key``, ``join_accept:mic_mismatch`` (see
:mod:`toyama_lab.lorawan.columnar.joins`); ``proprietary``; ``missing_payload``
(a reception without bytes, e.g. an ingest error); ``malformed:<reason>`` with
reason ``empty``, ``too_short``, ``too_long`` (over 255 bytes, or a join frame
longer than its fixed size: the cases where
:func:`toyama_lab.lorawan.frames.parse` raises ``TooLongError``),
``bad_major``, ``bad_mtype``, ``fopts_overflow``, ``fopts_with_port0``. A row
without a frame (``missing_payload``, ``malformed:empty``) has null MAC
fields, ``mtype`` included, so counts by MType count frames only. MType, FCnt
and MIC are those of the LoRaWAN 1.0.4 specification [1]_.

Extra receptions of the same bytes are collapsed by the decoder and counted
by :func:`status_counts` as ``duplicate``, so that the counts add up to the
number of reception rows.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4.2.1 (MType,
   Table 1), §4.3.1.5 (FCnt), §4.4 (MIC).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["MTYPE_NAMES", "STATUSES", "code", "status_counts"]

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

#: Every value the decoder may put in ``status`` (plus ``duplicate`` in counts).
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

#: True for the ``malformed:*`` statuses, by status code.
IS_MALFORMED = np.array([s.startswith("malformed") for s in STATUSES])


def code(label: str) -> int:
    """Status code (index into :data:`STATUSES`) of ``label``.

    Examples
    --------
    >>> code("ok"), code("bad_mic")
    (0, 1)
    """
    return STATUSES.index(label)


def status_counts(result: pl.DataFrame) -> pl.DataFrame:
    """Count frames per status, plus ``duplicate`` for the extra receptions.

    Parameters
    ----------
    result : polars.DataFrame
        Output of :func:`toyama_lab.lorawan.columnar.decode.decode_batch`.

    Returns
    -------
    polars.DataFrame
        Columns ``status`` (str) and ``count`` (UInt32), largest first. The
        counts sum to the number of reception rows given to ``decode_batch``:
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
