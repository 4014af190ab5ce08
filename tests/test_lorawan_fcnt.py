"""Tests for toyama_lab.lorawan.fcnt: 32-bit counter reconstruction and replay checks."""

from __future__ import annotations

import numpy as np
import pytest

from toyama_lab.lorawan.fcnt import (
    FCNT32_MAX,
    MAX_FCNT_GAP,
    FCntStatus,
    FCntTracker,
    last_seen_after,
    reconstruct_fcnt,
)

OK, REPLAY, REGRESSION, GAP = (
    FCntStatus.OK,
    FCntStatus.REPLAY,
    FCntStatus.REGRESSION,
    FCntStatus.GAP_TOO_LARGE,
)


@pytest.mark.parametrize(
    ("last", "fcnt16", "expected"),
    [
        (None, 7, (7, OK)),
        (10, 11, (11, OK)),
        (10, 10 + MAX_FCNT_GAP, (10 + MAX_FCNT_GAP, OK)),
        (10, 10 + MAX_FCNT_GAP + 1, (10 + MAX_FCNT_GAP + 1, GAP)),
        (10, 10, (10, REPLAY)),
        (10, 9, (9, REGRESSION)),
        (65535, 0, (65536, OK)),  # rollover of the 16-bit field
        (65530, 5, (65541, OK)),
        (0x1FFFF, 0x0000, (0x20000, OK)),
        (0x2_0005, 0xFFFF, (0x1_FFFF, REGRESSION)),
        (0x2_0005, 0x0005, (0x2_0005, REPLAY)),
        (5, 65530, (5 + 65525, GAP)),  # would be below zero backwards: forward gap
        (FCNT32_MAX - 1, 0xFFFF, (FCNT32_MAX, OK)),
        (FCNT32_MAX, 0x0000, (FCNT32_MAX + 1, GAP)),  # counter space exhausted
    ],
)
def test_tracker_rule_table(last, fcnt16, expected):
    t = FCntTracker()
    if last is not None:
        t.accept(0xAA, last)
    assert t.check(0xAA, fcnt16) == expected


def test_tracker_check_does_not_change_state_and_accept_does():
    t = FCntTracker()
    assert t.last(1) is None
    t.check(1, 5)
    assert t.last(1) is None
    t.accept(1, 5)
    assert t.last(1) == 5
    assert t.check(2, 5) == (5, OK)  # other devices independent
    t.reset(1)
    assert t.last(1) is None


def test_tracker_custom_gap_and_validation():
    t = FCntTracker(max_gap=10)
    t.accept(1, 100)
    assert t.check(1, 110) == (110, OK)
    assert t.check(1, 111) == (111, GAP)
    assert t.check(1, 95) == (95, REGRESSION)
    assert t.check(1, 100) == (100, REPLAY)
    assert t.check(1, 80) == (100 + 65516, GAP)
    with pytest.raises(ValueError, match="max_gap"):
        FCntTracker(max_gap=0)
    with pytest.raises(ValueError, match="fcnt16"):
        t.check(1, 65536)
    with pytest.raises(ValueError, match="fcnt32"):
        t.accept(1, -1)


def _sequential(f16, codes, last=None, max_gap=MAX_FCNT_GAP):
    t = FCntTracker(max_gap=max_gap)
    if last is not None:
        for d, v in enumerate(last):
            if v >= 0:
                t.accept(d, int(v))
    out32, out_st = [], []
    for f, c in zip(f16, codes, strict=True):
        v, s = t.check(int(c), int(f))
        if s == OK:
            t.accept(int(c), v)
        out32.append(v)
        out_st.append(int(s))
    return np.array(out32, np.int64), np.array(out_st, np.int8)


def test_reconstruct_docstring_example():
    f32, st = reconstruct_fcnt(np.array([65534, 65535, 0, 0, 1]), np.zeros(5, int))
    assert f32.tolist() == [65534, 65535, 65536, 65536, 65537]
    assert st.tolist() == [OK, OK, OK, REPLAY, OK]


