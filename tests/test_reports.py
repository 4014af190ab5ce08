"""toyama_lab.reports: parameter validation, papermill runs and grids."""

from __future__ import annotations

import datetime as dt

import nbformat
import polars as pl
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toyama_lab.datasets import allowed_scenarios, allowed_sizes
from toyama_lab.reports import (
    COMMON,
    KERNEL_NAME,
    Param,
    ParameterError,
    WorkbookError,
    check_parameters,
    notebook_parameters,
    papermill_injection,
    run_grid,
    run_workbook,
    schema,
    validate,
)

# --- validate: coercion ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("int", "3", 3),
        ("int", " 12 ", 12),
        ("int", 4.0, 4),
        ("int", 7, 7),
        ("float", "1.5", 1.5),
        ("float", 2, 2.0),
        ("bool", "false", False),
        ("bool", "False", False),
        ("bool", "Yes", True),
        ("bool", "0", False),
        ("bool", 1, True),
        ("bool", True, True),
        ("date", "2026-04-06", dt.date(2026, 4, 6)),
        ("date", dt.date(2026, 4, 6), dt.date(2026, 4, 6)),
        ("date", dt.datetime(2026, 4, 6, 9, 30), dt.date(2026, 4, 6)),
        ("date", "2026-04-06T09:30:00", dt.date(2026, 4, 6)),
        ("date", "2026-04-06 00:00", dt.date(2026, 4, 6)),
        ("str", "ped-0001", "ped-0001"),
        ("str", 12, "12"),
        ("list", "ped-0001, ped-0002", ["ped-0001", "ped-0002"]),
        ("list", '["a", "b"]', ["a", "b"]),
        ("list", ("a",), ["a"]),
        ("list", "", []),
    ],
)
def test_coercion(kind, value, expected):
    out = validate({"x": value}, {"x": Param(kind)})["x"]
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize("value", [None, ""])
def test_nullable_date(value):
    assert validate({"start": value}, schema("start")) == {"start": None}


# --- validate: errors name the parameter, the value and what is allowed ---------------


@pytest.mark.parametrize(
    ("params", "names", "expected"),
    [
        ({"size": "huge"}, ("size",), ["'size'", "'huge'", "'tiny'", "'class'", "'city'"]),
        ({"scenario": "tsunami"}, ("scenario",), ["'scenario'", "'tsunami'", "'normal-week'"]),
        ({"seed": -1}, ("seed",), ["'seed'", "-1", "0 <= seed"]),
        ({"seed": "abc"}, ("seed",), ["'seed'", "'abc'", "whole number"]),
        ({"seed": True}, ("seed",), ["'seed'", "True", "not True/False"]),
        ({"days": 0}, ("days",), ["'days'", "1 <= days"]),
        ({"start": "2026-02-30"}, ("start",), ["'start'", "'2026-02-30'", "YYYY-MM-DD"]),
        ({"start": "06/04/2026"}, ("start",), ["'start'", "YYYY-MM-DD"]),
        ({"start": "2026-04-06Tnoon"}, ("start",), ["'start'", "YYYY-MM-DD"]),
        ({"lang": "fr"}, ("lang",), ["'lang'", "'fr'", "'ja', 'en'"]),
        ({"interactive": "maybe"}, ("interactive",), ["'interactive'", "'maybe'", "True or False"]),
    ],
)
def test_bad_values(params, names, expected):
    with pytest.raises(ParameterError) as info:
        validate(params, schema(*names))
    message = str(info.value)
    for part in expected:
        assert part in message, (part, message)
    assert "-p " + next(iter(params)) in message  # says how to pass a good value


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ParameterError, match=r"unknown parameter 'sizee'.*Did you mean 'size'"):
        validate({"sizee": "tiny", "size": "tiny"}, schema("size"))


# --- names papermill injected (it only warns about unknown ones) --------------------------

PARAMS_CELL = 'size: str = "tiny"  # city size\nseed: int = 0  # random seed\n'


@pytest.mark.parametrize(
    ("injected", "value"),
    [("# Parameters\nsede = 3\n", 3), ("# Parameters\nseed = 1\nsede = 'x' + 'y'\n", "'x' + 'y'")],
)
def test_injected_unknown_name_is_refused(injected, value):
    history = ["", PARAMS_CELL, injected, "P = validate(...)"]
    with pytest.raises(ParameterError) as info:
        validate({"size": "tiny", "seed": 0}, schema("size", "seed"), history=history)
    message = str(info.value)
    assert f"unknown parameter 'sede' = {value!r}. Did you mean 'seed'?" in message
    assert "accepts: size, seed" in message and "papermill passed it (-p sede" in message


