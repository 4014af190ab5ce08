"""End to end: readings -> payloads -> frames -> air -> gateway log, with the truth beside it.

:func:`simulate_network` plans every uplink of the window (:mod:`.uplinks`), gives each
device its counter and encrypted, signed frame (:func:`toyama_lab.lorawan.encode_batch`),
then runs the air (:mod:`.road`) one JST day of planned starts at a time, so memory is
bounded by a day of traffic. Frames planned for one day do not interfere with frames of
another (a frame straddling midnight only meets the frames of its own day); everything
else is the same whatever the window, because every random draw is a function of
``(seed, device, counter)``.

:func:`simulate_network_blocks` runs a long window a block of days at a time (readings
read per block, FCntUp carried per device, uplinks planned past the block's last
midnight handed to the next block); its blocks put end to end are the rows of the
one-shot run (receptions and transmissions in ``tx_id`` order), so
:func:`toyama_lab.datasets.network.simulate_from_dataset` writes the same files whatever
the block size, with memory bounded by a few blocks. Its blocks depend on one another
only through FCntUp (worked out before the air) and the numbering of ``tx_id`` (shifted
once the blocks before are done), so :data:`AIR_THREADS` blocks make their frames, air
and tables at once, on as many threads.

Confirmed uplinks and retransmissions
-------------------------------------
With ``RadioConfig(confirmed_share=p)`` a share ``p`` of the devices (each device draws
once from the seed) sends confirmed data up (MHDR MType 100, so the frame bytes and MIC
differ from the unconfirmed frame). With ``max_retransmissions=k`` a confirmed frame that
went on air but that no gateway received is sent again, with the same FCntUp and the
same bytes (LoRaWAN L2 1.0.4 §4.3.1.1: a retransmission does not increment the frame
counter), on a channel drawn afresh, up to ``k`` times. Each retransmission starts
``RECEIVE_DELAY2 + ACK_TIMEOUT`` after the end of the previous attempt: the device gives
up waiting for the ACK after its RX2 window, which opens RECEIVE_DELAY2 = 2 s after the
uplink ends, and waits a further ACK_TIMEOUT drawn uniformly in [1, 3] s (LoRaWAN 1.0.3
§18 / RP002-1.0.x default settings: ``ACK_TIMEOUT`` = 2 ± 1 s, called
``RETRANSMIT_TIMEOUT`` in 1.0.4; the RX2 window's own length, a few symbols, is
neglected). The downlink ACKs themselves are not simulated: a frame received by a
gateway counts as acknowledged (no lost ACK, no downlink airtime, no gateway
transmit-time blocking of uplinks).

The retransmissions are found in rounds on whole arrays: round 0 is the air of the
frames as planned; round ``r`` adds the next attempt of every confirmed frame whose
latest attempt went on air and was not received, then runs the air of the day again
over all attempts together (retransmissions meet, and may spoil, every other frame of
the day; channel access rules count them in the device's budget). A frame whose latest
attempt was received in one round but spoiled by the retransmissions added in the next
is retransmitted in the round after. At most :data:`MAX_ROUNDS` rounds are run; the air
of the last one is the truth. Retransmissions stay in their frame's JST day (the
block rule of the air). Every attempt is a row of the transmission truth
(``attempt`` 0, 1, ...) right after the frame's first attempt, so a frame lost and then
recovered shows a lost row and a delivered row with the same FCnt.
"""

from __future__ import annotations

import functools
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from toyama_lab._gc import frozen_heap
from toyama_lab._heap import release_free_heap
from toyama_lab.geo import local_xy_m
from toyama_lab.lorawan.batch import encode_batch
from toyama_lab.lorawan.keys import KeyStore
from toyama_lab.network.config import RadioConfig, as_radio_config, radio_params
from toyama_lab.network.log import gateway_clocks, receptions_table, transmission_table
from toyama_lab.network.registry import build_registry
from toyama_lab.network.road import (
    DELIVERED,
    DETAILS,
    L_SENSOR_DOWN,
    Links,
    build_links,
    simulate_air,
)
from toyama_lab.network.uplinks import sensor_uplinks, tracker_uplinks
from toyama_lab.synth import random as rnd

