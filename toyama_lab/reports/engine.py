"""Run a checked job: skip what is done, run the rest in parallel, keep the index true.

- :func:`plan`: for every run of a job, whether it is ``done`` (same key, status ``ok``,
  its notebook on disk) or ``to run`` (new, changed, failed, interrupted; or ``--force``).
- :func:`run_job`: the runs to do on ``job.workers`` local processes (each run starts
  its own kernel in its own working folder; :func:`~toyama_lab.reports.execute.execute_run`)
  or as tasks on a dask.distributed cluster (``job.dask``: the same function, the same
  index). A progress bar (tqdm) shows runs done, failed and left. The index is
  rewritten after every finished run. Ctrl-C cancels what has not started, marks the
  runs in progress ``interrupted`` (a later ``report run`` redoes them), writes the
  index and re-raises :class:`KeyboardInterrupt`.

Local workers are ``spawn`` processes that ignore SIGINT, so that Ctrl-C is handled by
this process alone; it then terminates the workers and the kernels they started (jupyter
starts each kernel in its own session, so a terminal's Ctrl-C does not reach them).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from toyama_lab.reports.execute import RunResult, execute_run
from toyama_lab.reports.index import read_index, write_index
from toyama_lab.reports.job import Job, RunSpec

__all__ = ["Planned", "plan", "run_job"]

#: How often the parent looks for finished runs. [s]
POLL_S = 0.2


@dataclass(frozen=True)
class Planned:
    """A run and whether it will be done.

    Attributes
    ----------
    spec : RunSpec
    todo : bool
        True if the run will be (re)done.
    reason : str
        ``new``, ``changed`` (other key), ``failed: <status>``, ``forced``, or ``done``.
    """

    spec: RunSpec
    todo: bool
    reason: str


def plan(job: Job, *, force: bool = False) -> list[Planned]:
    """Which runs of ``job`` are done and which will run (nothing is written).

    Parameters
    ----------
    job : Job
    force : bool
        Redo every run.

    Returns
    -------
    list of Planned
        In job order.
    """
    previous = {r["name"]: r for r in read_index(job.out).iter_rows(named=True)}
    out = []
    for spec in job.runs:
        row = previous.get(spec.name)
        if force:
            todo, reason = True, "forced"
        elif row is None:
            todo, reason = True, "new"
        elif row["key"] != spec.key:
            todo, reason = True, "changed"
        elif row["status"] != "ok":
            todo, reason = True, f"failed: {row['status']}"
        elif not (job.out / (row["notebook"] or "")).is_file():
            todo, reason = True, "output missing"
        else:
            todo, reason = False, "done"
        out.append(Planned(spec, todo, reason))
    return out


def _row(run: int, spec: RunSpec, result: RunResult | None, status: str | None = None) -> dict:
    data = asdict(result) if result is not None else {}
    workbook = Path(os.path.relpath(spec.workbook, spec.out)).as_posix()  # as a link from out
    return {
        "run": run,
        "name": spec.name,
        "workbook": workbook,
        "status": status or data.get("status", "pending"),
        "error_name": data.get("error_name"),
        "error_message": data.get("error_message"),
        "cell": data.get("cell"),
        "seconds": data.get("seconds"),
        "kernel_retries": data.get("kernel_retries", 0),
        "started": data.get("started"),
        "key": spec.key,
        "params": json.dumps(spec.params, ensure_ascii=False, sort_keys=True, default=str),
        "values": json.dumps(data.get("values", {}), ensure_ascii=False, sort_keys=True),
        "notebook": data.get("notebook"),
        "html": data.get("html"),
        "pdf": data.get("pdf"),
    }


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops them and their kernels."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pids: Iterable[int], grace_s: float = 5.0) -> None:
    """Terminate these processes and everything they started (kernels); kill what stays."""
    import psutil

    family = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            family += [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(family, timeout=grace_s)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


class _Local:
    """Local ``spawn`` worker processes (each run starts its own kernel)."""

    def __init__(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_ignore_sigint,
        )

    def submit(self, spec: RunSpec):
        return self.pool.submit(execute_run, spec)

    def close(self, *, interrupted: bool = False) -> None:
        if interrupted:
            pids = [p.pid for p in (self.pool._processes or {}).values()]
            self.pool.shutdown(wait=False, cancel_futures=True)
            _stop(pids)
        else:
            self.pool.shutdown(wait=True)


class _Dask:
    """Runs as tasks on a dask.distributed cluster (workers must see the output folder)."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address, set_as_default=False)

    def submit(self, spec: RunSpec):
        return self.client.submit(execute_run, spec, pure=False, key=f"report-{spec.name}")

    def close(self, *, interrupted: bool = False) -> None:
        self.client.close()


def run_job(
    job: Job,
    *,
    force: bool = False,
    progress: bool = True,
    on_result: Callable[[RunResult], None] | None = None,
) -> pl.DataFrame:
    """Run the runs of ``job`` that are not done; write the outputs and the index.

    Parameters
    ----------
    job : Job
        From :func:`~toyama_lab.reports.job.load_job` or
        :func:`~toyama_lab.reports.job.job_from_args`.
    force : bool
        Redo every run (``--force``).
    progress : bool
        Show a progress bar (stderr).
    on_result : callable, optional
        Called with each :class:`RunResult` as it arrives.

    Returns
    -------
    polars.DataFrame
        The index (:data:`~toyama_lab.reports.index.SCHEMA`), also in ``job.out``.

    Raises
    ------
    KeyboardInterrupt
        After Ctrl-C, once the index is written.
    """
    from tqdm.auto import tqdm

    job.out.mkdir(parents=True, exist_ok=True)
    planned = plan(job, force=force)
    previous = {r["name"]: r for r in read_index(job.out).iter_rows(named=True)}
    rows: list[dict] = []
    for i, p in enumerate(planned):
        old = previous.get(p.spec.name)
        rows.append(old | {"run": i} if not p.todo and old else _row(i, p.spec, None))
    title = f"toyama-lab report: {Path(job.source).name}"
    todo = [(i, p.spec) for i, p in enumerate(planned) if p.todo]
    unchanged = rows == [r | {"run": i} for i, r in enumerate(previous.values())]
    if not todo and unchanged and (job.out / "index.html").is_file():
        return read_index(job.out)  # nothing to run, nothing to rewrite
    write_index(job.out, rows, title)
    if not todo:
        return read_index(job.out)
    backend = _Dask(job.dask) if job.dask else _Local(min(job.workers, len(todo)))
    bar = tqdm(total=len(planned), initial=len(planned) - len(todo), unit="run",
               disable=not progress, desc="report")  # fmt: skip
    failed = 0
    futures = {}
    try:
        futures = {backend.submit(spec): (i, spec) for i, spec in todo}
        while futures:
            # poll rather than block: a blocked main thread may never see Ctrl-C when the
            # signal lands on another thread (polars, tokio, the pool's manager)
            done = [f for f in futures if f.done()]
            if not done:
                time.sleep(POLL_S)
                continue
            for future in done:
                i, spec = futures.pop(future)
                result = future.result()
                rows[i] = _row(i, spec, result)
                failed += result.status != "ok"
                write_index(job.out, rows, title)
                if on_result is not None:
                    on_result(result)
                bar.update(1)
                bar.set_postfix(failed=failed, left=len(futures))
    except KeyboardInterrupt:
        for i, spec in futures.values():
            rows[i] = _row(i, spec, None, status="interrupted")
        backend.close(interrupted=True)
        bar.close()
        write_index(job.out, rows, title)
        raise
    backend.close()
    bar.close()
    return write_index(job.out, rows, title)
