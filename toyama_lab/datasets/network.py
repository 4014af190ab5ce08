"""A dataset folder's ``network/``: simulate it from the folder's readings, record it, check it.

The glue between :mod:`toyama_lab.datasets` (the folder layout, the manifest, the lock) and
:mod:`toyama_lab.network` (which takes readings and returns frames, receptions and truth,
and never reads a dataset folder):

* :func:`simulate_from_dataset` / :func:`add_network` feed
  :func:`toyama_lab.network.simulate_network_blocks` a dataset's readings a block of days
  at a time (:meth:`Dataset.readings`), write ``<dataset>/network/`` and record it in the
  manifest;
* :func:`recorded_network`, :func:`recorded_radio`, :func:`network_radio_mismatch` and
  :func:`network_stale_reason` tell whether a kept ``network/`` is the one asked for
  (the comparison itself is :func:`toyama_lab.network.config.radio_mismatch`);
* :func:`check_radio` refuses radio settings without ``network=True``;
  :func:`confirmed_summary` is the line ``toyama-lab generate`` prints.

The readers of the files themselves are methods of :class:`~toyama_lab.datasets.Dataset`
(``readings``, ``gateway_log``, ``transmissions``, ``registry``, ``keys``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from toyama_lab import __version__
from toyama_lab._fingerprint import NETWORK_PARTS, source_fingerprint
from toyama_lab.datasets.cache import open_dataset
from toyama_lab.network.config import (
    RADIO_KEYS,
    RadioConfig,
    as_radio_config,
    describe_confirmed,
    radio_mismatch,
)
from toyama_lab.network.simulate import simulate_network_blocks
from toyama_lab.network.write import FILES, SUBFOLDER, write_network_blocks
from toyama_lab.store import (
    DatasetError,
    file_table,
    folder_lock,
    read_manifest,
    replace_files,
    write_json,
)

__all__ = [
    "BLOCK_DAYS",
    "add_network",
    "check_radio",
    "confirmed_summary",
    "network_radio_mismatch",
    "network_stale_reason",
    "recorded_network",
    "recorded_radio",
    "simulate_from_dataset",
]

#: Days simulated at a time by :func:`simulate_from_dataset` (memory: a few blocks, see
#: :func:`toyama_lab.network.simulate_network_blocks`).
BLOCK_DAYS = 1


def simulate_from_dataset(
    path_or_dataset,
    seed: int | None = None,
    *,
    overwrite: bool = False,
    block_days: int = BLOCK_DAYS,
    **options,
) -> dict[str, Path]:
    """Run the network over a generated dataset and write ``<dataset>/network/``.

    Holds the dataset folder's lock (:func:`toyama_lab.store.folder_lock`) while
    it works, so concurrent callers add the subfolder one after the other; see
    :func:`add_network` for what is written and in which order.

    Parameters
    ----------
    path_or_dataset : path-like or toyama_lab.datasets.Dataset
        A folder written by :func:`toyama_lab.datasets.generate`.
    seed : int, optional
        Network seed; default the dataset's seed.
    overwrite : bool
        Replace an existing ``network/`` subfolder.
    block_days : int
        Days simulated at a time (:func:`toyama_lab.network.simulate_network_blocks`):
        memory holds a few blocks of readings and receptions, whatever the window. The
        files are the same for every ``block_days`` (see
        :func:`toyama_lab.network.write.write_network_blocks`).
    **options
        Passed to :func:`toyama_lab.network.simulate_network` (``intervals``, ``config``:
        a :class:`toyama_lab.network.RadioConfig`, e.g. with ``confirmed_share`` and
        ``max_retransmissions``; its settings go to ``network.json``, see
        :func:`network_radio_mismatch`).

    Returns
    -------
    dict of str to pathlib.Path
        The files written (see :data:`toyama_lab.network.write.FILES`), plus
        ``"manifest"``: the dataset's ``manifest.json``, whose entries under ``network/``
        now list the new files (``Dataset.verify`` keeps passing).
    """
    path = Path(getattr(path_or_dataset, "path", path_or_dataset))
    with folder_lock(path):
        return add_network(path, seed, overwrite=overwrite, block_days=block_days, **options)


def add_network(
    path,
    seed: int | None = None,
    *,
    overwrite: bool = False,
    block_days: int = BLOCK_DAYS,
    **options,
) -> dict[str, Path]:
    """Write ``<path>/network/`` and record it in the manifest (caller holds the lock).

    Order of the writes, so that a crash at any point leaves nothing that
    ``toyama_lab.datasets.load`` accepts as up to date: the subfolder is built in
    ``DIR.network.tmp-...`` beside the dataset folder ``DIR``; the manifest is rewritten
    (atomically) with its entries under ``network/`` replaced by the new files' (no other
    file is hashed); only then is the subfolder renamed into place. Between the two steps
    the manifest lists files that are missing or differ (``network.json`` is compared by
    SHA-256 on every open), so the folder reads as damaged until the network is built
    again. If the rename fails, the old manifest is put back.

    Parameters
    ----------
    path : path-like
        A dataset folder with a readable manifest.
    seed, overwrite, block_days, **options
        As for :func:`simulate_from_dataset`.

    Returns
    -------
    dict of str to pathlib.Path
        As :func:`simulate_from_dataset`.
    """
    ds = open_dataset(os.fspath(path), check=False)
    p = ds.params
    blocks = simulate_network_blocks(
        ds.city,
        ds.readings,
        p.days,
        seed=p.seed if seed is None else seed,
        scenario=p.scenario,
        start=p.start,
        block_days=block_days,
        **options,
    )
    before = read_manifest(ds.path)
    prefix = f"{SUBFOLDER}/"

    def record(tmp: Path) -> None:
        replace_files(ds.path, prefix, file_table(tmp, prefix=prefix))

    try:
        paths = write_network_blocks(blocks, ds.path, overwrite=overwrite, on_complete=record)
    except BaseException:
        if read_manifest(ds.path) != before:
            write_json(before, Path(ds.path) / "manifest.json")
        raise
    paths["manifest"] = Path(ds.path) / "manifest.json"
    return paths


def recorded_network(path) -> dict:
    """The whole ``<dataset>/network/network.json`` as a dict.

    Parameters
    ----------
    path : path-like
        A dataset folder that has ``network/``.

    Raises
    ------
    FileNotFoundError
        If there is no ``network/network.json``.
    ValueError
        If the file is not a JSON object with a ``params`` object.
    """
    meta_path = Path(path) / SUBFOLDER / FILES["params"]
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{str(meta_path)!r} is not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("params"), dict):
        raise ValueError(f"{str(meta_path)!r} has no 'params' object.")
    return meta


def recorded_radio(path) -> dict:
    """The radio settings recorded in ``<dataset>/network/network.json``.

    Parameters
    ----------
    path : path-like
        A dataset folder that has ``network/``.

    Returns
    -------
    dict
        The keys of :data:`toyama_lab.network.config.RADIO_KEYS` found in the file's
        ``params``, as :func:`toyama_lab.network.config.radio_params` wrote them.

    Raises
    ------
    FileNotFoundError
        If there is no ``network/network.json``.
    ValueError
        If the file is not JSON with a ``params`` object.
    """
    params = recorded_network(path)["params"]
    return {k: params[k] for k in RADIO_KEYS if k in params}


def network_radio_mismatch(path, config: RadioConfig | None = None) -> str | None:
    """Why a dataset's ``network/`` was not simulated with the radio settings ``config``.

    Reads the settings recorded in ``network/network.json`` (:func:`recorded_radio`) and
    compares them on every field (:func:`toyama_lab.network.config.radio_mismatch`).

    Parameters
    ----------
    path : path-like
        A dataset folder that has ``network/``.
    config : RadioConfig, optional
        The settings asked for; default ``RadioConfig()``.

    Returns
    -------
    str or None
        None when they are the same; otherwise a sentence naming the recorded and the
        asked values of the settings that differ, or saying the file is unreadable.
    """
    try:
        recorded = recorded_radio(path)
    except (OSError, ValueError) as exc:
        return f"its network/ has no readable radio settings ({exc})"
    return radio_mismatch(recorded, config)


def network_stale_reason(path, config: RadioConfig | None = None) -> str | None:
    """Why a dataset's ``network/`` is not the one this code makes with ``config`` (None: it is).

    The radio settings (:func:`network_radio_mismatch`, every field) and the software
    recorded in ``network.json``: the package version and the SHA-256 of the ``network``,
    ``radio`` and ``lorawan`` sources (:data:`toyama_lab._fingerprint.NETWORK_PARTS`).
    """
    reason = network_radio_mismatch(path, config)
    if reason is not None:
        return reason
    software = recorded_network(path).get("software")
    software = software if isinstance(software, dict) else {}
    if software.get("toyama-lab") != __version__:
        made = software.get("toyama-lab")
        return f"its network/ was made by toyama-lab {made}, this is {__version__}"
    if software.get("toyama-lab-network-source-sha256") != source_fingerprint(NETWORK_PARTS):
        return "its network/ was made by other code of toyama_lab.network/radio/lorawan"
    return None


def confirmed_summary(path) -> str | None:
    """One line on the confirmed uplinks of a dataset's network, when it has any.

    Parameters
    ----------
    path : path-like
        A dataset folder.

    Returns
    -------
    str or None
        E.g. ``"network: confirmed share 0.3, up to 3 retransmissions"``
        (:func:`toyama_lab.network.config.describe_confirmed`); None when the folder has
        no ``network/`` or its network sent no confirmed uplinks (the default).
    """
    try:
        settings = recorded_radio(path)
    except (OSError, ValueError):
        return None
    return describe_confirmed(settings)


def check_radio(radio, network: bool) -> RadioConfig | None:
    """Refuse radio settings of the wrong type, or without a network to apply them to.

    Parameters
    ----------
    radio : RadioConfig or None
    network : bool
        Whether the dataset's ``network/`` is asked for.

    Returns
    -------
    RadioConfig or None
        The settings (``RadioConfig()`` for None) with a network, None without.

    Raises
    ------
    toyama_lab.network.config.RadioConfigError
        (a ``ValueError``) If ``radio`` is neither None nor a
        :class:`~toyama_lab.network.config.RadioConfig`.
    DatasetError
        (a ``ValueError``) If ``radio`` is given while ``network`` is false.
    """
    if radio is not None and not network:
        as_radio_config(radio)
        raise DatasetError(
            "radio= sets the simulated LoRaWAN network, which is only built with "
            "network=True; pass network=True as well, or leave radio out."
        )
    return as_radio_config(radio) if network else None
