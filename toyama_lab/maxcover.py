"""Greedy maximum coverage: pick the candidates that cover the most items.

Shared by the disaster workbooks (where one more gateway wins back the most lost sensor
time, :func:`toyama_lab.disaster.coverage.greedy_sites`) and the child-safety workbooks
(patrol points that see the most children's fixes,
:func:`toyama_lab.childsafety.patrol.choose_patrol_points`). Both pass a boolean ``(item x
candidate)`` cover matrix; the loop runs over picks, each a matrix-vector product. The
greedy choice reaches at least 1 - 1/e of the best coverage [1]_.

References
----------
.. [1] G. L. Nemhauser, L. A. Wolsey, M. L. Fisher (1978), "An analysis of approximations
   for maximizing submodular set functions - I", Mathematical Programming 14, 265-294
   (the greedy choice reaches at least 1 - 1/e of the best coverage).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["coverage_in_order", "greedy_max_coverage"]


def greedy_max_coverage(cover, k: int, weights=None) -> pl.DataFrame:
    """Greedy maximum coverage: pick ``k`` candidates, each adding the most uncovered weight.

    Parameters
    ----------
    cover : array_like of bool, shape (n_item, n_candidate)
        ``cover[i, j]``: candidate ``j`` covers item ``i``.
    k : int
        Number of candidates to pick (fewer if nothing more can be gained).
    weights : array_like, shape (n_item,), optional
        Value of each item (default 1 each), >= 0.

    Returns
    -------
    polars.DataFrame
        ``step`` (1..), ``candidate`` (column index), ``gain`` (weight newly covered),
        ``cumulative`` and ``share`` (cumulative / total weight, 0-1). Ties go to the lower
        index.

    Notes
    -----
    The greedy choice is within a factor 1 - 1/e of the best possible coverage
    (Nemhauser, Wolsey and Fisher 1978).

    Examples
    --------
    >>> c = [[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0]]
    >>> greedy_max_coverage(c, 2)["candidate"].to_list()
    [0, 1]
    """
    c = np.asarray(cover, dtype=bool)
    if c.ndim != 2:
        raise ValueError(f"cover must be a 2-D (item x candidate) array, got shape {c.shape}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k={k!r} must be a positive whole number of candidates to pick.")
    w = np.ones(c.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (c.shape[0],) or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError(
            f"weights must be {c.shape[0]} finite values >= 0 (one per item), got shape {w.shape}."
        )
    total = float(w.sum())
    left = w.copy()
    cf = c.astype(np.float64)
    rows = []
    cum = 0.0
    for step in range(1, int(k) + 1):  # loop over picks, not over items
        gains = left @ cf
        if gains.size == 0:  # no candidate at all: nothing to pick
            break
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        cum += float(gains[j])
        rows.append((step, j, float(gains[j]), cum, cum / total if total else 0.0))
        left[c[:, j]] = 0.0
    return _picks_frame(rows)


def coverage_in_order(cover, order) -> pl.DataFrame:
    """What a fixed pick order covers, step by step (no greedy choice, items count 1 each).

    The comparison case for :func:`greedy_max_coverage`: e.g. candidates ranked by how
    much each covers on its own, overlap ignored.

    Parameters
    ----------
    cover : array_like of bool, shape (n_item, n_candidate)
        ``cover[i, j]``: candidate ``j`` covers item ``i``.
    order : array_like of int
        Candidate column indices, in the order they are picked.

    Returns
    -------
    polars.DataFrame
        Same columns as :func:`greedy_max_coverage`: ``step`` (1..), ``candidate``,
        ``gain`` (items newly covered), ``cumulative`` and ``share`` (0-1 of all items).

    Raises
    ------
    ValueError
        If ``cover`` is not 2-D or an index in ``order`` is not a candidate column.

    Examples
    --------
    >>> c = [[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0]]
    >>> coverage_in_order(c, [2, 0])["gain"].to_list()
    [2.0, 1.0]
    """
    c = np.asarray(cover, dtype=bool)
    if c.ndim != 2:
        raise ValueError(f"cover must be a 2-D (item x candidate) array, got shape {c.shape}.")
    idx = np.asarray(order, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= c.shape[1]):
        raise ValueError(
            f"order has indices {idx.min()}..{idx.max()}; expected 0..{c.shape[1] - 1} "
            "(a column of cover)."
        )
    seen = np.zeros(c.shape[0], dtype=bool)
    rows = []
    for step, j in enumerate(idx, start=1):  # loop over picks, not over items
        gain = int((c[:, j] & ~seen).sum())
        seen |= c[:, j]
        rows.append((step, int(j), float(gain), float(seen.sum()), float(seen.mean())))
    return _picks_frame(rows)


def _picks_frame(rows: list[tuple]) -> pl.DataFrame:
    """The pick table of :func:`greedy_max_coverage` and :func:`coverage_in_order`."""
    return pl.DataFrame(
        rows,
        schema={
            "step": pl.Int64,
            "candidate": pl.Int64,
            "gain": pl.Float64,
            "cumulative": pl.Float64,
            "share": pl.Float64,
        },
        orient="row",
    )
