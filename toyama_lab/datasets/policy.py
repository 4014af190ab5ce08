"""Keep or rebuild an existing dataset folder: the one policy ``load`` and the CLI share.

:func:`inspect_folder` says what a folder is, compared with the dataset asked for;
:func:`ensure_dataset` acts on it, holding the folder's lock
(:func:`~toyama_lab.datasets.store.folder_lock`) from the look to the last write, so
concurrent callers asking for the same dataset build it once: the others wait, then
find it up to date. A folder already up to date (and no stale temporary folder beside
it) is returned without taking the lock, so read-only data roots work.

=====================  ===============================  ==================================
what ``DIR`` is         ``load`` (``on_stale="rebuild"``)  CLI (``on_stale="refuse"``)
=====================  ===============================  ==================================
absent or empty         build                            build
not ours (no manifest)  refuse, listing what is there    refuse, even with ``--overwrite``
damaged manifest        rebuild, with a warning          refuse, even with ``--overwrite``
files missing/resized   rebuild, with a warning          refuse; ``--overwrite`` rebuilds
other parameters/code   rebuild, with a warning          refuse; ``--overwrite`` rebuilds
this dataset            keep                             keep; ``--overwrite`` rebuilds
=====================  ===============================  ==================================

With ``network=True`` a kept folder without ``network/`` gets one, and one whose
``network/`` files do not match the manifest (a crash while it was added) gets it again,
with a warning; a ``network/`` made with other radio settings or other code is simulated
again (``load``, with a warning) or refused (CLI, unless ``--overwrite``). The rest of the
folder is kept.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from toyama_lab.datasets.params import Params
from toyama_lab.datasets.store import (
    MANIFEST_NAME,
    DatasetError,
    OutputExistsError,
    folder_lock,
    has_stale,
    quick_check,
    read_manifest,
    remove_stale,
    replace_refusal,
)

__all__ = ["Outcome", "Verdict", "ensure_dataset", "inspect_folder"]

_NETWORK = "network/"


@dataclass(frozen=True)
class Verdict:
    """What an existing folder is, compared with the dataset asked for.

    Attributes
    ----------
    state : str
        ``"absent"`` (missing or empty), ``"foreign"`` (no manifest: not ours),
        ``"damaged"`` (unreadable manifest), ``"broken"`` (files missing, resized or
        changed), ``"stale"`` (other parameters, version or code) or ``"current"``.
    reason : str or None
        Why, for every state but ``absent`` and ``current``.
    network : str or None
        For ``current`` with ``network`` asked: ``"absent"``, ``"damaged"`` (its files do
        not match the manifest), ``"stale"`` (other radio settings or code) or
        ``"current"``.
    network_reason : str or None
        Why ``network`` is ``"damaged"`` or ``"stale"``.
    """

    state: str
    reason: str | None = None
    network: str | None = None
    network_reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What :func:`ensure_dataset` did.

    Attributes
    ----------
    path : pathlib.Path
        The dataset folder.
    action : str
        ``"built"``, ``"rebuilt"``, ``"kept"``, ``"network-added"`` or ``"network-rebuilt"``.
    """

    path: Path
    action: str


def _shown(problems: list[str]) -> str:
    more = f"; ... ({len(problems)} problems)" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


def inspect_folder(
    path: str | Path, params: Params, *, network: bool = False, radio: Any = None
) -> Verdict:
    """Compare an existing folder with the dataset ``params`` (no change is made).

    The comparison is cheap: the manifest, a ``stat`` of every listed file and the
    SHA-256 of the JSON metadata (:func:`~toyama_lab.datasets.store.quick_check`).

    Parameters
    ----------
    path : path-like
        The folder.
    params : Params
        The dataset asked for.
    network : bool
        Whether ``network/`` is asked for.
    radio : toyama_lab.network.RadioConfig, optional
        Its radio settings (default ``RadioConfig()``).

    Returns
    -------
    Verdict
    """
    from toyama_lab.datasets.cache import manifest_stale_reason

    path = Path(path)
    if not path.is_dir() or not any(path.iterdir()):
        return Verdict("absent")
    if not (path / MANIFEST_NAME).is_file():
        return Verdict("foreign", replace_refusal(path))
    try:
        manifest = read_manifest(path)
    except DatasetError as exc:
        return Verdict("damaged", str(exc))
    problems = quick_check(path, manifest)
    outside = [p for p in problems if not p.split(": ", 1)[1].startswith(_NETWORK)]
    if outside or (problems and not network):
        return Verdict("broken", f"its files do not match its manifest ({_shown(problems)})")
    stale = manifest_stale_reason(manifest, params)
    if stale is not None:
        return Verdict("stale", stale)
    if not network:
        return Verdict("current")
    if problems:
        reason = f"its network/ files do not match the manifest ({_shown(problems)})"
        return Verdict("current", network="damaged", network_reason=reason)
    if not (path / "network").is_dir():
        return Verdict("current", network="absent")
    from toyama_lab.network.dataset import network_stale_reason

    reason = network_stale_reason(path, radio)
    state = "current" if reason is None else "stale"
    return Verdict("current", network=state, network_reason=reason)


