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
  paths run). Both runs execute a copy of the notebook with the code of every
  ``<details>`` solution appended as extra cells, so the solutions run in the same
  kernel, after the workbook, and their ``assert`` statements check what they claim;
- a bad parameter value must stop in the validation cell with the message the
  user sees (asserted; run on the first workbook of each folder, as it starts a
  kernel), and an unknown name must fail before a kernel starts (every workbook).
"""

from __future__ import annotations

import ast
import html
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
#: (disaster/03 was 1.7 MB until reach_map dropped its text per point and wrote float32
#: positions and uint16 distances.)
KNOWN_LARGE: dict[str, str] = {}
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


#: A ``<details>`` block (exercise solution) and the code blocks inside it.
DETAILS = re.compile(r"<details>(.*?)</details>", re.S)
CODE_BLOCK = re.compile(r"<pre><code>(.*?)</code></pre>", re.S)


def solution_code(nb) -> list[str]:
    """The code of every ``<details>`` solution of a notebook, HTML entities decoded."""
    return [
        html.unescape(code).strip()
        for c in nb.cells
        if c.cell_type == "markdown"
        for block in DETAILS.findall(c.source)
        for code in CODE_BLOCK.findall(block)
    ]


def with_solutions(path: Path, folder: Path) -> Path:
    """A copy of the workbook in ``folder`` with its solutions appended as code cells."""
    nb = _read(path)
    for i, code in enumerate(solution_code(nb)):
        cell = nbformat.v4.new_code_cell(code)
        cell.id = f"solution-{i}"
        cell.metadata["tags"] = ["solution"]
        nb.cells.append(cell)
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / path.name
    nbformat.write(nb, copy)
    return copy


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
    overview = text[found[SKELETON.index("概要")]]
    assert "*English summary*:" in overview, "the 概要 ends with an English summary"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_are_checked(path):
    """Two or more exercises, one answerable without code; every solution asserts its claim."""
    cells = _read(path).cells
    exercise = ""
    current = None
    for c in cells:
        if c.cell_type == "markdown":
            for line in c.source.splitlines():
                if line.startswith("## "):
                    current = line[3:].strip()
                if current and current.startswith("演習"):
                    exercise += line + "\n"
    numbered = re.findall(r"^\d+\. ", exercise.split("<details>")[0], re.M)
    assert len(numbered) >= 2, "at least two exercises"
    assert "コードなしで答えられます" in exercise, (
        "one exercise answerable without code, marked (コードなしで答えられます)"
    )
    code = solution_code(_read(path))
    assert code, "the solution shows its code in <pre><code> inside <details>"
    for block in code:
        ast.parse(block)
        assert re.search(r"^\s*assert ", block, re.M), f"solution asserts nothing:\n{block}"


MD_LINK = re.compile(r"\]\(([^)#]+)\)")


def reading_order() -> list[Path]:
    """Workbooks in the order of workbooks/index.md and each folder's index.md (the book's toc)."""
    order = []
    for target in MD_LINK.findall((WORKBOOKS / "index.md").read_text(encoding="utf-8")):
        path = (WORKBOOKS / target).resolve()
        if path.suffix == ".ipynb":
            order.append(path)
        elif path.name == "index.md":
            links = MD_LINK.findall(path.read_text(encoding="utf-8"))
            order += [(path.parent / t).resolve() for t in links if t.endswith(".ipynb")
                      and (path.parent / t).resolve().parent == path.parent]  # fmt: skip
    return list(dict.fromkeys(order))


def next_link(path: Path) -> Path | None:
    """The first workbook linked from the ``## 次へ`` section, or None at the end of the path."""
    section = _read(path).cells[-1].source
    assert section.startswith("## 次へ"), f"{path.name}: the last cell is the 次へ section"
    links = [(path.parent / t).resolve() for t in MD_LINK.findall(section) if t.endswith(".ipynb")]
    return links[0] if links else None


def test_next_links_form_one_reading_path():
    """次へ links go from 00 through every workbook once, in the index's (the toc's) order."""
    order = reading_order()
    assert sorted(order) == sorted(p.resolve() for p in NOTEBOOKS), "index.md lists every workbook"
    walked, here = [], order[0]
    while here is not None:
        assert here not in walked, f"loop: {here.name} is reached twice"
        walked.append(here)
        here = next_link(here)
    assert walked == order, "次へ must follow the index order:\n" + "\n".join(
        f"{a.name} -> {b.name}" for a, b in zip(walked, order, strict=False) if a != b
    )


#: Longest body cell in lines of logic (not blank, not comments); longer logic goes to the package.
MAX_LOGIC_LINES = 15


