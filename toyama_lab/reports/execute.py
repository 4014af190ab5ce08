"""Execute one run of a job: papermill in its own kernel and working folder, then outputs.

:func:`execute_run` is what a worker (a local process or a dask task) does for one
:class:`~toyama_lab.reports.job.RunSpec`; it never raises for a failing run, it returns a
:class:`RunResult` that says what happened:

- the kernel is started in ``OUT/work/NAME/`` (the run's own working folder);
- a kernel that fails to start (papermill users see "Kernel didn't respond in 60
  seconds" or ``ZMQError: Address already in use`` when many start at once) is
  retried ``retries`` times with exponential back-off, and the retries are counted;
  a failure counts as a start failure when no cell had started;
- a cell that raises ends the run with ``status="error"`` and the exception's name,
  message and cell; a cell past ``cell_timeout``, or the run past ``run_timeout``
  (enforced as the remaining time of the cell running at the deadline), ends it with
  ``status="timeout"``; a dying kernel with ``error``/``DeadKernelError``;
- the executed notebook is written lean (:func:`~toyama_lab.reports.pages.lean_notebook`),
  with an offline HTML page and, if asked, an A4 PDF, each atomically, for failed runs
  too (their traceback is in the page).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from toyama_lab.reports.job import RunSpec

__all__ = ["RunResult", "backoff", "execute_run"]

#: First back-off pause after a failed kernel start; doubled each retry. [s]
BACKOFF_S = 0.5
#: Longest back-off pause. [s]
BACKOFF_MAX_S = 15.0


@dataclass
class RunResult:
    """What happened to one run.

    Attributes
    ----------
    name, key : str
        As in the :class:`~toyama_lab.reports.job.RunSpec`.
    status : {"ok", "error", "timeout", "kernel-start"}
        ``kernel-start``: the kernel did not start after every retry.
    error_name, error_message : str or None
        The exception raised in the notebook (or by the runner).
    cell : int or None
        Index of the failing cell in the executed notebook (0-based, as nbformat
        counts; papermill's injected cell included).
    seconds : float
        Wall time, retries included. [s]
    kernel_retries : int
        Kernel starts that failed and were retried.
    started : str
        ISO time the run started (UTC).
    values : dict
        Values the workbook recorded (:func:`toyama_lab.reports.record`).
    notebook, html, pdf : str or None
        Output file names in the job folder (None if not written).
    """

    name: str
    key: str
    status: str
    error_name: str | None = None
    error_message: str | None = None
    cell: int | None = None
    seconds: float = 0.0
    kernel_retries: int = 0
    started: str = ""
    values: dict = field(default_factory=dict)
    notebook: str | None = None
    html: str | None = None
    pdf: str | None = None


def backoff(attempt: int) -> float:
    """Pause before kernel-start retry ``attempt`` (1, 2, ...). [s]

    >>> [backoff(a) for a in (1, 2, 3)]
    [0.5, 1.0, 2.0]
    """
    return min(BACKOFF_MAX_S, BACKOFF_S * 2 ** (attempt - 1))


class _Clock:
    """The per-cell limit given to nbclient: the cell limit or what is left of the run's."""

    def __init__(self, cell_timeout: float, run_timeout: float):
        self.cell_timeout = cell_timeout
        self.deadline = time.monotonic() + run_timeout
        self.cell_id: str | None = None
        self.run_limited = False

    def __call__(self, cell) -> float:
        self.cell_id = cell.get("id")
        left = self.deadline - time.monotonic()
        self.run_limited = left < self.cell_timeout
        return max(1.0, min(self.cell_timeout, left))


def _cell_index(path: Path, cell_id: str | None) -> int | None:
    if cell_id is None or not path.is_file():
        return None
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    return next((i for i, c in enumerate(cells) if c.get("id") == cell_id), None)


def _attempt(spec: RunSpec, raw: Path, workdir: Path, clock: _Clock) -> None:
    import papermill

    papermill.execute_notebook(
        str(spec.workbook),
        str(raw),
        parameters=spec.params,
        kernel_name=spec.kernel,
        language="python",
        cwd=str(workdir),
        progress_bar=False,
        start_timeout=spec.start_timeout,
        execution_timeout=spec.cell_timeout,
        timeout_func=clock,
    )


def _run(spec: RunSpec, raw: Path, workdir: Path, result: RunResult) -> None:
    """Run with kernel-start retries; fill ``result`` with the outcome."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    for attempt in range(spec.retries + 1):
        clock = _Clock(spec.cell_timeout, spec.run_timeout)
        try:
            _attempt(spec, raw, workdir, clock)
            result.status = "ok"
            return
        except PapermillExecutionError as exc:
            result.status, result.cell = "error", exc.cell_index
            result.error_name, result.error_message = exc.ename, exc.evalue
            return
        except CellTimeoutError:
            limit = "run_timeout" if clock.run_limited else "cell_timeout"
            seconds = spec.run_timeout if clock.run_limited else spec.cell_timeout
            result.status, result.cell = "timeout", _cell_index(raw, clock.cell_id)
            result.error_name = "CellTimeoutError"
            result.error_message = f"passed {limit} = {seconds:g} s"
            return
        except Exception as exc:
            if clock.cell_id is not None:  # the kernel had started: not a start failure
                result.status, result.cell = "error", _cell_index(raw, clock.cell_id)
                result.error_name, result.error_message = type(exc).__name__, str(exc)
                if isinstance(exc, DeadKernelError):
                    result.error_message += " (the kernel died; often: out of memory)"
                return
            result.error_name, result.error_message = type(exc).__name__, str(exc)
            if attempt == spec.retries:
                result.status = "kernel-start"
                result.error_message = (
                    f"the kernel did not start after {attempt + 1} attempts: {exc}"
                )
                return
            result.kernel_retries += 1
            time.sleep(backoff(attempt + 1))


def _write_outputs(spec: RunSpec, raw: Path, result: RunResult) -> None:
    import nbformat

    from toyama_lab._atomic import write_atomic, write_text_atomic
    from toyama_lab.reports.pages import OUTPUT_MODE, html_page, lean_notebook, pdf_report
    from toyama_lab.reports.record import read_records

    nb = lean_notebook(nbformat.read(raw, as_version=4))
    result.values = read_records(nb)
    notebook = spec.out / f"{spec.name}.ipynb"
    write_atomic(notebook, lambda p: nbformat.write(nb, p), mode=OUTPUT_MODE)
    write_text_atomic(spec.out / f"{spec.name}.html", html_page(nb), mode=OUTPUT_MODE)
    result.notebook, result.html = notebook.name, f"{spec.name}.html"
    if spec.pdf and result.status == "ok":
        pdf_report(nb, spec.out / f"{spec.name}.pdf", title=spec.name)
        result.pdf = f"{spec.name}.pdf"


def execute_run(spec: RunSpec) -> RunResult:
    """Execute one run and write its outputs into ``spec.out``; never raises for the run.

    Parameters
    ----------
    spec : RunSpec
        The run.

    Returns
    -------
    RunResult
        Status, error, cell, seconds, kernel retries, recorded values, output names.
    """
    import datetime as dt

    t0 = time.perf_counter()
    result = RunResult(
        name=spec.name,
        key=spec.key,
        status="error",
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    workdir = spec.out / "work" / spec.name
    shutil.rmtree(workdir, ignore_errors=True)  # a fresh working folder for every run
    workdir.mkdir(parents=True)
    raw = workdir / ".executed.ipynb"
    _run(spec, raw, workdir, result)
    if raw.is_file():
        try:
            _write_outputs(spec, raw, result)
        except Exception as exc:
            if result.status == "ok":
                result.status = "error"
                result.error_name = type(exc).__name__
                result.error_message = f"writing the outputs failed: {exc}"
        raw.unlink()
    result.seconds = round(time.perf_counter() - t0, 3)
    return result
