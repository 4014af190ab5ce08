"""Benchmark: the whole road of a dataset (frames, air, tables, Parquet) against its radio.

Generates one dataset once (``--size city --days 2`` by default, kept in ``bench/_work/road``;
made in a child process so that its memory does not count), then runs
:func:`toyama_lab.datasets.network.simulate_from_dataset` on it in this process, with the time
spent inside :func:`toyama_lab.network.road.simulate_air` (the radio: channel access, link
budget, receptions, collisions) summed over every call of the run. That radio time is
the baseline: the rest of the road (readings into payloads, frames, FCnt, the gateway
log, the transmission truth and writing both as Parquet) is measured against it in the
same run, on the same data.

The road and the radio alone are timed **in turn** (``--turns``, default 3): each turn runs
the whole road, then the radio calls of that road again, alone, on the same inputs (kept on
disk during the road). On a shared or virtual machine a single run of either may be slowed by
the host (on the VM of docs/benchmarks.md, the same radio calls took 0.88-1.52 s within one
minute); timed in turn, both are measured over the same span of time and each keeps its best,
as :mod:`timeit` and ``bench/decode.py`` do. The first turn's road also pays for the first
touch of its memory, which a long run (a city-year) pays once.

Printed: transmissions and receptions written; a line per turn (the whole road's wall and
CPU time, the radio alone's, their ratio); for the fastest road, the wall and CPU time of its
radio part (the time spent inside :func:`toyama_lab.network.road.simulate_air`, summed over
every call) and of the other stages (frame encoding, gateway log, transmission table,
planning; the rest is reading the readings, the glue of the road and the Parquet encoding,
which polars runs on its own threads while the next day is simulated), with each stage's
minor page faults. A stage's CPU time is that of the thread that ran it
(``time.thread_time``); the whole road's is the process's (every thread). Then the peak RSS
(the kernel's high-water mark of this process over all turns, and the stage running at the
sampled peak) and the files' size. The last line prints the best whole-road wall time as a
multiple of the best radio-alone wall time (``N.Nx``; the goal of issue 14 is at most 2.5x);
the line before it, the same for the CPU times (all threads of the road against the radio's
thread); the one before, the median of the turns' own ratios; the one before, both ratios of
the fastest road against its radio part.

Usage::

    python bench/road.py [--size city] [--days 2] [--seed 0] [--scenario normal-week] [--turns 3]

To measure another commit's road with this bench (as docs/benchmarks.md does for the code
before issue 14), put that commit's checkout first on the path:
``PYTHONPATH=/path/to/checkout python bench/road.py``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

WORK = Path(__file__).resolve().parent / "_work" / "road"


_NOW = ["rest"]  # the stage running now (set by the timers, read by the RSS sampler)


class _RssSampler(threading.Thread):
    """Samples this process's RSS every 20 ms; keeps the peak and the stage it was in."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process()
        self.peak, self.stage = 0, ""
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            rss = self.proc.memory_info().rss
            if rss > self.peak:
                self.peak, self.stage = rss, _NOW[0]


def _thread_faults() -> int:
    """Minor page faults of the calling thread so far (first touches of fresh pages)."""
    return resource.getrusage(getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)).ru_minflt


