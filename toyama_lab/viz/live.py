"""Live controls: whether someone is there to click, and a figure redrawn by its controls.

Two jobs, used by :func:`toyama_lab.viz.show_or_interact` and the workbooks' validation cell:

- :func:`frontend_is_live` / :func:`resolve_interactive`: a workbook's ``interactive``
  parameter defaults to ``None``, resolved when the notebook runs. A person who opens the
  workbook in JupyterLab or Jupyter Notebook 7 and runs it gets live controls; unattended
  runs (papermill, report jobs, the book's myst-nb/jupyter-cache execution, nbclient in the
  tests, ``nbconvert --execute``) get the static figure.
- :func:`live_figure`: the controls and the figure they drive, in one box; every change
  of a control calls the pure figure function again and replaces the figure.

The signal (why ``allow_stdin``)
--------------------------------
Every cell runs from an ``execute_request`` whose ``allow_stdin`` flag says whether the
frontend that sent it can answer ``input()``, i.e. whether a person is at it (Jupyter
messaging protocol, "Execute"). JupyterLab and Notebook 7 send ``true`` for every cell a
person runs (``KernelConnection.requestExecute``'s default); nbclient, the engine under
papermill, jupyter-cache/myst-nb and ``nbconvert --execute``, sets ``allow_stdin = False``
on its client because nobody could answer (``NotebookClient.async_start_new_kernel_client``).
Unlike an environment variable inherited by child processes (``JPY_SESSION_NAME``, set by
jupyter_server for the kernels it starts, is inherited by a papermill run started from a
notebook), the flag belongs to the request being executed, so a report job started from a
live notebook still runs static. Outside a kernel (a script, pytest) nobody can click: False.

Why this redraw
---------------
The figure sits in an :class:`ipywidgets.Output` whose ``outputs`` state is set directly:
one ``display_data`` made from the figure's own MIME bundle (``_repr_mimebundle_``, the
renderer :func:`toyama_lab.viz.setup` selected: the plotly mimetype that JupyterLab and
Notebook 7 draw with the plotly.js they bundle, no network). Nothing is *published*, so
two traps are avoided:

- a plotly figure handed to IPython's display machinery (``display(fig)``,
  ``Output.append_display_data(fig)``) runs ``_ipython_display_``, which publishes the
  figure itself; from a control's callback there is no cell to publish into and the
  figure lands in JupyterLab's Log Console (issue 15);
- capturing a display with the Output as a context (``with out: display(fig)``, what
  :func:`ipywidgets.interactive_output` does) makes nbclient route the cell's messages
  into the widget; under papermill a run with ``interactive = True`` can then wait for the
  captured output until it is killed (seen in the test suite: kernels idle, the run never
  ending).

The redraw is the same in a cell and in a callback. See docs/benchmarks.md ("Live
controls") for the measured alternatives (the Output as a context: the same speed; plotly's
``FigureWidget``, which in plotly 6/7 needs anywidget).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = [
    "display_data",
    "frontend_is_live",
    "live_figure",
    "make_control",
    "resolve_interactive",
]


def _kernel():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def frontend_is_live(kernel=...) -> bool:
    """Whether the cell now running was sent by a frontend with a person at it.

    Parameters
    ----------
    kernel : ipykernel Kernel or None, optional
        The kernel to ask (default: the running IPython kernel, None outside one).

    Returns
    -------
    bool
        True when the current ``execute_request`` has ``allow_stdin`` true (JupyterLab,
        Notebook 7); False under nbclient/papermill/jupyter-cache, for requests that are
        not cell executions (a widget callback), and outside a kernel.

    Examples
    --------
    >>> frontend_is_live()  # a script or doctest: no kernel, nobody to click
    False
    """
    kernel = _kernel() if kernel is ... else kernel
    if kernel is None or not hasattr(kernel, "get_parent"):
        return False
    parent = kernel.get_parent("shell") or {}
    if parent.get("header", {}).get("msg_type") != "execute_request":
        return False
    return bool(parent.get("content", {}).get("allow_stdin", False))


def resolve_interactive(value, kernel=...):
    """The ``interactive`` parameter as the run uses it: ``None`` means "live if someone clicks".

    Parameters
    ----------
    value : bool, str or None
        The literal from the parameters cell (``None`` by default) or what papermill passed
        (``True``/``False``, or a string such as ``"false"`` that validation coerces).
    kernel : optional
        Passed to :func:`frontend_is_live`.

    Returns
    -------
    bool, str
        :func:`frontend_is_live` for ``None``; any other value unchanged (validation
        coerces and checks it).

    Examples
    --------
    >>> resolve_interactive(None), resolve_interactive(True), resolve_interactive("false")
    (False, True, 'false')
    """
    return frontend_is_live(kernel) if value is None else value


def make_control(name: str, options, value):
    """The ipywidgets control for one figure argument.

    Parameters
    ----------
    name : str
        Argument name (the control's label).
    options : list or tuple
        A list of choices (a drop-down) containing ``value``, or a ``(min, max, step)``
        tuple of numbers (a slider: integer if all four numbers are ints).
    value
        Start value.

    Raises
    ------
    ValueError
        If the options are neither.
    """
    import ipywidgets

    if isinstance(options, tuple) and len(options) == 3:
        lo, hi, step = options
        cls = (
            ipywidgets.IntSlider
            if all(isinstance(v, int) for v in (lo, hi, step, value))
            else ipywidgets.FloatSlider
        )
        return cls(value=value, min=lo, max=hi, step=step, description=name)
    if isinstance(options, list) and value in options:
        return ipywidgets.Dropdown(options=options, value=value, description=name)
    raise ValueError(
        f"control {name!r}: choices {options!r} must be a list containing the start value "
        f"{value!r}, or a (min, max, step) tuple of numbers."
    )


def live_figure(figure: Callable, controls: Mapping, constant: Mapping):
    """The controls above the figure they drive, redrawn on every change.

    Parameters
    ----------
    figure : callable
        A pure function returning a plotly Figure.
    controls : mapping of str to ipywidgets.ValueWidget
        ``argument name -> control``; the control's value is passed under that name.
    constant : mapping
        Further keyword arguments, passed unchanged.

    Returns
    -------
    ipywidgets.VBox
        The controls, then an :class:`ipywidgets.Output` holding the figure (drawn once
        already, with the controls' start values).
    """
    import ipywidgets

    out = ipywidgets.Output()

    def redraw(_change=None):
        fig = figure(**{k: w.value for k, w in controls.items()}, **constant)
        out.outputs = (display_data(fig),)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return ipywidgets.VBox([*controls.values(), out])


#: The MIME type JupyterLab and Notebook 7 draw plotly figures from.
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"


def display_data(obj) -> dict:
    """One nbformat ``display_data`` output for ``obj``, computed without publishing it.

    Parameters
    ----------
    obj : object
        A plotly figure (its ``_repr_mimebundle_`` gives the data of the selected
        renderer) or any object IPython can format.

    Returns
    -------
    dict
        ``{"output_type": "display_data", "data": {...}, "metadata": {...}}``, ready for
        :attr:`ipywidgets.Output.outputs`.

    Examples
    --------
    >>> display_data(3)["data"]["text/plain"]
    '3'
    """
    bundle = getattr(obj, "_repr_mimebundle_", None)
    if callable(bundle):
        data, metadata = bundle(), {}
        if isinstance(data, tuple):  # the (data, metadata) form IPython also accepts
            data, metadata = data
        if not data and hasattr(obj, "to_json"):  # no mimetype renderer selected (a script)
            import json

            data = {PLOTLY_MIMETYPE: json.loads(obj.to_json())}
    else:
        from IPython.core.formatters import format_display_data

        data, metadata = format_display_data(obj)
    return {"output_type": "display_data", "data": dict(data), "metadata": dict(metadata)}
