"""Network resilience after an earthquake: dark sites, lost coverage, where one more gateway helps.

A sensor is **heard** at a minute when it has power and at least one gateway that has power
is within reach. Reach is a link budget (:mod:`toyama_lab.radio.link`): the median
Okumura-Hata path loss from the sensor to the gateway must not exceed

``L_max = P_tx + G_tx + G_rx - (S(SF, BW) + M)``

with the transmit power ``P_tx``, antenna gains, the receiver sensitivity ``S`` and a fade
margin ``M``. Everything is computed on whole arrays: a ``(n_sensor, n_gateway)`` reach
matrix, ``(n_site, n_time)`` power masks, and a matrix product for "at least one gateway
up in reach".

Assumptions (stated in :data:`LINK_DEFAULTS`; change them as arguments):

* ``tx_power_dbm = 13`` dBm: the 20 mW limit of a Japanese 920 MHz specified low-power
  station (ARIB STD-T108 [3]_; :data:`toyama_lab.radio.regional.JAPAN_MAX_EIRP_DBM`).
* ``sf = 12``, 125 kHz: the slowest, longest-reaching LoRa rate (adaptive data rate moves
  a far sensor there); sensitivity from :func:`toyama_lab.radio.link.sensitivity_dbm`
  (noise floor + demodulator SNR floor, Semtech AN1200.22), -137 dBm.
* ``margin_db = 10`` dB: a planning fade margin, about 2.8 sigma of the 3.57 dB log-normal
  shadowing fitted by Bor et al. (2016) [2]_; an assumption, not a measured value for Toyama.
* Okumura-Hata (Hata 1980 [1]_), ``environment="suburban"`` (most of the city is low-rise),
  gateway antenna at the gateway's ``height_m``, sensor antenna at 1.5 m. Hata's fit is
  stated for 1-20 km and base heights 30-200 m; gateways on 15-20 m roofs and links under
  1 km are extrapolations.
* Terrain, buildings and the direction of antennas are ignored (flat, median path loss).
* A new gateway placed by :func:`greedy_sites` (greedy maximum coverage, within
  1 - 1/e of the best [4]_) has its own backup power for the outage.

References
----------
.. [1] M. Hata (1980), IEEE Trans. Vehicular Technology 29(3), 317-325.
.. [2] M. Bor, U. Roedig, T. Voigt, J. M. Alonso (2016), "Do LoRa Low-Power Wide-Area
   Networks Scale?", Proc. ACM MSWiM, 59-67 (sigma = 3.57 dB).
.. [3] ARIB STD-T108, 920MHz帯テレメータ用、テレコントロール用及びデータ伝送用無線設備.
.. [4] G. L. Nemhauser, L. A. Wolsey, M. L. Fisher (1978): the greedy choice of
   :func:`toyama_lab.maxcover.greedy_max_coverage` reaches at least 1 - 1/e of the best
   coverage.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from toyama_lab.geo import haversine_m
from toyama_lab.maxcover import greedy_max_coverage
from toyama_lab.radio.link import okumura_hata_path_loss, sensitivity_dbm
from toyama_lab.radio.regional import JAPAN_MAX_EIRP_DBM

__all__ = [
    "LINK_DEFAULTS",
    "candidate_sites",
    "coverage_over_time",
    "dark_mask",
    "greedy_sites",
    "max_path_loss_db",
    "reach_m",
    "reach_matrix",
    "sensor_loss_table",
]

#: Link-budget assumptions used by default (see the module docstring for the sources).
LINK_DEFAULTS: dict[str, object] = {
    "sf": 12,
    "bw_hz": 125_000,
    "tx_power_dbm": JAPAN_MAX_EIRP_DBM,
    "tx_gain_dbi": 0.0,
    "rx_gain_dbi": 0.0,
    "margin_db": 10.0,
    "sensor_height_m": 1.5,
    "environment": "suburban",
}


def max_path_loss_db(
    *,
    sf: int = 10,
    bw_hz: int = 125_000,
    tx_power_dbm: float = JAPAN_MAX_EIRP_DBM,
    tx_gain_dbi: float = 0.0,
    rx_gain_dbi: float = 0.0,
    margin_db: float = 10.0,
) -> float:
    """The largest path loss a link may have and still be heard with the margin. [dB]

    Examples
    --------
    >>> round(max_path_loss_db(sf=10, margin_db=10.0), 1)
    135.0
    """
    if not (math.isfinite(margin_db) and margin_db >= 0):
        raise ValueError(f"margin_db={margin_db!r} must be a non-negative number of dB, e.g. 10.")
    sens = float(sensitivity_dbm(sf, bw_hz))
    return float(tx_power_dbm + tx_gain_dbi + rx_gain_dbi - (sens + margin_db))


def reach_m(gw_height_m, **link) -> np.ndarray:
    """Distance at which the median Hata path loss equals :func:`max_path_loss_db`. [m]

    Parameters
    ----------
    gw_height_m : array_like
        Gateway antenna height. [m]
    **link
        Any of :data:`LINK_DEFAULTS`.

    Returns
    -------
    numpy.ndarray
        Reach per gateway. [m]
    """
    p = _link(link)
    hb = np.asarray(gw_height_m, dtype=np.float64)
    l1 = okumura_hata_path_loss(
        1000.0, h_base_m=hb, h_mobile_m=p["sensor_height_m"], environment=p["environment"]
    )
    slope = 44.9 - 6.55 * np.log10(hb)  # dB per decade of distance (Hata)
    return 1000.0 * 10.0 ** ((_lmax(p) - l1) / slope)


def _link(link: dict) -> dict:
    unknown = sorted(set(link) - set(LINK_DEFAULTS))
    if unknown:
        raise TypeError(
            f"unknown link parameter(s) {unknown}; expected some of {sorted(LINK_DEFAULTS)}."
        )
    return {**LINK_DEFAULTS, **link}


def _lmax(p: dict) -> float:
    return max_path_loss_db(
        sf=p["sf"],
        bw_hz=p["bw_hz"],
        tx_power_dbm=p["tx_power_dbm"],
        tx_gain_dbi=p["tx_gain_dbi"],
        rx_gain_dbi=p["rx_gain_dbi"],
        margin_db=p["margin_db"],
    )


def reach_matrix(sensors: pl.DataFrame, sites: pl.DataFrame, **link) -> np.ndarray:
    """Which site (gateway or candidate) can hear which sensor.

    Parameters
    ----------
    sensors : polars.DataFrame
        ``lon``, ``lat`` [deg] per sensor.
    sites : polars.DataFrame
        ``lon``, ``lat`` [deg] and ``height_m`` [m] per gateway or candidate site.
    **link
        Any of :data:`LINK_DEFAULTS`.

    Returns
    -------
    numpy.ndarray of bool, shape (n_sensor, n_site)
        True where the median path loss is at most :func:`max_path_loss_db`.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    needs = ((sensors, "sensors", ("lon", "lat")), (sites, "sites", ("lon", "lat", "height_m")))
    for df, what, cols in needs:
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"{what} lack column(s) {missing}; expected {list(cols)}.")
    p = _link(link)
    d = haversine_m(
        sensors["lon"].to_numpy()[:, None],
        sensors["lat"].to_numpy()[:, None],
        sites["lon"].to_numpy()[None, :],
        sites["lat"].to_numpy()[None, :],
    )
    loss = okumura_hata_path_loss(
        np.maximum(d, 1.0),
        h_base_m=sites["height_m"].to_numpy()[None, :],
        h_mobile_m=p["sensor_height_m"],
        environment=p["environment"],
    )
    return loss <= _lmax(p)


