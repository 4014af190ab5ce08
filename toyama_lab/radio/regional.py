"""Japanese 920 MHz rules (ARIB STD-T108) and LoRaWAN AS923 parameters, on whole arrays.

Sources and confidence
----------------------
* **Carrier sense / transmission time / pause** (MIC notice 平成31年総務省告示第123号 for
  920 MHz land mobile stations [1]_, whose table was read; the 20 mW specified low-power
  stations that LoRaWAN devices are fall under 平成元年郵政省告示第49号 [5]_, whose 920 MHz
  part, like ARIB STD-T108 [2]_, is understood to give the same figures but was not read
  here): carrier sense of
  >= 128 us allows transmissions of at most 0.4 s followed by a pause of >= 2 ms;
  carrier sense of >= 5 ms allows at most 4 s followed by a pause of >= 50 ms.
* **Hourly budget**: the total transmission time of one radio equipment must be
  <= 360 s per hour ([1]_, note 1; attached to the 128 us / 0.4 s row). Whether it also
  binds the 5 ms / 4 s category for 20 mW stations could not be checked against the text
  of ARIB STD-T108 here; :data:`ARIB_T108` applies it to every transmission (the safe
  reading) and it can be switched off with ``hourly_budget_s=None``. The budget is per
  device and clock hour (the notice says "per hour", not "per channel group").
* **Carrier-sense threshold** -80 dBm (ARIB STD-T108 [2]_, as quoted by Japanese LBT
  implementations, e.g. meshcore-dev/MeshCore PR #2218 "5 ms, -80 dBm"; not read in the
  standard itself). The LoRaMac-node versions seen [4]_ use ``AS923_RSSI_FREE_TH = -85``
  and ``AS923_CARRIER_SENSE_TIME = 6`` ms, slightly stricter.
* **AS923-1 channels** 923.2 and 923.4 MHz, 125 kHz, DR0-DR5, default max EIRP 16 dBm,
  uplink dwell time 400 ms when ``UplinkDwellTime = 1`` ([3]_, AS923 section). Japan
  additionally limits 20 mW stations to 13 dBm EIRP (20 mW, [2]_); LMIC uses 13 dBm for
  AS923-JP (mcci-catena/arduino-lmic PR #662).

References
----------
.. [1] 総務省告示第百二十三号 (2019-03-27), 九二〇MHz帯の周波数の電波を使用する陸上移動局の無線
   設備の送信時間制限装置及びキャリアセンスの技術的条件 (tele.soumu.go.jp, horei 72ab6860).
.. [2] ARIB STD-T108 v1.5 (2023), 920MHz帯テレメータ用、テレコントロール用及びデータ伝送用
   無線設備 (Part 2: specified low-power radio stations, 20 mW).
.. [3] LoRa Alliance, "RP002-1.0.4 LoRaWAN Regional Parameters" (2022), AS923 chapter.
.. [4] Semtech LoRaMac-node, ``src/mac/region/RegionAS923.h``.
.. [5] 平成元年郵政省告示第四十九号 (特定小電力無線局の無線設備の送信時間制限装置及び
   キャリアセンスの技術的条件等; tele.soumu.go.jp, horei 72138100).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "ARIB_T108",
    "ARIB_T108_SHORT_CS",
    "AS923_DEFAULT_CHANNELS_HZ",
    "AS923_DWELL",
    "AS923_MAX_EIRP_DBM",
    "JAPAN_MAX_EIRP_DBM",
    "REGIONAL_REASONS",
    "RegionalOutcome",
    "RegionalRules",
    "apply_regional_rules",
]

#: AS923-1 default uplink channels (join and first uplinks) [3]_. [Hz]
AS923_DEFAULT_CHANNELS_HZ = (923_200_000, 923_400_000)
#: AS923 default maximum EIRP [3]_. [dBm]
AS923_MAX_EIRP_DBM = 16.0
#: 20 mW specified low-power station in Japan: 13 dBm (ARIB STD-T108 [2]_). [dBm]
JAPAN_MAX_EIRP_DBM = 13.0

#: Reason codes of :class:`RegionalOutcome`.
REGIONAL_REASONS = (
    "sent",
    "delayed_pause",
    "delayed_carrier_sense",
    "dropped_max_tx_time",
    "dropped_carrier_sense",
    "dropped_hourly_budget",
)
SENT, DELAYED_PAUSE, DELAYED_CS, DROPPED_MAX_TX, DROPPED_CS, DROPPED_BUDGET = range(6)


@dataclass(frozen=True)
class RegionalRules:
    """One set of channel-access rules.

    Attributes
    ----------
    name : str
        Label.
    carrier_sense_s : float
        Sensing time before each transmission. [s]
    cs_threshold_dbm : float
        The channel is busy when another transmission is heard at or above this. [dBm]
    max_tx_s : float
        Longest allowed single transmission (ARIB) or dwell time (AS923). [s]
    pause_s : float
        Minimum pause after a transmission of the same device. [s]
    hourly_budget_s : float or None
        Total transmit time per device and clock hour; None for no limit. [s]
    max_deferrals : int
        How many times a device defers on a busy channel before it gives up.
    """

    name: str
    carrier_sense_s: float
    cs_threshold_dbm: float
    max_tx_s: float
    pause_s: float
    hourly_budget_s: float | None
    max_deferrals: int = 3

    def with_(self, **changes) -> RegionalRules:
        """Copy with some fields changed."""
        return replace(self, **changes)


#: ARIB STD-T108, carrier sense >= 5 ms: <= 4 s per transmission, >= 50 ms pause,
#: <= 360 s per hour (see module notes), -80 dBm threshold [1]_ [2]_.
ARIB_T108 = RegionalRules("ARIB STD-T108 (5 ms LBT)", 5e-3, -80.0, 4.0, 50e-3, 360.0)
#: ARIB STD-T108, carrier sense >= 128 us: <= 0.4 s per transmission, >= 2 ms pause,
#: <= 360 s per hour [1]_ [2]_.
ARIB_T108_SHORT_CS = RegionalRules("ARIB STD-T108 (128 us LBT)", 128e-6, -80.0, 0.4, 2e-3, 360.0)
#: AS923 with UplinkDwellTime = 1 (400 ms) on top of the 5 ms ARIB rules [3]_.
AS923_DWELL = ARIB_T108.with_(name="AS923 dwell time 400 ms + ARIB LBT", max_tx_s=0.4)


@dataclass(frozen=True)
class RegionalOutcome:
    """Per-transmission decision of :func:`apply_regional_rules`.

    Attributes
    ----------
    start_s : numpy.ndarray
        Actual start (delayed where deferred; original where dropped). [s]
    reason : numpy.ndarray of int8
        Index into :data:`REGIONAL_REASONS`.
    """

    start_s: np.ndarray
    reason: np.ndarray

    @property
    def sent(self) -> np.ndarray:
        """Boolean: the transmission went on air (possibly delayed)."""
        return self.reason <= DELAYED_CS

    @property
    def delayed(self) -> np.ndarray:
        """Boolean: sent later than planned."""
        return (self.reason == DELAYED_PAUSE) | (self.reason == DELAYED_CS)

    @property
    def dropped(self) -> np.ndarray:
        """Boolean: never sent."""
        return ~self.sent


def _order_by(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Stable order by (``group``, ``key``), as ``np.lexsort((key, group))``.

    A stable sort by ``key`` (timsort: fast on the nearly sorted start times of a
    schedule), then a stable sort by ``group``, a radix sort when the groups fit in 16 bits.
    """
    o = np.argsort(key, kind="stable")
    g = group[o]
    if g.size and g.min() >= 0 and g.max() < 1 << 15:
        g = g.astype(np.int16)
    return o[np.argsort(g, kind="stable")]


