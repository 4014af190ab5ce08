"""Unattended workbook runs through papermill, one at a time or over a parameter grid.

Every run names the kernel (``python3``), sets a per-cell execution timeout and
a kernel start timeout (papermill's own default is no timeout), runs in a working
directory away from the repository (so that a notebook that reads ``../data``
fails here rather than in the book), and checks parameter *names* and declared
types before a kernel starts: papermill alone only warns about an unknown name.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from toyama_lab._atomic import write_text_atomic
from toyama_lab.reports.params import KINDS, Param, ParameterError, coerce, unknown_parameter

__all__ = [
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "WorkbookError",
    "check_parameters",
    "notebook_parameters",
    "parameter_kinds",
    "run_grid",
    "run_workbook",
]

#: The kernel every run uses (installed by ``make`` / ``ipykernel install --name python3``).
KERNEL_NAME = "python3"
#: Default limit for one cell. [s]
DEFAULT_TIMEOUT = 600
#: Default limit for the kernel to start. [s]
DEFAULT_START_TIMEOUT = 60


class WorkbookError(RuntimeError):
    """A workbook run failed: an error in a cell, a timeout or a dead kernel.

    Attributes
    ----------
    path : pathlib.Path
        The workbook.
    output : pathlib.Path or None
        The executed notebook, with the traceback in the failing cell, if written.
    ename, evalue : str
        Exception name and message raised in the notebook (empty for other failures).
    """

    def __init__(self, message: str, *, path, output=None, ename: str = "", evalue: str = ""):
        super().__init__(message)
        self.path = Path(path)
        self.output = Path(output) if output is not None else None
        self.ename = ename
        self.evalue = evalue


def notebook_parameters(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """The parameters declared in a workbook's ``parameters`` cell.

    Parameters
    ----------
    path : path-like
        The notebook.

    Returns
    -------
    dict
        ``name -> {"name", "inferred_type_name", "default", "help"}`` as papermill
        reads them (``default`` is the literal's source text).

    Raises
    ------
    FileNotFoundError
        If the notebook does not exist.
    ValueError
        If the notebook has no cell tagged ``parameters``.
    """
    import nbformat
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"workbook {str(path)!r} does not exist; check the path.")
    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        raise ValueError(
            f"workbook {str(path)!r} has no cell tagged 'parameters'; tag the cell that "
            "holds the parameter literals (View > Cell toolbar > Tags in JupyterLab)."
        )
    # papermill's reader adds the metadata it expects; the language is given explicitly
    # because every workbook is Python (a kernelspec without "language" is common).
    node = load_notebook_node(str(path))
    return {p.name: dict(p._asdict()) for p in _infer_parameters(node, language="python")}


def _annotated_kinds(source: str) -> dict[str, str] | None:
    """``name -> annotation`` of a parameters cell of annotated literals, else None."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    kinds = {}
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            return None  # not the convention: let papermill read it
        kinds[node.target.id] = (
            node.annotation.id if isinstance(node.annotation, ast.Name) else "None"
        )
    return kinds


def parameter_kinds(path: str | os.PathLike) -> dict[str, str]:
    """Declared type name of each parameter (``"int"``, ``"str"``...; ``"None"`` if none).

    The same names and types as :func:`notebook_parameters` (papermill's reading),
    read with :mod:`ast` when the ``parameters`` cell follows the convention
    ``name: type = literal  # help`` on every line, which spares importing papermill
    and nbformat (about 3 s) in a job's checks; any other cell is read by papermill.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`notebook_parameters`.
    """
    import json

    path = Path(path)
    if path.is_file():
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (ValueError, UnicodeDecodeError):
            cells = []
        for cell in cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                kinds = _annotated_kinds("".join(cell.get("source", "")))
                if kinds is not None:
                    return kinds
                break
    return {n: p["inferred_type_name"] for n, p in notebook_parameters(path).items()}


def check_parameters(
    path: str | os.PathLike, params: Mapping[str, object] | None
) -> dict[str, object]:
    """Check names against the notebook's parameters cell and coerce by declared type.

    Values given as strings (a command line, a CSV grid) or as YAML dates are
    turned into the type annotated in the parameters cell (``seed: int = 0``
    makes ``"3"`` the int 3; a ``datetime.date`` for ``start: str`` becomes
    ``"2026-04-06"``). The notebook's own validation cell then checks the values.

    Returns
    -------
    dict
        The coerced parameters.

    Raises
    ------
    ParameterError
        For a name the notebook does not declare (with the closest names), or a
        value that cannot be read as the declared type.
    """
    declared = parameter_kinds(path)
    out: dict[str, object] = {}
    for name, value in (params or {}).items():
        if name not in declared:
            raise unknown_parameter(name, value, declared, where=f"Workbook {Path(path).name}")
        kind = declared[name]
        if isinstance(value, dt.date) and kind == "str":  # YAML dates and timestamps
            midnight = isinstance(value, dt.datetime) and value.time() == dt.time()
            value = value.date().isoformat() if midnight else value.isoformat()
        if kind in KINDS and kind != "date":
            value = coerce(name, value, Param(kind, nullable=True))
        out[name] = value
    return out


def _output_path(path: Path, out: str | os.PathLike | None) -> Path:
    if out is None:
        folder = Path(tempfile.mkdtemp(prefix="toyama-lab-run-"))
        return folder / path.name
    out = Path(out)
    if out.suffix != ".ipynb":
        out.mkdir(parents=True, exist_ok=True)
        return out / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def run_workbook(
    path: str | os.PathLike,
    params: Mapping[str, object] | None = None,
    out: str | os.PathLike | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    start_timeout: float = DEFAULT_START_TIMEOUT,
    cwd: str | os.PathLike | None = None,
    log_output: bool = False,
) -> Path:
    """Execute one workbook with parameters through papermill.

    Parameters
    ----------
    path : path-like
        The workbook (``.ipynb``).
    params : mapping, optional
        Parameter values; names must be declared in the ``parameters`` cell.
    out : path-like, optional
        Output notebook (``.ipynb``) or a folder for it; default: a new temporary folder.
    timeout : float
        Limit for each cell. [s]
    start_timeout : float
        Limit for the kernel to start. [s]
    cwd : path-like, optional
        Working directory of the kernel; default: the output folder (not the
        workbook's folder, so that relative data paths fail loudly).
    log_output : bool
        Echo cell outputs to the log.

    Returns
    -------
    pathlib.Path
        The executed notebook.

    Raises
    ------
    ParameterError
        Before any kernel starts, for an unknown parameter name or an unreadable value.
    WorkbookError
        If a cell raised (``ename``/``evalue`` carry the notebook's exception, e.g. a
        ``ParameterError`` from the validation cell), a cell timed out or the kernel died.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    path = Path(path)
    coerced = check_parameters(path, params)
    output = _output_path(path, out)
    workdir = Path(cwd) if cwd is not None else output.parent
    try:
        papermill.execute_notebook(
            str(path),
            str(output),
            parameters=coerced,
            kernel_name=KERNEL_NAME,
            language="python",
            execution_timeout=timeout,
            start_timeout=start_timeout,
            cwd=str(workdir),
            progress_bar=False,
            log_output=log_output,
        )
    except PapermillExecutionError as exc:
        raise WorkbookError(
            f"workbook {path.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
            f"The executed notebook with the full traceback is {output}.",
            path=path,
            output=output,
            ename=exc.ename,
            evalue=exc.evalue,
        ) from exc
    except CellTimeoutError as exc:
        raise WorkbookError(
            f"workbook {path.name}: a cell ran longer than timeout={timeout} s; make the "
            "workbook lighter (smaller size/days) or pass a larger timeout.",
            path=path,
            output=output,
        ) from exc
    except DeadKernelError as exc:
        raise WorkbookError(
            f"workbook {path.name}: the kernel died (often: out of memory); try a smaller "
            "size or fewer days.",
            path=path,
            output=output,
        ) from exc
    return output


def _combinations(
    grid: Mapping[str, Sequence] | Sequence[Mapping[str, object]],
) -> list[dict[str, object]]:
    if isinstance(grid, Mapping):
        for name, values in grid.items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise ParameterError(
                    f"grid value for {name!r} must be a list of values, got {values!r}; "
                    f"e.g. {{{name!r}: [{values!r}]}}."
                )
        names = list(grid)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]
    return [dict(p) for p in grid]


def _slug(params: Mapping[str, object]) -> str:
    parts = [f"{k}={v}" for k, v in params.items()]
    return re.sub(r"[^A-Za-z0-9=._-]+", "-", "__".join(parts)) or "defaults"


def run_grid(
    path: str | os.PathLike,
    grid: Mapping[str, Sequence] | Sequence[Mapping[str, object]],
    out_dir: str | os.PathLike,
    *,
    base: Mapping[str, object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    stop_on_error: bool = False,
) -> pl.DataFrame:
    """Run a workbook for every combination of a parameter grid and index the results.

    Parameters
    ----------
    path : path-like
        The workbook.
    grid : mapping of name to list, or list of mappings
        ``{"seed": [0, 1], "lang": ["ja", "en"]}`` runs the 4 combinations; a list of
        dicts runs exactly those parameter sets.
    out_dir : path-like
        Folder for the executed notebooks and the index (created if missing).
    base : mapping, optional
        Parameters common to every run (the grid overrides them).
    timeout : float
        Limit for each cell. [s]
    stop_on_error : bool
        Raise on the first failing run instead of recording it and going on.

    Returns
    -------
    polars.DataFrame
        One row per run: ``run`` (0..), ``params`` (JSON text), ``output`` (path of the
        executed notebook, relative to ``out_dir``), ``status`` (``ok``/``error``),
        ``error`` (message or null), ``seconds`` (wall time). Also written to
        ``out_dir/index.csv`` and as a table to ``out_dir/index.md``.

    Raises
    ------
    ParameterError
        Before anything runs, if any combination has an unknown name or bad value type.
    WorkbookError
        Only with ``stop_on_error=True``.
    """
    import json

    path = Path(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = [{**(base or {}), **combo} for combo in _combinations(grid)]
    for params in runs:  # fail fast: every name and type before the first kernel
        check_parameters(path, params)
    rows = []
    for i, params in enumerate(runs):
        output = out_dir / f"{path.stem}__{_slug(params)}.ipynb"
        t0 = time.perf_counter()
        status, error = "ok", None
        try:
            run_workbook(path, params, output, timeout=timeout)
        except WorkbookError as exc:
            if stop_on_error:
                raise
            status, error = "error", f"{exc.ename}: {exc.evalue}" if exc.ename else str(exc)
        rows.append(
            {
                "run": i,
                "params": json.dumps(params, ensure_ascii=False, default=str, sort_keys=True),
                "output": output.name,
                "status": status,
                "error": error,
                "seconds": round(time.perf_counter() - t0, 3),
            }
        )
    index = pl.DataFrame(
        rows,
        schema={
            "run": pl.Int64,
            "params": pl.String,
            "output": pl.String,
            "status": pl.String,
            "error": pl.String,
            "seconds": pl.Float64,
        },
    )
    write_text_atomic(out_dir / "index.csv", index.write_csv())
    lines = [
        f"# {path.name}: {len(rows)} runs",
        "",
        "| run | parameters | notebook | status | seconds |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {r['run']} | `{r['params']}` | [{r['output']}]({r['output']}) | "
        f"{r['status']}{': ' + r['error'].splitlines()[0] if r['error'] else ''} | {r['seconds']} |"
        for r in rows
    ]
    write_text_atomic(out_dir / "index.md", "\n".join(lines) + "\n")
    return index
