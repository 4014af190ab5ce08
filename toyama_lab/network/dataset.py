"""Simulate the network of a generated dataset folder and write its ``network/`` subfolder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = [
    "BLOCK_DAYS",
    "add_network",
    "confirmed_summary",
    "describe_radio",
    "network_stale_reason",
    "radio_mismatch",
    "read_readings",
    "recorded_network",
    "recorded_radio",
    "simulate_from_dataset",
]

#: Days simulated at a time by :func:`simulate_from_dataset` (memory: one block).
BLOCK_DAYS = 1


def read_readings(dataset) -> dict:
    """Readings of every sensor kind of a dataset, raw (gaps kept as 65535 / NaN).

    Parameters
    ----------
    dataset : toyama_lab.datasets.Dataset

    Returns
    -------
    dict
        ``{kind: {variable: (n_sensor, n_minute) numpy array}}`` in ``sensor_index`` order,
        plus ``"gps_tracker"``: the children's fixes when the dataset has them.
    """
    import xarray as xr

    out: dict = {}
    for kind in dataset.kinds:
        store = Path(dataset.path) / "timeseries" / f"{kind}.zarr"
        ds = xr.open_zarr(store, consolidated=False, mask_and_scale=False)
        order = np.argsort(ds["sensor_index"].values, kind="stable")
        out[kind] = {name: np.asarray(ds[name].values)[order] for name in ds.data_vars}
    if "children_fixes" in dataset.event_names:
        fixes = dataset.events("children_fixes")
        if fixes.height:
            out["gps_tracker"] = fixes
    return out


def _block_reader(dataset):
    """``read_block(first_day, n)`` over a dataset's Zarr cubes and fix table."""
    import datetime as dt

    import polars as pl
    import xarray as xr

    from toyama_lab.network.simulate import FIX_NUMBER, TRACKER_KEY
    from toyama_lab.synth.calendar import as_date

    cubes = {}
    for kind in dataset.kinds:
        store = Path(dataset.path) / "timeseries" / f"{kind}.zarr"
        ds = xr.open_zarr(store, consolidated=False, mask_and_scale=False)
        cubes[kind] = (ds, np.argsort(ds["sensor_index"].values, kind="stable"))
    fix_path = Path(dataset.path) / "events" / "children_fixes.parquet"
    day0 = dt.datetime.combine(as_date(dataset.params.start), dt.time())

    def read_block(first_day: int, n: int) -> dict:
        out: dict = {}
        window = slice(first_day * 1440, (first_day + n) * 1440)
        for kind, (ds, order) in cubes.items():
            blk = ds.isel(time=window)
            out[kind] = {name: np.asarray(blk[name].values)[order] for name in blk.data_vars}
        if fix_path.exists():
            lo = day0 + dt.timedelta(days=first_day)
            hi = day0 + dt.timedelta(days=first_day + n)
            fixes = (
                pl.scan_parquet(fix_path)
                .with_row_index(FIX_NUMBER)
                .filter((pl.col("time") >= lo) & (pl.col("time") < hi))
                .collect()
            )
            if fixes.height:
                out[TRACKER_KEY] = fixes.with_columns(pl.col(FIX_NUMBER).cast(pl.Int64))
        return out

    return read_block


