"""Report jobs (toyama_lab.reports.job/engine/execute/index/pages/record, ``toyama-lab report``).

One job of six real runs (each in its own kernel) serves most tests: three runs that
work, one that raises, one that passes its time limit and one whose kernel fails to
start the first time (a kernelspec whose first launch exits, as a port clash would).
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import nbformat
import polars as pl
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from toyama_lab.cli import main
from toyama_lab.reports import read_records
from toyama_lab.reports.engine import plan, run_job
from toyama_lab.reports.execute import backoff
from toyama_lab.reports.index import SCHEMA, grid_figures, read_index, values_long
from toyama_lab.reports.job import JobError, job_from_args, load_job, run_key
from toyama_lab.reports.pages import PLOTLYJS, lean_notebook
from toyama_lab.reports.record import GLUE_PREFIX

PARAMS = (
    'x: int = 1  # a number\nmode: str = "ok"  # ok, raise or sleep\nlang: str = "ja"  # language\n'
)
VALIDATE = (
    "from toyama_lab.reports.params import Param, schema, validate\n"
    'P = validate({"x": x, "mode": mode, "lang": lang}, schema("lang", x=Param("int", min=0, '
    'max=9), mode=Param("str", choices=("ok", "raise", "sleep"))))\n'
)
BODY = (
    "import time\nimport plotly.graph_objects as go\nfrom toyama_lab import viz\n"
    "from toyama_lab.reports import record\nviz.setup(lang=P['lang'])\n"
    "record('double', P['x'] * 2)\nrecord('label', f\"x={P['x']}\")\n"
    "go.Figure(go.Bar(x=['a', 'b'], y=[P['x'], 3])).show()\n"
)
FAIL = (
    "if P['mode'] == 'raise':\n    raise ValueError(f\"no good: x={P['x']}\")\n"
    "if P['mode'] == 'sleep':\n    time.sleep(600)\n"
)

JOB = """\
# six runs: three good, one raising, one too slow, one with a flaky kernel
out = "out"
workers = 2
retries = 2
params = { lang = "en" }

[[workbook]]
path = "wb.ipynb"
grid = { x = [0, 1, 2] }

[[workbook]]
path = "wb.ipynb"
name = "raise"
runs = [{ x = 3, mode = "raise" }]

[[workbook]]
path = "wb.ipynb"
name = "slow"
run_timeout = 12
runs = [{ x = 4, mode = "sleep" }]

[[workbook]]
path = "wb.ipynb"
name = "flaky"
kernel = "flaky-python"
runs = [{ x = 5 }]
"""

FLAKY = """\
import os, sys
counter = os.environ["FLAKY_COUNTER"]
n = int(open(counter).read()) if os.path.exists(counter) else 0
open(counter, "w").write(str(n + 1))
if n == 0:
    sys.exit(3)  # the first start fails