def test_injected_known_names_pass_and_narrow_calls_are_not_disturbed():
    history = ["", PARAMS_CELL, "# Parameters\nseed = 1\nsize = 'tiny'\n"]
    assert validate({"size": "tiny", "seed": 1}, schema("size", "seed"), history=history)
    # an exercise's later call with a narrower schema: seed is declared by the parameters cell
    with pytest.raises(ParameterError, match="'size' = 'huge'"):
        validate({"size": "huge"}, schema("size"), history=[*history, "try: ..."])


def test_injected_papermill_paths_are_allowed():
    injected = "# Parameters\nseed = 2\nPAPERMILL_INPUT_PATH = 'a.ipynb'\n"
    history = ["", PARAMS_CELL, injected]
    assert validate({"seed": 2}, schema("seed"), history=history) == {"seed": 2}


def test_papermill_injection_reads_the_last_injected_cell():
    assert papermill_injection([]) is None
    assert papermill_injection(["", PARAMS_CELL, "x = 1"]) is None
    history = ["", PARAMS_CELL, "# Parameters\nseed = 1\n", "# Parameters\nseed = 5\n"]
    inj = papermill_injection(history)
    assert inj.values == {"seed": 5} and inj.declared == ("seed",)  # the cell before: 1st inj.
    top = papermill_injection(["# Parameters\nlang: str = 'en'\n", "broken ("])
    assert top.values == {"lang": "en"} and top.declared == ()
    assert papermill_injection(["", "# Parameters\nbroken (\n"]).values == {}


def test_papermill_injection_outside_a_kernel_is_none():
    assert papermill_injection() is None  # pytest is not an IPython kernel


