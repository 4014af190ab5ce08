"""toyama_lab.network.road: the air of whole arrays of transmissions."""

from __future__ import annotations

import numpy as np
import pytest

from toyama_lab.city import build_city
from toyama_lab.network import (
    LOSS_REASONS,
    RadioConfig,
    build_registry,
)
from toyama_lab.network.config import AS923_JP_CHANNELS_HZ


def test_simulate_air_fading_is_the_counter_based_stream():
    import dataclasses

    from toyama_lab.network.road import build_links, simulate_air
    from toyama_lab.radio.fading import fade

    city = build_city(0, "class")
    registry, _ = build_registry(city, 0)
    cfg = RadioConfig()
    links = build_links(city, registry, 0, cfg)
    fixed = np.flatnonzero(np.isfinite(links.dev_x))
    rng = np.random.default_rng(2)
    dev = np.sort(rng.choice(fixed, 3000))
    counter = np.arange(dev.size)
    planned = np.sort(rng.uniform(0.0, 120.0, dev.size))  # crowded: frames meet
    args = (dev, counter, planned, np.full(dev.size, 15), links.dev_x[dev], links.dev_y[dev])
    fast = simulate_air(*args, links, seed=0, cfg=cfg)
    slow = simulate_air(*args, dataclasses.replace(links, cand_fade_key=None), seed=0, cfg=cfg)
    for f in dataclasses.fields(fast):
        assert np.array_equal(getattr(fast, f.name), getattr(slow, f.name)), f.name
    assert (fast.loss == LOSS_REASONS.index("collision")).any()  # contention was exercised
    d, g = dev[fast.pair_tx], fast.pair_gw
    want = fade(0, d * 1024 + g, counter[fast.pair_tx], cfg.fading_db)
    np.testing.assert_allclose(fast.pair_rssi - links.mean_rssi[d, g], want, atol=1e-4)


@pytest.mark.parametrize("block", [1, 97, 1 << 40])
def test_pair_blocks_do_not_change_the_air(block, monkeypatch):
    import dataclasses

    from toyama_lab.network import road

    city = build_city(0, "class")
    registry, _ = build_registry(city, 0)
    links = road.build_links(city, registry, 0, RadioConfig())
    fixed = np.flatnonzero(np.isfinite(links.dev_x))
    rng = np.random.default_rng(5)
    dev = np.sort(rng.choice(fixed, 2000))
    planned = np.sort(rng.uniform(0.0, 300.0, dev.size))
    args = (dev, np.arange(dev.size), planned, np.full(dev.size, 15), links.dev_x[dev],
            links.dev_y[dev], links)  # fmt: skip
    want = road.simulate_air(*args, seed=0, cfg=RadioConfig())
    monkeypatch.setattr(road, "_PAIR_BLOCK", block)
    got = road.simulate_air(*args, seed=0, cfg=RadioConfig())
    for f in dataclasses.fields(want):
        np.testing.assert_array_equal(getattr(got, f.name), getattr(want, f.name), f.name)


def test_per_frame_floors_give_the_air_of_the_global_cutoff(monkeypatch):
    """Contending frames' pairs are drawn down to what their partners need, not the
    global cutoff: the receptions are the same (weaker pairs could spoil nothing)."""
    import dataclasses

    from toyama_lab.network import road

    city = build_city(0, "class")
    registry, _ = build_registry(city, 0)
    cfg = RadioConfig(channels_hz=AS923_JP_CHANNELS_HZ[:2])
    links = road.build_links(city, registry, 0, cfg)
    fixed = np.flatnonzero(np.isfinite(links.dev_x))
    rng = np.random.default_rng(11)
    dev = np.sort(rng.choice(fixed, 3000))
    planned = np.sort(rng.uniform(0.0, 200.0, dev.size))  # crowded: frames meet
    args = (dev, np.arange(dev.size), planned, np.full(dev.size, 15), links.dev_x[dev],
            links.dev_y[dev], links)  # fmt: skip
    per_frame = road.simulate_air(*args, seed=0, cfg=cfg)
    assert (per_frame.loss == LOSS_REASONS.index("collision")).sum() > 20
    cut = road.pair_cutoff_dbm(cfg)
    monkeypatch.setattr(road, "_hot_floor",
                        lambda hr, start, toa, freq, sf, sens, cfg: cut[sf[hr] - 7])  # fmt: skip
    global_cut = road.simulate_air(*args, seed=0, cfg=cfg)
    for f in dataclasses.fields(per_frame):
        a, b = getattr(per_frame, f.name), getattr(global_cut, f.name)
        if f.name.startswith("pair_"):  # same receptions, maybe in another order
            order_a = np.lexsort((per_frame.pair_gw, per_frame.pair_tx))
            order_b = np.lexsort((global_cut.pair_gw, global_cut.pair_tx))
            a, b = a[order_a], b[order_b]
        np.testing.assert_array_equal(a, b, f.name)
