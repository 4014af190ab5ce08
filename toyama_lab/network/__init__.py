"""The city's LoRaWAN network, end to end: readings -> payloads -> frames -> air -> gateway log.

Every reading a sensor reports becomes a payload (:mod:`.uplinks`), a LoRaWAN frame with
its own counter and SYNTHETIC keys (:mod:`.registry`), a transmission on the air and zero
or more gateway receptions with RSSI and SNR (:mod:`.road`), exactly as a network server
would see them (:mod:`.log`); the truth of every transmission (delivered, or one loss
reason) stays beside it. :mod:`.write` puts it all in a dataset's ``network/`` folder.
:mod:`.config` owns the radio settings (:class:`RadioConfig`, their recorded form and
their comparison).

The package takes readings (arrays and frames), never a dataset folder, and never
imports :mod:`toyama_lab.datasets`: running the network over a generated dataset is
:func:`toyama_lab.datasets.network.simulate_from_dataset`.

Skipped as a doctest: it needs a city and a day of readings and writes a dataset folder.

>>> from toyama_lab.datasets import load                             # doctest: +SKIP
>>> from toyama_lab.network import simulate_network, write_network  # doctest: +SKIP
>>> ds = load("normal-week", "tiny")                                 # doctest: +SKIP
>>> res = simulate_network(ds.city, ds.readings(), seed=0, scenario="normal-week",
...                        start=ds.params.start)                    # doctest: +SKIP
>>> write_network(res, ds.path)                                      # doctest: +SKIP
"""

from toyama_lab.network.config import RadioConfig, RadioConfigError, radio_params
from toyama_lab.network.log import TRANSMISSION_SCHEMA
from toyama_lab.network.registry import REGISTRY_SCHEMA, build_registry
from toyama_lab.network.road import LOSS_REASONS
from toyama_lab.network.simulate import (
    TRACKER_KEY,
    NetworkResult,
    simulate_network,
    simulate_network_blocks,
)
from toyama_lab.network.uplinks import REPORT_INTERVAL_MIN
from toyama_lab.network.write import write_network, write_network_blocks

__all__ = [
    "LOSS_REASONS",
    "REGISTRY_SCHEMA",
    "REPORT_INTERVAL_MIN",
    "TRACKER_KEY",
    "TRANSMISSION_SCHEMA",
    "NetworkResult",
    "RadioConfig",
    "RadioConfigError",
    "build_registry",
    "radio_params",
    "simulate_network",
    "simulate_network_blocks",
    "write_network",
    "write_network_blocks",
]
