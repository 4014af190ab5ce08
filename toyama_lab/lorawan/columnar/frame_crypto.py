"""Frame cryptography and counters for whole columns (used by the decoder and encoder).

* :class:`KeyTable` - the session keys of a :class:`~toyama_lab.lorawan.keys.KeyStore`
  as arrays plus AES encryptors for every key
  (:class:`~toyama_lab.lorawan.columnar.aes.CipherCache`), kept as long as the KeyStore
  lives, and the codec each device profile names;
* :func:`frame_mic` - MICs of many frames (B0 | frame, AES-CMAC in lock-step);
* :func:`crypt_payload` - FRMPayload encryption/decryption (AES counter blocks);
* :func:`rebuild_fcnt32` - 32-bit frame counters, the common case in one cumulative sum.

The counter blocks A_i, the block B0 and the frame counters follow the LoRaWAN 1.0.4
specification [1]_.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4.3.1.5 (FCnt),
   §4.3.3 (FRMPayload encryption, blocks A_i), §4.4 (MIC, block B0).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from toyama_lab.lorawan.codecs import CODEC_NAMES
from toyama_lab.lorawan.columnar.aes import CipherCache, cmac_blocks, ecb_runs, run_spans
from toyama_lab.lorawan.columnar.columns import gather_blocks
from toyama_lab.lorawan.columnar.lookup import HashIndex
from toyama_lab.lorawan.fcnt import FCNT32_MAX, MAX_FCNT_GAP, reconstruct_fcnt

if TYPE_CHECKING:
    from toyama_lab.lorawan.keys import KeyStore

__all__ = [
    "KeyTable",
    "b0_blocks",
    "crypt_payload",
    "frame_mic",
    "key_table",
    "keystore_entries",
    "le_bytes",
    "padded_buffer",
    "radix_key",
    "rebuild_fcnt32",
]


class KeyTable:
    """Session keys as arrays: DevAddr sorted, and one cipher cache for all keys.

    Group numbers of the cache: ``i`` is the AppSKey of device ``i``,
    ``n + i`` its NwkSKey (``n`` devices). One table is kept per KeyStore
    (weakly, see :func:`key_table`), so the AES key schedules, the hash index
    of the DevAddrs (:class:`~toyama_lab.lorawan.columnar.lookup.HashIndex`) and
    their printed form are built once and live exactly as long as the KeyStore
    that holds the keys.
    """

    def __init__(self, keys: KeyStore) -> None:
        entries = sorted(keys, key=lambda k: k.dev_addr)
        self.n = len(entries)
        self.signature = keystore_entries(keys)
        self.addrs = np.array([k.dev_addr for k in entries], dtype=np.uint32)
        #: codec number (index into CODEC_NAMES) of each device's profile, -1 for none
        self.codec = np.array(
            [-1 if k.codec is None else CODEC_NAMES.index(k.codec) for k in entries],
            dtype=np.int64,
        )
        self.ciphers = CipherCache([k.app_s_key for k in entries] + [k.nwk_s_key for k in entries])
        self._index = HashIndex(self.addrs)
        self._addr_text: pl.Series | None = None

    def lookup(self, dev_addr: np.ndarray) -> np.ndarray:
        """Device index of each DevAddr (int64), -1 when unknown."""
        return self._index.find(dev_addr)

    @property
    def addr_text(self) -> pl.Series:
        """The DevAddrs as printed (8 upper-case hex digits), in the order of :attr:`addrs`."""
        if self._addr_text is None:
            self._addr_text = pl.Series([f"{a:08X}" for a in self.addrs.tolist()], dtype=pl.String)
        return self._addr_text


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def keystore_entries(keys: KeyStore) -> tuple:
    """The entries of a KeyStore as they are now, to tell whether a table built from it is stale.

    Entries are frozen :class:`~toyama_lab.lorawan.keys.SessionKeys`, so a changed key
    or codec is a new object: comparing two of these tuples is one identity check per
    device (equal entries compare equal too), far cheaper than comparing every key.
    """
    return tuple(keys)


def key_table(keys: KeyStore) -> KeyTable:
    """The :class:`KeyTable` of a KeyStore, rebuilt only when its keys or codecs changed."""
    signature = keystore_entries(keys)
    try:
        table = _TABLES.get(keys)
    except TypeError:  # not weak-referenceable: no cache
        return KeyTable(keys)
    if table is None or table.signature != signature:
        table = KeyTable(keys)
        _TABLES[keys] = table
    return table


def radix_key(values: np.ndarray, bound: int) -> np.ndarray:
    """``values`` (all below ``bound``) as uint16 when they fit: numpy's stable sort is
    then a radix sort, several times faster than the merge sort used for wider keys."""
    return values.astype(np.uint16) if bound <= 1 << 16 else values


def le_bytes(values: np.ndarray, n: int) -> np.ndarray:
    """Little-endian ``n``-byte rows of unsigned integers."""
    v = np.asarray(values).astype("<u8")
    return v.view(np.uint8).reshape(-1, 8)[:, :n]


def b0_blocks(first: int, direction, dev_addr, fcnt32, last_byte) -> np.ndarray:
    """B0 (MIC) or A_i (encryption) blocks, LoRaWAN 1.0.4 §4.3.3 / §4.4."""
    n = len(dev_addr)
    # Built as eight little-endian 16-bit words (fewer, wider column writes):
    # bytes 0 | 1-4 zero | 5 Dir | 6-9 DevAddr | 10-13 FCnt | 14 zero | 15 last byte.
    w = np.zeros((n, 8), dtype="<u2")
    w[:, 0] = first
    w[:, 2] = np.asarray(direction, dtype=np.uint16) << 8
    addr = np.asarray(dev_addr).astype(np.uint32)
    fcnt = np.asarray(fcnt32).astype(np.uint32)
    w[:, 3] = addr & 0xFFFF
    w[:, 4] = addr >> 16
    w[:, 5] = fcnt & 0xFFFF
    w[:, 6] = fcnt >> 16
    w[:, 7] = np.asarray(last_byte, dtype=np.uint16) << 8
    return w.view(np.uint8)


def frame_mic(
    table: KeyTable,
    dev: np.ndarray,
    buf: np.ndarray,
    starts: np.ndarray,
    body_len: np.ndarray,
    direction: np.ndarray,
    dev_addr: np.ndarray,
    fcnt32: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """MIC (first four CMAC bytes over B0 | MHDR..FRMPayload) of rows sorted by device.

    The frame of row ``i`` (without MIC) is ``buf[starts[i]:starts[i] + body_len[i]]``;
    ``buf`` has at least 48 spare bytes after the longest frame (see
    :func:`padded_buffer`), so every window read is in it.

    Returns
    -------
    mic : numpy.ndarray of uint8, shape (n, 4)
    b0 : numpy.ndarray of uint8, shape (n, 16)
        The blocks B0 (bytes 1-14 are those of the blocks A_i that encrypt the same
        frame's payload: :func:`crypt_payload` takes them instead of building them again).
    """
    # The CMAC input block by block: B0 (one contiguous write), then one gather of the
    # frames (what follows a frame is never read into its tag).
    rounds = (int(body_len.max(initial=0)) + 15) // 16 + 1
    blocks = np.empty((rounds, len(starts), 16), dtype=np.uint8)
    b0 = b0_blocks(0x49, direction, dev_addr, fcnt32, body_len & 0xFF)
    blocks[0] = b0
    gather_blocks(buf, starts, rounds - 1, out=blocks[1:])
    return cmac_blocks(table.ciphers, blocks, 16 + body_len, dev + table.n)[:, :4], b0


def padded_buffer(flat: np.ndarray, longest: int) -> np.ndarray:
    """``flat`` with 16 zero bytes before it and ``longest + 48`` after it."""
    end = 16 + len(flat)
    buf = np.empty(end + longest + 48, dtype=np.uint8)  # only the margins are zeroed
    buf[:16] = 0
    buf[16:end] = flat
    buf[end:] = 0
    return buf


def crypt_payload(
    table: KeyTable,
    dev: np.ndarray,
    fport: np.ndarray,
    direction: np.ndarray,
    dev_addr: np.ndarray,
    fcnt32: np.ndarray,
    payload: np.ndarray,
    lengths: np.ndarray,
    order: np.ndarray | None = None,
    *,
    overwrite: bool = False,
    b0: np.ndarray | None = None,
) -> np.ndarray:
    """Encrypt or decrypt FRMPayloads (the same XOR with the AES keystream).

    FPort 0 uses NwkSKey, other ports AppSKey (LoRaWAN 1.0.4 §4.3.3).
    ``payload`` is a zero-padded ``(n, w)`` matrix, ``w`` a multiple of 16 of at
    least the longest payload; the result has the same shape (bytes after
    ``lengths[i]`` are meaningless). Rows are grouped by key and one OpenSSL
    ECB call per key enciphers all of that key's counter blocks ``A_i``. When
    the payloads nearly fill the matrix, every row gets all ``w // 16`` blocks
    (:func:`_xor_full_rows`: AES-NI enciphers a few spare blocks faster than
    numpy picks out a ragged list); when their lengths vary widely, only the
    blocks a payload needs are built (:func:`_xor_ragged`). ``order``
    (optional) lists the rows sorted by device, as the MIC stage has them; it
    saves a sort when it also groups the keys (no FPort 0 rows among several
    devices). ``overwrite``: ``payload`` (C-contiguous uint8) may be modified in
    place. ``b0`` (optional, with ``order``): the MIC blocks B0 of the rows in
    ``order`` (:func:`frame_mic`); the blocks A_i share their bytes 1-14 (Dir,
    DevAddr, FCnt), so they are taken from there when ``order`` groups the keys.
    """
    n, w = payload.shape
    out = payload if overwrite else np.array(payload, dtype=np.uint8, order="C", copy=True)
    n_blocks = (np.asarray(lengths, dtype=np.int64) + 15) // 16
    total = int(n_blocks.sum())
    if total == 0:
        return out
    group = np.where(fport == 0, dev + table.n, dev)
    rows = np.arange(n) if order is None else np.asarray(order)
    g = group[rows]
    if np.any(g[1:] < g[:-1]):
        rows = np.argsort(radix_key(group, 2 * table.n), kind="stable")
        g = group[rows]
        b0 = None  # B0 is in the order given, no longer that of ``rows``
    if b0 is None or order is None:
        base = b0_blocks(0x01, direction[rows], dev_addr[rows], fcnt32[rows], 0)
    else:
        base = _counter_base(b0)
    if n * (w // 16) <= _FULL_ROWS_MAX_BLOCKS * total:
        _xor_full_rows(table, out, rows, g, base)
    else:
        _xor_ragged(table, out, rows, g, base, n_blocks[rows])
    return out


def _counter_base(b0: np.ndarray) -> np.ndarray:
    """Blocks A_i with i = 0 from blocks B0 (LoRaWAN 1.0.4 §4.3.3, §4.4): byte 0 is
    0x01 instead of 0x49, byte 15 (the message length in B0) is 0; bytes 1-14 are equal."""
    w = np.empty((len(b0), 2), dtype="<u8")
    b64 = np.ascontiguousarray(b0, dtype=np.uint8).view("<u8")
    np.bitwise_and(b64[:, 0], np.uint64(~0xFF & 0xFFFFFFFFFFFFFFFF), out=w[:, 0])
    w[:, 0] |= np.uint64(0x01)
    np.bitwise_and(b64[:, 1], np.uint64(0x00FFFFFFFFFFFFFF), out=w[:, 1])
    return w.view(np.uint8)


#: :func:`crypt_payload` enciphers whole rows while they hold at most this many
#: times the blocks the payloads need (measured with ``bench/decode.py``: 10-30
#: byte payloads gain, payloads of 0-242 random bytes lose).
_FULL_ROWS_MAX_BLOCKS = 1.5


def _xor_full_rows(
    table: KeyTable, out: np.ndarray, rows: np.ndarray, g: np.ndarray, base: np.ndarray
) -> None:
    """XOR every row of ``out`` with its ``w // 16`` keystream blocks (rows by key in ``rows``)."""
    n, w = out.shape
    nb = w // 16
    b64 = base.view("<u8")
    # A_i = base with byte 15 = i: the high little-endian word gets i << 56
    a = np.empty((n, nb, 2), dtype="<u8")
    a[:, :, 0] = b64[:, :1]
    np.bitwise_or(
        b64[:, 1:], np.arange(1, nb + 1, dtype=np.uint64) << np.uint64(56), out=a[:, :, 1]
    )
    starts, stops = run_spans(g)
    stream = ecb_runs(
        table.ciphers, a.view(np.uint8).reshape(-1, 16), g[starts], starts * nb, stops * nb
    ).reshape(n, w)
    if np.array_equal(rows, np.arange(n)):
        out ^= stream
    else:
        inverse = np.empty(n, dtype=np.int64)
        inverse[rows] = np.arange(n)
        # whole rows moved as complex128 by np.take: a chunked copy, several times
        # faster than fancy indexing of a byte matrix
        out ^= np.take(stream.view(np.complex128), inverse, axis=0).view(np.uint8)


def _xor_ragged(
    table: KeyTable,
    out: np.ndarray,
    rows: np.ndarray,
    g: np.ndarray,
    base: np.ndarray,
    nb: np.ndarray,
) -> None:
    """XOR the first ``nb[k]`` blocks of row ``rows[k]`` of ``out`` with its keystream."""
    n, w = out.shape
    total = int(nb.sum())
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(nb, out=first[1:])
    a = np.repeat(base.view(np.complex128).reshape(-1), nb).view(np.uint8).reshape(total, 16)
    small = np.int32 if total < 2**31 else np.int64  # half the memory traffic when it fits
    counter = np.arange(total, dtype=small) - np.repeat(first[:-1].astype(small), nb)
    a[:, 15] = counter + 1
    starts, stops = run_spans(g)
    keep = first[stops] > first[starts]  # keys with at least one block
    stream = ecb_runs(table.ciphers, a, g[starts[keep]], first[starts[keep]], first[stops[keep]])
    # XOR block by block into the payload matrix (16-byte blocks moved as complex128)
    at = np.repeat(rows * (w // 16), nb) + counter  # block k of row r, as a complex128 index
    blocks = out.view(np.complex128).reshape(-1)
    mixed = np.take(blocks, at).view(np.uint8).reshape(total, 16)
    mixed ^= stream
    blocks[at] = mixed.view(np.complex128).reshape(-1)


def rebuild_fcnt32(
    fcnt16: np.ndarray, device: np.ndarray, last_seen: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~toyama_lab.lorawan.fcnt.reconstruct_fcnt` for rows sorted by device.

    The common case - every frame of a device 1..MAX_FCNT_GAP ahead of the one
    before it - is one cumulative sum; anything else (replays, gaps, resets)
    goes to ``reconstruct_fcnt``, which gives the same result for the common
    case (``tests/test_lorawan_batch.py`` checks both agree).
    """
    n = len(fcnt16)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int8)
    f = fcnt16.astype(np.int64)
    new_dev = np.ones(n, dtype=bool)
    new_dev[1:] = device[1:] != device[:-1]
    step = np.empty(n, dtype=np.int64)
    step[1:] = (f[1:] - f[:-1]) & 0xFFFF  # modulo 2**16 (a mask, far cheaper than %)
    if last_seen is None:
        first_ok = True
        step[new_dev] = f[new_dev]
    else:
        prior = np.asarray(last_seen, dtype=np.int64)[device[new_dev]]
        delta = (f[new_dev] - prior) & 0xFFFF
        first_ok = bool(np.all((prior < 0) | ((delta > 0) & (delta <= MAX_FCNT_GAP))))
        step[new_dev] = np.where(prior < 0, f[new_dev], prior + delta)
    later = step[~new_dev]
    if first_ok and np.all((later > 0) & (later <= MAX_FCNT_GAP)):
        total = np.cumsum(step)
        # each device's counters: the running sum minus what it held before the device
        head = np.flatnonzero(new_dev)
        fcnt32 = total - np.repeat(total[head] - step[head], np.diff(head, append=n))
        if fcnt32.max() <= FCNT32_MAX:
            return fcnt32, np.zeros(n, dtype=np.int8)
    return reconstruct_fcnt(fcnt16, device, last_seen)
