"""A run's outputs for people: the lean notebook, an offline HTML page, an A4 PDF.

- :func:`lean_notebook`: the executed notebook without any embedded plotly.js.
  :func:`toyama_lab.viz.setup` no longer puts plotly.js into outputs (each figure is its
  plotly JSON plus a ``<div>`` that uses the page's ``window.Plotly``); a notebook made
  with an older version that embedded the 4.8 MB copy gets it replaced by a reference
  to ``plotly.min.js`` in the output folder, which :func:`write_plotlyjs` writes once per
  job. The figures' own data stay (JupyterLab draws them from the plotly MIME bundle;
  the HTML page from the ``text/html`` part).
- :func:`html_page`: the notebook as one HTML page through nbconvert's ``lab``
  template with its CDN blocks (require.js, MathJax, mermaid, the widget manager)
  taken out and ``plotly.min.js`` loaded once from beside the page: zero external
  URLs, it opens from ``file://``.
- :func:`pdf_report`: an A4 PDF through WeasyPrint (Pango lays out the Japanese
  text; the fonts are embedded as subsets). Markdown and outputs are printed, code
  is not; plotly figures need JavaScript and are left to the HTML page (a note says
  so); myst-nb's cell tags ``remove-cell`` and ``remove-output`` are honoured, and
  cells tagged ``print-skip`` (a workbook's exercise, "what's next") are left out.
"""

from __future__ import annotations

import copy
import html
import os
import re
import warnings
from pathlib import Path

__all__ = [
    "OFFLINE_TEMPLATE",
    "OUTPUT_MODE",
    "PLOTLYJS",
    "PRINT_CSS",
    "PRINT_SKIP_TAG",
    "html_page",
    "lean_notebook",
    "pdf_report",
    "write_plotlyjs",
]

#: Permissions of a job's output files: readable by everyone (reports are shared).
OUTPUT_MODE = 0o644
#: File name of plotly.js in a job's output folder (one copy for every page).
PLOTLYJS = "plotly.min.js"

#: The nbconvert ``lab`` template without the blocks that load scripts from CDNs.
OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js -%}
<script src="plotly.min.js" charset="utf-8"></script>
{%- endblock html_head_js -%}
"""

#: Print style: A4, Japanese-capable fonts (Noto CJK from fonts-noto-cjk on Debian).
PRINT_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", sans-serif;
       font-size: 10pt; line-height: 1.5; }
h1 { font-size: 17pt; border-bottom: 2px solid #0072B2; padding-bottom: 2pt; }
h2 { font-size: 13pt; color: #0072B2; margin-top: 12pt; break-after: avoid; }
h3 { font-size: 11pt; break-after: avoid; }
pre { font-family: "Noto Sans Mono CJK JP", "Noto Sans CJK JP", monospace; font-size: 8.5pt;
      white-space: pre-wrap; background: #f5f5f5; padding: 4pt; }
table { border-collapse: collapse; font-size: 8.5pt; margin: 4pt 0; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; }
.note { color: #666; font-size: 8.5pt; }
"""

#: Cell tag: leave the cell out of the PDF (e.g. a workbook's exercise and "what's next").
PRINT_SKIP_TAG = "print-skip"

_ANCHOR = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>')
_FIGURE_NOTE = "（図は HTML 版で表示されます / the figure is in the HTML page）"


def _plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def lean_notebook(nb, plotlyjs: str | None = None):
    """A copy of an executed notebook whose outputs refer to ``plotly.min.js``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    plotlyjs : str, optional
        The plotly.js source to take out (default: the installed plotly's, which the
        kernel embedded).

    Returns
    -------
    nbformat.NotebookNode
        The lean copy; ``nb`` is not changed.
    """
    js = _plotlyjs() if plotlyjs is None else plotlyjs
    embedded = f"<script>{js}</script>"
    reference = f'<script src="{PLOTLYJS}" charset="utf-8"></script>'
    out = copy.deepcopy(nb)
    for cell in out.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = data.get("text/html")
            if text is None:
                continue
            text = "".join(text) if isinstance(text, list) else text
            if js in text:
                data["text/html"] = text.replace(embedded, reference).replace(js, "")
    return out


def write_plotlyjs(folder: str | os.PathLike) -> Path:
    """Write ``plotly.min.js`` into ``folder`` once (atomically; kept if already there)."""
    from toyama_lab._atomic import write_text_atomic

    path = Path(folder) / PLOTLYJS
    if not path.is_file():
        write_text_atomic(path, _plotlyjs(), mode=OUTPUT_MODE)
    return path


def html_page(nb) -> str:
    """The notebook as an offline HTML page (no external URL; plotly.js by reference).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A lean notebook (:func:`lean_notebook`), to be written next to ``plotly.min.js``.

    Returns
    -------
    str
        The HTML document.
    """
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
        embed_images=True,
    )
    with warnings.catch_warnings():  # hidden glue values have no HTML form, by design
        warnings.filterwarnings("ignore", message=".*papermill.record.*", category=UserWarning)
        body, _ = exporter.from_notebook_node(nb)
    return body


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _output_html(output) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f"<pre>{html.escape(''.join(output.get('text', '')))}</pre>"
    if kind == "error":
        text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return f"<pre>{html.escape(text)}</pre>"
    data = output.get("data", {})
    if "application/vnd.plotly.v1+json" in data:
        return f'<p class="note">{_FIGURE_NOTE}</p>'
    text = data.get("text/html")
    if text is not None:
        text = "".join(text) if isinstance(text, list) else text
        return "" if "<script" in text else text
    if "image/png" in data:
        return f'<img src="data:image/png;base64,{data["image/png"]}" style="max-width:100%">'
    if "text/markdown" in data:
        from nbconvert.filters import markdown2html

        return markdown2html("".join(data["text/markdown"]))
    return ""  # text/plain reprs of values are not part of a printed report


def print_html(nb, title: str) -> str:
    """The notebook as a print-ready HTML document (markdown and outputs, no code)."""
    from nbconvert.filters import markdown2html

    parts = []
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & {"remove-cell", PRINT_SKIP_TAG, "parameters", "injected-parameters"}:
            continue
        if cell.cell_type == "markdown":
            parts.append(_ANCHOR.sub("", markdown2html(cell.source)))
        elif cell.cell_type == "code" and "remove-output" not in tags:
            parts += [_output_html(o) for o in cell.get("outputs", [])]
    body = "\n".join(p for p in parts if p)
    return (
        f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{PRINT_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


def pdf_report(nb, path: str | os.PathLike, title: str) -> Path:
    """Print the notebook to an A4 PDF with WeasyPrint (written atomically).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    path : path-like
        The PDF file.
    title : str
        Document title (PDF metadata).

    Returns
    -------
    pathlib.Path
        ``path``.

    Warns
    -----
    toyama_lab._fonts.FontWarning
        When fontconfig offers no Japanese font (the PDF's text would be missing).

    Raises
    ------
    toyama_lab._fonts.NoFontError
        When fontconfig offers no font at all (nothing is written).
    """
    import weasyprint

    from toyama_lab._atomic import write_atomic
    from toyama_lab._fonts import check_fonts

    check_fonts("ja", Path(path).name)  # the page is in Japanese (lang="ja")
    document = weasyprint.HTML(string=print_html(nb, title)).render()
    return write_atomic(path, lambda p: document.write_pdf(p), mode=OUTPUT_MODE)