def _busy_until(start, end, chan, sense_start, active):
    """Carrier-sense sweep on whole arrays.

    For each row: the latest end of an active transmission on the same channel (``chan``:
    small non-negative ints) that started strictly earlier and is still on air at the
    start of the sensing window (-inf when the channel is free), and the index of that
    transmission (-1 if none).
    """
    n = start.size
    out = np.full(n, -np.inf)
    who = np.full(n, -1, dtype=np.intp)
    idx = np.flatnonzero(active)
    if idx.size < 2:
        return out, who
    order = idx[_order_by(chan[idx], start[idx])]
    c, s, e, ss = chan[order], start[order], end[order], sense_start[order]
    horizon = 4.0 * (float(e.max() - s.min()) + 1.0)
    off = c * horizon
    e_off = e + off
    run_max = np.maximum.accumulate(e_off)
    pos = np.arange(e.size)
    run_arg = np.maximum.accumulate(np.where(e_off == run_max, pos, 0))
    # only transmissions that started strictly earlier can be sensed (ties: none): k is
    # the first position of each row's run of equal (channel, start)
    key = s + off
    k = np.maximum.accumulate(np.where(np.r_[True, key[1:] != key[:-1]], pos, 0))
    prev = np.where(k > 0, run_max[np.maximum(k - 1, 0)], -np.inf)
    busy = prev > ss + off
    blocker = run_arg[k[busy] - 1]
    out[order[busy]] = e[blocker]  # the end itself: prev - off would round
    who[order[busy]] = order[blocker]
    return out, who


