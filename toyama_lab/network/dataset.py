"""Simulate the network of a generated dataset folder and write its ``network/`` subfolder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = [
    "BLOCK_DAYS",
    "confirmed_summary",
    "describe_radio",
    "radio_mismatch",
    "read_readings",
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
        ``max_retransmissions``; its recorded settings go to ``network.json``, see
        :func:`radio_mismatch`).

    Returns
    -------
    dict of str to pathlib.Path
        The files written (see :data:`toyama_lab.network.write.FILES`), plus
        ``"manifest"``: the dataset's ``manifest.json``, rewritten so that its checksums
        cover the new files (``Dataset.verify`` keeps passing).
    """
    from toyama_lab.datasets import Dataset, open_dataset
    from toyama_lab.datasets.store import read_manifest, write_manifest
    from toyama_lab.network.simulate import simulate_network_blocks
    from toyama_lab.network.write import write_network_blocks

    ds = (
        path_or_dataset
        if isinstance(path_or_dataset, Dataset)
        else open_dataset(os.fspath(path_or_dataset))
    )
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
    paths = write_network_blocks(blocks, ds.path, overwrite=overwrite)
    header = {k: v for k, v in read_manifest(ds.path).items() if k != "files"}
    write_manifest(ds.path, header)
    paths["manifest"] = Path(ds.path) / "manifest.json"
    return paths


def _with_defaults(settings: dict) -> dict:
    """Radio settings with the ones :func:`radio_params` leaves out at their defaults."""
    from toyama_lab.network.road import RadioConfig

    default = RadioConfig()
    return {
        "confirmed_share": float(default.confirmed_share),
        "max_retransmissions": int(default.max_retransmissions),
        **settings,
    }


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
    import json

    from toyama_lab.network.simulate import RADIO_KEYS
    from toyama_lab.network.write import FILES, SUBFOLDER

    meta_path = Path(path) / SUBFOLDER / FILES["params"]
    try:
        params = json.loads(meta_path.read_text(encoding="utf-8"))["params"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{str(meta_path)!r} has no readable 'params': {exc}") from None
    if not isinstance(params, dict):
        raise ValueError(f"{str(meta_path)!r}: 'params' is not an object.")
    return {k: params[k] for k in RADIO_KEYS if k in params}


def describe_radio(settings: dict, *, keys=None) -> str:
    """Radio settings as ``key=value`` text, e.g. ``confirmed_share=0.3, max_retransmissions=3``.

    Parameters
    ----------
    settings : dict
        From :func:`recorded_radio` or :func:`toyama_lab.network.simulate.radio_params`
        (``confirmed_share`` and ``max_retransmissions`` default to 0 when absent).
    keys : iterable of str, optional
        Only these keys, in this order; default all.
    """
    full = _with_defaults(settings)
    names = list(full) if keys is None else list(keys)
    return ", ".join(f"{k}={full.get(k)!r}" for k in names)


def radio_mismatch(path, config=None) -> str | None:
    """Why a dataset's ``network/`` was not simulated with the radio settings ``config``.

    Compares the settings recorded in ``network/network.json`` with
    :func:`toyama_lab.network.simulate.radio_params` of ``config`` (the function that
    writes them), so the comparison covers exactly what a run records (rules, channels,
    tracker SF, confirmed share, retransmissions; not the unrecorded fields of
    :class:`toyama_lab.network.RadioConfig`).

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

    from toyama_lab.network.simulate import radio_params

    try:
        recorded = _with_defaults(recorded_radio(path))
    except (OSError, ValueError) as exc:
        return f"its network/ has no readable radio settings ({exc})"
    asked = _with_defaults(json.loads(json.dumps(radio_params(config))))
    if recorded == asked:
        return None
    keys = dict.fromkeys([*asked, *recorded])
    differ = [k for k in keys if asked.get(k) != recorded.get(k)]
    return (
        f"its network/ was simulated with {describe_radio(recorded, keys=differ)}, "
        f"not the asked {describe_radio(asked, keys=differ)}"
    )


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
        settings = _with_defaults(recorded_radio(path))
    except (OSError, ValueError):
        return None
    share, k = settings["confirmed_share"], settings["max_retransmissions"]
    if not share and not k:
        return None
    retx = "no retransmissions" if not k else f"up to {k} retransmission{'s' * (k != 1)}"
    return f"network: confirmed share {share:g}, {retx}"
