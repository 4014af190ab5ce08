"""The book: its build driver, and the small book (book/ci.toml) opened in a real browser.

Unit tests cover the driver's pure parts (configuration, cache keys, cell tags, staging,
handout text, generated reference pages, facts). One module-scoped build of the CI book
(three workbooks at size tiny: a plotly map, saved widget state, TeX; no API pages) is
then opened in headless Chromium (Playwright, the system browser) with every request
that is not ``file:`` aborted and recorded. The screenshot of one chapter is kept in
``tests/artifacts/`` (or ``$TOYAMA_LAB_ARTIFACTS``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toyama_lab.book import config as book_config
from toyama_lab.book import dictionary, facts, fingerprint, tags
from toyama_lab.book import driver as book_build
from toyama_lab.book.execute import ExecutionError, Job, execute_all, failing_cell

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("TOYAMA_LAB_ARTIFACTS", ROOT / "tests" / "artifacts"))

# ---------------------------------------------------------------- configuration


def test_load_config_reads_overrides_and_rejects_unknown(tmp_path):
    cfg = tmp_path / "b.toml"
    cfg.write_text(
        '[execute]\ntimeout = 30\nworkers = 1\n[workbooks]\ninclude = ["network/*"]\n'
        '[params]\nsize = "tiny"\n[params."network/02-time-on-air"]\ninteractive = true\n'
    )
    c = book_config.load_config(cfg, ROOT)
    assert c.timeout == 30 and c.n_workers == 1
    assert all(p.parent.name == "network" for p in c.workbooks())
    assert c.overrides("network/02-time-on-air", {"interactive", "lang"}) == {"interactive": True}
    assert c.overrides("x", {"size", "lang"}) == {"size": "tiny"}
    with pytest.raises(book_config.ConfigError, match="does not declare"):
        c.overrides("network/02-time-on-air", {"lang"})
    cfg.write_text("[nope]\n")
    with pytest.raises(book_config.ConfigError, match="unknown sections"):
        book_config.load_config(cfg, ROOT)
    cfg.write_text('[workbooks]\ninclude = ["no-such-book"]\n')
    with pytest.raises(book_config.ConfigError, match="match nothing"):
        book_config.load_config(cfg, ROOT).workbooks()


def test_shipped_configs_load():
    for name in ("book.toml", "ci.toml"):
        c = book_config.load_config(ROOT / "book" / name, ROOT)
        assert c.workbooks()
    assert len(book_config.load_config(ROOT / "book" / "book.toml", ROOT).workbooks()) == len(
        [p for p in (ROOT / "workbooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    )


# ---------------------------------------------------------------- cache keys


def test_notebook_key_follows_notebook_params_package_and_data(tmp_path):
    nb = tmp_path / "a.ipynb"
    nb.write_text("{}")
    data = tmp_path / "ds"
    data.mkdir()
    (data / "manifest.json").write_text('{"files": 1}')
    k = fingerprint.notebook_key(nb, {"lang": "ja"}, "p1", [data])
    assert k == fingerprint.notebook_key(nb, {"lang": "ja"}, "p1", [data])
    assert k != fingerprint.notebook_key(nb, {"lang": "en"}, "p1", [data])
    assert k != fingerprint.notebook_key(nb, {"lang": "ja"}, "p2", [data])
    (data / "manifest.json").write_text('{"files": 2}')
    assert k != fingerprint.notebook_key(nb, {"lang": "ja"}, "p1", [data])
    assert fingerprint.dataset_fingerprint(tmp_path / "missing") is None
    nb.write_text('{"x": 1}')
    assert k != fingerprint.notebook_key(nb, {"lang": "ja"}, "p1", [data])


def test_package_fingerprint_ignores_the_book_driver(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "book").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "book" / "b.py").write_text("y = 1\n")
    before = fingerprint.package_fingerprint(pkg)
    (pkg / "book" / "b.py").write_text("y = 2\n")
    assert fingerprint.package_fingerprint(pkg) == before
    (pkg / "a.py").write_text("x = 2\n")
    assert fingerprint.package_fingerprint(pkg) != before


# ---------------------------------------------------------------- tags


def _skeleton(extra_cells=()):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    params = new_code_cell('lang: str = "ja"  # language')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        new_markdown_cell("# t"),
        params,
        new_code_cell("P = {'lang': lang}"),
        *extra_cells,
    ]
    return nb


def test_tag_for_book_collapses_parameters_and_removes_validation():
    nb = _skeleton([new_code_cell("print(1)")])
    injected = new_code_cell('lang = "en"')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(2, injected)
    tags.tag_for_book(nb)
    assert nb.cells[1].metadata.tags == ["parameters", tags.COLLAPSED]
    assert nb.cells[2].metadata.tags == ["injected-parameters", tags.COLLAPSED]
    assert nb.cells[3].metadata.tags == [tags.REMOVED]
    assert "tags" not in nb.cells[4].metadata
    with pytest.raises(tags.SkeletonError, match="parameters"):
        tags.tag_for_book(new_notebook(cells=[new_code_cell("1")]), "x.ipynb")


# ---------------------------------------------------------------- pages


def test_sources_note_links_relative_to_the_chapter():
    assert "](../reference/sources.md)" in tags.sources_note("00-getting-started")["source"]
    note = tags.sources_note("gyosei/01-x", "en")
    assert "](../../reference/sources.md)" in note["source"] and "sources" in note["source"]


#: Words in a workbook's markdown that mark a fact about the world with its source.
CITES = re.compile(
    r"出典|視察報告|Kleinrock|Hyndman|Nemhauser|Abramson|Hata|Sweeney|消防庁|告示|SX1276|呉羽山"
)


def _sources_rows() -> list[tuple[str, str, str]]:
    """(fact, where, sources) rows of the list-table on the sources page."""
    text = (ROOT / "book" / "reference" / "sources.md").read_text(encoding="utf-8")
    return re.findall(r"^\* - (.+)\n  - (.+)\n  - (.+)$", text, flags=re.M)[1:]  # no header


def test_sources_page_and_workbooks_agree():
    rows = _sources_rows()
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{(\w+),", bib, flags=re.M))
    named = set()
    for fact, where, sources in rows:
        cited = re.findall(r"\{cite:t\}`(\w+)`", sources)
        assert cited and set(cited) <= keys, f"{fact[:30]}: unknown source in {sources}"
        for name in re.findall(r"\b[a-z-]+/\d\d\b", where):
            assert list((ROOT / "workbooks").glob(f"{name}-*.ipynb")), f"no workbook {name}"
            named.add(name)
    for path in sorted((ROOT / "workbooks").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        name = f"{path.parent.name}/{path.name[:2]}"
        if CITES.search(prose):  # a workbook that states a sourced fact is on the page
            assert name in named, f"{name} cites a source that the sources page does not list"


def test_handout_text_drops_the_facilitator_notes():
    page = (ROOT / "book" / "staff" / "session-1.md").read_text(encoding="utf-8")
    text = book_build.handout_text(page)
    assert "{exercise}" in text and book_build.FACILITATOR_HEADING not in text
    assert "確認テストの答え" not in text
    assert "](../workbooks/" not in text and "はじめに — 合成データの富山市を開く" in text
    with pytest.raises(ValueError, match="facilitator"):
        book_build.handout_text("# no notes\n")


def test_stage_adds_theme_toctrees_and_removes_stale_files(tmp_path):
    executed = {}
    for name in ("00-getting-started", "network/02-time-on-air"):
        path = tmp_path / "exec" / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_skeleton(), path)
        executed[name] = path
    src = tmp_path / "src"
    (src / "stale.md").parent.mkdir(parents=True)
    (src / "stale.md").write_text("old")
    book_build.stage(ROOT, "ja", executed, src, {"reference/gen.md": "# g\n"})
    assert not (src / "stale.md").exists()
    assert (src / "reference" / "gen.md").read_text() == "# g\n"
    staged = nbformat.read(src / "workbooks" / "network" / "02-time-on-air.ipynb", as_version=4)
    assert "../../reference/sources.md" in staged.cells[-1].source  # every chapter links it
    top = (src / "workbooks" / "index.md").read_text(encoding="utf-8")
    assert "00-getting-started" in top.split("{toctree}")[1] and "network/index" in top
    theme = (src / "workbooks" / "network" / "index.md").read_text(encoding="utf-8")
    assert theme.rstrip().endswith("02-time-on-air\n```")
    mtime = (src / "intro.md").stat().st_mtime_ns
    book_build.stage(ROOT, "en", executed, src, {})
    assert (src / "intro.md").read_text(encoding="utf-8").startswith("# Introduction")
    assert not (src / "reference" / "gen.md").exists()
    book_build.stage(ROOT, "en", executed, src, {})
    assert (src / "intro.md").stat().st_mtime_ns != mtime  # rewritten once, for en


def test_markdown_table_escapes_cells():
    assert dictionary.markdown_table(["a"], [["x|y"]]).splitlines()[-1] == "| x\\|y |"


def test_every_schema_column_has_words():
    # raises UndocumentedColumnError naming the column if one is missing
    assert "(data-dictionary)=" in dictionary.data_dictionary("ja")
    layouts = dictionary.payload_layouts("en")
    from toyama_lab.lorawan.codecs import REGISTRY

    assert all(f"FPort {p}:" in layouts for p in REGISTRY)


def test_facts_come_from_the_package():
    from toyama_lab.city import build_city

    values = facts.substitutions(ROOT)
    assert values["tiny_sensors"] == str(build_city(0, "tiny").sensors.height)
    assert int(values["mmc_windows"]) > 4  # more than the 210 min / 60 min of plain arithmetic
    used = set()
    for page in (ROOT / "book").rglob("*.md"):
        if "_build" in page.parts:
            continue
        used |= set(re.findall(r"\{\{\s*(\w+)\s*\}\}", page.read_text(encoding="utf-8")))
    assert used <= set(values), f"pages use undefined substitutions {used - set(values)}"


# ---------------------------------------------------------------- solutions run


def _solution_code(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r":::\{solution\}.*?\n:::\n", text, flags=re.S)
    return [c for b in blocks for c in re.findall(r"```python\n(.*?)```", b, flags=re.S)]


@pytest.mark.parametrize(
    "page", sorted((ROOT / "book" / "staff").glob("session-*.md")), ids=lambda p: p.stem
)
def test_code_in_solutions_runs_and_asserts(page):
    for code in _solution_code(page):
        assert "assert" in code, f"{page.name}: a solution's code asserts nothing:\n{code}"
        exec(compile(code, str(page), "exec"), {})


# ---------------------------------------------------------------- execution


@pytest.mark.slow
def test_datasets_are_guessed_only_for_dataset_scenarios(tmp_path):
    from toyama_lab.book.execute import _dataset_wanted

    def job(scenario):
        src = tmp_path / f"{scenario}.ipynb"
        cell = new_code_cell(
            f'scenario = "{scenario}"\nsize = "tiny"\nseed = 0\nstart = None\ndays = None'
        )
        cell.metadata["tags"] = ["parameters"]
        nb = new_notebook(cells=[cell])
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, src)
        return Job(scenario, src, {}, tmp_path / "out.ipynb")

    assert _dataset_wanted(job("normal-week"))["scenario"] == "normal-week"
    # the 行政DX workbooks take attendance scenarios: no dataset to build for them
    assert _dataset_wanted(job("budget-season")) is None


def test_failing_workbook_names_notebook_and_cell(tmp_path):
    nb = _skeleton([new_code_cell("x = 1"), new_code_cell("raise ValueError('boom')")])
    src = tmp_path / "bad.ipynb"
    nbformat.write(nb, src)
    slow = _skeleton([new_code_cell("import time\ntime.sleep(600)")])
    nbformat.write(slow, tmp_path / "slow.ipynb")
    ipy = tmp_path / "ipython"
    from toyama_lab.book.assets import write_startup

    write_startup(ipy)
    jobs = [
        Job("bad", src, {}, tmp_path / "out" / "bad.ipynb"),
        Job("slow", tmp_path / "slow.ipynb", {}, tmp_path / "out" / "slow.ipynb"),
    ]
    lines = []
    with pytest.raises(ExecutionError) as info:
        execute_all(jobs, tmp_path / "out", ipy, timeout=45, workers=2, progress=lines.append)
    message = str(info.value)
    assert re.search(r"- bad: cell \d+ \(id \w+\): \"raise ValueError\('boom'\)\"", message)
    assert "ValueError: boom" in message
    assert "- slow: ran longer than the limit of 45 s" in message
    assert any("left)" in line for line in lines)
    assert not (tmp_path / "out" / "bad.ipynb").exists()
    assert failing_cell(tmp_path / "nothing.ipynb") == "no executed notebook was written"


# ---------------------------------------------------------------- the CI book in a browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if shutil.which("npm") is None and not (ROOT / "book/_build/node/.installed").is_file():
        message = "npm is needed once to install MathJax/require.js/the widget manager"
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}; bash .ci/system-packages.sh installs it", pytrace=False)
        pytest.skip(message)
    config = book_config.load_config(ROOT / "book" / "ci.toml", ROOT)
    # TOYAMA_LAB_BOOK_TEST_DIR keeps the build between runs (its cache makes reruns fast)
    keep = os.environ.get("TOYAMA_LAB_BOOK_TEST_DIR")
    out = Path(keep) if keep else tmp_path_factory.mktemp("book")
    lines: list[str] = []
    # the workbooks' datasets in a data root of the book's own: another test (another
    # xdist worker) may rebuild a dataset of the shared data/synthetic between the two
    # builds, and the second build would then rightly run that workbook again
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TOYAMA_LAB_DATA", str(out / "data"))
        result = book_build.build(config, "ja", build_dir=out, progress=lines.append)
        again = book_build.build(config, "ja", build_dir=out, progress=lines.append)
    return {"html": result.html.parent, "first": result, "again": again, "log": lines}


@pytest.mark.slow
def test_second_build_with_nothing_changed_runs_nothing(site):
    assert {o.status for o in site["first"].outcomes} <= {"ok", "cached"}
    assert {o.status for o in site["again"].outcomes} == {"cached"}
    assert not site["again"].sphinx_ran
    if any(o.status == "ok" for o in site["first"].outcomes):  # progress: name, count left
        assert any(re.search(r"\[\d+/\d+\] ok .* left\)", line) for line in site["log"])


class _Text(HTMLParser):
    """The text of an HTML page, and the text inside its ``<code>`` elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.codes: list[str] = []
        self._code = 0

    def handle_starttag(self, tag, attrs):
        self._code += tag == "code"

    def handle_endtag(self, tag):
        self._code -= tag == "code" and self._code > 0

    def handle_data(self, data):
        self.text.append(data)
        if self._code:
            self.codes.append(data.strip())


