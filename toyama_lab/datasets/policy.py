"""Keep or rebuild an existing dataset folder: one policy for ``load`` and ``toyama-lab generate``.

:func:`inspect_folder` says what a folder is, compared with the dataset asked for;
:func:`ensure_dataset` acts on it, holding the folder's lock
(:func:`~toyama_lab.store.folder_lock`) from the look to the last write, so
concurrent callers asking for the same dataset build it once: the others wait, then
find it up to date. A folder already up to date (and no stale temporary folder beside
it) is returned without taking the lock, so read-only data roots work.

``datasets.load`` and ``toyama-lab generate`` call :func:`ensure_dataset` the same way and
so behave the same (``overwrite`` is ``load(..., rebuild=True)`` and ``--overwrite``).
The rule: a folder is made again on its own only when it is provably ours *and* holds the
dataset asked for (same parameters) in a form this code would not write (files damaged,
other package version or source code); it is then built again, saying why. Anything else
that is not the asked dataset is refused with what to do, and nothing changes:

=========================  ==========================  ==============================
what ``DIR`` is            default                     ``overwrite``
=========================  ==========================  ==============================
absent or empty            build                       build
not ours (no manifest)     refuse, listing its files   refuse
damaged manifest           refuse (cannot tell)        refuse
files missing or resized   rebuild, saying why         rebuild
other code or version      rebuild, saying why         rebuild
other parameters           refuse                      rebuild
this dataset               keep                        rebuild
=========================  ==========================  ==============================

With ``network=True`` a kept folder without ``network/`` gets one; a ``network/`` whose
files do not match the manifest (a crash while it was added), that was made by other code,
or with other radio settings (which are not part of the folder's name or parameters) is
simulated again, saying why. The rest of the folder is kept.

Why this rule: ``load``'s folder name holds the parameters, so a cache made by older code
is refreshed without asking (as a notebook needs), and ``make data`` after a code change
refreshes too; a folder with other parameters can only come from a hand-chosen ``--out``,
probably a typo, so it is refused rather than replaced.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toyama_lab.datasets.network import add_network, network_stale_reason
from toyama_lab.datasets.params import Params
from toyama_lab.network.config import RadioConfig
from toyama_lab.store import (
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
        changed), ``"other"`` (other parameters), ``"stale"`` (same parameters, other
        version or code) or ``"current"``.
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
    reason : str or None
        Why a folder or its ``network/`` was made again (``"rebuilt"``,
        ``"network-rebuilt"``); None otherwise.
    """

    path: Path
    action: str
    reason: str | None = None


def _shown(problems: list[str]) -> str:
    more = f"; ... ({len(problems)} problems)" if len(problems) > 5 else ""
    return "; ".join(problems[:5]) + more


def inspect_folder(
    path: str | Path, params: Params, *, network: bool = False, radio: RadioConfig | None = None
) -> Verdict:
    """Compare an existing folder with the dataset ``params`` (no change is made).

    The comparison is cheap: the manifest, a ``stat`` of every listed file and the
    SHA-256 of the JSON metadata (:func:`~toyama_lab.store.quick_check`).

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
    if manifest.get("parameters") != params.as_dict():
        return Verdict("other", manifest_stale_reason(manifest, params))
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
    reason = network_stale_reason(path, radio)
    state = "current" if reason is None else "stale"
    return Verdict("current", network=state, network_reason=reason)


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=4)


def ensure_dataset(
    path: str | Path,
    params: Params,
    *,
    network: bool = False,
    radio: RadioConfig | None = None,
    overwrite: bool = False,
    notify: Callable[[str], None] = _warn,
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
        Build again even if the folder is up to date or holds other parameters (only a
        folder this tool made).
    notify : callable, optional
        Called with a sentence before a folder or its ``network/`` is made again, saying
        why; default a ``UserWarning`` (``load``); the command line prints it.
    **build_options
        Passed to :func:`~toyama_lab.datasets.build.build_folder` (``workers``,
        ``client``, ``chunk_sensors``, ``chunk_days``, ``progress``).

    Returns
    -------
    Outcome

    Raises
    ------
    OutputExistsError
        For a folder that is not ours or has a damaged manifest (even with
        ``overwrite``), or one of ours that holds other parameters (without
        ``overwrite``); the message says why and what to do. Nothing is changed.
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
        if v.state in ("foreign", "damaged"):
            raise OutputExistsError(f"{replace_refusal(final)}.")
        if v.state == "other" and not overwrite:
            raise OutputExistsError(
                f"folder {str(final)!r} holds another dataset ({v.reason}); it is not "
                "replaced unless asked: pass --overwrite (load(..., rebuild=True)) to "
                "replace it, or choose another folder."
            )
        if overwrite or v.state != "current":
            reason = "asked to overwrite" if overwrite else v.reason
            if not overwrite:
                notify(f"regenerating {str(final)!r}: {reason}")
            build_folder(params, final, overwrite=True, **build)
            return Outcome(final, "rebuilt", reason)
        if not network or v.network == "current":
            return Outcome(final, "kept")
        if v.network == "absent":
            add_network(final, config=radio)
            return Outcome(final, "network-added")
        notify(f"rebuilding {str(final / 'network')!r}: {v.network_reason}")
        add_network(final, overwrite=True, config=radio)
        return Outcome(final, "network-rebuilt", v.network_reason)
