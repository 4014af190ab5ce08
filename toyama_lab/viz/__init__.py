"""Plotly figures that work offline, with one shared style and Japanese/English labels.

Call :func:`setup` once at the top of a workbook::

    from toyama_lab import viz
    viz.setup(lang="ja", offline=True)

It registers and selects:

- the plotly template ``"toyama"`` (on top of ``plotly_white``): Japanese-capable
  fonts, the Okabe–Ito colourway of :mod:`toyama_lab.viz.colours`;
- inside a Jupyter kernel, the renderer ``"plotly_mimetype+toyama_offline"``:
  JupyterLab draws the plotly MIME bundle with its bundled extension (no network),
  and the ``text/html`` part (used by nbconvert, papermill reports and static
  viewers) is a ``<div>`` per figure that uses the plotly.js embedded once, in the
  output of the :func:`setup` call, and never refers to a CDN (no MathJax CDN
  either). With ``offline=False`` the HTML part loads plotly.js from the CDN
  instead (small files when the internet is there).

A build that needs another renderer (e.g. a book build that writes a plain
``<div>`` and ships plotly.min.js in its static files) registers it, e.g. from an
IPython startup file, and sets the environment variable
``TOYAMA_LAB_PLOTLY_RENDERER`` to its name; :func:`setup` then selects it instead.

Outside a Jupyter kernel (scripts, tests) :func:`setup` leaves the renderer alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import NotebookRenderer

from toyama_lab.viz import colours
from toyama_lab.viz.basemap import add_points, basemap_figure, basemap_traces
from toyama_lab.viz.labels import check_lang, label

__all__ = [
    "RENDERER_ENV",
    "Settings",
    "add_points",
    "basemap_figure",
    "basemap_traces",
    "colours",
    "current_lang",
    "label",
    "setup",
    "show_or_interact",
]

#: Environment variable naming a renderer that :func:`setup` must select (book builds).
RENDERER_ENV = "TOYAMA_LAB_PLOTLY_RENDERER"
#: Name of the offline HTML renderer registered by :func:`setup`.
OFFLINE_RENDERER = "toyama_offline"
#: Name of the plotly template registered by :func:`setup`.
TEMPLATE = "toyama"

#: Fonts that render Japanese on Windows, macOS and Linux (first found wins).
FONT_FAMILY = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Hiragino Kaku Gothic ProN", '
    '"Yu Gothic", "Meiryo", "IPAexGothic", sans-serif'
)


@dataclass(frozen=True)
class Settings:
    """What :func:`setup` chose.

    Attributes
    ----------
    lang : {"ja", "en"}
        Default language of figure labels.
    offline : bool
        Whether figures embed plotly.js (True) or load it from the CDN (False).
    renderer : str or None
        The plotly renderer selected, or None when not in a Jupyter kernel.
    template : str
        The plotly default template.
    """

    lang: str
    offline: bool
    renderer: str | None
    template: str


_SETTINGS = Settings(lang="ja", offline=True, renderer=None, template="plotly")


class OfflineNotebookRenderer(NotebookRenderer):
    """plotly's notebook renderer without any CDN reference.

    plotly.js is embedded once when the renderer is activated (``connected=False``);
    each figure is a ``<div>`` and a call to ``Plotly.newPlot``. Unlike plotly's own
    ``notebook`` renderer, the figure HTML does not add a MathJax ``<script src=CDN>``.
    """

    def to_mimebundle(self, fig_dict):
        html = pio.to_html(
            fig_dict,
            config=self.config,
            include_plotlyjs="cdn" if self.connected else False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=525,
            validate=False,
        )
        return {"text/html": html}


def _template() -> go.layout.Template:
    t = go.layout.Template(pio.templates["plotly_white"])
    t.layout.font = {"family": FONT_FAMILY, "size": 13}
    t.layout.colorway = list(colours.OKABE_ITO)
    t.layout.hoverlabel = {"font": {"family": FONT_FAMILY}}
    t.layout.title = {"x": 0.02, "xanchor": "left"}
    return t


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def setup(lang: str = "ja", offline: bool = True) -> Settings:
    """Set the plotly renderer and theme once for a workbook or a script.

    Parameters
    ----------
    lang : {"ja", "en"}
        Default language for labels (:func:`current_lang`).
    offline : bool
        True (default): no network at view time, plotly.js embedded once per
        kernel session. False: the HTML output loads plotly.js from the CDN.

    Returns
    -------
    Settings
        What was selected.

    Raises
    ------
    ValueError
        If ``lang`` is not supported, or :data:`RENDERER_ENV` names an unknown renderer.
    """
    global _SETTINGS
    check_lang(lang)
    pio.templates[TEMPLATE] = _template()
    pio.templates.default = f"plotly_white+{TEMPLATE}"
    renderer = None
    if _in_kernel():
        wanted = os.environ.get(RENDERER_ENV)
        if wanted:
            if wanted not in pio.renderers:
                raise ValueError(
                    f"{RENDERER_ENV}={wanted!r} is not a registered plotly renderer; "
                    f"register it before calling setup() or unset {RENDERER_ENV}."
                )
            renderer = wanted
        else:
            pio.renderers[OFFLINE_RENDERER] = OfflineNotebookRenderer(connected=not offline)
            renderer = f"plotly_mimetype+{OFFLINE_RENDERER}"
        pio.renderers.default = renderer
        # Activate now, so that the embedded plotly.js lands in the setup cell's output
        # (every time setup runs) and not in the first figure, which may sit inside an
        # ipywidgets Output (nbclient then waits for the cell until its timeout).
        activate = getattr(pio.renderers, "_activate_pending_renderers", None)
        if activate is not None:
            activate()
    _SETTINGS = Settings(
        lang=lang, offline=bool(offline), renderer=renderer, template=pio.templates.default
    )
    return _SETTINGS


def current_lang() -> str:
    """The language chosen by the last :func:`setup` call (``"ja"`` before any)."""
    return _SETTINGS.lang


def show_or_interact(
    figure: Callable[..., go.Figure],
    interactive: bool,
    values: Mapping[str, object],
    choices: Mapping[str, object] | None = None,
    **fixed,
):
    """Show ``figure(**values, **fixed)`` as a static figure, or with ipywidgets controls.

    The same pure figure function serves both: in a papermill run, a CI run or the
    book (``interactive=False``) it is called once with ``values``; in JupyterLab
    (``interactive=True``) a control is built for each name in ``choices``, starting
    at its value in ``values``, and the figure is redrawn when a control changes.

    Parameters
    ----------
    figure : callable
        A pure function returning a plotly Figure.
    interactive : bool
        Whether to build widgets.
    values : mapping
        ``name -> value`` for the static figure and the controls' start values.
    choices : mapping, optional
        ``name -> options``: a list of options (a drop-down) or a ``(min, max, step)``
        tuple of numbers (a slider). Names in ``values`` without choices stay fixed.
    **fixed
        Further keyword arguments passed unchanged (e.g. ``lang``).

    Returns
    -------
    None
        The figure or the widget box is displayed, not returned, so that a cell
        ending with this call shows it exactly once.

    Raises
    ------
    ValueError
        If a control has no start value in ``values`` or its choices are malformed.
    """
    choices = dict(choices or {})
    missing = [k for k in choices if k not in values]
    if missing:
        raise ValueError(f"controls {missing} have no start value; add them to values=.")
    if not interactive:
        figure(**values, **fixed).show()
        return None
    import ipywidgets
    from IPython.display import display

    widgets = {k: _widget(k, c, values[k]) for k, c in choices.items()}
    constant = {k: v for k, v in values.items() if k not in choices} | fixed
    out = ipywidgets.Output()

    def redraw(_change=None):
        # The figure goes into the Output widget's state directly, not through a
        # `with out:` capture: nbclient (papermill) can wait for a captured display
        # until the cell timeout; setting the outputs has no such race.
        fig = figure(**{k: w.value for k, w in widgets.items()}, **constant)
        out.outputs = ()
        out.append_display_data(fig)

    for w in widgets.values():
        w.observe(redraw, names="value")
    redraw()
    display(ipywidgets.VBox([*widgets.values(), out]))
    return None


def _widget(name: str, options, value):
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
