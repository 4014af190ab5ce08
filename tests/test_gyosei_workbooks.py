"""The 行政DX workbooks at ``lang=en``, size tiny: no Japanese in any figure text, table or line.

tests/test_workbooks.py checks the skeleton of every workbook and runs it with its
``<details>`` solutions appended (defaults and sidecar); the 行政DX sidecars run at class
size, so here each workbook also runs in English at size tiny.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from toyama_lab.reports import run_workbook

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "workbooks" / "gyosei"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
CELL_TIMEOUT = 120
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _texts(nb):
    """Every text a learner sees in the outputs: printed lines, tables, figure text."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                yield o.text
            data = o.get("data", {})
            if "text/plain" in data:
                yield data["text/plain"]
            fig = data.get("application/vnd.plotly.v1+json")
            if fig:
                layout = {k: v for k, v in fig.get("layout", {}).items() if k != "template"}
                yield json.dumps(layout, ensure_ascii=False)
                for trace in fig.get("data", []):
                    yield json.dumps({k: trace.get(k) for k in ("name", "text", "x", "y")},
                                     ensure_ascii=False)  # fmt: skip
            if "text/markdown" in data:
                yield data["text/markdown"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_english_outputs_have_no_japanese(path, tmp_path):
    out = run_workbook(path, {"lang": "en", "size": "tiny"}, tmp_path, timeout=CELL_TIMEOUT)
    nb = nbformat.read(out, as_version=4)
    found = [t for t in _texts(nb) if CJK.search(t)]
    assert not found, f"Japanese in lang=en outputs: {[CJK.findall(t)[:5] for t in found][:5]}"
