"""Compare toyama_lab.radio.lorasim.simulate with LoRaSim 0.2.1 (DER and speed).

LoRaSim is Python 2 code. Prepare a converted copy once, outside the repository:

    mkdir -p /tmp/ref-lorasim && cd /tmp/ref-lorasim
    # loraDir.py of LoRaSim 0.2.1 ($Revision: 334 $), e.g. from a published copy
    cp /path/to/lorasim-0.2.1/loraDir.py .
    2to3 -w -n loraDir.py                  # print statements -> print(); nothing else
    python3.11 -m venv venv && venv/bin/pip install simpy numpy matplotlib

then run ``python bench/lorasim_compare.py --lorasim /tmp/ref-lorasim/loraDir.py``
(``--python`` names the interpreter that has simpy; by default ``venv/bin/python`` next to
loraDir.py). LoRaSim leaves Python's ``random`` unseeded; this script seeds it with the
run's seed through ``runpy`` (no edit of LoRaSim's code). Without ``--lorasim`` only our
model runs. Figures are printed; nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from toyama_lab.radio.lorasim import EXPERIMENTS, simulate

_WRAPPER = (
    "import random, runpy, sys; random.seed(int(sys.argv[1])); p = sys.argv[2]; "
    "sys.argv = [p] + sys.argv[3:]; runpy.run_path(p, run_name='__main__')"
)


def _parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--lorasim", type=Path, help="converted loraDir.py (or its folder)")
    p.add_argument("--python", type=Path, help="interpreter with simpy for LoRaSim")
    p.add_argument("--experiments", type=int, nargs="+", default=list(EXPERIMENTS))
    p.add_argument(
        "--models", nargs="+", default=["simple", "capture"], choices=["simple", "capture"]
    )
    p.add_argument("--nodes", type=int, nargs="+", default=[100, 500, 1000, 2000])
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per cell")
    p.add_argument("--avg-send-ms", type=float, default=1e6)
    p.add_argument("--sim-time-ms", type=float, default=1e8)
    p.add_argument("--jobs", type=int, default=1, help="LoRaSim runs in parallel")
    args = p.parse_args(argv)
    bad = sorted(set(args.experiments) - set(EXPERIMENTS))
    if bad:
        p.error(f"--experiments {bad} not reproduced; choose from {list(EXPERIMENTS)}")
    if args.lorasim is not None:
        if args.lorasim.is_dir():
            args.lorasim = args.lorasim / "loraDir.py"
        if not args.lorasim.is_file():
            p.error(f"--lorasim {args.lorasim} is not a file; give the converted loraDir.py")
        if args.python is None:
            cand = args.lorasim.parent / "venv" / "bin" / "python"
            args.python = cand if cand.exists() else Path(sys.executable)
    return args


def _run_lorasim(py, script, nodes, experiment, capture, seed, avg, sim):
    with tempfile.TemporaryDirectory(prefix="lorasim-") as tmp:
        cmd = [
            str(py),
            "-c",
            _WRAPPER,
            str(seed),
            str(script.resolve()),
            str(nodes),
            str(int(avg)),
            str(experiment),
            str(int(sim)),
            str(int(capture)),
        ]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=True).stdout
        dt = time.perf_counter() - t0
    sent = int(re.search(r"^sent packets:\s+(\d+)", out, re.M).group(1))
    received = int(re.search(r"^received packets:\s+(\d+)", out, re.M).group(1))
    return received / sent, dt


def _startup_s(py):
    t0 = time.perf_counter()
    subprocess.run([str(py), "-c", "import simpy, numpy, matplotlib.pyplot"], check=True)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    args = _parse_args(argv)
    cells = [
        (e, m == "capture", n) for e in args.experiments for m in args.models for n in args.nodes
    ]
    seeds = range(args.seeds)
    ours, t_ours = {}, 0.0
    simulate(10, 0, capture=True, sim_time_ms=1e6)  # warm-up (imports)
    for e, cap, n in cells:
        t0 = time.perf_counter()
        ours[(e, cap, n)] = [
            simulate(
                n,
                e,
                capture=cap,
                avg_send_ms=args.avg_send_ms,
                sim_time_ms=args.sim_time_ms,
                seed=s,
            ).der
            for s in seeds
        ]
        t_ours += time.perf_counter() - t0
    ref, t_ref, startup = {}, 0.0, 0.0
    if args.lorasim is not None:
        jobs = [(c, s) for c in cells for s in seeds]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            res = list(
                pool.map(
                    lambda j: _run_lorasim(
                        args.python,
                        args.lorasim,
                        j[0][2],
                        j[0][0],
                        j[0][1],
                        j[1],
                        args.avg_send_ms,
                        args.sim_time_ms,
                    ),
                    jobs,
                )
            )
        for (c, _s), (der, dt) in zip(jobs, res, strict=True):
            ref.setdefault(c, []).append(der)
            t_ref += dt
        startup = _startup_s(args.python)
    head = f"{'exp':>3} {'model':>7} {'nodes':>5}  {'ours DER':>15}"
    if ref:
        head += f"  {'LoRaSim DER':>15}  {'diff':>7}  ok"
    print(
        f"avg_send = {args.avg_send_ms:g} ms, sim_time = {args.sim_time_ms:g} ms, "
        f"seeds 0..{args.seeds - 1}, DER = received / sent"
    )
    print(head)
    worst = 0.0
    for c in cells:
        o = np.asarray(ours[c])
        line = (
            f"{c[0]:>3} {'capture' if c[1] else 'simple':>7} {c[2]:>5}  "
            f"{o.mean():.4f} ± {o.std():.4f}"
        )
        if ref:
            r = np.asarray(ref[c])
            d = o.mean() - r.mean()
            worst = max(worst, abs(d))
            line += (
                f"  {r.mean():.4f} ± {r.std():.4f}  {d:+.4f}  {'yes' if abs(d) <= 0.02 else 'NO'}"
            )
        print(line)
    print(f"ours: {t_ours:.2f} s for {len(cells) * args.seeds} runs")
    if ref:
        n_runs = len(cells) * args.seeds
        print(
            f"LoRaSim: {t_ref:.1f} s summed over {n_runs} runs (one process each, "
            f"{args.jobs} in parallel); interpreter + imports alone: {startup:.2f} s per run"
        )
        print(
            f"speed ratio: {t_ref / t_ours:.0f}x (LoRaSim wall / ours); "
            f"{(t_ref - n_runs * startup) / t_ours:.0f}x without LoRaSim's start-up"
        )
        print(f"largest |DER difference|: {worst:.4f} (goal <= 0.02)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
