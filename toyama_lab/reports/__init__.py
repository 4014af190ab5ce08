"""Parameterised workbook runs: parameter schemas and validation, papermill runs, grids.

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
    "run_grid",
    "run_workbook",
    "schema",
    "validate",
]
