"""Dask arrays, one per variable, over a layer of tasks that each return several variables.

The generators simulate every variable of a (sensor block, day block) in one task, which
returns ``{variable name: 2-D block}``. :func:`block_arrays` turns such a layer into one
lazy :class:`dask.array.Array` per variable; each array's graph is the shared task layer
plus its own ``getitem`` layer, so the simulation runs once when several variables are
computed together, and any one variable can also be computed alone.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

import dask.array as da
from dask.highlevelgraph import HighLevelGraph

__all__ = ["block_arrays"]


def block_arrays(
    name: str,
    layer: Mapping[tuple[str, int, int], Any],
    chunks: tuple[tuple[int, ...], tuple[int, ...]],
    dtypes: Mapping[str, Any],
    suffix: str,
) -> dict[str, da.Array]:
    """One dask array per variable over a layer of multi-variable block tasks.

    Parameters
    ----------
    name : str
        Name of ``layer``; its keys are ``(name, i, j)`` for every row block ``i`` and
        column block ``j``.
    layer : mapping
        Dask tasks; each returns a mapping ``{variable: 2-D array}`` holding every
        variable of ``dtypes`` for its block.
    chunks : tuple of two tuples of int
        Block sizes along the two dimensions (rows, columns).
    dtypes : mapping
        ``{variable: dtype}``, in the order the arrays are returned.
    suffix : str
        The array of ``variable`` is named ``f"{variable}-{suffix}"`` (make it unique
        to the inputs, e.g. a dask token).

    Returns
    -------
    dict of str to dask.array.Array
        One lazy array per variable, shape ``(sum(chunks[0]), sum(chunks[1]))``.
    """
    n_i, n_j = len(chunks[0]), len(chunks[1])
    layer = dict(layer)
    out = {}
    for var, dtype in dtypes.items():
        key = f"{var}-{suffix}"
        pick = {
            (key, i, j): (operator.getitem, (name, i, j), var)
            for i in range(n_i)
            for j in range(n_j)
        }
        graph = HighLevelGraph({name: layer, key: pick}, {name: set(), key: {name}})
        out[var] = da.Array(graph, key, chunks, dtype=dtype)
    return out
