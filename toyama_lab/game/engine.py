"""The game engine: pure state, legal moves, apply, turn order — for one game or many at once.

A :class:`State` holds ``n`` games side by side in numpy arrays (one row per game), so the
same code plays one game at a table (``n = 1``) and ten thousand games in the balance lab.
Every game of a batch is at the same player turn: the turn order is fixed by the rules
(the seats play in order, and the first seat moves one place each round), so only the
chosen moves differ. Functions never change a state; :func:`apply` returns a new one.

Randomness (the event deck) is counter-based (:func:`toyama_lab.synth.random.uniform`
keyed by ``(seed, game index, round)``): a game is the same whatever batch it is played
in, and the same seed gives the same game.

Moves are numbered once per rule set and player count (:class:`Table`): ``0`` pass,
``1`` prepare (備える) for a revealed hazard, then for every card one solo move and one move
per partner seat. A move is legal when the rules allow it; :func:`apply` refuses an
illegal move with an :class:`IllegalMoveError` that names the rule (:func:`why_illegal`).

Round (two years) order
-----------------------
1. the round's event card is drawn face down (face up once the sensor network is built);
2. each seat takes one turn: pass, prepare, or play a card (alone or with a partner, who
   pays what the player cannot);
3. the event strikes (a hazard's harm is cut by shields and, if prepared, by
   ``harm_factor``), the meters drift, population falls unless economy and society reach
   ``population_hold``, every seat receives its income (capped);
4. a meter at its minimum collapses the city (the game ends, lost); after the last round
   the city wins if every meter meets its target;
5. after the last round of the first half, the half-time review (中間見直し): every meter
   below ``half_time.below`` gains ``half_time.boost`` and every seat pays
   ``half_time.cost`` for each such meter (as much as it holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from toyama_lab.game.rules import Rules, load_rules
from toyama_lab.synth import random as rnd

__all__ = [
    "PASS",
    "PREPARE",
    "IllegalMoveError",
    "Move",
    "State",
    "Table",
    "apply",
    "apply_batch",
    "current_seat",
    "default_rules",
    "draw_events",
    "goals_met",
    "legal_mask",
    "legal_moves",
    "new_game",
    "new_games",
    "table_for",
    "why_illegal",
]

#: Move numbers of the two moves that play no card.
PASS, PREPARE = 0, 1
_I = np.int16


class IllegalMoveError(ValueError):
    """A move the rules do not allow; the message names the rule that refuses it."""

    def __init__(self, rule: str, message: str):
        self.rule = rule
        super().__init__(f"illegal move (rule: {rule}): {message}")


class Move(NamedTuple):
    """One move of the current seat: ``kind`` is ``pass``, ``prepare`` or ``card``."""

    index: int
    kind: str
    card: str | None = None
    partner: str | None = None

    def describe(self, lang: str = "ja", rules: Rules | None = None) -> str:
        """A short sentence for people (``lang`` ``"ja"`` or ``"en"``)."""
        rules = rules or default_rules()
        if self.kind == "pass":
            return "パス" if lang == "ja" else "Pass"
        if self.kind == "prepare":
            return "次のできごとに備える" if lang == "ja" else "Prepare for the next event"
        c = rules.card(self.card)
        name = c.name_ja if lang == "ja" else c.name_en
        if self.partner is None:
            return name
        p = rules.role(self.partner)
        return f"{name} ({p.name_ja}と)" if lang == "ja" else f"{name} (with {p.name_en})"


@lru_cache(maxsize=4)
def default_rules() -> Rules:
    """The package's rules, with the event cards measured on the synthetic city (cached)."""
    return load_rules()