def dark_mask(outages: pl.DataFrame, ids, times) -> np.ndarray:
    """``(n_id, n_time)`` mask: True where a site has no power (``start <= t < end``).

    Parameters
    ----------
    outages : polars.DataFrame
        The ``outages`` event table (``target_id``, ``start``, ``end``).
    ids : sequence of str
        Site ids (sensor or gateway ids), the rows of the mask.
    times : array_like of datetime64
        The time axis, the columns of the mask.

    Returns
    -------
    numpy.ndarray of bool
    """
    missing = [c for c in ("target_id", "start", "end") if c not in outages.columns]
    if missing:
        raise ValueError(f"outages lack column(s) {missing}; pass ds.events('outages').")
    ids = [str(i) for i in ids]
    t = np.asarray(times).astype("datetime64[ms]")
    o = outages.filter(pl.col("target_id").is_in(ids))
    mask = np.zeros((len(ids), t.size), dtype=bool)
    if o.height == 0:
        return mask
    row = np.array([ids.index(i) for i in o["target_id"].to_list()])
    s = o["start"].cast(pl.Datetime("ms")).to_numpy()
    e = o["end"].cast(pl.Datetime("ms")).to_numpy()
    inside = (t[None, :] >= s[:, None]) & (t[None, :] < e[:, None])  # (n_outage, n_time)
    np.logical_or.at(mask, row, inside)
    return mask