def _pause_delays(d_o, s_o, u_o, alive_o, pause_s):
    """Pause rule on rows sorted by (device, start): (delayed, actual start) per row.

    Earliest allowed start = max(planned, previous actual end + pause): a max-plus scan
    done as a running max of (planned - cumulative duration+pause) per device.
    """
    same = np.r_[False, d_o[1:] == d_o[:-1]]
    step = np.where(alive_o, u_o + pause_s, 0.0)
    cum = np.cumsum(step)
    grp_start = np.flatnonzero(~same)
    grp_id = np.cumsum(~same) - 1
    cum_before = cum - step  # total before this row
    base = cum_before - cum_before[grp_start][grp_id]
    key = np.where(alive_o, s_o - base, -np.inf)
    # running max of key within each device, exactly: on integer ranks of the keys, each
    # device lifted above the previous ones (a float offset per device would round)
    by_key = np.argsort(key, kind="stable")
    rank = np.empty(key.size, dtype=np.int64)
    rank[by_key] = np.arange(key.size)
    lifted = rank + grp_id.astype(np.int64) * key.size
    run = key[by_key[np.maximum.accumulate(lifted) - grp_id * key.size]]
    delayed = alive_o & (run > key)
    return delayed, np.where(delayed, run + base, s_o)


def apply_regional_rules(
    device,
    start_s,
    duration_s,
    freq_hz,
    *,
    rules: RegionalRules = ARIB_T108,
    heard_dbm=None,
    channel=None,
) -> RegionalOutcome:
    """Apply transmission-time, pause, carrier-sense and hourly-budget rules.

    Steps, each on whole arrays: (1) a transmission longer than ``rules.max_tx_s`` is
    dropped; (2) a transmission that starts less than ``pause_s`` after the end of the
    same device's previous one is delayed to respect the pause (the delay carries on to
    the device's later transmissions that would then overlap); (3) carrier sense: if an
    earlier transmission on the same channel is on air during the sensing window, the
    device waits until it ends and senses again (``max_deferrals`` rounds), then gives up
    (dropped); (4) transmissions beyond the device's hourly budget (per clock hour of the
    actual start) are dropped.

    Parameters
    ----------
    device : array_like of int, shape (n,)
        Device index of each transmission.
    start_s : array_like, shape (n,)
        Planned start. [s]
    duration_s : array_like, shape (n,)
        Time on air. [s]
    freq_hz : array_like, shape (n,)
        Channel centre frequency; transmissions on the same value share a channel. [Hz]
    rules : RegionalRules, default ARIB_T108
        Rules to apply.
    heard_dbm : callable or None
        ``heard_dbm(listener_tx_index, other_tx_index) -> dBm`` (arrays) giving the power
        with which a sensing device hears another transmission; None treats every
        transmission on the channel as heard (above ``cs_threshold_dbm``), the worst case.
    channel : array_like of int, shape (n,), optional
        Channel number of each transmission, one per distinct ``freq_hz`` (e.g. the index
        into the channel plan), when the caller has it; default: numbered here from
        ``freq_hz``.

    Returns
    -------
    RegionalOutcome
        New start and reason per transmission (input order).

    Examples
    --------
    >>> out = apply_regional_rules([0, 1], [0.0, 0.1], [0.2, 0.2], [923.2e6, 923.2e6])
    >>> [REGIONAL_REASONS[r] for r in out.reason]
    ['sent', 'delayed_carrier_sense']
    """
    dev = np.asarray(device)
    start = np.asarray(start_s, dtype=np.float64).copy()
    n = start.size
    dur = np.broadcast_to(np.asarray(duration_s, dtype=np.float64), (n,))
    freq = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,))
    if dev.shape != (n,) or start.ndim != 1:
        raise ValueError(
            f"device and start_s must be 1-D arrays of the same length; got {dev.shape} "
            f"and {start.shape}."
        )
    if np.any(dur <= 0):
        raise ValueError("duration_s must be > 0 for every transmission.")
    reason = np.zeros(n, dtype=np.int8)
    if n == 0:
        return RegionalOutcome(start, reason)
    planned = start.copy()

    # (1) maximum single transmission time / dwell time
    reason[dur > rules.max_tx_s] = DROPPED_MAX_TX
    alive = reason == SENT

    # (2) pause between the same device's transmissions: cumulative delay per device
    order = _order_by(dev, start)
    d_o, s_o, u_o = dev[order], start[order], dur[order]
    alive_o = alive[order]
    # a transmission can only be delayed when some transmission of its device before it
    # still runs (plus the pause) at its planned start; with no such neighbours (the
    # usual schedule) nothing moves
    ao = np.flatnonzero(alive_o)
    clash = (d_o[ao][1:] == d_o[ao][:-1]) & (
        s_o[ao][1:] < s_o[ao][:-1] + u_o[ao][:-1] + rules.pause_s
    )
    if clash.any():
        delayed, actual = _pause_delays(d_o, s_o, u_o, alive_o, rules.pause_s)
        start[order] = actual
        reason[order[delayed]] = DELAYED_PAUSE

    # (3) carrier sense with deferral rounds (channels numbered by frequency)
    if channel is None:
        chan = np.unique(freq, return_inverse=True)[1].reshape(n)
    else:
        chan = np.asarray(channel, dtype=np.int64).reshape(n)
    for round_ in range(rules.max_deferrals + 1):
        alive = reason <= DELAYED_CS
        busy, blocker = _busy_until(start, start + dur, chan, start - rules.carrier_sense_s, alive)
        if heard_dbm is not None and np.isfinite(busy).any():
            # only a transmission heard at or above the threshold makes the channel busy;
            # the one tested is the sensed transmission that ends last (approximation)
            rows = np.flatnonzero(np.isfinite(busy))
            heard = np.asarray(heard_dbm(rows, blocker[rows]), dtype=np.float64)
            busy[rows[heard < rules.cs_threshold_dbm]] = -np.inf
        hit = np.isfinite(busy) & alive
        if not hit.any():
            break
        if round_ == rules.max_deferrals:
            reason[hit] = DROPPED_CS
            break
        start[hit] = busy[hit] + rules.carrier_sense_s
        reason[hit] = DELAYED_CS

    # (4) hourly budget per device and clock hour of the actual start
    if rules.hourly_budget_s is not None:
        alive = reason <= DELAYED_CS
        hour = np.floor(start / 3600.0).astype(np.int64)
        order = _order_by(dev, start)  # within a device, start order is hour order
        a_o = alive[order]
        used = np.where(a_o, dur[order], 0.0)
        d_o, h_o = dev[order], hour[order]
        new_grp = np.r_[True, (d_o[1:] != d_o[:-1]) | (h_o[1:] != h_o[:-1])]
        cum = np.cumsum(used)
        gid = np.cumsum(new_grp) - 1
        first = np.flatnonzero(new_grp)
        cum_in = cum - (cum[first] - used[first])[gid]
        over = a_o & (cum_in > rules.hourly_budget_s + 1e-9)
        reason[order[over]] = DROPPED_BUDGET
    start[reason >= DROPPED_MAX_TX] = planned[reason >= DROPPED_MAX_TX]
    return RegionalOutcome(start, reason)
