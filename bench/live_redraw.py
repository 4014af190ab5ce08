"""Benchmark: from a control change to the redrawn figure, in a real browser, for the city map.

The heaviest figure with controls is disaster/02's coverage map (``loss_map``: the reach
matrix, coverage over time and the map of every sensor on the city's basemap), at the
workbook's default size ``class``. A copy of the workbook is opened in JupyterLab
(``tests/livelab.py``: loopback server with a token, system Chromium through Playwright,
every other host blocked), run with Run All (``interactive`` left at ``None``: live), and
the ``margin_db`` slider is moved between its ends ``--repeat`` times in a row (Home/End on
its handle: 0 dB and 30 dB, from the default 10 dB; the map changes each time). The time is
measured in the page, from just before the key press to the first animation frame in which
the drawing differs.

Baselines in the same run and page:

- ``floor``: the same path (control → kernel → Output widget → plotly in the page) for a
  trivial figure (two points), appended to the copy as a last cell: what any redraw costs;
- ``kernel``: the figure function alone, ``loss_map(margin_db, sf)`` called in the kernel
  with the same values (appended cell; reported only if the workbook still defines it).

Usage::

    python bench/live_redraw.py [--repeat 7] [--size class]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import livelab  # noqa: E402  (the test helpers: server and browser driver)

WORKBOOK = ROOT / "workbooks" / "disaster" / "02-network-after-earthquake.ipynb"
#: The goal for one redraw of the city map on 2 cores (issue 15). [s]
GOAL_S = 1.0

FLOOR_CELL = """import plotly.graph_objects as go

viz.show_or_interact(
    lambda a: go.Figure(go.Scatter(x=[0, 1], y=[0, a])), True, {"a": 1}, {"a": (0, 10, 1)}
)"""
KERNEL_CELL = """import json as _json
import time as _time

_ts = []
if "loss_map" in globals():
    for _m in [0.0, 30.0] * %d:
        _t0 = _time.perf_counter()
        loss_map(_m, P["sf"])
        _ts.append(_time.perf_counter() - _t0)
print("KERNEL", _json.dumps(_ts))"""


def prepared_copy(folder: Path, size: str, repeat: int) -> Path:
    """The workbook copied with ``size`` set and the two baseline cells appended."""
    path = livelab.workbook_copy(WORKBOOK, folder, size=size)
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, source in enumerate((FLOOR_CELL, KERNEL_CELL % ((repeat + 1) // 2))):
        nb["cells"].append(
            {"cell_type": "code", "id": f"bench-{i}", "metadata": {}, "outputs": [],
             "execution_count": None, "source": source}
        )  # fmt: skip
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def _press(key: str):
    def act(box):
        handle = box.locator(".noUi-handle").first
        handle.focus()
        handle.press(key)

    return act


def _kernel_times(nb) -> list[float]:
    text = nb.page.evaluate(
        """() => { const p = window.jupyterapp.shell.currentWidget;
          const c = p.content.widgets[p.content.widgets.length - 1];
          return JSON.stringify(c.model.outputs.toJSON()); }"""
    )
    for out in json.loads(text):
        for line in "".join(out.get("text", "")).splitlines():
            if line.startswith("KERNEL "):
                return json.loads(line[7:])
    return []


def _summary(xs: list[float]) -> str:
    if not xs:
        return "n/a"
    med = statistics.median(xs)
    return f"median {med:.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="changes per figure")
    ap.add_argument("--size", default="class", help="city size of the workbook copy")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-live-"))
    path = prepared_copy(folder, args.size, args.repeat)
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    with livelab.JupyterServer(folder) as server, livelab.Browser(args.chromium) as chrome:
        nb = chrome.open(server, path.name)
        nb.wait_ready()
        t0 = time.perf_counter()
        nb.run_all(timeout_s=600)
        print(f"run all ({args.size}): {time.perf_counter() - t0:.1f} s")
        errors = nb.errors()
        if errors:
            raise SystemExit(f"the workbook failed: {errors}")
        # every figure of the workbook has its box; the map's is the first with a slider
        boxes = nb.page.locator(".widget-vbox").count()
        sliders = [i for i in range(boxes) if nb.controls(i).locator(".noUi-handle").count()]
        if len(sliders) < 2:
            raise SystemExit(f"expected the map's slider and the floor's, found {len(sliders)}")
        # Each figure's changes in a row, as a student moves one slider back and forth
        # (scrolling between the two boxes would add the page's repaint to every change).
        keys = ["Home" if k % 2 == 0 else "End" for k in range(args.repeat)]
        city = [nb.change_and_wait(sliders[0], _press(k), timeout_s=60)["seconds"] for k in keys]
        floor = [nb.change_and_wait(sliders[-1], _press(k), timeout_s=60)["seconds"] for k in keys]
        kernel = _kernel_times(nb)
        if chrome.blocked:
            raise SystemExit(f"requests left the machine: {chrome.blocked}")
    print(f"city map redraw ({args.size}): {_summary(city)}")
    print(f"floor (two-point figure):  {_summary(floor)}")
    print(f"kernel (loss_map alone):   {_summary(kernel)}")
    m_city, m_floor = statistics.median(city), statistics.median(floor)
    print(f"ratio city/floor: {m_city / m_floor:.1f}x")
    if kernel:
        print(f"ratio city/kernel: {m_city / statistics.median(kernel):.2f}x")
    print(f"goal < {GOAL_S:.1f} s: {'met' if m_city < GOAL_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
