"""Keep the C heap from holding on to freed arrays in long runs (glibc only).

glibc's ``malloc`` serves a large block by ``mmap`` and hands it back to the system when
it is freed, but after the first such free it raises its threshold to the block's size
(the "dynamic mmap threshold", ``mallopt(3)``), so later large numpy arrays come from the
heap, where freed blocks are kept and fragment: a run that allocates and frees arrays of
tens of MB day after day (:func:`toyama_lab.network.simulate_network_blocks`) grows its
resident memory by some hundreds of MB. Fixing the threshold at glibc's default
(128 KiB, which also turns the dynamic adjustment off) returns every large array to the
system when it is freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

__all__ = ["MMAP_THRESHOLD_BYTES", "fix_mmap_threshold"]

#: glibc's default M_MMAP_THRESHOLD [bytes] (mallopt(3)).
MMAP_THRESHOLD_BYTES = 128 * 1024
_M_MMAP_THRESHOLD = -3  # the mallopt parameter number (glibc malloc.h)


@functools.cache
def fix_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD_BYTES` for this process.

    Returns
    -------
    bool
        True when set (Linux with glibc); False elsewhere (nothing is changed).

    Examples
    --------
    >>> import platform, sys
    >>> fix_mmap_threshold() == (sys.platform == "linux" and platform.libc_ver()[0] == "glibc")
    True
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