__all__ = [
    "ACK_TIMEOUT_S",
    "AIR_THREADS",
    "FIX_NUMBER",
    "MAX_ROUNDS",
    "RECEIVE_DELAY2_S",
    "TRACKER_KEY",
    "NetworkResult",
    "simulate_network",
    "simulate_network_blocks",
]

#: Key of ``readings_by_kind`` holding the children's GPS fixes (a polars DataFrame).
TRACKER_KEY = "gps_tracker"
#: Optional column of the fixes: the fix's row number in the whole window's fix table.
FIX_NUMBER = "fix_number"
_LORAWAN_OVERHEAD = 13  # MHDR 1 + FHDR 7 + FPort 1 + MIC 4 [bytes], LoRaWAN 1.0.4 §4
_DAY_S = 86_400.0
#: Delay from the end of an uplink to the opening of its RX2 window [s] (LoRaWAN
#: RP002-1.0.x default settings, RECEIVE_DELAY2 = RECEIVE_DELAY1 + 1 s = 2 s).
RECEIVE_DELAY2_S = 2.0
#: Range of the uniform ACK_TIMEOUT after the RX2 window before a retransmission [s]
#: (RP002-1.0.x default settings: 2 ± 1 s; RETRANSMIT_TIMEOUT in LoRaWAN 1.0.4).
ACK_TIMEOUT_S = (1.0, 3.0)
#: Most retransmission rounds run per day of air (see the module notes).
MAX_ROUNDS = 8
#: Blocks of :func:`simulate_network_blocks` whose frames, air and tables run at once, on
#: as many threads (numpy, polars and the AES of ``cryptography`` release the GIL for
#: much of that work); memory holds that many blocks plus the one being written.
AIR_THREADS = 2


@dataclass(frozen=True)
class NetworkResult:
    """Everything the simulated network produced.

    Attributes
    ----------
    registry : polars.DataFrame
        Devices (:data:`toyama_lab.network.registry.REGISTRY_SCHEMA`), SYNTHETIC.
    keys : toyama_lab.lorawan.KeyStore
        Their session keys, SYNTHETIC.
    receptions : polars.DataFrame
        One row per gateway reception, as stored in ``receptions.parquet``
        (:func:`toyama_lab.network.log.receptions_table`: ``tx_id``, ``gateway_id``,
        ``rssi_dbm``, ``snr_db_x10``); :attr:`gateway_log` is the full log.
    transmissions : polars.DataFrame
        Truth per uplink (:data:`toyama_lab.network.log.TRANSMISSION_SCHEMA`).
    clocks : polars.DataFrame
        The gateways' ``tmst`` counters (:func:`toyama_lab.network.log.gateway_clocks`).
    readings : dict of str to polars.DataFrame
        Per kind, the exact values each payload carries (``device_index``,
        ``period_start`` and the codec fields), for scoring the decoder.
    params : dict
        ``seed``, ``scenario``, ``start`` and the radio settings used.
    """

    registry: pl.DataFrame
    keys: KeyStore
    receptions: pl.DataFrame
    transmissions: pl.DataFrame
    clocks: pl.DataFrame
    readings: dict[str, pl.DataFrame] = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    @functools.cached_property
    def gateway_log(self) -> pl.DataFrame:
        """One row per gateway reception (``RECEPTION_SCHEMA``), sorted by time and gateway.

        :func:`toyama_lab.network.log.reception_rows` of :attr:`receptions`,
        :attr:`transmissions` and :attr:`clocks`: the rows a dataset's
        ``Dataset.gateway_log()`` reads back from the files.
        """
        from toyama_lab.network.log import reception_rows

        return reception_rows(self.receptions, self.transmissions, self.clocks)

    def loss_counts(self) -> pl.DataFrame:
        """Number of transmissions per ``loss_reason`` (all reasons, zeros included)."""
        from toyama_lab.network.road import LOSS_REASONS

        counts = self.transmissions.group_by("loss_reason").len()
        return (
            pl.DataFrame({"loss_reason": list(LOSS_REASONS)})
            .cast({"loss_reason": pl.Enum(list(LOSS_REASONS))})
            .join(counts, on="loss_reason", how="left")
            .with_columns(pl.col("len").fill_null(0).cast(pl.UInt32).alias("count"))
            .select("loss_reason", "count")
        )


