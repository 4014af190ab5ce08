"""Simulate the network of a generated dataset folder and write its ``network/`` subfolder."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["read_readings", "simulate_from_dataset"]


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


def simulate_from_dataset(
    path_or_dataset, seed: int | None = None, *, overwrite: bool = False, **options
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
    from toyama_lab.network.simulate import simulate_network
    from toyama_lab.network.write import write_network

    ds = (
        path_or_dataset
        if isinstance(path_or_dataset, Dataset)
        else open_dataset(os.fspath(path_or_dataset))
    )
    p = ds.params
    result = simulate_network(
        ds.city,
        read_readings(ds),
        seed=p.seed if seed is None else seed,
        scenario=p.scenario,
        start=p.start,
        **options,
    )
    paths = write_network(result, ds.path, overwrite=overwrite)
    header = {k: v for k, v in read_manifest(ds.path).items() if k != "files"}
    write_manifest(ds.path, header)
    paths["manifest"] = Path(ds.path) / "manifest.json"
    return paths
