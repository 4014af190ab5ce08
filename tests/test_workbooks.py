"""Every workbook under workbooks/: its shape, and that it runs.

Design (see workbooks/index.md, "For authors"):

- every ``*.ipynb`` under ``workbooks/`` is found automatically;
- each is checked statically: kernel ``python3``, outputs stripped, one H1 title,
  a ``parameters`` cell of typed, commented literals right after it, the
  validation cell next, the skeleton headings, an exercise with a hidden solution,
  SDG targets in the summary, no ``../data`` paths, a landing ``index.md`` linking it;
- each is executed through papermill (:func:`toyama_lab.reports.run_workbook`,
  kernel ``python3``, explicit per-cell timeout) twice: with its defaults, and with
  the second parameter set in the sidecar ``<name>.params.yaml`` next to it
  (required; it must change at least ``lang`` or ``interactive`` so both figure
  paths run);
- a bad parameter value must stop in the validation cell with the message the
  user sees (asserted; run on the first workbook of each folder, as it starts a
  kernel), and an unknown name must fail before a kernel starts (every workbook).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from toyama_lab.reports import KERNEL_NAME, ParameterError, WorkbookError, run_workbook
from toyama_lab.reports.run import notebook_parameters

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
NOTEBOOKS = sorted(p for p in WORKBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
IDS = [str(p.relative_to(WORKBOOKS)) for p in NOTEBOOKS]
#: Per-cell limit for test runs [s]; each workbook must run in well under a minute.
CELL_TIMEOUT = 120
#: Skeleton headings (level 2), in this order.
SKELETON = ("概要", "前提知識", "インポート", "演習", "まとめ", "次へ")
PARAM_LINE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*): (?P<type>str|int|float|bool|list) = (?P<value>.+?)  # \S.*$"
)
#: Something a browser would fetch: a script, stylesheet, image or module from the network.
EXTERNAL = re.compile(
    r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']?https?://|<link\b[^>]*\bhref=["']?https?://"""
    r"""|(?:^|<script\b[^>]*>)\s*import\s+["']https?://""",
    re.M,
)
#: Size limit of an executed workbook at its defaults. [byte]
MAX_EXECUTED_BYTES = 1_000_000
#: Workbooks known to exceed it, with the reason (a figure to slim, not the outputs' plumbing).
#: The test fails when one of them gets under the limit: then remove it.
KNOWN_LARGE: dict[str, str] = {
    "disaster/03-bousai-organisations.ipynb": (
        "1.7 MB: reach_map draws ~17,000 population points with a hover text each, in the "
        "plotly JSON and again in the text/html part (toyama_lab.disaster.figures)"
    ),
}
SDG_TARGET = re.compile(r"\b(?:[1-9]|1[0-7])\.(?:[1-9]|1[0-9]|[a-c])\b")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _prose_lines(source: str):
    """Markdown lines outside code (``` fences and <pre> blocks)."""
    in_code = False
    for line in source.splitlines():
        if line.startswith("```") or "<pre>" in line or "</pre>" in line:
            in_code = not in_code if line.startswith("```") else "<pre>" in line
            continue
        if not in_code:
            yield line


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".params.yaml")


