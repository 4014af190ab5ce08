"""Fixtures shared by the test modules: tiny networks and tiny datasets, each built once.

Constants and helpers they use live in ``cases.py``.
"""

from __future__ import annotations

import pytest
from cases import QUAKE_DAY, START, _loaded, _readings

from toyama_lab.city import build_city
from toyama_lab.datasets import Dataset, generate, load
from toyama_lab.gyosei import interval as iv
from toyama_lab.gyosei.data import load_applications, load_attendance
from toyama_lab.network import simulate_network
from toyama_lab.synth.children import simulate_tracks


@pytest.fixture(scope="session")
def tiny():
    """(city, readings, network result) of the tiny city's normal-week first day."""
    city = build_city(0, "tiny")
    readings = _readings(city, START, "normal-week")
    readings["gps_tracker"] = simulate_tracks(city, START, 1, seed=0)
    res = simulate_network(city, readings, seed=0, scenario="normal-week", start=START)
    return city, readings, res


@pytest.fixture(scope="session")
def quake():
    """(city, readings, network result) of the tiny city on the earthquake day."""
    city = build_city(0, "tiny")
    readings = _readings(city, QUAKE_DAY, "earthquake")
    res = simulate_network(city, readings, seed=0, scenario="earthquake", start=QUAKE_DAY)
    return city, readings, res


@pytest.fixture(scope="session")
def heavy():
    """class city, pedestrian counters reporting every minute: a loaded network."""
    city = build_city(0, "class")
    readings = _readings(city, START, "normal-week", kinds=("pedestrian",))
    res = simulate_network(
        city, readings, seed=0, scenario="normal-week", start=START, intervals={"pedestrian": 1}
    )
    return city, readings, res


@pytest.fixture(scope="session")
def retx():
    """tiny city, counters every minute on 2 channels, all confirmed, up to 3 retransmissions."""
    return _loaded(3)


@pytest.fixture(scope="session")
def three_days(tmp_path_factory):
    """A tiny school-term dataset of 3 days (children's fixes included), no network yet."""
    out = tmp_path_factory.mktemp("blocks") / "ds"
    generate("school-term", "tiny", 0, start=START, days=3, out=out)
    return out


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Dataset:
    """A tiny one-day dataset built through load() into a temporary data root."""
    root = tmp_path_factory.mktemp("root")
    return load("normal-week", "tiny", 4, start=START, days=1, root=root, progress=False)


@pytest.fixture(scope="session")
def intervals():
    """Rest intervals of the tiny budget-season attendance log (行政DX tests)."""
    return iv.rest_intervals(load_attendance("budget-season", size="tiny"))


@pytest.fixture(scope="session")
def apps():
    """Thirty days of the tiny application log (行政DX tests)."""
    return load_applications(size="tiny", days=30)