@pytest.mark.parametrize("seed", range(40))
def test_reconstruct_matches_sequential_tracker(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    n_dev = int(rng.integers(1, 5))
    codes = rng.integers(0, n_dev, n)
    steps = rng.choice([0, 1, 1, 1, 1, 2, 5, -1, -4, 17000, -17000, 40000, 30000], n)
    f16 = (np.cumsum(steps) + rng.integers(0, 65536)) % 65536
    last = None
    if seed % 2:
        last = rng.choice([-1, 3, 65530, 70000, 2**32 - 3], n_dev)
    max_gap = MAX_FCNT_GAP if seed % 3 else 1000
    got = reconstruct_fcnt(f16, codes, last, max_gap=max_gap)
    want = _sequential(f16, codes, last, max_gap=max_gap)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == np.int64 and got[1].dtype == np.int8


def test_reconstruct_duplicates_from_several_gateways_are_replays():
    f16 = np.array([1, 1, 1, 2, 2, 3])
    f32, st = reconstruct_fcnt(f16, np.zeros(6, np.int32))
    assert f32.tolist() == [1, 1, 1, 2, 2, 3]
    assert st.tolist() == [OK, REPLAY, REPLAY, OK, REPLAY, OK]


def test_reconstruct_rejected_rows_do_not_move_the_counter():
    # 100 accepted, 30000 too far, 101 must still be OK (relative to 100, not 30000)
    f32, st = reconstruct_fcnt(np.array([100, 30000, 30000, 101]), np.zeros(4, int))
    assert st.tolist() == [OK, GAP, GAP, OK]
    assert f32.tolist() == [100, 30000, 30000, 101]


def test_reconstruct_interleaved_devices_keep_their_order():
    codes = np.array([1, 0, 1, 0, 1])
    f16 = np.array([65535, 10, 0, 9, 1])
    f32, st = reconstruct_fcnt(f16, codes, np.array([5, 65530]))
    assert f32.tolist() == [65535, 10, 65536, 9, 65537]
    assert st.tolist() == [OK, OK, OK, REGRESSION, OK]


def test_last_seen_after_chains_batches():
    f16 = np.array([65534, 65535, 0, 1, 2, 3])
    codes = np.zeros(6, int)
    whole = reconstruct_fcnt(f16, codes)
    a32, ast = reconstruct_fcnt(f16[:3], codes[:3])
    state = last_seen_after(a32, ast, codes[:3])
    b32, bst = reconstruct_fcnt(f16[3:], codes[3:], state)
    assert np.concatenate([a32, b32]).tolist() == whole[0].tolist()
    assert np.concatenate([ast, bst]).tolist() == whole[1].tolist()
    assert last_seen_after(b32, bst, codes[3:], state).tolist() == [65539]


def test_last_seen_after_sizes_and_defaults():
    out = last_seen_after(np.array([5]), np.array([REPLAY]), np.array([2]), n_devices=4)
    assert out.tolist() == [-1, -1, -1, -1]
    out = last_seen_after(np.array([5]), np.array([OK]), np.array([0]), np.array([-1, 9, 3]))
    assert out.tolist() == [5, 9, 3]


def test_reconstruct_empty():
    f32, st = reconstruct_fcnt(np.array([], int), np.array([], int))
    assert f32.size == 0 and st.size == 0


@pytest.mark.parametrize(
    ("f16", "codes", "last", "exc", "match"),
    [
        ([1, 2], [0], None, ValueError, "same length"),
        ([[1]], [[0]], None, ValueError, "1-D"),
        ([70000], [0], None, ValueError, "0..65535"),
        ([-1], [0], None, ValueError, "0..65535"),
        ([1], [-1], None, ValueError, "non-negative"),
        ([1.0], [0], None, TypeError, "integer"),
        ([1], [3], [0, 0], ValueError, "length >= 4"),
        ([1], [0], [2**33], ValueError, "last_seen values"),
    ],
)
def test_reconstruct_bad_input(f16, codes, last, exc, match):
    with pytest.raises(exc, match=match):
        reconstruct_fcnt(
            np.array(f16), np.array(codes), None if last is None else np.array(last, np.int64)
        )


def test_reconstruct_bad_max_gap():
    with pytest.raises(ValueError, match="max_gap"):
        reconstruct_fcnt(np.array([1]), np.array([0]), max_gap=40000)


def test_reconstruct_pathological_device_uses_linear_fallback_and_stays_exact():
    # device 0: random counters (hundreds of rejections -> sequential fallback);
    # devices 1..3: clean counters with duplicates, settled by the whole-array passes
    rng = np.random.default_rng(11)
    noisy = rng.integers(0, 65536, 600)
    clean = np.repeat(np.arange(65000, 65000 + 300) % 65536, 2)
    per_device = np.stack([noisy, clean, clean[::-1], clean])  # (4 devices, 600 rows)
    f16 = per_device.T.ravel()  # round-robin interleave, order within each device kept
    codes = np.tile(np.arange(4), 600)
    got = reconstruct_fcnt(f16, codes)
    want = _sequential(f16, codes)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert (got[1] != OK).sum() > 300