def _parse(path: Path) -> _Text:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.mark.slow
def test_no_page_refers_to_the_network(site):
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import external_references

    pages = sorted(site["html"].rglob("*.html"))
    assert len(pages) > 20
    bad = {str(p): external_references(p.read_text(encoding="utf-8")) for p in pages}
    assert not {k: v for k, v in bad.items() if v}
    assert (site["html"] / "_static" / "plotly.min.js").is_file()
    # plotly.js is served once per site, never inlined into a page
    big = [p for p in pages if p.stat().st_size > 1_500_000]
    assert not big, f"pages carry inlined libraries: {big}"


@pytest.mark.slow
def test_sources_page_shows_every_title_as_written(site):
    """The bibliography style lowercases titles unless braced: "LoRaWAN" must not print
    as "Lorawan", nor "SX1276" as "Sx1276"."""
    import html

    page = (site["html"] / "reference" / "sources.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    titles = re.findall(r"^  title = \{\{(.+)\}\},$", bib, flags=re.M)
    assert len(titles) == len(re.findall(r"^@\w+\{", bib, flags=re.M))
    missing = [t for t in titles if re.sub(r"\s+", " ", t.replace("\\%", "%")) not in text]
    assert not missing


@pytest.mark.slow
def test_curriculum_pages_have_every_part(site):
    required = ["問い", "目標", "時間配分", "準備", "使うワークブック", "課題", "要点"]
    required += ["確認テスト", "持ち帰り課題", "ファシリテーターノート"]
    for n in range(1, 5):
        page = site["html"] / "staff" / f"session-{n}.html"
        html = page.read_text(encoding="utf-8").split("<article", 1)[1]
        heads = [re.sub(r"<.*?>|#", "", h).strip() for h in re.findall(r"<h2>(.*?)</h2>", html)]
        assert heads == required, (page.name, heads)
        timing = re.search(r'id="s\d-timing".*?</table>', html, flags=re.S).group(0)
        minutes = [int(m) for m in re.findall(r"<td><p>(\d+)</p></td>", timing)]
        assert sum(minutes) == 90, (page.name, minutes)
        exercises = html.count('class="exercise admonition"')
        assert exercises >= 2 and html.count("solution dropdown") == exercises
        section = re.search(r"確認テスト<a.*?</section>", html, flags=re.S).group(0)
        assert section.count("<li>") == 5
        notes = html.split("ファシリテーターノート", 2)[-1]
        assert "Python が動かない PC のとき" in notes and "確認テストの答え" in notes
        assert notes.split("確認テストの答え", 1)[1].count("<li>") == 5
    semester = (site["html"] / "university" / "semester.html").read_text(encoding="utf-8")
    weeks = re.split(r"<h2>第 \d+ 週", semester)[1:]
    assert len(weeks) == 14
    for week in weeks:
        for part in ("<h3>読む", "<h3>実習", "<h3>課題", "<h3>評価基準"):
            assert part in week
        assert "<table" in week
    final = (site["html"] / "university" / "final-project.html").read_text(encoding="utf-8")
    assert final.count("<tr") >= 9  # header + 8 project ideas (+ rubric)


@pytest.mark.slow
def test_handout_holds_challenges_and_no_solution(site):
    pages = sorted((site["html"] / "handouts" / "staff").glob("session-*.html"))
    assert len(pages) == 4
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert 'class="exercise admonition"' in html
        assert "solution" not in re.sub(r"<script.*?</script>|<link[^>]*>", "", html, flags=re.S)
        assert "ファシリテーターノート" not in html and "確認テストの答え" not in html


@pytest.mark.slow
def test_data_dictionary_lists_every_column_of_a_tiny_dataset(site):
    from toyama_lab.datasets import load

    codes = set(_parse(site["html"] / "reference" / "data-dictionary.html").codes)
    ds = load("normal-week", size="tiny", seed=0)
    wanted = set()
    for kind in ds.kinds:
        cube = ds.timeseries(kind)
        wanted |= set(cube.data_vars) | {c for c in cube.coords}
    for name in ds.event_names:
        wanted |= set(ds.events(name).columns)
    missing = sorted(wanted - codes)
    assert not missing, f"the data dictionary lacks {missing}"


@pytest.fixture(scope="module")
def browser_pages(site):
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import require_chromium

    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    html = site["html"]
    wanted = {
        "map": "workbooks/00-getting-started.html",
        "widgets": "workbooks/network/02-time-on-air.html",
        "math": "workbooks/network/03-capacity.html",
        "session": "staff/session-1.html",
        "index": "index.html",
    }
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        blocked: list[str] = []

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        for key, rel in wanted.items():
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
            page.goto((html / rel).as_uri())
            page.wait_for_load_state("load")
            page.wait_for_timeout(2500)
            results[key] = {
                "errors": errors,
                "svg": page.locator(".js-plotly-plot .main-svg").count(),
                "plots": page.locator(".plotly-graph-div").count(),
                "mjx": page.locator("mjx-container").count(),
                "widgets": page.locator(
                    ".widget-slider, .jupyter-widgets.widget-inline-hbox"
                ).count(),
                "text": page.inner_text("body"),
            }
            if key == "map":
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "book-chapter.png"), full_page=False)
            page.close()
        search = context.new_page()
        search.goto((html / "search.html").as_uri() + "?q=勤務間インターバル")
        search.wait_for_selector("#search-results .search li a", timeout=20_000)
        results["search"] = search.eval_on_selector_all(
            "#search-results .search li a", "els => els.map(e => e.getAttribute('href'))"
        )
        browser.close()
    results["blocked"] = blocked
    return results