@dataclass(frozen=True, eq=False)
class Table:
    """Rules compiled to arrays for one player count (C cards, M moves, P seats, R resources)."""

    rules: Rules
    players: int
    seats: tuple[str, ...]
    cost: np.ndarray  # (C, R)
    effect: np.ndarray  # (C, 4)
    requires: np.ndarray  # (C, 4) lower bounds (meter_min where none)
    requires_cards: np.ndarray  # (C, C) bool: card c needs card d played
    shield: np.ndarray  # (C,)
    reveals: np.ndarray  # (C,) bool
    is_data: np.ndarray  # (C,) bool
    area: np.ndarray  # (C,) area index
    move_card: np.ndarray  # (M,) card index, -1 for pass/prepare
    move_partner: np.ndarray  # (M,) partner seat, -1 when alone
    seat_ok: np.ndarray  # (P, M) bool: role requirements of each move for each seat
    income: np.ndarray  # (P, R)
    start_res: np.ndarray  # (P, R)
    prepare_cost: np.ndarray  # (R,)
    event_cdf: np.ndarray  # (E,)
    event_effect: np.ndarray  # (E, 4)
    event_hazard: np.ndarray  # (E,) bool
    drift: np.ndarray  # (4,)
    targets: np.ndarray  # (4,)
    hold: np.ndarray  # (4,) lower bounds for population to hold
    review_cost: np.ndarray  # (R,) each seat pays this per meter refocused at half-time
    move_effect: np.ndarray = field(init=False)  # (M, 4)

    def __post_init__(self):
        eff = np.zeros((self.move_card.size, 4), dtype=_I)
        has = self.move_card >= 0
        eff[has] = self.effect[self.move_card[has]]
        object.__setattr__(self, "move_effect", eff)

    @property
    def n_moves(self) -> int:
        """Number of move numbers (M)."""
        return int(self.move_card.size)

    def move(self, index: int) -> Move:
        """The :class:`Move` with this number."""
        if index == PASS:
            return Move(PASS, "pass")
        if index == PREPARE:
            return Move(PREPARE, "prepare")
        c = int(self.move_card[index])
        p = int(self.move_partner[index])
        return Move(index, "card", self.rules.cards[c].id, None if p < 0 else self.seats[p])

    def index_of(self, card: str, partner: str | None = None) -> int:
        """The move number that plays ``card`` (with the ``partner`` role, or alone)."""
        ids = [c.id for c in self.rules.cards]
        if card not in ids:
            raise ValueError(f"unknown card {card!r}; expected one of {ids}.")
        c = ids.index(card)
        p = -1 if partner is None else self.seats.index(partner) if partner in self.seats else -2
        if p == -2:
            raise ValueError(f"partner {partner!r} is not at this table; seats are {self.seats}.")
        hit = np.flatnonzero((self.move_card == c) & (self.move_partner == p))
        return int(hit[0])


def _vec(d: dict, names, dtype=_I, default=0) -> np.ndarray:
    return np.array([d.get(k, default) for k in names], dtype=dtype)


@lru_cache(maxsize=64)
def table_for(rules: Rules, players: int) -> Table:
    """Compile ``rules`` for a table of ``players`` (cached).

    Raises
    ------
    ValueError
        If ``players`` is not allowed by the rules.
    """
    seats = rules.seats(players)
    m, res = rules.meters, rules.resources
    cards = rules.cards
    ids = [c.id for c in cards]
    n_c = len(cards)
    req_cards = np.zeros((n_c, n_c), dtype=bool)
    for i, c in enumerate(cards):
        for d in c.requires_cards:
            req_cards[i, ids.index(d)] = True
    move_card, move_partner = [-1, -1], [-1, -1]
    for i in range(n_c):
        move_card += [i] * (players + 1)
        move_partner += [-1, *range(players)]
    move_card = np.array(move_card, dtype=np.int32)
    move_partner = np.array(move_partner, dtype=np.int32)
    seat_ok = np.zeros((players, move_card.size), dtype=bool)
    for s, role in enumerate(seats):
        for k, (c, p) in enumerate(zip(move_card, move_partner, strict=True)):
            if c < 0:
                seat_ok[s, k] = True
                continue
            need = cards[c].roles
            if p == s:
                continue  # nobody partners with themselves
            partner = seats[p] if p >= 0 else None
            if len(need) == 0:
                seat_ok[s, k] = partner is None
            elif len(need) == 1:
                seat_ok[s, k] = partner is None and role == need[0]
            else:
                seat_ok[s, k] = partner is not None and {role, partner} == set(need)
    copies = np.array([e.copies for e in rules.events], dtype=np.float64)
    return Table(
        rules=rules,
        players=players,
        seats=seats,
        cost=np.stack([_vec(c.cost, res) for c in cards]),
        effect=np.stack([_vec(c.effect, m) for c in cards]),
        requires=np.stack([_vec(c.requires, m, default=rules.meter_min) for c in cards]),
        requires_cards=req_cards,
        shield=np.array([c.shield for c in cards], dtype=_I),
        reveals=np.array([c.reveals_events for c in cards], dtype=bool),
        is_data=np.array([c.kind == "data" for c in cards], dtype=bool),
        area=np.array([[a.id for a in rules.areas].index(c.area) for c in cards], dtype=np.int32),
        move_card=move_card,
        move_partner=move_partner,
        seat_ok=seat_ok,
        income=np.stack([_vec(rules.role(s).income, res) for s in seats]),
        start_res=np.stack([_vec(rules.role(s).start, res) for s in seats]),
        prepare_cost=_vec(rules.prepare_cost, res),
        event_cdf=np.cumsum(copies) / copies.sum(),
        event_effect=np.stack([_vec(e.effect, m) for e in rules.events]),
        event_hazard=np.array([e.hazard for e in rules.events], dtype=bool),
        drift=_vec(rules.drift, m),
        targets=_vec(rules.targets_for(players), m),
        hold=_vec(rules.population_hold, m, default=rules.meter_min),
        review_cost=_vec(rules.review_cost, res),
    )


