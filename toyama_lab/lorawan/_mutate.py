"""Structure-aware mutations of a PHYPayload, for fuzzing the frame parsers.

One mutation step edits a ``bytearray`` in place. Where the edit lands and what it
writes come from two callables, so the same mutations serve a seeded
:class:`random.Random` (``bench/fuzz.py``) and hypothesis draws (the fuzz tests,
which then shrink a failing input to a small one).

Notes
-----
The byte offsets follow the LoRaWAN 1.0.4 frame layout (LoRa Alliance TS001-1.0.4,
§4.2 and §4.3.1): byte 0 is the MHDR; for a data frame bytes 1-4 are the DevAddr and
byte 5 is FCtrl, whose low 4 bits are FOptsLen.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MUTATIONS", "mutate_once"]

#: The mutation kinds, in a fixed order (an index into it picks one).
MUTATIONS: tuple[str, ...] = ("flip", "truncate", "extend", "fopts_len", "mhdr", "byte", "cut")

#: Offset of FCtrl in a data frame (MHDR 1 byte + DevAddr 4 bytes, §4.3.1).
_FCTRL = 5


def mutate_once(
    buf: bytearray,
    op: str,
    integer: Callable[[int, int], int],
    blob: Callable[[int, int], bytes],
    *,
    max_extend: int = 40,
) -> None:
    """Apply one mutation to ``buf`` in place.

    Parameters
    ----------
    buf : bytearray
        The frame being mutated (may be empty; an edit that needs a byte is then skipped).
    op : str
        One of :data:`MUTATIONS`: ``flip`` one bit, ``truncate`` the tail, ``extend``
        with random bytes, set a random ``fopts_len``, set a random ``mhdr``, replace
        one ``byte``, or ``cut`` (delete) one byte.
    integer : callable
        ``integer(lo, hi)`` returns a whole number in ``lo..hi`` (both included).
    blob : callable
        ``blob(lo, hi)`` returns between ``lo`` and ``hi`` random bytes.
    max_extend : int
        Most bytes ``extend`` appends.

    Raises
    ------
    ValueError
        If ``op`` is not one of :data:`MUTATIONS`.

    Examples
    --------
    >>> import random
    >>> rng = random.Random(0)
    >>> buf = bytearray(b"\\x40\\x01\\x02\\x03\\x04\\x00")
    >>> mutate_once(buf, "fopts_len", rng.randint, lambda lo, hi: b"")
    >>> buf[5] & 0xF0, len(buf)
    (0, 6)
    """
    if op not in MUTATIONS:
        raise ValueError(f"unknown mutation {op!r}; expected one of {MUTATIONS}.")
    if op == "flip" and buf:
        buf[integer(0, len(buf) - 1)] ^= 1 << integer(0, 7)
    elif op == "truncate":
        del buf[integer(0, len(buf)) :]
    elif op == "extend":
        buf += blob(1, max_extend)
    elif op == "fopts_len" and len(buf) > _FCTRL:
        buf[_FCTRL] = (buf[_FCTRL] & 0xF0) | integer(0, 15)
    elif op == "mhdr" and buf:
        buf[0] = integer(0, 255)
    elif op == "byte" and buf:
        buf[integer(0, len(buf) - 1)] = integer(0, 255)
    elif op == "cut" and buf:
        del buf[integer(0, len(buf) - 1)]
