"""On-disk side of a dataset: atomic folders, deterministic Parquet, checksums, manifest.

A dataset folder is built in a temporary sibling folder ``DIR.tmp-XXXXXXXX`` and
renamed into place only when everything is written, so a crash, an error or
Ctrl-C never leaves a half-written ``DIR`` (the temporary folder is removed).

The manifest (``manifest.json``) lists the SHA-256 and size of every other file in
the folder. It holds no creation time and no host or user name, so the same seed
and parameters give the same manifest bytes; the manifest does not list itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

__all__ = [
    "MANIFEST_NAME",
    "DatasetError",
    "OutputExistsError",
    "OutputNotWritableError",
    "atomic_folder",
    "check_writable",
    "file_table",
    "read_manifest",
    "sha256_file",
    "write_json",
    "write_manifest",
    "write_parquet",
]

MANIFEST_NAME = "manifest.json"

#: Parquet settings fixed for byte-identical files: zstd at level 3 (a common
#: speed/size balance), column statistics on, one row group per 1 Mi rows.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "statistics": True,
    "row_group_size": 1_048_576,
    "use_pyarrow": False,
}

_HASH_BLOCK = 1 << 20  # bytes read at a time when hashing


class DatasetError(ValueError):
    """A dataset cannot be generated or loaded as asked (the message says how to fix it)."""


class OutputExistsError(DatasetError, FileExistsError):
    """The output folder exists already and overwriting was not asked for."""


class OutputNotWritableError(DatasetError, PermissionError):
    """The output folder cannot be created or written."""


def _existing_ancestor(path: Path) -> Path:
    """Return the nearest ancestor of ``path`` (or itself) that exists."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_writable(out: str | os.PathLike[str]) -> Path:
    """Check, before any work, that a dataset folder can be written at ``out``.

    Parameters
    ----------
    out : path-like
        The dataset folder to be created.

    Returns
    -------
    pathlib.Path
        ``out`` made absolute.

    Raises
    ------
    OutputNotWritableError
        If ``out`` or the folder it would be created in is not a writable folder.
        The check creates and removes a probe file, so it also catches read-only
        mounts that permission bits alone would not show.
    """
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise OutputNotWritableError(
            f"output {str(out)!r} exists and is a file, not a folder; "
            "choose another --out folder (a dataset is a folder)."
        )
    base = _existing_ancestor(out.parent)
    if not base.is_dir():
        raise OutputNotWritableError(
            f"cannot create output folder {str(out)!r}: {str(base)!r} is a file, not a folder; "
            "choose an --out path inside a folder you can write to."
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".toyama-lab-probe-", dir=base)
    except OSError as exc:
        raise OutputNotWritableError(
            f"cannot write output folder {str(out)!r}: the folder {str(base)!r} is not "
            f"writable ({exc.strerror}); choose an --out path in a folder you can write to."
        ) from exc
    os.close(fd)
    os.unlink(probe)
    return out


@contextlib.contextmanager
def atomic_folder(out: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it into place at the end.

    Parameters
    ----------
    out : path-like
        The final folder.
    overwrite : bool
        Replace ``out`` if it exists. Otherwise an existing ``out`` is refused,
        both before the work starts and again at the final rename (another process
        may have finished the same folder in the meantime).

    Yields
    ------
    pathlib.Path
        The temporary folder ``<out>.tmp-XXXXXXXX`` to fill.

    Raises
    ------
    OutputExistsError
        If ``out`` exists and ``overwrite`` is false.
    OutputNotWritableError
        If ``out`` cannot be written.

    Notes
    -----
    On any exception, ``KeyboardInterrupt`` included, the temporary folder is
    removed (and parent folders this call created). With ``overwrite`` the old
    folder is first renamed aside, the new one renamed in, then the old one
    deleted, so at every moment ``out`` is either the old or the new dataset.
    """
    out = check_writable(out)
    if out.exists() and not overwrite:
        raise OutputExistsError(
            f"output folder {str(out)!r} exists already; pass --overwrite (overwrite=True) "
            "to replace it, or choose another --out folder."
        )
    created: list[Path] = []
    probe = out.parent
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
        _move_into_place(tmp, out, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:  # innermost first; only removed if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _move_into_place(tmp: Path, out: Path, *, overwrite: bool) -> None:
    """Rename ``tmp`` to ``out``; with ``overwrite`` swap out an existing folder."""
    if not out.exists():
        try:
            os.rename(tmp, out)
            return
        except OSError:
            if not out.exists():
                raise
    if not overwrite:
        raise OutputExistsError(
            f"output folder {str(out)!r} was created by someone else while this one was "
            "being built; pass --overwrite to replace it, or choose another --out folder."
        )
    old = Path(tempfile.mkdtemp(prefix=f"{out.name}.old-", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def file_table(root: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Checksum every file under ``root`` except the manifest.

    Returns
    -------
    dict
        ``{relative posix path: {"sha256": hex, "bytes": size}}`` sorted by path.
    """
    root = Path(root)
    paths = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() != MANIFEST_NAME
    )
    return {
        rel: {"sha256": sha256_file(root / rel), "bytes": (root / rel).stat().st_size}
        for rel in paths
    }


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write JSON deterministically: sorted keys, two-space indent, UTF-8, final newline."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def write_manifest(root: str | os.PathLike[str], header: dict[str, Any]) -> dict[str, Any]:
    """Write ``manifest.json``: ``header`` plus ``files`` (checksums of every other file).

    Returns
    -------
    dict
        The manifest written.
    """
    manifest = {**header, "files": file_table(root)}
    write_json(manifest, Path(root) / MANIFEST_NAME)
    return manifest


def read_manifest(root: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``manifest.json`` of a dataset folder.

    Raises
    ------
    DatasetError
        If the folder has no readable manifest.
    """
    path = Path(root) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(
            f"{str(root)!r} is not a toyama-lab dataset: it has no {MANIFEST_NAME}; "
            "generate it with `toyama-lab generate` or toyama_lab.datasets.load()."
        ) from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{str(path)!r} is not valid JSON ({exc}); delete the folder and generate it again."
        ) from exc


def write_parquet(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a polars frame to Parquet with fixed settings (:data:`PARQUET_OPTIONS`).

    The same frame gives the same bytes: compression, level, statistics and row
    group size are fixed, no time stamp is written, and the frame is made one
    contiguous chunk first so that how it was assembled does not matter.
    """
    frame.rechunk().write_parquet(path, **PARQUET_OPTIONS)
