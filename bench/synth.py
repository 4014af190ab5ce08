"""Benchmark: synthetic time-series generation into Zarr, against a baseline in the same run.

For each size, two measurements run, each in a fresh Python process so that
its peak memory is its own:

- ``generate``: the whole time-series road of :func:`toyama_lab.datasets.generate`
  (``synth.simulate`` per block -> dask -> Zarr with the dataset's storage
  chunks and compressor) for every sensor kind of the city;
- ``baseline``: the same cubes (same variables, shapes, compute and storage
  chunks, compressor, dask scheduler and Zarr writer), but every block is only
  ``numpy.random.Generator.standard_normal(dtype=float32)`` draws: the cost of
  making that many numbers at all and storing them.

It prints readings per second (a reading = one sensor at one minute, all its
variables), peak resident memory (psutil, sampled every 20 ms, and the
process's ``ru_maxrss``) and the ratio generate / baseline (goal: <= 3).

Usage::

    python bench/synth.py                      # class (scenario default) and city (365 days)
    python bench/synth.py --sizes city --days 30
    python bench/synth.py --sizes class --class-days 28 --workers 2
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

WORK = Path(__file__).resolve().parent / "_work"


class PeakRSS:
    """Sample this process's resident set size in a background thread. [bytes]"""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _baseline_block(shape: tuple[int, int], names: list[str], seed: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape, dtype=np.float32) for name in names}


def baseline_cube(cube, token: str):
    """A copy of ``cube`` whose variables are float32 normal draws, same chunks and graph shape."""
    import numpy as np
    import xarray as xr

    from toyama_lab.datasets._blocks import block_arrays

    names = list(cube.data_vars)
    s_chunks, t_chunks = cube.chunks["sensor"], cube.chunks["time"]
    sim = f"baseline-{token}"
    layer = {
        (sim, i, j): (_baseline_block, (ns, nt), names, 1000 * i + j)
        for i, ns in enumerate(s_chunks)
        for j, nt in enumerate(t_chunks)
    }
    arrays = block_arrays(sim, layer, (s_chunks, t_chunks), dict.fromkeys(names, np.float32), sim)
    data_vars = {name: (("sensor", "time"), arrays[name], cube[name].attrs) for name in names}
    out = xr.Dataset(data_vars, coords=cube.coords, attrs=cube.attrs)
    for name in names:
        out[name].encoding["_FillValue"] = None
    return out


def measure(mode: str, size: str, days: int | None, workers: int | None, out: Path) -> dict:
    """One measurement (run inside a child process); returns figures as a dict."""
    from toyama_lab.city import build_city
    from toyama_lab.datasets.build import (
        compute_writes,
        kinds_of,
        timeseries_dataset,
        write_timeseries,
    )
    from toyama_lab.datasets.params import resolve_params

    params = resolve_params("normal-week", size, 0, None, days)
    city = build_city(params.seed, params.size)
    with PeakRSS() as rss:
        t0 = time.perf_counter()
        cubes = [timeseries_dataset(city.sensors, k, params) for k in kinds_of(city.sensors)]
        if mode == "baseline":
            cubes = [baseline_cube(c, f"{i}") for i, c in enumerate(cubes)]
        delayed = [write_timeseries(c, out / f"{i}.zarr") for i, c in enumerate(cubes)]
        compute_writes(delayed, workers=workers, client=None, progress=False, total=0)
        seconds = time.perf_counter() - t0
    readings = sum(c.sizes["sensor"] * c.sizes["time"] for c in cubes)
    values = sum(c.sizes["sensor"] * c.sizes["time"] * len(c.data_vars) for c in cubes)
    disk = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "mode": mode,
        "size": size,
        "days": params.days,
        "sensors": city.sensors.height,
        "readings": readings,
        "values": values,
        "seconds": seconds,
        "peak_rss": rss.peak,
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "bytes": disk,
    }


def run_child(mode: str, size: str, days: int | None, workers: int | None) -> dict:
    out = WORK / f"{size}-{mode}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [sys.executable, __file__, "--_child", mode, "--sizes", size]
    if days is not None:
        cmd += ["--days", str(days)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    try:
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sizes", nargs="+", default=["class", "city"], choices=["tiny", "class", "city"]
    )
    ap.add_argument("--days", type=int, default=None, help="days for the city size (default 365)")
    ap.add_argument(
        "--class-days", type=int, default=None, help="days for tiny/class (default: scenario's)"
    )
    ap.add_argument("--workers", type=int, default=None, help="dask threads (default: one per CPU)")
    ap.add_argument("--_child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._child:
        size = args.sizes[0]
        out = WORK / f"{size}-{args._child}"
        print(json.dumps(measure(args._child, size, args.days, args.workers, out)))
        return

    print(
        f"{'size':>6} {'days':>5} {'sensors':>7} {'readings':>13} {'gen s':>8} "
        f"{'readings/s':>12} {'peak RSS':>9} {'base s':>8} {'base RSS':>9} {'ratio':>6}"
    )
    for size in args.sizes:
        days = (args.days if args.days is not None else 365) if size == "city" else args.class_days
        gen = run_child("generate", size, days, args.workers)
        base = run_child("baseline", size, days, args.workers)
        ratio = gen["seconds"] / base["seconds"]
        print(
            f"{size:>6} {gen['days']:>5} {gen['sensors']:>7} {gen['readings']:>13,} "
            f"{gen['seconds']:>8.1f} {gen['readings'] / gen['seconds']:>12,.0f} "
            f"{gen['peak_rss'] / 2**20:>7.0f}Mi {base['seconds']:>8.1f} "
            f"{base['peak_rss'] / 2**20:>7.0f}Mi {ratio:>6.2f}",
            flush=True,
        )
    print("ratio = generate time / baseline time (goal <= 3); RSS = peak resident memory")


if __name__ == "__main__":
    main()
