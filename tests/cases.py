"""Shared constants and helpers of the network and datasets tests (fixtures: conftest.py).

Imported by the test modules as ``from cases import ...`` (``tests/`` is on the path, as
for ``snapshots``).
"""

from __future__ import annotations

import polars as pl

from toyama_lab import synth
from toyama_lab.city import build_city
from toyama_lab.lorawan import decode_batch
from toyama_lab.network import RadioConfig, simulate_network
from toyama_lab.network.config import AS923_JP_CHANNELS_HZ

START = "2025-10-06"  # a Monday: school day (children's fixes too), normal-week's first day
QUAKE_DAY = "2025-11-12"  # the earthquake scenario's quake day
#: Sensor kinds of a tiny dataset.
KINDS = ("pedestrian", "bicycle_park", "counter", "rain", "river")


def _readings(city, start, scenario, kinds=synth.KINDS, days=1, seed=0):
    out = {}
    for kind in kinds:
        rows = city.sensors.filter(pl.col("kind") == kind).sort("sensor_index")
        out[kind] = synth.simulate(kind, rows, start, days, seed=seed, scenario=scenario)
    return out


def _decoded_frames(res):
    dec = decode_batch(res.gateway_log, res.keys)
    return dec, dec.filter(pl.col("status") == "ok")


def _bytes(folder):
    from toyama_lab.network.write import FILES

    return {k: (folder / "network" / v).read_bytes() for k, v in FILES.items()}


def _loaded(max_retransmissions, days=1, share=1.0):
    city = build_city(0, "tiny")
    readings = _readings(city, START, "normal-week", kinds=("pedestrian",), days=days)
    # two channels instead of eight: enough collisions for second retransmissions
    cfg = RadioConfig(confirmed_share=share, max_retransmissions=max_retransmissions,
                      channels_hz=AS923_JP_CHANNELS_HZ[:2])  # fmt: skip
    res = simulate_network(city, readings, seed=0, scenario="normal-week", start=START,
                           intervals={"pedestrian": 1}, config=cfg)  # fmt: skip
    return city, readings, res
