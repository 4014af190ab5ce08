"""Open executed workbooks in a real headless Chromium with every host blocked.

Helpers for ``tests/test_browser.py``:

- :func:`find_chromium` / :func:`require_chromium`: the browser (Debian's
  ``chromium``) and a Japanese font, or a clear skip (locally) / failure (in CI);
  :func:`require_japanese_font` the same for the printed PDFs (WeasyPrint);
- :func:`export_html`: an executed notebook as one self-contained HTML file
  through nbconvert's ``lab`` template, either stock (it refers to require.js and
  MathJax on a CDN) or with those CDN blocks removed (no external reference);
- :func:`external_references`: what in an HTML file a browser would fetch from
  the network (script/link/img/iframe/... URLs, ES module imports, CSS imports);
- :func:`load_page`: ``chromium --dump-dom`` of a ``file://`` page, with the
  requests the page attempted read from Chromium's net log;
- :func:`plotly_figures`: each plotly ``<div>`` of the dumped DOM: whether
  plotly.js drew it, its trace groups and its SVG text;
- :func:`screenshot` and :func:`read_png`: a PNG of a page and its pixels
  (stdlib ``zlib``/``struct`` and numpy; no imaging library).

Nothing here goes to the network: the page is a local file and Chromium is
started with ``--host-resolver-rules="MAP * ~NOTFOUND"`` so any name lookup fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from toyama_lab._fonts import font_families

#: Executable names of Chromium (Debian: ``chromium``; Ubuntu/others: ``chromium-browser``).
CHROMIUM_NAMES = ("chromium", "chromium-browser")
#: Headless flags that work as root in a container, with no network and no GPU.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # offline proof: every host name resolves to "not found"
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
#: Virtual time given to the page's scripts before the DOM is dumped. [ms]
VIRTUAL_TIME_MS = 10_000
#: Wall-clock limit for one Chromium run. [s]
BROWSER_TIMEOUT = 90
#: How to install what is missing (the CI does it in .ci/system-packages.sh).
INSTALL_HINT = (
    "install them with `bash .ci/system-packages.sh` (Debian: apt-get install chromium "
    "fonts-noto-cjk)"
)

#: What is missing when fontconfig offers no Japanese font.
NO_JAPANESE_FONT = "a Japanese font (`fc-list :lang=ja` lists none; Debian: fonts-noto-cjk)"

#: plotly.js, once per page, first in the head (before any require.js, so that it sets
#: ``window.Plotly``): the figure outputs' ``text/html`` parts do not carry it
#: (``toyama_lab.viz``), the page that shows them does. Text from ``resources["plotlyjs"]``.
PLOTLY_BLOCK = """{%- block html_head_js -%}
<script type="text/javascript">{{ resources.plotlyjs }}</script>
{{ super() }}
{%- endblock html_head_js -%}
"""
#: The nbconvert ``lab`` template without its CDN blocks (require.js, MathJax, mermaid,
#: ipywidgets html-manager): the page then refers to nothing outside itself.
OFFLINE_TEMPLATE = (
    """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""
    + PLOTLY_BLOCK
)
#: The stock ``lab`` template (CDN blocks kept), with plotly.js added the same way.
STOCK_TEMPLATE = "{%- extends 'lab/index.html.j2' -%}\n" + PLOTLY_BLOCK

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def find_chromium() -> str | None:
    """Path of the Chromium executable, or None if it is not installed."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def japanese_fonts() -> list[str]:
    """Font families that fontconfig offers for Japanese (empty: Chromium would draw tofu)."""
    return font_families("ja") or []


def missing_requirements(chromium: str | None, fonts: list[str]) -> list[str]:
    """What is missing to render a page with Japanese text (empty list: nothing)."""
    missing = []
    if chromium is None:
        missing.append(f"Chromium (none of {', '.join(CHROMIUM_NAMES)} is on PATH)")
    if not fonts:
        missing.append(NO_JAPANESE_FONT)
    return missing


def require_chromium(environ=None, chromium=..., fonts=...) -> str:
    """The Chromium path; otherwise fail when ``CI`` is set, else skip.

    Parameters
    ----------
    environ : mapping, optional
        Environment to read ``CI`` from (default ``os.environ``).
    chromium, fonts : optional
        Override the detected browser path / Japanese font list (for tests).
    """
    environ = os.environ if environ is None else environ
    chromium = find_chromium() if chromium is ... else chromium
    fonts = japanese_fonts() if fonts is ... else fonts
    missing = missing_requirements(chromium, fonts)
    if missing:
        _skip_or_fail(f"browser tests need {' and '.join(missing)}; {INSTALL_HINT}.", environ)
    return chromium


def require_japanese_font(environ=None, fonts=...) -> list[str]:
    """The Japanese font families for a printed PDF; otherwise fail when ``CI`` is set, else skip.

    WeasyPrint draws with the fonts fontconfig offers: without a Japanese one a PDF's
    Japanese text is missing (and without any font, all its text), which a PDF test would
    otherwise report as missing cards or sections instead of naming the cause.
    """
    environ = os.environ if environ is None else environ
    fonts = japanese_fonts() if fonts is ... else fonts
    if not fonts:
        _skip_or_fail(f"PDF tests need {NO_JAPANESE_FONT}; {INSTALL_HINT}.", environ)
    return fonts


def _skip_or_fail(message: str, environ) -> None:
    """Skip the test locally; fail it in CI, where .ci/run installs what is missing."""
    if environ.get("CI"):
        pytest.fail(f"CI={environ['CI']}: {message}", pytrace=False)
    pytest.skip(message)


def export_html(notebook: Path, out: Path, *, offline: bool = True) -> Path:
    """Export an executed notebook to one HTML file (images embedded, plotly.js once).

    Parameters
    ----------
    notebook : Path
        The executed ``.ipynb``.
    out : Path
        The HTML file to write.
    offline : bool
        True: the ``lab`` template without its CDN ``<script>`` blocks; False: the
        stock ``lab`` template (refers to require.js and MathJax on cdnjs).
    """
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter
    from plotly.offline import get_plotlyjs

    templates = {"offline.html.j2": OFFLINE_TEMPLATE, "stock.html.j2": STOCK_TEMPLATE}
    exporter = HTMLExporter(
        template_name="lab",
        embed_images=True,
        extra_loaders=[jinja2.DictLoader(templates)],
        template_file="offline.html.j2" if offline else "stock.html.j2",
    )
    body, _ = exporter.from_notebook_node(
        nbformat.read(notebook, as_version=4), resources={"plotlyjs": get_plotlyjs()}
    )
    out.write_text(body, encoding="utf-8")
    return out


class _References(HTMLParser):
    _ATTRS: ClassVar[dict[str, tuple[str, ...]]] = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "source": ("src", "srcset"),
        "video": ("src", "poster"),
        "audio": ("src",),
        "embed": ("src",),
        "object": ("data",),
        "image": ("href", "xlink:href"),  # SVG
        "use": ("href", "xlink:href"),
    }
    _IMPORT = re.compile(
        r"""(?:\bimport\s*\(\s*|\bimport\s+(?:[\w*{}\s,]+\s+from\s+)?)["'](https?://[^"'\s]+)"""
    )
    _CSS_IMPORT = re.compile(r"""@import\s+["'](https?://[^"'\s]+)""")
    _CSS_URL = re.compile(r"""url\(\s*["']?(https?://[^"')\s]+)""")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self._ATTRS.get(tag, ()) and value:
                if tag == "link" and name == "href" and not _fetched_link(attrs):
                    continue
                candidates = (
                    [c.split()[0] for c in value.split(",") if c.strip()]
                    if name == "srcset"
                    else [value.strip()]
                )
                self.urls += [c for c in candidates if re.match(r"https?://", c)]
            if name == "style" and value:
                self.urls += self._CSS_URL.findall(value)
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.urls += self._IMPORT.findall(data)
        elif self._in == "style":
            self.urls += self._CSS_IMPORT.findall(data) + self._CSS_URL.findall(data)


def _fetched_link(attrs) -> bool:
    rel = dict(attrs).get("rel", "") or ""
    return bool(
        set(rel.lower().split())
        & {"stylesheet", "preload", "modulepreload", "icon", "manifest", "prefetch", "import"}
    )


def external_references(html: str) -> list[str]:
    """Network URLs a browser would fetch for this HTML, in document order.

    ``<script src>``, stylesheet/preload/icon ``<link href>``, ``<img>``, ``<iframe>``,
    media and SVG ``<image>`` sources, ES module imports (static and ``import()``)
    in scripts, and ``@import``/``url()`` in styles. Plain links (``<a href>``) and
    URLs inside string literals (plotly.js carries many, e.g. map-style names) are
    not fetched and are not listed.
    """
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.urls


@dataclass
class Page:
    """A page as Chromium left it.

    Attributes
    ----------
    dom : str
        ``document.documentElement.outerHTML`` after the virtual time budget.
    requests : list of str
        Non-``file:`` URLs the page itself tried to load (from the net log; the
        browser's own background requests are left out). All of them failed.
    seconds : float
        Wall time of the Chromium run. [s]
    """

    dom: str
    requests: list[str]
    seconds: float


def _chromium(chromium: str, args: list[str], workdir: Path) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="profile-", dir=workdir)  # new, empty profile
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=BROWSER_TIMEOUT, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"chromium exited with {done.returncode}: {' '.join(cmd)}\n{tail}")
    return done


