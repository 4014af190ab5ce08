"""Errors raised by :mod:`toyama_lab.lorawan`.

Every frame problem is a :class:`FrameError` (a :class:`ValueError`), so one
``except FrameError`` catches anything a malformed or forged radio frame can
cause. Each error carries the byte ``offset`` in the PHYPayload where the
problem was found (``None`` when it concerns the whole frame) and says what
was expected.

Key-file problems are :class:`KeyStoreError`, a *sibling* of
:class:`FrameError` (also a :class:`ValueError`): a broken key file is the
operator's mistake, not the radio's, and should not be swallowed by code that
drops bad frames.

No message ever contains a key: only device addresses, EUIs, offsets and
lengths, which are public on air anyway.
"""

from __future__ import annotations

__all__ = [
    "BadMTypeError",
    "BadMajorError",
    "FOptsLengthError",
    "FPortError",
    "FrameError",
    "JoinError",
    "KeyStoreError",
    "MacCommandError",
    "MicError",
    "TooLongError",
    "TooShortError",
    "UnknownDeviceError",
]


class FrameError(ValueError):
    """A LoRaWAN frame that cannot be parsed, verified or built.

    Parameters
    ----------
    message : str
        What is wrong, what was expected and how to fix it.
    offset : int or None
        Byte offset in the PHYPayload where the problem is. ``None`` when it
        concerns the frame as a whole (e.g. a MIC mismatch).
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        if offset is not None:
            message = f"byte {offset}: {message}"
        super().__init__(message)


class TooShortError(FrameError):
    """The frame ends before a mandatory field (LoRaWAN 1.0.4 §4.1)."""


class TooLongError(FrameError):
    """The frame is longer than its type allows: a join frame of the wrong size
    (LoRaWAN 1.0.4 §6.2.5-§6.2.6) or more than 255 bytes (§4.4)."""


class BadMTypeError(FrameError):
    """The MHDR carries the reserved MType 110 (LoRaWAN 1.0.4 §4.2.1)."""


class BadMajorError(FrameError):
    """The MHDR Major field is not ``00`` = LoRaWAN R1 (LoRaWAN 1.0.4 §4.2.2)."""


class FOptsLengthError(FrameError):
    """FOptsLen points past the end of the frame (LoRaWAN 1.0.4 §4.3.1.6)."""


class FPortError(FrameError):
    """FPort is inconsistent with the rest of the frame (LoRaWAN 1.0.4 §4.3.2).

    For example MAC commands both in FOpts and in an FPort 0 payload, or an
    FPort outside 0..255 when encoding.
    """


class MicError(FrameError):
    """The message integrity code does not match (LoRaWAN 1.0.4 §4.4, §6.2.5-§6.2.6).

    The frame was altered, or it was checked with the wrong key or the wrong
    upper 16 bits of the frame counter.
    """


class UnknownDeviceError(FrameError):
    """No session keys are known for the frame's DevAddr or DevEUI."""


class MacCommandError(FrameError):
    """A MAC command (LoRaWAN 1.0.4 §5) is unknown or truncated."""


class JoinError(FrameError):
    """A join-request or join-accept cannot be built or opened (LoRaWAN 1.0.4 §6.2)."""


class KeyStoreError(ValueError):
    """A key file or key record is malformed.

    The message names the file, the line (1-based, counting the CSV header as
    line 1) and the column; it never shows a key value.
    """
