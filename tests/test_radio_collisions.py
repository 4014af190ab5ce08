"""Tests for toyama_lab.radio.collisions (hand-built scenes with known outcomes)."""

import numpy as np
import pytest

from toyama_lab.radio.collisions import (
    COLLISION,
    CROCE_SIR_DB,
    INTERFERENCE,
    NO_DEMODULATOR,
    OUT_OF_RANGE,
    REASONS,
    RECEIVED,
    contention_mask,
    overlapping_pairs,
    receive,
    receive_pairs,
    sir_threshold_matrix,
)

F0 = 923.2e6


def two(p1, p2, *, sf=(7, 7), start=(0.0, 0.0), dur=(0.1, 0.1), freq=(F0, F0), **kw):
    r = receive(list(start), list(dur), list(freq), list(sf), 125_000, [[p1], [p2]], **kw)
    return [REASONS[c] for c in r.reason[:, 0]]


@pytest.mark.parametrize(
    ("p1", "p2", "expected"),
    [
        (-100.0, -110.0, ["received", "collision"]),  # 10 dB >= 6 dB capture
        (-100.0, -106.0, ["received", "collision"]),  # exactly 6 dB
        (-100.0, -103.0, ["collision", "collision"]),  # too close: both lost
        (-110.0, -100.0, ["collision", "received"]),
    ],
)
def test_same_sf_capture(p1, p2, expected):
    assert two(p1, p2) == expected


def test_croce_co_sf_threshold_option():
    assert two(-100.0, -103.0, sir_db=sir_threshold_matrix(1.0)) == ["received", "collision"]


@pytest.mark.parametrize(
    ("sf", "p1", "p2", "expected"),
    [
        ((7, 9), -100.0, -100.0, ["received", "received"]),  # SIR 0 > -9 and > -15
        ((7, 9), -100.0, -90.0, ["interference", "received"]),  # SF7 SIR -10 < -9
        ((7, 9), -100.0, -92.0, ["received", "received"]),  # SIR -8 >= -9
        ((12, 7), -100.0, -76.0, ["received", "received"]),  # SF12 SIR -24 >= -25
        ((12, 7), -100.0, -74.0, ["interference", "received"]),  # -26 < -25; SF7 +26 ok
    ],
)
def test_inter_sf(sf, p1, p2, expected):
    assert two(p1, p2, sf=sf) == expected
    assert CROCE_SIR_DB[0, 5] == -9


def test_no_overlap_in_time_or_frequency():
    assert two(-100.0, -100.0, start=(0.0, 0.2)) == ["received", "received"]
    assert two(-100.0, -100.0, freq=(F0, F0 + 200e3)) == ["received", "received"]
    # 125 kHz channels 100 kHz apart overlap
    assert two(-100.0, -100.0, freq=(F0, F0 + 100e3)) == ["collision", "collision"]


def test_interferer_ending_in_early_preamble_is_harmless():
    tsym = 2**7 / 125e3
    # frame 0 (10 dB stronger) ends 2 symbols after frame 1 starts: before frame 1 locks
    # (after 8 - 5 = 3 symbols), so it does no harm
    assert two(-90.0, -100.0, start=(0.0, 0.1 - 2 * tsym)) == ["received", "received"]
    # 4 symbols: after the lock point; energy-weighted SIR = 10 - 10 log10(4 tsym / 0.1)
    # = 3.9 dB < 6 dB
    assert two(-90.0, -100.0, start=(0.0, 0.1 - 4 * tsym)) == ["received", "collision"]


def test_partial_overlap_weights_energy():
    # the interferer covers half of the victim at equal power: SIR = +3 dB
    got = two(-100.0, -100.0, start=(0.0, 0.05), dur=(0.1, 0.2))
    assert got[0] == "collision"  # 3 dB < 6 dB
    got = two(-100.0, -100.0, start=(0.0, 0.05), dur=(0.1, 0.2), sir_db=sir_threshold_matrix(1.0))
    assert got[0] == "received"


