"""The per-frame fading draws: definition, statistics, determinism, attempts and streams."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from toyama_lab.network.road import MARGIN_SIGMA
from toyama_lab.radio import fading
from toyama_lab.synth import random as rnd

M32 = 0xFFFFFFFF


def _fmix32_ref(h: int) -> int:
    """MurmurHash3 fmix32 on a Python int (the reference the arrays must match)."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


def test_table_is_the_normal_quantiles_at_cell_middles():
    lut = fading.normal_lut()
    n = 1 << fading.NORMAL_LUT_BITS
    assert lut.dtype == np.float32 and lut.size == n
    assert np.all(np.diff(lut) > 0)
    np.testing.assert_allclose(lut, -lut[::-1], atol=1e-6)  # symmetric
    inv = NormalDist().inv_cdf
    for i in (0, 1, 1000, n // 2, n - 1):
        assert lut[i] == pytest.approx(inv((i + 0.5) / n), abs=1e-6)
    assert MARGIN_SIGMA < lut[-1] < 4.4  # bounded beyond the pair selection's margin
    with pytest.raises(ValueError):
        lut[0] = 0.0  # read-only: a shared cache


def test_fmix32_matches_the_reference():
    h = np.array([0, 1, 0xDEADBEEF, M32, 12345678], dtype=np.uint32)
    want = [_fmix32_ref(int(v)) for v in h]
    assert fading.fmix32(h.copy()).tolist() == want


def test_draw_is_the_documented_word():
    """key = fmix32(base + index * golden); word = fmix32(key + counter word); top 16 bits."""
    seed, index, counter = 3, np.array([5, 1024 * 7 + 3]), np.array([0, 41])
    base = int(rnd.key_of(seed, fading.FADE_STREAM, np.zeros(1, dtype=np.int64))[0]) >> 32
    lut = fading.normal_lut()
    got = fading.fade(seed, index, counter)
    for z, i, c in zip(got, index.tolist(), counter.tolist(), strict=True):
        key = _fmix32_ref((base + i * 0x9E3779B9) & M32)
        word = _fmix32_ref((key + c * 0x9E3779B9) & M32)
        assert z == lut[word >> 16]


def test_draws_are_standard_normal_and_deterministic():
    idx = np.arange(400_000, dtype=np.int64) % 2000
    cnt = np.arange(400_000, dtype=np.int64) // 2000
    z = fading.fade(7, idx, cnt)
    assert z.dtype == np.float32
    np.testing.assert_array_equal(z, fading.fade(7, idx, cnt))
    assert abs(float(z.mean())) < 0.01 and abs(float(z.std()) - 1.0) < 0.01
    assert abs(float(np.mean(np.abs(z) > 2.0)) - 0.0455) < 0.002  # normal tail mass
    assert abs(float(np.mean(z**4)) - 3.0) < 0.05  # kurtosis of the normal
    # consecutive counters on one link, and neighbouring links, are uncorrelated
    zz = z.reshape(200, 2000)
    assert abs(float(np.corrcoef(zz[:-1].ravel(), zz[1:].ravel())[0, 1])) < 0.01
    assert abs(float(np.corrcoef(zz[:, :-1].ravel(), zz[:, 1:].ravel())[0, 1])) < 0.01
    # another seed draws otherwise
    assert not np.array_equal(z, fading.fade(8, idx, cnt))


def test_scale_multiplies_the_draws():
    idx, cnt = np.arange(1000), np.arange(1000) // 7
    np.testing.assert_allclose(fading.fade(1, idx, cnt, 2.5), 2.5 * fading.fade(1, idx, cnt),
                               rtol=1e-6)  # fmt: skip


def test_attempts_draw_afresh_but_attempt_zero_is_the_fcnt():
    fcnt = np.arange(50_000, dtype=np.int64)
    words0 = fading.counter_words(fcnt)
    np.testing.assert_array_equal(words0, (fcnt * 0x9E3779B9 & M32).astype(np.uint32))
    again = fading.counter_words(fcnt + (1 << 32))  # attempt 1 of the same FCnt
    assert np.mean(again == words0) < 1e-3
    link = np.full(fcnt.size, 77)
    a0 = fading.fade(0, link, fcnt)
    a1 = fading.fade(0, link, fcnt + (1 << 32))
    assert abs(float(np.corrcoef(a0, a1)[0, 1])) < 0.02


def test_streams_are_independent():
    idx = np.arange(100_000)
    fade = fading.fade(0, idx, 0)
    shadow = fading.fade(0, idx, 0, stream="net-shadow-trk")
    assert abs(float(np.corrcoef(fade, shadow)[0, 1])) < 0.02
    keys = fading.link_keys(0, idx)
    assert keys.dtype == np.uint32 and np.unique(keys).size > 0.999 * idx.size
