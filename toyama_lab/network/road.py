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
  inverse-CDF sampling from a 65,537-node quantile table (:func:`normal_lut`), which
  truncates at 4.48 sigma (the pair selection neglects beyond 4 sigma anyway).
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
  more of them add up, which is neglected.
* **ADR**: each fixed device uses the lowest SF whose best-gateway SNR keeps a 10 dB
  installation margin (:func:`toyama_lab.radio.adr.assign_sf`, Semtech's recommended ADR);
  with no such SF it stays at SF12. The SF does not follow outages (ADR backs off only
  after ADR_ACK_LIMIT = 64 silent uplinks, about 11 h at 10 min). Trackers are mobile and
  run without ADR at :attr:`RadioConfig.tracker_sf` (LoRa Alliance advice: ADR for
  static devices only).
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
from functools import lru_cache

import numpy as np
import polars as pl

from toyama_lab.radio.adr import assign_sf
from toyama_lab.radio.airtime import time_on_air
from toyama_lab.radio.collisions import (
    COLLISION,
    INTERFERENCE,
    NO_DEMODULATOR,
    OUT_OF_RANGE,
    RECEIVED,
    contention_mask,
    receive_pairs,
    sir_threshold_matrix,
)
from toyama_lab.radio.link import (
    local_xy_m,
    noise_floor_dbm,
    okumura_hata_path_loss,
    sensitivity_dbm,
)
from toyama_lab.radio.regional import (
    ARIB_T108,
    DELAYED_CS,
    DROPPED_BUDGET,
    DROPPED_CS,
    DROPPED_MAX_TX,
    JAPAN_MAX_EIRP_DBM,
    RegionalRules,
    apply_regional_rules,
)
from toyama_lab.synth import random as rnd

__all__ = [
    "AS923_JP_CHANNELS_HZ",
    "CUTOFF_DBM",
    "DETAILS",
    "DEVICE_HEIGHT_M",
    "LOSS_REASONS",
    "MARGIN_SIGMA",
    "MAX_RETRANSMISSIONS",
    "NORMAL_LUT_BITS",
    "URBAN_RADIUS_M",
    "Air",
    "Links",
    "RadioConfig",
    "build_links",
    "normal_lut",
    "pair_cutoff_dbm",
    "simulate_air",
]

#: Uplink channels of the AS923 Japan plan of The Things Network (AS_920_923_TTN_JP_1). [Hz]
AS923_JP_CHANNELS_HZ = (
    923_200_000,
    923_400_000,
    922_800_000,
    923_000_000,
    922_600_000,
    922_000_000,
    922_200_000,
    922_400_000,
)
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
#: Most retransmissions of one confirmed frame: 7, i.e. at most 8 transmissions, as
#: Semtech's reference stack LoRaMac-node allows a confirmed uplink (its
#: ``MAX_ACK_RETRIES`` = 8 transmissions).
MAX_RETRANSMISSIONS = 7
_TRACKER_BLOCK = 8192  # tracker fixes per (fix x gateway) block
_PAIR_BLOCK = 1 << 16  # candidate pairs per block of the fixed devices' expansion
_PAIR_GW_DOWN = 5  # pair reason code beyond toyama_lab.radio.collisions.REASONS


@dataclass(frozen=True)
class RadioConfig:
    """Parameters of the radio road (defaults: see the module notes for sources).

    Attributes
    ----------
    rules : RegionalRules
        Channel-access rules.
    channels_hz : tuple of int
        Uplink channels. [Hz]
    eirp_dbm : float
        Device EIRP. [dBm]
    gw_gain_dbi : float
        Gateway antenna gain net of cable loss. [dBi]
    shadowing_db, fading_db : float
        Standard deviations of shadowing and per-frame fading. [dB]
    adr_margin_db : float
        ADR installation margin. [dB]
    tracker_sf : int
        Fixed SF of the children's trackers.
    n_demodulators : int
        LoRa demodulation paths per gateway.
    co_sf_db : float
        Co-SF capture threshold. [dB]
    bw_hz : int
        Channel bandwidth. [Hz]
    confirmed_share : float
        Share of the devices (drawn per device from the seed) that send confirmed data
        up (MType 100) instead of unconfirmed; 0 (the default) sends none.
    max_retransmissions : int
        How many times a confirmed frame that no gateway received is sent again (0 to
        :data:`MAX_RETRANSMISSIONS`; see :mod:`toyama_lab.network.simulate`).
    """

    rules: RegionalRules = ARIB_T108
    channels_hz: tuple[int, ...] = AS923_JP_CHANNELS_HZ
    eirp_dbm: float = JAPAN_MAX_EIRP_DBM
    gw_gain_dbi: float = 2.0
    shadowing_db: float = 6.0
    fading_db: float = 2.0
    adr_margin_db: float = 10.0
    tracker_sf: int = 9
    n_demodulators: int = 8
    co_sf_db: float = 6.0
    bw_hz: int = 125_000
    confirmed_share: float = 0.0
    max_retransmissions: int = 0

    def __post_init__(self):
        share = self.confirmed_share
        if isinstance(share, bool) or not isinstance(share, (int, float, np.integer, np.floating)):
            raise ValueError(
                f"confirmed_share={share!r} must be a number in [0, 1] (the share of devices "
                "sending confirmed uplinks), e.g. 0.0 or 0.5."
            )
        if not 0.0 <= float(share) <= 1.0:
            raise ValueError(
                f"confirmed_share={share!r} is outside [0, 1]; give a share, e.g. 0.5."
            )
        k = self.max_retransmissions
        if (
            isinstance(k, bool)
            or not isinstance(k, (int, np.integer))
            or not 0 <= k <= MAX_RETRANSMISSIONS
        ):
            raise ValueError(
                f"max_retransmissions={k!r} must be an integer from 0 to {MAX_RETRANSMISSIONS}, "
                "e.g. 3."
            )


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
        that mean power [dBm], strongest first.
    seed : int
        Seed the links were built with.
    cand_fade_key : numpy.ndarray of uint64
        Per candidate, the counter-based key of its fading stream
        (``toyama_lab.synth.random.key_of(seed, "net-fade", device * 1024 + gateway)``),
        computed once instead of once per frame.
    cand_n_sens : numpy.ndarray of int, shape (n_dev,)
        How many of those (a prefix) have a mean power above the sensitivity of the
        device's SF less :data:`MARGIN_SIGMA` fading sigmas: the only pairs of a frame that meets no
        other frame (:func:`toyama_lab.radio.collisions.contention_mask`) that can matter.
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


def _path_loss(d_m, gw_h, dev_h, urban, freq_hz=923.2e6):
    d = np.maximum(np.asarray(d_m, dtype=np.float64), 50.0)
    u = okumura_hata_path_loss(d, freq_hz, h_base_m=gw_h, h_mobile_m=dev_h, environment="urban")
    s = okumura_hata_path_loss(d, freq_hz, h_base_m=gw_h, h_mobile_m=dev_h, environment="suburban")
    return np.where(urban, u, s)


def _mean_rssi(x, y, h, loss, links_gw, cfg: RadioConfig):
    """Median power (no shadowing) of points ``(x, y)`` at every gateway, (n, n_gw) [dBm]."""
    gx, gy, gh = links_gw
    d = np.hypot(x[:, None] - gx[None, :], y[:, None] - gy[None, :])
    d = np.sqrt(d * d + (gh[None, :] - h[:, None]) ** 2)
    urban = (np.hypot(x, y) < URBAN_RADIUS_M)[:, None]
    pl_db = _path_loss(d, gh[None, :], h[:, None], urban)
    return cfg.eirp_dbm + cfg.gw_gain_dbi - loss[:, None] - pl_db


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
    n_sens = np.bincount(
        rows[cmean >= sens[rows] - MARGIN_SIGMA * cfg.fading_db], minlength=n_dev
    ).astype(np.int64)
    fade_key = rnd.key_of(seed, "net-fade", rows.astype(np.int64) * 1024 + cand)
    return Links(
        lon0, lat0, gx, gy, gh, dx, dy, kind, mean, sf, ptr, cand.astype(np.int64), cmean,
        n_sens, int(seed), fade_key,
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
    pair_tx, pair_gw : numpy.ndarray of int64
        Receptions: transmission row and gateway index of every received pair.
    pair_rssi, pair_snr : numpy.ndarray
        RSSI [dBm] and SNR [dB] of those receptions.
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


def _ragged(begin: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand CSR slices ``begin[i] : begin[i] + counts[i]``: (row for each item, item)."""
    owner = np.repeat(np.arange(begin.size), counts)
    item = np.arange(int(counts.sum()), dtype=np.int64)
    item += np.repeat(begin - (np.cumsum(counts) - counts), counts)
    return owner, item


#: Bits of the random word that index the inverse-CDF table of the fading normals.
NORMAL_LUT_BITS = 16


@lru_cache(maxsize=1)
def normal_lut() -> np.ndarray:
    """Standard normal quantiles at ``u = i / 2**NORMAL_LUT_BITS``, float32, 65,537 values.

    The two end nodes (u = 0 and 1) are the quantiles of ``0.25 / 2**16`` and its
    complement (+-4.48), so a draw never exceeds 4.48 sigma (well beyond
    :data:`MARGIN_SIGMA` = 4 sigma, where the pair selection stops looking anyway). Quantiles
    from :meth:`statistics.NormalDist.inv_cdf` (Wichura's AS241, 1988: about 1e-16
    relative error).
    """
    from statistics import NormalDist

    n = 1 << NORMAL_LUT_BITS
    u = np.arange(n + 1, dtype=np.float64) / n
    u[0], u[-1] = 0.25 / n, 1.0 - 0.25 / n
    inv = NormalDist().inv_cdf
    return np.array([inv(float(v)) for v in u], dtype=np.float32)


def _fade_from_keys(keys: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """Standard normal fading draws, float32, for stream keys and counters.

    ``keys`` are ``toyama_lab.synth.random.key_of(seed, "net-fade", device * 1024 +
    gateway)`` (computed once per link), ``counter`` the frame's FCnt. One SplitMix64
    step (as :func:`toyama_lab.synth.random.hash64`) gives a 64-bit word; its top 16 bits
    pick a cell of :func:`normal_lut` and the next 16 bits interpolate linearly in it
    (inverse-CDF sampling; cheaper than Box-Muller's log, sqrt and cos, and a pure
    function of the word, so as deterministic).
    """
    h = counter.astype(np.uint64)
    with np.errstate(over="ignore"):
        h *= rnd.GOLDEN
        h += keys
    return _normal_from_word(h)


def _normal_from_word(h: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser of ``counter * golden + key`` words (in place), then the table."""
    rnd.mix(h)
    h >>= np.uint64(32)
    w = h.astype(np.uint32)
    del h
    lut = normal_lut()
    idx = (w >> np.uint32(16)).astype(np.intp)
    frac = (w & np.uint32(0xFFFF)).astype(np.float32)
    frac *= np.float32(1.0 / 65536.0)
    lo = lut[idx]
    idx += 1
    hi = lut[idx]
    hi -= lo
    hi *= frac
    hi += lo
    return hi


def _fade(seed: int, index: np.ndarray, counter: np.ndarray) -> np.ndarray:
    """:func:`_fade_from_keys` with the keys derived here (trackers, other seeds)."""
    return _fade_from_keys(rnd.key_of(seed, "net-fade", index), counter)


def _heard(x, y, eirp_dbm):
    """Carrier-sense power between two transmitters (ground-level log-distance)."""

    def heard_dbm(listener, other):
        d = np.maximum(np.hypot(x[listener] - x[other], y[listener] - y[other]), 1.0)
        return eirp_dbm - (31.7 + 35.0 * np.log10(d))

    return heard_dbm


def _fixed_pairs(fr, device, counter, hot, floor_tx, links: Links, seed: int, cfg):
    """Receivable pairs of fixed devices: (tx row, gateway, RSSI [dBm]) above ``floor_tx``.

    Transmissions ``fr`` are expanded into their candidate gateways (all of them for a
    frame that meets others, the prefix within reach of sensitivity otherwise), the
    fading is drawn and weak pairs are dropped, in blocks of about :data:`_PAIR_BLOCK`
    pairs so that the intermediate arrays stay in cache; the result is the same as in
    one go.
    """
    d_fr = device[fr]
    begin = links.cand_ptr[d_fr]
    counts = np.where(hot[fr], links.cand_ptr[d_fr + 1] - begin, links.cand_n_sens[d_fr])
    use_keys = links.cand_fade_key is not None and links.seed == seed
    with np.errstate(over="ignore"):
        c_gold = counter.astype(np.uint64) * rnd.GOLDEN  # the counter half of each word
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(_PAIR_BLOCK, int(ends[-1]) if ends.size else 0,
                                           _PAIR_BLOCK), side="right")  # fmt: skip
    bounds = np.r_[0, cuts, fr.size]
    out_t, out_g, out_r = [], [], []
    sigma = np.float32(cfg.fading_db)
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if b <= a:
            continue
        owner, item = _ragged(begin[a:b], counts[a:b])
        p_tx = fr[a:b][owner]
        p_gw = links.cand_gw[item]
        if use_keys:
            h = c_gold[p_tx]
            with np.errstate(over="ignore"):
                h += links.cand_fade_key[item]
            fade = _normal_from_word(h)
        else:
            fade = _fade(seed, device[p_tx] * 1024 + p_gw, counter[p_tx])
        fade *= sigma
        p_rssi = links.cand_mean[item] + fade
        keep = np.flatnonzero(p_rssi >= floor_tx[p_tx])
        out_t.append(p_tx[keep])
        out_g.append(p_gw[keep])
        out_r.append(p_rssi[keep])
    if not out_t:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), np.zeros(0)
    return np.concatenate(out_t), np.concatenate(out_g), np.concatenate(out_r)


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

    # -- pairs within reach: fixed devices from their candidate lists, trackers per fix
    # (every pair down to the cutoff for frames that meet others, down to sensitivity
    # less the fading margin for the rest: see contention_mask)
    cut = pair_cutoff_dbm(cfg)
    rows = np.flatnonzero(sent)
    hot = np.zeros(n, dtype=bool)
    hot[rows] = contention_mask(
        start[rows], toa[rows], freq[rows], cfg.bw_hz, n_demodulators=cfg.n_demodulators
    )
    sens = np.asarray(sensitivity_dbm(np.arange(7, 13), cfg.bw_hz))
    floor_tx = np.where(hot, cut[sf - 7], sens[sf - 7])  # weakest pair kept, per tx
    fixed = np.isfinite(links.dev_x[device[rows]])
    fr = rows[fixed]
    p_tx, p_gw, p_rssi = _fixed_pairs(fr, device, draw, hot, floor_tx, links, seed, cfg)
    mr = rows[~fixed]
    if mr.size:
        h = np.array([DEVICE_HEIGHT_M.get(k, 1.5) for k in links.dev_kind[device[mr]]])
        sens_mr = np.asarray(sensitivity_dbm(np.arange(7, 13), cfg.bw_hz))[sf[mr] - 7]
        floor = np.where(hot[mr], cut[sf[mr] - 7], sens_mr)
        floor = floor - MARGIN_SIGMA * cfg.shadowing_db - MARGIN_SIGMA * cfg.fading_db
        # (fix x gateway) matrices in blocks of fixes, so memory stays small
        parts_t, parts_g, parts_m = [], [], []
        for b in range(0, mr.size, _TRACKER_BLOCK):
            blk = slice(b, b + _TRACKER_BLOCK)
            r_b = mr[blk]
            m = _mean_rssi(x[r_b], y[r_b], h[blk], np.zeros(r_b.size),
                           (links.gw_x, links.gw_y, links.gw_h), cfg)  # fmt: skip
            tb, gb = np.nonzero(m >= floor[blk, None])
            parts_t.append(tb + b)
            parts_g.append(gb)
            parts_m.append(m[tb, gb])
        ti, gi = np.concatenate(parts_t), np.concatenate(parts_g)
        shadow = cfg.shadowing_db * rnd.normal(
            seed, "net-shadow-trk", device[mr[ti]] * 1024 + gi, counter[mr[ti]]
        )
        t_tx = mr[ti]
        t_mean = np.concatenate(parts_m) + shadow
        fade_trk = _fade(seed, device[mr[ti]] * 1024 + gi, draw[mr[ti]])
        t_rssi = t_mean + fade_trk * np.float32(cfg.fading_db)
        keep = np.flatnonzero(t_rssi >= floor_tx[t_tx])
        p_tx = np.concatenate([p_tx, t_tx[keep]])
        p_gw = np.concatenate([p_gw, gi[keep]])
        p_rssi = np.concatenate([p_rssi, t_rssi[keep]])

    # -- gateways down
    down = np.zeros(p_tx.size, dtype=bool)
    if gw_down is not None and len(gw_down[0]):
        g_idx, g_s, g_e = gw_down
        for g, s, e in zip(g_idx.tolist(), g_s.tolist(), g_e.tolist(), strict=True):
            down |= (p_gw == g) & (start[p_tx] >= s) & (start[p_tx] < e)

    # -- receptions on the pair lists (a gateway that is down neither hears nor suffers)
    p_reason = np.full(p_tx.size, OUT_OF_RANGE, dtype=np.int8)
    up = np.flatnonzero(~down) if down.any() else slice(None)
    if p_tx.size:
        p_reason[up] = receive_pairs(
            p_tx[up],
            p_gw[up],
            start,
            toa,
            freq,
            sf,
            cfg.bw_hz,
            p_rssi[up],
            sir_db=sir_threshold_matrix(cfg.co_sf_db),
            n_demodulators=cfg.n_demodulators,
        )
    if down.any():
        p_reason[np.flatnonzero(down)[p_rssi[down] >= sens[sf[p_tx[down]] - 7]]] = _PAIR_GW_DOWN

    # -- per transmission: delivered, or the fate at the strongest gateway
    got = p_reason == RECEIVED
    delivered = np.zeros(n, dtype=bool)
    delivered[p_tx[got]] = True
    lost_air = sent & ~delivered
    best_reason = np.full(n, OUT_OF_RANGE, dtype=np.int8)
    lp = np.flatnonzero(lost_air[p_tx])  # pairs of the lost transmissions only: few
    if lp.size:
        order = lp[np.lexsort((-p_rssi[lp], p_tx[lp]))]
        first = order[np.r_[True, p_tx[order][1:] != p_tx[order][:-1]]]
        best_reason[p_tx[first]] = p_reason[first]
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
    snr = p_rssi[got] - noise_floor_dbm(cfg.bw_hz)
    return Air(
        sent_s=start,
        freq_hz=freq,
        sf=sf,
        airtime_s=toa,
        sent=sent,
        regional=reason,
        loss=loss,
        detail=detail,
        pair_tx=p_tx[got],
        pair_gw=p_gw[got],
        pair_rssi=p_rssi[got],
        pair_snr=snr,
    )
