"""Report jobs: a TOML file (or a one-off command line) turned into checked runs.

A job names workbooks, each with a parameter grid (a product of lists, or an explicit
list of parameter sets) and shared parameters, the output folder, workers, time limits
and retries. :func:`load_job` checks *everything* before anything runs -- every
workbook exists, every parameter name is declared in its ``parameters`` cell, every
value passes the workbook's own validation cell -- and raises one :class:`JobError`
listing every problem with its file and line. Nothing is written by this module.

The job file
------------
::

    out = "../runs/monthly-2025"   # relative to the job file
    workers = 2                    # default: the machine's cores
    retries = 2                    # kernel-start retries (with back-off)
    cell_timeout = 600             # [s] per cell
    run_timeout = 1800             # [s] per run
    # dask = "tcp://scheduler:8786"   run on a dask.distributed cluster
    params = { size = "tiny" }     # shared by every workbook

    [[workbook]]
    path = "../workbooks/reports/monthly-kpi.ipynb"
    pdf = true                     # also an A4 PDF per run
    params = { lang = "ja" }
    grid = { month = ["2025-01", "2025-02"], seed = [0, 1] }   # product: 4 runs
    # runs = [{ month = "2025-01" }, { month = "2025-02", seed = 1 }]   # or exactly these

A workbook entry may also set ``kernel`` (default ``python3``), ``cell_timeout``,
``run_timeout`` and ``name`` (prefix of its output files; default the file's stem).
Parameters merge as job ``params`` < workbook ``params`` < grid / runs.

Checking values
---------------
A workbook's schema lives in its validation cell (``validate({...}, SCHEMA)``), so
:func:`preflight` runs the ``parameters`` cell, the run's values and the validation
cell in this process -- a few imports and :func:`toyama_lab.reports.params.validate`,
no kernel -- and turns a :class:`~toyama_lab.reports.params.ParameterError` into a
problem of the job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import io
import itertools
import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from toyama_lab.reports.params import ParameterError
from toyama_lab.reports.run import (
    DEFAULT_START_TIMEOUT,
    DEFAULT_TIMEOUT,
    KERNEL_NAME,
    check_parameters,
)

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_RUN_TIMEOUT",
    "Job",
    "JobError",
    "RunSpec",
    "job_from_args",
    "load_job",
    "preflight",
    "run_key",
    "workbook_fingerprint",
]

#: Kernel-start attempts after the first one (papermill alone has none).
DEFAULT_RETRIES = 2
#: Default limit for one whole run. [s]
DEFAULT_RUN_TIMEOUT = 3600

_JOB_KEYS = (
    "out",
    "workers",
    "retries",
    "cell_timeout",
    "run_timeout",
    "start_timeout",
    "dask",
    "kernel",
    "params",
    "workbook",
)
_WORKBOOK_KEYS = (
    "path",
    "name",
    "params",
    "grid",
    "runs",
    "pdf",
    "kernel",
    "cell_timeout",
    "run_timeout",
)


class JobError(ValueError):
    """A job is not valid; :attr:`problems` lists every problem, each with file and line."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"the job has {n} problem{'s' if n != 1 else ''}; nothing was run or written:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))


@dataclass(frozen=True)
class RunSpec:
    """One run of a job: a workbook, its parameters and where its outputs go.

    Attributes
    ----------
    name : str
        Unique file stem of the run's outputs (``<name>.ipynb``, ``.html``, ``.pdf``).
    workbook : pathlib.Path
        The workbook (absolute).
    params : dict
        Parameters, coerced to the types declared in the ``parameters`` cell
        (JSON-ready: dates as ``YYYY-MM-DD``).
    key : str
        SHA-256 of the workbook's cells, the parameters, the package version and the
        dataset code fingerprint (:func:`run_key`): a run with the same key is not redone.
    out : pathlib.Path
        The job's output folder.
    kernel : str
        Jupyter kernel name.
    cell_timeout, run_timeout, start_timeout : float
        Limits for one cell, the whole run and the kernel start. [s]
    retries : int
        Kernel-start retries.
    pdf : bool
        Also print the run as an A4 PDF.
    """

    name: str
    workbook: Path
    params: dict
    key: str
    out: Path
    kernel: str = KERNEL_NAME
    cell_timeout: float = DEFAULT_TIMEOUT
    run_timeout: float = DEFAULT_RUN_TIMEOUT
    start_timeout: float = DEFAULT_START_TIMEOUT
    retries: int = DEFAULT_RETRIES
    pdf: bool = False


