"""Engine invariants: legal moves apply, illegal ones are refused naming the rule, games end,
resources never go negative, and the same seed gives the same game."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from toyama_lab import game
from toyama_lab.game import engine
from toyama_lab.game.bots import RandomBot


def _random_play(players=4, n=300, seed=3):
    s = game.new_games(players, n, seed=seed)
    bot = RandomBot()
    states = [s]
    while not s.over.all():
        m = game.legal_mask(s)
        s = game.apply_batch(s, bot.choose(s, m), mask=m)
        states.append(s)
    return states


@pytest.mark.parametrize("players", [3, 6])
def test_invariants_under_random_play(players):
    states = _random_play(players)
    r = states[0].table.rules
    for s in states:
        assert (s.res >= 0).all() and (s.res <= r.resource_cap).all()
        assert (s.meters >= r.meter_min).all() and (s.meters <= r.meter_max).all()
    last = states[-1]
    assert last.over.all()
    assert len(states) - 1 <= r.rounds * players <= r.turn_limit
    assert (last.turns <= r.rounds * players).all()
    assert not (last.won & (last.meters <= r.meter_min).any(axis=1)).any()


def test_every_legal_move_applies_and_every_illegal_one_is_refused():
    # a state a few turns in, with the sensor network built so that prepare can be legal
    states = _random_play(4, n=20, seed=5)
    for s in states[2:9:3]:
        one = s.take([0])
        if one.over[0]:
            continue
        legal = game.legal_mask(one)[0]
        for m in range(one.table.n_moves):
            if legal[m]:
                nxt = game.apply(one, m)
                assert nxt.turn == one.turn + 1
            else:
                with pytest.raises(game.IllegalMoveError) as info:
                    game.apply(one, m)
                assert info.value.rule in engine.RULES_TEXT
                assert info.value.rule in game.why_illegal(one, m)


def test_named_rules():
    s = game.new_game(4, seed=0)
    t = s.table
    cases = {
        "cost": t.index_of("walkable_downtown"),  # city hall has no second time token
        "roles": t.index_of("drug_discovery", "university"),  # city hall is not a partner role
        "prepare": engine.PREPARE,  # nothing revealed yet
    }
    for rule, m in cases.items():
        with pytest.raises(game.IllegalMoveError, match=f"rule: {rule}"):
            game.apply(s, m)
    rich = replace(s, res=np.full_like(s.res, 8))
    with pytest.raises(game.IllegalMoveError, match="rule: meter_threshold"):
        game.apply(replace(rich, meters=np.array([[1, 1, 1, 5]], np.int16)),
                   t.index_of("station_platform"))  # fmt: skip
    with pytest.raises(game.IllegalMoveError, match="rule: requires_cards"):
        game.apply(rich, t.index_of("open_data"))
    played = rich.played.copy()
    played[0, t.rules.cards.index(t.rules.card("factory"))] = 1
    with pytest.raises(game.IllegalMoveError, match="rule: once_per_game"):
        game.apply(replace(rich, played=played), t.index_of("factory"))
    with pytest.raises(game.IllegalMoveError, match="rule: game_over"):
        game.apply(replace(s, over=np.array([True])), engine.PASS)
    with pytest.raises(game.IllegalMoveError, match="rule: move_number"):
        game.apply(s, 10_000)


def test_partner_pays_what_the_player_cannot():
    s = game.new_game(4, seed=0)
    t = s.table
    m = t.index_of("tram_extension", "company")  # city hall + company: money 5, time 2
    res = s.res.copy()
    res[0, 0] = [3, 1, 0, 0]
    res[0, 1] = [4, 1, 0, 0]
    s = replace(s, res=res)
    nxt = game.apply(s, m)
    assert nxt.res[0, 0].tolist() == [0, 0, 0, 0]
    assert nxt.res[0, 1].tolist() == [2, 0, 0, 0]
    assert nxt.meters[0].tolist() == [6, 5, 7, 7]
    assert nxt.played[0, t.rules.cards.index(t.rules.card("tram_extension"))] == 0


def test_round_end_event_shield_and_prepare():
    s = game.new_game(4, seed=0)
    t = s.table
    rain = [e.id for e in t.rules.events].index("heavy_rain")  # economy -1, society -2

    def after_round(**fields):
        x = replace(s, event=np.array([rain]), **fields)
        for _ in range(4):
            x = game.apply(x, engine.PASS)
        return x.meters[0].tolist()

    # start: economy 5, society 5 below the hold level 6, so population falls by one
    plain = after_round()
    assert plain == [5 - 1 - 1, 5 - 2 - 1, 5 - 1, 6 - 1]
    shielded = after_round(shield=np.array([1], np.int16))
    assert shielded == [5 - 0 - 1, 5 - 1 - 1, 4, 5]
    prepared = after_round(prepared=np.array([True]))
    assert prepared == [5 - 0 - 1, 5 - 1 - 1, 4, 5]  # trunc(-1 * 0.5) = 0, trunc(-2 * 0.5) = -1


def test_same_seed_same_game_whatever_the_batch():
    a = game.simulate(40, bots="random", seed=7)
    b = game.simulate(40, bots="random", seed=7)
    assert a.equals(b)
    one = game.play(game.new_games(4, 1, seed=7, first_game=17), "random")
    row = a.row(17, named=True)
    assert [row[m] for m in ("economy", "society", "environment", "population")] == one.meters[
        0
    ].tolist()
    c = game.simulate(40, bots="random", seed=8)
    assert not a.equals(c)


def test_goals_and_single_game_api():
    s = game.new_game(5, seed=1)
    moves = game.legal_moves(s)
    assert moves[0].kind == "pass" and moves[0].describe("en") == "Pass"
    assert all(isinstance(m.describe("ja"), str) for m in moves)
    met = game.goals_met(s)
    assert met.shape == (1, 5)
    assert met[0, 0] == (s.meters[0, 3] >= 6)  # city hall: population 6 or more
    with pytest.raises(ValueError, match="one-game state"):
        game.legal_moves(game.new_games(4, 2))
    with pytest.raises(ValueError, match="n must be a positive integer"):
        game.new_games(4, 0)


def test_half_time_review_refocuses_weak_meters_once():
    r = game.default_rules()
    off = replace(r, review_below=r.meter_min)  # the same rules without the review
    s = game.new_games(4, 400, seed=11, rules=r)
    bot = RandomBot()
    branches = []
    while len(branches) < r.rounds_per_half:
        m = game.legal_mask(s)
        moves = bot.choose(s, m)
        if (s.turn + 1) % 4 == 0:  # the last turn of a round: play it under both rule sets
            moves = np.zeros_like(moves)  # everybody passes, so both branches take one move
            s_off = replace(s, table=engine.table_for(off, 4))
            branches.append((game.apply_batch(s, moves), game.apply_batch(s_off, moves)))
            s = branches[-1][0]
        else:
            s = game.apply_batch(s, moves, mask=m)
    for on, without in branches[:-1]:  # rounds before half-time: the rule does nothing
        assert (on.meters == without.meters).all() and (on.res == without.res).all()
    on, without = branches[-1]
    low = ~without.over[:, None] & (without.meters < r.review_below)
    assert low.any() and (~low).any()
    want = (without.meters + low * r.review_boost).clip(r.meter_min, r.meter_max)
    assert (on.meters == want).all()
    cost = np.array([r.review_cost.get(k, 0) for k in r.resources])
    pay = low.sum(axis=1)[:, None, None] * cost
    assert (on.res == (without.res - pay).clip(0, r.resource_cap)).all()
    assert (on.res >= 0).all()
