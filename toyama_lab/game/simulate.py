"""The balance lab: many games of bots at once, as a polars table; sweeps over rule values.

Examples
--------
>>> df = simulate(200, bots="random", seed=1)
>>> df.height, df["turns"].max() <= 24
(200, True)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
from tqdm.auto import tqdm

from toyama_lab.game.bots import Bot, make_bot
from toyama_lab.game.engine import (
    State,
    apply_batch,
    current_seat,
    default_rules,
    goals_met,
    legal_mask,
    new_games,
)
from toyama_lab.game.rules import Rules

__all__ = ["play", "simulate", "sweep"]

#: Games played side by side in one batch (memory: about 2 kB per game and move column).
BATCH = 10_000


def _bots(bots, players: int) -> list[Bot]:
    if bots is None:
        bots = "planner"
    if isinstance(bots, str | Bot):
        return [make_bot(bots)] * players
    bots = list(bots)
    if len(bots) != players:
        raise ValueError(
            f"bots must name one bot per seat ({players} seats), got {len(bots)}: {bots}; "
            "or pass one name for every seat."
        )
    return [make_bot(b) for b in bots]


def play(state: State, bots) -> State:
    """Play every game of ``state`` to its end with one bot per seat; the final state.

    Parameters
    ----------
    state : State
        Games to finish (e.g. :func:`~toyama_lab.game.engine.new_games`).
    bots : str, Bot or sequence of them
        One for every seat, or one per seat in seat order.
    """
    seats = _bots(bots, state.table.players)
    limit = state.table.rules.turn_limit
    while not state.over.all():
        if state.turn >= limit:  # cannot happen with valid rules (rounds x players <= limit)
            raise RuntimeError(f"games passed the turn limit {limit}; check the rules.")
        mask = legal_mask(state)
        state = apply_batch(state, seats[current_seat(state)].choose(state, mask), mask=mask)
    return state


def _lists(values: np.ndarray, offsets: np.ndarray) -> pl.Series:
    """A list column from flat values and CSR offsets (no Python loop over rows)."""
    flat = pl.Series("cards", values, dtype=pl.String)
    lengths = np.diff(offsets)
    row = np.repeat(np.arange(lengths.size), lengths)
    grouped = (
        pl.DataFrame({"row": row, "cards": flat})
        .group_by("row", maintain_order=True)
        .agg(pl.col("cards"))
    )
    full = pl.DataFrame({"row": np.arange(lengths.size)}).join(grouped, on="row", how="left")
    return full["cards"].fill_null(pl.lit([], dtype=pl.List(pl.String)))


def _frame(state: State, bots: list[Bot], players: int, seed: int) -> pl.DataFrame:
    t = state.table
    r = t.rules
    ids = np.array([c.id for c in r.cards])
    played = state.played >= 0
    goals = goals_met(state)
    cols = {
        "game": state.game,
        "seed": np.full(state.n, seed, dtype=np.int64),
        "players": np.full(state.n, players, dtype=np.int8),
        "bots": [",".join(b.name for b in bots)] * state.n,
        "won": state.won,
        "collapsed": state.over & ~state.won & (state.meters <= r.meter_min).any(axis=1),
        "turns": state.turns,
        "rounds": -(-state.turns // players),
    }
    for k, m in enumerate(r.meters):
        cols[m] = state.meters[:, k].astype(np.int8)
    cols["n_cards"] = played.sum(axis=1).astype(np.int16)
    _, c = np.nonzero(played)  # row-major: the cards of a game in rules order
    offsets = np.concatenate([[0], np.cumsum(played.sum(axis=1))])
    cols["goals_met"] = goals.sum(axis=1).astype(np.int8)
    alive = ~cols["collapsed"]
    if r.victory_mode == "personal":  # competitive: each player wins by their own goal
        winners = (goals & alive[:, None]).sum(axis=1)
    else:  # cooperative: everyone wins with the city
        winners = np.where(state.won, players, 0)
    cols["n_winners"] = winners.astype(np.int8)
    for role in r.seat_order:  # every role, null where not at the table: a fixed schema
        cols[f"goal_{role}"] = (
            pl.Series(goals[:, t.seats.index(role)])
            if role in t.seats
            else pl.Series([None] * state.n, dtype=pl.Boolean)
        )
    cols["cards"] = _lists(ids[c], offsets)
    return pl.DataFrame(cols)


def simulate(
    n_games: int,
    *,
    bots=None,
    players: int = 4,
    seed: int = 0,
    rules: Rules | None = None,
    variant: str | None = None,
    progress: bool = False,
) -> pl.DataFrame:
    """Play ``n_games`` games of bots and return one row per game.

    Parameters
    ----------
    n_games : int
        Number of games (games ``0 .. n_games-1`` of the seed).
    bots : str, Bot or sequence, optional
        One bot for every seat, or one per seat in seat order (names in
        :data:`toyama_lab.game.bots.BOT_NAMES`); None means the cooperative planner in
        every seat.
    players : int
        Seats at the table (3-6).
    seed : int
        Seed of the event decks and the bots' random choices.
    rules : Rules, optional
        Default: the package's rules with the measured event cards.
    variant : str, optional
        A named rules variant (e.g. ``"competitive"``).
    progress : bool
        Show a progress bar over batches of :data:`BATCH` games.

    Returns
    -------
    polars.DataFrame
        ``game``, ``seed``, ``players``, ``bots``, ``won`` (the city met every target),
        ``collapsed`` (a meter hit bottom), ``turns`` (player turns played), ``rounds``,
        the final ``economy``, ``society``, ``environment``, ``population``, ``n_cards``,
        ``cards`` (ids of the cards played), ``goals_met`` (personal goals met),
        ``n_winners`` (players who won: everyone when the city won in the cooperative
        rules; each player whose goal is met, unless the city collapsed, in the
        competitive variant) and one ``goal_<role>`` column per role of ``seat_order``
        (null when the role is not at the table).

    Raises
    ------
    ValueError
        For bad ``n_games``, ``players``, ``seed``, bot names or variant.
    """
    if not isinstance(n_games, int | np.integer) or n_games < 1:
        raise ValueError(f"n_games must be a positive integer, got {n_games!r}.")
    rules = rules or default_rules()
    if variant is not None:
        rules = rules.variant(variant)
    rules.seats(players)  # raises a clear ValueError for a player count the rules do not allow
    seats = _bots(bots, players)
    parts = []
    starts = range(0, int(n_games), BATCH)
    for first in tqdm(starts, disable=not progress, desc="games", unit="batch"):
        n = min(BATCH, int(n_games) - first)
        state = play(new_games(players, n, seed=seed, rules=rules, first_game=first), seats)
        parts.append(_frame(state, seats, players, seed))
    return pl.concat(parts)


def _with_value(rules: Rules, key: str, value) -> Rules:
    if "." in key:
        top, sub = key.split(".", 1)
        return rules.with_values(**{top: {sub: value}})
    return rules.with_values(**{key: value})


def sweep(
    n_games: int, grid: Mapping[str, Sequence], *, rules: Rules | None = None, **kwargs
) -> pl.DataFrame:
    """Simulate every combination of rule values in ``grid``; one table with a column per key.

    Parameters
    ----------
    n_games : int
        Games per combination.
    grid : mapping
        Rule field -> values, e.g. ``{"drift.economy": [-1, 0], "population_decline": [0, 1]}``
        (a dotted key changes one entry of a table field). ``players`` and ``bots`` may
        also be swept (they are :func:`simulate` arguments).
    rules : Rules, optional
        The rules to start from.
    **kwargs
        Passed to :func:`simulate`.

    Raises
    ------
    RulesError
        If a value breaks the rules' consistency checks (e.g. a turn limit too small).
    """
    base = rules or default_rules()
    keys = list(grid)
    out = []
    for values in itertools.product(*(grid[k] for k in keys)):
        r = base
        kw = dict(kwargs)
        for k, v in zip(keys, values, strict=True):
            if k in ("players", "bots"):
                kw[k] = v
            else:
                r = _with_value(r, k, v)
        df = simulate(n_games, rules=r, **kw)
        extra = [pl.lit(v).alias(k) for k, v in zip(keys, values, strict=True)
                 if k not in ("players", "bots")]  # fmt: skip
        out.append(df.with_columns(extra))
    return pl.concat(out, how="vertical_relaxed")