#: The per-game arrays of a :class:`State`.
_PER_GAME = ("game", "meters", "res", "played", "shield", "reveal", "prepared", "event", "over")
_PER_GAME += ("won", "turns")


@dataclass(frozen=True, eq=False)
class State:
    """``n`` games at the same turn (arrays have one row per game).

    Attributes
    ----------
    table : Table
        The compiled rules and player count.
    seed : int
        Seed of the event deck.
    game : numpy.ndarray of int64, (n,)
        Game index (the random streams are keyed by it).
    turn : int
        Player turns taken so far (the same in every game of the batch).
    meters : numpy.ndarray of int16, (n, 4)
        economy, society, environment, population.
    res : numpy.ndarray of int16, (n, P, R)
        Each seat's money, time, connections and data.
    played : numpy.ndarray of int8, (n, C)
        Seat that played each card, -1 if not played.
    shield, reveal, prepared, event : numpy.ndarray, (n,)
        Hazard shield, sensor network built, prepared this round, this round's event card.
    over, won, turns : numpy.ndarray, (n,)
        Game ended, city won, player turns played when it ended.
    """

    table: Table
    seed: int
    game: np.ndarray
    turn: int
    meters: np.ndarray
    res: np.ndarray
    played: np.ndarray
    shield: np.ndarray
    reveal: np.ndarray
    prepared: np.ndarray
    event: np.ndarray
    over: np.ndarray
    won: np.ndarray
    turns: np.ndarray

    @property
    def n(self) -> int:
        """Number of games."""
        return int(self.game.size)

    @property
    def round(self) -> int:
        """Current round, 0-based."""
        return self.turn // self.table.players

    def take(self, rows) -> State:
        """The games at ``rows`` (an index array) as a new state."""
        rows = np.asarray(rows)
        return replace(
            self,
            **{k: getattr(self, k)[rows] for k in _PER_GAME},
        )


def draw_events(seed: int, game: np.ndarray, rnd_round: int, table: Table) -> np.ndarray:
    """The event card of round ``rnd_round`` for each game index (counter-based draw)."""
    u = rnd.uniform(seed, "game-event", game, rnd_round)
    return np.searchsorted(table.event_cdf, u, side="right").clip(0, table.event_cdf.size - 1)


