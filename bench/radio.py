"""Benchmark: the radio road (toyama_lab.network.road) for a city-year, one day at a time.

For every day of ``--days`` (default 365) this builds the day's uplink schedule of the
``city`` size (every fixed sensor every 10 minutes at its own phase, plus the children's
tracker fixes of school days from :func:`toyama_lab.synth.children.simulate_tracks`,
planned as the network plans them, jitter included:
:func:`toyama_lab.network.uplinks.tracker_uplinks`) and runs
:func:`toyama_lab.network.road.simulate_air` on it: channel, ADR spreading factor, time
on air, ARIB STD-T108 channel access (pause, carrier sense, hourly budget), link budget
with fading for every (transmission x gateway) pair within reach, and the receptions
(demodulator paths, collisions, capture). With ``--encode`` it also builds the
encrypted, signed frames (:func:`toyama_lab.lorawan.encode_batch`).

Baseline, measured in the same run on the same number of values per day: numpy
``sort`` of the day's random start times plus a ``searchsorted`` of all of them into the
sorted array (the least any time-overlap search must do).

Printed: transmissions, receptions, radio time (wall and CPU, summed over the days) and
transmissions per second, baseline time, ratio, peak RSS (psutil and the kernel's high-water
mark), and the projected time for a full year. With ``--workers N`` the days are shared
among N processes, dealt round-robin (``--engine dask``, the default: one
``dask.delayed`` task per worker's days on dask's processes scheduler;
``--engine pool``: a spawned ``multiprocessing`` pool; each process builds the city and
links, then runs its block of days: days are independent,
every draw being keyed by device and counter); then the wall time of the day loop
(schedule, tracker fixes and radio, without the baseline; the slowest worker's) is printed too,
with its projection for a year, as is the radio wall time (the largest radio time of
one process: what the radio simulation of the year takes on N cores), and the peak RSS
is that of the largest process.

Usage::

    python bench/radio.py [--days 365] [--size city] [--encode] [--seed 0] [--workers 1]
                          [--engine dask|pool]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import resource
import time

import numpy as np
import polars as pl
import psutil

from toyama_lab.city import build_city
from toyama_lab.geo import local_xy_m
from toyama_lab.network.config import RadioConfig
from toyama_lab.network.registry import build_registry
from toyama_lab.network.road import build_links, simulate_air
from toyama_lab.network.uplinks import tracker_uplinks
from toyama_lab.synth import random as rnd

_OVERHEAD = 13  # LoRaWAN MHDR + FHDR + FPort + MIC [bytes]
_PAYLOAD = {"pedestrian": 2, "bicycle_park": 6, "counter": 5, "rain": 2, "river": 2}


class _PeakRss:
    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss

    def sample(self) -> None:
        # the kernel's high-water mark (ru_maxrss, KiB on Linux) also sees the peaks
        # inside a day, between two samples
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = max(self.peak, self.proc.memory_info().rss, hwm)


def _day_schedule(city, registry, links, day: int, d0: dt.date, seed: int, fixes_day):
    sensors = city.sensors.sort("sensor_index")
    sidx = sensors["sensor_index"].to_numpy().astype(np.int64)
    plen = np.array([_PAYLOAD[k] for k in sensors["kind"].to_list()]) + _OVERHEAD
    n_slot = 144
    dev = np.repeat(sidx, n_slot)
    slot = np.tile(np.arange(n_slot), sidx.size)
    counter = day * n_slot + slot
    phase = 600.0 * rnd.uniform(seed, "net-phase", sidx, 0)
    planned = day * 86400.0 + (slot + 1) * 600.0 + np.repeat(phase, n_slot)
    planned = planned + 2.0 * rnd.uniform(seed, "net-jitter", dev, counter)
    x, y = links.dev_x[dev], links.dev_y[dev]
    lens = np.repeat(plen, n_slot)
    if fixes_day is not None and fixes_day.height:
        # the trackers' uplinks as the network plans them: one per fix, after the same
        # per-uplink jitter and with the same payload (toyama_lab.network.uplinks)
        fix_number = day * 1_000_000 + np.arange(fixes_day.height, dtype=np.int64)
        t_up, _ = tracker_uplinks(fixes_day, registry, d0, seed=seed, fix_number=fix_number)
        fdev = t_up["device_index"].to_numpy().astype(np.int64)
        fx, fy = local_xy_m(t_up["lon"].to_numpy(), t_up["lat"].to_numpy(), links.lon0, links.lat0)
        dev = np.concatenate([dev, fdev])
        counter = np.concatenate([counter, day * 1000 + np.arange(fdev.size)])
        planned = np.concatenate([planned, t_up["planned_s"].to_numpy()])
        flen = t_up["payload"].bin.size().to_numpy().astype(np.int64) + _OVERHEAD
        lens = np.concatenate([lens, flen])
        x, y = np.concatenate([x, fx]), np.concatenate([y, fy])
    return dev, counter, planned, lens, x, y


_STATE: dict = {}


def _setup(args) -> None:
    city = build_city(args.seed, args.size)
    registry, keys = build_registry(city, args.seed)
    cfg = RadioConfig()
    links = build_links(city, registry, args.seed, cfg)
    _STATE.update(args=args, city=city, registry=registry, keys=keys, links=links, cfg=cfg)


def _run_days(days: list[int]) -> dict:
    """Simulate the given day numbers; timings and counts (runs in a worker or inline)."""
    from toyama_lab.synth.children import simulate_tracks

    t_loop = time.perf_counter()
    args, city, registry, keys, links, cfg = (
        _STATE[k] for k in ("args", "city", "registry", "keys", "links", "cfg")
    )
    rss = _PeakRss()
    start = dt.date.fromisoformat(args.start)
    out = {"n_tx": 0, "n_rx": 0, "t_air": 0.0, "cpu_air": 0.0, "t_base": 0.0, "t_track": 0.0}
    out["t_enc"] = 0.0
    losses = np.zeros(8, dtype=np.int64)
    for day in days:
        d = start + dt.timedelta(days=day)
        t0 = time.perf_counter()
        fixes = simulate_tracks(city, d, 1, seed=args.seed)
        out["t_track"] += time.perf_counter() - t0
        dev, counter, planned, lens, x, y = _day_schedule(
            city, registry, links, day, d, args.seed, fixes
        )
        for arr in (dev, counter, lens, x, y):
            arr[:] = arr[np.argsort(planned, kind="stable")]
        planned.sort()
        t0, c0 = time.perf_counter(), time.process_time()
        air = simulate_air(dev, counter, planned, lens, x, y, links, seed=args.seed, cfg=cfg)
        out["t_air"] += time.perf_counter() - t0
        out["cpu_air"] += time.process_time() - c0
        if args.encode:
            from toyama_lab.lorawan.batch import encode_batch

            addr = registry["dev_addr_int"].to_numpy().astype(np.int64)
            pay = pl.Series([bytes(int(n) - _OVERHEAD) for n in lens], dtype=pl.Binary)
            t0 = time.perf_counter()
            encode_batch(addr[dev], counter % (1 << 32), 11, pay, keys)
            out["t_enc"] += time.perf_counter() - t0
        out["n_tx"] += dev.size
        out["n_rx"] += air.pair_tx.size
        losses += np.bincount(air.loss, minlength=8)
        del air  # keep one day of pairs in memory at a time
        rng = np.random.default_rng(day)
        starts = rng.uniform(0, 86400.0, dev.size)
        t0 = time.perf_counter()
        s = np.sort(starts)
        np.searchsorted(s, starts)
        out["t_base"] += time.perf_counter() - t0
        rss.sample()
    out["losses"] = losses
    out["rss"] = rss.peak
    # the loop's wall time without the baseline measured inside it
    out["t_loop"] = time.perf_counter() - t_loop - out["t_base"]
    return out


def _task(args, days: list[int]) -> dict:
    """One dask task: a block of days in a worker process (city and links built once)."""
    if _STATE.get("args") != args:
        _setup(args)
    return _run_days(days)


def _run_dask(args, blocks: list[list[int]]) -> list[dict]:
    """Blocks of days as ``dask.delayed`` tasks on the processes scheduler (spawned)."""
    import dask

    tasks = [dask.delayed(_task, pure=False)(args, b) for b in blocks]
    # chunksize=1: the processes scheduler otherwise hands up to 6 ready tasks to one
    # worker in a batch, and both blocks would run one after the other in one process
    with dask.config.set(scheduler="processes", num_workers=len(blocks), chunksize=1):
        return list(dask.compute(*tasks))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--size", default="city", choices=("tiny", "class", "city"))
    ap.add_argument("--start", default="2025-04-01")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--encode", action="store_true", help="also build the LoRaWAN frames")
    ap.add_argument("--workers", type=int, default=1, help="processes sharing the days")
    ap.add_argument(
        "--engine",
        default="dask",
        choices=("dask", "pool"),
        help="with --workers > 1: dask.delayed tasks (processes scheduler) or a "
        "multiprocessing pool",
    )
    args = ap.parse_args(argv)
    if args.workers < 1:
        ap.error(f"--workers must be >= 1; got {args.workers}.")
    # days dealt round-robin to the workers: school days, holidays and weekends spread
    # evenly (contiguous halves of a year differ by a fifth in work)
    days = np.arange(args.days)
    blocks = [days[k :: args.workers].tolist() for k in range(min(args.workers, args.days))]
    t_wall = time.perf_counter()
    if len(blocks) == 1:
        _setup(args)
        parts = [_run_days(blocks[0])]
    elif args.engine == "dask":
        parts = _run_dask(args, blocks)
    else:
        # spawn, not fork: polars' thread pool does not survive a fork
        with mp.get_context("spawn").Pool(len(blocks), _setup, (args,)) as pool:
            parts = pool.map(_run_days, blocks, chunksize=1)
    t_wall = time.perf_counter() - t_wall
    t_loop = max(p["t_loop"] for p in parts)
    city, registry = _STATE.get("city"), _STATE.get("registry")
    if city is None:
        city = build_city(args.seed, args.size)
        registry, _ = build_registry(city, args.seed)
    tot = {k: sum(p[k] for p in parts) for k in parts[0] if k not in ("losses", "rss", "t_loop")}
    losses = np.sum([p["losses"] for p in parts], axis=0)
    peak = max(p["rss"] for p in parts)
    n_tx, n_rx, t_air = tot["n_tx"], tot["n_rx"], tot["t_air"]
    from toyama_lab.network.road import LOSS_REASONS

    year = t_air * 365.0 / args.days
    print(
        f"size={args.size} days={args.days} devices={registry.height} gateways="
        f"{city.gateways.height} workers={len(blocks)}"
    )
    print(f"transmissions           {n_tx:>14,d}")
    print(f"gateway receptions      {n_rx:>14,d}")
    print(f"radio time              {t_air:>14.2f} s   ({n_tx / t_air:,.0f} tx/s)")
    print(
        f"radio CPU time          {tot['cpu_air']:>14.2f} s   "
        f"({n_tx / tot['cpu_air']:,.0f} tx/s per core)"
    )
    print(
        f"baseline sort+search    {tot['t_base']:>14.2f} s   "
        f"({n_tx / tot['t_base']:,.0f} values/s); radio / baseline = "
        f"{t_air / tot['t_base']:.1f}x"
    )
    print(f"tracker fixes (synth)   {tot['t_track']:>14.2f} s   (not in the radio time)")
    if args.encode:
        print(
            f"frame encoding          {tot['t_enc']:>14.2f} s   ({n_tx / tot['t_enc']:,.0f} "
            "frames/s)"
        )
    print(f"peak RSS                {peak / 2**20:>14.0f} MiB")
    print(f"projected radio time for 365 days: {year:.0f} s ({year / 60:.1f} min)")
    if len(blocks) > 1:
        t_radio = max(p["t_air"] for p in parts)
        ry = t_radio * 365.0 / args.days
        print(
            f"radio wall time on {len(blocks)} processes (the busiest one's radio time): "
            f"{t_radio:.2f} s ({n_tx / t_radio:,.0f} tx/s); projected for 365 days: {ry:.0f} s "
            f"({ry / 60:.1f} min)"
        )
        wy = t_loop * 365.0 / args.days
        print(
            f"wall time of the day loop (schedule, fixes, radio) on {len(blocks)} processes: "
            f"{t_loop:.2f} s "
            f"({n_tx / t_loop:,.0f} tx/s); projected for 365 days: {wy:.0f} s "
            f"({wy / 60:.1f} min)"
        )
        print(
            f"wall time with start-up ({args.engine}: spawning, city and links per worker): "
            f"{t_wall:.2f} s"
        )
    print(
        "loss reasons: "
        + ", ".join(f"{r}={int(c)}" for r, c in zip(LOSS_REASONS, losses, strict=True) if c)
    )


if __name__ == "__main__":
    main()
