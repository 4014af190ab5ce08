"""Values a workbook exposes to the index of a report job: ``record(name, value)``.

A workbook calls :func:`record` for each key number of its run (a KPI and its target,
a rate, a count); :func:`read_records` reads them back from the executed notebook and
the job's index shows them beside the run's parameters, with figures across the grid.

Why myst-nb's ``glue``
----------------------
Three well-kept ways exist to pass a value out of an executed notebook: scrapbook
(``sb.glue``; its last release is from 2021 and it pins old papermill APIs), myst-nb's
``glue`` (maintained with the book's toolchain, already a dependency) and a home-made
output. :func:`record` writes exactly what myst-nb's ``glue(name, value, display=False)``
writes (a hidden ``application/papermill.record/text/plain`` bundle with
``metadata.scrapbook.name``; the same four lines, so that workbooks do not need the book's
toolchain installed), so the executed notebook can also place the number in the book's
text with ``{glue}`name```; a test reads it back with myst-nb's own reader.
:func:`record` adds only what a report index needs on top: the value
must be a plain scalar (int, float, str, bool or None; numpy scalars are turned into
Python ones), so that ``repr`` round-trips and :func:`read_records` gives back the exact
value with :func:`ast.literal_eval`, and the name must be an identifier.

Examples
--------
In a workbook::

    from toyama_lab.reports import record
    record("pedestrians_per_point", 1234.5)

Reading an executed notebook:

>>> import nbformat
>>> from nbformat.v4 import new_code_cell, new_notebook, new_output
>>> cell = new_code_cell("record('x', 2)")
>>> cell.outputs = [new_output("display_data", data={GLUE_PREFIX + "text/plain": "2"},
...                            metadata={"scrapbook": {"name": "x", "mime_prefix": GLUE_PREFIX}})]
>>> read_records(new_notebook(cells=[cell]))
{'x': 2}
"""

from __future__ import annotations

import ast
import math
import numbers

__all__ = ["GLUE_PREFIX", "read_records", "record"]

#: The MIME prefix myst-nb's ``glue(..., display=False)`` gives a hidden value.
GLUE_PREFIX = "application/papermill.record/"


def _plain(name: str, value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            return None  # NaN/inf: "no value", which the index and CSV can hold
        return value
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # 0-d array
        return _plain(name, value.item())
    raise TypeError(
        f"record({name!r}, ...) got a {type(value).__name__}; record a single number, "
        "string, True/False or None (e.g. float(series.mean()) instead of the series)."
    )


def record(name: str, value) -> None:
    """Expose a value of this run to the report index (in myst-nb's ``glue`` format).

    Parameters
    ----------
    name : str
        A Python identifier, unique in the workbook (e.g. ``"kpi_central"``).
    value : int, float, str, bool or None
        The value; numpy scalars are accepted and stored as Python values; NaN and
        infinities are stored as None.

    Raises
    ------
    ValueError
        If ``name`` is not an identifier.
    TypeError
        If ``value`` is not a scalar.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(
            f"record name {name!r} must be a Python identifier such as 'kpi_central' "
            "(it becomes a column of the index)."
        )
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(_plain(name, value))
    metadata["scrapbook"] = {"name": name, "mime_prefix": GLUE_PREFIX}
    display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)


def read_records(nb) -> dict[str, object]:
    """The values recorded in an executed notebook, in the order they were recorded.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.

    Returns
    -------
    dict of str to object
        Name to value; a later record of the same name wins. Glued values that are
        not plain literals (e.g. a glued figure) are left out.
    """
    out: dict[str, object] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta or "name" not in meta:
                continue
            text = output.get("data", {}).get(meta.get("mime_prefix", "") + "text/plain")
            if text is None:
                continue
            try:
                out[meta["name"]] = ast.literal_eval("".join(text))
            except (ValueError, SyntaxError):
                continue
    return out
