"""Execute the workbooks for the book: one kernel each, in parallel, cached.

Each workbook runs in its own Python process (``python -m toyama_lab.book.execute``,
which calls :func:`toyama_lab.reports.run_workbook`: papermill, kernel ``python3``)
with a time limit for the whole workbook; on time-out the process group is killed.
A thread pool keeps :attr:`~toyama_lab.book.config.BookConfig.n_workers` of them
running. A run that failed because its kernel did not start (the papermill
start-up races of parallel runs) is retried once.

The executed copies are tagged for the book (:func:`toyama_lab.book.tags.tag_for_book`)
and written atomically next to an ``index.json`` that records, per workbook, its cache
key (:func:`toyama_lab.book.fingerprint.notebook_key`), the dataset folders it opened
and its wall time. A workbook whose key is unchanged is not run again.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toyama_lab._atomic import write_text_atomic
from toyama_lab.book.assets import kernel_environment
from toyama_lab.book.fingerprint import notebook_key, package_fingerprint
from toyama_lab.book.tags import tag_for_book

__all__ = [
    "ExecutionError",
    "Job",
    "Outcome",
    "execute_all",
    "failing_cell",
    "plan_jobs",
    "prebuild_datasets",
]

#: Messages of a kernel that did not start (worth one retry).
_START_FAILURES = ("Kernel didn't respond", "ZMQError", "Address already in use")


class ExecutionError(RuntimeError):
    """One or more workbooks failed; the message names each notebook and cell."""

    def __init__(self, failures: Sequence[Outcome]):
        self.failures = list(failures)
        lines = [f"{len(self.failures)} workbook(s) failed:"]
        lines += [f"- {o.job.name}: {o.message}" for o in self.failures]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Job:
    """One workbook to execute.

    Attributes
    ----------
    name : str
        Relative name under ``workbooks/`` without ``.ipynb``.
    source : Path
        The workbook.
    params : dict
        Parameters passed to papermill.
    output : Path
        The executed, tagged copy.
    """

    name: str
    source: Path
    params: dict[str, Any]
    output: Path


@dataclass
class Outcome:
    """What happened to one job: ``status`` is ``cached``, ``ok`` or ``error``."""

    job: Job
    status: str
    seconds: float = 0.0
    message: str = ""
    datasets: list[dict[str, Any]] = field(default_factory=list)


def plan_jobs(config: Any, lang: str, out_dir: str | os.PathLike[str]) -> list[Job]:
    """The jobs of a build: every configured workbook with its parameters and ``lang``.

    Raises
    ------
    toyama_lab.book.config.ConfigError
        For an override the workbook does not declare.
    """
    from toyama_lab.reports.run import notebook_parameters

    base = Path(config.root) / "workbooks"
    jobs = []
    for path in config.workbooks():
        name = path.relative_to(base).with_suffix("").as_posix()
        declared = set(notebook_parameters(path))
        params = config.overrides(name, declared)
        if "lang" in declared:
            params["lang"] = lang
        jobs.append(Job(name, path, params, Path(out_dir) / f"{name}.ipynb"))
    return jobs


def _defaults(job: Job) -> dict[str, Any]:
    from toyama_lab.reports.run import notebook_parameters

    out = {}
    for name, p in notebook_parameters(job.source).items():
        try:
            out[name] = ast.literal_eval(p["default"])
        except (ValueError, SyntaxError):
            continue
    return out | job.params


def _dataset_wanted(job: Job) -> dict[str, Any] | None:
    """The dataset a workbook will open, when its parameters name all of it.

    A workbook whose ``scenario`` is not a dataset scenario (the 行政DX workbooks
    take attendance scenarios such as ``budget-season``) opens no dataset.
    """
    from toyama_lab.datasets.params import resolve_params
    from toyama_lab.store import DatasetError

    values = _defaults(job)
    keys = ("scenario", "size", "seed", "start", "days")
    if not all(k in values for k in keys):
        return None
    guess = {k: values[k] or None for k in keys} | {"seed": values["seed"]}
    try:
        resolve_params(
            guess["scenario"], guess["size"], guess["seed"], guess["start"], guess["days"]
        )
    except DatasetError:
        return None
    return guess


def prebuild_datasets(
    jobs: Sequence[Job], index: dict[str, Any], progress: Callable[[str], None] = print
) -> list[str]:
    """Build, before the kernels start, the datasets the workbooks will open.

    Taken from what each workbook opened the last time (``index``) and, for a
    workbook never run, from its ``scenario/size/seed/start/days`` parameters. A
    dataset already built by this code is only opened.

    Returns
    -------
    list of str
        The dataset folders, in build order.
    """
    from toyama_lab.datasets import load

    wanted: dict[str, dict[str, Any]] = {}
    for job in jobs:
        recorded = index.get(job.name, {}).get("datasets")
        if recorded:
            for d in recorded:
                params = dict(d["parameters"])
                wanted[json.dumps([params, d["network"]], sort_keys=True)] = {
                    **params,
                    "network": d["network"],
                }
        else:
            guess = _dataset_wanted(job)
            if guess is not None:
                wanted[json.dumps([guess, False], sort_keys=True)] = {**guess, "network": False}
    folders = []
    for i, params in enumerate(wanted.values(), 1):
        t0 = time.perf_counter()
        ds = load(
            params["scenario"],
            size=params["size"],
            seed=params["seed"],
            start=params.get("start"),
            days=params.get("days"),
            network=params["network"],
        )
        folders.append(str(ds.path))
        progress(
            f"book: dataset {i}/{len(wanted)} {ds.path.name} ready "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    return folders


def failing_cell(notebook: str | os.PathLike[str]) -> str:
    """Where an executed notebook failed: ``cell N (id ...): first line -> Error: message``."""
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return "no executed notebook was written"
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = (cell.source.strip().splitlines() or [""])[0][:80]
                return (
                    f"cell {i} (id {cell.get('id', '?')}): {first!r} -> "
                    f"{out.get('ename')}: {out.get('evalue')}"
                )
    return "no cell holds an error (the kernel died or timed out)"


def _read_records(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    seen = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            seen[record["path"]] = record
    return sorted(seen.values(), key=lambda r: r["path"])


def _run_process(job: Job, timeout: float, ipython_dir: Path, tmp: Path) -> tuple[int, str]:
    record = tmp / f"{job.name.replace('/', '__')}.datasets.jsonl"
    record.unlink(missing_ok=True)
    raw = tmp / f"{job.name.replace('/', '__')}.ipynb"
    cmd = [
        sys.executable,
        "-m",
        "toyama_lab.book.execute",
        str(job.source),
        str(raw),
        json.dumps(job.params),
        str(timeout),
    ]
    proc = subprocess.Popen(
        cmd,
        env=kernel_environment(ipython_dir, record),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return -1, f"ran longer than the limit of {timeout:.0f} s for one workbook"
    return proc.returncode, out


def _execute_one(job: Job, timeout: float, ipython_dir: Path, tmp: Path) -> Outcome:
    t0 = time.perf_counter()
    raw = tmp / f"{job.name.replace('/', '__')}.ipynb"
    for attempt in (1, 2):
        code, out = _run_process(job, timeout, ipython_dir, tmp)
        if code == 0 or attempt == 2 or not any(s in out for s in _START_FAILURES):
            break
    seconds = time.perf_counter() - t0
    if code != 0:
        where = failing_cell(raw) if code > 0 else out
        tail = out.strip().splitlines()[-1:] if code > 0 else []
        message = where + (f" [{tail[0]}]" if tail and where.startswith("no ") else "")
        return Outcome(job, "error", seconds, message)
    import nbformat

    nb = tag_for_book(nbformat.read(raw, as_version=4), job.name)
    job.output.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(job.output, nbformat.writes(nb))
    records = _read_records(tmp / f"{job.name.replace('/', '__')}.datasets.jsonl")
    return Outcome(job, "ok", seconds, datasets=records)


def _key(job: Job, package: str, datasets: Sequence[dict[str, Any]]) -> str:
    return notebook_key(job.source, job.params, package, [d["path"] for d in datasets])


def read_index(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The cache index of an output folder (empty when there is none)."""
    path = Path(out_dir) / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def execute_all(
    jobs: Sequence[Job],
    out_dir: str | os.PathLike[str],
    ipython_dir: str | os.PathLike[str],
    *,
    timeout: float,
    workers: int,
    progress: Callable[[str], None] = print,
) -> list[Outcome]:
    """Run the jobs whose cache key changed, ``workers`` at a time.

    Parameters
    ----------
    jobs : sequence of Job
        From :func:`plan_jobs`.
    out_dir : path-like
        Folder of the executed copies and ``index.json``.
    ipython_dir : path-like
        Holds the start-up file (:func:`toyama_lab.book.assets.write_startup`).
    timeout : float
        Limit for one workbook. [s]
    workers : int
        Kernels at once.
    progress : callable
        Receives one line per finished workbook.

    Returns
    -------
    list of Outcome
        One per job, in the jobs' order.

    Raises
    ------
    ExecutionError
        After all jobs finished, if any failed (naming notebook and cell).
    """
    out_dir, ipython_dir = Path(out_dir), Path(ipython_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = read_index(out_dir)
    package = package_fingerprint()
    outcomes: dict[str, Outcome] = {}
    todo = []
    for job in jobs:
        entry = index.get(job.name, {})
        key = _key(job, package, entry.get("datasets", []))
        if job.output.is_file() and entry.get("key") == key:
            outcomes[job.name] = Outcome(job, "cached", entry.get("seconds", 0.0))
        else:
            todo.append(job)
    if outcomes:
        progress(f"book: {len(outcomes)} workbook(s) unchanged (cached)")
    if todo:
        progress(f"book: executing {len(todo)} workbook(s), {workers} at a time")
    with (
        tempfile.TemporaryDirectory(prefix="book-exec-") as tmp,
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
    ):
        futures = {pool.submit(_execute_one, j, timeout, ipython_dir, Path(tmp)): j for j in todo}
        for n, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            job = outcome.job
            outcomes[job.name] = outcome
            if outcome.status == "ok":
                index[job.name] = {
                    "key": _key(job, package, outcome.datasets),
                    "datasets": outcome.datasets,
                    "seconds": round(outcome.seconds, 2),
                }
                write_text_atomic(out_dir / "index.json", json.dumps(index, indent=1))
            progress(
                f"book: [{n}/{len(todo)}] {outcome.status:5} {job.name} "
                f"{outcome.seconds:.1f} s ({len(todo) - n} left)"
                + (f"\n      {outcome.message}" if outcome.message else "")
            )
    ordered = [outcomes[j.name] for j in jobs]
    failures = [o for o in ordered if o.status == "error"]
    if failures:
        raise ExecutionError(failures)
    return ordered


def main(argv: Sequence[str] | None = None) -> int:
    """Run one workbook (used by :func:`execute_all` in a child process)."""
    from toyama_lab.reports import WorkbookError, run_workbook

    source, output, params, timeout = argv if argv is not None else sys.argv[1:]
    workdir = tempfile.mkdtemp(prefix="book-run-")
    try:
        run_workbook(source, json.loads(params), output, timeout=float(timeout), cwd=workdir)
    except WorkbookError as exc:
        print(str(exc).splitlines()[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