from ipykernel.kernelapp import launch_new_instance
launch_new_instance()
"""


def _workbook(path: Path) -> Path:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    params = new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# テスト"), params, new_code_cell(VALIDATE),
                new_code_cell(BODY), new_code_cell(FAIL)]  # fmt: skip
    nbformat.write(nb, path)
    return path


def _flaky_kernel(root: Path) -> Path:
    spec = root / "jupyter" / "kernels" / "flaky-python"
    spec.mkdir(parents=True)
    (root / "flaky.py").write_text(FLAKY, encoding="utf-8")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(root / "flaky.py"), "-f", "{connection_file}"],
        "display_name": "flaky", "language": "python",
        "env": {"FLAKY_COUNTER": str(root / "flaky-count")},
    }), encoding="utf-8")  # fmt: skip
    return root / "jupyter"


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    """The six-run job, run once: (folder, job, index, results)."""
    root = tmp_path_factory.mktemp("job")
    _workbook(root / "wb.ipynb")
    (root / "job.toml").write_text(JOB, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(_flaky_kernel(root)))
        job = load_job(root / "job.toml")
        results = []
        index = run_job(job, progress=False, on_result=results.append)
    return root, job, index, results


NAMES = ["wb__x=0", "wb__x=1", "wb__x=2", "raise__x=3__mode=raise", "slow__x=4__mode=sleep",
         "flaky__x=5"]  # fmt: skip


@pytest.mark.slow
def test_six_runs_failures_recorded_others_complete(six):
    root, _, index, results = six
    assert index.schema == SCHEMA and index["name"].to_list() == NAMES
    assert index["status"].to_list() == ["ok", "ok", "ok", "error", "timeout", "ok"]
    bad = index.row(3, named=True)
    assert bad["error_name"] == "ValueError" and bad["error_message"] == "no good: x=3"
    assert bad["cell"] == 5  # markdown, parameters, injected parameters, validation, body, fail
    slow = index.row(4, named=True)
    assert (
        slow["error_name"] == "CellTimeoutError" and "run_timeout = 12 s" in slow["error_message"]
    )
    assert 12 <= slow["seconds"] < 120
    assert index["kernel_retries"].to_list() == [0, 0, 0, 0, 0, 1]
    assert (root / "flaky-count").read_text() == "2"  # failed once, started once
    assert json.loads(index["values"][1]) == {"double": 2, "label": "x=1"}
    assert json.loads(index["params"][3]) == {"lang": "en", "mode": "raise", "x": 3}
    on_disk = pl.read_parquet(root / "out" / "index.parquet")
    assert on_disk.equals(index)
    assert pl.read_csv(root / "out" / "index.csv")["status"].to_list() == index["status"].to_list()
    assert sorted(r.name for r in results) == sorted(NAMES)


@pytest.mark.slow
def test_outputs_lean_and_offline(six):
    root, *_ = six
    out = root / "out"
    assert (out / PLOTLYJS).stat().st_size > 3_000_000  # plotly.js once, in the folder
    for name in NAMES[:3]:
        notebook = out / f"{name}.ipynb"
        assert notebook.stat().st_size < 1_000_000
        text = notebook.read_text(encoding="utf-8")
        assert "Plotly.newPlot" in text and "plotly.js v" not in text
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        assert 'src="plotly.min.js"' in page and "http://" not in page.replace("http://www.w3", "")
    assert not list(out.glob("**/.executed.ipynb")) and not list(out.glob(".*.tmp"))
    from myst_nb.ext.glue import extract_glue_data_cell  # the book's reader of glued values

    nb = nbformat.read(out / f"{NAMES[1]}.ipynb", as_version=4)
    glued = dict(kv for c in nb.cells if c.cell_type == "code" for kv in extract_glue_data_cell(c))
    assert glued["double"].data["text/plain"] == "2"
    assert glued["label"].data["text/plain"] == "'x=1'"


@pytest.mark.slow
def test_rerun_redoes_only_the_failed_runs(six, monkeypatch):
    root, job, *_ = six
    monkeypatch.setenv("JUPYTER_PATH", str(root / "jupyter"))  # the flaky kernel
    listed = {p.spec.name: (p.todo, p.reason) for p in plan(job)}
    assert listed == {n: (False, "done") for n in NAMES[:3] + NAMES[5:]} | {
        NAMES[3]: (True, "failed: error"), NAMES[4]: (True, "failed: timeout")}  # fmt: skip
    result = CliRunner().invoke(main, ["report", "list", str(root / "job.toml")])
    assert result.exit_code == 0 and "4 done, 2 to run" in result.output
    redone = []
    index = run_job(job, progress=False, on_result=lambda r: redone.append(r.name))
    assert sorted(redone) == sorted(NAMES[3:5])
    assert index["status"].to_list() == ["ok", "ok", "ok", "error", "timeout", "ok"]
    assert all(p.todo for p in plan(job, force=True))


@pytest.mark.slow
def test_index_and_run_page_draw_offline_in_chromium(six, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from browser import external_references, load_page, plotly_figures, require_chromium

    chromium = require_chromium()
    out = six[0] / "out"
    for page, n_figures in ((out / "index.html", 1), (out / "wb__x=1.html", 1)):
        html = page.read_text(encoding="utf-8")
        assert external_references(html) == []
        loaded = load_page(chromium, page, tmp_path)
        assert loaded.requests == []
        figures = plotly_figures(loaded.dom)
        assert len(figures) >= n_figures
        assert all(f.drawn and f.trace_paths > 0 for f in figures), figures
    index_figure = plotly_figures(load_page(chromium, out / "index.html", tmp_path).dom)[0]
    assert "double" in index_figure.text


# --- checking jobs: every problem, with file and line; nothing written ------------------------

BAD_JOB = """\
out = "never"
wokers = 2
params = { lang = "fr" }

