"""toyama_lab.network.registry: SYNTHETIC devices and keys."""

from __future__ import annotations

import dataclasses

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


def test_each_device_carries_the_codec_its_uplinks_use(tiny):
    import polars as pl

    from toyama_lab.lorawan import decode_batch
    from toyama_lab.lorawan.codecs import get_codec
    from toyama_lab.network.registry import CODEC_OF_KIND

    _, _, res = tiny
    by_addr = {k.dev_addr: k.codec for k in res.keys}
    reg = res.registry
    codecs = [by_addr[a] for a in reg["dev_addr_int"].to_list()]
    assert codecs == [CODEC_OF_KIND[k] for k in reg["kind"].to_list()]
    # the FPort of every frame sent is the FPort of its device's codec
    tx = res.transmissions.filter(pl.col("fport").is_not_null())
    kinds = tx.join(reg.select("device_index", "kind"), on="device_index")["kind_right"]
    want = [get_codec(CODEC_OF_KIND[k]).fport for k in kinds.to_list()]
    assert tx["fport"].to_list() == want
    # decoded with the devices' codecs: the same table as with the FPort registry
    plain = type(res.keys)([dataclasses.replace(k, codec=None) for k in res.keys])
    log = res.gateway_log
    assert decode_batch(log, res.keys).equals(decode_batch(log, plain))
