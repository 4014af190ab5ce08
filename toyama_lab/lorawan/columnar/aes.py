"""AES-128 and AES-CMAC over many blocks and many keys at once.

LoRaWAN 1.0.x needs two primitives: AES-128 in ECB mode over counter blocks
(the ``A_i`` blocks that encrypt FRMPayload, LoRaWAN 1.0.4 §4.3.3) and
AES-CMAC (RFC 4493) for the MIC (§4.4). Both are done here on whole arrays:

* rows are sorted so that all rows of one key are contiguous (a *group*);
* :class:`GroupedECB` runs **one** OpenSSL ECB call per group over all of that
  group's blocks (``cryptography``'s ``Cipher(AES(key), ECB())``);
* :func:`cmac` walks the CBC-MAC chain of every row in lock-step: round ``i``
  enciphers the ``i``-th block of every row with one ECB call per group.

The Python loops run over keys (devices) and block rounds, never over frames.

References
----------
.. [1] RFC 4493, "The AES-CMAC Algorithm", 2006 (subkeys §2.3, tag §2.4).
.. [2] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020, §4.3.3 and §4.4.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["CipherCache", "cmac", "cmac_subkeys", "ecb_by_group"]

#: The constant R_128 of RFC 4493 §2.3 (x^128 + x^7 + x^2 + x + 1 -> 0x87).
_RB = 0x87


class CipherCache:
    """AES-128-ECB encryptors for a list of keys, created on first use.

    An ECB encryptor keeps no state between calls, so one encryptor per key
    serves every block of every frame of that key.

    Parameters
    ----------
    keys : sequence of bytes
        16-byte keys; a group number is an index into this list.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        self._keys = keys
        self._enc: dict[int, object] = {}
        # CMAC subkeys K1, K2 by group (RFC 4493 §2.3), computed on first use
        self._k1 = np.zeros((len(keys), 16), dtype=np.uint8)
        self._k2 = np.zeros((len(keys), 16), dtype=np.uint8)
        self._has_subkeys = np.zeros(len(keys), dtype=bool)

    def encryptor(self, group: int):
        enc = self._enc.get(group)
        if enc is None:
            enc = Cipher(algorithms.AES(bytes(self._keys[group])), modes.ECB()).encryptor()
            self._enc[group] = enc
        return enc


def _spans(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop rows of the runs of equal values in a sorted array."""
    change = np.flatnonzero(group[1:] != group[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(group)]])
    return starts, stops


class _Runs:
    """The runs of equal groups of a sorted ``group`` array and their encryptors.

    Built once, used for every block round of a CMAC (the Python work per run
    is then one bound-method call).
    """

    def __init__(
        self,
        cache: CipherCache,
        group: np.ndarray,
        spans: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        starts, stops = _spans(group) if spans is None else spans
        self.n = len(group)
        self.calls = list(
            zip(
                [cache.encryptor(g).update_into for g in group[starts].tolist()],
                (starts * 16).tolist(),
                (stops * 16).tolist(),
                strict=True,
            )
        )

    def encrypt(self, blocks: np.ndarray) -> np.ndarray:
        """Encipher the ``(n, 16)`` rows of ``blocks``, each with the key of its run."""
        blocks = np.ascontiguousarray(blocks, dtype=np.uint8)
        out = np.empty(self.n * 16 + 16, dtype=np.uint8)  # update_into wants one spare block
        if self.n == 0:
            return out[:0].reshape(0, 16)
        src = memoryview(blocks.reshape(-1))
        dst = memoryview(out)
        for update_into, a, b in self.calls:
            update_into(src[a:b], dst[a:])
        return out[: self.n * 16].reshape(self.n, 16)


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
    return _Runs(cache, np.asarray(group), spans).encrypt(blocks)


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
        cache._k1[todo] = k1
        cache._k2[todo] = _double(k1)
        cache._has_subkeys[todo] = True
    return cache._k1[groups], cache._k2[groups]


def cmac(
    cache: CipherCache,
    messages: np.ndarray,
    lengths: np.ndarray,
    group: np.ndarray,
    *,
    clean: bool = False,
) -> np.ndarray:
    """AES-CMAC tags of many messages at once (RFC 4493).

    Parameters
    ----------
    cache : CipherCache
        Encryptors by group.
    messages : numpy.ndarray of uint8, shape (n, width)
        Row ``i`` holds message ``i`` in its first ``lengths[i]`` bytes.
        ``width`` must be a multiple of 16 with room for the padding byte
        (``width >= 16 * (lengths // 16 + 1)``).
    lengths : numpy.ndarray of int
        Message lengths [bytes].
    group : numpy.ndarray of int
        Key (group) of each row, sorted so that each group is contiguous.
    clean : bool
        True when the bytes after each message are already zero and
        ``messages`` may be modified in place (saves a copy).

    Returns
    -------
    numpy.ndarray of uint8, shape (n, 16)
        The full 16-byte tags (LoRaWAN keeps the first 4 bytes).

    Notes
    -----
    Rows whose chain has ended keep their state while longer rows go on; the
    subkey (K1 for a complete last block, K2 after 10* padding, RFC 4493 §2.4)
    is XORed in the round of each row's last block.
    """
    n, width = messages.shape
    if n == 0:
        return np.zeros((0, 16), dtype=np.uint8)
    lengths = np.asarray(lengths, dtype=np.int64)
    if width % 16 or width < 16 * int(np.max(lengths // 16 + 1)):
        raise ValueError(
            f"messages must be a multiple of 16 bytes wide with room for the CMAC padding "
            f"byte: width {width} is too small for messages of {int(lengths.max())} bytes"
        )
    new = np.ones(n, dtype=bool)
    new[1:] = group[1:] != group[:-1]
    inverse = np.cumsum(new) - 1  # rank of each row's group among the groups present
    k1, k2 = cmac_subkeys(cache, group[new])
    n_blocks = np.maximum(1, (lengths + 15) // 16)
    complete = (lengths > 0) & (lengths % 16 == 0)
    if clean:
        m = messages
    else:
        m = messages.copy()
        m *= np.arange(width, dtype=np.int32) < lengths.astype(np.int32)[:, None]
    incomplete = np.flatnonzero(~complete)
    m.reshape(-1)[incomplete * width + lengths[incomplete]] = 0x80
    key_block = np.concatenate([k1, k2])[inverse + len(k1) * (~complete)]
    last = n_blocks - 1
    blocks = m.reshape(n, width // 16, 16)
    state = np.zeros((n, 16), dtype=np.uint8)
    runs = _Runs(cache, group)
    lo, hi = int(n_blocks.min()), int(n_blocks.max())
    for i in range(hi):
        x = state ^ blocks[:, i]
        if i == hi - 1 and lo == hi:
            x ^= key_block
        elif i >= lo - 1:
            x ^= key_block * (last == i)[:, None]
        out = runs.encrypt(x)
        if i < lo:
            state = out
        else:
            np.copyto(state, out, where=(n_blocks > i)[:, None])
    return state
