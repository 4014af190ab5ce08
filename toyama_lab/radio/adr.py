"""Spreading-factor choice by link margin (ADR-like), on whole arrays.

The LoRaWAN network server's ADR (Semtech's reference algorithm, [1]_) computes the
margin ``SNR_max - SNR_required(DR) - installation_margin`` (installation margin 10 dB by
default) and raises the data rate one step per 3 dB of margin. Its steady state is the
lowest SF (AS923: DR5 = SF7 ... DR0 = SF12 [2]_) whose margin is still >= 0, which
:func:`assign_sf` returns directly.

References
----------
.. [1] Semtech, "LoRaWAN - simple rate adaptation recommended algorithm", rev. 1.0 (2016),
   and LoRaMac-node / ChirpStack ``adr.go`` (installation margin 10 dB, 3 dB per step).
.. [2] LoRa Alliance, "RP002-1.0.4 LoRaWAN Regional Parameters" (2022), AS923 data-rate
   table: DR0 = SF12 ... DR5 = SF7 at 125 kHz.
"""

from __future__ import annotations

import numpy as np

from toyama_lab.radio.link import noise_floor_dbm, snr_floor_db

__all__ = ["INSTALLATION_MARGIN_DB", "assign_sf", "sf_to_dr"]

#: Default installation margin of the network-server ADR [1]_. [dB]
INSTALLATION_MARGIN_DB = 10.0


def assign_sf(
    snr_db=None,
    *,
    rssi_dbm=None,
    bw_hz=125_000,
    margin_db=INSTALLATION_MARGIN_DB,
    sfs=(7, 8, 9, 10, 11, 12),
    unreachable=0,
):
    """Lowest spreading factor whose link margin is at least ``margin_db``.

    Parameters
    ----------
    snr_db : array_like, optional
        Best SNR of the device over its gateways (e.g. ``snr.max(axis=1)``). [dB]
    rssi_dbm : array_like, optional
        Instead of ``snr_db``: best received power; the SNR is taken against the noise
        floor of ``bw_hz`` (:func:`toyama_lab.radio.link.noise_floor_dbm`). [dBm]
    bw_hz : int, default 125000
        Bandwidth for ``rssi_dbm``. [Hz]
    margin_db : float, default 10.0
        Installation margin [1]_. [dB]
    sfs : sequence of int, default (7, ..., 12)
        Spreading factors allowed (e.g. ``(7, 8, 9, 10)`` when the AS923 dwell-time limit
        forbids DR0/DR1). [-]
    unreachable : int, default 0
        Value returned where no allowed SF has the margin (use 12 to fall back to SF12).

    Returns
    -------
    numpy.ndarray of int
        Spreading factor per device.

    Examples
    --------
    >>> assign_sf([5.0, -5.0, -30.0]).tolist()
    [7, 10, 0]
    """
    if (snr_db is None) == (rssi_dbm is None):
        raise ValueError("give exactly one of snr_db or rssi_dbm.")
    if snr_db is None:
        snr = np.asarray(rssi_dbm, dtype=np.float64) - noise_floor_dbm(bw_hz)
    else:
        snr = np.asarray(snr_db, dtype=np.float64)
    sf_list = np.sort(np.asarray(sfs))
    if sf_list.size == 0:
        raise ValueError("sfs must name at least one spreading factor (7..12).")
    need = np.asarray(snr_floor_db(sf_list)) + margin_db  # raises for SF outside 7..12
    ok = snr[..., None] >= need
    first = np.argmax(ok, axis=-1)
    return np.where(ok.any(axis=-1), sf_list[first], unreachable).astype(np.int64)


def sf_to_dr(sf):
    """LoRaWAN AS923 data rate of a 125 kHz spreading factor: ``DR = 12 - SF`` [2]_.

    Parameters
    ----------
    sf : array_like of int
        Spreading factor 7..12. [-]

    Returns
    -------
    numpy.ndarray of int
        Data rate index DR0..DR5.

    Examples
    --------
    >>> sf_to_dr([12, 7]).tolist()
    [0, 5]
    """
    sf_a = np.asarray(sf)
    if np.any((sf_a < 7) | (sf_a > 12)):
        raise ValueError(f"sf must be in 7..12; got {np.unique(sf_a).tolist()[:6]}.")
    return (12 - sf_a).astype(np.int64)
