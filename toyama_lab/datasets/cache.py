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
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xarray as xr

from toyama_lab import __version__
from toyama_lab._fingerprint import DATASET_PARTS
from toyama_lab.datasets.params import Params, resolve_params
from toyama_lab.lorawan.keys import KeyStore
from toyama_lab.network.config import RadioConfig
from toyama_lab.network.log import reception_rows
from toyama_lab.network.simulate import FIX_NUMBER, TRACKER_KEY
from toyama_lab.network.write import FILES as NETWORK_FILES
from toyama_lab.network.write import SUBFOLDER as NETWORK_SUBFOLDER
from toyama_lab.store import (
    DatasetError,
    file_table,
    quick_check,
    read_manifest,
)
from toyama_lab.synth.calendar import as_date

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

    def timeseries(self, kind: str, *, raw: bool = False) -> xr.Dataset:
        """Open the sensor x time cube of one kind lazily (dask arrays, one chunk per day).

        Parameters
        ----------
        kind : str
            One of :attr:`kinds`.
        raw : bool
            Keep the stored integers (gaps as their fill value, e.g. 65535, no scaling),
            as the sensors would send them; default decode to floats with NaN gaps.

        Raises
        ------
        DatasetError
            If the dataset has no store of that kind (the message lists the kinds).
        """
        return self._open_cube(kind, raw=raw)

    def _cube_store(self, kind: str) -> Path:
        """The Zarr store of one kind's time series (a DatasetError lists the kinds)."""
        store = self.path / "timeseries" / f"{kind}.zarr"
        if not store.is_dir():
            raise DatasetError(
                f"no time series of kind {kind!r} in {str(self.path)!r}; "
                f"expected one of: {', '.join(self.kinds)}."
            )
        return store

    def _open_cube(self, kind: str, *, raw: bool) -> xr.Dataset:
        store = self._cube_store(kind)
        return xr.open_zarr(store, consolidated=False, mask_and_scale=not raw)

    def event_path(self, name: str) -> Path:
        """The Parquet file of one event table (for a lazy ``polars.scan_parquet``).

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
        return path

    def events(self, name: str) -> pl.DataFrame:
        """Read one event table.

        Raises
        ------
        DatasetError
            If there is no such table (the message lists the tables).
        """
        return pl.read_parquet(self.event_path(name))

    @functools.cached_property
    def _raw_cubes(self) -> dict[str, tuple[dict, np.ndarray]]:
        """Per kind: the raw (sensor x time) zarr arrays, opened once, and the order that
        sorts their sensors.

        Read with zarr itself, not xarray: :meth:`readings` wants the stored values (no
        masking or scaling) of a window of days as numpy arrays, which zarr reads straight
        from the day chunks it covers; xarray's lazy indexing layers would add their
        Python work to every variable of every block (about half the time of a day's read
        at city size, ``bench/road.py``).
        """
        import zarr

        cubes = {}
        for kind in self.kinds:
            group = zarr.open_group(str(self._cube_store(kind)), mode="r")
            arrays = {
                name: arr
                for name, arr in sorted(group.arrays())
                if tuple(getattr(arr.metadata, "dimension_names", None) or ()) == ("sensor", "time")
            }
            order = np.argsort(group["sensor_index"][...], kind="stable")
            cubes[kind] = (arrays, order)
        return cubes

    def readings(self, first_day: int = 0, days: int | None = None) -> dict:
        """Raw readings of every sensor kind (gaps kept as 65535 / NaN), as the network takes them.

        The input of :func:`toyama_lab.network.simulate_network` (whole window) and of
        :func:`toyama_lab.network.simulate_network_blocks` (a block of days).

        Parameters
        ----------
        first_day : int
            First day of the window, counted from the dataset's start (0 = first day).
        days : int, optional
            Number of days; default to the end of the dataset.

        Returns
        -------
        dict
            ``{kind: {variable: (n_sensor, n_minute) numpy array}}`` in ``sensor_index``
            order, plus ``"gps_tracker"``
            (:data:`toyama_lab.network.simulate.TRACKER_KEY`): the children's fixes of the
            window, with a ``fix_number`` column (their row number in the whole fix table),
            when the dataset has any.

        Raises
        ------
        DatasetError
            If the window is not inside the dataset's days.
        """
        total = self.params.days
        n = total - first_day if days is None else days
        if not (0 <= first_day and n >= 1 and first_day + n <= total):
            raise DatasetError(
                f"days {first_day} to {first_day + n - 1} are not inside this dataset's "
                f"{total} day(s); give 0 <= first_day and first_day + days <= {total}."
            )
        out: dict = {}
        window = slice(first_day * 1440, (first_day + n) * 1440)
        for kind, (arrays, order) in self._raw_cubes.items():
            out[kind] = {name: arr[:, window][order] for name, arr in arrays.items()}
        if "children_fixes" in self.event_names:
            day0 = dt.datetime.combine(as_date(self.params.start), dt.time())
            lo = day0 + dt.timedelta(days=first_day)
            hi = day0 + dt.timedelta(days=first_day + n)
            fixes = (
                pl.scan_parquet(self.event_path("children_fixes"))
                .with_row_index(FIX_NUMBER)
                .filter((pl.col("time") >= lo) & (pl.col("time") < hi))
                .collect()
            )
            if fixes.height:
                out[TRACKER_KEY] = fixes.with_columns(pl.col(FIX_NUMBER).cast(pl.Int64))
        return out

    @property
    def has_network(self) -> bool:
        """Whether the folder holds a simulated network (``network/``)."""
        return (self.path / NETWORK_SUBFOLDER / NETWORK_FILES["params"]).is_file()

    def network_path(self, role: str) -> Path:
        """The file of one part of ``network/``: ``"receptions"``, ``"transmissions"``,
        ``"gateways"``, ``"registry"``, ``"keys"`` or ``"params"``
        (:data:`toyama_lab.network.write.FILES`).

        Raises
        ------
        DatasetError
            If ``role`` is unknown, or the dataset has no ``network/`` (the message says
            how to add one).
        """
        if role not in NETWORK_FILES:
            raise DatasetError(
                f"no network file {role!r}; expected one of: {', '.join(NETWORK_FILES)}."
            )
        path = self.path / NETWORK_SUBFOLDER / NETWORK_FILES[role]
        if not path.is_file():
            raise DatasetError(
                f"dataset {str(self.path)!r} has no simulated network ({NETWORK_SUBFOLDER}/"
                f"{NETWORK_FILES[role]} is missing); load it with load(..., network=True) or "
                "make it with `toyama-lab generate --network`."
            )
        return path

    def _network_table(self, role: str, lazy: bool):
        path = self.network_path(role)
        return pl.scan_parquet(path) if lazy else pl.read_parquet(path)

    def gateway_log(self, *, lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
        """The receptions the gateways reported, as a network server gets them.

        One row per (frame, gateway) reception in
        :data:`toyama_lab.lorawan.ingest.RECEPTION_SCHEMA`, in time order: the input of
        :func:`toyama_lab.lorawan.decode_batch`. It is put together from
        ``network/receptions.parquet``, ``transmissions.parquet`` and ``gateways.parquet``
        (:func:`toyama_lab.network.log.reception_rows`). ``lazy=True`` gives a
        ``polars.LazyFrame`` for large datasets.

        Raises
        ------
        DatasetError
            If the dataset has no ``network/``.
        """
        parts = (self._network_table(r, True) for r in ("receptions", "transmissions", "gateways"))
        out = reception_rows(*parts)
        return out if lazy else out.collect()

    def receptions(self, *, lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
        """What each gateway heard of each frame (``network/receptions.parquet``).

        One row per reception: ``tx_id`` (the row of :meth:`transmissions`),
        ``gateway_id``, ``rssi_dbm``, ``snr_db_x10`` (tenths of a dB)
        (:func:`toyama_lab.network.log.receptions_schema`), sorted by ``tx_id``: the
        compact form to count or join; :meth:`gateway_log` is the full log.

        Raises
        ------
        DatasetError
            If the dataset has no ``network/``.
        """
        return self._network_table("receptions", lazy)

    def transmissions(self, *, lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
        """The truth of every transmission (``network/transmissions.parquet``).

        One row per attempt in :data:`toyama_lab.network.log.TRANSMISSION_SCHEMA`:
        delivered, or the reason it was lost. ``lazy=True`` gives a ``polars.LazyFrame``.

        Raises
        ------
        DatasetError
            If the dataset has no ``network/``.
        """
        return self._network_table("transmissions", lazy)

    def registry(self) -> pl.DataFrame:
        """The network's devices (``network/registry.parquet``, SYNTHETIC identifiers).

        Raises
        ------
        DatasetError
            If the dataset has no ``network/``.
        """
        return self._network_table("registry", False)

    def keys(self) -> KeyStore:
        """The devices' SYNTHETIC session keys (``network/keys.csv``) as a key store.

        Raises
        ------
        DatasetError
            If the dataset has no ``network/``.
        """
        return KeyStore.load(self.network_path("keys"))

    def network_meta(self) -> dict[str, Any]:
        """``network/network.json``: parameters (seed, scenario, every radio setting),
        the software that made it and counts of devices, transmissions and loss reasons.

        Raises
        ------
        DatasetError
            If the dataset has no ``network/``.
        """
        return json.loads(self.network_path("params").read_text(encoding="utf-8"))

    @functools.cached_property
    def city(self) -> Any:
        """The :class:`toyama_lab.city.City`, rebuilt from the seed and size."""
        from toyama_lab.city import build_city

        p = self.params
        return build_city(p.seed, p.size)

    def check(self) -> None:
        """Cheap check against the manifest: every listed file present with its size.

        Also the SHA-256 of every listed JSON metadata file
        (:func:`~toyama_lab.store.quick_check`); data chunks are not read
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
        parts = "/".join(DATASET_PARTS)
        return f"it was made by other code of toyama_lab {parts} (same version)"
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
    radio: RadioConfig | None = None,
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
        (:func:`~toyama_lab.datasets.network.check_radio`);
        :class:`~toyama_lab.store.OutputExistsError` for a folder that is not this
        dataset and is not replaced (see Notes).
    toyama_lab.network.config.RadioConfigError
        (a ``ValueError``) if ``radio`` is not a ``RadioConfig``.

    Notes
    -----
    What happens to an existing folder is decided by
    :func:`toyama_lab.datasets.policy.ensure_dataset`, exactly as for ``toyama-lab
    generate``: a folder of ours holding these parameters whose files are damaged or that
    was made by another package version or other source code is generated again, with a
    warning; a folder that is not a dataset (no manifest, or a damaged one) is refused,
    and so is one holding other parameters (unless ``rebuild=True``). Concurrent callers
    wait for each other (a lock beside the folder) and all return the same folder.
    """
    from toyama_lab.datasets.network import check_radio
    from toyama_lab.datasets.policy import ensure_dataset

    params = resolve_params(scenario, size, seed, start, days)
    check_radio(radio, network)
    path = data_root(root) / dataset_dirname(params)
    ensure_dataset(
        path, params, network=network, radio=radio, overwrite=rebuild, **generate_options
    )
    return open_dataset(path, verify=verify)
