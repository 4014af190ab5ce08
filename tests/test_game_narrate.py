"""One game told: log, sentences, meters figure, the table game; the balance tables."""

from __future__ import annotations

import polars as pl
import pytest

from toyama_lab import game
from toyama_lab.game import analysis
from toyama_lab.game.narrate import LOG_SCHEMA, meters_figure, narrate, play_log
from toyama_lab.game.table import TableGame


def test_play_log_matches_simulate():
    log = play_log(4, seed=0, game=3, bots="random")
    assert log.schema == pl.Schema(LOG_SCHEMA)
    row = game.simulate(4, bots="random", seed=0).row(3, named=True)
    last = log.row(-1, named=True)
    assert last["kind"] == "event" and last["over"] and last["won"] == row["won"]
    assert all(last[m] == row[m] for m in ("economy", "society", "environment", "population"))
    turns = log.filter(pl.col("kind") != "event")
    assert turns.height == row["turns"]
    played = turns.filter(pl.col("kind") == "card")["card"].to_list()
    assert sorted(played) == sorted(row["cards"])


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_narrate_and_figure(lang):
    log = play_log(4, seed=1)
    lines = narrate(log, lang=lang)
    assert len(lines) == log.height
    word = "できごと" if lang == "ja" else "event"
    assert sum(word in x for x in lines) == 6  # six round ends
    half = "中間見直し" if lang == "ja" else "half-time"
    rounds = [x for x in lines if word in x]
    assert [i for i, x in enumerate(rounds) if half in x] == [2]  # after the third round end
    fig = meters_figure(log, lang=lang)
    assert len(fig.data) == 4 and len(fig.data[0].y) == log.height


def test_table_game_with_humans():
    t = TableGame(4, humans=[0, 2], bots="planner", seed=0, lang="en")
    assert t.waiting_for() == 0
    while not t.over:
        assert t.waiting_for() in (0, 2)
        t.play(game.legal_moves(t.state)[0])  # the humans always pass
    story = t.story()
    assert story[-1].startswith("2037-2038 event")
    assert sum(": passes |" in s for s in story) >= 12  # two humans x six rounds
    assert "<table>" in t.status_html()
    box = t.widget()
    assert box.children[1].children[1].disabled  # game over: the button is off
    with pytest.raises(ValueError, match="human seats"):
        TableGame(3, humans=[4])
    t2 = TableGame(4, humans=[0])
    with pytest.raises(game.IllegalMoveError, match="rule: cost"):
        t2.play(t2.state.table.index_of("walkable_downtown"))


def test_balance_tables():
    rules = game.default_rules()
    df = pl.concat([game.simulate(300, bots=b, seed=0) for b in ("planner", "random")])
    rates = analysis.win_rates(df, by=["bots"])
    assert rates["games"].to_list() == [300, 300]
    strat = analysis.strategy_table(df)
    assert strat["bots"][0].startswith("planner") and strat["dominant"][0]
    cards = analysis.card_table(df, rules)
    assert cards.height == len(rules.cards)
    one = cards.filter(pl.col("card") == "factory").row(0, named=True)
    has = df["cards"].list.contains("factory")
    assert one["play_rate"] == pytest.approx(has.mean())
    assert one["win_if_played"] == pytest.approx(df.filter(has)["won"].mean())
    assert cards.filter(pl.col("dead"))["play_rate"].max() is None or (
        cards.filter(pl.col("dead"))["play_rate"].max() < analysis.DEAD_BELOW
    )
    assert len(analysis.win_rate_figure(analysis.win_rates(df)).data) == 2
    assert len(analysis.length_figure(df).data) == 3
    assert len(analysis.card_figure(cards).data) == 2