def test_interference_sums_over_interferers():
    # two interferers each 8 dB below: alone fine (8 >= 6), together SIR = 8 - 3.01 < 6
    r = receive([0.0, 0.0, 0.2], [0.1, 0.1, 0.1], F0, 7, 125_000, [[-100.0], [-108.0], [-108.0]])
    assert r.reason[0, 0] == RECEIVED
    r = receive([0.0, 0.0, 0.0], [0.1, 0.1, 0.1], F0, 7, 125_000, [[-100.0], [-108.0], [-108.0]])
    assert r.reason[0, 0] == COLLISION


def test_out_of_range_and_sensitivity_override():
    r = receive([0.0], [0.1], F0, 12, 125_000, [[-136.0], [-140.0]][0:1])
    assert r.reason[0, 0] == RECEIVED  # -136 >= -137.03
    r = receive([0.0], [0.1], F0, 12, 125_000, [[-140.0]])
    assert r.reason[0, 0] == OUT_OF_RANGE
    r = receive([0.0], [0.1], F0, 12, 125_000, [[-136.0]], sensitivity=[-135.0])
    assert r.reason[0, 0] == OUT_OF_RANGE


def test_demodulator_paths_and_two_gateways():
    n = 10
    start = np.arange(n) * 1e-3
    freq = F0 + np.arange(n) * 1e6  # no interference at all
    rssi = np.full((n, 2), -100.0)
    rssi[9, 1] = -150.0  # the 10th frame is out of range of gateway 1
    r = receive(start, 0.5, freq, 7, 125_000, rssi)
    assert r.reason[:8].tolist() == [[RECEIVED, RECEIVED]] * 8
    assert r.reason[8].tolist() == [NO_DEMODULATOR, NO_DEMODULATOR]
    assert r.reason[9].tolist() == [NO_DEMODULATOR, OUT_OF_RANGE]
    assert r.delivered.tolist() == [True] * 8 + [False, False]
    assert r.counts()["no_demodulator"] == 3
    r = receive(start, 0.5, freq, 7, 125_000, rssi, n_demodulators=16)
    assert r.delivered.all()


def test_rejected_frames_do_not_hold_paths():
    # 9 long frames, then one more after the first 8 end: the 9th was rejected (no path),
    # frame 10 starts while only the rejected 9th is still on air -> it gets a path
    start = np.r_[np.zeros(8), 0.05, 0.15]
    dur = np.r_[np.full(8, 0.1), 0.2, 0.1]
    freq = F0 + np.arange(10) * 1e6
    r = receive(start, dur, freq, 7, 125_000, np.full((10, 1), -100.0))
    assert r.reason[:, 0].tolist() == [RECEIVED] * 8 + [NO_DEMODULATOR, RECEIVED]


def test_inter_sf_reason_is_interference():
    r = receive([0.0, 0.0], [0.1, 0.1], F0, [7, 9], 125_000, [[-100.0], [-80.0]])
    assert r.reason[0, 0] == INTERFERENCE


