"""Build-once cache of datasets and the :class:`Dataset` handle notebooks use.

Where the data live (first match wins):

1. the folder named by the environment variable ``TOYAMA_LAB_DATA``;
2. ``data/synthetic/`` of the source checkout, when the package runs from one
   (found next to the package: ``<repo>/toyama_lab/`` and ``<repo>/pyproject.toml``);
3. a user cache folder: ``$XDG_CACHE_HOME/toyama-lab`` or ``~/.cache/toyama-lab``.

A dataset's folder is ``<scenario>-<size>-<seed>`` for the scenario's default
period (the folder ``make data`` writes) and
``<scenario>-<size>-<seed>-<YYYYMMDD>-<days>d`` otherwise.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import Any

import polars as pl
import xarray as xr

from toyama_lab import __version__
from toyama_lab.datasets.params import Params, resolve_params
from toyama_lab.datasets.store import (
    DatasetError,
    file_table,
    quick_check,
    read_manifest,
)

__all__ = [
    "ENV_VAR",
    "Dataset",
    "data_root",
    "dataset_dirname",
    "load",
    "manifest_stale_reason",
    "open_dataset",
    "stale_reason",
]

#: Environment variable naming the data root folder.
ENV_VAR = "TOYAMA_LAB_DATA"


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The folder that holds generated datasets (see the module docstring for the order)."""
    if root is not None:
        return Path(root).expanduser().absolute()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().absolute()
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file() and (repo / "data" / "synthetic").is_dir():
        return repo / "data" / "synthetic"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser().absolute() / "toyama-lab"


def dataset_dirname(params: Params) -> str:
    """Folder name of a dataset inside the data root."""
    base = f"{params.scenario}-{params.size}-{params.seed}"
    default = resolve_params(params.scenario, params.size, params.seed)
    if (params.start, params.days) == (default.start, default.days):
        return base
    return f"{base}-{params.start:%Y%m%d}-{params.days}d"


