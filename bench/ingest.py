"""Benchmark: ``read_receptions`` against the bare parse of the same file, in the same run.

Writes N receptions three ways (hex lines, base64 lines, Semtech ``rxpk`` JSON
lines, each frame 12-40 random bytes) and times, per file:

1. ``toyama_lab.lorawan.ingest.read_receptions`` (best of R runs): line
   splitting, shape detection, every field checked and named when unreadable,
   one polars table;
2. the baseline: the least a reader must do, in plain Python - read the file,
   split lines and decode each (``bytes.fromhex``, ``base64.b64decode`` or
   ``json.loads`` plus the base64 of ``data``), no table.

The ratio (reader time / baseline time) is what to watch from run to run: it
does not depend on how fast or busy the machine is.

Usage::

    python bench/ingest.py [--n 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from toyama_lab.lorawan.ingest import read_receptions


def write_inputs(folder: Path, n: int, seed: int = 1) -> dict[str, Path]:
    """Hex, base64 and rxpk JSON-lines files of the same ``n`` frames."""
    rng = np.random.default_rng(seed)
    frames = [rng.bytes(int(k)) for k in rng.integers(12, 41, n)]
    paths = {name: folder / f"frames.{name}" for name in ("hex", "base64", "jsonl")}
    paths["hex"].write_text("\n".join(f.hex() for f in frames))
    paths["base64"].write_text("\n".join(base64.b64encode(f).decode() for f in frames))
    paths["jsonl"].write_text(
        "\n".join(
            json.dumps(
                {
                    "rxpk": [
                        {
                            "time": "2024-06-12T01:02:03.000100Z",
                            "tmst": i,
                            "freq": 923.2,
                            "stat": 1,
                            "modu": "LORA",
                            "datr": "SF9BW125",
                            "codr": "4/5",
                            "rssi": -90,
                            "lsnr": 3.5,
                            "size": len(f),
                            "data": base64.b64encode(f).decode(),
                        }
                    ]
                }
            )
            for i, f in enumerate(frames)
        )
    )
    return paths


def baseline(path: Path, kind: str) -> int:
    """The bare parse: split lines and decode each; returns the number of frames."""
    lines = path.read_text().splitlines()
    if kind == "hex":
        return len([bytes.fromhex(s) for s in lines])
    if kind == "base64":
        return len([base64.b64decode(s, validate=True) for s in lines])
    return len([base64.b64decode(json.loads(s)["rxpk"][0]["data"]) for s in lines])


def best_cpu(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        times.append(time.process_time() - c0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=200_000, help="number of receptions per file")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        ap.error("--n and --repeat must be positive")
    print(
        f"receptions: {args.n} per file (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}); CPU seconds, best of {args.repeat}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_inputs(Path(tmp), args.n)
        for kind, path in paths.items():
            df = read_receptions(path)
            if len(df) != args.n or df["phy_payload"].null_count():
                raise SystemExit(f"read_receptions lost frames of the {kind} file")
            if baseline(path, kind) != args.n:
                raise SystemExit(f"the baseline lost frames of the {kind} file")
            reader = best_cpu(lambda p=path: read_receptions(p), args.repeat)
            base = best_cpu(lambda p=path, k=kind: baseline(p, k), args.repeat)
            print(
                f"  {kind:<7} read_receptions {args.n / reader:>12,.0f} rx/s   "
                f"bare parse {args.n / base:>12,.0f} rx/s   ratio {reader / base:5.2f}x the time"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