def ensure_dataset(
    path: str | Path,
    params: Params,
    *,
    network: bool = False,
    radio: Any = None,
    overwrite: bool = False,
    on_stale: Literal["rebuild", "refuse"] = "rebuild",
    **build_options: Any,
) -> Outcome:
    """Make ``path`` hold the dataset ``params``: keep it, build it, or refuse (see the module).

    Parameters
    ----------
    path : path-like
        The dataset folder.
    params : Params
        The dataset asked for (validated).
    network : bool
        Also make sure of ``network/``.
    radio : toyama_lab.network.RadioConfig, optional
        Its radio settings (checked by the caller).
    overwrite : bool
        Build again even if the folder is up to date (only a folder this tool made).
    on_stale : {"rebuild", "refuse"}
        What to do with a folder of ours that is not the dataset asked for: build it again
        with a warning (``load``), or refuse (the command line).
    **build_options
        Passed to :func:`~toyama_lab.datasets.build.build_folder` (``workers``,
        ``client``, ``chunk_sensors``, ``chunk_days``, ``progress``).

    Returns
    -------
    Outcome

    Raises
    ------
    OutputExistsError
        For a folder that is not ours, or (``on_stale="refuse"``) ours but not this
        dataset; the message says why and what to do.
    DatasetError
        (``on_stale="refuse"``) For a kept folder whose ``network/`` is not the asked one.
    """
    from toyama_lab.datasets.build import build_folder

    if not overwrite and not has_stale(path):
        # An up-to-date folder is used without the lock (publication is atomic), so a
        # read-only data root (a shared class folder) still loads.
        v = inspect_folder(path, params, network=network, radio=radio)
        if v.state == "current" and (not network or v.network == "current"):
            return Outcome(Path(path).expanduser().absolute(), "kept")
    with folder_lock(path) as final:
        remove_stale(final)
        v = inspect_folder(final, params, network=network, radio=radio)
        build = {"network": network, "radio": radio, **build_options}
        if v.state == "absent":
            try:
                build_folder(params, final, overwrite=final.exists(), **build)
            except OutputExistsError:
                # Another process published the folder first (it held a lock file that
                # was removed and created anew, see folder_lock): keep it if it is this one.
                again = inspect_folder(final, params, network=network, radio=radio)
                if again.state != "current" or (network and again.network != "current"):
                    raise
                return Outcome(final, "kept")
            return Outcome(final, "built")
        if v.state == "foreign":
            raise OutputExistsError(f"{v.reason}.")
        if v.state == "damaged" and on_stale == "refuse":
            raise OutputExistsError(f"{replace_refusal(final)}.")
        if overwrite or v.state != "current":
            if not overwrite:
                if on_stale == "refuse":
                    raise OutputExistsError(
                        f"output folder {str(final)!r} exists already and is not this dataset "
                        f"({v.reason}); pass --overwrite to replace it, or choose another "
                        "--out folder."
                    )
                warnings.warn(f"regenerating {str(final)!r}: {v.reason}", stacklevel=3)
            build_folder(params, final, overwrite=True, **build)
            return Outcome(final, "rebuilt")
        if not network or v.network == "current":
            return Outcome(final, "kept")
        from toyama_lab.network.dataset import add_network

        if v.network == "absent":
            add_network(final, config=radio)
            return Outcome(final, "network-added")
        if v.network == "stale" and on_stale == "refuse":
            raise DatasetError(
                f"output folder {str(final)!r} holds this dataset, but {v.network_reason}; "
                "pass --overwrite to generate the whole folder again with the asked "
                "settings, or choose another --out folder."
            )
        if on_stale == "rebuild":
            warnings.warn(
                f"rebuilding {str(final / 'network')!r}: {v.network_reason}", stacklevel=3
            )
        add_network(final, overwrite=True, config=radio)
        return Outcome(final, "network-rebuilt")
