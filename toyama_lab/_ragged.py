"""Ragged (CSR) slices as flat arrays: the expansion step shared by the radio's pair searches."""

from __future__ import annotations

import numpy as np

__all__ = ["expand", "items"]


def expand(begin: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten the slices ``begin[i] : begin[i] + counts[i]``.

    Parameters
    ----------
    begin, counts : numpy.ndarray of int, shape (k,)
        Start and length of each slice (lengths >= 0).

    Returns
    -------
    tuple of numpy.ndarray of int64
        ``(owner, item)``: for every element of every slice, in slice order, the slice
        number ``i`` and the element's index ``begin[i] + j``.

    Examples
    --------
    >>> owner, item = expand(np.array([10, 0, 5]), np.array([2, 0, 3]))
    >>> owner.tolist(), item.tolist()
    ([0, 0, 2, 2, 2], [10, 11, 5, 6, 7])
    """
    return np.repeat(np.arange(begin.size), counts), items(begin, counts)


def items(begin: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ``item`` half of :func:`expand`: ``begin[i] + j`` for every element, int64.

    Examples
    --------
    >>> items(np.array([10, 0, 5]), np.array([2, 0, 3])).tolist()
    [10, 11, 5, 6, 7]
    """
    item = np.arange(int(counts.sum()), dtype=np.int64)
    item += np.repeat(begin - (np.cumsum(counts) - counts), counts)
    return item
