"""LoRaSim parity mode: LoRaSim 0.2.1 ``loraDir.py`` (one gateway) on whole arrays.

:func:`simulate` reproduces the model of LoRaSim 0.2.1 (Bor, Roedig, Voigt, Alonso,
"Do LoRa Low-Power Wide-Area Networks Scale?", ACM MSWiM 2016,
doi:10.1145/2988287.2989163; code by Bor and Voigt, revision 334 of 2017-05-12) for its
experiments 0, 1, 3, 4 and 5, with its simplified collision check or its full
("capture") check. It has no event loop: all transmissions of all nodes are drawn at
once, sorted by start time, and the overlapping pairs found with ``searchsorted``.
Random streams differ from LoRaSim's (``random`` module, unseeded); agreement is
statistical and measured in ``docs/lorasim-parity.md``.

LoRaSim's model, quirks included, and what :mod:`toyama_lab.radio.collisions` does instead
------------------------------------------------------------------------------------------
1. **Range.** ``maxDist = d0 * e**((Lpl - PL(d0)) / (10 gamma))`` with the natural
   exponential where the log-distance model needs ``10**``; the disc is therefore about
   100-110 m wide, and every node reaches the gateway. The link budget uses
   ``minsensi = sensi[5, 2]`` for experiments 0, 1, 4 (the SF12 *250 kHz* column,
   -132.25 dBm, although the comment says 125 kHz) and the smallest table entry
   (-134.5 dBm) for experiments 3 and 5. Modern model: real distances, real path loss
   (:mod:`toyama_lab.radio.link`).
2. **Placement.** ``a, b ~ U(0, 1)``, swapped so ``b >= a``; radius ``b * maxDist``, angle
   ``2 pi a / b``: uniform over the disc. The 10 m minimum spacing LoRaSim intends is not
   enforced (a position is accepted as soon as *one* earlier node is 10 m away), so it is
   not enforced here either.
3. **Path loss.** Log-distance, d0 = 40 m, PL(d0) = 127.41 dB, gamma = 2.08, and no
   shadowing (``var = 0``). Transmit power 14 dBm, no antenna gains (``GL = 0``).
4. **Radio settings.** Experiments 0 and 1: SF12, CR 4/8, 125 kHz; 1 also draws one of
   three frequencies (860, 864, 868 MHz) per node. 4: SF12, CR 4/5, 125 kHz (LoRaWAN).
   3 and 5: for each node the (SF, BW) of least airtime whose *measured* sensitivity
   (Bor et al. Table 3) is below its received power, CR 4/5; 5 then lowers the power to
   ``max(2, 14 - floor(Prx - sensitivity))`` dBm. With LoRaSim's small disc every node
   ends on SF7 or SF8 at 500 kHz (SF8/500 kHz has less airtime than SF7/250 kHz).
5. **Packets.** 20-byte payload, 8 preamble symbols, explicit header, CRC on;
   low-data-rate optimisation only for SF11/SF12 at 125 kHz (the 16 ms symbol rule would
   also switch it on for SF12 at 250 kHz).
6. **Traffic.** Each node waits ``Exp(avg_send)`` *after the end* of its previous frame,
   so starts are not a Poisson process: start_k = sum of k exponential gaps + (k - 1)
   airtimes. Frames started before ``sim_time`` count as sent; only frames that ended
   before it are counted received, collided or lost (so in-flight frames at the end count
   as sent and lost to the DER).
7. **Sensitivity loss.** A frame below the measured sensitivity of its SF/BW is "lost":
   it never reaches the gateway list, so it neither collides nor interferes.
8. **Collisions.** Only frames on air *when a new frame starts* are compared with it (the
   older frame ``o`` and the newcomer ``n``); the frequency test compares hertz with kHz
   thresholds (so only equal frequencies collide) and the SF test ignores the bandwidth
   (SF7 at 250 kHz collides with SF7 at 500 kHz). Simplified check: both frames are lost.
   Full check ("capture"): only if ``o`` ends after the first 3 preamble symbols of ``n``
   (``n.start + (8 - 5) T_sym(n) < o.end``), then by power: within 6 dB both are lost,
   otherwise the weaker one. Interference is pairwise, never summed; different SFs never
   interfere. The gateway's limit on simultaneous receptions (``maxBSReceives = 8``) only
   sets a "processed" counter and does not change the DER; it is not modelled.
9. **DER.** ``received / sent`` (LoRaSim's "DER method 2"); LoRaSim's first figure,
   ``(sent - collided) / sent``, is returned as ``der_method1``.

The modern model (:func:`toyama_lab.radio.collisions.receive`) instead: uses any number
of gateways and the real link budget (with shadowing if asked), checks overlap in time and
frequency (channel spacing and bandwidth), sums the interference energy per interfering SF
over the overlap, compares the SIR with a threshold matrix (6 dB co-SF capture by default,
Croce et al. 2018 for inter-SF), keeps the preamble-lock timing rule, and assigns the
gateway's 8 demodulator paths (a frame found with all 8 busy is lost).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from toyama_lab.radio.airtime import time_on_air
from toyama_lab.radio.link import LORASIM_SENSITIVITY_DBM

__all__ = ["EXPERIMENTS", "LoraSimResult", "simulate"]

#: LoRaSim experiments reproduced here (2 uses SF6, outside LoRaSim's sensitivity table).
EXPERIMENTS = (0, 1, 3, 4, 5)

# LoRaSim 0.2.1 loraDir.py constants (Ptx, gamma, d0, Lpld0, GL, packet length, capture
# threshold in powerCollision, preamble in timingCollision; frequencies in myPacket).
_PTX_DBM = 14.0
_GAMMA = 2.08
_D0_M = 40.0
_LPLD0_DB = 127.41
_PAYLOAD_BYTES = 20
_POWER_THRESHOLD_DB = 6.0
_PREAMBLE = 8
_CRITICAL_SYMBOLS = _PREAMBLE - 5
_FREQS_HZ = np.array([860e6, 864e6, 868e6])
_BWS_HZ = np.array([125_000, 250_000, 500_000])


@dataclass(frozen=True)
class LoraSimResult:
    """Counts of one parity run (LoRaSim's printed figures).

    Attributes
    ----------
    nodes, experiment : int
        Settings of the run.
    capture : bool
        LoRaSim's ``full_collision`` flag.
    sent : int
        Frames started before the end of the simulation.
    received : int
        Frames ended, not collided and not lost.
    collided : int
        Frames ended and marked collided.
    lost : int
        Frames ended below sensitivity.
    der : float
        Data-extraction rate ``received / sent`` (LoRaSim's "DER method 2"). [-]
    der_method1 : float
        ``(sent - collided) / sent`` (LoRaSim's first "DER"). [-]
    max_dist_m : float
        Radius of the disc the nodes are placed in. [m]
    """

    nodes: int
    experiment: int
    capture: bool
    sent: int
    received: int
    collided: int
    lost: int
    der: float
    der_method1: float
    max_dist_m: float

    def as_dict(self) -> dict:
        """Return the result as a plain dict."""
        return asdict(self)


def _lorasim_airtime_s(sf, cr, bw_hz):
    """LoRaSim's ``airtime()``: LDRO only at 125 kHz for SF11/12. [s]"""
    ldro = (np.asarray(bw_hz) == 125_000) & (np.asarray(sf) >= 11)
    return time_on_air(_PAYLOAD_BYTES, sf, bw_hz=bw_hz, cr=cr, low_data_rate=ldro)


def _max_dist_m(experiment: int) -> float:
    if experiment in (0, 1, 4):
        minsensi = LORASIM_SENSITIVITY_DBM[5, 1]  # LoRaSim's sensi[5, 2]: SF12, 250 kHz
    else:
        minsensi = LORASIM_SENSITIVITY_DBM.min()
    lpl = _PTX_DBM - minsensi
    return float(_D0_M * np.exp((lpl - _LPLD0_DB) / (10.0 * _GAMMA)))


def _node_settings(experiment, prx):
    """SF, CR denominator, BW [Hz], tx power [dBm] per node, LoRaSim's experiment logic."""
    n = prx.shape[0]
    txpow = np.full(n, _PTX_DBM)
    if experiment in (0, 1):
        return np.full(n, 12), np.full(n, 8), np.full(n, 125_000), txpow
    if experiment == 4:
        return np.full(n, 12), np.full(n, 5), np.full(n, 125_000), txpow
    # experiments 3 and 5: least airtime among (SF, BW) whose sensitivity < Prx,
    # scanning SF7..12 then BW 125/250/500 and keeping the first minimum (strict '<').
    sf_grid = np.repeat(np.arange(7, 13), 3)
    bw_grid = np.tile(_BWS_HZ, 6)
    at = _lorasim_airtime_s(sf_grid, 5, bw_grid)
    sens = LORASIM_SENSITIVITY_DBM.ravel()
    ok = sens[None, :] < prx[:, None]
    if not ok.any(axis=1).all():
        raise RuntimeError("a node does not reach the base station (LoRaSim would exit)")
    best = np.argmin(np.where(ok, at[None, :], np.inf), axis=1)
    sf, bw = sf_grid[best], bw_grid[best]
    if experiment == 5:
        txpow = np.maximum(2.0, _PTX_DBM - np.floor(prx - sens[best]))
    return sf, np.full(n, 5), bw, txpow


def _draw_starts(rng, n_nodes, rectime_ms, avg_send_ms, sim_time_ms):
    """Start times per node: Exp(avg) gap after the end of the previous frame. [ms]"""
    period = avg_send_ms + float(np.min(rectime_ms))
    k = int(np.ceil(sim_time_ms / period + 6.0 * np.sqrt(sim_time_ms / period) + 8.0))
    while True:
        gaps = rng.exponential(avg_send_ms, size=(n_nodes, k))
        starts = np.cumsum(gaps, axis=1) + np.arange(k)[None, :] * rectime_ms[:, None]
        if np.all(starts[:, -1] >= sim_time_ms):
            return starts
        k *= 2


def _collide(start, end, node, freq, sf, bw, rssi, capture, sim_time_ms):
    """LoRaSim's collision marks for frames that reached the gateway (see module notes).

    Frames are grouped by (frequency, SF) - LoRaSim's collision key, which ignores the
    bandwidth - and sorted by start inside each group; groups are laid end to end on one
    time axis (offset ``group * 4 * horizon``) so a single sorted sweep serves them all.
    """
    key_node = np.unique(np.stack([freq, sf]), axis=1, return_inverse=True)[1].ravel()
    horizon = 4.0 * (sim_time_ms + float(end.max() - start.min()) + 1.0)
    s_adj = start + key_node[node] * horizon
    order = np.argsort(s_adj)
    s_adj, node = s_adj[order], node[order]
    e_adj = s_adj + (end - start)[order]
    col = np.zeros(start.size, dtype=bool)
    if not capture:
        # hit by an older frame still on air, or by the next frame starting before the end
        prev_max_end = np.maximum.accumulate(e_adj)
        col[1:] = prev_max_end[:-1] > s_adj[1:]
        col[:-1] |= s_adj[1:] < e_adj[:-1]
    else:
        span = float(np.max(e_adj - s_adj))
        lo = np.searchsorted(s_adj, s_adj - span, side="right")
        hi = np.arange(s_adj.size)
        counts = hi - lo
        first = np.cumsum(counts) - counts
        newer = np.repeat(hi, counts)
        older = np.arange(first[-1] + counts[-1]) - np.repeat(first - lo, counts)
        if np.ptp(e_adj - s_adj) > 0:
            ov = e_adj[older] > s_adj[newer]
            newer, older = newer[ov], older[ov]
        nb, ob = node[newer], node[older]
        t_crit = s_adj[newer] + np.exp2(sf[nb]) / (bw[nb] / 1e3) * _CRITICAL_SYMBOLS
        timing = t_crit < e_adj[older]
        newer, older, nb, ob = newer[timing], older[timing], nb[timing], ob[timing]
        diff = rssi[nb] - rssi[ob]
        near = np.abs(diff) < _POWER_THRESHOLD_DB
        weaker_new = diff < _POWER_THRESHOLD_DB  # as in LoRaSim: near or newcomer >= 6 dB weaker
        col[newer[weaker_new]] = True
        col[older[near | ~weaker_new]] = True
    out = np.empty_like(col)
    out[order] = col
    return out


def simulate(
    nodes: int,
    experiment: int,
    *,
    capture: bool,
    avg_send_ms: float = 1e6,
    sim_time_ms: float = 1e8,
    seed: int = 0,
) -> LoraSimResult:
    """Run LoRaSim 0.2.1's ``loraDir.py`` model on whole arrays.

    Parameters
    ----------
    nodes : int
        Number of nodes (>= 1).
    experiment : {0, 1, 3, 4, 5}
        LoRaSim experiment (radio settings; see the module docstring).
    capture : bool
        LoRaSim's ``full_collision`` flag: True for the capture/timing check, False for
        the simplified check (any overlap on the same frequency and SF loses both).
    avg_send_ms : float, default 1e6
        Mean of the exponential wait between the end of a frame and the next start. [ms]
    sim_time_ms : float, default 1e8
        Simulated time. [ms]
    seed : int, default 0
        Seed of the numpy random generator.

    Returns
    -------
    LoraSimResult
        Counts and the data-extraction rate.

    Raises
    ------
    ValueError
        For an unsupported experiment or non-positive sizes and times.

    Examples
    --------
    >>> r = simulate(100, 4, capture=False, sim_time_ms=1e7)
    >>> 0.0 < r.der <= 1.0
    True
    """
    if experiment not in EXPERIMENTS:
        raise ValueError(
            f"experiment={experiment!r} is not reproduced; expected one of {EXPERIMENTS} "
            "(LoRaSim's experiment 2 uses SF6, outside its own sensitivity table)."
        )
    if int(nodes) != nodes or nodes < 1:
        raise ValueError(f"nodes must be a whole number >= 1; got {nodes!r}.")
    if not (avg_send_ms > 0 and sim_time_ms > 0):
        raise ValueError(
            f"avg_send_ms and sim_time_ms must be > 0 [ms]; got {avg_send_ms}, {sim_time_ms}."
        )
    nodes = int(nodes)
    rng = np.random.default_rng(seed)
    max_dist = _max_dist_m(experiment)

    # placement: b >= a, radius b * maxDist (distance to the gateway)
    ab = np.sort(rng.random((nodes, 2)), axis=1)
    dist = ab[:, 1] * max_dist
    dist = np.maximum(dist, np.finfo(float).tiny)
    lpl = _LPLD0_DB + 10.0 * _GAMMA * np.log10(dist / _D0_M)
    prx = _PTX_DBM - lpl
    sf, cr, bw, txpow = _node_settings(experiment, prx)
    rssi = txpow - lpl
    if experiment == 1:
        freq = _FREQS_HZ[rng.integers(0, 3, size=nodes)]
    else:
        freq = np.full(nodes, _FREQS_HZ[0])
    rectime = np.asarray(_lorasim_airtime_s(sf, cr, bw)) * 1e3  # [ms]
    bw_col = np.searchsorted(_BWS_HZ, bw)
    lost_node = rssi < LORASIM_SENSITIVITY_DBM[sf - 7, bw_col]

    starts = _draw_starts(rng, nodes, rectime, avg_send_ms, sim_time_ms)
    node_of = np.broadcast_to(np.arange(nodes)[:, None], starts.shape)
    keep = starts < sim_time_ms
    start = starts[keep]
    node = node_of[keep]
    end = start + rectime[node]
    sent = start.size
    ended = end < sim_time_ms
    lost = lost_node[node]

    collided = np.zeros(sent, dtype=bool)
    at_bs = np.flatnonzero(~lost)  # frames that reach the gateway list
    if at_bs.size > 1:
        collided[at_bs] = _collide(
            start[at_bs], end[at_bs], node[at_bs], freq, sf, bw, rssi, capture, sim_time_ms
        )

    n_received = int(np.count_nonzero(ended & ~lost & ~collided))
    n_collided = int(np.count_nonzero(ended & collided))
    n_lost = int(np.count_nonzero(ended & lost))
    return LoraSimResult(
        nodes=nodes,
        experiment=int(experiment),
        capture=bool(capture),
        sent=int(sent),
        received=n_received,
        collided=n_collided,
        lost=n_lost,
        der=n_received / sent if sent else float("nan"),
        der_method1=(sent - n_collided) / sent if sent else float("nan"),
        max_dist_m=max_dist,
    )
