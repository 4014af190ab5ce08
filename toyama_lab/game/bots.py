"""Bots that play the game: random, greedy on one meter, own goal only, and a cooperative planner.

A bot chooses one move per game for the current seat of a batch
(:class:`~toyama_lab.game.engine.State`) from the legal moves
(:func:`~toyama_lab.game.engine.legal_mask`), on whole arrays: one call decides ten
thousand games. Random choices and tie-breaks use one counter-based uniform per game and
turn (:func:`toyama_lab.synth.random.uniform`), so a bot's games are the same for the
same seed.

Bots by name (:func:`make_bot`): ``"random"``, ``"greedy:<meter>"`` (e.g.
``"greedy:economy"``), ``"own_goal"`` and ``"planner"``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from toyama_lab.game.engine import (
    PASS,
    PREPARE,
    State,
    apply_batch,
    current_seat,
    draw_events,
    legal_mask,
)
from toyama_lab.synth import random as rnd

__all__ = [
    "BOT_NAMES",
    "Bot",
    "GreedyBot",
    "OwnGoalBot",
    "PlannerBot",
    "RandomBot",
    "RolloutBot",
    "make_bot",
]

#: Bot names accepted by :func:`make_bot` (``greedy:`` takes a meter name).
BOT_NAMES = ("random", "greedy:economy", "greedy:society", "greedy:environment",
             "greedy:population", "own_goal", "planner", "planner:mc")  # fmt: skip
_GOLDEN = 0.6180339887498949


def _uniform(state: State, stream: str) -> np.ndarray:
    """One uniform per game for this turn. [-]"""
    return rnd.uniform(state.seed, stream, state.game, state.turn)


def _best(score: np.ndarray, mask: np.ndarray, u: np.ndarray, cols=None) -> np.ndarray:
    """Argmax of ``score`` over legal moves, ties broken by a per-game rotation of ``u``.

    ``cols`` are the move numbers of the columns (default all): the tie-break depends on
    the move number only, never on which other games share the batch.
    """
    cols = np.arange(score.shape[-1]) if cols is None else cols
    jitter = (u[:, None] + _GOLDEN * (cols + 1)[None, :]) % 1.0
    s = np.where(mask, score + 1e-3 * jitter, -np.inf)
    return s.argmax(axis=1)


class Bot:
    """A policy: ``choose(state, mask)`` returns one move number per game."""

    name = "bot"

    def choose(self, state: State, mask: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class RandomBot(Bot):
    """Any legal move, uniformly at random (pass included)."""

    name = "random"

    def choose(self, state, mask):
        u = _uniform(state, "bot-random")
        count = mask.sum(axis=1)
        k = np.floor(u * np.maximum(count, 1)).astype(np.int64)
        return (np.cumsum(mask, axis=1) > k[:, None]).argmax(axis=1)


@dataclass(frozen=True, repr=False)
class GreedyBot(Bot):
    """The legal move that raises one meter most now (ties at random; pass as a last resort)."""

    meter: str = "economy"

    @property
    def name(self):
        return f"greedy:{self.meter}"

    def choose(self, state, mask):
        t = state.table
        score = t.move_effect[:, t.rules.meters.index(self.meter)].astype(np.float64)
        score = np.broadcast_to(score - 0.5 * (np.arange(t.n_moves) == PASS), mask.shape)
        return _best(score, mask, _uniform(state, "bot-greedy"))


class OwnGoalBot(Bot):
    """Plays only for its own personal goal card; any other card only when nothing helps it."""

    name = "own_goal"

    def choose(self, state, mask):
        t = state.table
        r = t.rules
        g = r.role(t.seats[current_seat(state)]).goal
        card = t.move_card
        has = card >= 0
        c = np.where(has, card, 0)
        if g.kind == "meter":
            score = t.move_effect[:, r.meters.index(g.meter)].astype(np.float64)
        elif g.kind == "data_cards":
            score = (has & t.is_data[c]).astype(np.float64)
        else:
            area = [a.id for a in r.areas].index(g.area)
            score = (has & (t.area[c] == area)).astype(np.float64)
        score = score + 0.1 * has - 0.5 * (np.arange(t.n_moves) == PASS)
        return _best(np.broadcast_to(score, mask.shape), mask, _uniform(state, "bot-goal"))


@dataclass(frozen=True, repr=False)
class PlannerBot(Bot):
    """A cooperative planner: one move ahead on the projected value of the whole city.

    For every legal move it projects the meters to the end of the game (the move's
    effect, then the drift of the rounds left and the expected harm of the event deck)
    and scores the city: each step below a target costs ``deficit``, a step above it is
    worth ``surplus`` (up to two), a meter that could collapse this round costs
    ``danger``; holding population (economy and society at their hold levels) is worth
    ``hold`` a round. Shields and the sensor network are valued by the harm they are
    expected to save in the rounds left; preparing, by the harm it saves now. Resources
    are cheap but not free (``cost`` per unit), so among equal moves the cheaper wins.
    It plays for the city, never for a personal goal.
    """

    deficit: float = 2.0
    surplus: float = 0.5
    danger: float = 6.0
    hold: float = 1.5
    cost: float = 0.08

    @property
    def name(self):
        return "planner"

    def _expected_harm(self, t) -> tuple[np.ndarray, float]:
        p = np.diff(np.concatenate([[0.0], t.event_cdf]))
        harm = np.minimum(t.event_effect, 0) * t.event_hazard[:, None]
        per_meter = -(p[:, None] * harm).sum(axis=0)  # expected harm per round (4,)
        shield_save = float((p * t.event_hazard * (harm < 0).sum(axis=1)).sum())
        return per_meter, shield_save

    def values(self, state: State, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The move numbers that are legal in some game, and each game's value of each.

        Returns
        -------
        cols : numpy.ndarray of int, (k,)
        value : numpy.ndarray of float, (n, k)
            The planner's value of playing ``cols[j]`` (illegal moves included; mask them).
        """
        t = state.table
        r = t.rules
        rounds_left = r.rounds - state.round  # including this one
        cols = np.flatnonzero(mask.any(axis=0))
        per_meter, shield_save = self._expected_harm(t)
        after = state.meters[:, None, :] + t.move_effect[cols][None, :, :]  # (n, k, 4)
        after = after.clip(r.meter_min, r.meter_max).astype(np.float64)
        ev = t.event_effect[state.event]  # (n, 4) this round's event
        seen = state.reveal[:, None]
        now = after + t.drift + np.where(seen, ev, -per_meter)[:, None, :]
        proj = after + (t.drift - per_meter) * rounds_left
        d = proj - t.targets
        value = self.deficit * np.minimum(d, 0) + self.surplus * np.minimum(np.maximum(d, 0), 2)
        value = value.sum(axis=2)
        value -= self.danger * (now <= r.meter_min + 1).sum(axis=2)
        holds = (after >= t.hold).all(axis=2)
        value += self.hold * holds * min(rounds_left, 2)
        card = t.move_card[cols]
        c = np.where(card >= 0, card, 0)
        bonus = (card >= 0) * (
            t.shield[c] * shield_save * (rounds_left - 1) * self.deficit * 0.5
            + t.reveals[c] * shield_save * (rounds_left - 1) * self.deficit * 0.4
        )
        spend = (card >= 0) * t.cost[c].sum(axis=1) * self.cost
        value += bonus - spend - 0.3 * (cols == PASS)
        if (cols == PREPARE).any():
            harm = -np.minimum(ev, 0).sum(axis=1)
            j = int(np.flatnonzero(cols == PREPARE)[0])
            value[:, j] += harm * self.deficit * 0.5
        return cols, value

    def choose(self, state, mask):
        cols, value = self.values(state, mask)
        best = _best(value, mask[:, cols], _uniform(state, "bot-planner"), cols)
        return cols[best]