def coverage_over_time(
    reach: np.ndarray, gateway_dark: np.ndarray, sensor_dark: np.ndarray
) -> dict[str, np.ndarray]:
    """Each sensor's state at each time: dark, orphaned (powered, no gateway) or heard.

    Parameters
    ----------
    reach : numpy.ndarray of bool, shape (n_sensor, n_gateway)
        From :func:`reach_matrix`.
    gateway_dark, sensor_dark : numpy.ndarray of bool
        ``(n_gateway, n_time)`` and ``(n_sensor, n_time)`` power-cut masks (:func:`dark_mask`).

    Returns
    -------
    dict
        ``heard``, ``orphaned``, ``dark`` (each ``(n_sensor, n_time)`` bool, exclusive) and
        ``n_gateways_up`` (``(n_sensor, n_time)`` int: gateways up within reach) and
        ``n_in_reach`` (``(n_sensor,)`` int: gateways within reach when all are up).
    """
    reach = np.asarray(reach, dtype=bool)
    if reach.shape != (sensor_dark.shape[0], gateway_dark.shape[0]):
        raise ValueError(
            f"reach has shape {reach.shape} but there are {sensor_dark.shape[0]} sensors and "
            f"{gateway_dark.shape[0]} gateways; build the masks for the same sites."
        )
    up = (~np.asarray(gateway_dark, dtype=bool)).astype(np.int32)
    n_up = reach.astype(np.int32) @ up
    dark = np.asarray(sensor_dark, dtype=bool)
    heard = ~dark & (n_up > 0)
    return {
        "heard": heard,
        "orphaned": ~dark & ~heard,
        "dark": dark,
        "n_gateways_up": n_up,
        "n_in_reach": reach.sum(axis=1),
    }


def sensor_loss_table(sensors: pl.DataFrame, state: dict, step_min: float = 1.0) -> pl.DataFrame:
    """Minutes each sensor was dark (own power) or orphaned (no gateway up in reach).

    Parameters
    ----------
    sensors : polars.DataFrame
        The sensor rows, in the order of the masks (``sensor_id``, ``kind``, ``lon``, ``lat``).
    state : dict
        From :func:`coverage_over_time`.
    step_min : float
        Minutes per time step. [min]

    Returns
    -------
    polars.DataFrame
        ``sensor_id``, ``kind``, ``lon``, ``lat``, ``dark_min``, ``orphaned_min``,
        ``never_in_reach`` (no gateway in reach even with every gateway up) and
        ``lost_min`` (orphaned minutes of sensors that are normally in reach: coverage
        lost because gateways went down), sorted by ``lost_min`` descending.
    """
    n = state["heard"].shape[0]
    if sensors.height != n:
        raise ValueError(f"sensors has {sensors.height} rows but the masks have {n}.")
    never = np.asarray(state["n_in_reach"]) == 0
    return (
        sensors.select("sensor_id", "kind", "lon", "lat")
        .with_columns(
            pl.Series("dark_min", state["dark"].sum(axis=1) * step_min, dtype=pl.Float64),
            pl.Series("orphaned_min", state["orphaned"].sum(axis=1) * step_min, dtype=pl.Float64),
            pl.Series("never_in_reach", never),
        )
        .with_columns(
            lost_min=pl.when(pl.col("never_in_reach")).then(0.0).otherwise(pl.col("orphaned_min"))
        )
        .sort("lost_min", "sensor_id", descending=[True, False])
    )