def _outage_seconds(table: pl.DataFrame, start) -> pl.DataFrame:
    """Outage rows with ``s``/``e``: start and end in seconds since JST midnight of start."""
    from toyama_lab.network.log import JST_OFFSET, utc_base

    base = utc_base(start).astype("datetime64[us]").item() + JST_OFFSET
    return table.with_columns(
        ((pl.col("start") - pl.lit(base)).dt.total_microseconds() / 1e6).alias("s"),
        ((pl.col("end") - pl.lit(base)).dt.total_microseconds() / 1e6).alias("e"),
    )


def _sensor_down(uplinks: pl.DataFrame, outages: pl.DataFrame, city, start) -> np.ndarray:
    """True where the device is powered off at the planned start (outage table)."""
    n = uplinks.height
    down = np.zeros(n, dtype=bool)
    sens = outages.filter(pl.col("kind") == "sensor")
    if sens.height == 0 or n == 0:
        return down
    sens = _outage_seconds(sens, start)
    sens = sens.join(
        city.sensors.select(pl.col("sensor_id").alias("target_id"), "sensor_index"),
        on="target_id",
    ).with_columns(pl.col("sensor_index").cum_count().over("sensor_index").alias("nth"))
    dev = uplinks["device_index"].to_numpy().astype(np.int64)
    t = uplinks["planned_s"].to_numpy()
    n_dev = int(max(dev.max(), sens["sensor_index"].max())) + 1
    for _, grp in sens.group_by("nth", maintain_order=True):
        s = np.full(n_dev, np.inf)
        e = np.full(n_dev, -np.inf)
        idx = grp["sensor_index"].to_numpy()
        s[idx] = grp["s"].to_numpy()
        e[idx] = grp["e"].to_numpy()
        down |= (t >= s[dev]) & (t < e[dev])
    return down


def _gateway_down(outages: pl.DataFrame, city, start):
    gws = outages.filter(pl.col("kind") == "gateway")
    if gws.height == 0:
        return None
    gws = _outage_seconds(gws, start)
    index = {g: i for i, g in enumerate(city.gateways["gateway_id"].to_list())}
    g_idx = np.array([index[g] for g in gws["target_id"].to_list()], dtype=np.int64)
    return g_idx, gws["s"].to_numpy(), gws["e"].to_numpy()


def _fcnt(device: np.ndarray, handed: np.ndarray) -> np.ndarray:
    """FCntUp per row (rows in time order): 0, 1, 2... per device over handed rows, else -1."""
    out = np.full(device.size, -1, dtype=np.int64)
    rows = np.flatnonzero(handed)
    if rows.size == 0:
        return out
    d = device[rows]
    order = np.argsort(d, kind="stable")
    ds = d[order]
    first = np.r_[True, ds[1:] != ds[:-1]]
    grp_start = np.maximum.accumulate(np.where(first, np.arange(ds.size), 0))
    out[rows[order]] = np.arange(ds.size) - grp_start
    return out


