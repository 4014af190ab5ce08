"""Build the book: datasets, executed workbooks (cached, in parallel), then Sphinx.

``make book`` runs ``python -m toyama_lab.book``. The steps, one module each:

- :mod:`~toyama_lab.book.config`: what to build (``book/book.toml``: which workbooks,
  parameter overrides, time limit per workbook);
- :mod:`~toyama_lab.book.fingerprint`: the cache key of an executed workbook
  (notebook bytes + parameters + package source + the datasets it opened);
- :mod:`~toyama_lab.book.tags`: cell tags added to the executed copies (validation
  cell removed, parameters cell collapsed); the workbooks themselves are never edited;
- :mod:`~toyama_lab.book.execute`: one kernel per workbook, in parallel, each in its
  own process with a time limit; a failure names the notebook and the cell;
- :mod:`~toyama_lab.book.assets`: the offline files (plotly.js, MathJax, require.js,
  the widget manager) and the IPython startup file used during execution;
- :mod:`~toyama_lab.book.dictionary`: the data dictionary and payload layouts as
  MyST pages generated from the package's own schema tables;
- :mod:`~toyama_lab.book.driver`: stage the Sphinx source tree and run Sphinx with
  execution off on the executed copies.
"""

from toyama_lab.book.config import BookConfig, load_config
from toyama_lab.book.driver import BuildResult, build

__all__ = ["BookConfig", "BuildResult", "build", "load_config"]
