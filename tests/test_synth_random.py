"""Tests of toyama_lab.synth.random: counter-based, block-independent random numbers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyama_lab.synth import random as rnd


def _ks_stat(sample: np.ndarray, cdf) -> float:
    x = np.sort(sample)
    n = x.size
    f = cdf(x)
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


_NORMAL_CDF = np.vectorize(lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0))))


@pytest.mark.parametrize("fn", [rnd.uniform, rnd.normal])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sub_block_identical(fn, dtype):
    idx = np.arange(50)[:, None]
    minute = np.arange(10_000, 13_000)[None, :]
    full = fn(7, "s", idx, minute, dtype=dtype)
    block = fn(7, "s", idx[13:29], minute[:, 500:1700], dtype=dtype)
    np.testing.assert_array_equal(full[13:29, 500:1700], block)
    # scattered points, in another order and shape
    rows = np.array([49, 0, 7])
    cols = np.array([12_999, 10_000, 11_111])
    np.testing.assert_array_equal(fn(7, "s", rows, cols, dtype=dtype), full[rows, cols - 10_000])
    assert full.dtype == dtype


def test_poisson_sub_block_identical():
    idx = np.arange(40)[:, None]
    minute = np.arange(2000)[None, :]
    lam = np.linspace(0.0, 40.0, 2000)[None, :] * np.ones((40, 1))
    full = rnd.poisson(3, "p", idx, minute, lam)
    block = rnd.poisson(3, "p", idx[5:9], minute[:, 100:1500], lam[5:9, 100:1500])
    np.testing.assert_array_equal(full[5:9, 100:1500], block)
    assert full.dtype == np.int64


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((1, "s"), (2, "s")),  # seed
        ((1, "s"), (1, "t")),  # stream
    ],
)
def test_streams_and_seeds_independent(a, b):
    idx = np.arange(20)[:, None]
    minute = np.arange(5000)[None, :]
    x = rnd.normal(*a, idx, minute).ravel()
    y = rnd.normal(*b, idx, minute).ravel()
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.01
    # neighbouring sensors and minutes are uncorrelated too
    z = rnd.normal(*a, idx + 1, minute).ravel()
    assert abs(np.corrcoef(x, z)[0, 1]) < 0.01
    lag = rnd.normal(*a, idx, minute + 1).ravel()
    assert abs(np.corrcoef(x, lag)[0, 1]) < 0.01


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_uniform_statistics(dtype):
    u = rnd.uniform(11, "u", np.arange(100)[:, None], np.arange(2000)[None, :], dtype=dtype).ravel()
    assert u.min() > 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.003
    assert abs(u.var() - 1 / 12) < 0.002
    # Kolmogorov-Smirnov against U(0, 1): 1.63/sqrt(n) is the 1 % critical value
    assert _ks_stat(u[:20_000], lambda x: x) < 1.63 / math.sqrt(20_000)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normal_statistics(dtype):
    z = rnd.normal(5, "n", np.arange(100)[:, None], np.arange(2000)[None, :], dtype=dtype).ravel()
    assert abs(z.mean()) < 0.01
    assert abs(z.var() - 1) < 0.01
    assert abs(np.mean(z**3)) < 0.03  # skewness
    assert abs(np.mean(z**4) - 3) < 0.06  # kurtosis
    assert _ks_stat(z[:20_000].astype(np.float64), _NORMAL_CDF) < 1.63 / math.sqrt(20_000)


def _poisson_pmf(lam: float, k: np.ndarray) -> np.ndarray:
    return np.exp(-lam + k * math.log(lam) - np.array([math.lgamma(i + 1) for i in k]))


@pytest.mark.parametrize("lam", [0.05, 0.7, 3.0, 11.9, 12.0, 30.0, 400.0])
def test_poisson_statistics(lam):
    n = 200_000
    x = rnd.poisson(1, f"lam{lam}", 0, np.arange(n), lam)
    assert x.min() >= 0
    se = math.sqrt(lam / n)
    assert abs(x.mean() - lam) < 5 * se + 1e-3
    assert abs(x.var() / lam - 1) < 0.03
    # total-variation distance to the exact law
    k = np.arange(int(lam + 10 * math.sqrt(lam) + 10))
    emp = np.bincount(x, minlength=k.size)[: k.size] / n
    tv = 0.5 * np.abs(emp - _poisson_pmf(lam, k)).sum()
    assert tv < 0.012


def test_poisson_zero_rate_gives_zero():
    assert np.all(rnd.poisson(0, "z", np.arange(5)[:, None], np.arange(100)[None, :], 0.0) == 0)


def test_stream_id_stable_and_distinct():
    assert rnd.stream_id("ped-count") == rnd.stream_id("ped-count")
    assert rnd.stream_id("ped-count") != rnd.stream_id("ped-counts")
    assert rnd.stream_id(7) == 7
    assert 0 <= rnd.stream_id("x") < 2**64


@pytest.mark.parametrize(
    ("call", "exc"),
    [
        (lambda: rnd.uniform(1.5, "s", 0, 0), TypeError),
        (lambda: rnd.uniform(True, "s", 0, 0), TypeError),
        (lambda: rnd.uniform(1, 3.2, 0, 0), TypeError),
        (lambda: rnd.poisson(1, "s", 0, np.arange(3), -1.0), ValueError),
        (lambda: rnd.poisson(1, "s", 0, np.arange(3), np.nan), ValueError),
    ],
)
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    r0=st.integers(0, 30),
    nr=st.integers(1, 10),
    c0=st.integers(0, 10**7),
    nc=st.integers(1, 300),
)
def test_any_block_matches_pointwise(seed, r0, nr, c0, nc):
    rows = np.arange(r0, r0 + nr)[:, None]
    cols = np.arange(c0, c0 + nc)[None, :]
    block = rnd.normal(seed, "prop", rows, cols)
    rr, cc = np.meshgrid(rows[:, 0], cols[0], indexing="ij")
    points = rnd.normal(seed, "prop", rr.ravel(), cc.ravel()).reshape(nr, nc)
    np.testing.assert_array_equal(block, points)


def test_hash64_is_mix_of_key_plus_counter():
    """The public building blocks give the same words as hash64 (used by the radio fading)."""
    idx = np.arange(5)
    minute = np.arange(5) * 1440 + 7
    key = rnd.key_of(3, "net-fade", idx)
    with np.errstate(over="ignore"):
        words = rnd.mix(key + minute.astype(np.uint64) * rnd.GOLDEN)
    np.testing.assert_array_equal(words, rnd.hash64(3, "net-fade", idx, minute))