[[workbook]]
path = "missing.ipynb"

[[workbook]]
path = "wb.ipynb"
grid = { mdoe = ["a", "b"] }

[[workbook]]
path = "wb.ipynb"
name = "typed"
runs = [{ x = "abc" }]

[[workbook]]
path = "wb.ipynb"
name = "ranged"
kernel = "no-such-kernel"

[workbook.grid]
x = [1, 99]
"""


def test_bad_job_lists_every_problem_with_lines_and_writes_nothing(tmp_path):
    _workbook(tmp_path / "wb.ipynb")
    job = tmp_path / "bad.toml"
    job.write_text(BAD_JOB, encoding="utf-8")
    with pytest.raises(JobError) as info:
        load_job(job)
    problems = info.value.problems
    at = {p.split(": ", 1)[0].rsplit(":", 1)[1]: p for p in problems}
    assert "unknown job key 'wokers'. Did you mean 'workers'?" in at["2"]
    assert "no such file" in at["6"] and "missing.ipynb" in at["6"]
    assert "unknown parameter 'mdoe' = 'a'. Did you mean 'mode'?" in at["10"]
    assert "'x' = 'abc'" in at["15"] and "whole number" in at["15"]
    assert "'x' = 99" in at["23"] and "x <= 9" in at["23"]
    assert "'lang' = 'fr'" in at["3"]
    assert any("kernel 'no-such-kernel' is not installed" in p for p in problems)
    assert len(problems) == 7, problems
    assert all(p.startswith(f"{job}:") for p in problems)
    result = CliRunner().invoke(main, ["report", "run", str(job)])
    assert result.exit_code == 2 and "7 problems; nothing was run or written" in result.output
    assert not (tmp_path / "never").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "wb.ipynb"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('out = "o"\n[[workbook]\npath = "wb.ipynb"\n', ":2: broken TOML"),
        ('out = "o"\n', "j.toml: the job needs at least one [[workbook]]"),
        ('[[workbook]]\npath = "wb.ipynb"\n', 'the job needs out = "FOLDER"'),
        ('out = "o"\nworkers = 0\n[[workbook]]\npath = "wb.ipynb"\n', ":2: workers = 0"),
        ('out = "o"\ndask = "here"\n[[workbook]]\npath = "wb.ipynb"\n', ":2: dask = 'here'"),
        ('out = "o"\n[[workbook]]\npath = "wb.ipynb"\ngrid = { x = 1 }\n', ":4: grid value"),
        ('out = "o"\n[[workbook]]\npath = "wb.ipynb"\nruns = [{x = 1}]\ngrid = {x = [1]}\n',
         ":4: workbook 1 (wb.ipynb): give grid or runs"),
        ('out = "o"\n[[workbook]]\npath = "wb.ipynb"\nruns = [{x = 1}, {x = 1}]\n',
         "two runs would write wb__x=1.ipynb"),
    ],
)  # fmt: skip
def test_bad_job_files(tmp_path, text, expected):
    _workbook(tmp_path / "wb.ipynb")
    (tmp_path / "j.toml").write_text(text, encoding="utf-8")
    with pytest.raises(JobError) as info:
        load_job(tmp_path / "j.toml")
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert not (tmp_path / "o").exists()


def test_one_off_job_from_the_command_line(tmp_path):
    wb = _workbook(tmp_path / "wb.ipynb")
    job = job_from_args(wb, [("lang", "en"), ("mode", "ok")], ["x=1,2", "lang=ja,en"],
                        tmp_path / "out", workers=3)  # fmt: skip
    assert [r.name for r in job.runs] == ["wb__x=1__lang=ja", "wb__x=1__lang=en",
                                         "wb__x=2__lang=ja", "wb__x=2__lang=en"]  # fmt: skip
    assert job.runs[0].params == {"x": 1, "mode": "ok", "lang": "ja"} and job.workers == 3
    with pytest.raises(JobError, match=r"command line: --grid 'x' must be NAME=V1,V2"):
        job_from_args(wb, [], ["x"], tmp_path / "out")
    result = CliRunner().invoke(main, ["report", "run", str(wb), "-p", "sede", "1", "--out",
                                       str(tmp_path / "o2")])  # fmt: skip
    assert result.exit_code == 2 and "unknown parameter 'sede'" in result.output
    result = CliRunner().invoke(main, ["report", "run", str(wb)])
    assert result.exit_code == 2 and "needs --out DIR" in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "o2").exists()


def test_run_key_changes_with_each_part():
    base = run_key("a" * 64, {"seed": 0}, "1.0", "b" * 64)
    others = {run_key("c" * 64, {"seed": 0}, "1.0", "b" * 64),
              run_key("a" * 64, {"seed": 1}, "1.0", "b" * 64),
              run_key("a" * 64, {"seed": 0}, "1.1", "b" * 64),
              run_key("a" * 64, {"seed": 0}, "1.0", "d" * 64)}  # fmt: skip
    assert base not in others and len(others) == 4
    assert run_key("a" * 64, {"x": 1, "y": 2}, "1", "b") == run_key(
        "a" * 64, {"y": 2, "x": 1}, "1", "b"
    )


def test_backoff_doubles_and_is_bounded():
    assert [backoff(a) for a in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0] and backoff(50) == 15.0


# --- records, lean notebooks, the index ------------------------------------------------------


def _glued(name, text):
    meta = {"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}}
    return new_output("display_data", data={GLUE_PREFIX + "text/plain": text}, metadata=meta)


def test_read_records():
    cell = new_code_cell("")
    cell.outputs = [_glued("a", "1.5"), _glued("b", "'京都'"), _glued("a", "2"),
                    _glued("fig", "<Figure>"), new_output("stream", text="x")]  # fmt: skip
    assert read_records(new_notebook(cells=[cell, new_markdown_cell("m")])) == {"a": 2, "b": "京都"}


def test_record_checks_name_and_value():
    import numpy as np

    from toyama_lab.reports.record import _plain, record

    with pytest.raises(ValueError, match="identifier"):
        record("a b", 1)
    with pytest.raises(TypeError, match="record a single number"):
        record("a", [1, 2])
    assert _plain("a", np.float32(0.5)) == 0.5 and type(_plain("a", np.int64(3))) is int
    assert _plain("a", float("nan")) is None and _plain("a", np.array(2.0)) == 2.0


def test_lean_notebook_takes_plotlyjs_out():
    cell = new_code_cell("")
    cell.outputs = [new_output("display_data", data={"text/html": "<script>JS</script><p>x</p>"})]
    nb = new_notebook(cells=[cell])
    lean = lean_notebook(nb, plotlyjs="JS")
    assert lean.cells[0].outputs[0].data["text/html"] == (
        f'<script src="{PLOTLYJS}" charset="utf-8"></script><p>x</p>'
    )
    assert nb.cells[0].outputs[0].data["text/html"].startswith("<script>JS")  # a copy


def test_values_long_and_grid_figures():
    rows = [
        {"run": i, "name": f"r{i}", "status": "ok", "kernel_retries": 0,
         "params": json.dumps({"scenario": s, "seed": k}),
         "values": json.dumps({"kpi": v, "t": "a"})}
        for i, (s, k, v) in enumerate([("a", 0, 1.0), ("a", 1, 2.0), ("b", 0, 3.0), ("b", 1, 4.0)])
    ]  # fmt: skip
    index = pl.DataFrame(rows, schema=SCHEMA)
    long = values_long(index)
    assert long.filter(pl.col("name") == "kpi")["value"].to_list() == [1.0, 2.0, 3.0, 4.0]
    assert long.filter(pl.col("name") == "t")["value"].null_count() == 2 + 2
    (fig,) = grid_figures(index)
    assert [t.name for t in fig.data] == ["seed=0", "seed=1"]
    assert list(fig.data[0].x) == ["a", "b"] and list(fig.data[0].y) == [1.0, 3.0]
    assert read_index("/nonexistent").schema == SCHEMA


def test_job_file_format_example_in_docs_is_valid(tmp_path):
    from toyama_lab.reports import job as job_module

    doc = job_module.__doc__
    example = textwrap.dedent(doc[doc.index("    out = ") : doc.index("A workbook entry")])
    example = example.replace("../workbooks/reports/monthly-kpi.ipynb", "wb.ipynb")
    example = example.replace('month = ["2025-01", "2025-02"], ', "").replace("seed", "x")
    example = example.replace('{ lang = "ja" }', '{ lang = "ja", mode = "ok" }')
    example = example.replace('size = "tiny"', 'lang = "en"').replace("pdf = true", "pdf = false")
    _workbook(tmp_path / "wb.ipynb")
    (tmp_path / "j.toml").write_text(example, encoding="utf-8")
    job = load_job(tmp_path / "j.toml")
    assert [r.params["x"] for r in job.runs] == [0, 1] and job.workers == 2


@pytest.mark.slow
def test_dask_cluster_gives_the_same_index(six, tmp_path):
    from distributed import LocalCluster

    root, _, index, _ = six
    # worker processes, as on a real cluster (an in-process worker's threads can fail to
    # start kernels when the suite has left event loops behind; see the session note)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip
        job = job_from_args(root / "wb.ipynb", [("lang", "en")], ["x=0,1"], tmp_path,
                            dask=cluster.scheduler_address)  # fmt: skip
        on_dask = run_job(job, progress=False)
    # kernel_retries is left out: a kernel start that failed once and was retried on a
    # loaded machine is a fact of that run, not of where it ran (seen under load in CI runs)
    columns = ["run", "name", "status", "error_name", "cell", "key",
               "params", "values", "notebook", "html", "pdf"]  # fmt: skip
    local = index.filter(pl.col("name").is_in(NAMES[:2]))
    assert on_dask.select(columns).equals(local.select(columns))
    # the workbook is written relative to each output folder: the same file
    assert {(tmp_path / w).resolve() for w in on_dask["workbook"]} == {
        (root / "out" / w).resolve() for w in local["workbook"]}  # fmt: skip
    assert (tmp_path / "wb__x=1.html").is_file() and (tmp_path / PLOTLYJS).is_file()


INTERRUPT_JOB = """\
out = "out"
workers = 2
params = { lang = "en", mode = "sleep" }