class Dataset:
    """A generated dataset folder: lazy time series, event tables, the city, the manifest.

    Parameters
    ----------
    path : path-like
        The dataset folder.

    Examples
    --------
    Skipped as a doctest: ``load`` builds (or reads) a dataset folder under the data root.

    >>> ds = load("normal-week", size="tiny")        # doctest: +SKIP
    >>> cube = ds.timeseries("pedestrian")           # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.manifest: dict[str, Any] = read_manifest(self.path)

    @property
    def params(self) -> Params:
        """The content-defining parameters recorded in the manifest."""
        p = self.manifest["parameters"]
        return Params(
            scenario=p["scenario"],
            size=p["size"],
            seed=int(p["seed"]),
            start=dt.date.fromisoformat(p["start"]),
            days=int(p["days"]),
        )

    @property
    def kinds(self) -> list[str]:
        """Sensor kinds with a time-series store."""
        return sorted(p.stem for p in (self.path / "timeseries").glob("*.zarr"))

    @property
    def event_names(self) -> list[str]:
        """Names of the event tables."""
        return sorted(p.stem for p in (self.path / "events").glob("*.parquet"))

    def timeseries(self, kind: str) -> xr.Dataset:
        """Open the sensor x time cube of one kind lazily (dask arrays, one chunk per day).

        Raises
        ------
        DatasetError
            If the dataset has no store of that kind (the message lists the kinds).
        """
        store = self.path / "timeseries" / f"{kind}.zarr"
        if not store.is_dir():
            raise DatasetError(
                f"no time series of kind {kind!r} in {str(self.path)!r}; "
                f"expected one of: {', '.join(self.kinds)}."
            )
        return xr.open_zarr(store, consolidated=False)

    def events(self, name: str) -> pl.DataFrame:
        """Read one event table.

        Raises
        ------
        DatasetError
            If there is no such table (the message lists the tables).
        """
        path = self.path / "events" / f"{name}.parquet"
        if not path.is_file():
            raise DatasetError(
                f"no event table {name!r} in {str(self.path)!r}; "
                f"expected one of: {', '.join(self.event_names)}."
            )
        return pl.read_parquet(path)

    @functools.cached_property
    def city(self) -> Any:
        """The :class:`toyama_lab.city.City`, rebuilt from the seed and size."""
        from toyama_lab.city import build_city

        p = self.params
        return build_city(p.seed, p.size)

    def check(self) -> None:
        """Cheap check against the manifest: every listed file present with its size.

        Also the SHA-256 of every listed JSON metadata file
        (:func:`~toyama_lab.datasets.store.quick_check`); data chunks are not read
        (:meth:`verify` reads them). Done by :func:`open_dataset` and :func:`load`.

        Raises
        ------
        DatasetError
            Naming the files missing, resized or changed.
        """
        problems = quick_check(self.path, self.manifest)
        if problems:
            shown = "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
            raise DatasetError(
                f"dataset {str(self.path)!r} is damaged: {len(problems)} file(s) do not match "
                f"its manifest ({shown}). Generate it again (toyama-lab generate --overwrite, "
                "or load(..., rebuild=True))."
            )

    def verify(self) -> None:
        """Check every file's SHA-256 and size against the manifest.

        Raises
        ------
        DatasetError
            Naming the files that differ, are missing or are not listed.
        """
        expected = self.manifest.get("files", {})
        actual = file_table(self.path)
        bad = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
        missing = sorted(expected.keys() - actual.keys())
        extra = sorted(actual.keys() - expected.keys())
        if bad or missing or extra:
            parts = []
            for label, names in (("changed", bad), ("missing", missing), ("unlisted", extra)):
                if names:
                    shown = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
                    parts.append(f"{len(names)} {label} ({shown})")
            raise DatasetError(
                f"dataset {str(self.path)!r} does not match its manifest: {'; '.join(parts)}. "
                "Delete the folder (or load(..., rebuild=True)) to generate it again."
            )

    def __repr__(self) -> str:
        p = self.params
        return (
            f"Dataset({p.scenario!r}, size={p.size!r}, seed={p.seed}, start={p.start}, "
            f"days={p.days}, path={str(self.path)!r})"
        )


def open_dataset(
    path: str | os.PathLike[str], *, verify: bool = False, check: bool = True
) -> Dataset:
    """Open an existing dataset folder (e.g. one written by ``toyama-lab generate --out``).

    Parameters
    ----------
    path : path-like
        The folder.
    verify : bool
        Hash every file (:meth:`Dataset.verify`).
    check : bool
        The cheap check (:meth:`Dataset.check`): a missing or resized file raises
        instead of reading back as NaN.

    Raises
    ------
    DatasetError
        If the folder has no readable manifest, or a check fails.
    """
    ds = Dataset(path)
    if verify:
        ds.verify()
    elif check:
        ds.check()
    return ds


def manifest_stale_reason(manifest: dict[str, Any], params: Params) -> str | None:
    """Why a dataset with this manifest is not ``params`` made by this code (None: it is)."""
    from toyama_lab.datasets.build import source_fingerprint

    recorded = manifest.get("parameters")
    if recorded != params.as_dict():
        return f"its parameters {recorded} differ from the ones asked {params.as_dict()}"
    software = manifest.get("software", {})
    if software.get("toyama-lab") != __version__:
        return f"it was made by toyama-lab {software.get('toyama-lab')}, this is {__version__}"
    if software.get("toyama-lab-source-sha256") != source_fingerprint():
        return "it was made by other code of toyama_lab.city/synth/datasets (same version)"
    return None


def stale_reason(path: str | os.PathLike[str], params: Params) -> str | None:
    """Why the folder ``path`` is not the dataset of ``params`` made by this code (None: it is)."""
    if not (Path(path) / "manifest.json").is_file():
        return "it has no manifest.json: not a toyama-lab dataset"
    try:
        return manifest_stale_reason(read_manifest(path), params)
    except DatasetError as exc:
        return str(exc)


def load(
    scenario: str,
    size: str = "class",
    seed: int = 0,
    *,
    start: str | dt.date | None = None,
    days: int | None = None,
    root: str | os.PathLike[str] | None = None,
    verify: bool = False,
    rebuild: bool = False,
    network: bool = False,
    radio: Any = None,
    **generate_options: Any,
) -> Dataset:
    """Load a dataset, generating it once into the data root if it is not there yet.

    Parameters
    ----------
    scenario, size, seed, start, days
        As for :func:`~toyama_lab.datasets.generate` (``start``/``days`` default
        to the scenario's).
    root : path-like, optional
        Data root; default :func:`data_root`.
    verify : bool
        On a cache hit, also check every file's SHA-256 against the manifest.
    rebuild : bool
        Generate again even if the folder exists.
    network : bool
        Make sure the dataset also holds ``network/`` (gateway log, device registry,
        transmission truth): built with the dataset, or added to a cached one.
    radio : toyama_lab.network.RadioConfig, optional
        Radio settings of that network (e.g. ``RadioConfig(confirmed_share=0.3,
        max_retransmissions=3)``); default ``RadioConfig()``. Only with ``network=True``.
        A cached ``network/`` simulated with other settings (as recorded in its
        ``network.json``) is simulated again with these, with a warning; the rest of the
        folder is kept.
    **generate_options
        Passed to :func:`~toyama_lab.datasets.generate` when building
        (``workers``, ``client``, ``progress``, ...).

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        (a ``ValueError``) for bad parameters, or ``radio`` without ``network=True``
        (:func:`~toyama_lab.datasets.build.check_radio`).

    Notes
    -----
    What happens to an existing folder is decided by
    :func:`toyama_lab.datasets.policy.ensure_dataset` (the same policy as ``toyama-lab
    generate``, with ``on_stale="rebuild"``): a folder of ours that is damaged (files
    missing or resized, an unreadable manifest) or records other parameters, another
    package version or other source code is generated again, with a warning; a folder
    that is not a dataset (no manifest) is refused. Concurrent callers wait for each
    other (a lock beside the folder) and all return the same folder.
    """
    from toyama_lab.datasets.build import check_radio
    from toyama_lab.datasets.policy import ensure_dataset

    params = resolve_params(scenario, size, seed, start, days)
    check_radio(radio, network)
    path = data_root(root) / dataset_dirname(params)
    ensure_dataset(
        path, params, network=network, radio=radio, overwrite=rebuild, on_stale="rebuild",
        **generate_options,
    )  # fmt: skip
    return open_dataset(path, verify=verify)
