"""Benchmark: the radio road (toyama_lab.network.road) for a city-year, one day at a time.

For every day of ``--days`` (default 365) this builds the day's uplink schedule of the
``city`` size (every fixed sensor every 10 minutes at its own phase, plus the children's
tracker fixes of school days from :func:`toyama_lab.synth.children.simulate_tracks`) and
runs :func:`toyama_lab.network.road.simulate_air` on it: channel, ADR spreading factor,
time on air, ARIB STD-T108 channel access (pause, carrier sense, hourly budget),
link budget with fading for every (transmission x gateway) pair within reach, and the
receptions (demodulator paths, collisions, capture). With ``--encode`` it also builds
the encrypted, signed frames (:func:`toyama_lab.lorawan.encode_batch`).

Baseline, measured in the same run on the same number of values per day: numpy
``sort`` of the day's random start times plus a ``searchsorted`` of all of them into the
sorted array (the least any time-overlap search must do).

Printed: transmissions, receptions, radio time and transmissions per second, baseline
time, ratio, peak RSS (psutil), and the projected time for a full year.

Usage::

    python bench/radio.py [--days 365] [--size city] [--encode] [--seed 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl
import psutil

from toyama_lab.city import build_city
from toyama_lab.network.registry import build_registry
from toyama_lab.network.road import RadioConfig, build_links, simulate_air
from toyama_lab.radio.link import local_xy_m
from toyama_lab.synth import random as rnd

_OVERHEAD = 13  # LoRaWAN MHDR + FHDR + FPort + MIC [bytes]
_PAYLOAD = {"pedestrian": 2, "bicycle_park": 6, "counter": 5, "rain": 2, "river": 2}


class _PeakRss:
    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss

    def sample(self) -> None:
        self.peak = max(self.peak, self.proc.memory_info().rss)


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
        f = fixes_day.join(registry.select("child_id", "device_index"), on="child_id", how="left")
        fdev = f["device_index"].to_numpy().astype(np.int64)
        t = (f["time"].cast(pl.Datetime("us")).to_numpy() - np.datetime64(d0, "us")).astype(
            "timedelta64[us]"
        ).astype(np.int64) / 1e6
        fx, fy = local_xy_m(f["lon"].to_numpy(), f["lat"].to_numpy(), links.lon0, links.lat0)
        dev = np.concatenate([dev, fdev])
        counter = np.concatenate([counter, day * 1000 + np.arange(fdev.size)])
        planned = np.concatenate([planned, t])
        lens = np.concatenate([lens, np.full(fdev.size, 11 + _OVERHEAD)])
        x, y = np.concatenate([x, fx]), np.concatenate([y, fy])
    return dev, counter, planned, lens, x, y


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--size", default="city", choices=("tiny", "class", "city"))
    ap.add_argument("--start", default="2025-04-01")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--encode", action="store_true", help="also build the LoRaWAN frames")
    args = ap.parse_args(argv)
    rss = _PeakRss()
    city = build_city(args.seed, args.size)
    registry, keys = build_registry(city, args.seed)
    cfg = RadioConfig()
    links = build_links(city, registry, args.seed, cfg)
    from toyama_lab.synth.children import simulate_tracks

    start = dt.date.fromisoformat(args.start)
    n_tx = n_rx = 0
    t_air = t_base = t_track = t_enc = 0.0
    losses = np.zeros(8, dtype=np.int64)
    for day in range(args.days):
        d = start + dt.timedelta(days=day)
        t0 = time.perf_counter()
        fixes = simulate_tracks(city, d, 1, seed=args.seed)
        t_track += time.perf_counter() - t0
        dev, counter, planned, lens, x, y = _day_schedule(
            city, registry, links, day, d, args.seed, fixes
        )
        for arr in (dev, counter, lens, x, y):
            arr[:] = arr[np.argsort(planned, kind="stable")]
        planned.sort()
        t0 = time.perf_counter()
        air = simulate_air(dev, counter, planned, lens, x, y, links, seed=args.seed, cfg=cfg)
        t_air += time.perf_counter() - t0
        if args.encode:
            from toyama_lab.lorawan.batch import encode_batch

            addr = registry["dev_addr_int"].to_numpy().astype(np.int64)
            pay = pl.Series([bytes(int(n) - _OVERHEAD) for n in lens], dtype=pl.Binary)
            t0 = time.perf_counter()
            encode_batch(addr[dev], counter % (1 << 32), 11, pay, keys)
            t_enc += time.perf_counter() - t0
        n_tx += dev.size
        n_rx += air.pair_tx.size
        losses += np.bincount(air.loss, minlength=8)
        rng = np.random.default_rng(day)
        starts = rng.uniform(0, 86400.0, dev.size)
        t0 = time.perf_counter()
        s = np.sort(starts)
        np.searchsorted(s, starts)
        t_base += time.perf_counter() - t0
        rss.sample()
    from toyama_lab.network.road import LOSS_REASONS

    year = t_air * 365.0 / args.days
    print(
        f"size={args.size} days={args.days} devices={registry.height} gateways="
        f"{city.gateways.height}"
    )
    print(f"transmissions           {n_tx:>14,d}")
    print(f"gateway receptions      {n_rx:>14,d}")
    print(f"radio time              {t_air:>14.2f} s   ({n_tx / t_air:,.0f} tx/s)")
    print(
        f"baseline sort+search    {t_base:>14.2f} s   ({n_tx / t_base:,.0f} values/s); "
        f"radio / baseline = {t_air / t_base:.1f}x"
    )
    print(f"tracker fixes (synth)   {t_track:>14.2f} s   (not in the radio time)")
    if args.encode:
        print(f"frame encoding          {t_enc:>14.2f} s   ({n_tx / t_enc:,.0f} frames/s)")
    print(f"peak RSS                {rss.peak / 2**20:>14.0f} MiB")
    print(f"projected radio time for 365 days: {year:.0f} s ({year / 60:.1f} min)")
    print(
        "loss reasons: "
        + ", ".join(f"{r}={int(c)}" for r, c in zip(LOSS_REASONS, losses, strict=True) if c)
    )


if __name__ == "__main__":
    main()