def simulate_network(
    city,
    readings_by_kind: dict,
    *,
    seed: int,
    scenario,
    start,
    intervals: dict[str, int] | None = None,
    config: RadioConfig | None = None,
) -> NetworkResult:
    """Send every reading of the city over the simulated LoRaWAN network.

    Parameters
    ----------
    city : toyama_lab.city.City
        The city (sensors, gateways, children).
    readings_by_kind : dict
        ``{kind: {variable: (n_sensor, n_minute) array}}`` for sensor kinds, as
        :func:`toyama_lab.synth.simulate` returns them for *all* sensors of the kind in
        ``sensor_index`` order over whole days from ``start``; optionally
        ``readings_by_kind["gps_tracker"]``: the children's fixes (polars DataFrame of
        :data:`toyama_lab.synth.children.TRACK_SCHEMA`).
    seed : int
        Seed of the network (keys, phases, channels, fading); usually the dataset's.
    scenario : str or toyama_lab.synth.Scenario
        Scenario (its earthquake, if any, takes gateways and sensors down).
    start : datetime.date or str
        First day of the readings (JST midnight).
    intervals : dict, optional
        Reporting interval per sensor kind [min], e.g. ``{"pedestrian": 1}`` to load
        the network (default :data:`toyama_lab.network.uplinks.REPORT_INTERVAL_MIN`).
    config : RadioConfig, optional
        Radio settings (default :class:`toyama_lab.network.config.RadioConfig`).

    Returns
    -------
    NetworkResult

    Raises
    ------
    ValueError
        For a bad seed, unknown kinds, readings whose shape does not match the city.

    Examples
    --------
    >>> from toyama_lab.city import build_city
    >>> from toyama_lab import synth
    >>> city = build_city(0, "tiny")
    >>> rain = city.sensors.filter(city.sensors["kind"] == "rain")
    >>> r = {"rain": synth.simulate("rain", rain, "2025-10-06", 1, seed=0,
    ...                             scenario="normal-week")}
    >>> res = simulate_network(city, r, seed=0, scenario="normal-week", start="2025-10-06")
    >>> res.transmissions.height
    432
    """
    with frozen_heap():  # full collections skip what existed before (toyama_lab._gc)
        road = _prepare(city, seed=seed, scenario=scenario, start=start, intervals=intervals,
                        config=config)  # fmt: skip
        up, readings = _plan(road, readings_by_kind)
        up = up.sort("planned_s", "device_index", maintain_order=True)
        fcnt_next = np.zeros(road.registry.height, dtype=np.int64)
        rx, tx = _air(road, up, _hand_off(road, up, fcnt_next), tx_offset=0)
    # readings keyed by tx_id for scoring
    keyed = tx.select("tx_id", "device_index", "period_start")
    readings = {
        k: keyed.join(v, on=["device_index", "period_start"], how="inner", maintain_order="left")
        for k, v in readings.items()
    }
    return NetworkResult(road.registry, road.keys, rx, tx, road.clocks, readings, _params(road))


@dataclass(frozen=True)
class _Road:
    """What stays the same for every block of a window: city, devices, links, outages."""

    city: object
    seed: int
    scen: object
    start: object
    intervals: dict | None
    cfg: RadioConfig
    registry: pl.DataFrame
    keys: KeyStore
    links: Links
    outages: pl.DataFrame
    gw_down: tuple | None
    confirmed: np.ndarray  # per device: sends confirmed data up
    clocks: pl.DataFrame  # the gateways' tmst counters


def _prepare(city, *, seed, scenario, start, intervals, config) -> _Road:
    from toyama_lab.synth import get_scenario, outages

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, e.g. seed=0.")
    seed = int(seed)
    scen = get_scenario(scenario)
    cfg = as_radio_config(config, name="config")
    registry, keys = build_registry(city, seed)
    links = build_links(city, registry, seed, cfg)
    out_table = outages(city, scen, seed)
    gw_down = _gateway_down(out_table, city, start)
    n_dev = registry.height
    confirmed = np.zeros(n_dev, dtype=bool)
    if cfg.confirmed_share > 0:
        dev = np.arange(n_dev, dtype=np.int64)
        confirmed = rnd.uniform(seed, "net-confirmed", dev, 0) < float(cfg.confirmed_share)
    clocks = gateway_clocks(city.gateways["gateway_id"].to_list(), seed)
    return _Road(city, seed, scen, start, intervals, cfg, registry, keys, links, out_table,
                 gw_down, confirmed, clocks)  # fmt: skip


def _params(road: _Road) -> dict:
    from toyama_lab.synth.calendar import as_date

    return {
        "seed": road.seed,
        "scenario": road.scen.name,
        "start": as_date(road.start).isoformat(),
        "intervals": dict(road.intervals or {}),
        **radio_params(road.cfg),
    }


