"""Cache keys of executed workbooks.

jupyter-cache keys a notebook on its code cells only, so a change to the package or
to the data would not re-run it. Here the key of one executed workbook is the
SHA-256 of:

- the notebook file's bytes and the parameters it runs with (and the language);
- :func:`package_fingerprint`: every ``.py`` file of the installed ``toyama_lab``
  except this build driver (``toyama_lab/book``);
- :func:`dataset_fingerprint` of every dataset folder the workbook opened the last
  time it ran (recorded during execution, see :mod:`toyama_lab.book.assets`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["dataset_fingerprint", "notebook_key", "package_fingerprint"]


def package_fingerprint(package: str | os.PathLike[str] | None = None) -> str:
    """SHA-256 over the paths and bytes of the package's Python files.

    Parameters
    ----------
    package : path-like, optional
        The package folder; default the installed ``toyama_lab``. Its ``book/``
        sub-package (this driver) is left out: editing the driver does not re-run
        workbooks.
    """
    if package is None:
        import toyama_lab

        package = Path(toyama_lab.__file__).parent
    package = Path(package)
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] == "book" or "__pycache__" in rel.parts:
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def dataset_fingerprint(path: str | os.PathLike[str]) -> str | None:
    """SHA-256 of a dataset folder's ``manifest.json`` and ``network/network.json``.

    The manifest holds the sha256 of every file and the parameters and source
    fingerprint that made them, so it changes whenever the data do.

    Returns
    -------
    str or None
        None when the folder has no manifest (deleted or not a dataset).
    """
    path = Path(path)
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return None
    digest = hashlib.sha256(manifest.read_bytes())
    network = path / "network" / "network.json"
    if network.is_file():
        digest.update(b"\0network\0" + network.read_bytes())
    return digest.hexdigest()


def notebook_key(
    notebook: str | os.PathLike[str],
    params: Mapping[str, Any],
    package: str,
    datasets: Iterable[str | os.PathLike[str]] = (),
) -> str:
    """The cache key of one executed workbook.

    Parameters
    ----------
    notebook : path-like
        The workbook file.
    params : mapping
        The parameters it runs with (JSON-serialisable).
    package : str
        :func:`package_fingerprint`.
    datasets : iterable of path-like
        The dataset folders it opened the last time it ran; a missing folder
        gives a key that matches nothing recorded.
    """
    digest = hashlib.sha256(Path(notebook).read_bytes())
    digest.update(b"\0params\0" + json.dumps(dict(params), sort_keys=True).encode())
    digest.update(b"\0package\0" + package.encode())
    for folder in sorted(str(d) for d in datasets):
        digest.update(b"\0dataset\0" + folder.encode() + b"=")
        digest.update(str(dataset_fingerprint(folder)).encode())
    return digest.hexdigest()
