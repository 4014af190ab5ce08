"""toyama_lab.network.registry: SYNTHETIC devices and keys."""

from __future__ import annotations

from toyama_lab.city import build_city
from toyama_lab.network import (
    build_registry,
)


def test_registry_is_synthetic_and_unique():
    city = build_city(0, "class")
    reg, keys = build_registry(city, 3)
    assert reg["synthetic"].all()
    assert reg["dev_addr"].n_unique() == reg.height == len(keys)
    assert reg["dev_eui"].n_unique() == reg.height
    assert reg.height == city.sensors.height + city.children.height
    assert (reg["dev_addr_int"] < (1 << 25)).all()  # NetID 0x000000: private network
    reg2, _ = build_registry(city, 3)
    assert reg.equals(reg2)
