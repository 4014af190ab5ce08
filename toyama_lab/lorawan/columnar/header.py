"""Stage 2 of decoding: the header matrix and the structural status of every frame.

All frames are copied once into one flat buffer, straight from polars' Arrow
buffers (:func:`~toyama_lab.lorawan.columnar.arrow_c.binary_buffer`, with zeros
before the first byte and after the last); the first 24 bytes of each frame
form an ``(n, 24)`` matrix from which every header field (LoRaWAN 1.0.4 §4 [1]_)
is read as a column (numpy only). :func:`structural_status` then sets the status
of frames that are malformed, joins, proprietary or missing, in the precedence
order of :func:`toyama_lab.lorawan.frames.parse`.

References
----------
.. [1] LoRa Alliance, "LoRaWAN 1.0.4 Specification", 2020: §4 (MAC frame
   formats: MHDR, FHDR, FPort, MIC), §6.2.5-6.2.6 (join frame sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from toyama_lab.lorawan.columnar.arrow_c import binary_buffer
from toyama_lab.lorawan.columnar.columns import as_binary_series, gather_padded, unaligned_u32
from toyama_lab.lorawan.columnar.status import code
from toyama_lab.lorawan.frames import MAX_PHY_LEN

__all__ = [
    "HEADER_WIDTH",
    "MIC_LEN",
    "MIN_DATA_LEN",
    "Headers",
    "read_headers",
    "structural_status",
]

HEADER_WIDTH = 24  # MHDR 1 + DevAddr 4 + FCtrl 1 + FCnt 2 + FOpts <= 15 + FPort 1 [bytes]
MIC_LEN = 4
MIN_DATA_LEN = 12  # MHDR + FHDR(7) + MIC(4), LoRaWAN 1.0.4 §4.3
JOIN_REQUEST_LEN = 23  # MHDR + JoinEUI 8 + DevEUI 8 + DevNonce 2 + MIC 4 (§6.2.5)
JOIN_ACCEPT_LENS = (17, 33)  # without / with CFList (§6.2.6)
_IS_DATA = np.array([False, False, True, True, True, True, False, False])  # by MType
_IS_DOWN = np.array([0, 0, 0, 1, 0, 1, 0, 0], dtype=np.uint8)  # Dir of data MTypes


@dataclass(frozen=True)
class Headers:
    """Header fields of ``n`` frames, one numpy array per field.

    ``flat`` holds every frame; frame ``i`` is ``flat[start[i]:start[i] + length[i]]``
    (not necessarily after frame ``i - 1``). Every frame has at least 16 bytes of
    ``flat`` before it, and ``flat`` ends with 48 zero bytes more than the longest
    frame, so every window read below is in it. Fields of a frame too short to
    hold them are meaningless and gated by the status.
    """

    flat: np.ndarray
    start: np.ndarray
    length: np.ndarray
    is_null: np.ndarray
    matrix: np.ndarray  # (n, HEADER_WIDTH) first bytes of each frame
    mtype: np.ndarray
    major: np.ndarray
    dev_addr: np.ndarray  # uint32
    fctrl: np.ndarray
    fcnt16: np.ndarray
    fopts_len: np.ndarray
    is_data: np.ndarray
    direction: np.ndarray  # 0 up, 1 down
    fport: np.ndarray  # -1 without FPort
    pay_start: np.ndarray  # offset of FRMPayload in the frame
    pay_len: np.ndarray
    mic32: np.ndarray  # uint32, the last 4 bytes of the frame (little-endian; garbage when shorter)

    @property
    def n(self) -> int:
        return len(self.length)


def _u32_column(matrix: np.ndarray, byte: int) -> np.ndarray:
    """Bytes ``byte..byte+3`` of each row of a C-contiguous uint8 matrix as little-endian
    uint32: one strided, unaligned view copied (no copy of the four byte columns first)."""
    n, width = matrix.shape
    if n == 0:
        return np.zeros(0, dtype=np.uint32)
    return np.ndarray((n,), "<u4", buffer=matrix, offset=byte, strides=(width,)).astype(np.uint32)


def read_headers(phy: pl.Series) -> Headers:
    """Read the header fields of every PHYPayload of a Binary column.

    Examples
    --------
    >>> h = read_headers(pl.Series([bytes.fromhex("40F17DBE4900020001954378762B11FF0D")]))
    >>> f"{int(h.dev_addr[0]):08X}", int(h.fcnt16[0]), int(h.fport[0]), int(h.pay_len[0])
    ('49BE7DF1', 2, 1, 4)
    """
    # 16 bytes before every frame and 48 after the longest, as padded_buffer gives them
    flat, start, length, is_null = binary_buffer(as_binary_series(phy), before=16, after=48)
    # Bytes past a short frame are never read: every field below is gated by a length check.
    h = gather_padded(flat, start, length, HEADER_WIDTH, zero_tail=False, padded=True)
    mhdr = h[:, 0]
    mtype = (mhdr >> 5).astype(np.int64)
    fctrl = h[:, 5]
    fopts_len = (fctrl & 0x0F).astype(np.int64)
    has_port = length > MIN_DATA_LEN + fopts_len
    port_pos = np.minimum(8 + fopts_len, HEADER_WIDTH - 1)
    pay_start = 9 + fopts_len
    return Headers(
        flat=flat,
        start=start,
        length=length,
        is_null=is_null,
        matrix=h,
        mtype=mtype,
        major=mhdr & 0x03,
        dev_addr=_u32_column(h, 1),
        fctrl=fctrl,
        fcnt16=h.view("<u2")[:, 3].astype(np.int64),  # bytes 6-7
        fopts_len=fopts_len,
        is_data=_IS_DATA[mtype],
        direction=_IS_DOWN[mtype],
        fport=np.where(has_port, np.take(flat, start + port_pos).astype(np.int64), -1),
        pay_start=pay_start,
        pay_len=np.where(has_port, length - MIC_LEN - pay_start, 0),
        # one unaligned 32-bit read per frame (``start`` >= 16, so never before ``flat``)
        mic32=unaligned_u32(flat)[start + length - MIC_LEN],
    )


def structural_status(h: Headers) -> tuple[np.ndarray, np.ndarray]:
    """Status codes from the structure alone, and which frames are set aside.

    Returns
    -------
    status : numpy.ndarray of int8
        Index into :data:`~toyama_lab.lorawan.columnar.status.STATUSES`: 0 (``ok``)
        for data frames that go on to the MIC check.
    decided : numpy.ndarray of bool
        True where the status is final as far as the data-frame stages go
        (malformed, missing, join, proprietary).
    """
    n = h.n
    status = np.zeros(n, dtype=np.int8)
    bad = np.zeros(n, dtype=bool)

    def mark(cond: np.ndarray, label: str) -> None:
        if not cond.any():  # most conditions match no frame: skip the masked writes
            return
        hit = cond & ~bad
        status[hit] = code(label)
        bad[:] |= hit

    mtype, length, is_data = h.mtype, h.length, h.is_data
    mark(h.is_null, "missing_payload")
    mark(length == 0, "malformed:empty")
    mark(length > MAX_PHY_LEN, "malformed:too_long")
    mark(h.major != 0, "malformed:bad_major")
    mark(mtype == 6, "malformed:bad_mtype")
    # join frames have fixed sizes; shorter or longer as frames.parse tells them apart
    mark((mtype == 0) & (length < JOIN_REQUEST_LEN), "malformed:too_short")
    mark((mtype == 0) & (length > JOIN_REQUEST_LEN), "malformed:too_long")
    mark(mtype == 0, "join_request")
    bad_accept = (mtype == 1) & (length != JOIN_ACCEPT_LENS[0]) & (length != JOIN_ACCEPT_LENS[1])
    mark(bad_accept & (length < JOIN_ACCEPT_LENS[0]), "malformed:too_short")
    mark(bad_accept, "malformed:too_long")
    mark(mtype == 1, "join_accept")
    mark(mtype == 7, "proprietary")
    mark(is_data & (length < MIN_DATA_LEN), "malformed:too_short")
    mark(is_data & (length < MIN_DATA_LEN + h.fopts_len), "malformed:fopts_overflow")
    mark(is_data & (h.fport == 0) & (h.fopts_len > 0), "malformed:fopts_with_port0")
    return status, bad