def page_requests(netlog: Path) -> list[str]:
    """URLs (not ``file:``) requested on behalf of a ``file://`` page, from a net log."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if (
            event["type"] == start
            and str(params.get("network_isolation_key", "")).startswith("file://")
            and not params.get("url", "").startswith("file:")
        ):
            urls.append(params["url"])
    return list(dict.fromkeys(urls))


def load_page(chromium: str, html: Path, workdir: Path) -> Page:
    """Open ``html`` (``file://``) offline, let its scripts run, and dump the DOM."""
    import time

    netlog = Path(tempfile.mkstemp(prefix="netlog-", suffix=".json", dir=workdir)[1])
    t0 = time.perf_counter()
    done = _chromium(
        chromium,
        [
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            f"--log-net-log={netlog}",
            "--dump-dom",
            html.resolve().as_uri(),
        ],
        workdir,
    )
    seconds = time.perf_counter() - t0
    return Page(done.stdout.decode("utf-8"), page_requests(netlog), seconds)


def screenshot(chromium: str, html: Path, png: Path, workdir: Path, size=(1280, 4000)) -> Path:
    """A PNG of the top ``size`` (width, height) [px] of the page, drawn offline."""
    _chromium(
        chromium,
        [
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={png}",
            html.resolve().as_uri(),
        ],
        workdir,
    )
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot {png}")
    return png


@dataclass
class Figure:
    """One plotly ``<div>`` of a dumped DOM.

    Attributes
    ----------
    id : str
        The div's id (the same as in the notebook output).
    drawn : bool
        plotly.js marked the div ``js-plotly-plot`` (it ran ``newPlot``).
    main_svgs : int
        ``<svg class="main-svg">`` elements inside.
    traces : int
        ``<g class="trace ...">`` groups inside (one per drawn trace).
    trace_paths : int
        ``<path d=...>`` with a drawn shape inside the trace groups (lines,
        polygons, markers, bars).
    texts : list of str
        Text of every SVG ``<text>`` element (titles, ticks, legend, labels).
    """

    id: str
    drawn: bool = False
    main_svgs: int = 0
    traces: int = 0
    trace_paths: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


class _Figures(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[Figure] = []
        self._stack: list[tuple[str, set[str]]] = []
        self._fig_depth: int | None = None
        self._trace_depth: int | None = None
        self._text_depth: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if tag not in _VOID:
            self._stack.append((tag, classes))
        depth = len(self._stack)
        if tag == "div" and "plotly-graph-div" in classes and self._fig_depth is None:
            self.figures.append(Figure(a.get("id", ""), drawn="js-plotly-plot" in classes))
            self._fig_depth = depth
            return
        if self._fig_depth is None:
            return
        fig = self.figures[-1]
        if tag == "svg" and "main-svg" in classes:
            fig.main_svgs += 1
        elif tag == "g" and "trace" in classes and self._trace_depth is None:
            fig.traces += 1
            self._trace_depth = depth
        elif tag == "path" and self._trace_depth is not None:
            d = (a.get("d") or "").strip()
            if len(d) > 2 and d not in ("M0,0Z", "M0,0"):
                fig.trace_paths += 1
        elif tag == "text":
            self._text_depth, self._text = depth, []

    def handle_endtag(self, tag):
        # pop to the matching open tag (tolerates stray end tags)
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                depth = i + 1
                del self._stack[i:]
                break
        else:
            return
        if self._text_depth is not None and depth <= self._text_depth:
            self.figures[-1].texts.append("".join(self._text))
            self._text_depth = None
        if self._trace_depth is not None and depth <= self._trace_depth:
            self._trace_depth = None
        if self._fig_depth is not None and depth <= self._fig_depth:
            self._fig_depth = None

    def handle_data(self, data):
        if self._text_depth is not None:
            self._text.append(data)


def plotly_figures(dom: str) -> list[Figure]:
    """Every plotly figure ``<div>`` of a dumped DOM, in document order."""
    parser = _Figures()
    parser.feed(dom)
    parser.close()
    return parser.figures


def japanese(text: str) -> bool:
    """Whether ``text`` has kana, kanji or full-width characters."""
    return bool(_CJK.search(text))


def read_png(path: Path) -> np.ndarray:
    """Pixels of an 8-bit RGB/RGBA PNG (non-interlaced) as ``(height, width, channels)`` uint8.

    Enough for Chromium screenshots; raises ``ValueError`` for other PNG kinds.
    """
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError(f"{path}: no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit non-interlaced RGB/RGBA is supported")
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.int16)
    prev = np.zeros(stride, np.int16)
    for y in range(height):
        kind, row = raw[y, 0], raw[y, 1:].astype(np.int16)
        if kind == 0:
            cur = row
        elif kind == 1:  # Sub: running sum per channel
            cur = np.cumsum(row.reshape(width, channels), axis=0).reshape(-1) % 256
        elif kind == 2:  # Up
            cur = (row + prev) % 256
        elif kind in (3, 4):  # Average, Paeth: depend on the byte just decoded
            cur = _unfilter_sequential(kind, row.tolist(), prev.tolist(), channels)
        else:
            raise ValueError(f"{path}: bad filter type {kind} in row {y}")
        out[y] = cur
        prev = out[y]
    return out.astype(np.uint8).reshape(height, width, channels)


def _unfilter_sequential(kind: int, row: list[int], prev: list[int], bpp: int) -> np.ndarray:
    cur = [0] * len(row)
    for i, x in enumerate(row):
        a = cur[i - bpp] if i >= bpp else 0
        b = prev[i]
        if kind == 3:
            cur[i] = (x + (a + b) // 2) & 255
            continue
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        cur[i] = (x + pred) & 255
    return np.array(cur, np.int16)