def test_papermill_cli_refuses_a_misspelt_parameter(tmp_path):
    """Issue 9 item 10: `papermill ... -p sede 3` used to run with seed 0 and exit 0."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    papermill = Path(sys.executable).with_name("papermill")
    proc = subprocess.run(
        [str(papermill), str(root / "workbooks" / "00-getting-started.ipynb"),
         str(tmp_path / "o.ipynb"), "-p", "sede", "3", "-k", "python3", "--cwd", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "unknown parameter 'sede' = 3. Did you mean 'seed'?" in proc.stderr + proc.stdout


def test_missing_parameter():
    with pytest.raises(ParameterError, match=r"missing parameter.*'lang'"):
        validate({"size": "tiny"}, schema("size", "lang"))


def test_list_choices_and_length():
    s = {"sel": Param("list", choices=("a", "b"), min=1, max=2)}
    assert validate({"sel": "a,b"}, s) == {"sel": ["a", "b"]}
    with pytest.raises(ParameterError, match="'c' is not allowed"):
        validate({"sel": ["a", "c"]}, s)
    with pytest.raises(ParameterError, match="length sel"):
        validate({"sel": []}, s)


def test_choices_follow_the_owning_packages():
    assert COMMON["scenario"].allowed() == tuple(allowed_scenarios())
    assert COMMON["size"].allowed() == tuple(allowed_sizes())


def test_validate_returns_schema_order_and_all_common():
    params = {
        "interactive": "false",
        "lang": "en",
        "days": "2",
        "start": "2026-04-06",
        "seed": "1",
        "size": "tiny",
        "scenario": "normal-week",
    }
    out = validate(params, COMMON)
    assert list(out) == list(COMMON)
    assert out == {
        "scenario": "normal-week",
        "size": "tiny",
        "seed": 1,
        "start": dt.date(2026, 4, 6),
        "days": 2,
        "lang": "en",
        "interactive": False,
    }


def test_schema_helpers():
    assert list(schema()) == list(COMMON)
    s = schema("lang", sf=Param("int", choices=range(7, 13)))
    assert list(s) == ["lang", "sf"] and s["sf"].allowed() == (7, 8, 9, 10, 11, 12)
    with pytest.raises(KeyError, match="not common parameters"):
        schema("colour")
    with pytest.raises(ValueError, match="not one of"):
        Param("complex")


# --- papermill runs ----------------------------------------------------------------------

PARAMS_SRC = 'x: int = 1  # a number\nlang: str = "ja"  # language\n'
VALIDATE_SRC = (
    "from toyama_lab.reports.params import Param, schema, validate\n"
    'P = validate({"x": x, "lang": lang}, schema("lang", x=Param("int", min=0, max=5)))\n'
)


def _notebook(path, *cells, tagged=True):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    params = new_code_cell(PARAMS_SRC)
    if tagged:
        params.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# test"), params, new_code_cell(VALIDATE_SRC)]
    nb.cells += [new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def small_nb(tmp_path):
    return _notebook(
        tmp_path / "small.ipynb",
        "import os\nprint('cwd', os.getcwd())\nprint('x', P['x'] * 10)",
    )


def _stdout(path):
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_notebook_parameters(small_nb):
    p = notebook_parameters(small_nb)
    assert list(p) == ["x", "lang"]
    assert p["x"]["inferred_type_name"] == "int" and p["x"]["help"] == "a number"


def test_notebook_parameters_needs_the_tag(tmp_path):
    path = _notebook(tmp_path / "untagged.ipynb", tagged=False)
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        notebook_parameters(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        notebook_parameters(tmp_path / "missing.ipynb")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"x": "3"}, {"x": 3}),
        ({"lang": dt.date(2026, 4, 6)}, {"lang": "2026-04-06"}),
        ({"lang": dt.datetime(2026, 4, 6)}, {"lang": "2026-04-06"}),
        ({"lang": dt.datetime(2026, 4, 6, 9, 30)}, {"lang": "2026-04-06T09:30:00"}),
        ({}, {}),
    ],
)
def test_check_parameters_coerces_by_declared_type(small_nb, given, expected):
    assert check_parameters(small_nb, given) == expected


def test_check_parameters_fails_fast_on_unknown_names(small_nb):
    with pytest.raises(ParameterError, match=r"unknown parameter 'xx'.*Did you mean 'x'"):
        check_parameters(small_nb, {"xx": 2})
    with pytest.raises(ParameterError, match="'x' = 'abc'"):
        check_parameters(small_nb, {"x": "abc"})


def test_run_workbook_injects_parameters_and_runs_elsewhere(small_nb, tmp_path):
    out = run_workbook(small_nb, {"x": "4"}, tmp_path / "out", timeout=60)
    assert out == tmp_path / "out" / "small.ipynb"
    text = _stdout(out)
    assert "x 40" in text
    assert f"cwd {tmp_path / 'out'}" in text
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.kernelspec.name == KERNEL_NAME
    assert nb.metadata.papermill.parameters == {"x": 4}


def test_run_workbook_reports_the_notebook_error(small_nb, tmp_path):
    with pytest.raises(WorkbookError) as info:
        run_workbook(small_nb, {"x": 9}, tmp_path / "bad.ipynb", timeout=60)
    err = info.value
    assert err.ename == "ParameterError"
    assert "parameter 'x' = 9" in err.evalue and "x <= 5" in err.evalue
    assert "ParameterError" in str(err) and err.output.is_file()


def test_run_workbook_cell_timeout(tmp_path):
    path = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    with pytest.raises(WorkbookError, match="timeout=2"):
        run_workbook(path, {}, tmp_path / "slow-out.ipynb", timeout=2)


def test_run_grid_indexes_every_run(tmp_path):
    path = _notebook(tmp_path / "grid.ipynb", "assert P['x'] != 3, 'three is bad'")
    index = run_grid(path, {"x": [1, 3], "lang": ["en"]}, tmp_path / "runs", timeout=60)
    assert index.height == 2
    assert index["status"].to_list() == ["ok", "error"]
    assert index["params"][0] == '{"lang": "en", "x": 1}'
    bad = index.filter(pl.col("status") == "error")
    assert all("three is bad" in e for e in bad["error"])
    for name in index["output"]:
        assert (tmp_path / "runs" / name).is_file()
    on_disk = pl.read_csv(tmp_path / "runs" / "index.csv")
    assert on_disk["output"].to_list() == index["output"].to_list()
    md = (tmp_path / "runs" / "index.md").read_text(encoding="utf-8")
    assert md.count("| error") == 1 and "grid__x=1__lang=en.ipynb" in md


def test_run_grid_checks_every_combination_before_running(tmp_path):
    path = _notebook(tmp_path / "grid2.ipynb")
    with pytest.raises(ParameterError, match="unknown parameter 'y'"):
        run_grid(path, [{"x": 1}, {"y": 2}], tmp_path / "runs2")
    assert not list((tmp_path / "runs2").glob("*.ipynb"))
    with pytest.raises(ParameterError, match="must be a list"):
        run_grid(path, {"x": 1}, tmp_path / "runs3")


def test_run_grid_stop_on_error(tmp_path):
    path = _notebook(tmp_path / "grid4.ipynb")
    with pytest.raises(WorkbookError):
        run_grid(path, {"x": [7]}, tmp_path / "runs4", stop_on_error=True, timeout=60)


def test_parameter_kinds_agree_with_papermill_on_every_workbook(tmp_path):
    from pathlib import Path

    from toyama_lab.reports.run import parameter_kinds

    root = Path(__file__).resolve().parents[1] / "workbooks"
    for path in sorted(root.rglob("*.ipynb")):
        by_papermill = {n: p["inferred_type_name"] for n, p in notebook_parameters(path).items()}
        assert parameter_kinds(path) == by_papermill, path
    odd = _notebook(tmp_path / "odd.ipynb")  # an unannotated line: papermill reads the cell
    nb = nbformat.read(odd, as_version=4)
    nb.cells[1].source += "y = 2\n"
    nbformat.write(nb, odd)
    assert parameter_kinds(odd) == {"x": "int", "lang": "str", "y": "None"}
    with pytest.raises(FileNotFoundError):
        parameter_kinds(tmp_path / "missing.ipynb")
