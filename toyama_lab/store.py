"""On-disk side of a dataset: atomic folders, deterministic Parquet, checksums, manifest, lock.

The guarantees (stated for users in ``docs/architecture.md``, "The dataset store"):

* **Atomic publication.** A folder is built in a temporary sibling
  ``DIR.tmp-<host>-<pid>-<random>`` and renamed to ``DIR`` only when every file is
  written, so ``DIR`` is always either absent, the old complete folder or the new complete
  folder. A replaced folder is first renamed aside (``DIR.old-...``), the new one renamed
  in, then the old one deleted. An exception or Ctrl-C removes the temporary folder; a
  ``SIGKILL`` or power cut leaves it, and the next run that takes the folder's lock removes
  it when its process is gone (:func:`remove_stale`).
* **One writer at a time.** :func:`folder_lock` holds an advisory lock on
  ``.DIR.lock`` beside ``DIR`` (the `filelock <https://py-filelock.readthedocs.io>`_
  library: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows; the operating system
  releases it when the process dies). Callers that change ``DIR`` take it first; a second
  caller waits, then sees the finished folder.
* **A manifest that says what the folder holds.** ``manifest.json`` lists the SHA-256 and
  size of every other file. It holds no creation time, host or user name, so the same
  parameters give the same manifest bytes. It is itself written atomically.
  :func:`quick_check` compares the folder with it cheaply (presence and size of every
  listed file, SHA-256 of the small JSON metadata files); :func:`file_table` (through
  ``Dataset.verify``) hashes every byte.

Test hook: when the environment variable :data:`CRASH_ENV` holds an integer ``k``, the
process ends with :func:`os._exit` (exit status :data:`CRASH_EXIT`, no clean-up, as a
``SIGKILL`` would) right after the store's ``k``-th write (a file, a folder created, a
rename or a deletion). The crash-consistency test runs every ``k``; nothing else reads it.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

__all__ = [
    "CRASH_ENV",
    "CRASH_EXIT",
    "FORMAT",
    "MANIFEST_NAME",
    "DatasetError",
    "OutputExistsError",
    "OutputNotWritableError",
    "atomic_folder",
    "check_writable",
    "describe_contents",
    "file_table",
    "folder_lock",
    "has_stale",
    "lock_path",
    "note_write",
    "quick_check",
    "read_manifest",
    "remove_stale",
    "replace_files",
    "replace_refusal",
    "sha256_file",
    "subfolder_stage",
    "write_json",
    "write_manifest",
    "write_parquet",
    "write_text",
]

MANIFEST_NAME = "manifest.json"
#: Name and version of the folder layout, recorded in the manifest.
FORMAT = "toyama-lab-dataset/1"
#: Environment variable of the crash test hook (see the module docstring).
CRASH_ENV = "TOYAMA_LAB_CRASH_AFTER_WRITES"
#: Exit status of a process ended by the crash test hook.
CRASH_EXIT = 86

#: Parquet settings fixed for byte-identical files: zstd at level 3 (a common
#: speed/size balance), column statistics on, one row group per 1 Mi rows.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "statistics": True,
    "row_group_size": 1_048_576,
    "use_pyarrow": False,
}

#: Subfolders added to a finished dataset folder (``network/``): :func:`quick_check`
#: also reports them when the manifest does not list them.
ADDED_SUBFOLDERS = ("network",)

_HASH_BLOCK = 1 << 20  # bytes read at a time when hashing
_writes = 0  # writes done by this process (the crash test hook counts them)


class DatasetError(ValueError):
    """A dataset cannot be generated or loaded as asked (the message says how to fix it)."""


class OutputExistsError(DatasetError, FileExistsError):
    """The output folder exists already and may not be replaced."""


class OutputNotWritableError(DatasetError, PermissionError):
    """The output folder cannot be created or written."""


def note_write() -> None:
    """Count one write of the store; end the process here when the crash hook says so."""
    global _writes
    _writes += 1
    limit = os.environ.get(CRASH_ENV)
    if limit and _writes == int(limit):
        os._exit(CRASH_EXIT)


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


# ---------------------------------------------------------------------- temporary folders


def _host_tag() -> str:
    """Eight hex digits naming this machine (a hash: host names may hold any character)."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _owned_name(out: Path, role: str) -> Path:
    """A fresh sibling ``<out>.<role>-<host>-<pid>-<random>`` (not created)."""
    return out.with_name(f"{out.name}.{role}-{_host_tag()}-{os.getpid()}-{secrets.token_hex(4)}")


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (True when that cannot be told)."""
    import psutil

    return psutil.pid_exists(pid)


def _stale(path: Path) -> bool:
    """Whether a ``.tmp-``/``.old-`` folder was left by a process of this host that is gone."""
    parts = path.name.rsplit("-", 3)
    if len(parts) != 4 or parts[1] != _host_tag() or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    return pid != os.getpid() and not _pid_alive(pid)


def _leftovers(out: Path) -> Iterator[Path]:
    """Temporary and replaced folders of ``out`` and of its ``network/`` that are stale."""
    stages = (out, subfolder_stage(out / "network"))
    for stage in stages:
        if not stage.parent.is_dir():
            continue
        for role in ("tmp", "old"):
            for path in stage.parent.glob(glob.escape(stage.name) + f".{role}-*"):
                if path.is_dir() and _stale(path):
                    yield path


def has_stale(out: str | os.PathLike[str]) -> bool:
    """Whether a killed run left temporary folders of ``out`` (see :func:`remove_stale`)."""
    out = Path(out).expanduser().absolute()
    return next(_leftovers(out), None) is not None


def remove_stale(out: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary folders of ``out`` (and its ``network/``) left by processes now gone.

    A ``SIGKILL`` or a power cut leaves ``<out>.tmp-<host>-<pid>-<random>`` (a build
    that never finished), ``<out>.old-...`` (a replaced folder not yet deleted), or the
    same of ``<out>.network`` (see :func:`subfolder_stage`). Those
    of this host whose process no longer runs are removed; those of another host (a
    shared drive) or of a running process are left alone. Call it holding
    :func:`folder_lock` of ``out``.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    out = Path(out).expanduser().absolute()
    gone = list(_leftovers(out))
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
        note_write()
    return gone


def lock_path(out: str | os.PathLike[str]) -> Path:
    """The lock file of a folder: ``.<name>.lock`` beside it (never inside it)."""
    out = Path(out).expanduser().absolute()
    return out.with_name(f".{out.name}.lock")


_LOCKS: dict[Path, Any] = {}


@contextlib.contextmanager
def folder_lock(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the advisory lock of folder ``out``, waiting while another process holds it.

    Re-entrant within a thread: a function holding it may call another that takes it.
    The lock file ``.<name>.lock`` (empty) stays beside ``out`` while ``out`` exists; when
    the holder leaves no ``out`` behind (its build failed), the lock file and the parent
    folders this call created are removed, so a failed first build leaves nothing.

    Yields
    ------
    pathlib.Path
        ``out`` made absolute.
    """
    from filelock import FileLock

    out = check_writable(out)
    created: list[Path] = []
    probe = out.parent
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    out.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(out)
    lock = _LOCKS.setdefault(path, FileLock(path))
    try:
        with lock:
            yield out
    finally:
        if not out.exists() and not lock.is_locked:
            # A process waiting on the removed file may then hold the lock together with
            # a newcomer: both build, the second rename is refused (atomic_folder) and
            # ensure_dataset keeps the first folder when it is the same dataset.
            with contextlib.suppress(OSError):
                path.unlink()
            for folder in created:  # innermost first; only removed if still empty
                with contextlib.suppress(OSError):
                    folder.rmdir()


