"""Plotly figures that work offline, with one shared style and Japanese/English labels.

Call :func:`setup` once at the top of a workbook::

    from toyama_lab import viz
    viz.setup(lang="ja", offline=True)

It registers and selects:

- the plotly template ``"toyama"`` (``plotly_white`` with its own changes): Japanese-capable
  fonts, the Okabe–Ito colourway of :mod:`toyama_lab.viz.colours`;
- inside a Jupyter kernel, the renderer ``"plotly_mimetype+toyama_offline"``. Each figure
  output carries the plotly JSON (``application/vnd.plotly.v1+json``), which JupyterLab 4
  and Notebook 7 draw with the plotly.js bundled in their plotly extension (no network),
  and a ``text/html`` part for static viewers (nbconvert, report pages): a ``<div>`` and
  a ``Plotly.newPlot`` call that uses the ``window.Plotly`` of the page. The outputs do
  **not** carry plotly.js (4.8 MB each time): a page that shows the HTML part loads it
  once, e.g. from :func:`plotly.offline.get_plotlyjs` in an nbconvert template, as
  ``tests/browser.py`` does. With ``offline=False`` the HTML part loads plotly.js from
  the CDN instead (a ``<script src>`` per figure).

A build that needs another renderer (e.g. a book build that writes a plain
``<div>`` and ships plotly.min.js in its static files) registers it, e.g. from an
IPython startup file, and sets the environment variable
``TOYAMA_LAB_PLOTLY_RENDERER`` to its name; :func:`setup` then selects it instead.

Outside a Jupyter kernel (scripts, tests) :func:`setup` leaves the renderer alone.

Figures with controls go through :func:`show_or_interact`; whether the controls are live
is decided by :func:`toyama_lab.viz.live.resolve_interactive` (see :mod:`toyama_lab.viz.live`).

Every figure builder of the package lives here. The shared pieces are
:mod:`~toyama_lab.viz.basemap`, :mod:`~toyama_lab.viz.maps`, :mod:`~toyama_lab.viz.series`,
:mod:`~toyama_lab.viz.frames`, :mod:`~toyama_lab.viz.airtime`, :mod:`~toyama_lab.viz.labels`
and :mod:`~toyama_lab.viz.colours`; each workbook theme has one module of figures built on
its analysis package: :mod:`~toyama_lab.viz.mobility`, :mod:`~toyama_lab.viz.childsafety`,
:mod:`~toyama_lab.viz.disaster`, :mod:`~toyama_lab.viz.gyosei`,
:mod:`~toyama_lab.viz.quality` and :mod:`~toyama_lab.viz.capacity`. The theme modules are
not imported here (they import their analysis package, which imports
:mod:`~toyama_lab.viz.labels`): ``from toyama_lab.viz import mobility``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

from toyama_lab.viz import colours
from toyama_lab.viz.basemap import add_points, basemap_figure, basemap_traces
from toyama_lab.viz.labels import check_lang, label
from toyama_lab.viz.live import frontend_is_live, live_figure, make_control, resolve_interactive

__all__ = [
    "RENDERER_ENV",
    "Settings",
    "add_points",
    "basemap_figure",
    "basemap_traces",
    "colours",
    "current_lang",
    "frontend_is_live",
    "label",
    "resolve_interactive",
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

    def describe(self) -> str:
        """One line for learners, in the figures' language (what the setup cell shows)."""
        ja = self.lang == "ja"
        where = {
            None: ("Python のみ (図はブラウザで表示されません)", "Python only (no figure display)"),
            f"plotly_mimetype+{OFFLINE_RENDERER}": (
                "JupyterLab・Notebook がオフラインで描画",
                "drawn offline by JupyterLab or Notebook",
            ),
        }.get(self.renderer, (f"描画: {self.renderer}", f"renderer: {self.renderer}"))
        if ja:
            return f"図の準備ができました: ラベルは日本語、{where[0]}。"
        return f"Figures ready: English labels, {where[1]}."

    def _repr_pretty_(self, p, cycle):  # IPython shows this instead of the dataclass repr
        p.text(self.describe())


_SETTINGS = Settings(lang="ja", offline=True, renderer=None, template="plotly")


class OfflineNotebookRenderer(MimetypeRenderer):
    """The ``text/html`` part of a figure output: a ``<div>`` and ``Plotly.newPlot``.

    Without plotly.js and without any CDN reference (``connected=False``): the page that
    shows it provides ``window.Plotly`` once. Nothing is published on activation (plotly's
    own ``notebook`` renderer publishes plotly.js, 4.8 MB, into the output of whichever cell
    activates it, and again each time a figure's ``_repr_mimebundle_`` is asked for). With
    ``connected=True`` each figure loads plotly.js from the CDN itself. No MathJax tag.
    """

    def __init__(self, connected: bool = False, config: dict | None = None):
        self.connected = bool(connected)
        self.config = dict(config or {})

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
    # One registered name, not "plotly_white+toyama": plotly merges a "+" combination again
    # for every Figure it creates (0.5-1.7 s for the class-size city map, most of a redraw);
    # the template already starts from plotly_white.
    pio.templates.default = TEMPLATE
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
    _SETTINGS = Settings(
        lang=lang, offline=bool(offline), renderer=renderer, template=pio.templates.default
    )
    return _SETTINGS


def current_lang() -> str:
    """The language chosen by the last :func:`setup` call (``"ja"`` before any)."""
    return _SETTINGS.lang


def show_or_interact(
    figure: Callable[..., go.Figure],
    interactive: bool | None,
    values: Mapping[str, object],
    choices: Mapping[str, object] | None = None,
    **fixed,
):
    """Show ``figure(**values, **fixed)`` as a static figure, or with live controls.

    The same pure figure function serves both: in a papermill run, a CI run or the
    book (``interactive`` False) it is called once with ``values``; when someone runs
    the workbook in JupyterLab or Notebook 7 (``interactive`` True) a control is built
    for each name in ``choices``, starting at its value in ``values``, and the figure
    is redrawn in place when a control changes (:func:`toyama_lab.viz.live.live_figure`).
    Without ``choices`` there is nothing to control and the figure is always static.

    Parameters
    ----------
    figure : callable
        A pure function returning a plotly Figure.
    interactive : bool or None
        Whether to build controls; None: decide now
        (:func:`toyama_lab.viz.live.resolve_interactive`: live when a person runs the cell).
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
    if not choices or not resolve_interactive(interactive):  # nothing to control: static
        figure(**values, **fixed).show()
        return None
    from IPython.display import display

    controls = {k: make_control(k, c, values[k]) for k, c in choices.items()}
    constant = {k: v for k, v in values.items() if k not in choices} | fixed
    display(live_figure(figure, controls, constant))
    return None
