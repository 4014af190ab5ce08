"""Benchmark: ``toyama-lab report`` against a papermill command-line loop, same 24 runs.

The job is ``workbooks/00-getting-started.ipynb`` at size ``tiny`` over
``seed = 0..11`` x ``lang = ja, en`` (24 runs). In the same process run:

1. the datasets the runs load are built first (both sides then find them cached);
2. baseline: ``papermill`` called once per run from a shell-like loop (one after the
   other, kernel ``python3``), as users script it by hand;
3. ``toyama-lab report run WORKBOOK --grid ... --workers N`` into an empty folder (it also
   writes the lean notebook, an HTML page per run and the index, which papermill does not);
4. the same command again with nothing changed (every run is skipped).

It prints the wall times, the ratio baseline / report (goal: at least 1.7 on 2 workers)
and the no-change rerun (goal: under 5 s).

Usage::

    python bench/reports.py [--workers 2] [--seeds 12]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbooks" / "00-getting-started.ipynb"
WORK = ROOT / "bench" / "_work" / "reports"
BIN = Path(sys.executable).parent


def _warm(seeds: int) -> None:
    from toyama_lab.datasets import load

    for seed in range(seeds):
        load("normal-week", size="tiny", seed=seed, days=1)


def _papermill_loop(seeds: int, out: Path) -> float:
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    for seed in range(seeds):
        for lang in ("ja", "en"):
            subprocess.run(
                [str(BIN / "papermill"), str(WORKBOOK), str(out / f"s{seed}-{lang}.ipynb"),
                 "-p", "size", "tiny", "-p", "seed", str(seed), "-p", "lang", lang,
                 "-k", "python3", "--cwd", str(out), "--no-progress-bar"],
                check=True, capture_output=True,
            )  # fmt: skip
    return time.perf_counter() - t0


def _report(seeds: int, out: Path, workers: int) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "toyama-lab"), "report", "run", str(WORKBOOK), "-p", "size", "tiny",
         "--grid", "seed=" + ",".join(map(str, range(seeds))), "--grid", "lang=ja,en",
         "--out", str(out), "--workers", str(workers), "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"report run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=12, help="seeds (x 2 languages = runs)")
    args = parser.parse_args(argv)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    os.environ.setdefault("TOYAMA_LAB_DATA", str(WORK / "data"))
    runs = 2 * args.seeds
    t0 = time.perf_counter()
    _warm(args.seeds)
    data = os.environ["TOYAMA_LAB_DATA"]
    print(f"datasets built in {time.perf_counter() - t0:.1f} s (TOYAMA_LAB_DATA={data})")
    base = _papermill_loop(args.seeds, WORK / "papermill")
    print(f"papermill CLI loop, {runs} runs one after another: {base:.1f} s")
    ours, summary = _report(args.seeds, WORK / "report", args.workers)
    print(f"toyama-lab report, {runs} runs on {args.workers} workers: {ours:.1f} s ({summary})")
    again, _ = _report(args.seeds, WORK / "report", args.workers)
    print(f"no-change rerun: {again:.1f} s (goal < 5 s: {'met' if again < 5 else 'NOT met'})")
    ratio = base / ours
    verdict = "met" if ratio >= 1.7 else "NOT met"
    print(f"ratio papermill loop / report: {ratio:.2f}x (goal >= 1.7: {verdict})")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
