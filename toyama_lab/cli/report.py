"""``toyama-lab report``: run workbooks unattended — jobs, grids, an index.

``report run JOB.toml`` runs a job file (format: :mod:`toyama_lab.reports.job`);
``report run WORKBOOK.ipynb -p NAME VALUE --grid NAME=V1,V2 --out DIR`` a one-off;
``report list JOB.toml`` shows what a job would run and what is already done.

Exit status of ``report run``: 0 when every run is ok; 1 when a run failed (each is
recorded in the index with its error, cell and seconds; the others completed); 2 for
a usage error or an invalid job (every problem listed with file and line; nothing
run or written); 130 after Ctrl-C (the index then marks the interrupted runs).
"""

from __future__ import annotations

import dataclasses
import sys

import click

from toyama_lab.cli import main


@main.group("report")
def report() -> None:
    """Run workbooks unattended: job files, parameter grids, an index (レポート自動実行)."""


def _load(target: str, params, grid, out, workers, dask, cell_timeout, run_timeout, retries, pdf):
    from toyama_lab.reports.job import job_from_args, load_job

    if target.endswith(".toml"):
        if params or grid or out or pdf:
            raise click.UsageError(
                "-p, --grid, --out and --pdf are for a workbook (.ipynb); a job file sets "
                "them itself (params, grid, out, pdf)."
            )
        job = load_job(target, dask=dask)
        return job if workers is None else dataclasses.replace(job, workers=workers)
    if not target.endswith(".ipynb"):
        raise click.UsageError(f"{target!r}: give a job file (.toml) or a workbook (.ipynb).")
    if not out:
        raise click.UsageError("a workbook run needs --out DIR (the folder for outputs).")
    return job_from_args(
        target, params, grid, out, workers=workers, dask=dask, cell_timeout=cell_timeout,
        run_timeout=run_timeout, retries=retries, pdf=pdf,
    )  # fmt: skip


def _checked(*args):
    from toyama_lab.reports.job import JobError

    try:
        return _load(*args)
    except JobError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


#: Shown after the options of ``report run --help`` (``\b``: click keeps the lines as they
#: are); kept out of the docstring, which the book's API reference reads as reStructuredText.
_RUN_EXAMPLES = """\b
Examples:
  toyama-lab report run reports/monthly-2025.toml
  toyama-lab report run workbooks/00-getting-started.ipynb -p size tiny \\
      --grid seed=0,1,2 --out runs/start --workers 2
"""


@report.command("run", epilog=_RUN_EXAMPLES)
@click.argument("target")
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="A parameter of a one-off workbook run (repeatable).")  # fmt: skip
@click.option("--grid", multiple=True, metavar="NAME=V1,V2",
              help="Run every combination of these values (repeatable).")  # fmt: skip
@click.option("--out", default=None, help="Output folder of a one-off run.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Parallel runs [default: the job's, else the machine's cores].")  # fmt: skip
@click.option("--dask", default=None, metavar="ADDRESS",
              help="Run on a dask.distributed scheduler, e.g. tcp://10.0.0.5:8786.")  # fmt: skip
@click.option("--cell-timeout", type=click.FloatRange(min=1), default=None,
              help="Limit per cell [s] (one-off; default 600).")  # fmt: skip
@click.option("--run-timeout", type=click.FloatRange(min=1), default=None,
              help="Limit per run [s] (one-off; default 3600).")  # fmt: skip
@click.option("--retries", type=click.IntRange(min=0), default=None,
              help="Kernel-start retries (one-off; default 2).")  # fmt: skip
@click.option("--pdf", is_flag=True, help="Also print each run as an A4 PDF (one-off).")
@click.option("--force", is_flag=True, help="Redo every run, even those already done.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def run_command(target, params, grid, out, workers, dask, cell_timeout, run_timeout, retries,
                pdf, force, quiet):  # fmt: skip
    """Run a job file (JOB.toml) or a workbook (WORKBOOK.ipynb) and write an index."""
    from toyama_lab.reports.engine import run_job

    job = _checked(target, params, grid, out, workers, dask, cell_timeout, run_timeout,
                   retries, pdf)  # fmt: skip
    try:
        index = run_job(job, force=force, progress=not quiet)
    except KeyboardInterrupt:
        click.echo(f"interrupted; the index in {job.out} marks the runs not finished.", err=True)
        sys.exit(130)
    counts = dict(index.group_by("status").len().iter_rows())
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    click.echo(f"{len(index)} runs ({summary}); index: {job.out / 'index.html'}")
    for row in index.filter(index["status"] != "ok").iter_rows(named=True):
        cell = f" in cell {row['cell']}" if row["cell"] is not None else ""
        message = (row["error_message"] or "").splitlines()[:1]
        click.echo(f"  {row['name']}: {row['status']}{cell}: {row['error_name']}: "
                   f"{''.join(message)}", err=True)  # fmt: skip
    sys.exit(0 if set(counts) <= {"ok"} else 1)


@report.command("list")
@click.argument("job_file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Show what --force would redo (everything).")
def list_command(job_file, force):
    """Show the runs a job would do, and which are already done."""
    from toyama_lab.reports.engine import plan

    job = _checked(job_file, (), (), None, None, None, None, None, None, False)
    planned = plan(job, force=force)
    width = max(len(p.spec.name) for p in planned)
    for p in planned:
        click.echo(f"{p.spec.name:<{width}}  {'run' if p.todo else 'done':<4}  {p.reason}")
    todo = sum(p.todo for p in planned)
    click.echo(f"{len(planned)} runs: {len(planned) - todo} done, {todo} to run; out: {job.out}")
