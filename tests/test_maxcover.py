"""Tests of toyama_lab.maxcover: greedy maximum coverage and a fixed pick order."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from toyama_lab.maxcover import coverage_in_order, greedy_max_coverage


@pytest.mark.parametrize(
    ("cover", "k", "weights", "picks", "gains"),
    [
        ([[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0]], 2, None, [0, 1], [2, 2]),
        ([[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0]], 5, None, [0, 1], [2, 2]),
        ([[1, 0], [0, 1], [0, 1]], 1, [5.0, 1.0, 1.0], [0], [5]),
        ([[1, 1], [1, 1]], 2, None, [0], [2]),  # nothing left to gain after one
    ],
)
def test_greedy_max_coverage_table(cover, k, weights, picks, gains):
    out = greedy_max_coverage(cover, k, weights)
    assert out["candidate"].to_list() == picks
    assert out["gain"].to_list() == gains
    assert out["cumulative"].is_sorted() and out["share"].max() <= 1.0


def test_greedy_beats_or_ties_any_single_choice():
    rng = np.random.default_rng(1)
    cover = rng.random((200, 30)) < 0.1
    w = rng.random(200)
    g = greedy_max_coverage(cover, 1, w)
    assert_allclose(g["gain"][0], (w[:, None] * cover).sum(0).max())


@pytest.mark.parametrize(
    ("cover", "k", "weights", "match"),
    [
        ([1, 0, 1], 1, None, "2-D"),
        ([[1, 0]], 0, None, "positive"),
        ([[1, 0]], 1, [-1.0], "weights"),
        ([[1, 0]], 1, [1.0, 2.0], "weights"),
    ],
)
def test_greedy_bad_input(cover, k, weights, match):
    with pytest.raises(ValueError, match=match):
        greedy_max_coverage(cover, k, weights)


@pytest.mark.parametrize(
    ("order", "gains", "shares"),
    [
        ([2, 0], [2.0, 1.0], [0.5, 0.75]),
        ([1, 2, 0], [2.0, 1.0, 1.0], [0.5, 0.75, 1.0]),
        ([0, 0], [2.0, 0.0], [0.5, 0.5]),  # a repeat adds nothing
        ([], [], []),
    ],
)
def test_coverage_in_order_table(order, gains, shares):
    cover = [[1, 0, 1], [1, 0, 0], [0, 1, 1], [0, 1, 0]]
    out = coverage_in_order(cover, order)
    assert out.columns == ["step", "candidate", "gain", "cumulative", "share"]
    assert out["candidate"].to_list() == order
    assert out["gain"].to_list() == gains and out["share"].to_list() == shares


def test_coverage_in_order_matches_greedy_on_the_greedy_order():
    rng = np.random.default_rng(2)
    cover = rng.random((150, 20)) < 0.15
    g = greedy_max_coverage(cover, 6)
    o = coverage_in_order(cover, g["candidate"].to_numpy())
    assert_allclose(o.drop("step").to_numpy(), g.drop("step").to_numpy())


@pytest.mark.parametrize(
    ("cover", "order", "match"),
    [
        ([1, 0, 1], [0], "2-D"),
        ([[1, 0]], [2], "column of cover"),
        ([[1, 0]], [-1], "column of cover"),
    ],
)
def test_coverage_in_order_bad_input(cover, order, match):
    with pytest.raises(ValueError, match=match):
        coverage_in_order(cover, order)


def test_greedy_with_no_candidate_picks_nothing():
    assert greedy_max_coverage(np.zeros((3, 0), dtype=bool), 2).height == 0


def test_state_figure_stacks_the_three_states():
    from toyama_lab.viz.disaster import state_figure

    times = np.array(["2025-11-12T08:00", "2025-11-12T08:10"], dtype="datetime64[m]")
    state = {
        "heard": np.array([[1, 0], [1, 1]], bool),
        "orphaned": np.array([[0, 1], [0, 0]], bool),
        "dark": np.zeros((2, 2), bool),
    }
    fig = state_figure(times, state, lang="en")
    assert [t.name for t in fig.data] == ["Heard", "No gateway up in reach", "No power"]
    assert list(fig.data[0].y) == [2, 1] and list(fig.data[1].y) == [0, 1]