class _Timer:
    """Wall and CPU time summed over every call of a wrapped function."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.wall = 0.0
        self.cpu = 0.0
        self.calls = 0
        self.faults = 0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            # the CPU time of the calling thread only: the Parquet sink encodes on other
            # threads meanwhile, and the process's CPU time would count that too
            w, c = time.perf_counter(), time.thread_time()
            f = _thread_faults()
            _NOW[0] = self.label
            try:
                return fn(*args, **kwargs)
            finally:
                _NOW[0] = "rest"
                self.wall += time.perf_counter() - w
                self.cpu += time.thread_time() - c
                self.faults += _thread_faults() - f
                self.calls += 1

        return timed


def _dataset(args) -> Path:
    """The dataset folder, generated in a child process when missing."""
    code = (
        "import sys\n"
        "from toyama_lab.datasets import load\n"
        f"ds = load({args.scenario!r}, {args.size!r}, {args.seed}, days={args.days}, "
        f"root={str(WORK)!r}, progress=False)\n"
        "print(ds.path)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


REPLAY = WORK / "radio-calls"


def _record_radio(simulate) -> None:
    """Keep the inputs of every radio call on disk (to run the radio alone afterwards)."""
    shutil.rmtree(REPLAY, ignore_errors=True)
    REPLAY.mkdir(parents=True)
    air = simulate.simulate_air

    lock = threading.Lock()  # the road may call the radio from several threads

    def recorded(*a, **kw):
        k = next(j for j, v in enumerate(a) if isinstance(v, simulate.Links))
        with lock:
            number = next(_NUMBERS[0])
        with open(REPLAY / f"{number:04d}.pkl", "wb") as f:
            pickle.dump(((*a[:k], None, *a[k + 1 :]), k, kw), f)
        _LINKS[:] = [a[k]]
        return air(*a, **kw)

    simulate.simulate_air = recorded
    _AIR[:] = [air]


_LINKS: list = []
_AIR: list = []
_NUMBERS = [itertools.count()]  # numbers the radio calls of the current turn


def _radio_alone() -> tuple[float, float]:
    """Wall and thread CPU time of the road's radio calls run again, alone [s]."""
    wall = cpu = 0.0
    for p in sorted(REPLAY.iterdir()):
        with open(p, "rb") as f:
            a, k, kw = pickle.load(f)
        a = (*a[:k], _LINKS[0], *a[k + 1 :])
        w, c = time.perf_counter(), time.thread_time()
        _AIR[0](*a, **kw)
        wall += time.perf_counter() - w
        cpu += time.thread_time() - c
    shutil.rmtree(REPLAY, ignore_errors=True)  # ready for the next turn's road
    REPLAY.mkdir(parents=True)
    _NUMBERS[0] = itertools.count()
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="city")
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scenario", default="normal-week")
    ap.add_argument("--turns", type=int, default=3, help="road and radio alone, in turn")
    args = ap.parse_args()
    if args.turns < 1:
        ap.error("--turns must be at least 1")
    path = _dataset(args)

    import polars as pl

    # imported before the clock starts, as the CLI has them when it simulates the network
    # of the dataset it has just written (importing zarr alone takes about 0.2 s, once)
    import xarray  # noqa: F401
    import zarr  # noqa: F401

    import toyama_lab.datasets  # noqa: F401
    import toyama_lab.lorawan.batch as batch
    import toyama_lab.network.simulate as simulate

    try:
        from toyama_lab.datasets.network import simulate_from_dataset
    except ImportError:  # older code of the road (another commit on PYTHONPATH)
        from toyama_lab.network import simulate_from_dataset

    # label: (module, name) candidates; the first that exists is timed (older code of the
    # road, e.g. another commit on PYTHONPATH, names or imports some stages otherwise)
    stages = {
        "radio (simulate_air)": [(simulate, "simulate_air")],
        "frames (encode_batch)": [(simulate, "encode_batch"), (batch, "encode_batch")],
        "receptions table": [
            (simulate, n) for n in ("receptions_table", "stored_gateway_log", "gateway_log")
        ],
        "transmission table": [(simulate, "transmission_table")],
        "plan: readings to payloads": [(simulate, "_plan")],
        "sensor power outages": [(simulate, "_sensor_down")],
        "log merge at block edges": [(simulate, "_merge_log")],
    }
    timers = {}
    _record_radio(simulate)
    for label, candidates in stages.items():
        found = next(((m, n) for m, n in candidates if hasattr(m, n)), None)
        if found is not None:
            module, name = found
            timers[label] = _Timer(label)
            setattr(module, name, timers[label].wrap(getattr(module, name)))
    threads = getattr(simulate, "AIR_THREADS", 1)

    sampler = _RssSampler()
    sampler.start()
    turns = []  # per turn: road wall, road cpu, faults, stage snapshots, alone wall, alone cpu
    for _ in range(args.turns):
        for t in timers.values():
            t.wall = t.cpu = 0.0
            t.calls = t.faults = 0
        w0, c0 = time.perf_counter(), time.process_time()
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        files = simulate_from_dataset(path, overwrite=True)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
        stages = {k: (t.wall, t.cpu, t.calls, t.faults) for k, t in timers.items()}
        alone_w, alone_c = _radio_alone()
        turns.append((wall, cpu, faults, stages, alone_w, alone_c))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sampler.done.set()
    shutil.rmtree(REPLAY, ignore_errors=True)

    rx_file = files.get("receptions", files.get("gateway_log"))  # older code: the full log
    net = Path(rx_file).parent
    n_rx = pl.scan_parquet(rx_file).select(pl.len()).collect().item()
    n_tx = pl.scan_parquet(files["transmissions"]).select(pl.len()).collect().item()
    size = sum(os.path.getsize(p) for p in net.iterdir())
    print(f"dataset: {path.name} ({args.size}, {args.days} days), {os.cpu_count()} cores")
    print(f"written: {n_tx:,} transmissions, {n_rx:,} receptions, {size / 2**20:.1f} MiB")
    head = ("turn", "road wall s", "road cpu s", "radio alone s", "ratio")
    print("{:6s} {:>11s} {:>11s} {:>14s} {:>6s}".format(*head))
    for i, (wall, cpu, _, _, alone_w, _) in enumerate(turns, 1):
        print(f"{i:<6d} {wall:11.2f} {cpu:11.2f} {alone_w:14.2f} {wall / alone_w:5.1f}x")
    best = min(range(len(turns)), key=lambda i: turns[i][0])
    wall, cpu, faults, stages, _, _ = turns[best]
    print(f"stages of the fastest road (turn {best + 1}):")
    print(f"{'stage':28s} {'wall s':>8s} {'cpu s':>8s} {'calls':>6s} {'faults k':>9s}")
    rest_w, rest_c = wall, cpu
    for label, (s_wall, s_cpu, s_calls, s_faults) in stages.items():
        print(f"{label:28s} {s_wall:8.2f} {s_cpu:8.2f} {s_calls:6d} {s_faults / 1e3:9.1f}")
        rest_w -= s_wall
        rest_c -= s_cpu
    if threads == 1:
        print(f"{'rest (read, write, glue)':28s} {rest_w:8.2f} {rest_c:8.2f}")
    else:  # the stages' wall times overlap: their sum is not a part of the whole
        print(f"{'rest (read, write, glue)':28s} {'-':>8s} {rest_c:8.2f}")
        print(f"(blocks run on {threads} threads: stage wall times are summed over them)")
    print(f"{'whole road':28s} {wall:8.2f} {cpu:8.2f} {'':6s} {faults / 1e3:9.1f}")
    print(
        "(faults k: thousands of minor page faults, the first touches of fresh 4 KiB pages, "
        "of the stage's thread; on a VM whose host reclaims freed memory each costs "
        "several microseconds)"
    )
    radio_w, radio_c = stages["radio (simulate_air)"][:2]
    sampled = f"sampled: {sampler.peak / 2**30:.2f} GiB in {sampler.stage}"
    print(f"peak RSS: {peak / 2**30:.2f} GiB ({sampled})")
    alone_w = min(t[4] for t in turns)
    alone_c = min(t[5] for t in turns)
    print(f"{'radio alone (best of turns)':28s} {alone_w:8.2f} {alone_c:8.2f}")
    print(f"fastest road / its radio part, wall: {wall / radio_w:.1f}x, cpu: {cpu / radio_c:.1f}x")
    ratios = [t[0] / t[4] for t in turns]
    print(f"whole road / radio alone, wall, median of the turns: {statistics.median(ratios):.1f}x")
    print(
        f"whole road / radio alone, cpu (best of {len(turns)} each): "
        f"{min(t[1] for t in turns) / alone_c:.1f}x"
    )
    print(f"whole road / radio alone, wall (best of {len(turns)} each): {wall / alone_w:.1f}x")


if __name__ == "__main__":
    main()