def new_games(players: int = 4, n: int = 1, *, seed: int = 0, rules: Rules | None = None,
              first_game: int = 0) -> State:  # fmt: skip
    """``n`` new games at a table of ``players`` (games ``first_game .. first_game+n-1``).

    Parameters
    ----------
    players : int
        Seats (3-6 in the default rules).
    n : int
        Number of games.
    seed : int
        Seed of the event decks; the same seed gives the same games.
    rules : Rules, optional
        Default: the package's rules (:func:`default_rules`).
    first_game : int
        Index of the first game (games are keyed by index, not by batch).

    Raises
    ------
    ValueError
        For a bad ``players``, ``n`` or ``seed``.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer (number of games), got {n!r}.")
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    t = table_for(rules or default_rules(), players)
    r = t.rules
    game = np.arange(first_game, first_game + n, dtype=np.int64)
    return State(
        table=t,
        seed=int(seed),
        game=game,
        turn=0,
        meters=np.tile(_vec(r.meter_start, r.meters), (n, 1)),
        res=np.tile(t.start_res, (n, 1, 1)).astype(_I),
        played=np.full((n, len(r.cards)), -1, dtype=np.int8),
        shield=np.zeros(n, dtype=_I),
        reveal=np.zeros(n, dtype=bool),
        prepared=np.zeros(n, dtype=bool),
        event=draw_events(int(seed), game, 0, t),
        over=np.zeros(n, dtype=bool),
        won=np.zeros(n, dtype=bool),
        turns=np.zeros(n, dtype=np.int32),
    )


def new_game(players: int = 4, *, seed: int = 0, rules: Rules | None = None) -> State:
    """One new game (a :class:`State` with ``n = 1``); see :func:`new_games`."""
    return new_games(players, 1, seed=seed, rules=rules)


def current_seat(state: State) -> int:
    """The seat whose turn it is (the first seat moves on by one each round)."""
    p = state.table.players
    return (state.turn // p + state.turn % p) % p


def _rule_masks(state: State, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Each rule's verdict on the moves ``cols`` of every game: name -> (n, len(cols)) bool."""
    t = state.table
    seat = current_seat(state)
    n, k = state.n, cols.size
    card = t.move_card[cols]
    is_card = card >= 0
    cidx = np.where(is_card, card, 0)
    played = state.played >= 0  # (n, C)
    masks = {"game_over": np.broadcast_to(~state.over[:, None], (n, k))}
    masks["roles"] = np.broadcast_to(t.seat_ok[seat, cols][None, :], (n, k))
    masks["once_per_game"] = ~is_card[None, :] | ~played[:, cidx]
    unlocked = (state.meters[:, None, :] >= t.requires[None, :, :]).all(axis=2)  # (n, C)
    masks["meter_threshold"] = ~is_card[None, :] | unlocked[:, cidx]
    missing = (~played).astype(np.int16) @ t.requires_cards.T.astype(np.int16)  # (n, C)
    masks["requires_cards"] = ~is_card[None, :] | (missing[:, cidx] == 0)
    cost = np.where(is_card[:, None], t.cost[cidx], 0)
    cost[cols == PREPARE] = t.prepare_cost
    partner = t.move_partner[cols]
    avail = state.res[:, np.where(partner >= 0, partner, seat), :]  # (n, k, R)
    avail = np.where((partner >= 0)[None, :, None], avail + state.res[:, seat, None, :],
                     avail)  # fmt: skip
    masks["cost"] = (avail >= cost[None, :, :]).all(axis=2)
    prep = state.reveal & t.event_hazard[state.event] & ~state.prepared
    masks["prepare"] = np.where((cols == PREPARE)[None, :], prep[:, None], True)
    return masks


#: What each rule says, for people (``IllegalMoveError`` messages).
RULES_TEXT = {
    "game_over": "the game has ended; no more moves",
    "roles": "this card must be played by its role(s); a two-role card needs the player and "
    "a partner holding the two roles, and nobody partners with themselves",
    "once_per_game": "each card is played once per game",
    "meter_threshold": "the card unlocks only when the city's meters reach its thresholds",
    "requires_cards": "the card needs another card played first",
    "cost": "the player (with the partner, for a two-role card) cannot pay the cost",
    "prepare": "you can prepare only for a revealed hazard (build the sensor network first), "
    "once per round",
}