def simulate_from_dataset(
    path_or_dataset,
    seed: int | None = None,
    *,
    overwrite: bool = False,
    block_days: int = BLOCK_DAYS,
    **options,
) -> dict[str, Path]:
    """Run the network over a generated dataset and write ``<dataset>/network/``.

    Holds the dataset folder's lock (:func:`toyama_lab.datasets.store.folder_lock`) while
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
        memory holds one block of readings and receptions, whatever the window. The
        files are the same for every ``block_days`` (see
        :func:`toyama_lab.network.write.write_network_blocks`).
    **options
        Passed to :func:`toyama_lab.network.simulate_network` (``intervals``, ``config``:
        a :class:`toyama_lab.network.RadioConfig`, e.g. with ``confirmed_share`` and
        ``max_retransmissions``; its settings go to ``network.json``, see
        :func:`radio_mismatch`).

    Returns
    -------
    dict of str to pathlib.Path
        The files written (see :data:`toyama_lab.network.write.FILES`), plus
        ``"manifest"``: the dataset's ``manifest.json``, whose entries under ``network/``
        now list the new files (``Dataset.verify`` keeps passing).
    """
    from toyama_lab.datasets.store import folder_lock

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
    from toyama_lab.datasets import open_dataset
    from toyama_lab.datasets.store import file_table, read_manifest, replace_files, write_json
    from toyama_lab.network.simulate import simulate_network_blocks
    from toyama_lab.network.write import SUBFOLDER, write_network_blocks

    ds = open_dataset(os.fspath(path), check=False)
    p = ds.params
    blocks = simulate_network_blocks(
        ds.city,
        _block_reader(ds),
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

    Raises
    ------
    FileNotFoundError
        If there is no ``network/network.json``.
    ValueError
        If the file is not a JSON object with a ``params`` object.
    """
    import json

    from toyama_lab.network.write import FILES, SUBFOLDER

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
        The keys of :data:`toyama_lab.network.simulate.RADIO_KEYS` found in the file's
        ``params``, as :func:`toyama_lab.network.simulate.radio_params` wrote them.

    Raises
    ------
    FileNotFoundError
        If there is no ``network/network.json``.
    ValueError
        If the file is not JSON with a ``params`` object.
    """
    from toyama_lab.network.simulate import RADIO_KEYS

    params = recorded_network(path)["params"]
    return {k: params[k] for k in RADIO_KEYS if k in params}


def describe_radio(settings: dict, *, keys=None) -> str:
    """Radio settings as ``key=value`` text, e.g. ``confirmed_share=0.3, max_retransmissions=3``.

    Parameters
    ----------
    settings : dict
        From :func:`recorded_radio` or :func:`toyama_lab.network.simulate.radio_params`.
    keys : iterable of str, optional
        Only these keys, in this order; default all. A key the settings lack shows as
        ``<not recorded>``.
    """
    names = list(settings) if keys is None else list(keys)
    return ", ".join(
        f"{k}={settings[k]!r}" if k in settings else f"{k}=<not recorded>" for k in names
    )


def radio_mismatch(path, config=None) -> str | None:
    """Why a dataset's ``network/`` was not simulated with the radio settings ``config``.

    Compares every field of :class:`toyama_lab.network.RadioConfig` recorded in
    ``network/network.json`` with :func:`toyama_lab.network.simulate.radio_params` of
    ``config`` (the function that writes them). A file written before every field was
    recorded lacks some, and so differs.

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
        asked values of the settings that differ.
    """
    import json

    from toyama_lab.network.simulate import RADIO_KEYS, radio_params

    try:
        recorded = recorded_radio(path)
    except (OSError, ValueError) as exc:
        return f"its network/ has no readable radio settings ({exc})"
    asked = json.loads(json.dumps(radio_params(config)))
    differ = [k for k in RADIO_KEYS if asked.get(k) != recorded.get(k)]
    if not differ:
        return None
    return (
        f"its network/ was simulated with {describe_radio(recorded, keys=differ)}, "
        f"not the asked {describe_radio(asked, keys=differ)}"
    )


def network_stale_reason(path, config=None) -> str | None:
    """Why a dataset's ``network/`` is not the one this code makes with ``config`` (None: it is).

    The radio settings (:func:`radio_mismatch`, every field) and the software recorded in
    ``network.json``: the package version and the SHA-256 of the ``network``, ``radio``
    and ``lorawan`` sources (:data:`toyama_lab._fingerprint.NETWORK_PARTS`).
    """
    from toyama_lab import __version__
    from toyama_lab._fingerprint import NETWORK_PARTS, source_fingerprint

    reason = radio_mismatch(path, config)
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
        E.g. ``"network: confirmed share 0.3, up to 3 retransmissions"``; None when the
        folder has no ``network/`` or its network sent no confirmed uplinks (the default).
    """
    try:
        settings = recorded_radio(path)
    except (OSError, ValueError):
        return None
    share = settings.get("confirmed_share") or 0
    k = settings.get("max_retransmissions") or 0
    if not share and not k:
        return None
    retx = "no retransmissions" if not k else f"up to {k} retransmission{'s' * (k != 1)}"
    return f"network: confirmed share {share:g}, {retx}"