def _air_rounds(device, fcnt, planned, phy_len, x, y, confirmed, links, *, seed, cfg, gw_down):
    """The air of one day's frames with their retransmissions (see the module notes).

    Returns ``src`` (input row of each attempt; the first ``n`` are the inputs in
    order), ``attempt``, the planned start of each attempt [s] and the
    :class:`~toyama_lab.network.road.Air` of the last round over all attempts.
    """
    kw = {"seed": seed, "cfg": cfg, "gw_down": gw_down}
    air = simulate_air(device, fcnt, planned, phy_len, x, y, links, **kw)
    n = device.size
    src = np.arange(n, dtype=np.int64)
    att = np.zeros(n, dtype=np.int64)
    plan = np.asarray(planned, dtype=np.float64)
    if cfg.max_retransmissions == 0 or not confirmed.any():
        return src, att, plan, air
    latest = src.copy()  # row of each frame's latest attempt
    lo, hi = ACK_TIMEOUT_S
    for _ in range(MAX_ROUNDS):
        again = (
            confirmed
            & air.sent[latest]
            & (air.loss[latest] != DELIVERED)
            & (att[latest] < cfg.max_retransmissions)
        )
        k = np.flatnonzero(again)
        if k.size == 0:
            break
        r = latest[k]
        nxt = att[r] + 1
        u = rnd.uniform(seed, "net-ack-timeout", device[k], fcnt[k] * (MAX_ROUNDS + 1) + nxt)
        t = air.sent_s[r] + air.airtime_s[r] + RECEIVE_DELAY2_S + lo + (hi - lo) * u
        latest[k] = src.size + np.arange(k.size)
        src = np.concatenate([src, k])
        att = np.concatenate([att, nxt])
        plan = np.concatenate([plan, t])
        air = simulate_air(device[src], fcnt[src], plan, phy_len[src], x[src], y[src], links,
                           attempt=att, **kw)  # fmt: skip
    return src, att, plan, air


def _plan(road: _Road, readings_by_kind: dict, *, first_day: int = 0):
    """Planned uplinks (unsorted) and the readings they carry, for a block of days."""
    readings_by_kind = dict(readings_by_kind)
    fixes = readings_by_kind.pop(TRACKER_KEY, None)
    up, readings = sensor_uplinks(road.city.sensors, readings_by_kind, road.start,
                                  seed=road.seed, intervals=road.intervals,
                                  first_day=first_day)  # fmt: skip
    if fixes is not None:
        if not isinstance(fixes, pl.DataFrame):
            raise ValueError(
                f"readings_by_kind[{TRACKER_KEY!r}] must be the children's fixes as a polars "
                "DataFrame (toyama_lab.synth.children.simulate_tracks)."
            )
        number = None
        if FIX_NUMBER in fixes.columns:
            number = fixes[FIX_NUMBER].to_numpy()
            fixes = fixes.drop(FIX_NUMBER)
        t_up, t_read = tracker_uplinks(
            fixes, road.registry, road.start, seed=road.seed, fix_number=number
        )
        if t_up.height:
            up = pl.concat([up, t_up])
            readings[TRACKER_KEY] = t_read
    return up, readings


@dataclass(frozen=True)
class _Handoff:
    """Which planned uplinks reach the radio, and their FCntUp (rows of ``up``)."""

    device: np.ndarray  # device_index per row
    powered_off: np.ndarray  # the sensor is down (power outage) at the planned start
    has_payload: np.ndarray  # the row carries a reading
    handed: np.ndarray  # has_payload and not powered_off: a frame is made and sent
    fcnt: np.ndarray  # FCntUp of handed rows, -1 elsewhere


def _hand_off(road: _Road, up: pl.DataFrame, fcnt_next: np.ndarray) -> _Handoff:
    """The rows of ``up`` handed to the radio and their FCntUp; advances ``fcnt_next``.

    The only state carried from block to block: ``fcnt_next`` (per device, the next
    FCntUp) is advanced in place by the number of frames each device sends in ``up``.
    """
    device = up["device_index"].to_numpy().astype(np.int64)
    powered_off = _sensor_down(up, road.outages, road.city, road.start)
    has_payload = ~up["payload"].is_null().to_numpy()
    handed = has_payload & ~powered_off
    fcnt = _fcnt(device, handed)
    fcnt[handed] += fcnt_next[device[handed]]
    fcnt_next += np.bincount(device[handed], minlength=fcnt_next.size)
    return _Handoff(device, powered_off, has_payload, handed, fcnt)