def legal_mask(state: State) -> np.ndarray:
    """Legal moves of the current seat in every game: (n, M) bool (all False once over)."""
    t = state.table
    cols = np.flatnonzero(t.seat_ok[current_seat(state)])
    ok = None
    for mask in _rule_masks(state, cols).values():
        ok = mask.copy() if ok is None else ok & mask
    out = np.zeros((state.n, t.n_moves), dtype=bool)
    out[:, cols] = ok
    return out


def legal_moves(state: State) -> list[Move]:
    """The legal moves of a one-game state, as :class:`Move` values.

    Raises
    ------
    ValueError
        If the state holds more than one game.
    """
    if state.n != 1:
        raise ValueError(f"legal_moves takes a one-game state, got {state.n} games; "
                         "use legal_mask for batches.")  # fmt: skip
    return [state.table.move(int(i)) for i in np.flatnonzero(legal_mask(state)[0])]


def why_illegal(state: State, move: int) -> list[str]:
    """The rules that refuse ``move`` in the first game of ``state`` (empty if legal)."""
    cols = np.array([move])
    return [k for k, m in _rule_masks(state.take([0]), cols).items() if not m[0, 0]]


def _pay(res_seat: np.ndarray, res_partner: np.ndarray, cost: np.ndarray):
    """The player pays what it can, the partner the rest. Returns new (player, partner)."""
    from_player = np.minimum(res_seat, cost)
    return res_seat - from_player, res_partner - (cost - from_player)


def apply_batch(state: State, moves, *, mask: np.ndarray | None = None) -> State:
    """Apply one move per game (ignored in games that are over); a new state.

    Parameters
    ----------
    state : State
    moves : array_like of int, (n,)
        Move numbers of the current seat.
    mask : numpy.ndarray, optional
        ``legal_mask(state)`` if the caller has it already (saves computing it again).

    Raises
    ------
    IllegalMoveError
        If a move is not legal in a game that is still running (names the rule and game).
    """
    t = state.table
    moves = np.asarray(moves, dtype=np.int64).reshape(-1)
    if moves.size != state.n:
        raise ValueError(f"need one move per game ({state.n}), got {moves.size}.")
    if ((moves < 0) | (moves >= t.n_moves)).any():
        bad = int(moves[(moves < 0) | (moves >= t.n_moves)][0])
        raise IllegalMoveError("move_number", f"move {bad} does not exist (0-{t.n_moves - 1}).")
    seat = current_seat(state)
    live = ~state.over
    legal = legal_mask(state) if mask is None else mask
    bad = live & ~legal[np.arange(state.n), moves]
    if bad.any():
        g = int(np.flatnonzero(bad)[0])
        rules = why_illegal(state.take([g]), int(moves[g])) or ["roles"]
        mv = t.move(int(moves[g]))
        raise IllegalMoveError(
            rules[0],
            f"{mv.describe('en', t.rules)} by seat {t.seats[seat]} in game {int(state.game[g])}: "
            f"{RULES_TEXT[rules[0]]}.",
        )
    res = state.res.copy()
    meters = state.meters.copy()
    played = state.played.copy()
    shield = state.shield.copy()
    reveal = state.reveal.copy()
    prepared = state.prepared.copy()
    rows = np.flatnonzero(live)
    mv = moves[rows]
    # prepare
    pr = rows[mv == PREPARE]
    res[pr, seat] -= t.prepare_cost
    prepared[pr] = True
    # cards
    cr = rows[mv > PREPARE]
    if cr.size:
        m = moves[cr]
        c = t.move_card[m]
        p = t.move_partner[m]
        partner = np.where(p >= 0, p, seat)
        a, b = _pay(res[cr, seat], np.where((p >= 0)[:, None], res[cr, partner], 0), t.cost[c])
        res[cr, seat] = a
        solo = p < 0
        res[cr[~solo], partner[~solo]] = b[~solo]
        meters[cr] = meters[cr] + t.effect[c]
        played[cr, c] = seat
        shield[cr] += t.shield[c]
        reveal[cr] |= t.reveals[c]
    r = t.rules
    meters = meters.clip(r.meter_min, r.meter_max)
    nxt = replace(state, turn=state.turn + 1, meters=meters, res=res, played=played,
                  shield=shield, reveal=reveal, prepared=prepared)  # fmt: skip
    turns = state.turns.copy()
    turns[live] = nxt.turn
    nxt = replace(nxt, turns=turns)
    if nxt.turn % t.players == 0:
        nxt = _end_round(nxt)
    return nxt


