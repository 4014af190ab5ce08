"""Whether this machine can set a printed PDF's text: the fonts fontconfig offers.

WeasyPrint draws text with the fonts fontconfig finds. Without a font that covers
Japanese, a PDF's Japanese text comes out as missing glyphs, and without any font
WeasyPrint cannot set any text (Pango ended the process in that case, measured with
an empty fontconfig). The game's print-out and the report PDFs ask
:func:`check_fonts` first: a warning without a Japanese font, an error without any,
each saying what to install, before anyone hands out blank cards. ``fc-list`` is
fontconfig's own command; where it is missing nothing can be told and nothing is said.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings

__all__ = ["FontWarning", "NoFontError", "check_fonts", "font_families"]

#: What to install (Debian's package of the Noto CJK fonts the print-outs name first).
INSTALL = "Debian/Ubuntu: sudo apt-get install fonts-noto-cjk"


class FontWarning(UserWarning):
    """A PDF is about to be printed without a font for its Japanese text."""


class NoFontError(RuntimeError):
    """No font at all: a PDF cannot be printed on this machine."""


def font_families(lang: str | None = None) -> list[str] | None:
    """Font families fontconfig offers, for ``lang`` (e.g. ``"ja"``) when given.

    Returns
    -------
    list of str or None
        Sorted family names; None when ``fc-list`` is not installed (nothing known).

    Examples
    --------
    >>> fams = font_families("ja")
    >>> fams is None or isinstance(fams, list)
    True
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    pattern = f":lang={lang}" if lang else ":"
    done = subprocess.run(
        [fc_list, pattern, "family"], capture_output=True, text=True, check=False, timeout=60
    )
    names = {n.strip() for line in done.stdout.splitlines() for n in line.split(",")}
    return sorted(n for n in names if n)


def check_fonts(lang: str, what: str) -> bool:
    """Check the fonts before ``what`` in ``lang`` is printed.

    Parameters
    ----------
    lang : str
        ``"ja"`` needs a font covering Japanese; any other language any font.
    what : str
        The document, for the message (e.g. ``"game-ja.pdf"``).

    Returns
    -------
    bool
        True when it warned (:class:`FontWarning`: no font covers Japanese, so the
        PDF's Japanese text will be missing glyphs).

    Raises
    ------
    NoFontError
        When fontconfig offers no font at all: WeasyPrint cannot set any text then
        (Pango crashed the process in that case, measured with an empty fontconfig).
    """
    every = font_families()
    if every is None:
        return False
    if not every:
        raise NoFontError(
            f"{what}: fontconfig offers no font at all (fc-list lists none), so no text can "
            f"be printed; install a font ({INSTALL}) and print again."
        )
    if lang != "ja" or font_families("ja"):
        return False
    warnings.warn(
        f"{what}: fontconfig offers no Japanese font (fc-list :lang=ja lists none), so the "
        f"PDF's Japanese text will be missing; install one ({INSTALL}) and print again.",
        FontWarning,
        stacklevel=2,
    )
    return True
