"""Network growth experiments: how delivery falls as a LoRaWAN network gains devices.

Three views of the same question, from the simplest to the most detailed:

1. **Pure ALOHA** (Abramson 1970 [1]_): devices send whenever they like, a frame
   survives if no other frame starts within one airtime before or after it. With the
   offered load ``G`` (frames per airtime, summed over all devices of one channel and
   SF), the survival probability is ``exp(-2 G)`` and the throughput ``G exp(-2 G)``,
   at most ``1 / (2 e) ~ 18 %`` at ``G = 0.5``. :func:`offered_load`,
   :func:`pure_aloha_success`, :func:`pure_aloha_throughput`, :func:`max_devices`.
2. **LoRaSim parity** (:func:`lorasim_der_curve`): Bor et al.'s simulator [2]_ with one
   gateway, through :func:`toyama_lab.radio.lorasim.simulate`, for a list of node counts.
3. **City model** (:func:`network_der`, :func:`network_der_curve`): devices spread over
   a disc around one or more gateways, Okumura-Hata path loss, an SF per device (fixed,
   a mix, or by link margin), periodic or Poisson traffic on the AS923 channels [3]_, and
   every (frame, gateway) reception decided by :func:`toyama_lab.radio.collisions.receive`
   (co-SF capture or none, Croce et al.'s inter-SF thresholds, 8 demodulator paths).

References
----------
.. [1] N. Abramson, "The ALOHA System - Another alternative for computer
   communications", AFIPS Fall Joint Computer Conference 1970, pp. 281-285,
   doi:10.1145/1478462.1478502 (channel utilisation ``S = G exp(-2 G)``).
.. [2] M. Bor, U. Roedig, T. Voigt, J. M. Alonso, "Do LoRa Low-Power Wide-Area Networks
   Scale?", ACM MSWiM 2016, doi:10.1145/2988287.2989163.
.. [3] LoRa Alliance, "RP002-1.0.4 LoRaWAN Regional Parameters" (2022), AS923 chapter
   (default channels 923.2 and 923.4 MHz).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from toyama_lab.radio.adr import assign_sf
from toyama_lab.radio.airtime import time_on_air
from toyama_lab.radio.collisions import REASONS, receive, sir_threshold_matrix
from toyama_lab.radio.link import okumura_hata_path_loss, shadowing_db
from toyama_lab.radio.lorasim import EXPERIMENTS, simulate
from toyama_lab.radio.regional import AS923_DEFAULT_CHANNELS_HZ, JAPAN_MAX_EIRP_DBM

__all__ = [
    "LORAWAN_OVERHEAD_BYTES",
    "TRAFFIC",
    "lorasim_der_curve",
    "max_devices",
    "network_der",
    "network_der_curve",
    "offered_load",
    "pure_aloha_success",
    "pure_aloha_throughput",
]

#: MHDR 1 + FHDR 7 (no FOpts) + FPort 1 + MIC 4 (LoRaWAN 1.0.4 section 4). [byte]
LORAWAN_OVERHEAD_BYTES = 13
#: Traffic models of :func:`network_der`.
TRAFFIC = ("periodic", "poisson")
_SFS = (7, 8, 9, 10, 11, 12)


def offered_load(n_devices, airtime_s, interval_s, *, channels: int = 1):
    """Offered load ``G``: frames started per airtime, per channel.

    Parameters
    ----------
    n_devices : array_like
        Devices sharing the channels (same SF). [-]
    airtime_s : array_like
        Time on air of one frame. [s]
    interval_s : array_like
        Mean time between the starts of a device's frames. [s]
    channels : int, default 1
        Channels the devices spread over evenly. [-]

    Returns
    -------
    numpy.ndarray or float
        ``G = n T / (interval channels)``. [-]

    Examples
    --------
    >>> round(float(offered_load(100, 0.5, 100.0)), 3)
    0.5
    """
    n = np.asarray(n_devices, dtype=np.float64)
    t = np.asarray(airtime_s, dtype=np.float64)
    iv = np.asarray(interval_s, dtype=np.float64)
    if np.any(n < 0) or np.any(t <= 0) or np.any(iv <= 0):
        raise ValueError(
            "offered_load needs n_devices >= 0, airtime_s > 0 and interval_s > 0 "
            f"[s]; got {n_devices!r}, {airtime_s!r}, {interval_s!r}."
        )
    if int(channels) != channels or channels < 1:
        raise ValueError(f"channels must be a whole number >= 1; got {channels!r}.")
    return n * t / (iv * channels)


def pure_aloha_success(g):
    """Probability that a pure-ALOHA frame survives, ``exp(-2 G)`` [1]_.

    Parameters
    ----------
    g : array_like
        Offered load (:func:`offered_load`), >= 0. [-]

    Returns
    -------
    numpy.ndarray or float
        Survival probability (the DER of an ALOHA channel without capture). [-]

    Examples
    --------
    >>> round(float(pure_aloha_success(0.5)), 4)
    0.3679
    """
    g = np.asarray(g, dtype=np.float64)
    if np.any(g < 0) or not np.all(np.isfinite(g)):
        raise ValueError(f"offered load G must be finite and >= 0; got {g!r}.")
    return np.exp(-2.0 * g)


def pure_aloha_throughput(g):
    """Pure-ALOHA throughput ``S = G exp(-2 G)`` [1]_ (frames delivered per airtime).

    Examples
    --------
    >>> round(float(pure_aloha_throughput(0.5)), 4)  # the maximum, 1 / (2 e)
    0.1839
    """
    return np.asarray(g, dtype=np.float64) * pure_aloha_success(g)


def max_devices(
    target_der: float,
    payload_bytes: int,
    interval_s: float,
    sfs: Sequence[int] = _SFS,
    *,
    channels: int = len(AS923_DEFAULT_CHANNELS_HZ),
    bw_hz: int = 125_000,
) -> pl.DataFrame:
    """How many devices per SF keep a pure-ALOHA DER at or above a target.

    Inverts ``exp(-2 G) >= target``: ``G_max = -ln(target) / 2`` and
    ``n_max = G_max interval channels / T``. Different SFs are treated as orthogonal
    (each SF is its own ALOHA channel) and capture is ignored, so this is the
    pessimistic textbook bound of one gateway.

    Parameters
    ----------
    target_der : float
        Wanted delivery ratio, 0 < target < 1. [-]
    payload_bytes : int
        Application payload (the 13 LoRaWAN header/MIC bytes are added). [byte]
    interval_s : float
        Time between a device's uplinks. [s]
    sfs : sequence of int
        Spreading factors to tabulate.
    channels : int, default 2
        Uplink channels (AS923 defaults 923.2 and 923.4 MHz [3]_).
    bw_hz : int, default 125000
        Bandwidth. [Hz]

    Returns
    -------
    polars.DataFrame
        ``sf``, ``time_on_air_ms`` [ms], ``g_max`` [-], ``max_devices`` (whole devices).
    """
    if not 0.0 < target_der < 1.0:
        raise ValueError(f"target_der must be between 0 and 1 (exclusive); got {target_der!r}.")
    if not interval_s > 0:
        raise ValueError(f"interval_s must be > 0 [s]; got {interval_s!r}.")
    if int(channels) != channels or channels < 1:
        raise ValueError(f"channels must be a whole number >= 1; got {channels!r}.")
    sf = np.asarray(sfs, dtype=np.int64)
    toa = np.asarray(time_on_air(payload_bytes + LORAWAN_OVERHEAD_BYTES, sf, bw_hz=bw_hz))
    g_max = -np.log(target_der) / 2.0
    n = np.floor(g_max * float(interval_s) * channels / toa)
    return pl.DataFrame(
        {
            "sf": sf,
            "time_on_air_ms": toa * 1e3,
            "g_max": np.full(sf.size, g_max),
            "max_devices": n.astype(np.int64),
        }
    )


def lorasim_der_curve(
    nodes: Sequence[int],
    *,
    experiment: int = 4,
    capture: bool = False,
    avg_send_ms: float = 1e6,
    sim_time_ms: float = 1e7,
    seed: int = 0,
) -> pl.DataFrame:
    """LoRaSim's DER for each node count, beside the pure-ALOHA prediction.

    Parameters
    ----------
    nodes : sequence of int
        Node counts (each >= 1).
    experiment : {0, 1, 3, 4, 5}, default 4
        LoRaSim experiment (4: every node SF12, CR 4/5, 125 kHz, one channel).
    capture : bool, default False
        LoRaSim's full collision check (6 dB capture and preamble timing).
    avg_send_ms, sim_time_ms : float
        Mean wait between frames and simulated time. [ms]
    seed : int
        Seed; run ``i`` uses ``seed + i``.

    Returns
    -------
    polars.DataFrame
        ``nodes``, ``sent``, ``received``, ``der`` (simulated) and ``g`` (offered load
        per frequency, with LoRaSim's per-node rate ``1 / (avg_send + T)``) and
        ``aloha_der`` (``exp(-2 G)``).

    Notes
    -----
    ``g`` and ``aloha_der`` are computed for experiments 0 and 4 (one SF, one
    frequency) and experiment 1 (three frequencies); for 3 and 5, where nodes spread
    over SFs and bandwidths, they are null.
    """
    nodes_a = np.asarray(nodes)
    if nodes_a.ndim != 1 or nodes_a.size == 0:
        raise ValueError(f"nodes must be a non-empty list of node counts; got {nodes!r}.")
    if experiment not in EXPERIMENTS:
        raise ValueError(f"experiment={experiment!r}; expected one of {EXPERIMENTS}.")
    runs = [  # a handful of simulator runs, each vectorised inside
        simulate(
            int(n),
            experiment,
            capture=capture,
            avg_send_ms=avg_send_ms,
            sim_time_ms=sim_time_ms,
            seed=seed + i,
        )
        for i, n in enumerate(nodes_a)
    ]
    table = pl.DataFrame([r.as_dict() for r in runs]).select(
        "nodes", "sent", "received", "collided", "der"
    )
    if experiment in (0, 1, 4):
        cr = 8 if experiment in (0, 1) else 5
        toa_ms = float(time_on_air(20, 12, cr=cr, low_data_rate=True)) * 1e3
        freqs = 3 if experiment == 1 else 1
        g = offered_load(nodes_a, toa_ms, avg_send_ms + toa_ms, channels=freqs)
        aloha = pure_aloha_success(g)
    else:
        g = aloha = np.full(nodes_a.size, None)
    return table.with_columns(
        pl.Series("g", g, dtype=pl.Float64), pl.Series("aloha_der", aloha, dtype=pl.Float64)
    )


def _gateway_xy(n_gateways: int, radius_m: float) -> np.ndarray:
    """One gateway at the centre, the others evenly on a ring at half the radius. [m]"""
    angle = 2.0 * np.pi * np.arange(n_gateways - 1) / max(n_gateways - 1, 1)
    ring = 0.5 * radius_m * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return np.vstack([np.zeros((1, 2)), ring])


def _device_sf(sf, rssi_best, rng) -> np.ndarray:
    n = rssi_best.size
    if isinstance(sf, str):
        if sf != "adr":
            raise ValueError(f"sf={sf!r}; expected 'adr', an SF 7..12 or a mapping SF -> share.")
        return assign_sf(rssi_dbm=rssi_best, unreachable=12)
    if isinstance(sf, Mapping):
        keys = np.asarray(list(sf.keys()), dtype=np.int64)
        share = np.asarray(list(sf.values()), dtype=np.float64)
        if np.any(~np.isin(keys, _SFS)) or np.any(share < 0) or share.sum() <= 0:
            raise ValueError(
                f"sf mix {dict(sf)!r} must map SFs 7..12 to shares >= 0 with a positive sum."
            )
        return rng.choice(keys, size=n, p=share / share.sum())
    if int(sf) not in _SFS:
        raise ValueError(f"sf={sf!r}; expected 7..12, 'adr' or a mapping SF -> share.")
    return np.full(n, int(sf), dtype=np.int64)


def network_der(
    n_devices: int,
    *,
    n_gateways: int = 1,
    sf: int | str | Mapping[int, float] = "adr",
    payload_bytes: int = 11,
    interval_s: float = 600.0,
    duration_s: float = 3600.0,
    traffic: str = "periodic",
    co_sf_db: float | None = 6.0,
    channels_hz: Sequence[float] = AS923_DEFAULT_CHANNELS_HZ,
    radius_m: float = 5000.0,
    tx_power_dbm: float = JAPAN_MAX_EIRP_DBM,
    environment: str = "suburban",
    shadowing_sigma_db: float = 0.0,
    n_demodulators: int = 8,
    seed: int = 0,
) -> dict:
    """Delivery of one simulated city network (devices on a disc, gateways inside).

    Parameters
    ----------
    n_devices : int
        Devices, placed uniformly on a disc. [-]
    n_gateways : int, default 1
        Gateways: one at the centre, the rest on a ring at ``radius_m / 2``.
    sf : int, "adr" or mapping, default "adr"
        One SF for all, ``"adr"`` (lowest SF with a 10 dB margin at the best gateway,
        :func:`toyama_lab.radio.adr.assign_sf`; SF12 where none has it), or a mix
        ``{sf: share}`` drawn at random.
    payload_bytes : int, default 11
        Application payload; 13 header/MIC bytes are added. [byte]
    interval_s : float, default 600
        Time between a device's uplinks (mean for Poisson traffic). [s]
    duration_s : float, default 3600
        Simulated time. [s]
    traffic : {"periodic", "poisson"}
        Periodic with a random phase per device and channel hopping per frame, or
        Poisson starts (the ALOHA assumption).
    co_sf_db : float or None, default 6.0
        Co-SF capture margin (Bor et al.: 6 dB); None switches capture off (any harmful
        co-SF overlap loses the frame). [dB]
    channels_hz : sequence of float
        Uplink channels; default the two AS923 defaults [3]_. [Hz]
    radius_m : float, default 5000
        Disc radius. [m]
    tx_power_dbm : float, default 13
        EIRP (Japan 20 mW). [dBm]
    environment : {"urban", "suburban", "open"}
        Okumura-Hata environment (gateway 30 m, device 1.5 m high).
    shadowing_sigma_db : float, default 0
        Log-normal shadowing per (device, gateway) link. [dB]
    n_demodulators : int, default 8
        Demodulator paths per gateway (SX1301).
    seed : int
        Seed of the numpy generator (placement, SF mix, traffic, channels).

    Returns
    -------
    dict
        ``n_devices``, ``n_gateways``, ``sent``, ``delivered``, ``der`` (delivered by
        at least one gateway / sent), ``g`` (mean offered load per channel and SF,
        weighted by frames), one count per loss reason of the best gateway
        (``out_of_range``, ``no_demodulator``, ``collision``, ``interference``) and
        ``sf_share`` (dict SF -> share of devices).

    Examples
    --------
    >>> r = network_der(50, seed=1)
    >>> 0.0 < r["der"] <= 1.0
    True
    """
    if int(n_devices) != n_devices or n_devices < 1:
        raise ValueError(f"n_devices must be a whole number >= 1; got {n_devices!r}.")
    if int(n_gateways) != n_gateways or n_gateways < 1:
        raise ValueError(f"n_gateways must be a whole number >= 1; got {n_gateways!r}.")
    if traffic not in TRAFFIC:
        raise ValueError(f"traffic={traffic!r}; expected one of {TRAFFIC}.")
    if not (interval_s > 0 and duration_s > 0 and radius_m > 0):
        raise ValueError(
            "interval_s, duration_s and radius_m must be > 0; "
            f"got {interval_s!r}, {duration_s!r}, {radius_m!r}."
        )
    chans = np.asarray(channels_hz, dtype=np.float64)
    if chans.ndim != 1 or chans.size == 0:
        raise ValueError(f"channels_hz must list at least one frequency [Hz]; got {channels_hz!r}.")
    rng = np.random.default_rng(seed)
    n, n_gw = int(n_devices), int(n_gateways)
    r = radius_m * np.sqrt(rng.random(n))
    phi = 2.0 * np.pi * rng.random(n)
    dev = np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1)
    gw = _gateway_xy(n_gw, radius_m)
    d = np.maximum(np.hypot(*(dev[:, None, :] - gw[None, :, :]).transpose(2, 0, 1)), 10.0)
    loss = okumura_hata_path_loss(d, environment=environment)
    if shadowing_sigma_db > 0:
        loss = loss + shadowing_db(loss.shape, shadowing_sigma_db, rng=rng)
    rssi_dev = tx_power_dbm - loss  # (n, n_gw)
    sf_dev = _device_sf(sf, rssi_dev.max(axis=1), rng)

    if traffic == "periodic":
        k = int(np.ceil(duration_s / interval_s)) + 1
        starts = rng.random(n)[:, None] * interval_s + np.arange(k)[None, :] * interval_s
    else:
        k = int(np.ceil(duration_s / interval_s + 6.0 * np.sqrt(duration_s / interval_s) + 8))
        starts = np.cumsum(rng.exponential(interval_s, size=(n, k)), axis=1)
    device = np.broadcast_to(np.arange(n)[:, None], starts.shape)
    keep = starts < duration_s
    start, device = starts[keep], device[keep]
    sf_tx = sf_dev[device]
    toa = np.asarray(time_on_air(payload_bytes + LORAWAN_OVERHEAD_BYTES, sf_tx))
    freq = chans[rng.integers(0, chans.size, size=start.size)]
    thr = sir_threshold_matrix(0.0 if co_sf_db is None else co_sf_db)
    if co_sf_db is None:
        np.fill_diagonal(thr, np.inf)  # no capture: any harmful co-SF overlap is fatal
    rec = receive(
        start,
        toa,
        freq,
        sf_tx,
        125_000,
        rssi_dev[device],
        sir_db=thr,
        n_demodulators=n_demodulators,
    )
    delivered = rec.delivered
    best = rec.reason.min(axis=1)  # the best outcome over gateways (0 = received)
    lost_counts = np.bincount(best[~delivered], minlength=len(REASONS))
    sent = int(start.size)
    # offered load per (SF, channel): frames x airtime / (duration x channels)
    frames_sf = np.bincount(sf_tx - 7, minlength=6)
    air_sf = np.bincount(sf_tx - 7, weights=toa, minlength=6)
    g_sf = air_sf / (duration_s * chans.size)
    g = float((g_sf * frames_sf).sum() / max(sent, 1))
    share = np.bincount(sf_dev - 7, minlength=6) / n
    return {
        "n_devices": n,
        "n_gateways": n_gw,
        "sent": sent,
        "delivered": int(delivered.sum()),
        "der": float(delivered.mean()) if sent else float("nan"),
        "g": g,
        **{name: int(c) for name, c in zip(REASONS[1:], lost_counts[1:], strict=True)},
        "sf_share": {s: float(x) for s, x in zip(_SFS, share, strict=True) if x > 0},
    }


def network_der_curve(nodes: Sequence[int], **kwargs) -> pl.DataFrame:
    """:func:`network_der` for each device count, as a table with the ALOHA prediction.

    Parameters
    ----------
    nodes : sequence of int
        Device counts.
    **kwargs
        Passed to :func:`network_der` (``seed`` is offset by the run number).

    Returns
    -------
    polars.DataFrame
        ``nodes``, ``sent``, ``delivered``, ``der``, ``g``, the loss counts and
        ``aloha_der`` (``exp(-2 G)`` with the simulated mean offered load).
    """
    nodes_a = list(nodes)
    if not nodes_a:
        raise ValueError("nodes must list at least one device count.")
    seed = int(kwargs.pop("seed", 0))
    rows = [network_der(int(n), seed=seed + i, **kwargs) for i, n in enumerate(nodes_a)]
    table = pl.DataFrame([{k: v for k, v in r.items() if k != "sf_share"} for r in rows])
    table = table.rename({"n_devices": "nodes"})
    return table.with_columns(aloha_der=pl.Series(pure_aloha_success(table["g"].to_numpy())))