def _logic_lines(source: str) -> int:
    return sum(
        1 for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_logic_and_figures_live_in_the_package(path):
    """Body cells stay short, build no plotly figure by hand and show figures through
    ``viz.show_or_interact`` (so ``interactive`` is honoured everywhere)."""
    cells = _read(path).cells
    for c in cells[3:]:  # after the title, the parameters cell and the validation cell
        if c.cell_type != "code":
            continue
        n = _logic_lines(c.source)
        assert n <= MAX_LOGIC_LINES, f"cell {c.id}: {n} lines of logic; move it into toyama_lab"
        assert "go.Figure" not in c.source and "graph_objects" not in c.source, (
            f"cell {c.id} builds a figure; use a figure function of toyama_lab"
        )
        assert ".show()" not in c.source, (
            f"cell {c.id} shows a figure directly; use viz.show_or_interact (honours interactive)"
        )


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
    declared = notebook_parameters(path)
    if "size" in declared:  # one run at tiny, the other at class
        default = ast.literal_eval(declared["size"]["default"])
        assert {default, alt.get("size", default)} == {"tiny", "class"}, (
            "the defaults and the sidecar must run the workbook at size tiny and at size class"
        )


def _params(path: Path, which: str) -> dict:
    if which == "defaults":
        return {}
    return yaml.safe_load(_sidecar(path).read_text(encoding="utf-8"))


CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]+")
#: A Japanese name shown with its romaji: "富山駅 (Toyama-eki)" or "Toyama-eki (富山駅)".
WITH_ROMAJI = re.compile(
    r"[\u3000-\u30ff\u3400-\u9fff]+[^()（）]*\s*[(（][A-Za-z][^()（）]*[)）]"
    r"|[A-Za-z][\w .'-]*\s*[(（][^()（）]*[\u3000-\u30ff\u3400-\u9fff][^()（）]*[)）]"
)
#: Keys of a plotly figure whose strings a reader sees.
FIGURE_TEXT = {"text", "name", "title", "ticktext", "hovertext", "texttemplate", "legendgrouptitle"}


def _figure_strings(obj, key=None):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _figure_strings(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _figure_strings(v, key)
    elif isinstance(obj, str) and key in FIGURE_TEXT:
        yield obj


def _table_header(text: str) -> str:
    """The header of a polars table repr (the lines above the ``╞═`` rule), else all of it."""
    lines = text.splitlines()
    cut = next((i for i, line in enumerate(lines) if line.lstrip().startswith("╞")), None)
    return "\n".join(lines[:cut]) if cut is not None else text


def japanese_in_outputs(nb) -> list[str]:
    """Strings a reader sees (figure text, table headers, printed lines, reprs) with CJK
    characters outside a name that is also shown in romaji."""
    seen = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for o in c.outputs:
            if o.output_type == "stream":
                seen += [(c.id, line) for line in o.text.splitlines()]
            data = o.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                fig = data["application/vnd.plotly.v1+json"]
                seen += [(c.id, s) for s in _figure_strings(fig)]
            elif "text/plain" in data and not data["text/plain"].startswith(("VBox(", "<")):
                seen += [(c.id, _table_header(data["text/plain"]))]
    return [f"cell {cid}: {s[:120]!r}" for cid, s in seen if CJK.search(WITH_ROMAJI.sub("", s))]


@pytest.mark.parametrize("which", ["defaults", "sidecar"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_workbook_runs(path, which, tmp_path):
    source = with_solutions(path, tmp_path / "in")
    out = run_workbook(source, _params(path, which), tmp_path / "out", timeout=CELL_TIMEOUT)
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
    if _params(path, which).get("lang") == "en":  # every output switches, not only figures
        japanese = japanese_in_outputs(nb)
        assert not japanese, "Japanese at lang=en:\n" + "\n".join(japanese)


def _english_elsewhere_than_tiny(path: Path) -> bool:
    """The workbook has a ``size`` parameter and its sidecar (the lang=en run) is not tiny."""
    side = _params(path, "sidecar")
    return "size" in notebook_parameters(path) and side.get("size") != "tiny"


#: Workbooks whose lang=en sidecar runs at class size: the English check also runs at tiny.
EN_TINY = [p for p in NOTEBOOKS if _english_elsewhere_than_tiny(p)]


@pytest.mark.parametrize("path", EN_TINY, ids=[str(p.relative_to(WORKBOOKS)) for p in EN_TINY])
def test_workbook_in_english_at_tiny(path, tmp_path):
    source = with_solutions(path, tmp_path / "in")
    params = {"size": "tiny", "lang": "en"}
    nb = _read(run_workbook(source, params, tmp_path / "out", timeout=CELL_TIMEOUT))
    japanese = japanese_in_outputs(nb)
    assert not japanese, "Japanese at lang=en, size tiny:\n" + "\n".join(japanese)


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
