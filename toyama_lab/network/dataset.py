"""Simulate the network of a generated dataset folder and write its ``network/`` subfolder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["BLOCK_DAYS", "read_readings", "simulate_from_dataset"]

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
        Passed to :func:`toyama_lab.network.simulate_network` (``intervals``, ``config``).

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