def subfolder_stage(out: str | os.PathLike[str]) -> Path:
    """Where temporary folders of a subfolder ``DIR/SUB`` go: ``DIR.SUB.tmp-...`` beside ``DIR``.

    So ``DIR`` never holds a half-built or replaced subfolder (nothing its manifest does
    not list), while the final rename stays within one file system.
    """
    out = Path(out).expanduser().absolute()
    return out.parent.with_name(f"{out.parent.name}.{out.name}")


@contextlib.contextmanager
def atomic_folder(
    out: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    stage: str | os.PathLike[str] | None = None,
) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it into place at the end.

    Parameters
    ----------
    out : path-like
        The final folder.
    overwrite : bool
        Replace ``out`` if it exists. Otherwise an existing ``out`` is refused,
        both before the work starts and again at the final rename (another process
        may have finished the same folder in the meantime). Whether ``out`` may be
        replaced at all is the caller's decision (``toyama_lab.datasets.policy``).
    stage : path-like, optional
        Name the temporary folders ``<stage>.tmp-...`` and ``<stage>.old-...`` (on the same
        file system as ``out``); default ``out``. See :func:`subfolder_stage`.

    Yields
    ------
    pathlib.Path
        The temporary folder ``<out>.tmp-<host>-<pid>-<random>`` to fill (permissions
        from the umask, as ``mkdir`` gives).

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
    deleted, so at every moment ``out`` is either the old or the new folder, or
    (between the two renames) absent.
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
    stage = out if stage is None else Path(stage)
    tmp = _owned_name(stage, "tmp")
    tmp.mkdir()
    note_write()
    try:
        yield tmp
        _move_into_place(tmp, out, overwrite=overwrite, stage=stage)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:  # innermost first; only removed if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _move_into_place(tmp: Path, out: Path, *, overwrite: bool, stage: Path) -> None:
    """Rename ``tmp`` to ``out``; with ``overwrite`` swap out an existing folder."""
    if not out.exists():
        try:
            os.rename(tmp, out)
            note_write()
            return
        except OSError:
            if not out.exists():
                raise
    if not overwrite:
        raise OutputExistsError(
            f"output folder {str(out)!r} was created by someone else while this one was "
            "being built; pass --overwrite to replace it, or choose another --out folder."
        )
    old = _owned_name(stage, "old")
    os.rename(out, old)
    note_write()
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    note_write()
    shutil.rmtree(old, ignore_errors=True)
    note_write()