def candidate_sites(city, *, height_m: float = 15.0, min_gap_m: float = 100.0) -> pl.DataFrame:
    """Candidate sites for one more gateway: schools and city-hall counters without one.

    Parameters
    ----------
    city : toyama_lab.city.City
        Uses ``schools``, ``counters`` and ``gateways``.
    height_m : float
        Antenna height assumed on a school or community building roof. [m]
    min_gap_m : float
        A site within this distance of an existing gateway is left out. [m]

    Returns
    -------
    polars.DataFrame
        ``site_id``, ``name_ja``, ``name_romaji``, ``kind`` (``school``/``counter``),
        ``lon``, ``lat`` [deg], ``height_m`` [m].
    """
    cols = ("name_ja", "name_romaji", "lon", "lat")
    sites = pl.concat(
        [
            city.schools.select(pl.col("school_id").alias("site_id"), *cols).with_columns(
                kind=pl.lit("school")
            ),
            city.counters.select(pl.col("counter_id").alias("site_id"), *cols).with_columns(
                kind=pl.lit("counter")
            ),
        ]
    ).with_columns(height_m=pl.lit(float(height_m)))
    gw = city.gateways
    d = haversine_m(
        sites["lon"].to_numpy()[:, None],
        sites["lat"].to_numpy()[:, None],
        gw["lon"].to_numpy()[None, :],
        gw["lat"].to_numpy()[None, :],
    )
    return sites.filter(pl.Series(d.min(axis=1) > min_gap_m)).select(
        "site_id", "name_ja", "name_romaji", "kind", "lon", "lat", "height_m"
    )


def greedy_sites(
    sensors: pl.DataFrame, sites: pl.DataFrame, weights, k: int = 3, **link
) -> pl.DataFrame:
    """Where one (or ``k``) more gateways win back the most lost sensor time.

    Parameters
    ----------
    sensors : polars.DataFrame
        Sensor rows (``lon``, ``lat``), e.g. from :func:`sensor_loss_table`.
    sites : polars.DataFrame
        Candidate sites (:func:`candidate_sites`).
    weights : array_like
        What a sensor is worth when regained, e.g. its ``orphaned_min``.
    k : int
        Number of sites to choose.
    **link
        Link-budget parameters (:data:`LINK_DEFAULTS`).

    Returns
    -------
    polars.DataFrame
        The rows of :func:`toyama_lab.maxcover.greedy_max_coverage` joined with the
        site's ``site_id``, ``name_ja``, ``name_romaji``, ``lon``, ``lat`` and
        ``n_sensors`` (sensors newly in reach with a positive weight).
    """
    reach = reach_matrix(sensors, sites, **link)
    picks = greedy_max_coverage(reach, k, weights)
    w = np.asarray(weights, dtype=np.float64)
    left = w > 0
    n_new = []
    for j in picks["candidate"].to_list():
        n_new.append(int((left & reach[:, j]).sum()))
        left &= ~reach[:, j]
    info = sites.with_row_index("candidate").with_columns(pl.col("candidate").cast(pl.Int64))
    return picks.with_columns(pl.Series("n_sensors", n_new, dtype=pl.Int64)).join(
        info.select("candidate", "site_id", "name_ja", "name_romaji", "lon", "lat"),
        on="candidate",
        how="left",
        maintain_order="left",
    )
