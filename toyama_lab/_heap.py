"""Hand the C heap's free memory back to the system between the days of a long run (glibc).

glibc's ``malloc`` keeps freed blocks of its heap for reuse. A run that allocates and frees
arrays of tens of MB day after day (:func:`toyama_lab.network.simulate_network_blocks`)
leaves free but resident, fragmented memory behind, and its resident size creeps up by some
hundreds of MB over a few days. ``malloc_trim(0)`` (``malloc_trim(3)``) returns every free
page of every arena to the system; called once a day it costs milliseconds. (Fixing the mmap
threshold instead, ``mallopt(M_MMAP_THRESHOLD)``, also bounds memory but makes every large
numpy array a fresh mapping: the radio ran twice as slow, measured with ``bench/road.py``.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

__all__ = ["release_free_heap"]


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_heap() -> bool:
    """Return the C heap's free pages to the system (glibc ``malloc_trim(0)``).

    Returns
    -------
    bool
        True when glibc was asked (Linux with glibc); False elsewhere (nothing is done).

    Examples
    --------
    >>> import platform, sys
    >>> release_free_heap() == (sys.platform == "linux" and platform.libc_ver()[0] == "glibc")
    True
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