#: Game indices of rollout copies start here, far from any real game's index, so a
#: rollout samples its own future events instead of peeking at the real deck.
ROLLOUT_GAME_OFFSET = 1 << 40


@dataclass(frozen=True, repr=False)
class RolloutBot(Bot):
    """A cooperative planner with Monte Carlo rollouts (flat Monte Carlo over a short list).

    The :class:`PlannerBot` names its ``candidates`` best moves; each is played in
    ``rollouts`` copies of the game whose future events (and this round's event, unless the
    sensor network shows it) are drawn afresh, and every copy is played to the end by
    planners in every seat. The move whose copies win most often is chosen (ties go to the
    planner's order). All copies of all games step together on whole arrays.
    """

    candidates: int = 3
    rollouts: int = 8

    @property
    def name(self):
        return "planner:mc"

    def choose(self, state, mask):
        base = PlannerBot()
        cols, value = base.values(state, mask)
        value = np.where(mask[:, cols], value, -np.inf)
        k = min(self.candidates, cols.size)
        order = np.argsort(-value, axis=1, kind="stable")[:, :k]  # (n, k) into cols
        first = cols[order]  # (n, k) move numbers
        first = np.where(np.isfinite(np.take_along_axis(value, order, axis=1)), first, -1)
        n, r = state.n, self.rollouts
        rows = np.repeat(np.arange(n), k * r)
        copies = state.take(rows)
        fake = ROLLOUT_GAME_OFFSET + (state.game[rows] * (k * r) + np.tile(np.arange(k * r), n))
        event = np.where(copies.reveal, copies.event,
                         draw_events(state.seed, fake, state.round, state.table))  # fmt: skip
        copies = replace(copies, game=fake, event=event)
        moves = np.repeat(first, r, axis=1).reshape(-1)
        legal = legal_mask(copies)
        moves = np.where(moves >= 0, moves, 0)  # a missing candidate passes (pass is legal)
        copies = apply_batch(copies, moves, mask=legal)
        while not copies.over.all():
            m = legal_mask(copies)
            copies = apply_batch(copies, base.choose(copies, m), mask=m)
        wins = copies.won.reshape(n, k, r).mean(axis=2)
        wins = np.where(first >= 0, wins, -1.0)
        pick = np.argmax(wins, axis=1)  # first best: the planner's order breaks ties
        best = first[np.arange(n), pick]
        return np.where(best >= 0, best, PASS)  # games already over: any number is ignored


def make_bot(name: str | Bot) -> Bot:
    """A bot from its name (see :data:`BOT_NAMES`), or the bot itself.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if isinstance(name, Bot):
        return name
    if name == "random":
        return RandomBot()
    if name == "own_goal":
        return OwnGoalBot()
    if name == "planner":
        return PlannerBot()
    if name == "planner:mc":
        return RolloutBot()
    if isinstance(name, str) and name.startswith("greedy:"):
        meter = name.split(":", 1)[1]
        if meter in ("economy", "society", "environment", "population"):
            return GreedyBot(meter)
    raise ValueError(f"unknown bot {name!r}; expected one of {list(BOT_NAMES)}.")