@pytest.mark.slow
def test_plotly_figures_draw(browser_pages):
    for key in ("map", "math", "widgets"):
        r = browser_pages[key]
        assert r["plots"] >= 1 and r["svg"] >= r["plots"], (key, r["plots"], r["svg"])


@pytest.mark.slow
def test_math_renders(browser_pages):
    assert browser_pages["math"]["mjx"] >= 1


@pytest.mark.slow
def test_saved_widgets_render(browser_pages):
    assert browser_pages["widgets"]["widgets"] >= 1


@pytest.mark.slow
def test_japanese_text_and_no_console_error_and_nothing_fetched(browser_pages):
    for key in ("map", "widgets", "math", "session", "index"):
        r = browser_pages[key]
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", r["text"]), key
        assert not r["errors"], (key, r["errors"])
    assert browser_pages["blocked"] == []
    assert (ARTIFACTS / "book-chapter.png").stat().st_size > 10_000


@pytest.mark.slow
def test_japanese_search_finds_the_page(browser_pages):
    assert any("staff/session-3" in href for href in browser_pages["search"])


def test_make_book_is_the_readme_first_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block[0].startswith("make book") and block[1].startswith("make test")
    done = subprocess.run(
        ["make", "-n", "book", "LANG=en"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "-m toyama_lab.book --lang en" in done.stdout
    assert json.loads((ROOT / "book" / "package.json").read_text())["private"] is True
