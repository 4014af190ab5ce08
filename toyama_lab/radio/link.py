"""Link budget: path loss, received power, noise, SNR and sensitivity.

Every function works on whole numpy arrays. Pair quantities (transmission x gateway) are
``(n_tx, n_gw)`` arrays obtained by broadcasting ``(n_tx, 1)`` against ``(1, n_gw)``.

Path loss follows Bor et al.'s log-distance model [1]_ or Hata's formula [2]_. Sensitivity
is the noise floor plus the SX1276 demodulator SNR floor (AN1200.22 [4]_; SNR floors from
the SX1276 datasheet [3]_), the datasheet sensitivity table [3]_, or Bor et al.'s
measurements [1]_ as coded in LoRaSim [5]_.

References
----------
.. [1] M. Bor, U. Roedig, T. Voigt, J. M. Alonso, "Do LoRa Low-Power Wide-Area Networks
   Scale?", Proc. ACM MSWiM 2016, pp. 59-67, doi:10.1145/2988287.2989163. Section 3.1
   (log-distance model, d0 = 40 m, PL(d0) = 127.41 dB, gamma = 2.08, sigma = 3.57 dB)
   and Table 3 (measured sensitivities).
.. [2] M. Hata, "Empirical Formula for Propagation Loss in Land Mobile Radio Services",
   IEEE Trans. Vehicular Technology 29(3), 1980, pp. 317-325, doi:10.1109/T-VT.1980.23859.
.. [3] Semtech, "SX1276/77/78/79 datasheet", rev. 7 (2020): table "Range of spreading
   factors" (demodulator SNR) and the LoRa receiver sensitivity table (band 1,
   862-1020 MHz).
.. [4] Semtech, "AN1200.22 LoRa Modulation Basics", rev. 2 (2015), section 4:
   sensitivity = -174 + 10 log10(BW) + NF + SNR, with NF = 6 dB.
.. [5] LoRaSim 0.2.1 (Bor and Voigt, 2017), ``loraDir.py``: arrays ``sf7`` .. ``sf12``
   and the constants ``gamma``, ``d0``, ``Lpld0``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "HATA_ENVIRONMENTS",
    "LOG_DISTANCE_LORASIM",
    "LORASIM_SENSITIVITY_DBM",
    "NOISE_FIGURE_DB",
    "SNR_FLOOR_DB",
    "SX1276_SENSITIVITY_DBM",
    "THERMAL_NOISE_DBM_HZ",
    "distance_m",
    "log_distance_path_loss",
    "noise_floor_dbm",
    "okumura_hata_path_loss",
    "okumura_hata_terms",
    "received_power_dbm",
    "sensitivity_dbm",
    "shadowing_db",
    "snr_floor_db",
]

#: Thermal noise density at 290 K, -174 dBm/Hz (kT), as used in AN1200.22 [4]_. [dBm/Hz]
THERMAL_NOISE_DBM_HZ = -174.0
#: Receiver noise figure of the SX127x/SX1301 front end used by Semtech's link budget
#: example, 6 dB [4]_. [dB]
NOISE_FIGURE_DB = 6.0

#: Demodulation SNR floor per spreading factor SF7..SF12 (SX1276 datasheet, "Range of
#: spreading factors" [3]_): -7.5, -10, -12.5, -15, -17.5, -20. [dB]
SNR_FLOOR_DB = {7: -7.5, 8: -10.0, 9: -12.5, 10: -15.0, 11: -17.5, 12: -20.0}

#: SX1276 receiver sensitivity, band 1 (862-1020 MHz), rows SF7..SF12, columns BW
#: 125/250/500 kHz [3]_, as quoted by LoRaSim-derived simulators (e.g. the
#: LoRaSim-Extended ``sf7 .. sf12`` arrays); the datasheet itself was not opened here. The
#: -137 dBm often quoted for SF12/125 kHz is the SNR-based figure of ``table="snr"``. [dBm]
SX1276_SENSITIVITY_DBM = np.array(
    [
        [-123.0, -120.0, -116.0],
        [-126.0, -123.0, -119.0],
        [-129.0, -125.0, -122.0],
        [-132.0, -128.0, -125.0],
        [-133.0, -130.0, -128.0],
        [-136.0, -133.0, -130.0],
    ]
)
SX1276_SENSITIVITY_DBM.setflags(write=False)

#: Sensitivities measured by Bor et al. with a SX1272 (Table 3 of [1]_), as coded in
#: LoRaSim 0.2.1 [5]_: rows SF7..SF12, columns BW 125/250/500 kHz. [dBm]
LORASIM_SENSITIVITY_DBM = np.array(
    [
        [-126.5, -124.25, -120.75],
        [-127.25, -126.75, -124.0],
        [-131.25, -128.25, -127.5],
        [-132.75, -130.25, -128.75],
        [-134.5, -132.75, -128.75],
        [-133.25, -132.25, -132.25],
    ]
)
LORASIM_SENSITIVITY_DBM.setflags(write=False)

#: Log-distance parameters of Bor et al. [1]_ (d0 [m], PL(d0) [dB], gamma [-],
#: sigma [dB]). d0, PL(d0) and gamma are also in LoRaSim's code [5]_; LoRaSim sets the
#: shadowing variance to 0 ("var = 0"), so sigma = 3.57 dB comes from the paper only.
LOG_DISTANCE_LORASIM = {"d0_m": 40.0, "pl_d0_db": 127.41, "gamma": 2.08, "sigma_db": 3.57}

#: Environment corrections of Hata [2]_.
HATA_ENVIRONMENTS = ("urban", "suburban", "open")

_BW_INDEX = {125_000: 0, 250_000: 1, 500_000: 2}


def _valid_sf(sf_a: np.ndarray) -> bool:
    """True when every spreading factor is one of 7..12 (two reductions for int arrays)."""
    if sf_a.size == 0:
        return True
    if sf_a.dtype.kind in "iu":
        return bool(sf_a.min() >= 7 and sf_a.max() <= 12)
    return bool(np.all(np.isin(sf_a, list(SNR_FLOOR_DB))))


def _bw_index(bw_a: np.ndarray) -> np.ndarray | None:
    """Column 0/1/2 for 125/250/500 kHz, or None if some bandwidth is not one of them."""
    col = np.full(bw_a.shape, -1, dtype=np.intp)
    for bw, i in _BW_INDEX.items():
        col[bw_a == bw] = i
    return None if np.any(col < 0) else col


def _positive(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be finite and > 0; got {np.ravel(arr)[:5].tolist()}.")
    return arr


def distance_m(tx_xy, gw_xy, *, tx_height_m=0.0, gw_height_m=0.0):
    """Distances between every transmitter and every gateway.

    Parameters
    ----------
    tx_xy : array_like, shape (n_tx, 2)
        Transmitter positions in a local plane. [m]
    gw_xy : array_like, shape (n_gw, 2)
        Gateway positions in the same plane. [m]
    tx_height_m, gw_height_m : array_like, default 0
        Antenna heights (scalar or per row); the 3-D distance is returned. [m]

    Returns
    -------
    numpy.ndarray, shape (n_tx, n_gw)
        Distance. [m]

    Examples
    --------
    >>> distance_m([[0, 0], [30, 40]], [[0, 0]]).ravel().tolist()
    [0.0, 50.0]
    """
    tx = np.atleast_2d(np.asarray(tx_xy, dtype=np.float64))
    gw = np.atleast_2d(np.asarray(gw_xy, dtype=np.float64))
    if tx.shape[-1] != 2 or gw.shape[-1] != 2:
        raise ValueError(
            f"tx_xy and gw_xy must have shape (n, 2) (x, y in metres); got {tx.shape} and "
            f"{gw.shape}."
        )
    dz = np.reshape(np.asarray(tx_height_m, dtype=np.float64), (-1, 1)) - np.reshape(
        np.asarray(gw_height_m, dtype=np.float64), (1, -1)
    )
    dx = tx[:, None, 0] - gw[None, :, 0]
    dy = tx[:, None, 1] - gw[None, :, 1]
    return np.sqrt(dx * dx + dy * dy + dz * dz)


def log_distance_path_loss(distance, *, d0_m=40.0, pl_d0_db=127.41, gamma=2.08):
    """Log-distance path loss ``PL(d) = PL(d0) + 10 gamma log10(d / d0)``.

    Defaults are the Bor et al. fit for Lancaster, UK, at 868 MHz [1]_ (also in LoRaSim [5]_).
    Add :func:`shadowing_db` for the log-normal term.

    Parameters
    ----------
    distance : array_like
        Distance, > 0. [m]
    d0_m : float, default 40.0
        Reference distance. [m]
    pl_d0_db : float, default 127.41
        Mean path loss at ``d0_m``. [dB]
    gamma : float, default 2.08
        Path-loss exponent. [-]

    Returns
    -------
    numpy.ndarray
        Path loss. [dB]

    Examples
    --------
    >>> float(log_distance_path_loss(40.0))
    127.41
    """
    d = _positive("distance", distance)
    _positive("d0_m", d0_m)
    return pl_d0_db + 10.0 * gamma * np.log10(d / d0_m)


def shadowing_db(shape, sigma_db=3.57, *, rng=None):
    """Log-normal shadowing samples, N(0, sigma) in dB.

    Parameters
    ----------
    shape : int or tuple of int
        Output shape (e.g. ``(n_tx, n_gw)``).
    sigma_db : float, default 3.57
        Standard deviation; 3.57 dB is Bor et al.'s fit [1]_. [dB]
    rng : numpy.random.Generator or int or None
        Random source or seed.

    Returns
    -------
    numpy.ndarray
        Shadowing to add to a path loss. [dB]
    """
    if not np.isfinite(sigma_db) or sigma_db < 0:
        raise ValueError(f"sigma_db must be >= 0; got {sigma_db}.")
    return np.random.default_rng(rng).normal(0.0, sigma_db, size=shape)


def okumura_hata_terms(
    freq_hz=923.2e6,
    *,
    h_base_m=30.0,
    h_mobile_m=1.5,
    environment="urban",
    large_city=False,
):
    """Okumura-Hata loss as ``intercept + slope * log10(d / 1 km)``.

    The terms of :func:`okumura_hata_path_loss` without the distance.

    Hata's loss is linear in the logarithm of the distance; evaluating the two terms once
    per link end (e.g. per gateway) and the logarithm once per pair is much cheaper than
    the whole formula per pair.

    Parameters
    ----------
    freq_hz, h_base_m, h_mobile_m, environment, large_city
        As in :func:`okumura_hata_path_loss` (arrays broadcast).

    Returns
    -------
    tuple of numpy.ndarray
        ``(intercept_db, slope_db_per_decade)``: the loss at 1 km and its growth per
        decade of distance. [dB], [dB]

    Examples
    --------
    >>> a, b = okumura_hata_terms(923.2e6, h_base_m=30.0, h_mobile_m=1.5)
    >>> bool(np.isclose(a + b * np.log10(5.0), okumura_hata_path_loss(5000.0)))
    True
    """
    if environment not in HATA_ENVIRONMENTS:
        raise ValueError(
            f"environment={environment!r} is unknown; expected one of {HATA_ENVIRONMENTS}."
        )
    f = _positive("freq_hz", freq_hz) / 1e6
    hb = _positive("h_base_m", h_base_m)
    hm = _positive("h_mobile_m", h_mobile_m)
    lf = np.log10(f)
    if large_city:
        a_hm = 3.2 * np.log10(11.75 * hm) ** 2 - 4.97
    else:
        a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8)
    intercept = 69.55 + 26.16 * lf - 13.82 * np.log10(hb) - a_hm
    if environment == "suburban":
        intercept = intercept - 2.0 * np.log10(f / 28.0) ** 2 - 5.4
    elif environment == "open":
        intercept = intercept - 4.78 * lf**2 + 18.33 * lf - 40.94
    return intercept, 44.9 - 6.55 * np.log10(hb)


def okumura_hata_path_loss(
    distance,
    freq_hz=923.2e6,
    *,
    h_base_m=30.0,
    h_mobile_m=1.5,
    environment="urban",
    large_city=False,
):
    """Okumura-Hata median path loss [2]_.

    ``L_u = 69.55 + 26.16 log f - 13.82 log h_b - a(h_m) + (44.9 - 6.55 log h_b) log d``
    with f in MHz and d in km; suburban ``L_u - 2 (log(f/28))^2 - 5.4``; open
    ``L_u - 4.78 (log f)^2 + 18.33 log f - 40.94``. ``a(h_m)`` is the small/medium city
    correction ``(1.1 log f - 0.7) h_m - (1.56 log f - 0.8)`` or, for a large city at
    f >= 300 MHz, ``3.2 (log 11.75 h_m)^2 - 4.97``.

    Parameters
    ----------
    distance : array_like
        Distance, > 0. [m]
    freq_hz : array_like, default 923.2e6
        Carrier frequency. [Hz]
    h_base_m : float, default 30.0
        Gateway antenna height. [m]
    h_mobile_m : float, default 1.5
        Device antenna height. [m]
    environment : {"urban", "suburban", "open"}
        Hata's environment correction.
    large_city : bool, default False
        Use the large-city mobile-antenna correction.

    Returns
    -------
    numpy.ndarray
        Median path loss. [dB]

    Notes
    -----
    Hata's fit is stated for 150-1500 MHz, 1-20 km, base 30-200 m and mobile 1-10 m;
    outside that range (e.g. below 1 km in a dense sensor network) it is extrapolated.
    """
    d_km = _positive("distance", distance) / 1e3
    intercept, slope = okumura_hata_terms(
        freq_hz,
        h_base_m=h_base_m,
        h_mobile_m=h_mobile_m,
        environment=environment,
        large_city=large_city,
    )
    return intercept + slope * np.log10(d_km)


def received_power_dbm(
    tx_power_dbm, path_loss_db, *, tx_gain_dbi=0.0, rx_gain_dbi=0.0, losses_db=0.0
):
    """Received power ``P_rx = P_tx + G_tx + G_rx - PL - losses``.

    Parameters
    ----------
    tx_power_dbm : array_like
        Conducted transmit power, shape ``(n_tx,)`` or broadcastable. [dBm]
    path_loss_db : array_like
        Path loss, e.g. ``(n_tx, n_gw)``. [dB]
    tx_gain_dbi, rx_gain_dbi : array_like, default 0
        Antenna gains (``rx_gain_dbi`` may be per gateway, shape ``(n_gw,)``). [dBi]
    losses_db : array_like, default 0
        Cable and other fixed losses. [dB]

    Returns
    -------
    numpy.ndarray
        Received power. [dBm]

    Examples
    --------
    >>> float(received_power_dbm(14.0, 127.41))
    -113.41
    """
    ptx = np.asarray(tx_power_dbm, dtype=np.float64)
    pl = np.asarray(path_loss_db, dtype=np.float64)
    if pl.ndim == 2 and ptx.ndim == 1:
        ptx = ptx[:, None]
    gtx = np.asarray(tx_gain_dbi, dtype=np.float64)
    if pl.ndim == 2 and gtx.ndim == 1:
        gtx = gtx[:, None]
    return ptx + gtx + np.asarray(rx_gain_dbi, dtype=np.float64) - pl - losses_db


def noise_floor_dbm(bw_hz=125_000, noise_figure_db=NOISE_FIGURE_DB):
    """Receiver noise floor ``-174 + 10 log10(BW) + NF`` [4]_.

    Parameters
    ----------
    bw_hz : array_like, default 125000
        Bandwidth. [Hz]
    noise_figure_db : float, default 6.0
        Receiver noise figure [4]_. [dB]

    Returns
    -------
    numpy.ndarray or float
        Noise power in the channel. [dBm]

    Examples
    --------
    >>> round(float(noise_floor_dbm(125_000)), 2)
    -117.03
    """
    bw = _positive("bw_hz", bw_hz)
    out = THERMAL_NOISE_DBM_HZ + 10.0 * np.log10(bw) + noise_figure_db
    return out if np.ndim(out) else float(out)


def snr_floor_db(sf):
    """Minimum SNR the LoRa demodulator needs at a spreading factor [3]_.

    Parameters
    ----------
    sf : array_like of int
        Spreading factor 7..12. [-]

    Returns
    -------
    numpy.ndarray or float
        SNR floor. [dB]

    Examples
    --------
    >>> snr_floor_db([7, 12]).tolist()
    [-7.5, -20.0]
    """
    sf_a = np.asarray(sf)
    if not _valid_sf(sf_a):
        raise ValueError(f"sf must be in 7..12; got {np.unique(sf_a).tolist()[:6]}.")
    out = -7.5 - 2.5 * (sf_a.astype(np.float64) - 7.0)
    return out if out.ndim else float(out)


def sensitivity_dbm(sf, bw_hz=125_000, *, table="snr", noise_figure_db=NOISE_FIGURE_DB):
    """Receiver sensitivity per spreading factor and bandwidth.

    Parameters
    ----------
    sf : array_like of int
        Spreading factor 7..12. [-]
    bw_hz : array_like of int, default 125000
        Bandwidth 125000, 250000 or 500000. [Hz]
    table : {"snr", "sx1276", "lorasim"}
        ``"snr"``: noise floor + SNR floor (AN1200.22 [4]_; -137 dBm at SF12/125 kHz);
        ``"sx1276"``: datasheet table [3]_; ``"lorasim"``: Bor et al.'s measurements as in
        LoRaSim [1]_ [5]_.
    noise_figure_db : float, default 6.0
        Used by ``table="snr"`` only. [dB]

    Returns
    -------
    numpy.ndarray or float
        Sensitivity. [dBm]

    Examples
    --------
    >>> sensitivity_dbm([7, 12], 125_000, table="sx1276").tolist()
    [-123.0, -136.0]
    """
    sf_a = np.asarray(sf)
    bw_a = np.asarray(bw_hz)
    if not _valid_sf(sf_a):
        raise ValueError(f"sf must be in 7..12; got {np.unique(sf_a).tolist()[:6]}.")
    col = _bw_index(bw_a)
    if col is None:
        raise ValueError(
            f"bw_hz must be one of {list(_BW_INDEX)}; got {np.unique(bw_a).tolist()[:6]}."
        )
    if table == "snr":
        # (6, 3) table, noise floor + SNR floor, looked up by (sf - 7, bandwidth column)
        bws = np.array(list(_BW_INDEX), dtype=np.float64)
        tab = (
            np.asarray(noise_floor_dbm(bws, noise_figure_db))[None, :]
            + np.asarray(snr_floor_db(np.arange(7, 13)))[:, None]
        )
    elif table in ("sx1276", "lorasim"):
        tab = SX1276_SENSITIVITY_DBM if table == "sx1276" else LORASIM_SENSITIVITY_DBM
    else:
        raise ValueError(f"table={table!r} is unknown; expected 'snr', 'sx1276' or 'lorasim'.")
    out = tab[sf_a.astype(np.intp) - 7, col]
    out = np.asarray(out, dtype=np.float64)
    return out if out.ndim else float(out)
