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


def _class_links():
    from toyama_lab.network.road import build_links

    city = build_city(0, "class")
    registry, _ = build_registry(city, 0)
    cfg = RadioConfig()
    return build_links(city, registry, 0, cfg), cfg


def test_candidates_above_the_sensitivity_margin_come_first_in_gateway_order():
    from toyama_lab.network.road import MARGIN_SIGMA
    from toyama_lab.radio.link import sensitivity_dbm

    links, cfg = _class_links()
    sens = np.asarray(sensitivity_dbm(links.sf, cfg.bw_hz)) - MARGIN_SIGMA * cfg.fading_db
    fixed = np.flatnonzero(np.isfinite(links.dev_x))
    assert links.cand_n_sens[fixed].max() > 1  # several gateways to order
    for d in fixed.tolist():
        lo, hi = int(links.cand_ptr[d]), int(links.cand_ptr[d + 1])
        k = lo + int(links.cand_n_sens[d])
        gw, mean = links.cand_gw[lo:hi], links.cand_mean[lo:hi].astype(np.float64)
        assert np.all(np.diff(gw[: k - lo]) > 0), d  # the prefix: gateway order
        assert np.all(np.diff(mean[k - lo :]) <= 0), d  # the rest: strongest first
        np.testing.assert_array_less(mean[k - lo :], sens[d] + 1e-4)
        assert np.all(mean[: k - lo] >= sens[d] - 1e-4), d


def test_candidates_above_counts_every_candidate_at_or_above_the_level():
    from toyama_lab.network.road import MARGIN_SIGMA, _candidates_above
    from toyama_lab.radio.link import sensitivity_dbm

    links, cfg = _class_links()
    fixed = np.flatnonzero(np.isfinite(links.dev_x))
    rng = np.random.default_rng(5)
    dev = rng.choice(fixed, 2000)
    top = np.asarray(sensitivity_dbm(links.sf[dev], cfg.bw_hz)) - MARGIN_SIGMA * cfg.fading_db
    level = (top - rng.uniform(0.0, 15.0, dev.size)).astype(np.float32)  # floors <= sensitivity
    got = _candidates_above(links, dev, level)
    want = [
        int((links.cand_mean[links.cand_ptr[d] : links.cand_ptr[d + 1]] >= v).sum())
        for d, v in zip(dev.tolist(), level.tolist(), strict=True)
    ]
    assert got.tolist() == want
    assert (got > links.cand_n_sens[dev]).any()  # some levels reach past the prefix


def test_frames_that_meet_no_other_give_receptions_in_transmission_gateway_order():
    from toyama_lab.network.road import simulate_air

    links, cfg = _class_links()
    fixed = np.flatnonzero(np.isfinite(links.dev_x))
    dev = np.sort(np.random.default_rng(3).choice(fixed, 400))
    planned = np.arange(dev.size) * 20.0  # 20 s apart: no frame meets another
    air = simulate_air(dev, np.arange(dev.size), planned, np.full(dev.size, 15),
                       links.dev_x[dev], links.dev_y[dev], links, seed=0, cfg=cfg)  # fmt: skip
    key = air.pair_tx * 1024 + air.pair_gw
    assert key.size > dev.size  # most frames reach several gateways
    assert np.all(np.diff(key) > 0)