def _end_round(state: State) -> State:
    """Event, drift, population, income, collapse and (after the last round) victory."""
    t = state.table
    r = t.rules
    live = ~state.over
    eff = t.event_effect[state.event].astype(np.float64)  # (n, 4)
    hazard = t.event_hazard[state.event]
    harm = np.minimum(eff, 0.0)
    harm = np.minimum(harm + state.shield[:, None], 0.0)
    harm = np.where(state.prepared[:, None], np.trunc(harm * r.harm_factor), harm)
    eff = np.where(hazard[:, None], np.maximum(eff, 0.0) + harm, eff)
    meters = state.meters + np.where(live[:, None], eff.astype(_I) + t.drift, 0)
    hold = (meters >= t.hold).all(axis=1)
    pop = r.meters.index("population")
    meters[:, pop] -= np.where(live & ~hold, r.population_decline, 0).astype(_I)
    meters = meters.clip(r.meter_min, r.meter_max)
    collapsed = live & (meters <= r.meter_min).any(axis=1)
    over = state.over | collapsed
    res = np.where(live[:, None, None], state.res + t.income, state.res).clip(0, r.resource_cap)
    rnd_next = state.turn // t.players
    if rnd_next == r.rounds_per_half and r.halves > 1:
        meters, res = _half_time(meters, res, live & ~collapsed, t)
    won = state.won.copy()
    if rnd_next >= r.rounds:
        final = live & ~collapsed
        won = won | (final & (meters >= t.targets).all(axis=1))
        over = over | live
    return replace(
        state,
        meters=meters,
        res=res.astype(_I),
        over=over,
        won=won,
        prepared=np.zeros_like(state.prepared),
        event=draw_events(state.seed, state.game, rnd_next, t),
    )


def _half_time(meters: np.ndarray, res: np.ndarray, live: np.ndarray, t: Table):
    """The half-time review (中間見直し): refocus the city on its weak meters.

    Every meter below ``review_below`` gains ``review_boost`` (the city moves budget and staff
    to it), and every seat pays ``review_cost`` for each such meter, as much as it holds
    (resources never go below zero). Games already over are left alone.

    Returns
    -------
    tuple of numpy.ndarray
        The new meters ``(n, 4)`` and resources ``(n, P, R)``.
    """
    r = t.rules
    low = live[:, None] & (meters < r.review_below)  # (n, 4)
    meters = (meters + low.astype(_I) * r.review_boost).clip(r.meter_min, r.meter_max)
    pay = low.sum(axis=1)[:, None, None] * t.review_cost[None, None, :]
    return meters, (res - pay).clip(0, r.resource_cap)


def apply(state: State, move) -> State:
    """Apply one move to a one-game state (a :class:`Move` or a move number).

    Raises
    ------
    IllegalMoveError
        Naming the rule that refuses the move.
    """
    if state.n != 1:
        raise ValueError(f"apply takes a one-game state, got {state.n} games; use apply_batch.")
    index = move.index if isinstance(move, Move) else int(move)
    if state.over[0]:
        raise IllegalMoveError("game_over", RULES_TEXT["game_over"] + ".")
    return apply_batch(state, [index])


def goals_met(state: State) -> np.ndarray:
    """Whether each seat's personal goal card is met: (n, P) bool (judged on the state as is)."""
    t = state.table
    r = t.rules
    played = state.played >= 0
    out = np.zeros((state.n, t.players), dtype=bool)
    for s, role in enumerate(t.seats):
        g = r.role(role).goal
        if g.kind == "meter":
            out[:, s] = state.meters[:, r.meters.index(g.meter)] >= g.at_least
        elif g.kind == "data_cards":
            out[:, s] = (played & t.is_data).sum(axis=1) >= g.at_least
        else:
            area = [a.id for a in r.areas].index(g.area)
            out[:, s] = (played & (t.area == area)).sum(axis=1) >= g.at_least
    return out
