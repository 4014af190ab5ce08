"""Generate a dataset: the city, its sensors' time series (Zarr) and event tables (Parquet).

The time series of each sensor kind are a lazy dask array per variable: one
task simulates a block of sensors x whole days (:func:`toyama_lab.synth.simulate`)
and hands each variable to the Zarr writer. The blocks of work ("compute
chunks") are whole multiples of the fixed blocks on disk ("storage chunks":
:data:`STORAGE_SENSORS` sensors x one day of 1440 minutes), so every storage
chunk is written by exactly one task. Because the synthetic values are
counter-based (a pure function of seed, sensor and minute) and the compressor is
fixed, the files are byte-identical whatever the compute chunking, the number
of threads, or whether a dask.distributed cluster does the work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dask
import numpy as np
import polars as pl
import xarray as xr
from dask.base import tokenize
from dask.callbacks import Callback
from zarr.codecs import BloscCodec, BloscShuffle

from toyama_lab import __version__
from toyama_lab._fingerprint import DATASET_PARTS
from toyama_lab._fingerprint import source_fingerprint as _fingerprint
from toyama_lab.datasets._blocks import block_arrays
from toyama_lab.datasets.network import add_network, check_radio
from toyama_lab.datasets.params import Params, resolve_params
from toyama_lab.network.config import RadioConfig
from toyama_lab.store import (
    FORMAT,
    DatasetError,
    OutputExistsError,
    atomic_folder,
    folder_lock,
    note_write,
    remove_stale,
    replace_refusal,
    write_json,
    write_manifest,
    write_parquet,
    write_text,
)

__all__ = [
    "COMPRESSOR",
    "DEFAULT_CHUNK_DAYS",
    "DEFAULT_CHUNK_SENSORS",
    "FORMAT",
    "STORAGE_MINUTES",
    "STORAGE_SENSORS",
    "build_folder",
    "compute_writes",
    "generate",
    "kinds_of",
    "timeseries_dataset",
    "write_timeseries",
]

#: Sensors per storage chunk on disk (fixed: it decides the bytes of the files);
#: a kind with fewer sensors has one chunk of all its sensors.
STORAGE_SENSORS = 256
#: Minutes per storage chunk on disk: one JST day (fixed).
STORAGE_MINUTES = 1440
#: Default compute chunk: sensors per task (a multiple of :data:`STORAGE_SENSORS`).
DEFAULT_CHUNK_SENSORS = 256
#: Default compute chunk: days per task. 256 sensors x 7 days x 1440 min is
#: 2.6 million cells, ~10 MB per float32 variable: small enough for many threads
#: within 2 GB, large enough that per-task overhead is negligible.
DEFAULT_CHUNK_DAYS = 7
#: The compressor of every time-series variable: Blosc with zstd level 3 and byte
#: shuffle. Blosc splits a chunk into blocks whose size depends only on the
#: chunk's size, type size and level, never on threads, so output is deterministic.
COMPRESSOR = BloscCodec(cname="zstd", clevel=3, shuffle=BloscShuffle.shuffle)

_TIME_ATTRS = {
    "timezone": "Asia/Tokyo",
    "long_name_ja": "時刻 (日本標準時)",
    "long_name_en": "time (JST)",
}


def kinds_of(sensors: pl.DataFrame) -> list[str]:
    """Sensor kinds present in a sensors table, in order of first appearance."""
    return list(dict.fromkeys(sensors.get_column("kind").to_list()))


def _simulate_block(
    kind: str,
    sensors: pl.DataFrame,
    start: dt.date,
    n_days: int,
    seed: int,
    scenario: str,
    dtypes: dict[str, str],
) -> dict[str, np.ndarray]:
    """Simulate one compute chunk and cast each variable to its stored dtype."""
    from toyama_lab.synth import simulate

    values = simulate(kind, sensors, start, n_days, seed=seed, scenario=scenario)
    shape = (sensors.height, n_days * 1440)
    out = {}
    for name, dtype in dtypes.items():
        arr = np.asarray(values[name])
        if arr.shape != shape:
            raise RuntimeError(
                f"synth.simulate({kind!r}) returned {name!r} with shape {arr.shape}, "
                f"expected {shape} (sensors x minutes)"
            )
        out[name] = arr.astype(dtype, copy=False)
    return out


def _variables(kind: str) -> dict[str, dict[str, Any]]:
    """``{name: {"dtype", "attrs", "fill_value"}}`` from ``synth.VARIABLES[kind]``.

    The gap value (``fill_value``) goes to the Zarr encoding (``_FillValue``), not
    to the attributes, so xarray masks gaps as NaN when reading.
    """
    from toyama_lab.synth import VARIABLES

    table: dict[str, dict[str, Any]] = {}
    for v in VARIABLES[kind]:
        attrs = {
            "units": v.units,
            "long_name_ja": v.long_name_ja,
            "long_name_en": v.long_name_en,
            "description": v.description,
        }
        table[v.name] = {
            "dtype": str(np.dtype(v.dtype)),
            "attrs": attrs,
            "fill_value": v.fill_value,
        }
    return table


def _sensor_coords(sensors: pl.DataFrame) -> dict[str, tuple[str, np.ndarray]]:
    """Per-sensor coordinates from the sensors table (columns empty for this kind dropped)."""
    coords: dict[str, tuple[str, np.ndarray]] = {}
    for name in sensors.columns:
        col = sensors.get_column(name)
        if name == "kind" or col.null_count() == col.len():
            continue
        if col.dtype == pl.String:
            arr = col.fill_null("").to_numpy().astype(object)
        elif col.dtype == pl.Boolean:
            arr = col.fill_null(False).to_numpy()
        elif col.dtype.is_integer() and col.null_count() == 0:
            arr = col.to_numpy()
        elif col.dtype.is_numeric():
            arr = col.cast(pl.Float64).to_numpy()
        else:
            arr = col.cast(pl.String).fill_null("").to_numpy().astype(object)
        coords[name] = ("sensor", arr)
    return coords


def _check_chunks(chunk_sensors: int, chunk_days: int) -> None:
    if (
        isinstance(chunk_sensors, bool)
        or not isinstance(chunk_sensors, int)
        or chunk_sensors <= 0
        or chunk_sensors % STORAGE_SENSORS
    ):
        raise DatasetError(
            f"chunk_sensors must be a positive multiple of {STORAGE_SENSORS} (the storage "
            f"chunk), got {chunk_sensors!r}."
        )
    if isinstance(chunk_days, bool) or not isinstance(chunk_days, int) or chunk_days <= 0:
        raise DatasetError(f"chunk_days must be a whole number of days >= 1, got {chunk_days!r}.")


def _splits(total: int, step: int) -> tuple[int, ...]:
    return tuple(min(step, total - i) for i in range(0, total, step)) or (0,)


def timeseries_dataset(
    sensors: pl.DataFrame,
    kind: str,
    params: Params,
    *,
    chunk_sensors: int = DEFAULT_CHUNK_SENSORS,
    chunk_days: int = DEFAULT_CHUNK_DAYS,
) -> xr.Dataset:
    """The lazy (dask-backed) sensor x time cube of one sensor kind.

    Parameters
    ----------
    sensors : polars.DataFrame
        ``City.sensors`` (all kinds; the rows of ``kind`` are used).
    kind : str
        Sensor kind.
    params : Params
        Dataset parameters.
    chunk_sensors, chunk_days : int
        Compute chunk: sensors (multiple of :data:`STORAGE_SENSORS`) and days per task.

    Returns
    -------
    xarray.Dataset
        Dims ``sensor`` x ``time``; coords ``time`` (naive JST, attr
        ``timezone="Asia/Tokyo"``) and the sensor table's columns (``sensor_id``,
        ``lon``, ``lat``, ``district_ja``, ...); one variable per entry of
        ``synth.VARIABLES[kind]`` with attrs ``units``, ``long_name_ja``,
        ``long_name_en``.
    """
    _check_chunks(chunk_sensors, chunk_days)
    rows = sensors.filter(pl.col("kind") == kind).sort("sensor_index")
    if rows.height == 0:
        raise DatasetError(f"the city has no sensors of kind {kind!r}.")
    variables = _variables(kind)
    dtypes = {name: meta["dtype"] for name, meta in variables.items()}
    s_chunks = _splits(rows.height, chunk_sensors)
    d_chunks = _splits(params.days, chunk_days)
    token = tokenize(
        kind, rows.get_column("sensor_index").to_list(), params.as_dict(), s_chunks, d_chunks
    )
    sim = f"simulate-{kind}-{token}"
    sim_layer: dict[Any, Any] = {}
    s0 = 0
    for i, ns in enumerate(s_chunks):
        block = rows.slice(s0, ns)
        d0 = 0
        for j, nd in enumerate(d_chunks):
            day = params.start + dt.timedelta(days=d0)
            sim_layer[(sim, i, j)] = (
                _simulate_block, kind, block, day, nd, params.seed, params.scenario, dtypes,
            )  # fmt: skip
            d0 += nd
        s0 += ns
    chunks = (s_chunks, tuple(n * 1440 for n in d_chunks))
    arrays = block_arrays(sim, sim_layer, chunks, dtypes, f"{kind}-{token}")
    data_vars = {
        name: (("sensor", "time"), arrays[name], meta["attrs"]) for name, meta in variables.items()
    }
    time = np.datetime64(params.start.isoformat(), "m") + np.arange(
        params.n_minutes, dtype="timedelta64[m]"
    )
    coords: dict[str, Any] = {"time": ("time", time.astype("datetime64[ns]"), _TIME_ATTRS)}
    coords.update(_sensor_coords(rows.drop("kind")))
    ds = xr.Dataset(data_vars, coords=coords)
    for name, meta in variables.items():
        ds[name].encoding["_FillValue"] = meta["fill_value"]
    ds.attrs = {
        "title": f"toyama-lab synthetic {kind} time series",
        "kind": kind,
        **params.as_dict(),
        "timezone": "Asia/Tokyo",
        "toyama_lab_version": __version__,
        "created_by": params.command(),
    }
    return ds


def _encoding(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Fixed storage chunks and compressor for each variable; integer minutes for time."""
    enc: dict[str, dict[str, Any]] = {
        name: {
            "chunks": (min(STORAGE_SENSORS, ds.sizes["sensor"]), STORAGE_MINUTES),
            "compressors": [COMPRESSOR],
            "_FillValue": ds[name].encoding.get("_FillValue"),
        }
        for name in ds.data_vars
    }
    start = str(ds.attrs["start"])
    enc["time"] = {
        "units": f"minutes since {start} 00:00:00",
        "calendar": "proleptic_gregorian",
        "dtype": "int64",
    }
    return enc


