"""Offline files of the book, and the IPython start-up file used while executing.

Nothing of the built site is fetched from the internet at view time:

- ``plotly.min.js`` is copied once per site from the installed plotly package;
  during execution an IPython start-up file (found through ``IPYTHONDIR``)
  registers the renderer :data:`RENDERER` (a plain ``<div>`` + ``Plotly.newPlot``,
  no plotly.js, no MathJax tag) and ``TOYAMA_LAB_PLOTLY_RENDERER`` makes
  :func:`toyama_lab.viz.setup` select it;
- MathJax 3, require.js and ``@jupyter-widgets/html-manager`` (for saved widget
  state) come from npm at build time (``book/package.json`` and its lock; the npm
  registry is the only network used, once) into ``book/_build/node`` and are
  copied into the site's static files.

The same start-up file records every dataset folder a workbook opens (a wrapper
around ``toyama_lab.datasets.cache.Dataset.__init__``, active only when
:data:`RECORD_ENV` is set), so the cache key can include those datasets.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from toyama_lab._atomic import write_text_atomic

__all__ = [
    "RECORD_ENV",
    "RENDERER",
    "STARTUP",
    "AssetError",
    "install_npm",
    "kernel_environment",
    "static_files",
    "write_startup",
]

#: plotly renderer registered by the start-up file for book builds.
RENDERER = "toyama_book"
#: Environment variable naming the file that collects opened dataset folders.
RECORD_ENV = "TOYAMA_LAB_BOOK_RECORD"

#: The IPython start-up file (Python source) written for book builds.
STARTUP = f'''"""toyama-lab book build: offline plotly renderer and dataset recorder (generated)."""
import json as _json
import os as _os

import plotly.io as _pio
from plotly.io._base_renderers import MimetypeRenderer as _Base


class _BookRenderer(_Base):
    """A plain <div> per figure; plotly.js is served once by the site."""

    def to_mimebundle(self, fig_dict):
        html = _pio.to_html(
            fig_dict,
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=525,
            validate=False,
        )
        return {{"text/html": html}}


_pio.renderers["{RENDERER}"] = _BookRenderer()

_record = _os.environ.get("{RECORD_ENV}")
if _record:
    from toyama_lab.datasets import cache as _cache

    _init = _cache.Dataset.__init__

    def _recording_init(self, path, _init=_init):
        _init(self, path)
        with open(_record, "a", encoding="utf-8") as fh:
            fh.write(
                _json.dumps(
                    {{
                        "path": str(self.path.resolve()),
                        "parameters": self.manifest.get("parameters"),
                        "network": (self.path / "network").is_dir(),
                    }}
                )
                + "\\n"
            )

    _cache.Dataset.__init__ = _recording_init
'''


class AssetError(RuntimeError):
    """An offline file could not be installed."""


def write_startup(ipython_dir: str | os.PathLike[str]) -> Path:
    """Write the start-up file into ``ipython_dir/profile_default/startup/``."""
    folder = Path(ipython_dir) / "profile_default" / "startup"
    folder.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(folder / "00-toyama-lab-book.py", STARTUP)


def kernel_environment(ipython_dir: str | os.PathLike[str], record: str | os.PathLike[str]):
    """Environment for a workbook run: the start-up file, renderer and dataset record."""
    from toyama_lab.viz import RENDERER_ENV

    return os.environ | {
        "IPYTHONDIR": str(ipython_dir),
        RENDERER_ENV: RENDERER,
        RECORD_ENV: str(record),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def install_npm(book: str | os.PathLike[str], node_dir: str | os.PathLike[str]) -> Path:
    """Install ``book/package.json`` (with its lock) into ``node_dir`` unless already there.

    Returns
    -------
    Path
        ``node_dir / "node_modules"``.

    Raises
    ------
    AssetError
        If ``npm`` is missing or the install fails (the message says how to fix it).
    """
    book, node_dir = Path(book), Path(node_dir)
    lock = (book / "package.json").read_bytes() + (book / "package-lock.json").read_bytes()
    stamp = node_dir / ".installed"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.is_file() and stamp.read_text() == digest:
        return node_dir / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError(
            "the book serves MathJax, require.js and the widget manager itself and installs "
            "them with npm once; npm is not on PATH (Debian: apt-get install npm)."
        )
    node_dir.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(book / name, node_dir / name)
    print("book: installing MathJax, require.js and the widget manager from npm (once) ...")
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=node_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssetError(f"npm ci in {node_dir} failed:\n{done.stderr[-2000:]}")
    write_text_atomic(stamp, digest)
    return node_dir / "node_modules"


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.is_file() and dst.stat().st_size == src.stat().st_size:
        if dst.stat().st_mtime_ns >= src.stat().st_mtime_ns:
            return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def _mathjax_wanted(rel: Path) -> bool:
    """The MathJax files the CommonHTML TeX build can load (no speech engine, no SVG)."""
    name = rel.as_posix()
    if rel.parent == Path("."):
        return name == "tex-chtml.js"
    return not name.startswith(("sre/", "output/svg", "adaptors/")) and not name.endswith(".map")


def static_files(node_modules: str | os.PathLike[str], out: str | os.PathLike[str]) -> Path:
    """Copy the offline files into ``out`` (the site's extra static folder).

    Layout: ``plotly.min.js``, ``require.min.js``, ``mathjax/tex-chtml.js`` (+ fonts
    and extensions), ``widgets/embed-amd.js`` (+ its fonts). Unchanged files are not
    copied again.
    """
    import plotly

    node_modules, out = Path(node_modules), Path(out)
    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    _copy_if_changed(plotly_js, out / "plotly.min.js")
    _copy_if_changed(node_modules / "requirejs" / "require.js", out / "require.min.js")
    es5 = node_modules / "mathjax" / "es5"
    for src in es5.rglob("*"):
        if src.is_file() and _mathjax_wanted(src.relative_to(es5)):
            _copy_if_changed(src, out / "mathjax" / src.relative_to(es5))
    dist = node_modules / "@jupyter-widgets" / "html-manager" / "dist"
    for src in dist.iterdir():
        if src.name == "embed-amd.js" or src.suffix in (".woff", ".woff2", ".ttf", ".eot", ".svg"):
            _copy_if_changed(src, out / "widgets" / src.name)
    return out
