"""Sphinx configuration of the toyama-lab book (built by ``make book``; see book/README.md).

The build driver (``python -m toyama_lab.book``) executes the workbooks first and
stages a source tree (``book/_build/<lang>/src``) with this folder's pages and the
executed copies; Sphinx then renders them with execution off. Environment:

- ``TOYAMA_LAB_BOOK_LANG``: ``ja`` (default) or ``en``;
- ``TOYAMA_LAB_BOOK_API``: ``0`` leaves the API reference out (small CI builds);
- ``TOYAMA_LAB_BOOK_ASSETS``: the folder of offline files (plotly.js, MathJax,
  require.js, the widget manager), default ``book/_build/assets``.
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LANG = os.environ.get("TOYAMA_LAB_BOOK_LANG", "ja")
API = os.environ.get("TOYAMA_LAB_BOOK_API", "1") != "0"
ASSETS = Path(os.environ.get("TOYAMA_LAB_BOOK_ASSETS", HERE / "_build" / "assets"))

project = "toyama-lab"
author = "toyama-lab contributors"
copyright = "toyama-lab contributors"
language = LANG
html_title = (
    "富山市スマートシティ・データ学習ワークベンチ"
    if LANG == "ja"
    else "Toyama smart-city data workbench"
)

extensions = [
    "myst_nb",
    "sphinx_exercise",
    "sphinx_togglebutton",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinxcontrib.bibtex",
]
if API:
    # numpydoc docstrings: napoleon (part of Sphinx) turns them into reST for autoapi
    extensions += ["sphinx.ext.napoleon", "autoapi.extension"]
    napoleon_google_docstring = False
    napoleon_use_ivar = True  # "Attributes" as fields: autoapi documents the attributes itself
    autoapi_dirs = [str(ROOT / "toyama_lab")]
    autoapi_root = "reference/api"
    autoapi_add_toctree_entry = False
    autoapi_options = ["members", "undoc-members", "show-inheritance", "show-module-summary"]
    autoapi_ignore = ["*/__main__.py"]
    # ref.python: Sphinx makes a cross-reference of every word of a numpydoc type
    # ("numpy.ndarray of uint8, shape (rounds, n, 16)"); a word such as ``n`` or ``length``
    # that is also an attribute of several classes is ambiguous and is left as plain text,
    # which is what the docstring meant
    suppress_warnings = ["autoapi", "ref.python"]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md", "node_modules"]
# .rst first: sphinx-autoapi writes its pages with the first suffix
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# The driver executed the workbooks already (cached, in parallel); Sphinx only renders.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist", "substitution"]
myst_heading_anchors = 3
# Every number in the prose comes from the package (toyama_lab/book/facts.py).
from toyama_lab.book.facts import substitutions  # noqa: E402

myst_substitutions = substitutions(ROOT)

bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

# Offline: MathJax, require.js and the widget manager are served from _static.
html_static_path = [str(ASSETS), "_static"]
mathjax_path = "mathjax/tex-chtml.js"
nb_ipywidgets_js = {
    "require.min.js": {},
    "widgets/embed-amd.js": {"data-jupyter-widgets-cdn-only": "false"},
}
# plotly.js once per site, before require.js (with require.js first plotly would
# register as an AMD module instead of window.Plotly).
html_js_files = [("plotly.min.js", {"priority": 100}), ("widgets-mathjax3.js", {"priority": 100})]
html_css_files = ["book.css"]

html_theme = "sphinx_book_theme"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_search_language = LANG
# a fixed start mode: with none stored yet (a fresh browser on file://) the theme logs an error
html_context = {"default_mode": "light"}
# the toggle of collapsed cells (the parameters cell) in the book's language
if LANG == "ja":
    nb_code_prompt_show = "コードを表示"
    nb_code_prompt_hide = "コードを隠す"
