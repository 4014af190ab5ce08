"""Parameterised workbook runs: parameter schemas and validation, papermill runs, report jobs.

- :mod:`~toyama_lab.reports.params`: parameter schemas and :func:`validate` (the
  workbooks' validation cells);
- :mod:`~toyama_lab.reports.run`: one papermill run (:func:`run_workbook`) or a
  sequential grid (:func:`run_grid`, kept for existing scripts; report jobs in
  :mod:`toyama_lab.reports.engine` are the parallel, resumable tool);
- report jobs (``toyama-lab report``): :mod:`~toyama_lab.reports.job` (job files and
  their checks), :mod:`~toyama_lab.reports.engine` (parallel, resumable runs, local or
  on dask), :mod:`~toyama_lab.reports.execute` (one run), :mod:`~toyama_lab.reports.pages`
  (lean notebook, offline HTML, A4 PDF), :mod:`~toyama_lab.reports.index` (the index);
- :func:`record`: a value a workbook exposes to the index (myst-nb's ``glue``).

>>> from toyama_lab.reports import validate, schema
>>> validate({"lang": "en"}, schema("lang"))
{'lang': 'en'}
"""

from toyama_lab.reports.params import (
    COMMON,
    Param,
    ParameterError,
    papermill_injection,
    schema,
    validate,
)
from toyama_lab.reports.record import read_records, record
from toyama_lab.reports.run import (
    DEFAULT_TIMEOUT,
    KERNEL_NAME,
    WorkbookError,
    check_parameters,
    notebook_parameters,
    run_grid,
    run_workbook,
)

__all__ = [
    "COMMON",
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "Param",
    "ParameterError",
    "WorkbookError",
    "check_parameters",
    "notebook_parameters",
    "papermill_injection",
    "read_records",
    "record",
    "run_grid",
    "run_workbook",
    "schema",
    "validate",
]
