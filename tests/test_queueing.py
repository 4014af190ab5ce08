"""Tests of toyama_lab.queueing: the M/M/c queue in closed form (Erlang C)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toyama_lab import queueing


def _erlang_c_textbook(lam, mu, c):
    """Erlang C from the factorial formula (Gross et al. 2008, eq. 2.35)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(
    ("lam", "mu", "c"),
    [(0.5, 1.0, 1), (1.0, 1.0, 2), (3.0, 1.0, 4), (0.8, 1 / 7, 6), (1.5, 1 / 7, 12), (20, 1, 25)],
)
def test_erlang_c_matches_the_factorial_formula(lam, mu, c):
    assert_allclose(queueing.erlang_c(lam, mu, c), _erlang_c_textbook(lam, mu, c), rtol=1e-10)


def test_erlang_c_broadcasts_over_windows():
    c = np.arange(2, 9)
    want = [_erlang_c_textbook(1.5, 1.0, int(k)) for k in c]
    assert_allclose(queueing.erlang_c(1.5, 1.0, c), want, rtol=1e-10)


def test_mm1_closed_forms():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lam)
    m = queueing.mmc_metrics(0.6, 1.0, 1)
    assert_allclose(m["p_wait"], 0.6)
    assert_allclose(m["wq"], 0.6 / 0.4)
    assert_allclose(m["lq"], 0.36 / 0.4)
    assert_allclose(m["w"], 1.5 + 1.0)


@pytest.mark.parametrize(
    ("lam", "mu", "c", "expected"),
    [
        (0.5, 1.0, 1, 0.5 / (1.0 * (1.0 - 0.5))),  # M/M/1: rho / (mu - lam)
        (0.9, 1.0, 1, 0.9 / (1.0 - 0.9)),
        # M/M/2: P(wait) = 2 rho^2 / (1 + rho), Wq = P / (2 mu - lam)
        (1.2, 1.0, 2, (2 * 0.6**2 / 1.6) / (2.0 - 1.2)),
    ],
)
def test_mean_wait_closed_forms(lam, mu, c, expected):
    assert_allclose(queueing.mmc_metrics(lam, mu, c)["wq"], expected, rtol=1e-12)


def test_service_level_is_the_waiting_time_distribution():
    lam, mu, c, t = 1.2, 1.0, 2, 3.0
    m = queueing.mmc_metrics(lam, mu, c, within=t)
    want = 1.0 - _erlang_c_textbook(lam, mu, c) * math.exp(-(c * mu - lam) * t)
    assert_allclose(m["service_level"], want, rtol=1e-12)


@pytest.mark.parametrize(("lam", "c"), [(2.0, 2), (3.0, 3), (5.0, 2)])
def test_unstable_queue_has_infinite_wait(lam, c):
    m = queueing.mmc_metrics(lam, 1.0, c)
    assert m["p_wait"] == 1.0 and np.isinf(m["wq"]) and np.isinf(m["lq"])
    assert m["service_level"] == 0.0


@pytest.mark.parametrize(
    ("lam", "mu", "c", "match"),
    [(-1, 1, 1, "arrival"), (1, 0, 1, "service"), (1, 1, 0, "windows"), (1, 1, 1.5, "whole")],
)
def test_bad_rates_are_rejected(lam, mu, c, match):
    with pytest.raises(ValueError, match=match):
        queueing.erlang_c(lam, mu, c)
    with pytest.raises(ValueError, match=match):
        queueing.mmc_metrics(lam, mu, c)


@pytest.mark.parametrize("within", [-1.0, float("nan"), float("inf")])
def test_bad_service_level_limit_is_rejected(within):
    with pytest.raises(ValueError, match="within"):
        queueing.mmc_metrics(1.0, 1.0, 2, within=within)
