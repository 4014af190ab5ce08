"""Reading a balance table (:func:`toyama_lab.game.simulate`): win rates, cards, strategies.

Every function takes the polars table of simulated games and returns a table or a
plotly figure; the balance workbook (``workbooks/game/01-balance.ipynb``) tells the story.

Examples
--------
>>> from toyama_lab.game import simulate
>>> df = simulate(300, bots="random")
>>> win_rates(df, by=["bots"])["games"].to_list()
[300]
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from toyama_lab.game.rules import Rules

__all__ = [
    "DEAD_BELOW",
    "DOMINANT_MARGIN",
    "card_figure",
    "card_table",
    "length_figure",
    "strategy_table",
    "win_rate_figure",
    "win_rates",
]

#: A card played in fewer than this share of games is "dead" (balance-lab choice). [-]
DEAD_BELOW = 0.02
#: A bot mix that wins this many points more than every other mix is "dominant". [-]
DOMINANT_MARGIN = 0.15


def win_rates(df: pl.DataFrame, by: Sequence[str] = ("bots", "players")) -> pl.DataFrame:
    """Games, win rate, collapse rate, mean turns and cards played per group."""
    return (
        df.group_by(list(by))
        .agg(
            pl.len().alias("games"),
            pl.col("won").mean().alias("win_rate"),
            pl.col("collapsed").mean().alias("collapse_rate"),
            pl.col("turns").mean().alias("mean_turns"),
            pl.col("n_cards").mean().alias("mean_cards"),
        )
        .sort(list(by))
    )


def card_table(df: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Per card: how often it is played, the win rate with and without it, and flags.

    Returns
    -------
    polars.DataFrame
        ``card``, ``name_ja``, ``name_en``, ``area``, ``play_rate``, ``win_if_played``,
        ``win_if_not``, ``lift`` (their difference: a card that *decides* games has a
        large lift; it is a correlation over the games, not a proof of cause), ``dead``
        (played in fewer than :data:`DEAD_BELOW` of the games); sorted by lift.
    """
    n = df.height
    rows = []
    for c in rules.cards:  # a couple of dozen cards; each a column expression over all games
        has = df["cards"].list.contains(c.id)
        k = int(has.sum())
        won = df["won"]
        rows.append(
            {
                "card": c.id,
                "name_ja": c.name_ja,
                "name_en": c.name_en,
                "area": c.area,
                "play_rate": k / n,
                "win_if_played": float(won.filter(has).mean()) if k else None,
                "win_if_not": float(won.filter(~has).mean()) if k < n else None,
            }
        )
    out = pl.DataFrame(rows)
    return out.with_columns(
        (pl.col("win_if_played") - pl.col("win_if_not")).alias("lift"),
        (pl.col("play_rate") < DEAD_BELOW).alias("dead"),
    ).sort("lift", descending=True, nulls_last=True)


def strategy_table(df: pl.DataFrame) -> pl.DataFrame:
    """Win rate per bot mix, with ``dominant`` set on a mix that beats every other by
    :data:`DOMINANT_MARGIN` or more (then one way of playing makes the others pointless)."""
    rates = win_rates(df, by=["bots"]).sort("win_rate", descending=True)
    best = rates["win_rate"][0]
    second = rates["win_rate"][1] if rates.height > 1 else 0.0
    return rates.with_columns(
        ((pl.col("win_rate") == best) & (best - second >= DOMINANT_MARGIN)).alias("dominant")
    )


def win_rate_figure(rates: pl.DataFrame, x: str = "players", colour: str = "bots",
                    lang: str = "ja") -> go.Figure:  # fmt: skip
    """Bars of win rate by ``x``, one colour per ``colour`` group."""
    fig = go.Figure()
    for key in rates[colour].unique(maintain_order=True).to_list():
        part = rates.filter(pl.col(colour) == key).sort(x)
        fig.add_bar(x=part[x].cast(pl.String).to_list(), y=part["win_rate"].to_list(),
                    name=str(key))  # fmt: skip
    fig.update_layout(
        barmode="group",
        title="勝率" if lang == "ja" else "Win rate",
        xaxis_title="人数" if lang == "ja" and x == "players" else x,
        yaxis=dict(title="勝率" if lang == "ja" else "Win rate", tickformat=".0%",
                   range=[0, 1]),
        height=380,
    )  # fmt: skip
    return fig


def length_figure(df: pl.DataFrame, lang: str = "ja") -> go.Figure:
    """Histogram of game length (player turns), split into won, lost and collapsed games."""
    fig = go.Figure()
    labels = {"won": ("勝ち", "Won"), "lost": ("負け", "Lost"), "collapsed": ("破綻", "Collapsed")}
    outcome = pl.when(pl.col("won")).then(pl.lit("won")).when(pl.col("collapsed"))
    df = df.with_columns(outcome.then(pl.lit("collapsed")).otherwise(pl.lit("lost")).alias("o"))
    for key, (ja, en) in labels.items():
        fig.add_histogram(x=df.filter(pl.col("o") == key)["turns"].to_list(),
                          name=ja if lang == "ja" else en)  # fmt: skip
    fig.update_layout(
        barmode="stack",
        title="ゲームの長さ (手番の数)" if lang == "ja" else "Game length (player turns)",
        xaxis_title="手番" if lang == "ja" else "Turns",
        yaxis_title="ゲーム数" if lang == "ja" else "Games",
        height=360,
    )
    return fig


def card_figure(cards: pl.DataFrame, lang: str = "ja") -> go.Figure:
    """Play rate against lift, one point per card (dead cards marked with an x)."""
    name = "name_ja" if lang == "ja" else "name_en"
    fig = go.Figure()
    for dead, symbol in ((False, "circle"), (True, "x")):
        part = cards.filter(pl.col("dead") == dead)
        fig.add_scatter(x=part["play_rate"].to_list(), y=part["lift"].to_list(),
                        mode="markers+text", text=part[name].to_list(), textposition="top center",
                        marker=dict(symbol=symbol, size=9), textfont=dict(size=9),
                        name=("使われないカード" if lang == "ja" else "Dead cards") if dead
                        else ("カード" if lang == "ja" else "Cards"))  # fmt: skip
    fig.update_layout(
        title="どのカードが勝敗を分けるか" if lang == "ja" else "Which cards decide games",
        xaxis=dict(title="使われた割合" if lang == "ja" else "Play rate", tickformat=".0%"),
        yaxis=dict(title="勝率の差 (使った − 使わない)" if lang == "ja"
                   else "Win-rate difference (played - not)", tickformat="+.0%"),
        height=480,
    )  # fmt: skip
    return fig