def _air(road: _Road, up: pl.DataFrame, hand: _Handoff, *, tx_offset: int):
    """Frames, air and tables of uplinks sorted by (planned_s, device_index).

    ``hand`` is :func:`_hand_off` of ``up``. Returns the gateway log (sorted) and the
    transmission truth (``tx_id`` from ``tx_offset``). Reads ``road`` and ``hand`` only,
    so the blocks of a window may run on several threads at once.
    """
    city, registry, keys, links, cfg = road.city, road.registry, road.keys, road.links, road.cfg
    seed, start = road.seed, road.start
    n = up.height
    device, fcnt, handed = hand.device, hand.fcnt, hand.handed
    powered_off, has_payload = hand.powered_off, hand.has_payload

    # frames of every uplink handed to the radio
    rows = np.flatnonzero(handed)
    phy = pl.repeat(None, n, dtype=pl.Binary, eager=True).alias("phy_payload")
    addr = registry["dev_addr_int"].to_numpy().astype(np.int64)
    conf = road.confirmed[device]
    if rows.size:
        frames = encode_batch(
            addr[device[rows]],
            fcnt[rows],
            up["fport"].to_numpy()[rows].astype(np.int64),
            up["payload"].gather(rows),
            keys,
            confirmed=conf[rows] if conf.any() else None,
        )
        phy = phy.scatter(rows, frames)
    pay_len = up["payload"].bin.size().fill_null(0).to_numpy().astype(np.int64)

    # positions of every transmitter: device position, or the fix position for trackers
    x = links.dev_x[device].copy()
    y = links.dev_y[device].copy()
    mobile = ~up["lon"].is_null().to_numpy()
    if mobile.any():
        mx, my = local_xy_m(
            up["lon"].to_numpy()[mobile], up["lat"].to_numpy()[mobile], links.lon0, links.lat0
        )
        x[mobile] = mx
        y[mobile] = my

    sent_s = up["planned_s"].to_numpy().copy()
    sent = np.zeros(n, dtype=bool)
    sf = np.zeros(n, dtype=np.int64)
    freq = np.zeros(n, dtype=np.int64)
    toa = np.zeros(n)
    regional = np.full(n, -1, dtype=np.int8)
    loss = np.zeros(n, dtype=np.int8)
    detail = np.zeros(n, dtype=np.int8)
    loss[~handed] = L_SENSOR_DOWN
    detail[~has_payload] = DETAILS.index("no_reading")
    detail[powered_off] = DETAILS.index("power_outage")
    p_tx, p_gw, p_rssi, p_snr = [], [], [], []
    gw_down = road.gw_down
    day = np.floor(sent_s / _DAY_S).astype(np.int64)
    ex = []  # per day: retransmission rows (original row, attempt, planned, air arrays)
    n_ex = 0
    for d in np.unique(day[rows]).tolist() if rows.size else []:
        sel = rows[day[rows] == d]
        src, att, plan, air = _air_rounds(
            device[sel],
            fcnt[sel],
            sent_s[sel],
            pay_len[sel] + _LORAWAN_OVERHEAD,
            x[sel],
            y[sel],
            conf[sel],
            links,
            seed=seed,
            cfg=cfg,
            gw_down=gw_down,
        )
        k = sel.size
        sent_s[sel] = air.sent_s[:k]
        sent[sel] = air.sent[:k]
        sf[sel] = air.sf[:k]
        freq[sel] = air.freq_hz[:k]
        toa[sel] = air.airtime_s[:k]
        regional[sel] = air.regional[:k]
        loss[sel] = air.loss[:k]
        detail[sel] = air.detail[:k]
        # receptions: original rows by their row, retransmissions as n + their number (one
        # gather: a day's millions of receptions make each temporary tens of MB)
        ext = sel if src.size == k else np.r_[sel, n + n_ex + np.arange(src.size - k)]
        p_tx.append(ext[air.pair_tx])
        p_gw.append(air.pair_gw)
        p_rssi.append(air.pair_rssi)
        p_snr.append(air.pair_snr)
        if src.size > k:
            tail = slice(k, None)
            ex.append((sel[src[tail]], att[tail], plan[tail], air.sent_s[tail], air.sent[tail],
                       air.sf[tail], air.freq_hz[tail], air.airtime_s[tail], air.regional[tail],
                       air.loss[tail], air.detail[tail]))  # fmt: skip
            n_ex += src.size - k

    def cat(parts: list[np.ndarray], dtype) -> np.ndarray:  # one part (one day): no copy
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    pair_tx, pair_gw = cat(p_tx, np.int64), cat(p_gw, np.int64)
    pair_rssi, pair_snr = cat(p_rssi, np.float64), cat(p_snr, np.float64)
    # memory: one copy of the day's receptions from here on
    del p_tx, p_gw, p_rssi, p_snr
    if rows.size:
        del air, src, att, plan
    attempt = np.zeros(n, dtype=np.uint8)
    if n_ex:
        # every retransmission right after its frame's first attempt, in attempt order
        cols = [np.concatenate(c) for c in zip(*ex, strict=True)]
        origin = np.r_[np.arange(n, dtype=np.int64), cols[0]]
        att_all = np.r_[np.zeros(n, dtype=np.int64), cols[1]]
        order = np.lexsort((att_all, origin))
        new_pos = np.empty(order.size, dtype=np.int64)
        new_pos[order] = np.arange(order.size)
        pair_tx = new_pos[pair_tx]
        planned = np.r_[up["planned_s"].to_numpy(), cols[2]][order]
        up = up.gather(origin[order]).with_columns(pl.Series("planned_s", planned))
        phy = phy.gather(origin[order])
        fcnt = fcnt[origin[order]]
        conf = conf[origin[order]]
        attempt = att_all[order].astype(np.uint8)
        own = (sent_s, sent, sf, freq, toa, regional, loss, detail)
        sent_s, sent, sf, freq, toa, regional, loss, detail = (
            np.r_[a, b][order] for a, b in zip(own, cols[3:], strict=True)
        )
    rx = receptions_table(
        pair_tx=pair_tx,
        pair_gw=pair_gw,
        rssi_dbm=pair_rssi,
        snr_db=pair_snr,
        gateway_ids=city.gateways["gateway_id"].to_list(),
        tx_offset=tx_offset,
    )
    del pair_rssi, pair_snr
    tx = transmission_table(
        up.drop("down_detail"),
        registry=registry,
        start=start,
        fcnt=fcnt,
        phy_payload=phy,
        sent_s=sent_s,
        sent=sent,
        sf=sf,
        freq_hz=freq,
        airtime_s=toa,
        regional=regional,
        loss=loss,
        detail=detail,
        pair_tx=pair_tx,
        bw_hz=cfg.bw_hz,
        tx_offset=tx_offset,
        attempt=attempt,
        confirmed=conf,
    )
    return rx, tx


