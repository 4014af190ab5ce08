"""LoRaWAN 1.0.x MAC layer: frames, crypto, keys, frame counters, MAC commands, joins.

Behaviour follows LoRaWAN L2 1.0.4 (TS001-1.0.4) and reads frames of 1.0.2 and
1.0.3 devices, which share the same frame format and cryptography.

Main entry points
-----------------
- :func:`parse` - structure of a PHYPayload, no keys needed.
- :func:`decode` - parse, verify the MIC and decrypt (raises :class:`MicError`).
- :func:`encode_uplink`, :func:`encode_downlink`, :func:`encode_data` - build frames.
- :func:`encode_join_request`, :func:`encode_join_accept`, :func:`decode_join_accept`,
  :func:`otaa_session` - over-the-air activation; ABP is :class:`SessionKeys` given directly.
- :class:`KeyStore` - key files (CSV / JSON lines).
- :class:`FCntTracker`, :func:`reconstruct_fcnt` - 32-bit frame counters, replays.
- :func:`parse_mac_commands`, :func:`encode_mac_command` - MAC commands (§5).
- :func:`explain` - byte-by-byte annotated breakdown (Japanese or English).
- :func:`decode_batch`, :func:`encode_batch` - whole-column versions (:mod:`.batch`).

Every problem a frame can cause is a :class:`FrameError` naming the byte offset.
"""

from toyama_lab.lorawan.crypto import (
    aes_encrypt_payload,
    compute_join_accept_mic,
    compute_join_request_mic,
    compute_mic,
    decrypt_join_accept,
    derive_session_keys,
    encrypt_join_accept,
)
from toyama_lab.lorawan.errors import (
    BadMajorError,
    BadMTypeError,
    FOptsLengthError,
    FPortError,
    FrameError,
    JoinError,
    KeyStoreError,
    MacCommandError,
    MicError,
    TooLongError,
    TooShortError,
    UnknownDeviceError,
)
from toyama_lab.lorawan.explain import ExplainRow, explain
from toyama_lab.lorawan.fcnt import (
    MAX_FCNT_GAP,
    FCntStatus,
    FCntTracker,
    last_seen_after,
    reconstruct_fcnt,
)
from toyama_lab.lorawan.frames import (
    FHDR,
    MHDR,
    FCtrl,
    Frame,
    JoinAccept,
    JoinRequest,
    MType,
    decode,
    encode_data,
    encode_downlink,
    encode_proprietary,
    encode_uplink,
    parse,
)
from toyama_lab.lorawan.join import (
    decode_join_accept,
    decode_join_request,
    encode_join_accept,
    encode_join_request,
    otaa_session,
)
from toyama_lab.lorawan.keys import KeyStore, SessionKeys
from toyama_lab.lorawan.mac import (
    MacCommand,
    encode_mac_command,
    encode_mac_commands,
    parse_mac_commands,
)

__all__ = [
    "FHDR",
    "MAX_FCNT_GAP",
    "MHDR",
    "BadMTypeError",
    "BadMajorError",
    "ExplainRow",
    "FCntStatus",
    "FCntTracker",
    "FCtrl",
    "FOptsLengthError",
    "FPortError",
    "Frame",
    "FrameError",
    "JoinAccept",
    "JoinError",
    "JoinRequest",
    "KeyStore",
    "KeyStoreError",
    "MType",
    "MacCommand",
    "MacCommandError",
    "MicError",
    "SessionKeys",
    "TooLongError",
    "TooShortError",
    "UnknownDeviceError",
    "aes_encrypt_payload",
    "compute_join_accept_mic",
    "compute_join_request_mic",
    "compute_mic",
    "decode",
    "decode_batch",
    "decode_join_accept",
    "decode_join_request",
    "decrypt_join_accept",
    "derive_session_keys",
    "encode_batch",
    "encode_data",
    "encode_downlink",
    "encode_join_accept",
    "encode_join_request",
    "encode_mac_command",
    "encode_mac_commands",
    "encode_proprietary",
    "encode_uplink",
    "encrypt_join_accept",
    "explain",
    "last_seen_after",
    "otaa_session",
    "parse",
    "parse_mac_commands",
    "reconstruct_fcnt",
]


def __getattr__(name: str):
    """Load the batch helpers on first use (PEP 562).

    ``decode_batch``/``encode_batch`` live in :mod:`toyama_lab.lorawan.batch`,
    which pulls in polars and the vectorised crypto; importing it lazily keeps
    ``import toyama_lab.lorawan`` light and the single-frame API usable on its own.
    """
    if name in ("decode_batch", "encode_batch"):
        from toyama_lab.lorawan.batch import decode_batch, encode_batch

        globals().update(decode_batch=decode_batch, encode_batch=encode_batch)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
