"""Named scenarios x sizes -> Zarr + Parquet + manifest + README, and a build-once cache.

- :func:`generate` writes one dataset folder (atomically; byte-identical for the
  same parameters whatever the dask chunking or workers).
- :func:`load` builds a dataset once under the data root (``data/synthetic/`` in a
  source checkout) and returns a :class:`Dataset` handle; notebooks find data only
  through it.
- :func:`simulate_from_dataset` carries a dataset's readings over the simulated LoRaWAN
  network and adds ``network/`` (:mod:`toyama_lab.datasets.network`); :class:`Dataset`
  reads it back (``gateway_log``, ``transmissions``, ``registry``, ``keys``).
- :func:`summarize` / :func:`format_summary` describe what a folder holds.
"""

from toyama_lab.datasets.build import generate, timeseries_dataset
from toyama_lab.datasets.cache import Dataset, data_root, dataset_dirname, load, open_dataset
from toyama_lab.datasets.network import simulate_from_dataset
from toyama_lab.datasets.params import Params, allowed_scenarios, allowed_sizes, resolve_params
from toyama_lab.datasets.summary import format_summary, summarize
from toyama_lab.store import DatasetError, OutputExistsError, OutputNotWritableError

__all__ = [
    "Dataset",
    "DatasetError",
    "OutputExistsError",
    "OutputNotWritableError",
    "Params",
    "allowed_scenarios",
    "allowed_sizes",
    "data_root",
    "dataset_dirname",
    "format_summary",
    "generate",
    "load",
    "open_dataset",
    "resolve_params",
    "simulate_from_dataset",
    "summarize",
    "timeseries_dataset",
]
