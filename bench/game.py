"""Benchmark: the balance lab's batched engine against one game at a time, in the same run.

Times, on one core and the same rules:

1. ``game.simulate(N, bots=B)`` for each bot kind (random, greedy:economy, own_goal and the
   cooperative planner in every seat; four players): N games side by side in numpy arrays;
2. the baseline: the same engine and bots driven one game at a time (``new_games(n=1)``,
   a Python loop over games, as a straightforward simulator would run), on ``--sample``
   games, extrapolated to N.

Prints games per second, the time for N games and the ratio baseline / batched, and
checks that the baseline's sampled games are the same games as the batch's (same seed,
same game index: the same final meters).

Usage::

    python bench/game.py [--n 10000] [--sample 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from toyama_lab import game


def _batched(n: int, bot: str, repeat: int) -> tuple[float, object]:
    best, df = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        df = game.simulate(n, bots=bot, seed=0)
        best = min(best, time.perf_counter() - t0)
    return best, df


def _one_by_one(sample: int, bot: str) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    meters = []
    for g in range(sample):
        s = game.play(game.new_games(4, 1, seed=0, first_game=g), bot)
        meters.append(s.meters[0])
    return time.perf_counter() - t0, np.array(meters)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="games per bot kind")
    ap.add_argument("--sample", type=int, default=200, help="games of the one-by-one baseline")
    ap.add_argument("--repeat", type=int, default=3, help="best of R batched runs")
    a = ap.parse_args()
    game.default_rules()  # measured event cards: computed once, cached on disk
    print(f"cpus available: {len(os.sched_getaffinity(0))}; N = {a.n} games, 4 players")
    print(f"{'bots':16} {'batched s':>10} {'games/s':>10} {'1-by-1 s (est.)':>16} {'ratio':>7}"
          f" {'won':>6}")  # fmt: skip
    for bot in ("random", "greedy:economy", "own_goal", "planner"):
        t_batch, df = _batched(a.n, bot, a.repeat)
        t_one, meters = _one_by_one(a.sample, bot)
        same = df.head(a.sample).select("economy", "society", "environment", "population")
        if not np.array_equal(same.to_numpy(), meters):
            raise SystemExit(f"{bot}: the one-by-one games differ from the batch's games")
        est = t_one * a.n / a.sample
        print(f"{bot:16} {t_batch:10.2f} {a.n / t_batch:10.0f} {est:16.1f} {est / t_batch:7.1f}"
              f" {df['won'].mean():6.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
