"""Atomic file writes: a temporary file in the same folder, then a rename.

A crash, an error or Ctrl-C part-way leaves either the old file or none, never
half a file, because :func:`os.replace` within one folder is atomic on POSIX and
Windows. Used by every module that writes a single file; whole folders are built
the same way by :func:`toyama_lab.store.atomic_folder`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(
    path: str | os.PathLike[str],
    write: Callable[[Path], object],
    *,
    mode: int | None = None,
    fsync: bool = False,
) -> Path:
    """Write ``path`` by calling ``write(tmp)`` on a temporary sibling, then renaming it.

    Parameters
    ----------
    path : path-like
        The file to create or replace. Its folder must exist.
    write : callable
        Called with the temporary path; writes the whole content there
        (e.g. ``lambda p: frame.write_parquet(p)``).
    mode : int, optional
        File permissions to set before the rename (e.g. ``0o600`` for key files).
    fsync : bool
        Flush the content to disk before the rename.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
    >>> _ = write_atomic(target, lambda p: p.write_text("こんにちは", encoding="utf-8"))
    >>> target.read_text(encoding="utf-8")
    'こんにちは'
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"cannot write {str(path)!r}: folder {str(path.parent)!r} does not exist; "
            "create it first."
        )
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, mode: int | None = None, fsync: bool = False
) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(
        path,
        lambda p: p.write_text(text, encoding="utf-8", newline=""),
        mode=mode,
        fsync=fsync,
    )