@dataclass(frozen=True)
class Job:
    """A checked job: its runs and how to run them.

    Attributes
    ----------
    source : str
        The job file, or ``"command line"``.
    out : pathlib.Path
        Output folder.
    runs : tuple of RunSpec
        Every run, in job order.
    workers : int
        Parallel runs.
    dask : str or None
        Address of a dask.distributed scheduler to run on instead of local processes.
    """

    source: str
    out: Path
    runs: tuple[RunSpec, ...]
    workers: int
    dask: str | None = None


# --- locating keys in the TOML text ---------------------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")


def _key_lines(text: str) -> dict[tuple, int]:
    """Line (1-based) of every table header and ``key =`` line, by its path.

    ``[[workbook]]`` headers count up (``("workbook", 0)``, ``("workbook", 1)``...);
    keys inside inline tables or arrays are not listed (their parent's line is used).
    """
    lines: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    depth = 0  # open brackets/braces of a multi-line value
    for number, line in enumerate(text.splitlines(), start=1):
        code = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", '""', line).split("#", 1)[0]
        if depth == 0:
            header = _HEADER.match(line)
            if header:
                parts = tuple(p.strip().strip('"') for p in header[2].split("."))
                if header[1] == "[[":
                    prefix = _resolve(parts[:-1], counts)
                    base = (*prefix, parts[-1])
                    counts[base] = counts.get(base, -1) + 1
                    table = (*base, counts[base])
                else:
                    table = _resolve(parts, counts)
                lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                lines.setdefault((*table, key[1].strip('"')), number)
        depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
        depth = max(depth, 0)
    return lines


def _resolve(parts: tuple, counts: dict[tuple, int]) -> tuple:
    out: tuple = ()
    for part in parts:
        out = (*out, part)
        if out in counts:  # inside the last [[array]] element
            out = (*out, counts[out])
    return out


class _Problems:
    def __init__(self, source: str, text: str | None):
        self.source = source
        self.lines = _key_lines(text) if text is not None else {}
        self.items: list[str] = []
        self.seen: set = set()

    def add(self, path: tuple, message: str, *, once=None) -> None:
        """Add a problem at the line of ``path`` (or its nearest parent); ``once``: a key
        under which only the first problem is kept (one line per bad value, not per run)."""
        if once is not None:
            if once in self.seen:
                return
            self.seen.add(once)
        line = None
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                line = self.lines[path[:n]]
                break
        where = f"{self.source}:{line}" if line is not None else self.source
        self.items.append(f"{where}: {message}")


# --- fingerprints and keys --------------------------------------------------------------------