# ---------------------------------------------------------------------------- files


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def file_table(root: str | os.PathLike[str], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Checksum every file under ``root`` except a top-level manifest.

    Parameters
    ----------
    root : path-like
        The folder.
    prefix : str
        Put before each relative path (e.g. ``"network/"`` for a subfolder built
        elsewhere).

    Returns
    -------
    dict
        ``{prefix + relative posix path: {"sha256": hex, "bytes": size}}`` sorted by path.
    """
    root = Path(root)
    paths = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() != MANIFEST_NAME
    )
    return {
        prefix + rel: {"sha256": sha256_file(root / rel), "bytes": (root / rel).stat().st_size}
        for rel in paths
    }


def _umask() -> int:
    """The process's umask (read once: setting it is not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Permissions of a new data file: what ``open`` would give (the temporary file
#: :func:`toyama_lab._atomic.write_atomic` renames is created 0600).
FILE_MODE = 0o666 & ~_umask()


def _write(path: Path, write: Callable[[Path], object], mode: int | None = None) -> None:
    """Write one file atomically (temporary sibling, then rename) and count the write.

    ``mode`` defaults to :data:`FILE_MODE`, so others may read a shared class folder as
    the umask allows.
    """
    from toyama_lab._atomic import write_atomic

    write_atomic(path, write, mode=FILE_MODE if mode is None else mode)
    note_write()


def write_text(path: str | os.PathLike[str], text: str, *, mode: int | None = None) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (newlines as given; ``mode``: permissions)."""
    _write(Path(path), lambda p: p.write_text(text, encoding="utf-8", newline=""), mode)


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write JSON atomically and deterministically: sorted keys, two-space indent, UTF-8."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_manifest(
    root: str | os.PathLike[str],
    header: dict[str, Any],
    files: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Write ``manifest.json`` atomically: ``header`` plus ``files``.

    Parameters
    ----------
    root : path-like
        The dataset folder.
    header : dict
        Everything but the file list (``format``, ``parameters``, ``software``, ...).
    files : dict, optional
        The file table; default :func:`file_table` of ``root`` (every other file).

    Returns
    -------
    dict
        The manifest written.
    """
    manifest = {**header, "files": file_table(root) if files is None else files}
    write_json(manifest, Path(root) / MANIFEST_NAME)
    return manifest


def replace_files(
    root: str | os.PathLike[str], prefix: str, table: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Rewrite the manifest of ``root`` with the files under ``prefix`` replaced by ``table``.

    Only the entries under ``prefix`` change: nothing else in the folder is hashed, so
    files another process is writing beside it (its temporary folders) never enter the
    manifest. Used to publish a rebuilt subfolder such as ``network/``.

    Returns
    -------
    dict
        The manifest written.
    """
    manifest = read_manifest(root)
    kept = {k: v for k, v in manifest["files"].items() if not k.startswith(prefix)}
    header = {k: v for k, v in manifest.items() if k != "files"}
    return write_manifest(root, header, dict(sorted({**kept, **table}.items())))


def describe_contents(folder: str | os.PathLike[str], limit: int = 8) -> str:
    """The first ``limit`` names in ``folder`` (sorted), e.g. ``"notes.txt, data/ (2 entries)"``."""
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in Path(folder).iterdir())
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f"{shown} ({len(names)} entr{'y' if len(names) == 1 else 'ies'})"


def replace_refusal(out: str | os.PathLike[str]) -> str | None:
    """Why the existing folder ``out`` may not be replaced (None: it may).

    Only an empty folder or a folder this tool made (a readable manifest of
    :data:`FORMAT`) may be replaced; anything else is the user's and is refused.
    The folder is not changed (its permissions neither).
    """
    out = Path(out)
    if not out.is_dir() or not any(out.iterdir()):
        return None
    if not (out / MANIFEST_NAME).is_file():
        return (
            f"{str(out)!r} is not a toyama-lab dataset (it has no {MANIFEST_NAME}) and holds "
            f"{describe_contents(out)}; it is not replaced, even with --overwrite: choose "
            "another --out folder, or move those files away first"
        )
    try:
        read_manifest(out)
    except DatasetError as exc:
        return (
            f"{exc} It holds {describe_contents(out)}; a folder without a readable manifest "
            "is not replaced, even with --overwrite: delete or move it yourself"
        )
    return None


def read_manifest(root: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the structure of ``manifest.json`` of a dataset folder.

    Returns
    -------
    dict
        A JSON object with ``format`` equal to :data:`FORMAT`, a ``parameters`` object
        and a ``files`` object whose entries each hold ``sha256`` (str) and ``bytes`` (int).

    Raises
    ------
    DatasetError
        If the folder has no manifest, or it is not valid JSON or not of that shape
        (a damaged folder).
    """
    path = Path(root) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(
            f"{str(root)!r} is not a toyama-lab dataset: it has no {MANIFEST_NAME}; "
            "generate it with `toyama-lab generate` or toyama_lab.datasets.load()."
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"{str(path)!r} is damaged: not valid JSON ({exc}); delete the folder and "
            "generate it again."
        ) from exc
    problem = _manifest_problem(manifest)
    if problem is not None:
        raise DatasetError(
            f"{str(path)!r} is damaged: {problem}; delete the folder and generate it again."
        )
    return manifest


def _manifest_problem(manifest: Any) -> str | None:
    """What is wrong with the shape of a parsed manifest (None: nothing)."""
    if not isinstance(manifest, dict):
        return f"expected a JSON object, found {type(manifest).__name__}"
    if manifest.get("format") != FORMAT:
        return f"format is {manifest.get('format')!r}, expected {FORMAT!r}"
    if not isinstance(manifest.get("parameters"), dict):
        return "it has no 'parameters' object"
    files = manifest.get("files")
    if not isinstance(files, dict):
        return "it has no 'files' object"
    for name, entry in files.items():
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("bytes"), int)
            and not name.startswith("/")
            and ".." not in name.split("/")
        )
        if not ok:
            return f"entry {name!r} is not a relative path with 'sha256' and 'bytes'"
    return None


