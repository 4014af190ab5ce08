"""Per-frame fading draws: standard normals keyed by (seed, link, frame counter), on whole arrays.

The radio road draws one fading term for every (transmission x gateway) pair it looks at,
millions a simulated day, so the draw is the cheapest deterministic one that keeps normal
statistics:

1. **Key** per link: ``fmix32(base + index * 0x9E3779B9)``, where ``base`` is the top
   32 bits of :func:`toyama_lab.synth.random.key_of` of ``(seed, stream, 0)``
   (:func:`link_keys`; stream ``"net-fade"`` for the fading, ``"net-shadow-trk"`` for
   the trackers' per-fix shadowing), computed once per link where links are fixed.
2. **Counter word** per frame: the 64-bit counter (FCnt, plus ``attempt << 32`` for a
   retransmission) folded to 32 bits and multiplied by the 32-bit golden ratio
   ``0x9E3779B9`` (:func:`counter_words`), computed once per frame.
3. **Word** per pair: key + counter word, through the 32-bit finaliser of MurmurHash3
   (``fmix32``: Appleby, MurmurHash3, 2011; every input bit reaches every output bit).
4. **Normal**: the top :data:`NORMAL_LUT_BITS` bits of the word pick one of 65,536
   equiprobable cells of the standard normal; the draw is the quantile at the cell's
   middle (:func:`normal_lut`: inverse-CDF sampling, no interpolation).

The draws are bounded by the outermost cell's quantile, +-4.32 sigma, beyond the
:data:`toyama_lab.network.road.MARGIN_SIGMA` = 4 sigma at which the pair selection stops
looking anyway. Quantised to 1/65,536 of probability, the draw's step is below 0.001
sigma within +-2 sigma and 0.11 sigma at 4 sigma: far finer than the 1 dB steps in
which a gateway reports RSSI. Arithmetic is on uint32 arrays, half the memory traffic of
64-bit words, and every step is a pure function of its inputs, so the same seed gives
the same bytes on any machine.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from toyama_lab.synth import random as rnd

__all__ = [
    "FADE_STREAM",
    "NORMAL_LUT_BITS",
    "counter_words",
    "fade",
    "fmix32",
    "link_keys",
    "normal_lut",
    "normals_from_words",
]

#: Stream of the per-frame fading draws.
FADE_STREAM = "net-fade"

#: Bits of the 32-bit word that pick the cell of the normal table.
NORMAL_LUT_BITS = 16
_GOLDEN32 = np.uint32(0x9E3779B9)  # 2**32 / golden ratio
_FOLD32 = np.uint32(0x85EBCA77)  # odd multiplier of the high counter half (xxHash32 prime 2)
_C1 = np.uint32(0x85EBCA6B)  # MurmurHash3 fmix32 constants
_C2 = np.uint32(0xC2B2AE35)
_S16 = np.uint32(16)
_S13 = np.uint32(13)
_SHIFT = np.uint32(32 - NORMAL_LUT_BITS)


@lru_cache(maxsize=1)
def normal_lut() -> np.ndarray:
    """Standard normal quantiles at the cell middles ``(i + 0.5) / 2**16``, float32, 65,536 values.

    Quantiles from :meth:`statistics.NormalDist.inv_cdf` (Wichura's AS241, 1988: about
    1e-16 relative error). The table is read-only.

    Examples
    --------
    >>> lut = normal_lut()
    >>> lut.size, round(float(lut[-1]), 2)
    (65536, 4.32)
    """
    from statistics import NormalDist

    n = 1 << NORMAL_LUT_BITS
    inv = NormalDist().inv_cdf
    lut = np.array([inv((i + 0.5) / n) for i in range(n)], dtype=np.float32)
    lut.setflags(write=False)
    return lut


def link_keys(seed: int, index, stream: str = FADE_STREAM) -> np.ndarray:
    """32-bit key of each link ``index`` (e.g. ``device * 1024 + gateway``) in a stream.

    Parameters
    ----------
    seed : int
    index : array_like of int
        Link index (taken modulo 2**32).
    stream : str, default :data:`FADE_STREAM`

    Returns
    -------
    numpy.ndarray of uint32
    """
    base = np.uint32(int(rnd.key_of(seed, stream, np.zeros(1, dtype=np.int64))[0]) >> 32)
    idx = np.asarray(index).astype(np.int64).astype(np.uint32)
    with np.errstate(over="ignore"):
        idx *= _GOLDEN32
        idx += base
    return fmix32(idx)


def counter_words(counter) -> np.ndarray:
    """Counter half of each word: the 64-bit counter folded to 32 bits, times the golden ratio.

    The low 32 bits (the FCnt) are taken as they are and the high 32 bits (the
    retransmission attempt) are multiplied by an odd constant and added, so attempt 0
    keeps its FCnt's word and every attempt of a frame has its own.

    Parameters
    ----------
    counter : array_like of int (non-negative)

    Returns
    -------
    numpy.ndarray of uint32
    """
    c = np.asarray(counter).astype(np.uint64)
    lo = (c & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    hi = (c >> np.uint64(32)).astype(np.uint32)
    with np.errstate(over="ignore"):
        hi *= _FOLD32
        lo += hi
        lo *= _GOLDEN32
    return lo


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, in place on a uint32 array; returns it."""
    with np.errstate(over="ignore"):
        h ^= h >> _S16
        h *= _C1
        h ^= h >> _S13
        h *= _C2
        h ^= h >> _S16
    return h


def normals_from_words(h: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Normal draws of standard deviation ``scale`` from ``key + counter word`` sums.

    ``h`` (uint32) is hashed in place (:func:`fmix32`) and its top bits index the
    table, pre-scaled by ``scale``. Returns float32.
    """
    fmix32(h)
    h >>= _SHIFT
    return _scaled_lut(float(scale))[h]


@lru_cache(maxsize=8)
def _scaled_lut(scale: float) -> np.ndarray:
    lut = normal_lut() * np.float32(scale)
    lut.setflags(write=False)
    return lut


def fade(seed: int, index, counter, scale: float = 1.0, stream: str = FADE_STREAM) -> np.ndarray:
    """Normal draws for links ``index`` and counters ``counter`` (broadcast), float32.

    The same draws as the radio road's: :func:`link_keys` of the links plus
    :func:`counter_words` of the counters, through :func:`normals_from_words`.

    Parameters
    ----------
    seed : int
    index, counter : array_like of int
        Link index and frame counter, broadcast against each other.
    scale : float, default 1.0
        Standard deviation of the draws (e.g. the fading sigma in dB).
    stream : str, default :data:`FADE_STREAM`

    Returns
    -------
    numpy.ndarray of float32

    Examples
    --------
    >>> z = fade(0, np.arange(100_000) % 97, np.arange(100_000) // 97)
    >>> bool(abs(z.mean()) < 0.01), round(float(z.std()), 1)
    (True, 1.0)
    """
    idx, cnt = np.broadcast_arrays(np.asarray(index), np.asarray(counter))
    with np.errstate(over="ignore"):
        h = link_keys(seed, idx.ravel(), stream) + counter_words(cnt.ravel())
    return normals_from_words(h, scale).reshape(idx.shape)
