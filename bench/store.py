"""Benchmark: what the check on every open costs, against reading the manifest alone.

Generates one dataset (once; kept in ``bench/_work``), then times, best of R runs, in
the same process:

1. ``open_dataset(path, check=False)``: read and validate the manifest (the baseline);
2. ``open_dataset(path)``: the same plus ``Dataset.check`` (a ``stat`` of every listed
   file, SHA-256 of every listed ``.json``), what ``load`` does on every call;
3. ``open_dataset(path, verify=True)``: SHA-256 of every byte.

The last line prints the check's time as a multiple of the manifest read (``N.Nx``).

Usage::

    python bench/store.py [--size class] [--days 7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from toyama_lab.datasets import load, open_dataset

WORK = Path(__file__).resolve().parent / "_work" / "store"


def best(fn, repeat: int) -> float:
    """Best wall time of ``repeat`` calls [s]."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="class")
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ds = load("normal-week", args.size, 0, days=args.days, root=WORK, progress=False)
    files = ds.manifest["files"]
    n_json = sum(name.endswith(".json") for name in files)
    size_mb = sum(f["bytes"] for f in files.values()) / 1e6
    print(f"dataset: {ds.path.name}, {len(files):,} files ({n_json} .json), {size_mb:.1f} MB")
    base = best(lambda: open_dataset(ds.path, check=False), args.repeat)
    check = best(lambda: open_dataset(ds.path), args.repeat)
    verify = best(lambda: open_dataset(ds.path, verify=True), max(1, args.repeat // 2))
    print(f"manifest only : {base * 1e3:9.1f} ms")
    print(f"check on open : {check * 1e3:9.1f} ms")
    print(f"verify        : {verify * 1e3:9.1f} ms")
    print(f"verify / check: {verify / check:.1f}x")
    print(f"check / manifest: {check / base:.1f}x")


if __name__ == "__main__":
    main()
