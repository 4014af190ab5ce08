"""Full garbage collections kept off the objects made before a long run (toyama_lab._gc)."""

import gc
import threading
import weakref

import pytest

from toyama_lab._gc import frozen_heap


class _Old:
    """A container object the collector tracks."""


def _tracked(obj) -> bool:
    """Whether a collection of the oldest generation walks ``obj``."""
    return any(o is obj for o in gc.get_objects())


def _dropped_cycle() -> weakref.ref:
    """A reference cycle nothing else holds (only the collector frees it), by weak reference."""
    a = _Old()
    a.me = a
    return weakref.ref(a)


def test_objects_made_before_are_skipped_until_the_block_ends():
    assert gc.get_freeze_count() == 0
    old = _Old()
    old_garbage = _dropped_cycle()
    assert _tracked(old)
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert not _tracked(old)  # in the permanent generation
        new = _Old()
        assert _tracked(new)  # what the block makes is walked as usual
        new_garbage = _dropped_cycle()
        gc.collect()
        assert new_garbage() is None  # the block's garbage is collected in the block
        assert old_garbage() is not None  # the older garbage waits
    assert gc.get_freeze_count() == 0
    assert _tracked(old)
    gc.collect()
    assert old_garbage() is None


def test_nested_and_threaded_blocks_unfreeze_once_at_the_end():
    started, release = threading.Event(), threading.Event()

    def other():
        with frozen_heap():
            started.set()
            release.wait(10)

    t = threading.Thread(target=other)
    with frozen_heap():
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0  # the inner block left it frozen
        t.start()
        started.wait(10)
    assert gc.get_freeze_count() > 0  # the other thread's block still runs
    release.set()
    t.join()
    assert gc.get_freeze_count() == 0


def test_an_error_unfreezes_and_a_heap_frozen_by_someone_else_stays_frozen():
    with pytest.raises(KeyError), frozen_heap():
        raise KeyError("x")
    assert gc.get_freeze_count() == 0
    gc.freeze()  # e.g. a server about to fork its workers
    try:
        frozen = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
