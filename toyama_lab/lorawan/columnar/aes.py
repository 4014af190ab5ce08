"""AES-128 and AES-CMAC over many blocks and many keys at once.

LoRaWAN 1.0.x needs two primitives: AES-128 in ECB mode over counter blocks
(the ``A_i`` blocks that encrypt FRMPayload, LoRaWAN 1.0.4 §4.3.3 [2]_) and
AES-CMAC (RFC 4493 [1]_) for the MIC (§4.4). Both are done here on whole arrays:

* rows are sorted so that all rows of one key are contiguous (a *group*);
* :class:`GroupedECB` runs **one** OpenSSL ECB call per group over all of that
  group's blocks (``cryptography``'s ``Cipher(AES(key), ECB())``);
* :func:`cmac` walks the CBC-MAC chain of every row in lock-step: round ``i``
  enciphers the ``i``-th block of every row with one ECB call per group,
  written in place (no per-round copies of finished rows).

The Python loops run over keys (devices) and block rounds, never over frames.

References
----------
.. [1] RFC 4493, "The AES-CMAC Algorithm", 2006 (subkeys §2.3, tag §2.4).
.. [2] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020, §4.3.3 and §4.4.
"""

from __future__ import annotations

import operator
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "CipherCache",
    "block_major",
    "cmac",
    "cmac_blocks",
    "cmac_subkeys",
    "ecb_by_group",
    "ecb_runs",
    "run_spans",
]

#: The constant R_128 of RFC 4493 §2.3 (x^128 + x^7 + x^2 + x + 1 -> 0x87).
_RB = 0x87

#: Row ``r`` (0..16): 16 bytes, the first ``r`` 0xFF (the bytes a last block keeps) ...
_KEEP = ((np.arange(16) < np.arange(17)[:, None]) * 0xFF).astype(np.uint8).view("<u8")
#: ... and its 10* padding (RFC 4493 §2.4): 0x80 at byte ``r`` when ``r < 16``.
_PAD = (np.eye(17, 16, dtype=np.uint8) * 0x80).view("<u8")


class CipherCache:
    """AES-128-ECB encryptors for a list of keys, made on first use, lent to one call at a time.

    An ECB encryptor keeps no state between calls, so one encryptor per key
    serves every block of every frame of that key. It must not serve two threads at
    once: ``cryptography`` (44 and later) releases the GIL while it enciphers 2 KiB or
    more, and an encryptor used by two threads at once then raises
    ``RuntimeError: Already borrowed`` (the network road runs two blocks of days at
    once on the same devices' keys). So the encryptors come in sets, and a call has a
    set to itself (:meth:`lend`): a free one, or a new one when every set is out.
    Threads that take turns share one set, whose encryptors are made once: making one
    takes about 9 microseconds with the GIL held, so a city's 7,106 session keys take
    some 60 ms for every set.

    Parameters
    ----------
    keys : sequence of bytes
        16-byte keys; a group number is an index into this list.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        self._keys = keys
        self._free: list[_Updaters] = []  # sets not lent now
        self._lock = threading.Lock()
        # CMAC subkeys K1, K2 by group (RFC 4493 §2.3), computed on first use, and what a
        # last block of r = 0..16 message bytes is XORed with: its 10* padding and K2, or K1
        # for a complete block (RFC 4493 §2.4), as one table row per (group, r)
        self._k1 = np.zeros((len(keys), 16), dtype=np.uint8)
        self._k2 = np.zeros((len(keys), 16), dtype=np.uint8)
        self._last = np.zeros((len(keys), 17, 16), dtype=np.uint8)
        self._has_subkeys = np.zeros(len(keys), dtype=bool)

    @contextmanager
    def lend(self) -> Iterator[_Updaters]:
        """A set of encryptors for the calling code alone until the block ends.

        The set maps a group number to the bound ``update_into`` of that key's encryptor
        (made on first use); its ``of(groups)`` looks up many at once.

        Examples
        --------
        >>> cache = CipherCache([bytes(16), bytes(range(16))])
        >>> out = bytearray(32)
        >>> with cache.lend() as enc:
        ...     n = enc.of([1])[0](bytes(16), out)
        >>> n, out[:4].hex()
        (16, 'c6a13b37')
        """
        with self._lock:
            mine = self._free.pop() if self._free else _Updaters(self._keys)
        try:
            yield mine
        finally:
            with self._lock:
                self._free.append(mine)


class _Updaters(dict):
    """Bound ``update_into`` of one set of encryptors by group, each made on first use."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        super().__init__()
        self._keys = keys

    def __missing__(self, group: int):
        enc = Cipher(algorithms.AES(bytes(self._keys[group])), modes.ECB()).encryptor()
        self[group] = enc.update_into
        return enc.update_into

    def of(self, groups: Sequence[int]) -> list:
        """The ``update_into`` of the encryptor of each of ``groups``."""
        return list(map(self.__getitem__, groups))