[[workbook]]
path = "wb.ipynb"
grid = { x = [0, 1, 2] }
"""


@pytest.mark.slow
def test_ctrl_c_leaves_a_consistent_index_and_no_kernel(tmp_path):
    import os
    import signal
    import subprocess
    import time

    import psutil

    _workbook(tmp_path / "wb.ipynb")
    (tmp_path / "job.toml").write_text(INTERRUPT_JOB, encoding="utf-8")
    cli = Path(sys.executable).with_name("toyama-lab")

    # a background shell starts commands with SIGINT ignored; a terminal's Ctrl-C does not
    def default_sigint():
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([str(cli), "report", "run", "job.toml", "--quiet"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)  # fmt: skip
    work = tmp_path / "out" / "work"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(list(work.glob("*/.executed.ipynb"))) < 2:
        time.sleep(0.5)  # both workers are executing cells (their kernels started)
    assert len(list(work.glob("*/.executed.ipynb"))) == 2, proc.stderr.read() if proc.poll() else ""
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err
    index = pl.read_parquet(tmp_path / "out" / "index.parquet")
    assert index["name"].to_list() == ["wb__x=0", "wb__x=1", "wb__x=2"]
    assert index["status"].to_list() == ["interrupted"] * 3  # none finished
    assert pl.read_csv(tmp_path / "out" / "index.csv").height == 3
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    listed = CliRunner().invoke(main, ["report", "list", str(tmp_path / "job.toml")])
    assert "0 done, 3 to run" in listed.output and "failed: interrupted" in listed.output


def test_workbook_fingerprint_follows_cell_sources_only(tmp_path):
    from toyama_lab.reports.job import workbook_fingerprint

    path = _workbook(tmp_path / "wb.ipynb")
    before = workbook_fingerprint(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].outputs = [new_output("stream", text="hello")]
    nb.cells[3].execution_count = 7
    nbformat.write(nb, path)
    assert workbook_fingerprint(path) == before
    nb.cells[3].source += "\n# changed"
    nbformat.write(nb, path)
    assert workbook_fingerprint(path) != before


def test_preflight_runs_the_validation_cell_here(tmp_path):
    from toyama_lab.reports.job import preflight
    from toyama_lab.reports.params import ParameterError

    path = _workbook(tmp_path / "wb.ipynb")
    assert preflight(path, {"x": 9, "mode": "raise"}) is None
    with pytest.raises(ParameterError, match=r"'mode' = 'fast'.*'ok', 'raise', 'sleep'"):
        preflight(path, {"mode": "fast"})
