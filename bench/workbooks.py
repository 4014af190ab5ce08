"""Benchmark: wall time of every workbook at its defaults, against a baseline notebook.

Each workbook under ``workbooks/`` is run through papermill
(:func:`toyama_lab.reports.run_workbook`, kernel ``python3``) ``--repeat`` times at
its defaults; the first run may build the dataset it loads (cold), the best of
the others is the warm time. The baseline, measured in the same run, is a
notebook with only a parameters cell and the validation cell: the fixed cost
of starting a kernel and importing ``toyama_lab.reports``. The table also shows
the slowest cell of the warm run and whether the workbook keeps to the
convention of under 60 s at its defaults.

Usage::

    python bench/workbooks.py [--repeat 2] [--only NAME]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toyama_lab.reports import run_workbook

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
#: The conventions' limit for one workbook at its defaults on 2 cores. [s]
LIMIT_S = 60.0


def baseline_notebook(path: Path) -> Path:
    """A notebook with only a parameters cell and the validation cell."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    params = new_code_cell('lang: str = "ja"  # language\ninteractive: bool = False  # widgets')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        new_markdown_cell("# baseline"),
        params,
        new_code_cell(
            "from toyama_lab.reports.params import schema, validate\n"
            'P = validate({"lang": lang, "interactive": interactive}, '
            'schema("lang", "interactive"))'
        ),
    ]
    nbformat.write(nb, path)
    return path


def timed_run(path: Path, out_dir: Path) -> tuple[float, str, float]:
    """Wall time of one run, and the id and duration of its slowest cell. [s]"""
    t0 = time.perf_counter()
    out = run_workbook(path, {}, out_dir, timeout=600)
    wall = time.perf_counter() - t0
    nb = nbformat.read(out, as_version=4)
    cells = [
        (c.get("id", "?"), float(c.metadata.get("papermill", {}).get("duration") or 0.0))
        for c in nb.cells
        if c.cell_type == "code"
    ]
    slow_id, slow_s = max(cells, key=lambda x: x[1])
    return wall, slow_id, slow_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2, help="runs per workbook (>= 2)")
    ap.add_argument("--only", default=None, help="only workbooks whose path contains this")
    args = ap.parse_args(argv)
    if args.repeat < 2:
        ap.error("--repeat must be at least 2 (one cold run, then warm runs)")
    books = sorted(p for p in WORKBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if args.only:
        books = [p for p in books if args.only in str(p)]
    with tempfile.TemporaryDirectory(prefix="toyama-lab-bench-") as tmp:
        tmp = Path(tmp)
        base = baseline_notebook(tmp / "baseline.ipynb")
        base_s = min(timed_run(base, tmp / f"b{i}")[0] for i in range(args.repeat))
        print(f"baseline (kernel start + validation): {base_s:.2f} s, best of {args.repeat}")
        head = (
            f"{'workbook':38} {'cold s':>7} {'warm s':>7} {'- base':>7}  {'slowest cell':24} ok<60s"
        )
        print(head)
        print("-" * len(head))
        failed = False
        for book in books:
            runs = [timed_run(book, tmp / f"{book.stem}-{i}") for i in range(args.repeat)]
            cold = runs[0][0]
            warm, cell_id, cell_s = min(runs[1:])
            ok = max(cold, warm) < LIMIT_S
            failed |= not ok
            name = str(book.relative_to(WORKBOOKS))
            print(
                f"{name:38} {cold:7.2f} {warm:7.2f} {warm - base_s:7.2f}  "
                f"{cell_id + f' {cell_s:.2f}s':24} {'yes' if ok else 'NO'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
