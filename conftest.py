"""pytest collection rules for the whole repository (``--doctest-modules`` is on).

Fixtures shared by the tests live in ``tests/conftest.py``; this file only keeps modules
out of collection whose import has side effects.
"""

collect_ignore = [
    # ``python -m toyama_lab.book`` entry point: importing it builds the whole book.
    "toyama_lab/book/__main__.py",
]
