"""The C heap's free pages handed back between the days of a long run (toyama_lab._heap)."""

import platform
import sys

import numpy as np
import psutil

from toyama_lab._heap import release_free_heap

GLIBC = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"


def test_release_free_heap_says_whether_it_could():
    assert release_free_heap() is GLIBC


def test_release_free_heap_returns_the_holes_between_live_arrays():
    if not GLIBC:
        return
    big = [np.ones(4_000_000) for _ in range(2)]  # freed: glibc's mmap threshold rises
    del big
    # arrays of 1.6 MB now come from the heap; every other one is freed, leaving holes
    # between live arrays that glibc keeps resident
    arrays = [np.ones(200_000) for _ in range(300)]
    kept = arrays[1::2]
    del arrays
    before = psutil.Process().memory_info().rss
    assert release_free_heap()
    after = psutil.Process().memory_info().rss
    assert before - after > 100 * 2**20, (before, after)
    assert sum(a.size for a in kept) == 150 * 200_000
