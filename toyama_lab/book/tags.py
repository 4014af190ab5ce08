"""Cell tags for the book, added to the executed copies (never to the workbooks).

The skeleton (``workbooks/index.md``, checked by ``tests/test_workbooks.py``): the
cell tagged ``parameters`` comes right after the title, and the validation cell is
the next code cell (papermill may insert its ``injected-parameters`` cell between
them). In the book:

- the parameters cell and papermill's injected cell are shown collapsed
  (myst-nb's ``hide-input``: a "show code" toggle);
- the validation cell is removed (``remove-cell``): plumbing, no output.
"""

from __future__ import annotations

from typing import Any

__all__ = ["COLLAPSED", "REMOVED", "SOURCES_NOTE", "SkeletonError", "sources_note", "tag_for_book"]

#: Text of the note the book appends to every workbook chapter, by language.
SOURCES_NOTE = {
    "ja": "この章が述べる富山市・河川水位・LoRaWAN・ARIB などの事実の出典は、[出典]({link}) の"
    "ページにまとめてあります。",
    "en": "Sources of the facts this chapter states (Toyama, river levels, LoRaWAN, ARIB, ...) "
    "are listed on the [sources]({link}) page.",
}

#: Tag that shows a cell's source collapsed behind a toggle (myst-nb).
COLLAPSED = "hide-input"
#: Tag that drops a cell from the page (myst-nb).
REMOVED = "remove-cell"


class SkeletonError(ValueError):
    """The notebook does not follow the workbook skeleton."""


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _add(cell: Any, tag: str) -> None:
    tags = _tags(cell)
    if tag not in tags:
        cell.setdefault("metadata", {})["tags"] = [*tags, tag]


def tag_for_book(nb: Any, name: str = "notebook") -> Any:
    """Tag an executed notebook for the book, in place, and return it.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed copy.
    name : str
        Its name, for error messages.

    Raises
    ------
    SkeletonError
        If no cell is tagged ``parameters`` or no code cell follows it.
    """
    cells = nb["cells"]
    where = [i for i, c in enumerate(cells) if "parameters" in _tags(c)]
    if not where:
        raise SkeletonError(
            f"{name}: no cell is tagged 'parameters'; the workbook skeleton "
            "(workbooks/index.md, 'For authors') puts one right after the title."
        )
    i = where[0]
    _add(cells[i], COLLAPSED)
    for cell in cells[i + 1 :]:
        if "injected-parameters" in _tags(cell):
            _add(cell, COLLAPSED)
            continue
        if cell.get("cell_type") == "code":
            _add(cell, REMOVED)
            return nb
    raise SkeletonError(
        f"{name}: no code cell follows the parameters cell; the validation cell "
        "(P = validate(...)) must come next."
    )


def sources_note(name: str, lang: str = "ja") -> dict:
    """A markdown cell linking a workbook chapter to the book's sources page.

    Parameters
    ----------
    name : str
        The workbook's name relative to ``workbooks/`` (``network/01-frame-anatomy``);
        the link is relative to where the chapter sits in the book.
    lang : {"ja", "en"}
        Language of the note.
    """
    up = "../" * (name.count("/") + 1)
    return {
        "cell_type": "markdown",
        "id": "book-sources-note",
        "metadata": {"tags": ["book-sources-note"]},
        "source": "---\n\n" + SOURCES_NOTE[lang].format(link=f"{up}reference/sources.md"),
    }
