"""glibc's mmap threshold fixed for long runs (toyama_lab._heap)."""

import platform
import sys

import numpy as np

from toyama_lab._heap import fix_mmap_threshold


def test_fix_mmap_threshold_where_glibc_has_it():
    glibc = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"
    assert fix_mmap_threshold() is glibc
    assert fix_mmap_threshold() is glibc  # once per process; calling again is harmless
    a = np.ones(10_000_000)  # a large array still allocates and frees as before
    assert a.sum() == 10_000_000
