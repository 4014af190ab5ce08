"""Benchmark: the whole road of a dataset (frames, air, tables, Parquet) against its radio.

Generates one dataset once (``--size city --days 2`` by default, kept in ``bench/_work/road``;
made in a child process so that its memory does not count), then runs
:func:`toyama_lab.datasets.network.simulate_from_dataset` on it in this process, with the time
spent inside :func:`toyama_lab.network.road.simulate_air` (the radio: channel access, link
budget, receptions, collisions) summed over every call of the run. That radio time is
the baseline: the rest of the road (readings into payloads, frames, FCnt, the gateway
log, the transmission truth and writing both as Parquet) is measured against it in the
same run, on the same data.

Printed: transmissions and receptions written; wall and CPU time of the whole road and of
its radio part, with a breakdown of the other stages (frame encoding, gateway log,
transmission table, planning; the rest is reading the readings, the glue of the road and
the Parquet encoding, which polars runs on its own threads while the next day is
simulated). A stage's CPU time is that of the thread that ran it (``time.thread_time``);
the whole road's is the process's (every thread). Then the peak RSS (the kernel's
high-water mark of this process, and the stage running at the sampled peak) and the files'
size. The radio calls of the road are then run again, alone, on the same inputs (kept on disk
during the road): that is the baseline, since the radio inside the road shares the
machine with the Parquet encoding. The last line prints the whole road's wall time as a
multiple of the radio-alone wall time (``N.Nx``; the goal of issue 14 is at most 2.5x); the
line before it, the ratio of the CPU times (all threads of the road against the radio's
thread); the one before, both ratios against the radio inside the road.

Usage::

    python bench/road.py [--size city] [--days 2] [--seed 0] [--scenario normal-week]

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

    numbers = itertools.count()
    lock = threading.Lock()  # the road may call the radio from several threads

    def recorded(*a, **kw):
        k = next(j for j, v in enumerate(a) if isinstance(v, simulate.Links))
        with lock:
            number = next(numbers)
        with open(REPLAY / f"{number:04d}.pkl", "wb") as f:
            pickle.dump(((*a[:k], None, *a[k + 1 :]), k, kw), f)
        _LINKS[:] = [a[k]]
        return air(*a, **kw)

    simulate.simulate_air = recorded
    _AIR[:] = [air]


_LINKS: list = []
_AIR: list = []


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
    shutil.rmtree(REPLAY, ignore_errors=True)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="city")
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scenario", default="normal-week")
    args = ap.parse_args()
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
    w0, c0 = time.perf_counter(), time.process_time()
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    files = simulate_from_dataset(path, overwrite=True)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sampler.done.set()

    rx_file = files.get("receptions", files.get("gateway_log"))  # older code: the full log
    net = Path(rx_file).parent
    n_rx = pl.scan_parquet(rx_file).select(pl.len()).collect().item()
    n_tx = pl.scan_parquet(files["transmissions"]).select(pl.len()).collect().item()
    size = sum(os.path.getsize(p) for p in net.iterdir())
    print(f"dataset: {path.name} ({args.size}, {args.days} days), {os.cpu_count()} cores")
    print(f"written: {n_tx:,} transmissions, {n_rx:,} receptions, {size / 2**20:.1f} MiB")
    print(f"{'stage':28s} {'wall s':>8s} {'cpu s':>8s} {'calls':>6s} {'faults k':>9s}")
    rest_w, rest_c = wall, cpu
    for label, t in timers.items():
        print(f"{label:28s} {t.wall:8.2f} {t.cpu:8.2f} {t.calls:6d} {t.faults / 1e3:9.1f}")
        rest_w -= t.wall
        rest_c -= t.cpu
    if threads == 1:
        print(f"{'rest (read, write, glue)':28s} {rest_w:8.2f} {rest_c:8.2f}")
    else:  # the stages' wall times overlap: their sum is not a part of the whole
        print(f"{'rest (read, write, glue)':28s} {'-':>8s} {rest_c:8.2f}")
        print(f"(blocks run on {threads} threads: stage wall times are summed over them)")
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    print(f"{'whole road':28s} {wall:8.2f} {cpu:8.2f} {'':6s} {faults / 1e3:9.1f}")
    print(
        "(faults k: thousands of minor page faults, the first touches of fresh 4 KiB pages, "
        "of the stage's thread; on a VM whose host reclaims freed memory each costs "
        "several microseconds)"
    )
    radio = timers["radio (simulate_air)"]
    sampled = f"sampled: {sampler.peak / 2**30:.2f} GiB in {sampler.stage}"
    print(f"peak RSS: {peak / 2**30:.2f} GiB ({sampled})")
    alone_w, alone_c = _radio_alone()
    print(f"{'radio alone (same calls)':28s} {alone_w:8.2f} {alone_c:8.2f}")
    in_road = f"wall: {wall / radio.wall:.1f}x, cpu: {cpu / radio.cpu:.1f}x"
    print(f"whole road / radio in the road, {in_road}")
    print(f"whole road / radio alone, cpu : {cpu / alone_c:.1f}x")
    print(f"whole road / radio alone, wall: {wall / alone_w:.1f}x")


if __name__ == "__main__":
    main()