def run_spans(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop rows of the runs of equal values in a sorted array.

    Examples
    --------
    >>> [a.tolist() for a in run_spans(np.array([4, 4, 7, 9, 9, 9]))]
    [[0, 2, 3], [2, 3, 6]]
    """
    change = np.flatnonzero(group[1:] != group[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(group)]])
    return starts, stops


class _Runs:
    """The runs of equal groups of a sorted ``group`` array and their encryptors.

    Built once, used for every block round of a CMAC (the Python work per run
    is then one bound-method call), while ``enc`` (:meth:`CipherCache.lend`) is lent.
    """

    def __init__(
        self,
        enc: _Updaters,
        group: np.ndarray,
        spans: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        starts, stops = run_spans(group) if spans is None else spans
        self._set(enc, group[starts], starts, stops, len(group))

    @classmethod
    def from_runs(
        cls,
        enc: _Updaters,
        run_group: np.ndarray,
        starts: np.ndarray,
        stops: np.ndarray,
        n: int,
    ) -> _Runs:
        """Runs given directly: rows ``starts[k]:stops[k]`` (of ``n``) use ``run_group[k]``."""
        runs = cls.__new__(cls)
        runs._set(enc, run_group, starts, stops, n)
        return runs

    def _set(self, enc, run_group, starts, stops, n) -> None:
        self.n = n
        self.groups = np.asarray(run_group)
        self.funcs = enc.of(self.groups.tolist())
        self.starts = (np.asarray(starts) * 16).tolist()
        self.stops = (np.asarray(stops) * 16).tolist()

    def encrypt_into(self, src: np.ndarray, dst: np.ndarray) -> None:
        """Encipher the first ``n`` rows of ``src`` into ``dst`` (both C-contiguous uint8).

        ``dst`` must have at least ``n + 1`` rows of 16 bytes: OpenSSL's
        ``update_into`` asks for one spare block after the output.
        """
        self.bind(src, dst)()

    def bind(self, src: np.ndarray, dst: np.ndarray):
        """A function that enciphers ``src`` into ``dst`` (as :meth:`encrypt_into`).

        The buffer slices are made once (by ``map``, without a Python loop body), so a
        CMAC round that reuses the same two arrays costs one OpenSSL call per run and
        nothing else.
        """
        s = memoryview(src.reshape(-1))
        d = memoryview(dst.reshape(-1))
        srcs = list(map(s.__getitem__, map(slice, self.starts, self.stops)))
        dsts = list(map(d.__getitem__, map(slice, self.starts, repeat(None))))
        funcs = self.funcs

        def run() -> None:
            deque(map(operator.call, funcs, srcs, dsts), maxlen=0)

        return run

    def encrypt(self, blocks: np.ndarray) -> np.ndarray:
        """Encipher the ``(n, 16)`` rows of ``blocks``, each with the key of its run."""
        blocks = np.ascontiguousarray(blocks, dtype=np.uint8)
        out = np.empty((self.n + 1, 16), dtype=np.uint8)
        if self.n:
            self.encrypt_into(blocks, out)
        return out[: self.n]


def ecb_by_group(
    cache: CipherCache,
    blocks: np.ndarray,
    group: np.ndarray,
    spans: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Encipher each row of ``blocks`` (``(n, 16)`` uint8) with the key of its group.

    ``group`` must be sorted (equal groups contiguous); each run of equal
    groups is one OpenSSL call. ``spans`` (start and stop rows of the runs)
    may be passed to reuse them across calls on the same groups.
    """
    if len(group) == 0:
        return np.zeros((0, 16), dtype=np.uint8)
    with cache.lend() as enc:
        return _Runs(enc, np.asarray(group), spans).encrypt(blocks)


def ecb_runs(
    cache: CipherCache,
    blocks: np.ndarray,
    run_group: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
) -> np.ndarray:
    """Encipher rows ``starts[k]:stops[k]`` of ``(n, 16)`` ``blocks`` with group ``run_group[k]``.

    One OpenSSL call per run; the runs must not overlap. Rows outside every
    run are left as garbage in the result. Unlike :func:`ecb_by_group` no
    per-row group array is needed (useful when a run holds many blocks of
    each of its rows).

    Examples
    --------
    >>> cache = CipherCache([bytes(16), bytes(range(16))])
    >>> out = ecb_runs(cache, np.zeros((3, 16), np.uint8), np.array([1, 0]), np.array([0, 2]),
    ...                np.array([2, 3]))
    >>> bool((out[0] == out[1]).all()), bool((out[0] == out[2]).all())
    (True, False)
    """
    blocks = np.ascontiguousarray(blocks, dtype=np.uint8)
    n = len(blocks)
    out = np.empty((n + 1, 16), dtype=np.uint8)
    if n and len(run_group):
        with cache.lend() as enc:
            _Runs.from_runs(enc, run_group, starts, stops, n).encrypt_into(blocks, out)
    return out[:n]


def _double(x: np.ndarray) -> np.ndarray:
    """Multiply by x in GF(2^128), big-endian rows (RFC 4493 §2.3)."""
    carry = x >> 7
    y = (x << 1).astype(np.uint8)
    y[:, :-1] |= carry[:, 1:]
    y[:, -1] ^= (carry[:, 0] * _RB).astype(np.uint8)
    return y


def cmac_subkeys(cache: CipherCache, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subkeys K1 and K2 of the keys of ``groups`` (sorted, unique), shape ``(len, 16)``.

    Subkeys depend only on the key, so each is computed once per cache.
    """
    groups = np.asarray(groups, dtype=np.int64)
    todo = groups[~cache._has_subkeys[groups]]
    if len(todo):
        ell = ecb_by_group(cache, np.zeros((len(todo), 16), dtype=np.uint8), todo)
        k1 = _double(ell)
        k2 = _double(k1)
        cache._k1[todo] = k1
        cache._k2[todo] = k2
        last = np.repeat(k2[:, None, :], 17, axis=1)
        last[:, 16] = k1
        cache._last[todo] = last ^ _PAD.view(np.uint8)
        cache._has_subkeys[todo] = True
    return cache._k1[groups], cache._k2[groups]


def cmac(
    cache: CipherCache,
    messages: np.ndarray,
    lengths: np.ndarray,
    group: np.ndarray,
) -> np.ndarray:
    """AES-CMAC tags of many messages at once (RFC 4493).

    Parameters
    ----------
    cache : CipherCache
        Encryptors by group.
    messages : numpy.ndarray of uint8, shape (n, width)
        Row ``i`` holds message ``i`` in its first ``lengths[i]`` bytes; the
        bytes after it are never read into the tag (they may hold anything).
        ``width`` must be a multiple of 16 of at least ``16 * ceil(lengths / 16)``.
    lengths : numpy.ndarray of int
        Message lengths [bytes].
    group : numpy.ndarray of int
        Key (group) of each row, sorted so that each group is contiguous.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, 16)
        The full 16-byte tags (LoRaWAN keeps the first 4 bytes).

    Notes
    -----
    The messages are laid out block by block (:func:`cmac_blocks` does the work).
    """
    n, width = messages.shape
    lengths = np.asarray(lengths, dtype=np.int64)
    if n and (width % 16 or width < 16 * int(np.max((lengths + 15) // 16))):
        raise ValueError(
            f"messages must be a multiple of 16 bytes wide and hold every message: "
            f"width {width} is too small for messages of {int(lengths.max())} bytes"
        )
    return cmac_blocks(cache, block_major(messages), lengths, group)


def block_major(messages: np.ndarray) -> np.ndarray:
    """``(n, width)`` bytes -> ``(width // 16, n, 16)``: block ``i`` of every row, contiguous.

    The transposition moves whole 16-byte blocks (viewed as one complex128 each),
    several times faster than moving bytes.

    Examples
    --------
    >>> block_major(np.arange(64, dtype=np.uint8).reshape(2, 32))[1, 0, :3]
    array([16, 17, 18], dtype=uint8)
    """
    n, width = messages.shape
    m = np.ascontiguousarray(messages, dtype=np.uint8)
    blocks = m.view(np.complex128) if n and width else m.reshape(n, width // 16, 16)
    return (
        np.ascontiguousarray(blocks.reshape(n, width // 16, -1).swapaxes(0, 1))
        .view(np.uint8)
        .reshape(width // 16, n, 16)
    )


def cmac_blocks(
    cache: CipherCache,
    blocks: np.ndarray,
    lengths: np.ndarray,
    group: np.ndarray,
) -> np.ndarray:
    """AES-CMAC tags of many messages given block by block; ``blocks`` is overwritten.

    Parameters
    ----------
    cache : CipherCache
        Encryptors by group.
    blocks : numpy.ndarray of uint8, shape (rounds, n, 16), C-contiguous
        ``blocks[i, k]`` is the ``i``-th 16-byte block of message ``k`` (bytes
        past the message's end may hold anything); ``rounds`` is at least the
        block count of the longest message. Modified in place.
    lengths : numpy.ndarray of int
        Message lengths [bytes].
    group : numpy.ndarray of int
        Key (group) of each message, sorted so that each group is contiguous.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, 16)
        The full 16-byte tags.

    Notes
    -----
    The CBC-MAC chains of all messages advance in lock-step: round ``i`` XORs
    block ``i`` of every message into its state (one contiguous XOR) and
    enciphers all states with one OpenSSL ECB call per group, writing the new
    states in place. Before the rounds, the last block of every message is
    padded (10*, RFC 4493 §2.4) and XORed with its subkey (K1 for a complete
    block, K2 otherwise). Later rounds encipher the stale state of a finished
    message for nothing (cheaper than splitting the OpenSSL calls); the states
    after round ``i`` are kept in place of block ``i``, so every tag is then
    read with one gather.
    """
    rounds, n, _ = blocks.shape
    if n == 0:
        return np.zeros((0, 16), dtype=np.uint8)
    lengths = np.asarray(lengths, dtype=np.int64)
    last = (np.maximum(lengths, 1) - 1) >> 4  # index of each message's last block
    most = int(last.max()) + 1
    if rounds < most:
        raise ValueError(
            f"{rounds} block rounds cannot hold messages of {int(lengths.max())} bytes"
        )
    group = np.asarray(group)
    spans = run_spans(group)
    cmac_subkeys(cache, group[spans[0]])  # (lends a set of its own the first time)
    rem = lengths - 16 * last  # bytes in the last block, 0..16
    # 16-byte blocks moved as one complex128 each (fancy indexing per element, not per byte)
    flat = _as_c16(blocks.reshape(-1, 16))
    at = last * n + np.arange(n)
    tail = np.take(flat, at).view(np.uint8).reshape(n, 16)
    # keep the message bytes, then XOR its padding and subkey: one table row per length
    # (np.take: a chunked copy, faster than fancy indexing)
    tail64 = tail.view("<u8")
    tail64 &= np.take(_KEEP, rem, axis=0)
    tail64 ^= np.take(cache._last.view("<u8").reshape(-1, 2), 17 * group + rem, axis=0)
    flat[at] = _as_c16(tail)
    state = np.zeros((n + 1, 16), dtype=np.uint8)  # one spare row for update_into
    x = np.empty_like(state)
    with cache.lend() as enc:
        encipher = _Runs(enc, group, spans).bind(x, state)  # x -> state, in place, every round
        for i in range(most):
            np.bitwise_xor(state[:n], blocks[i], out=x[:n])
            encipher()
            # block i is read: it keeps the states after round i instead (one contiguous copy)
            blocks[i] = state[:n]
    # each message's tag: the state after its last round, where its last block was
    return np.take(flat, at).view(np.uint8).reshape(n, 16)


def _as_c16(rows: np.ndarray) -> np.ndarray:
    """A C-contiguous ``(n, 16)`` uint8 array viewed as ``n`` complex128 (no copy)."""
    return rows.view(np.complex128).reshape(-1)
