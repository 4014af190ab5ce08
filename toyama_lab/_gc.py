"""Keep Python's cyclic garbage collector off the objects that exist before a long run.

A full collection (generation 2) walks every container object the interpreter tracks:
after the imports of the workbench and a city, some 130,000 of them, about 75 ms a walk
on the machine of docs/benchmarks.md, holding the GIL, so the other thread of the network
road waits too. A road makes enough short-lived containers (one AES encryptor and bound
method per device key, the buffer slices of each OpenSSL call) to set off such a walk once
or twice a road. :func:`frozen_heap` moves the objects that exist when it starts into the
permanent generation (:func:`gc.freeze`) and puts them back when it ends
(:func:`gc.unfreeze`): collections in between walk only what the run itself made.
Garbage is still collected: cycles made during the run as usual, older ones after it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["frozen_heap"]

_lock = threading.Lock()
_depth = 0  # frozen_heap blocks running now, in any thread
_froze = False  # whether the outermost of them froze the heap (and so unfreezes it)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Within the block, full garbage collections skip the objects made before it.

    Blocks may nest and run in several threads at once: the first to start freezes, the
    last to end unfreezes. A heap someone else has frozen already (``gc.get_freeze_count()``
    above zero, e.g. a server that forks workers) is left exactly as it was.

    Examples
    --------
    >>> import gc
    >>> before = gc.get_freeze_count()
    >>> with frozen_heap():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count() == before
    True
    """
    global _depth, _froze
    with _lock:
        if _depth == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _froze:
                gc.unfreeze()
                _froze = False