def test_overlapping_pairs_against_bruteforce():
    rng = np.random.default_rng(3)
    s = rng.uniform(0, 10, 300)
    e = s + rng.uniform(0.01, 0.5, 300)
    o, n = overlapping_pairs(s, e)
    got = {tuple(sorted(p)) for p in zip(o.tolist(), n.tolist(), strict=True)}
    want = {(i, j) for i in range(300) for j in range(i + 1, 300) if s[i] < e[j] and s[j] < e[i]}
    assert got == want
    assert np.all(s[o] <= s[n])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rssi_dbm": [[-100.0]]}, "rssi_dbm"),
        ({"duration_s": [0.0, 0.1]}, "duration_s"),
        ({"sir_db": np.zeros((5, 5))}, "sir_db"),
        ({"n_demodulators": 0}, "n_demodulators"),
        ({"lock_symbols": 9}, "lock_symbols"),
    ],
)
def test_bad_input(kwargs, match):
    args = {
        "start_s": [0.0, 0.0],
        "duration_s": [0.1, 0.1],
        "freq_hz": F0,
        "sf": 7,
        "bw_hz": 125_000,
        "rssi_dbm": [[-100.0], [-100.0]],
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        receive(**args)
    with pytest.raises(ValueError, match="co_sf_db"):
        sir_threshold_matrix(float("nan"))


def _random_scene(seed):
    rng = np.random.default_rng(seed)
    n, n_gw = int(rng.integers(2, 200)), int(rng.integers(1, 5))
    start = rng.uniform(0.0, rng.uniform(0.3, 30.0), n)
    if seed % 2:
        start = np.round(start, 1)  # ties in start
    dur = rng.uniform(0.03, 1.5, n)
    freq = F0 + rng.integers(0, 4, n) * 200e3 + rng.choice([0.0, 100e3], n)
    sf = rng.integers(7, 13, n)
    rssi = rng.uniform(-140.0, -90.0, (n, n_gw))
    return rng, start, dur, freq, sf, rssi, int(rng.integers(1, 10))


@pytest.mark.parametrize("seed", range(12))
def test_sparse_pairs_match_dense_matrix(seed):
    # a pair left out of the list is a gateway that does not hear the transmission at
    # all: the dense matrix with -inf dBm there must give the same fate to listed pairs
    rng, start, dur, freq, sf, rssi, n_dem = _random_scene(seed)
    listed = rng.random(rssi.shape) < 0.7
    tx, gw = np.nonzero(listed)
    perm = rng.permutation(tx.size)  # pair order must not matter
    tx, gw = tx[perm], gw[perm]
    sparse = receive_pairs(tx, gw, start, dur, freq, sf, 125_000, rssi[tx, gw],
                           n_demodulators=n_dem)  # fmt: skip
    dense = receive(start, dur, freq, sf, 125_000, np.where(listed, rssi, -np.inf),
                    n_demodulators=n_dem).reason  # fmt: skip
    assert np.array_equal(sparse, dense[tx, gw])
    assert (sparse != RECEIVED).any() and (sparse == RECEIVED).any()


@pytest.mark.parametrize("seed", range(3))
def test_hand_built_cases_through_pairs(seed):
    # the dense scenes above, through the sparse entry with gateway ids far apart
    r = receive_pairs([0, 1], [7, 7], [0.0, 0.0], [0.1, 0.1], F0, [7, 7], 125_000,
                      [-100.0, -110.0 + seed])  # fmt: skip
    assert [REASONS[c] for c in r] == ["received", "collision"]
    r = receive_pairs([0, 1, 1], [7, 7, 900], [0.0, 0.0], [0.1, 0.1], F0, [7, 9], 125_000,
                      [-100.0, -90.0, -90.0])  # fmt: skip
    assert [REASONS[c] for c in r] == ["interference", "received", "received"]


def test_contention_mask():
    start = [0.0, 0.05, 1.0, 1.05, 3.0]
    freq = [F0, F0, F0, F0 + 200e3, F0]
    assert contention_mask(start, 0.1, freq).tolist() == [True, True, False, False, False]
    # nine frames on nine channels at once: the ninth may find the 8 paths busy, and all
    # the frames on air then are involved
    start = np.r_[np.zeros(9), 5.0]
    freq = F0 + np.arange(10) * 1e6
    assert contention_mask(start, 0.1, freq).tolist() == [True] * 9 + [False]
    assert not contention_mask(start, 0.1, freq, n_demodulators=9).any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pair_tx": [0, 2]}, "pair_tx"),
        ({"pair_gw": [0]}, "same length"),
        ({"pair_gw": [0, -1]}, "pair_gw"),
        ({"sf": 13}, "sf"),
        ({"sensitivity": [1.0, 2.0, 3.0]}, "sensitivity"),
    ],
)
def test_receive_pairs_bad_input(kwargs, match):
    args = {
        "pair_tx": [0, 1],
        "pair_gw": [0, 0],
        "start_s": [0.0, 0.0],
        "duration_s": [0.1, 0.1],
        "freq_hz": F0,
        "sf": 7,
        "bw_hz": 125_000,
        "rssi_dbm": [-100.0, -100.0],
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        receive_pairs(**args)


def _crowded_scene(seed: int):
    """Many frames on three channels and five gateways (ids not 0..k-1), some at once."""
    rng = np.random.default_rng(seed)
    n, n_gw = 300, 5
    start = np.sort(np.round(rng.uniform(0.0, 3.0, n), 2))  # ties included
    flat = rng.choice(n * n_gw, 1000, replace=False)
    return {
        "pair_tx": flat // n_gw,
        "pair_gw": (flat % n_gw) * 11,
        "start_s": start,
        "duration_s": rng.uniform(0.05, 0.8, n),
        "freq_hz": rng.choice([F0, F0 + 200e3, F0 + 400e3], n),
        "sf": rng.integers(7, 13, n),
        "bw_hz": 125_000,
        "rssi_dbm": rng.uniform(-140.0, -95.0, 1000),
        "n_demodulators": 3,
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_lookup_by_table_or_by_search_agree(seed, monkeypatch):
    """The (transmission x gateway) table and its binary-search fallback give one answer."""
    from toyama_lab.radio import collisions

    scene = _crowded_scene(seed)
    by_table = receive_pairs(**scene)
    assert {COLLISION, NO_DEMODULATOR, RECEIVED} <= set(by_table.tolist())
    monkeypatch.setattr(collisions, "_TABLE_MAX", 0)
    np.testing.assert_array_equal(receive_pairs(**scene), by_table)


def test_overlapping_bands_are_searched_by_band():
    """A 500 kHz frame overlaps the 125 kHz channel 200 kHz away, not one 400 kHz away."""
    args = ([0, 1], [0, 0], [0.0, 0.01], [0.2, 0.2])
    wide = receive_pairs(*args, [F0, F0 + 200e3], 7, [500_000, 125_000], [-100.0, -101.0])
    assert wide.tolist() == [COLLISION, COLLISION]
    apart = receive_pairs(*args, [F0, F0 + 400e3], 7, [125_000, 125_000], [-100.0, -101.0])
    assert apart.tolist() == [RECEIVED, RECEIVED]


def test_expand_flattens_csr_slices():
    from toyama_lab._ragged import expand, items

    owner, item = expand(np.array([10, 0, 5]), np.array([2, 0, 3]))
    assert items(np.array([10, 0, 5]), np.array([2, 0, 3])).tolist() == item.tolist()
    assert owner.tolist() == [0, 0, 2, 2, 2]
    assert item.tolist() == [10, 11, 5, 6, 7]
    owner, item = expand(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert owner.size == item.size == 0


def test_owners_is_repeat_without_np_repeat(monkeypatch):
    """The slice number of every element, as np.repeat gives it (empty slices anywhere,
    none at all), made without np.repeat, which holds the GIL (toyama_lab._ragged)."""
    from toyama_lab._ragged import expand, owners

    rng = np.random.default_rng(3)
    cases = [rng.integers(0, 4, k) * (rng.random(k) < 0.6) for k in rng.integers(0, 40, 300)]
    want = [np.repeat(np.arange(c.size), c) for c in cases]
    begin = [rng.integers(-9, 9, c.size) for c in cases]
    want_items = [np.arange(int(c.sum())) + np.repeat(b - (np.cumsum(c) - c), c)
                  for b, c in zip(begin, cases, strict=True)]  # fmt: skip

    def no_repeat(*args, **kwargs):
        raise AssertionError("np.repeat called")

    monkeypatch.setattr(np, "repeat", no_repeat)
    for c, w, b, wi in zip(cases, want, begin, want_items, strict=True):
        got = owners(c)
        assert got.dtype == np.intp and np.array_equal(got, w)
        owner, item = expand(b, c)
        assert np.array_equal(owner, w) and np.array_equal(item, wi)
    assert owners(np.zeros(5, dtype=np.int64)).size == 0


def test_harmful_pairs_need_overlap_in_band_past_the_lock():
    from toyama_lab.radio.collisions import harmful_pairs

    t_sym = 2.0**7 / 125_000  # SF7
    lock = 3 * t_sym  # 8 preamble symbols, lock on the last 5
    start = [0.0, 0.05, 0.0, 0.0]
    end = [0.2, 0.3, lock - 1e-6, 0.2]
    freq = [F0, F0, F0, F0 + 200e3]
    v, i = harmful_pairs(start, end, freq, 125_000, 7)
    got = set(zip(v.tolist(), i.tolist(), strict=True))
    # 0 and 1 spoil each other; 2 ends before 0's receiver locks, so it cannot harm 0,
    # but 0 still runs past 2's lock and harms it; 1 starts after 2 ended; 3 is on
    # another channel
    assert got == {(0, 1), (1, 0), (2, 0)}