def write_timeseries(ds: xr.Dataset, path: str | os.PathLike[str]) -> Any:
    """Write a cube's metadata and coordinates now; return the delayed write of its data.

    Returns
    -------
    dask.delayed.Delayed
        Computing it writes every storage chunk of every variable.
    """
    return ds.to_zarr(
        path,
        mode="w-",
        encoding=_encoding(ds),
        zarr_format=3,
        consolidated=False,
        compute=False,
    )


class _TaskBar(Callback):
    """A tqdm bar advanced once per finished simulation task (local schedulers)."""

    def __init__(self, total: int, desc: str) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc=desc, unit="block", file=sys.stderr)

    def _posttask(self, key, result, dsk, state, worker_id) -> None:
        name = key[0] if isinstance(key, tuple) else key
        if isinstance(name, str) and name.startswith("simulate-"):
            self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


@contextlib.contextmanager
def _progress(total: int, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    bar = _TaskBar(total, "時系列 time series")
    try:
        with bar:
            yield
    finally:
        bar.close()


def compute_writes(
    delayeds: Sequence[Any], *, workers: int | None, client: Any, progress: bool, total: int
) -> None:
    """Run delayed Zarr writes on local threads (default) or on a dask.distributed client.

    Parameters
    ----------
    delayeds : sequence of dask.delayed.Delayed
        From :func:`write_timeseries`; computed together in one graph.
    workers : int, optional
        Threads (default: one per CPU). Ignored with ``client``.
    client : distributed.Client, optional
        Compute on this cluster instead.
    progress : bool
        Show a progress bar (tqdm for threads, distributed's text bar for a client).
    total : int
        Number of simulation tasks (the length of the tqdm bar).
    """
    if client is not None:
        futures = client.compute(list(delayeds))
        try:
            if progress:
                from distributed import progress as dist_progress

                dist_progress(futures, notebook=False)
            client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise
        return
    # Our own pool, so that on an error or Ctrl-C the tasks still running finish
    # before the caller deletes the temporary folder (else a late chunk write
    # could re-create it).
    pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
    try:
        with _progress(total, progress):
            dask.compute(*delayeds, scheduler="threads", pool=pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _overlapping(frame: pl.DataFrame, params: Params) -> pl.DataFrame:
    """Rows of an interval table (``start``, ``end``) that overlap the dataset's period."""
    t0 = dt.datetime.combine(params.start, dt.time())
    t1 = t0 + dt.timedelta(days=params.days)
    return frame.filter((pl.col("start") < t1) & (pl.col("end") > t0))


#: Days of children's tracks simulated per call: bounds the memory of
#: :func:`toyama_lab.synth.children.simulate_tracks` (about 2.6 GB for a whole year
#: of the ``city`` size in one call; a few hundred MB per 28 days).
FIXES_BLOCK_DAYS = 28


def children_fixes(
    city: Any, params: Params, *, block_days: int = FIXES_BLOCK_DAYS
) -> pl.DataFrame:
    """Children's GPS fixes of the period, simulated in blocks of days.

    The tracks of a day do not depend on the other days simulated
    (:func:`toyama_lab.synth.children.simulate_tracks`), so the blocks, stacked
    and sorted by child and time like the single call, equal it.
    """
    from toyama_lab.synth.children import simulate_tracks

    parts = []
    for d0 in range(0, params.days, block_days):
        first = params.start + dt.timedelta(days=d0)
        n = min(block_days, params.days - d0)
        parts.append(simulate_tracks(city, first, n, seed=params.seed))
    return pl.concat(parts).sort("child_id", "time", maintain_order=True)


def _event_tables(city: Any, params: Params) -> Iterator[tuple[str, pl.DataFrame]]:
    """The event tables of a dataset, one at a time, as (file name, frame).

    ``sensors`` and ``gateways`` come from the city; ``children_fixes`` from
    :func:`toyama_lab.synth.children.simulate_tracks`; ``fault_events``,
    ``outages``, ``rain_events`` (each limited to the episodes that overlap the
    period) and ``event_days`` from :mod:`toyama_lab.synth`.
    """
    from toyama_lab import synth

    yield "sensors", city.sensors
    yield "gateways", city.gateways
    yield "children_fixes", children_fixes(city, params)
    yield (
        "fault_events",
        synth.fault_events(city.sensors, params.start, params.days, params.seed, params.scenario),
    )
    yield "outages", _overlapping(synth.outages(city, params.scenario, params.seed), params)
    rain = synth.rain_events(params.start, params.days, params.seed, params.scenario)
    yield "rain_events", _overlapping(rain, params)
    yield "event_days", synth.event_days(params.start, params.days)


def _progress_default(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def generate(
    scenario: str,
    size: str = "class",
    seed: int = 0,
    start: str | dt.date | None = None,
    days: int | None = None,
    out: str | os.PathLike[str] | None = None,
    *,
    overwrite: bool = False,
    workers: int | None = None,
    client: Any = None,
    chunk_sensors: int = DEFAULT_CHUNK_SENSORS,
    chunk_days: int = DEFAULT_CHUNK_DAYS,
    progress: bool | None = None,
    network: bool = False,
    radio: RadioConfig | None = None,
) -> Path:
    """Generate one dataset folder: Zarr time series, Parquet events, GeoJSON, README, manifest.

    Parameters
    ----------
    scenario, size, seed, start, days
        Content-defining parameters (see :func:`~toyama_lab.datasets.params.resolve_params`);
        ``start``/``days`` default to the scenario's.
    out : path-like
        Dataset folder to create. Built as ``<out>.tmp-XXXXXXXX`` and renamed into
        place at the end; never left half-written.
    overwrite : bool
        Replace an existing ``out`` (otherwise it is refused before any work). Only an
        empty folder or a dataset folder made by this tool is ever replaced.
    workers : int, optional
        Threads of the local dask scheduler (default: one per CPU). Ignored with ``client``.
    client : distributed.Client, optional
        Run the chunk tasks on this dask.distributed cluster instead of local threads.
    chunk_sensors, chunk_days : int
        Compute chunk (work per task). Does not change the output bytes.
    progress : bool, optional
        Show a progress bar; default: only when standard error is a terminal.
    network : bool
        Also carry every reading over the simulated LoRaWAN network and write
        ``network/`` (device registry and synthetic keys, gateway log, transmission
        truth; see :func:`toyama_lab.datasets.network.simulate_from_dataset`), inside the same
        atomic build.
    radio : toyama_lab.network.RadioConfig, optional
        Radio settings of that network, e.g. ``RadioConfig(confirmed_share=0.3,
        max_retransmissions=3)``; default ``RadioConfig()`` (no confirmed uplinks, the
        same files as before the option existed). Only with ``network=True``.

    Returns
    -------
    pathlib.Path
        The dataset folder.

    Raises
    ------
    RadioConfigError
        (a ``ValueError``) If ``radio`` is not a
        :class:`~toyama_lab.network.config.RadioConfig`.
    DatasetError
        For bad parameters (including ``radio`` without ``network=True``), an existing
        ``out`` without ``overwrite``, or one that is not empty and not a dataset this
        tool made (readable manifest), even with ``overwrite``
        (:class:`~toyama_lab.store.OutputExistsError`), or an output folder that cannot
        be written (:class:`~toyama_lab.store.OutputNotWritableError`); all are raised
        before any generation work.
    """
    params = resolve_params(scenario, size, seed, start, days)
    if out is None:
        raise DatasetError("out: give the dataset folder to write, e.g. out='data/synthetic/x'.")
    _check_chunks(chunk_sensors, chunk_days)
    check_radio(radio, network)
    show = _progress_default(False) if progress is None else progress
    with folder_lock(out) as final:
        refusal = replace_refusal(final)
        if refusal is not None:
            raise OutputExistsError(refusal + ".")
        remove_stale(final)
        return build_folder(
            params, final, overwrite=overwrite, workers=workers, client=client,
            chunk_sensors=chunk_sensors, chunk_days=chunk_days, progress=show,
            network=network, radio=radio,
        )  # fmt: skip


def build_folder(
    params: Params,
    final: Path,
    *,
    overwrite: bool = False,
    workers: int | None = None,
    client: Any = None,
    chunk_sensors: int = DEFAULT_CHUNK_SENSORS,
    chunk_days: int = DEFAULT_CHUNK_DAYS,
    progress: bool | None = None,
    network: bool = False,
    radio: RadioConfig | None = None,
) -> Path:
    """Build the dataset ``params`` into ``final`` atomically (the work of :func:`generate`).

    The caller holds :func:`~toyama_lab.store.folder_lock` of ``final`` and has
    decided that an existing ``final`` may be replaced (``overwrite``); options are as
    for :func:`generate`.

    Returns
    -------
    pathlib.Path
        ``final``.
    """
    from toyama_lab.city import build_city
    from toyama_lab.datasets.readme import render_readme

    _check_chunks(chunk_sensors, chunk_days)
    check_radio(radio, network)
    progress = _progress_default(False) if progress is None else progress
    with atomic_folder(final, overwrite=overwrite) as tmp:
        city = build_city(params.seed, params.size)
        write_json(city.to_geojson(), tmp / "city.geojson")
        events_dir = tmp / "events"
        events_dir.mkdir()
        tables = {}
        for name, frame in _event_tables(city, params):
            write_parquet(frame, events_dir / f"{name}.parquet")
            tables[name] = (frame.schema, frame.height)
        ts_dir = tmp / "timeseries"
        ts_dir.mkdir()
        cubes = {}
        delayeds = []
        n_tasks = 0
        for kind in kinds_of(city.sensors):
            ds = timeseries_dataset(
                city.sensors, kind, params, chunk_sensors=chunk_sensors, chunk_days=chunk_days
            )
            cubes[kind] = ds
            n_tasks += len(ds.chunks["sensor"]) * len(ds.chunks["time"])
            delayeds.append(write_timeseries(ds, ts_dir / f"{kind}.zarr"))
        compute_writes(delayeds, workers=workers, client=client, progress=progress, total=n_tasks)
        note_write()  # the Zarr stores, written by dask
        header = manifest_header(params)
        write_text(tmp / "README.md", render_readme(header, cubes, tables))
        write_manifest(tmp, header)
        if network:
            add_network(tmp, config=radio)
    return final


#: The parts of the package whose code decides a dataset's content (without ``network/``).
SOURCE_PARTS = DATASET_PARTS


def source_fingerprint() -> str:
    """SHA-256 over the Python sources that decide a dataset's content.

    Covers :data:`SOURCE_PARTS` of the installed ``toyama_lab``
    (:func:`toyama_lab._fingerprint.source_fingerprint`). Recorded in the manifest so
    that a cached dataset made by other code (e.g. during development, same version
    number) is recognised as stale. ``network/`` records its own
    (:data:`toyama_lab._fingerprint.NETWORK_PARTS`) in ``network.json``.
    """
    return _fingerprint(SOURCE_PARTS)


def manifest_header(params: Params) -> dict[str, Any]:
    """The manifest without its file list: format, parameters, software, command."""
    import numcodecs
    import zarr

    return {
        "format": FORMAT,
        "parameters": params.as_dict(),
        "created_by": params.command(),
        "storage": {
            "chunk_sensors": STORAGE_SENSORS,
            "chunk_minutes": STORAGE_MINUTES,
            "compressor": COMPRESSOR.to_dict(),
            "parquet": "zstd level 3, statistics, row groups of 1,048,576 rows",
        },
        "software": {
            "toyama-lab": __version__,
            "toyama-lab-source-sha256": source_fingerprint(),
            "python": ".".join(map(str, sys.version_info[:3])),
            "numpy": np.__version__,
            "polars": pl.__version__,
            "xarray": xr.__version__,
            "zarr": zarr.__version__,
            "numcodecs": numcodecs.__version__,
            "dask": dask.__version__,
        },
    }
