"""Score a cleaning against the truth: per-fault precision/recall and error vs clean values.

Scores are point-wise (one reading = one decision): for each fault kind, a reading is a
true positive when the rule flagged it and the truth's ``fault`` mask has the bit.

``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``,
``F1 = 2 P R / (P + R)`` (C. J. van Rijsbergen, *Information Retrieval*, 2nd ed., 1979,
ch. 7). The mean absolute error (MAE) compares readings with the synthetic clean truth
``<main>_true`` where both exist.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from toyama_lab.quality.loss import gap_mask
from toyama_lab.synth.variables import FAULT_BITS

__all__ = ["error_table", "score_flags"]

_DEFAULT_KINDS = ("gap", "stuck", "drift", "spike")


def _same_shape(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names} must have the same shape; got {a.shape} and {b.shape}.")


def score_flags(
    flags, truth_fault, kinds: Sequence[str] = _DEFAULT_KINDS, *, include_any: bool = True
) -> pl.DataFrame:
    """Precision, recall and F1 of rule flags against the truth's fault bits.

    Parameters
    ----------
    flags : array_like of uint8
        Bits set by the rules (:func:`toyama_lab.quality.clean.flag_all`).
    truth_fault : array_like of uint8
        The dataset's ``fault`` variable (same shape).
    kinds : sequence of str
        Fault kinds (keys of :data:`toyama_lab.synth.variables.FAULT_BITS`).
    include_any : bool, default True
        Add a row ``any``: any rule bit vs any truth bit among ``kinds``.

    Returns
    -------
    polars.DataFrame
        ``fault``, ``truth`` (readings with the bit), ``flagged``, ``tp``, ``fp``,
        ``fn``, ``precision``, ``recall``, ``f1`` (null where undefined).
    """
    f = np.asarray(flags)
    t = np.asarray(truth_fault)
    _same_shape(f, t, "flags and truth_fault")
    unknown = [k for k in kinds if k not in FAULT_BITS]
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; expected some of {list(FAULT_BITS)}.")
    bits = [FAULT_BITS[k] for k in kinds]
    names = list(kinds)
    if include_any:
        bits.append(int(np.bitwise_or.reduce(bits)) if bits else 0)
        names.append("any")
    b = np.asarray(bits, dtype=np.uint8)
    fl = (f.ravel()[None, :] & b[:, None]) != 0
    tr = (t.ravel()[None, :] & b[:, None]) != 0
    tp = (fl & tr).sum(axis=1)
    fp = (fl & ~tr).sum(axis=1)
    fn = (~fl & tr).sum(axis=1)
    table = pl.DataFrame(
        {
            "fault": names,
            "truth": tr.sum(axis=1).astype(np.int64),
            "flagged": fl.sum(axis=1).astype(np.int64),
            "tp": tp.astype(np.int64),
            "fp": fp.astype(np.int64),
            "fn": fn.astype(np.int64),
        }
    )
    p = pl.when(pl.col("flagged") > 0).then(pl.col("tp") / pl.col("flagged"))
    r = pl.when(pl.col("truth") > 0).then(pl.col("tp") / pl.col("truth"))
    table = table.with_columns(precision=p, recall=r)
    return table.with_columns(
        f1=pl.when(pl.col("precision") + pl.col("recall") > 0).then(
            2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall"))
        )
    )


def error_table(truth, **series) -> pl.DataFrame:
    """MAE and coverage of one or more versions of a series against the clean truth.

    Parameters
    ----------
    truth : array_like
        Clean truth (``<main>_true``).
    **series : array_like
        Named versions, e.g. ``raw=count, cleaned=cleaned``.

    Returns
    -------
    polars.DataFrame
        ``version``, ``coverage`` (share of readings with a value) [-], ``mae`` (mean
        absolute error where both have a value, in the variable's units) and
        ``max_abs_error``.

    Examples
    --------
    >>> error_table([1.0, 2.0, 3.0], raw=[1.0, 5.0, np.nan]).row(0)
    ('raw', 0.6666666666666666, 1.5, 3.0)
    """
    if not series:
        raise ValueError("give at least one series to score, e.g. error_table(truth, raw=x).")
    tv = np.asarray(truth)
    t = tv.astype(np.float64)
    t[gap_mask(tv)] = np.nan
    rows = []
    for name, s in series.items():  # a few named versions, each scored on whole arrays
        sv = np.asarray(s)
        _same_shape(sv, tv, f"{name!r} and truth")
        x = sv.astype(np.float64)
        x[gap_mask(sv)] = np.nan
        both = ~np.isnan(x) & ~np.isnan(t)
        err = np.abs(x[both] - t[both])
        rows.append(
            {
                "version": name,
                "coverage": float((~np.isnan(x)).mean()) if x.size else float("nan"),
                "mae": float(err.mean()) if err.size else float("nan"),
                "max_abs_error": float(err.max()) if err.size else float("nan"),
            }
        )
    return pl.DataFrame(rows)
