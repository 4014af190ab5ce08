"""The radio road: transmissions on the air and receptions at the gateways, on whole arrays.

For every planned uplink: a channel, a spreading factor, a transmit power and a time on
air; the Japanese channel-access rules decide whether it goes on air (and when); then every
(transmission x gateway) pair within reach gets a received power, an SNR and a fate
(received, out of range, gateway down, no free demodulator, collision).

Link model (every figure that is not a standard is marked *assumption*)
-----------------------------------------------------------------------
* **Path loss**: Okumura-Hata median loss (:func:`toyama_lab.radio.link.okumura_hata_path_loss`,
  Hata 1980) with the gateway's ``height_m`` as base-station height and the device height
  of :data:`DEVICE_HEIGHT_M`; "urban" within :data:`URBAN_RADIUS_M` of the city hall
  gateway, "suburban" outside (assumption: Toyama's dense centre is about 3 km across).
  Distances are floored at 50 m (Hata is fitted from 1 km; below it the formula is
  extrapolated).
* **Shadowing**: log-normal, sigma 6 dB (3GPP TR 38.901 Table 7.4.1-1, UMa NLOS), static
  per (device, gateway) for fixed sensors and drawn afresh per fix for trackers (fixes are
  ~140 m apart, beyond the ~50 m decorrelation distance of TR 38.901 UMa).
* **Per-frame fading**: N(0, 2 dB) per (transmission, gateway) (assumption: slow
  variation of a static narrowband link; no Rayleigh term, LoRa's bandwidth and the
  gateways' height make deep fades rare in the RSSI reported per frame). Drawn by
  :mod:`toyama_lab.radio.fading`: a 32-bit counter-based hash of (seed, link, FCnt and
  attempt) picks one of 65,536 equiprobable cells of the normal (inverse-CDF table),
  bounded at 4.32 sigma (the pair selection neglects beyond 4 sigma anyway).
* **Power and antennas**: 13 dBm EIRP (ARIB STD-T108 20 mW class,
  :data:`toyama_lab.radio.regional.JAPAN_MAX_EIRP_DBM`), gateway antenna gain 2 dBi
  (assumption: a typical omni collinear after cable loss). Indoor devices (the city-hall
  ticket machines) lose a further 10 dB entering the building (assumption, of the order
  of ITU-R P.2109 for traditional buildings near 1 GHz).
* **SNR**: RSSI minus the noise floor -174 + 10 log10(BW) + 6 dB (AN1200.22).
* **Sensitivity and collisions**: :func:`toyama_lab.radio.collisions.receive_pairs` (noise
  floor + SNR floor, 8 SX1301 demodulator paths per gateway, 6 dB co-SF capture, Croce et
  al. inter-SF thresholds, lock after 3 preamble symbols). A pair is only simulated when
  its power is at least :func:`pair_cutoff_dbm` of its SF (SF7: -133.5 dBm ... SF12:
  :data:`CUTOFF_DBM` = -146.0 dBm with the defaults): the weakest power at which a frame
  of that SF can spoil a reception (a victim is at least at its own sensitivity and
  fails when the interferer is within the SIR threshold of it; for co-SF that is
  sensitivity minus 6 dB), less 3 dB so that two such interferers adding up are still
  counted. Weaker signals can neither be received nor spoil a reception unless three or
  more of them add up, which is neglected. A frame that meets no other frame in time and
  band and never finds the demodulators crowded
  (:func:`toyama_lab.radio.collisions.contention_mask`, about 97 % of a city day) is
  received exactly where its power reaches the sensitivity: only those pairs are drawn
  and none goes through the reception model.
* **ADR**: each fixed device uses the lowest SF whose best-gateway SNR keeps a 10 dB
  installation margin (:func:`toyama_lab.radio.adr.assign_sf`, Semtech's recommended ADR);
  with no such SF it stays at SF12. The SF does not follow outages (ADR backs off only
  after ADR_ACK_LIMIT = 64 silent uplinks, about 11 h at 10 min). Trackers are mobile and
  run without ADR at :attr:`~toyama_lab.network.config.RadioConfig.tracker_sf` (LoRa
  Alliance advice: ADR for static devices only).
* **Channels**: the eight uplink channels of the AS923 Japan plan used by The Things
  Network (``AS_920_923_TTN_JP_1``: 922.0-923.4 MHz, 125 kHz), one chosen at random per
  uplink as LoRaMAC does.
* **Regional rules**: :func:`toyama_lab.radio.regional.apply_regional_rules` with
  :data:`toyama_lab.radio.regional.ARIB_T108` by default (5 ms carrier sense at -80 dBm,
  at most 4 s per frame, 50 ms pause, 360 s per device-hour; the listen-before-talk
  settings of TTN's ``AS_920_923_TTN_JP_1`` plan are the same 5 ms / -80 dBm). With
  ``RadioConfig(rules=AS923_DWELL)`` the AS923 400 ms uplink dwell time applies as well:
  a device whose ADR needs SF11/SF12 then cannot send (``dwell_time``). A device hears another
  through ground-level log-distance loss: 31.7 dB at 1 m (free space at 923 MHz) and
  exponent 3.5 (urban, Rappaport, "Wireless Communications", Table 4.2: 2.7-3.5), so only
  devices within about 60 m sense each other (hidden terminals are the rule).

Randomness is counter-based (:mod:`toyama_lab.synth.random`) on ``(seed, device, counter)``
so the air of a day does not depend on which other days are simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from toyama_lab._ragged import items, owners
from toyama_lab.geo import local_xy_m
from toyama_lab.network.config import AS923_JP_CHANNELS_HZ, RadioConfig
from toyama_lab.radio import fading
from toyama_lab.radio.adr import assign_sf
from toyama_lab.radio.airtime import time_on_air
from toyama_lab.radio.collisions import (
    COLLISION,
    INTERFERENCE,
    NO_DEMODULATOR,
    OUT_OF_RANGE,
    RECEIVED,
    contention_mask,
    harmful_pairs,
    receive_pairs,
    sir_threshold_matrix,
)
from toyama_lab.radio.link import (
    noise_floor_dbm,
    okumura_hata_terms,
    sensitivity_dbm,
)
from toyama_lab.radio.regional import (
    DELAYED_CS,
    DROPPED_BUDGET,
    DROPPED_CS,
    DROPPED_MAX_TX,
    apply_regional_rules,
)
from toyama_lab.synth import random as rnd

__all__ = [
    "CUTOFF_DBM",
    "DETAILS",
    "DEVICE_HEIGHT_M",
    "LOSS_REASONS",
    "MARGIN_SIGMA",
    "URBAN_RADIUS_M",
    "Air",
    "Links",
    "build_links",
    "pair_cutoff_dbm",
    "simulate_air",
]

#: Antenna height above ground per device kind [m] (assumptions: pole-mounted counters,
#: gauge boxes, an indoor ticket machine, a tracker in a school bag).
DEVICE_HEIGHT_M = {
    "pedestrian": 3.0,
    "bicycle_park": 2.5,
    "counter": 1.5,
    "rain": 2.0,
    "river": 4.0,
    "gps_tracker": 1.0,
}
#: Building entry loss per kind [dB] (assumption, see module notes).
INDOOR_LOSS_DB = {"counter": 10.0}
#: Radius of the "urban" Hata environment around the city-hall gateway [m] (assumption).
URBAN_RADIUS_M = 3000.0
#: Weakest pair simulated at any SF with the default settings: SF12 sensitivity at 125 kHz
#: minus 9 dB (:func:`pair_cutoff_dbm`). [dBm]
CUTOFF_DBM = float(sensitivity_dbm(12, 125_000)) - 9.0

#: Random terms (fading, tracker shadowing) are drawn only for pairs whose mean power is
#: within this many standard deviations of the level that matters: a pair is left out
#: only when its normal draw would exceed 4 sigma (probability 3.2e-5, one-sided).
MARGIN_SIGMA = 4.0

#: Loss reasons of the transmission truth table, in code order (0 = delivered).
LOSS_REASONS = (
    "delivered",
    "out_of_range",
    "collision",
    "duty_cycle",
    "dwell_time",
    "gateway_down",
    "sensor_down",
    "no_demodulator",
)
(
    DELIVERED,
    L_OUT_OF_RANGE,
    L_COLLISION,
    L_DUTY_CYCLE,
    L_DWELL,
    L_GATEWAY_DOWN,
    L_SENSOR_DOWN,
    L_NO_DEMOD,
) = range(8)
#: Finer cause beside the loss reason (``loss_detail``), in code order (0 = none).
DETAILS = (
    "",
    "co_sf_collision",
    "inter_sf_interference",
    "carrier_sense_busy",
    "hourly_budget",
    "max_dwell_400ms",
    "power_outage",
    "no_reading",
)
_TRACKER_BLOCK = 8192  # tracker fixes per (fix x gateway) block
_PAIR_BLOCK = 1 << 16  # candidate pairs per block of the fixed devices' expansion
_PAIR_GW_DOWN = 5  # pair reason code beyond toyama_lab.radio.collisions.REASONS
_SHADOW_TRK_STREAM = "net-shadow-trk"  # per-fix shadowing of the trackers


@dataclass(frozen=True)
class Links:
    """Static link data: positions, heights and mean received power of fixed devices.

    Attributes
    ----------
    lon0, lat0 : float
        Origin of the local plane (city-hall gateway). [deg]
    gw_x, gw_y, gw_h : numpy.ndarray, shape (n_gw,)
        Gateway positions [m] and antenna heights [m].
    dev_x, dev_y : numpy.ndarray, shape (n_dev,)
        Device positions [m] (NaN for trackers).
    dev_kind : numpy.ndarray of str, shape (n_dev,)
    mean_rssi : numpy.ndarray, shape (n_dev, n_gw)
        Median received power with static shadowing (NaN rows for trackers). [dBm]
    sf : numpy.ndarray of int, shape (n_dev,)
        Spreading factor per device (ADR for fixed devices, fixed for trackers).
    cand_ptr, cand_gw, cand_mean : numpy.ndarray
        CSR lists of the gateways each fixed device can reach (mean power above
        :func:`pair_cutoff_dbm` of its SF less :data:`MARGIN_SIGMA` fading sigmas) and
        that mean power [dBm] (float32); ``cand_gw`` is int32. Per device, the
        ``cand_n_sens`` candidates above the sensitivity margin come first, in gateway
        order, then the others, strongest first.
    seed : int
        Seed the links were built with.
    cand_fade_key : numpy.ndarray of uint32
        Per candidate, the key of its fading stream
        (:func:`toyama_lab.radio.fading.link_keys` of ``device * 1024 + gateway``),
        computed once instead of once per frame.
    cand_n_sens : numpy.ndarray of int, shape (n_dev,)
        How many of those (a prefix) have a mean power above the sensitivity of the
        device's SF less :data:`MARGIN_SIGMA` fading sigmas: the only pairs of a frame that meets no
        other frame (:func:`toyama_lab.radio.collisions.contention_mask`) that can matter.
        Every frame that meets others (whose floor is at most its sensitivity) has all
        of them among its pairs.
    dev_h : numpy.ndarray, shape (n_dev,)
        Antenna height of each device (:data:`DEVICE_HEIGHT_M` of its kind). [m]
    mobile_keys : numpy.ndarray of uint32, shape (2, n_dev, n_gw)
        For mobile devices (trackers), the keys of the fading and of the per-fix
        shadowing stream of every (device, gateway) link (zero rows for fixed devices).
    """

    lon0: float
    lat0: float
    gw_x: np.ndarray
    gw_y: np.ndarray
    gw_h: np.ndarray
    dev_x: np.ndarray
    dev_y: np.ndarray
    dev_kind: np.ndarray
    mean_rssi: np.ndarray
    sf: np.ndarray
    cand_ptr: np.ndarray = field(repr=False)
    cand_gw: np.ndarray = field(repr=False)
    cand_mean: np.ndarray = field(repr=False)
    cand_n_sens: np.ndarray = field(repr=False)
    seed: int = 0
    cand_fade_key: np.ndarray | None = field(default=None, repr=False)
    dev_h: np.ndarray | None = field(default=None, repr=False)
    mobile_keys: np.ndarray | None = field(default=None, repr=False)


def pair_cutoff_dbm(cfg: RadioConfig) -> np.ndarray:
    """Weakest received power worth simulating, per SF of the transmission.

    A frame of SF ``a`` can only make a victim of SF ``b`` fail when its power exceeds
    ``sens_b - sir[b, a]`` (the victim is at least at its sensitivity ``sens_b``); the
    cutoff is the smallest such power over ``b`` (and the frame's own sensitivity), less
    3 dB so that two interferers just below the limit still count together.

    Parameters
    ----------
    cfg : RadioConfig

    Returns
    -------
    numpy.ndarray, shape (6,)
        Cutoff for SF7..SF12. [dBm]

    Examples
    --------
    >>> np.round(pair_cutoff_dbm(RadioConfig()), 1).tolist()
    [-133.5, -136.0, -138.5, -141.0, -143.5, -146.0]
    """
    sens = np.asarray(sensitivity_dbm(np.arange(7, 13), cfg.bw_hz), dtype=np.float64)
    harm = (sens[:, None] - sir_threshold_matrix(cfg.co_sf_db)).min(axis=0)
    return np.minimum(sens, harm) - 3.0


def _mean_rssi(x, y, h, loss, links_gw, cfg: RadioConfig, dtype=np.float64):
    """Median power (no shadowing) of points ``(x, y)`` at every gateway, (n, n_gw) [dBm].

    Okumura-Hata (:func:`toyama_lab.radio.link.okumura_hata_terms`) with the gateway's
    height as base-station height and ``h`` as the device's, urban within
    :data:`URBAN_RADIUS_M` of the centre and suburban outside, distance floored at 50 m;
    the terms are computed per gateway and distinct height, the logarithm once per pair (in
    ``dtype``).
    """
    gx, gy, gh = (np.asarray(v, dtype=dtype) for v in links_gw)
    x, y, h = (np.asarray(v, dtype=dtype) for v in (x, y, h))
    freq = AS923_JP_CHANNELS_HZ[0]
    # the terms depend on the heights only: per gateway and distinct device height
    hu, h_of = np.unique(h, return_inverse=True)
    a_u, slope = okumura_hata_terms(freq, h_base_m=gh[None, :], h_mobile_m=hu[:, None])
    a_s, _ = okumura_hata_terms(freq, h_base_m=gh[None, :], h_mobile_m=hu[:, None],
                                environment="suburban")  # fmt: skip
    urban = np.hypot(x, y) < URBAN_RADIUS_M
    loss_db = a_u.astype(dtype)[h_of.reshape(-1)]
    if not urban.all():
        loss_db[~urban] = a_s.astype(dtype)[h_of.reshape(-1)[~urban]]
    d2 = (x[:, None] - gx[None, :]) ** 2
    d2 += (y[:, None] - gy[None, :]) ** 2
    d2 += (gh[None, :] - h[:, None]) ** 2
    np.maximum(d2, dtype(50.0 * 50.0), out=d2)  # Hata is extrapolated below 1 km; floor 50 m
    log_km = np.log10(d2)
    log_km *= dtype(0.5)
    log_km -= dtype(3.0)  # log10(d / 1 km)
    log_km *= slope.astype(dtype)
    loss_db += log_km
    del d2, log_km
    out = (cfg.eirp_dbm + cfg.gw_gain_dbi - np.asarray(loss, dtype=dtype))[:, None] - loss_db
    return out.astype(dtype, copy=False)


def _centre(gateways: pl.DataFrame) -> tuple[float, float]:
    if "building" in gateways.columns:
        hall = gateways.filter(pl.col("building") == "city_hall")
        if hall.height:
            return float(hall["lon"][0]), float(hall["lat"][0])
    return float(gateways["lon"].mean()), float(gateways["lat"].mean())


def build_links(city, registry: pl.DataFrame, seed: int, cfg: RadioConfig) -> Links:
    """Positions, ADR spreading factors and static mean powers of every device.

    Parameters
    ----------
    city : toyama_lab.city.City
    registry : polars.DataFrame
        :func:`toyama_lab.network.registry.build_registry` output.
    seed : int
    cfg : RadioConfig

    Returns
    -------
    Links
    """
    gw = city.gateways
    if gw.height == 0:
        raise ValueError("the city has no gateways; nothing could receive the sensors.")
    lon0, lat0 = _centre(gw)
    gx, gy = local_xy_m(gw["lon"].to_numpy(), gw["lat"].to_numpy(), lon0, lat0)
    gh = gw["height_m"].to_numpy().astype(np.float64)
    pos = (
        registry.select("device_index", "kind", "sensor_id")
        .join(city.sensors.select("sensor_id", "lon", "lat"), on="sensor_id", how="left")
        .sort("device_index")
    )
    kind = pos["kind"].to_numpy().astype(str)
    dx, dy = local_xy_m(
        pos["lon"].fill_null(np.nan).to_numpy(), pos["lat"].fill_null(np.nan).to_numpy(), lon0, lat0
    )
    fixed = np.isfinite(dx)
    h = np.array([DEVICE_HEIGHT_M.get(k, 1.5) for k in kind])
    loss = np.array([INDOOR_LOSS_DB.get(k, 0.0) for k in kind])
    n_dev, n_gw = len(kind), gw.height
    mean = np.full((n_dev, n_gw), np.nan)
    fi = np.flatnonzero(fixed)
    if fi.size:
        m = _mean_rssi(dx[fi], dy[fi], h[fi], loss[fi], (gx, gy, gh), cfg)
        shadow = cfg.shadowing_db * rnd.normal(
            seed, "net-shadow", fi[:, None] * 1024 + np.arange(n_gw)[None, :], 0
        )
        mean[fi] = m + shadow
    best_snr = np.nanmax(np.where(fixed[:, None], mean, -np.inf), axis=1) - noise_floor_dbm(
        cfg.bw_hz
    )
    sf = np.where(
        fixed,
        assign_sf(np.where(fixed, best_snr, -99.0), margin_db=cfg.adr_margin_db, unreachable=12),
        cfg.tracker_sf,
    ).astype(np.int64)
    cut = pair_cutoff_dbm(cfg)[sf - 7]
    reach = fixed[:, None] & (mean >= cut[:, None] - MARGIN_SIGMA * cfg.fading_db)
    cnt = reach.sum(axis=1)
    ptr = np.r_[0, np.cumsum(cnt)].astype(np.int64)
    rows, cand = np.nonzero(reach)
    cmean = mean[rows, cand]
    order = np.lexsort((-cmean, rows))  # per device, strongest first
    rows, cand, cmean = rows[order], cand[order], cmean[order]
    sens = np.asarray(sensitivity_dbm(np.arange(7, 13), cfg.bw_hz))[sf - 7]
    above = cmean >= sens[rows] - MARGIN_SIGMA * cfg.fading_db  # a prefix of each device's
    n_sens = np.bincount(rows[above], minlength=n_dev).astype(np.int64)
    # that prefix in gateway order (the rest stays strongest first): a frame that meets no
    # other frame then yields its receptions in (transmission, gateway) order
    order = np.lexsort((np.where(above, cand, -1), ~above, rows))
    rows, cand, cmean = rows[order], cand[order], cmean[order]
    fade_key = fading.link_keys(seed, rows.astype(np.int64) * 1024 + cand)
    mobile_keys = np.zeros((2, n_dev, n_gw), dtype=np.uint32)
    mi = np.flatnonzero(~fixed)
    if mi.size:
        link = mi[:, None] * 1024 + np.arange(n_gw)[None, :]
        mobile_keys[0, mi] = fading.link_keys(seed, link)
        mobile_keys[1, mi] = fading.link_keys(seed, link, _SHADOW_TRK_STREAM)
    return Links(
        lon0, lat0, gx, gy, gh, dx, dy, kind, mean, sf, ptr, cand.astype(np.int32),
        cmean.astype(np.float32), n_sens, int(seed), fade_key, h, mobile_keys,
    )  # fmt: skip


@dataclass(frozen=True)
class Air:
    """What happened on the air to a block of transmissions (input order).

    Attributes
    ----------
    sent_s : numpy.ndarray
        Actual start (after channel-access delays; planned start where not sent). [s]
    freq_hz, sf, airtime_s : numpy.ndarray
        Channel [Hz], spreading factor, time on air [s].
    sent : numpy.ndarray of bool
        Went on air.
    regional : numpy.ndarray of int8
        :data:`toyama_lab.radio.regional.REGIONAL_REASONS` code.
    loss : numpy.ndarray of int8
        :data:`LOSS_REASONS` code.
    detail : numpy.ndarray of int8
        :data:`DETAILS` code.
    pair_tx : numpy.ndarray of int64
        Receptions: transmission row of every received pair.
    pair_gw : numpy.ndarray of int32
        Gateway index of every received pair.
    pair_rssi, pair_snr : numpy.ndarray of float32
        RSSI [dBm] and SNR [dB] of those receptions (float32: a gateway reports RSSI in
        1 dB and SNR in 0.1 dB steps).
    """

    sent_s: np.ndarray
    freq_hz: np.ndarray
    sf: np.ndarray
    airtime_s: np.ndarray
    sent: np.ndarray
    regional: np.ndarray
    loss: np.ndarray
    detail: np.ndarray
    pair_tx: np.ndarray
    pair_gw: np.ndarray
    pair_rssi: np.ndarray
    pair_snr: np.ndarray


def _heard(x, y, eirp_dbm):
    """Carrier-sense power between two transmitters (ground-level log-distance)."""

    def heard_dbm(listener, other):
        d = np.maximum(np.hypot(x[listener] - x[other], y[listener] - y[other]), 1.0)
        return eirp_dbm - (31.7 + 35.0 * np.log10(d))

    return heard_dbm


def _fixed_pairs(fr, counts, device, cwords, floor_tx, links: Links, seed: int, cfg):
    """Pairs of fixed devices above their floor: (tx row, gateway, RSSI [dBm] float32).

    Transmissions ``fr`` are expanded into the first ``counts`` of their candidate
    gateways (:class:`Links`: those above the sensitivity margin in gateway order, then
    the others strongest first), the fading is drawn and pairs below ``floor_tx`` (per
    transmission) are dropped, in blocks of about :data:`_PAIR_BLOCK` pairs so that the
    intermediate arrays stay in cache and the heap is reused; the result is the same as
    in one go. ``cwords`` are the frames' :func:`toyama_lab.radio.fading.counter_words`.
    """
    begin = links.cand_ptr[device[fr]]
    keys = links.cand_fade_key if links.seed == seed else None  # None: derived per pair
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(_PAIR_BLOCK, int(ends[-1]) if ends.size else 0,
                                           _PAIR_BLOCK), side="right")  # fmt: skip
    bounds = np.r_[0, cuts, fr.size]
    out = _PairParts()
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if b <= a:
            continue
        # per-frame values taken along each frame's candidates through the frame number of
        # every pair (toyama_lab._ragged: gathers, which let the other air thread run;
        # np.repeat holds the GIL)
        c, f_b = counts[a:b], fr[a:b]
        own = owners(c)
        item = items(begin[a:b], c, own)
        if keys is not None:
            h = keys[item]
        else:  # links built with another seed: keys derived here
            h = fading.link_keys(seed, device[f_b].take(own) * 1024 + links.cand_gw[item])
        with np.errstate(over="ignore"):
            h += cwords[f_b].take(own)
        rssi = fading.normals_from_words(h, cfg.fading_db)
        rssi += links.cand_mean[item]
        keep = np.flatnonzero(rssi >= floor_tx[f_b].take(own))
        out.append(f_b[own[keep]], links.cand_gw[item[keep]], rssi[keep])
    return out.arrays()


class _PairParts:
    """Pairs (tx row int64, gateway int32, RSSI [dBm] float32) gathered in parts."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def append(self, tx, gw, rssi) -> None:
        self.parts.append((tx, gw.astype(np.int32, copy=False), rssi))

    def extend(self, arrays) -> None:
        self.parts.append(arrays)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The parts as three arrays (the only part itself when there is one)."""
        if len(self.parts) == 1:
            return self.parts[0]
        if not self.parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
        return tuple(np.concatenate(c) for c in zip(*self.parts, strict=True))


def _tracker_pairs(mr, device, counter, cwords, x, y, floor_tx, links: Links, seed, cfg):
    """Pairs of mobile devices (children's trackers) above their floor, per fix position.

    In blocks of :data:`_TRACKER_BLOCK` fixes, end to end: the median power of every
    (fix x gateway), the pairs within reach of the floor less the shadowing and fading
    margins, then the shadowing, drawn afresh per fix (keyed on the FCnt ``counter``:
    the same place for every attempt), and the fading (per attempt, ``cwords``), both
    from :mod:`toyama_lab.radio.fading`. The fading is only drawn where it could lift
    the pair to its floor: a fading draw never exceeds the table's last quantile, so a
    pair further below is dropped as it would be after the draw.
    """
    h = links.dev_h[device[mr]]
    # shadowing + fading is normal with the root-sum-square sigma: MARGIN_SIGMA of it
    floor = floor_tx[mr] - MARGIN_SIGMA * float(np.hypot(cfg.shadowing_db, cfg.fading_db))
    fade_max = np.float32(fading.normal_lut()[-1] * cfg.fading_db + 1e-3)
    shadow_words = fading.counter_words(counter[mr])
    gw = (links.gw_x, links.gw_y, links.gw_h)
    n_gw = links.gw_x.size
    keys = links.mobile_keys if links.seed == seed else None  # None: derived per pair
    out = _PairParts()
    cols = np.arange(n_gw)
    for b in range(0, mr.size, _TRACKER_BLOCK):
        blk = slice(b, b + _TRACKER_BLOCK)
        r_b = mr[blk]
        d_b = device[r_b]
        # dense over (fix x gateway): nearly every gateway is within the margins
        m = _mean_rssi(x[r_b], y[r_b], h[blk], np.zeros(r_b.size), gw, cfg, np.float32)
        if keys is not None:
            sh = keys[1][d_b]
        else:
            sh = fading.link_keys(seed, d_b[:, None] * 1024 + cols[None, :], _SHADOW_TRK_STREAM)
        with np.errstate(over="ignore"):
            sh += shadow_words[blk][:, None]
        level = fading.normals_from_words(sh.reshape(-1), cfg.shadowing_db).reshape(m.shape)
        level += m
        near = (m >= floor[blk, None]) & (level >= (floor_tx[r_b] - fade_max)[:, None])
        tb, gb = np.nonzero(near)
        t_tx = r_b[tb]
        level = level[tb, gb]
        if keys is not None:
            fw = keys[0].reshape(-1)[d_b[tb] * n_gw + gb]
        else:
            fw = fading.link_keys(seed, d_b[tb] * 1024 + gb)
        with np.errstate(over="ignore"):
            fw += cwords[t_tx]
        level += fading.normals_from_words(fw, cfg.fading_db)
        keep = np.flatnonzero(level >= floor_tx[t_tx])
        out.append(t_tx[keep], gb[keep], level[keep])
    return out.arrays()


def _hot_floor(hr, start, toa, freq, sf, sens, cfg) -> np.ndarray:
    """Weakest pair power worth simulating for each contending frame ``hr`` (float32 [dBm]).

    A frame's own pairs matter down to its sensitivity; below it a pair only matters as
    an interferer, so only down to where it could spoil a reception of the frames it
    meets in time and band after their receivers lock: victim of SF ``b`` at its
    sensitivity, SIR threshold ``sir[b, a]``, less 3 dB for two such interferers adding
    up (the reasoning of :func:`pair_cutoff_dbm`, per pair of frames instead of over all
    SFs; never below :func:`pair_cutoff_dbm`, so the candidate lists of :class:`Links`
    cover it).
    """
    floor = sens[sf[hr] - 7].astype(np.float64)
    k = sf[hr] - 7
    vic, intf = harmful_pairs(start[hr], start[hr] + toa[hr], freq[hr], cfg.bw_hz, sf[hr])
    need = sens[k[vic]] - sir_threshold_matrix(cfg.co_sf_db)[k[vic], k[intf]] - 3.0
    np.minimum.at(floor, intf, need)
    return floor.astype(np.float32)


def _candidates_above(links: Links, dev: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per frame, how many of its device's candidates have mean >= level (a prefix).

    ``level`` is at most the device's sensitivity less :data:`MARGIN_SIGMA` fading sigmas
    (the floor of a frame is at most its sensitivity), so the ``cand_n_sens`` first
    candidates always count; the others are strongest first.
    """
    ptr = links.cand_ptr
    # one sorted key over all devices: device number, then descending mean power, the
    # candidates above the sensitivity margin (in gateway order) as the strongest
    owner = owners(np.diff(ptr))
    span = 1000.0  # [dB], wider than any spread of powers
    mean = np.clip(links.cand_mean.astype(np.float64), -span / 2, span / 2)
    mean[np.arange(owner.size) - ptr[owner] < links.cand_n_sens[owner]] = span / 2
    key = owner * span - mean
    at = np.searchsorted(key, dev * span - np.clip(level, -span / 2, span / 2), side="right")
    return at - ptr[dev]


def _down_mask(p_tx, p_gw, start, gw_down) -> np.ndarray | None:
    """Pairs whose gateway is down at the transmission's start (None: no outage)."""
    if gw_down is None or not len(gw_down[0]) or p_tx.size == 0:
        return None
    down = np.zeros(p_tx.size, dtype=bool)
    t = start[p_tx]
    for g, s, e in zip(gw_down[0].tolist(), gw_down[1].tolist(), gw_down[2].tolist(),
                       strict=True):  # fmt: skip
        down |= (p_gw == g) & (t >= s) & (t < e)
    return down if down.any() else None


def _contend_hot(h_tx, h_gw, h_rssi, start, toa, freq, sf, cfg) -> np.ndarray:
    """Reception reason of the pairs of contending transmissions (all of ``h_tx`` hot).

    Runs :func:`toyama_lab.radio.collisions.receive_pairs` on the sub-problem of the
    transmissions that have such pairs: cold transmissions neither disturb nor occupy
    the demodulators of hot ones (see :func:`toyama_lab.radio.collisions.contention_mask`),
    so the outcome is the one of the whole set, at the cost of the hot part only.
    """
    if h_tx.size == 0:
        return np.zeros(0, dtype=np.int8)
    mark = np.zeros(start.size, dtype=bool)
    mark[h_tx] = True
    txs = np.flatnonzero(mark)
    local = (np.cumsum(mark) - 1)[h_tx]
    return receive_pairs(
        local, h_gw, start[txs], toa[txs], freq[txs], sf[txs], cfg.bw_hz, h_rssi,
        sir_db=sir_threshold_matrix(cfg.co_sf_db), n_demodulators=cfg.n_demodulators,
    )  # fmt: skip


def simulate_air(
    device: np.ndarray,
    counter: np.ndarray,
    planned_s: np.ndarray,
    phy_len: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    links: Links,
    *,
    seed: int,
    cfg: RadioConfig,
    gw_down: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    attempt: np.ndarray | None = None,
) -> Air:
    """Channel, SF, airtime, channel access and receptions of a block of uplinks.

    Parameters
    ----------
    device, counter : numpy.ndarray of int, shape (n,)
        Device index and a per-device counter (FCnt) keying the random draws.
    planned_s : numpy.ndarray, shape (n,)
        Planned start [s] on a clock shared by all devices (hour-aligned: the hourly
        budget counts clock hours of it).
    phy_len : numpy.ndarray of int, shape (n,)
        PHYPayload length [bytes].
    x, y : numpy.ndarray, shape (n,)
        Transmitter position in the local plane of ``links`` [m].
    links : Links
    seed : int
    cfg : RadioConfig
    gw_down : tuple of arrays, optional
        ``(gateway index, start_s, end_s)`` intervals when a gateway is down.
    attempt : numpy.ndarray of int, shape (n,), optional
        Transmission attempt of each frame (0 = first, the default). A retransmission
        keeps the frame's FCnt but draws its channel and fading afresh: the draws are
        keyed on ``counter + attempt * 2**32``, so attempt 0 draws exactly as without
        it. A tracker's shadowing stays keyed on ``counter`` (same place, same
        obstacles).

    Returns
    -------
    Air
    """
    n = device.size
    sf = links.sf[device]
    draw = counter
    if attempt is not None:
        draw = np.asarray(counter, dtype=np.int64) + (np.asarray(attempt, dtype=np.int64) << 32)
    ch = np.minimum(
        (rnd.uniform(seed, "net-channel", device, draw) * len(cfg.channels_hz)).astype(np.int64),
        len(cfg.channels_hz) - 1,
    )
    freq = np.asarray(cfg.channels_hz, dtype=np.int64)[ch]
    toa = np.asarray(time_on_air(phy_len, sf, bw_hz=cfg.bw_hz), dtype=np.float64).reshape(n)
    loss = np.zeros(n, dtype=np.int8)
    detail = np.zeros(n, dtype=np.int8)
    empty_i = np.zeros(0, dtype=np.int64)
    if n == 0:
        e = np.zeros(0)
        return Air(e, empty_i, empty_i, e, np.zeros(0, bool), np.zeros(0, np.int8), loss,
                   detail, empty_i, empty_i, e, e)  # fmt: skip
    reg = apply_regional_rules(
        device,
        planned_s,
        toa,
        freq,
        rules=cfg.rules,
        heard_dbm=_heard(x, y, cfg.eirp_dbm),
        channel=ch,
    )
    start = reg.start_s
    reason = reg.reason
    sent = reason <= DELAYED_CS
    loss[reason == DROPPED_MAX_TX] = L_DWELL
    detail[reason == DROPPED_MAX_TX] = DETAILS.index("max_dwell_400ms")
    loss[reason == DROPPED_CS] = L_DUTY_CYCLE
    detail[reason == DROPPED_CS] = DETAILS.index("carrier_sense_busy")
    loss[reason == DROPPED_BUDGET] = L_DUTY_CYCLE
    detail[reason == DROPPED_BUDGET] = DETAILS.index("hourly_budget")

    # -- pairs within reach, split by contention (contention_mask): a frame that meets no
    # other frame is received exactly at the gateways where its power reaches the
    # sensitivity, so only its pairs down to sensitivity are drawn ("cold"); the frames
    # that meet others ("hot") get their pairs down to a per-frame floor (_hot_floor) and
    # the full reception model. Fixed devices from their candidate lists, trackers per fix.
    sens = np.asarray(sensitivity_dbm(np.arange(7, 13), cfg.bw_hz))
    rows = np.flatnonzero(sent)
    hot = np.zeros(n, dtype=bool)
    hot[rows] = contention_mask(
        start[rows], toa[rows], freq[rows], cfg.bw_hz, n_demodulators=cfg.n_demodulators
    )
    floor_tx = sens[sf - 7].astype(np.float32)
    hr = rows[hot[rows]]
    floor_tx[hr] = _hot_floor(hr, start, toa, freq, sf, sens, cfg)
    cwords = fading.counter_words(draw)
    mobile = ~np.isfinite(links.dev_x[device])

    cr = rows[~hot[rows]]
    cold_fr, cold_mr = cr[~mobile[cr]], cr[mobile[cr]]
    hot_fr, hot_mr = hr[~mobile[hr]], hr[mobile[hr]]
    cold_n = links.cand_n_sens[device[cold_fr]]
    hot_n = _candidates_above(
        links, device[hot_fr], floor_tx[hot_fr] - MARGIN_SIGMA * cfg.fading_db
    )
    fix = (device, cwords, floor_tx, links, seed, cfg)
    trk = (device, counter, cwords, x, y, floor_tx, links, seed, cfg)
    # cold pairs stay in their parts (fixed devices, trackers) until the one final copy
    cold = [_fixed_pairs(cold_fr, cold_n, *fix)]
    hot_p = _PairParts()
    hot_p.extend(_fixed_pairs(hot_fr, hot_n, *fix))
    if cold_mr.size:
        cold.append(_tracker_pairs(cold_mr, *trk))
    if hot_mr.size:
        hot_p.extend(_tracker_pairs(hot_mr, *trk))
    h_tx, h_gw, h_rssi = hot_p.arrays()

    # -- receptions. Cold pairs are all in range: received unless the gateway is down.
    # Hot pairs: the reception model, a gateway that is down neither hears nor suffers.
    c_down = [_down_mask(c_tx, c_gw, start, gw_down) for c_tx, c_gw, _ in cold]
    h_down = _down_mask(h_tx, h_gw, start, gw_down)
    h_reason = np.full(h_tx.size, OUT_OF_RANGE, dtype=np.int8)
    h_up = slice(None) if h_down is None else np.flatnonzero(~h_down)
    h_reason[h_up] = _contend_hot(h_tx[h_up], h_gw[h_up], h_rssi[h_up], start, toa, freq, sf,
                                  cfg)  # fmt: skip
    if h_down is not None:
        h_reason[h_down & (h_rssi >= sens[sf[h_tx] - 7])] = _PAIR_GW_DOWN
    h_got = h_reason == RECEIVED
    delivered = np.zeros(n, dtype=bool)
    for (c_tx, _, _), down in zip(cold, c_down, strict=True):
        delivered[c_tx if down is None else c_tx[~down]] = True
    delivered[h_tx[h_got]] = True

    # -- per lost transmission: the fate at its strongest gateway (few pairs)
    lost_air = sent & ~delivered
    best_reason = np.full(n, OUT_OF_RANGE, dtype=np.int8)
    lh = np.flatnonzero(lost_air[h_tx])
    l_tx, l_rssi, l_reason = h_tx[lh], h_rssi[lh], h_reason[lh]
    for (c_tx, _, c_rssi), down in zip(cold, c_down, strict=True):
        if down is not None:  # a cold frame lost: every pair it has is at a down gateway
            lc = np.flatnonzero(down & lost_air[c_tx])
            l_tx = np.r_[l_tx, c_tx[lc]]
            l_rssi = np.r_[l_rssi, c_rssi[lc]]
            l_reason = np.r_[l_reason, np.full(lc.size, _PAIR_GW_DOWN, dtype=np.int8)]
    if l_tx.size:
        order = np.lexsort((-l_rssi, l_tx))
        first = order[np.r_[True, l_tx[order][1:] != l_tx[order][:-1]]]
        best_reason[l_tx[first]] = l_reason[first]
    pair_to_loss = {
        OUT_OF_RANGE: (L_OUT_OF_RANGE, 0),
        NO_DEMODULATOR: (L_NO_DEMOD, 0),
        COLLISION: (L_COLLISION, DETAILS.index("co_sf_collision")),
        INTERFERENCE: (L_COLLISION, DETAILS.index("inter_sf_interference")),
        _PAIR_GW_DOWN: (L_GATEWAY_DOWN, DETAILS.index("power_outage")),
    }
    for code, (lr, dt_) in pair_to_loss.items():
        sel = lost_air & (best_reason == code)
        loss[sel] = lr
        detail[sel] = dt_

    # -- the receptions: cold pairs up, then the hot pairs received, in one copy
    got = _PairParts()
    for part, down in zip(cold, c_down, strict=True):
        got.extend(part if down is None else tuple(a[~down] for a in part))
    hg = np.flatnonzero(h_got)
    got.extend((h_tx[hg], h_gw[hg], h_rssi[hg]))
    pair_tx, pair_gw, pair_rssi = got.arrays()
    snr = pair_rssi - np.float32(noise_floor_dbm(cfg.bw_hz))
    return Air(
        sent_s=start,
        freq_hz=freq,
        sf=sf,
        airtime_s=toa,
        sent=sent,
        regional=reason,
        loss=loss,
        detail=detail,
        pair_tx=pair_tx,
        pair_gw=pair_gw,
        pair_rssi=pair_rssi,
        pair_snr=snr,
    )