def _air_block(road: _Road, up: pl.DataFrame, hand: _Handoff):
    """:func:`_air` of one block on an air thread (``tx_id`` from 0), then the heap trimmed.

    The block's temporaries (a few hundred MB at city size) were allocated in this
    thread's malloc arena; trimming it here, as soon as they are freed, keeps two blocks
    in flight from holding twice the resident memory of one.
    """
    out = _air(road, up, hand, tx_offset=0)
    release_free_heap()
    return out


def simulate_network_blocks(
    city,
    read_block,
    n_days: int,
    *,
    seed: int,
    scenario,
    start,
    block_days: int = 1,
    intervals: dict[str, int] | None = None,
    config: RadioConfig | None = None,
):
    """:func:`simulate_network` over a long window, a block of days at a time.

    Memory holds :data:`AIR_THREADS` blocks of readings, uplinks and receptions, which
    run at once on as many threads (a consumer that stops early, or an error, drops the
    blocks not started and waits for the running ones). The rows yielded, put end
    to end, are exactly the rows :func:`simulate_network` gives for the whole window:
    FCntUp is carried per device from block to block; an uplink whose planned start falls
    after the block (the last slot of a day plus the device's phase) waits for the next
    block, whose air it belongs to. The boundary rule of
    the air is the one of :func:`simulate_network`: a frame only meets frames planned on
    its own JST day. :func:`toyama_lab.network.write.write_network_blocks`, which writes
    the blocks as they come, closes the generator when it stops (the blocks not started
    are dropped) and runs with the heap frozen (:func:`toyama_lab._gc.frozen_heap`).

    Parameters
    ----------
    city : toyama_lab.city.City
    read_block : callable
        ``read_block(first_day, n)`` -> the ``readings_by_kind`` of :func:`simulate_network`
        for days ``first_day .. first_day + n - 1`` of the window; its
        ``"gps_tracker"`` fixes carry a :data:`FIX_NUMBER` column (row number in the
        whole window's fix table) so that their jitters match the one-shot run. The first
        :data:`AIR_THREADS` blocks are read on the air threads while the road is set up
        (they are idle until then), the others in the calling thread; so ``read_block``
        may be called from two threads at once.
    n_days : int
        Days in the window.
    seed, scenario, start, intervals, config
        As in :func:`simulate_network`.
    block_days : int
        Days per block.

    Yields
    ------
    NetworkResult
        Per block: the same ``registry``, ``keys``, ``clocks`` and ``params``, and that
        block's ``receptions`` and ``transmissions`` rows (``readings`` empty).
    """
    for name, v in (("n_days", n_days), ("block_days", block_days)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}={v!r} must be a positive integer number of days.")
    spans = [
        (a, min(a + int(block_days), int(n_days))) for a in range(0, int(n_days), int(block_days))
    ]
    pool = ThreadPoolExecutor(max_workers=AIR_THREADS, thread_name_prefix="air")
    try:
        # the first blocks' readings are read on the idle air threads while the road is set up
        early = deque(pool.submit(read_block, a, b - a) for a, b in spans[:AIR_THREADS])
        road = _prepare(city, seed=seed, scenario=scenario, start=start, intervals=intervals,
                        config=config)  # fmt: skip
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    params = _params(road)
    fcnt_next = np.zeros(road.registry.height, dtype=np.int64)
    spill = None
    tx_offset = 0
    pending: deque[Future] = deque()

    def finished(future: Future) -> NetworkResult:
        nonlocal tx_offset
        rx, tx = future.result()
        if tx_offset:
            rx = rx.with_columns((pl.col("tx_id") + tx_offset).set_sorted())
            tx = tx.with_columns((pl.col("tx_id") + tx_offset).set_sorted())
        tx_offset += tx.height
        return NetworkResult(road.registry, road.keys, rx, tx, road.clocks, {}, params)

    try:
        for a, b in spans:
            readings = early.popleft().result() if early else read_block(a, b - a)
            up, _ = _plan(road, readings, first_day=a)
            del readings
            if spill is not None and spill.height:
                up = pl.concat([spill, up])
            up = up.sort("planned_s", "device_index", maintain_order=True)
            if b < int(n_days):
                up, spill = (
                    up.filter(pl.col("planned_s") < b * _DAY_S),
                    up.filter(pl.col("planned_s") >= b * _DAY_S),
                )
            hand = _hand_off(road, up, fcnt_next)
            # tx_id from 0 in the block; finished() shifts it once the blocks before are done
            pending.append(pool.submit(_air_block, road, up, hand))
            del up, hand
            if len(pending) == AIR_THREADS:
                yield finished(pending.popleft())
        while pending:
            yield finished(pending.popleft())
    finally:
        # a consumer that stops early, or an error: drop the blocks not started, wait for
        # the running ones (their threads cannot be interrupted)
        pool.shutdown(wait=True, cancel_futures=True)