def test_there_are_workbooks():
    assert len(NOTEBOOKS) >= 1, f"no notebooks found under {WORKBOOKS}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_and_stripped_outputs(path):
    nb = _read(path)
    assert nb.metadata.kernelspec.name == KERNEL_NAME
    for cell in nb.cells:
        assert cell.get("id"), "cells need ids (nbstripout --keep-id)"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"outputs not stripped in cell {cell.id}"
            assert cell.execution_count is None, f"execution count kept in cell {cell.id}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_title_and_parameters_cell(path):
    cells = _read(path).cells
    h1 = [line for c in cells if c.cell_type == "markdown" for line in _prose_lines(c.source)
          if line.startswith("# ")]  # fmt: skip
    assert len(h1) == 1 and cells[0].source.startswith("# "), "one H1 title, in the first cell"
    params = cells[1]
    assert params.cell_type == "code" and "parameters" in params.metadata.get("tags", [])
    names = []
    for line in params.source.splitlines():
        m = PARAM_LINE.match(line)
        assert m, f"parameters line must be `name: type = literal  # help`: {line!r}"
        assert line.count("=") == 1, f"papermill skips a line with two '=': {line!r}"
        ast.literal_eval(m["value"])  # literals only
        names.append(m["name"])
    assert {"lang", "interactive"} <= set(names)
    # None: live controls when a person runs the workbook, static in unattended runs
    assert re.search(r"^interactive: bool = None  # ", params.source, re.M), "default None (auto)"
    validation = cells[2]
    assert validation.cell_type == "code" and "validate(" in validation.source
    assert "toyama_lab.reports.params" in validation.source
    for name in names:
        value = "resolve_interactive\\(interactive\\)" if name == "interactive" else name
        assert re.search(rf'"{name}": {value}(?!\w)', validation.source), f"{name} not validated"
    last = ast.parse(validation.source).body[-1]
    assert not isinstance(last, ast.Expr), "the validation cell shows nothing (no dict echo)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_skeleton(path):
    cells = _read(path).cells
    headings = [line[3:].strip() for c in cells if c.cell_type == "markdown"
                for line in _prose_lines(c.source) if line.startswith("## ")]  # fmt: skip
    found = [next((h for h in headings if h.startswith(s)), None) for s in SKELETON]
    missing = [s for s, h in zip(SKELETON, found, strict=True) if h is None]
    assert not missing, f"missing skeleton headings: {missing}"
    assert [headings.index(h) for h in found] == sorted(headings.index(h) for h in found)
    text = {}
    current = None
    for c in cells:
        if c.cell_type == "markdown":
            for line in c.source.splitlines():
                if line.startswith("## "):
                    current = line[3:].strip()
                text[current] = text.get(current, "") + line + "\n"
    exercise = text[found[SKELETON.index("演習")]]
    assert "<details>" in exercise or ":::{dropdown}" in exercise, "solution in a dropdown"
    summary = text[found[SKELETON.index("まとめ")]]
    assert "SDG" in summary and SDG_TARGET.search(summary), "name the SDG targets served"
    assert "所要時間" in text[found[SKELETON.index("前提知識")]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_code_finds_data_through_the_package(path):
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            assert "../data" not in cell.source and "data/synthetic" not in cell.source
            assert not re.search(r"https?://", cell.source), "no URLs in code (offline)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_landing_page_links_the_workbook(path):
    index = path.parent / "index.md"
    assert index.is_file(), f"{path.parent} needs an index.md landing page"
    assert path.name in index.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_sidecar_parameters_are_declared(path):
    sidecar = _sidecar(path)
    assert sidecar.is_file(), f"missing {sidecar.name} (second parameter set for tests)"
    alt = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    assert isinstance(alt, dict) and alt
    assert set(alt) <= set(notebook_parameters(path))
    assert {"lang", "interactive"} & set(alt), "the second set must change lang or interactive"


def _params(path: Path, which: str) -> dict:
    if which == "defaults":
        return {}
    return yaml.safe_load(_sidecar(path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("which", ["defaults", "sidecar"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_workbook_runs(path, which, tmp_path):
    out = run_workbook(path, _params(path, which), tmp_path, timeout=CELL_TIMEOUT)
    if which == "defaults":  # lean outputs: plotly.js is not embedded in any output
        name = str(path.relative_to(WORKBOOKS))
        small = out.stat().st_size < MAX_EXECUTED_BYTES
        assert small != (name in KNOWN_LARGE), (
            f"{out.stat().st_size} bytes; known large: {KNOWN_LARGE.get(name, 'no')}"
        )
    nb = _read(out)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert not errors
    if which == "defaults":  # interactive=None: nobody to click in an nbclient run, so static
        widgets = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                   if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]  # fmt: skip
        assert not widgets, "an unattended run at the defaults must not build widgets"
    html = [o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "text/html" in o.get("data", {})]  # fmt: skip
    for text in html:  # offline: nothing loaded from the network at view time
        assert not EXTERNAL.search(text if isinstance(text, str) else "".join(text))


#: One workbook per folder for the (kernel-starting) bad-value test; the static test above
#: already checks that every workbook's validation cell names every parameter.
FIRST_PER_FOLDER = [next(p for p in NOTEBOOKS if p.parent == d)
                    for d in sorted({p.parent for p in NOTEBOOKS})]  # fmt: skip


@pytest.mark.parametrize(
    "path", FIRST_PER_FOLDER, ids=[str(p.relative_to(WORKBOOKS)) for p in FIRST_PER_FOLDER]
)
def test_bad_parameter_stops_with_a_clear_message(path, tmp_path):
    with pytest.raises(WorkbookError) as info:
        run_workbook(path, {"lang": "fr"}, tmp_path, timeout=CELL_TIMEOUT)
    err = info.value
    assert err.ename == "ParameterError"
    assert "parameter 'lang' = 'fr' (str) is not valid" in err.evalue
    assert "expected one of 'ja', 'en'" in err.evalue and "-p lang ja" in err.evalue


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_unknown_parameter_fails_before_a_kernel_starts(path, tmp_path):
    with pytest.raises(ParameterError, match=r"unknown parameter 'langg'.*Did you mean 'lang'"):
        run_workbook(path, {"langg": "en"}, tmp_path)
    assert not list(tmp_path.iterdir())


UUID = r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.ipynb"))


@pytest.mark.parametrize("path", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_notebook(path):
    """Output regression (pytest-notebook) on small golden notebooks, normalised reprs."""
    from pytest_notebook.nb_regression import NBRegressionFixture

    stored = [o for c in _read(path).cells if c.cell_type == "code" for o in c.outputs]
    assert stored, (
        f"{path.name} has no stored outputs: was it stripped on commit? .gitattributes must "
        "keep `tests/golden/*.ipynb -filter` (no nbstripout filter for golden notebooks)."
    )
    fixture = NBRegressionFixture(
        exec_timeout=CELL_TIMEOUT,
        diff_ignore=(
            "/metadata",
            "/cells/*/metadata",
            "/cells/*/execution_count",
            "/cells/*/outputs/*/execution_count",
            "/cells/*/outputs/*/metadata",
        ),
        diff_replace=(("/cells/*/outputs", UUID, "UUID"),),  # plotly div ids
        diff_use_color=False,
    )  # fmt: skip
    fixture.check(str(path))