def workbook_fingerprint(path: str | os.PathLike) -> str:
    """SHA-256 of a workbook's cell types and sources (outputs and metadata left out).

    Saving the notebook with outputs, or a new execution count, keeps the fingerprint;
    any change to a cell's text changes it.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = [[c.get("cell_type"), "".join(c.get("source", ""))] for c in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def run_key(workbook_sha256: str, params: Mapping, version: str, dataset_sha256: str) -> str:
    """The key of a run: it is redone only when this changes (or with ``--force``).

    Parameters
    ----------
    workbook_sha256 : str
        :func:`workbook_fingerprint` of the workbook.
    params : mapping
        The run's parameters (JSON-ready).
    version : str
        ``toyama_lab.__version__``.
    dataset_sha256 : str
        :func:`toyama_lab.datasets.build.source_fingerprint`: the code that decides a
        dataset's content (the parameters decide the rest).

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> run_key("a" * 64, {"seed": 0}, "1.0", "b" * 64)[:12]
    '9b47bb4c7805'
    """
    blob = json.dumps(
        {"workbook": workbook_sha256, "params": dict(params), "version": version,
         "dataset": dataset_sha256},
        sort_keys=True, ensure_ascii=False, default=str,
    )  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()


# --- checking one workbook's runs ---------------------------------------------------------------


def _cells(path: Path) -> tuple[str, str]:
    """Sources of the ``parameters`` cell and the cell after it (the validation cell)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    for i, cell in enumerate(cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            after = cells[i + 1] if i + 1 < len(cells) else {"source": ""}
            return "".join(cell.get("source", "")), "".join(after.get("source", ""))
    raise ValueError(f"workbook {str(path)!r} has no cell tagged 'parameters'.")


def preflight(path: str | os.PathLike, params: Mapping[str, object]) -> None:
    """Run a workbook's parameters cell, ``params`` and its validation cell here.

    Parameters
    ----------
    path : path-like
        The workbook.
    params : mapping
        The run's parameters (after :func:`~toyama_lab.reports.run.check_parameters`).

    Raises
    ------
    ParameterError
        As the workbook's validation cell would raise it in the kernel.
    """
    from toyama_lab.reports.params import ParameterError as _PE

    parameters, validation = _cells(Path(path))
    if "validate(" not in validation:
        return  # a workbook without a validation cell: names and types were checked
    namespace: dict[str, object] = {"__name__": "__preflight__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(parameters, f"{path}:parameters", "exec"), namespace)
        namespace.update(params)
        try:
            exec(compile(validation, f"{path}:validation", "exec"), namespace)
        except _PE:
            raise
        except Exception as exc:
            raise ParameterError(
                f"the validation cell of {Path(path).name} failed here with "
                f"{type(exc).__name__}: {exc}"
            ) from exc


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def _run_problems(path: Path, params: Mapping) -> list[tuple[str | None, str]]:
    """Every problem of one run's parameters: ``(parameter or None, message)``.

    Each parameter is checked on its own (name, declared type, then the workbook's
    validation cell with the other parameters at their defaults), so that one bad
    value does not hide the next; then all of them together.
    """
    found: list[tuple[str | None, str]] = []
    good = {}
    for name, value in params.items():
        try:
            one = _plain(check_parameters(path, {name: value}))
            preflight(path, one)
            good.update(one)
        except (ParameterError, ValueError) as exc:
            found.append((name, _first_line(exc)))
    if not found:
        try:
            preflight(path, good)
        except ParameterError as exc:
            found.append((None, _first_line(exc)))
    return found


def _product(grid: Mapping, problems: _Problems, at: tuple) -> list[dict]:
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            problems.add(
                (*at, name),
                f"grid value of {name!r} must be a non-empty list, e.g. {name} = [{values!r}]",
            )
            return []
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _plain(params: Mapping) -> dict:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}


def _slug(stem: str, params: Mapping) -> str:
    parts = [f"{k}={v}" for k, v in params.items()]
    return re.sub(r"[^A-Za-z0-9=._-]+", "-", "__".join([stem, *parts]))


def _number(value, name: str, problems: _Problems, at: tuple, *, integer=False, low=0):
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if not ok or isinstance(value, bool) or value < low:
        what = "a whole number" if integer else "a number"
        problems.add(at, f"{name} = {value!r} must be {what} >= {low}")
        return None
    return value


def _check_keys(table: Mapping, allowed: Sequence[str], problems: _Problems, at: tuple, what: str):
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.add(
                (*at, key), f"unknown {what} key {key!r}.{hint} Allowed: {', '.join(allowed)}"
            )


def _workbook_runs(
    entry: Mapping, i: int, job: Mapping, base_dir: Path, out: Path, problems: _Problems,
    software: tuple[str, str],
) -> list[RunSpec]:  # fmt: skip
    at = ("workbook", i)
    _check_keys(entry, _WORKBOOK_KEYS, problems, at, "workbook")
    raw = entry.get("path")
    if not isinstance(raw, str) or not raw:
        problems.add(at, f'workbook {i + 1} needs path = "WORKBOOK.ipynb"')
        return []
    path = (base_dir / raw).resolve()
    label = f"workbook {i + 1} ({raw})"
    if not path.is_file():
        problems.add((*at, "path"), f"{label}: no such file {str(path)!r}")
        return []
    shared = {**job.get("params", {}), **entry.get("params", {})}
    if "grid" in entry and "runs" in entry:
        problems.add((*at, "runs"), f"{label}: give grid or runs, not both")
        return []
    if isinstance(entry.get("grid"), Mapping):
        combos = _product(entry["grid"], problems, (*at, "grid"))
        where = "grid"
    elif "grid" in entry:
        problems.add((*at, "grid"), f"{label}: grid must be a table of lists")
        return []
    elif "runs" in entry:
        runs = entry["runs"]
        if not isinstance(runs, list) or not all(isinstance(r, Mapping) for r in runs):
            problems.add((*at, "runs"), f"{label}: runs must be a list of tables")
            return []
        combos, where = [dict(r) for r in runs], "runs"
    else:
        combos, where = [{}], "params"
    settings = {}
    for key in ("cell_timeout", "run_timeout"):
        value = entry.get(key, job.get(key))
        if value is not None:
            settings[key] = _number(value, key, problems, (*at, key), low=1)
    if job.get("start_timeout") is not None:
        settings["start_timeout"] = _number(job["start_timeout"], "start_timeout", problems,
                                            ("start_timeout",), low=1)  # fmt: skip
    if job.get("retries") is not None:
        settings["retries"] = _number(job["retries"], "retries", problems, ("retries",),
                                      integer=True)  # fmt: skip
    kernel = entry.get("kernel", job.get("kernel", KERNEL_NAME))
    known = _installed_kernels()
    if kernel not in known:
        where_kernel = (*at, "kernel") if "kernel" in entry else ("kernel",)
        problems.add(where_kernel, f"{label}: kernel {kernel!r} is not installed; installed: "
                                   f"{', '.join(sorted(known))} (jupyter kernelspec list)",
                     once=("kernel", kernel))  # fmt: skip
    pdf = entry.get("pdf", False)
    if not isinstance(pdf, bool):
        problems.add((*at, "pdf"), f"{label}: pdf = {pdf!r} must be true or false")
    settings = {k: v for k, v in settings.items() if v is not None}
    stem = entry.get("name", path.stem)
    workbook_sha = workbook_fingerprint(path)
    out_runs = []
    for combo in combos:
        params = {**shared, **combo}
        found = _run_problems(path, params)
        for bad, text in found:
            if bad is None:
                place = (*at, where)
            elif bad in combo:
                place = (*at, where, bad)
            elif bad in entry.get("params", {}):
                place = (*at, "params", bad)
            else:
                place = ("params", bad)
            problems.add(place, f"{label}: {text}", once=(place, bad))
        if found:
            continue
        coerced = _plain(check_parameters(path, params))
        key = run_key(workbook_sha, coerced, *software)
        out_runs.append(
            RunSpec(
                name=_slug(str(stem), _plain(combo)),
                workbook=path,
                params=coerced,
                key=key,
                out=out,
                kernel=str(kernel),
                pdf=bool(pdf),
                **settings,
            )
        )
    return out_runs


def _software() -> tuple[str, str]:
    """The package version and the fingerprint of the code that makes datasets."""
    from toyama_lab import __version__
    from toyama_lab.datasets.build import source_fingerprint

    return __version__, source_fingerprint()


def _installed_kernels() -> set[str]:
    from jupyter_client.kernelspec import KernelSpecManager

    return set(KernelSpecManager().find_kernel_specs())


def _finish(source: str, out: Path, runs: list[RunSpec], workers, dask, problems: _Problems):
    names = [r.name for r in runs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.add(("workbook",), f"two runs would write {name}.ipynb: give the workbook "
                                    "entries different name = \"...\" or parameters")  # fmt: skip
    if workers is None:
        workers = os.cpu_count() or 1
    elif _number(workers, "workers", problems, ("workers",), integer=True, low=1) is None:
        workers = 1
    if dask is not None and not (isinstance(dask, str) and re.match(r"^[a-z]+://\S+$", dask)):
        problems.add(("dask",), f"dask = {dask!r} must be a scheduler address like "
                                "\"tcp://10.0.0.5:8786\"")  # fmt: skip
    if problems.items:
        raise JobError(problems.items)
    return Job(source=source, out=out, runs=tuple(runs), workers=int(workers), dask=dask)


def load_job(path: str | os.PathLike, *, dask: str | None = None) -> Job:
    """Read and check a job file; nothing is run or written.

    Parameters
    ----------
    path : path-like
        The TOML job file (format in the module docstring).
    dask : str, optional
        A scheduler address that overrides the file's ``dask``.

    Returns
    -------
    Job

    Raises
    ------
    JobError
        With every problem (unknown key, workbook or parameter, a value that fails the
        workbook's validation, broken TOML...), each as ``FILE:LINE: message``.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise JobError([f"{source}: no such job file"])
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise JobError([f"{source}:{line[1] if line else '?'}: broken TOML: {exc}"]) from None
    problems = _Problems(source, text)
    _check_keys(data, _JOB_KEYS, problems, (), "job")
    if not isinstance(data.get("out"), str) or not data.get("out"):
        problems.add(("out",), 'the job needs out = "FOLDER" (relative to the job file)')
    out = (path.parent / str(data.get("out", ""))).resolve()
    if not isinstance(data.get("params", {}), Mapping):
        problems.add(("params",), 'params must be a table, e.g. params = { size = "tiny" }')
        data["params"] = {}
    entries = data.get("workbook", [])
    if not isinstance(entries, list) or not entries:
        problems.add(("workbook",), "the job needs at least one [[workbook]] with a path")
        entries = []
    software = _software()
    runs: list[RunSpec] = []
    for i, entry in enumerate(entries):
        runs += _workbook_runs(entry, i, data, path.parent, out, problems, software)
    return _finish(source, out, runs, data.get("workers"), dask or data.get("dask"), problems)


def _value(text: str):
    """A command-line value as TOML would read it (``3`` -> 3, ``true`` -> True), else text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def job_from_args(
    workbook: str | os.PathLike,
    params: Sequence[tuple[str, str]],
    grid: Sequence[str],
    out: str | os.PathLike,
    *,
    workers: int | None = None,
    dask: str | None = None,
    cell_timeout: float | None = None,
    run_timeout: float | None = None,
    retries: int | None = None,
    pdf: bool = False,
) -> Job:
    """A one-off job from ``report run WORKBOOK -p NAME VALUE --grid NAME=V1,V2 --out DIR``.

    Values are read as TOML literals when they are (``3``, ``true``, ``1.5``), else
    as text; the workbook's declared types then coerce them.

    Raises
    ------
    JobError
        As :func:`load_job`, with ``command line`` as the place.
    """
    problems = _Problems("command line", None)
    table: dict[str, list] = {}
    for item in grid:
        name, sep, values = item.partition("=")
        if not sep or not name.strip():
            problems.add((), f"--grid {item!r} must be NAME=V1,V2,... e.g. --grid seed=0,1")
            continue
        table[name.strip()] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    entry: dict[str, object] = {"path": str(Path(workbook).resolve())}
    entry["params"] = {name: _value(value) for name, value in params}
    if table:
        entry["grid"] = table
    entry["pdf"] = pdf
    job = {"cell_timeout": cell_timeout, "run_timeout": run_timeout, "retries": retries}
    job = {k: v for k, v in job.items() if v is not None}
    runs = _workbook_runs(entry, 0, job, Path.cwd(), Path(out).resolve(), problems, _software())
    return _finish("command line", Path(out).resolve(), runs, workers, dask, problems)