def quick_check(root: str | os.PathLike[str], manifest: dict[str, Any]) -> list[str]:
    """Cheap comparison of a folder with its manifest: what ``load`` checks on every open.

    Every listed file must exist with its listed size (one ``stat`` each); every listed
    ``.json`` file (Zarr metadata, ``network/network.json``: small) must also have its
    listed SHA-256; and a subfolder the store adds later (``network/``) must not be there
    unlisted. Data chunks are not read: :func:`file_table` (``Dataset.verify``) hashes
    every byte.

    Returns
    -------
    list of str
        One line per problem (``"missing: timeseries/river.zarr/level_m/c/0/0"``,
        ``"resized: ..."``, ``"changed: ..."``); empty when none was found.
    """
    root = Path(root)
    problems = []
    for name, entry in manifest["files"].items():
        path = root / name
        try:
            size = path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            problems.append(f"missing: {name}")
            continue
        if size != entry["bytes"]:
            problems.append(f"resized: {name}")
        elif name.endswith(".json") and sha256_file(path) != entry["sha256"]:
            problems.append(f"changed: {name}")
    for sub in ADDED_SUBFOLDERS:
        listed = any(name.startswith(f"{sub}/") for name in manifest["files"])
        if not listed and (root / sub).is_dir():
            problems.append(f"unlisted: {sub}/")
    return problems


def write_parquet(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a polars frame to Parquet with fixed settings (:data:`PARQUET_OPTIONS`).

    The same frame gives the same bytes: compression, level, statistics and row
    group size are fixed, no time stamp is written, and the frame is made one
    contiguous chunk first so that how it was assembled does not matter.
    """
    frame = frame.rechunk()
    _write(Path(path), lambda p: frame.write_parquet(p, **PARQUET_OPTIONS))
