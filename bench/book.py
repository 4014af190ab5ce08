"""Benchmark: the whole book, clean and incremental, against baselines measured in the same run.

Runs :func:`toyama_lab.book.build` on ``book/book.toml`` (every workbook, the API pages,
the handouts) into a fresh build folder, with a fresh data root (``TOYAMA_LAB_DATA``), so
the datasets are generated too. Then, in the same folder:

1. a rebuild with nothing changed (goal: under 15 s; baseline: the clean build);
2. a rebuild after one workbook's cache entry is dropped (one re-execution; baseline:
   the clean build).

The clean build's workbook phase is compared with the sum of the workbooks' own wall
times (what executing them one after another would take), and the slowest workbook is
named. Goals (issue 10): clean build under 5 min on 2 cores, no-change rebuild under 15 s.

Usage::

    python bench/book.py [--config book/book.toml] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Goals of issue 10 on 2 cores. [s]
CLEAN_GOAL_S = 300.0
NOCHANGE_GOAL_S = 15.0


def _timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "book" / "book.toml"))
    ap.add_argument("--keep", default=None, help="build folder to keep (default: temporary)")
    args = ap.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="toyama-lab-book-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    os.environ["TOYAMA_LAB_DATA"] = str(work / "data")  # fresh datasets, inherited by kernels

    from toyama_lab.book import build, load_config

    config = load_config(args.config, ROOT)
    quiet = lambda line: None  # noqa: E731
    site = work / "site"
    clean, clean_s = _timed(lambda: build(config, "ja", build_dir=site, progress=print))
    same, same_s = _timed(lambda: build(config, "ja", build_dir=site, progress=quiet))
    index_path = site / "ja" / "executed" / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    slowest = max(clean.outcomes, key=lambda o: o.seconds)
    index.pop(slowest.job.name)
    index_path.write_text(json.dumps(index), encoding="utf-8")
    one, one_s = _timed(lambda: build(config, "ja", build_dir=site, progress=quiet))
    serial = sum(o.seconds for o in clean.outcomes)
    steps = clean.seconds
    print()
    print(
        f"machine: {os.cpu_count()} cores; workers {config.n_workers}; "
        f"{len(clean.outcomes)} workbooks; api={config.api}"
    )
    print(f"{'measure':44} {'s':>8} {'baseline s':>11} {'ratio':>7}")
    rows = [
        ("clean build (datasets+workbooks+html)", clean_s, CLEAN_GOAL_S, "goal 300 s"),
        ("  datasets", steps["datasets"], None, ""),
        ("  workbooks (parallel) vs one after another", steps["workbooks"], serial, ""),
        ("  sphinx + handouts + offline files", steps["sphinx"], None, ""),
        ("rebuild, nothing changed vs clean", same_s, clean_s, "goal 15 s"),
        (f"rebuild, one workbook ({slowest.job.name}) vs clean", one_s, clean_s, ""),
    ]
    for name, seconds, base, note in rows:
        ratio = f"{seconds / base:7.3f}" if base else " " * 7
        base_txt = f"{base:11.1f}" if base else " " * 11
        print(f"{name:44} {seconds:8.1f} {base_txt} {ratio}  {note}")
    print(f"slowest workbook: {slowest.job.name} {slowest.seconds:.1f} s")
    print(
        f"no-change rebuild ran sphinx: {same.sphinx_ran}; "
        f"one-workbook rebuild executed: "
        f"{[o.job.name for o in one.outcomes if o.status == 'ok']}"
    )
    ok = clean_s < CLEAN_GOAL_S and same_s < NOCHANGE_GOAL_S
    print("goals met" if ok else "goals NOT met")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
