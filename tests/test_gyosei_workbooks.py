"""The 行政DX workbooks: their exercise solutions run and assert, and lang=en leaves no Japanese.

tests/test_workbooks.py checks the skeleton of every workbook and runs it; here each
workbook of ``workbooks/gyosei`` runs again with the code of its ``<details>`` solutions
appended as cells (at its defaults and with its sidecar parameters), so that every
solution executes after the workbook and its assertions hold; and a run at ``lang=en``,
size tiny, static figures, must print no CJK character in any figure text, table or line.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from toyama_lab.reports import run_workbook

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "workbooks" / "gyosei"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
CELL_TIMEOUT = 120
SOLUTION = re.compile(r"<pre><code>(.*?)</code></pre>", re.S)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def solutions(nb) -> list[str]:
    """The code of the solutions in the 演習 section (inside <details>)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "<details>" in cell.source:
            details = cell.source[cell.source.index("<details>") :]
            out += [html.unescape(code) for code in SOLUTION.findall(details)]
    return out


def with_solutions(path: Path, tmp_path: Path) -> Path:
    nb = nbformat.read(path, as_version=4)
    codes = solutions(nb)
    assert codes, f"{path.name} has no solution code in <details><pre><code>"
    for i, code in enumerate(codes):
        cell = nbformat.v4.new_code_cell(code)
        cell.id = f"solution-{i}"
        nb.cells.append(cell)
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / path.name
    nbformat.write(nb, out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("which", ["defaults", "sidecar"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solutions_run_and_assert(path, which, tmp_path):
    params = {}
    if which == "sidecar":
        params = yaml.safe_load(path.with_name(path.stem + ".params.yaml").read_text("utf-8"))
    source = with_solutions(path, tmp_path / "in")
    out = run_workbook(source, params, tmp_path / "out", timeout=CELL_TIMEOUT)
    nb = nbformat.read(out, as_version=4)
    ran = [c for c in nb.cells if c.get("id", "").startswith("solution-")]
    assert ran and all(c.execution_count for c in ran)


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


def test_solution_extraction():
    nb = nbformat.v4.new_notebook()
    text = "## 演習\n<pre><code>x = 1</code></pre>\n<details>\n<pre><code>assert 1 &lt; 2\n"
    nb.cells = [nbformat.v4.new_markdown_cell(text + "</code></pre>\n</details>")]
    assert solutions(nb) == ["assert 1 < 2\n"]
