"""One game told turn by turn: a log table, sentences for people and a figure of the meters.

Examples
--------
>>> log = play_log(players=4, seed=0, bots="random")
>>> log.filter(log["kind"] == "event").height
6
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl

from toyama_lab.game.engine import (
    State,
    apply_batch,
    current_seat,
    default_rules,
    legal_mask,
    new_games,
)
from toyama_lab.game.rules import Rules
from toyama_lab.game.simulate import _bots

__all__ = ["LOG_SCHEMA", "log_rows", "meters_figure", "narrate", "play_log"]

METER_NAMES = {
    "ja": {"economy": "経済", "society": "社会", "environment": "環境", "population": "人口"},
    "en": {"economy": "Economy", "society": "Society", "environment": "Environment",
           "population": "Population"},
}  # fmt: skip
#: Columns of a game log (one row per turn and one per round end).
LOG_SCHEMA = {
    "turn": pl.Int32, "round": pl.Int32, "year": pl.Int32, "kind": pl.String,
    "seat": pl.Int32, "role": pl.String, "move": pl.Int32, "card": pl.String,
    "partner": pl.String, "event": pl.String, "economy": pl.Int32, "society": pl.Int32,
    "environment": pl.Int32, "population": pl.Int32, "over": pl.Boolean, "won": pl.Boolean,
}  # fmt: skip


def log_rows(before: State, after: State, move: int) -> list[dict]:
    """Log rows for one move of a one-game state (a turn row, and a round-end row if any)."""
    t = before.table
    r = t.rules
    seat = current_seat(before)
    mv = t.move(move)
    rnd = before.round
    base = {"round": rnd + 1, "year": r.first_year + rnd * r.years_per_round}
    # the turn's own effect (the card's, clipped); the round end follows in its own row
    mid_meters = np.clip(before.meters[0] + t.move_effect[move], r.meter_min, r.meter_max)
    rows = []
    rows.append(base | {"turn": after.turn, "kind": mv.kind, "seat": seat, "role": t.seats[seat],
                        "move": move, "card": mv.card, "partner": mv.partner, "event": None,
                        **dict(zip(r.meters, map(int, mid_meters), strict=True)),
                        "over": False, "won": False})  # fmt: skip
    if after.turn % t.players == 0:
        rows.append(base | {"turn": after.turn, "kind": "event", "seat": None, "role": None,
                            "move": None, "card": None, "partner": None,
                            "event": r.events[int(before.event[0])].id,
                            **dict(zip(r.meters, map(int, after.meters[0]), strict=True)),
                            "over": bool(after.over[0]), "won": bool(after.won[0])})  # fmt: skip
    return rows


def play_log(players: int = 4, *, bots=None, seed: int = 0, game: int = 0,
             rules: Rules | None = None) -> pl.DataFrame:  # fmt: skip
    """Play one game of bots and return its log (:data:`LOG_SCHEMA`).

    Parameters
    ----------
    players : int
        Seats (3-6).
    bots : str, Bot or sequence, optional
        One bot for all seats or one per seat; default the cooperative planner.
    seed, game : int
        The seed and the game index (the same as row ``game`` of :func:`simulate`).
    rules : Rules, optional
        Default :func:`~toyama_lab.game.engine.default_rules`.
    """
    state = new_games(players, 1, seed=seed, rules=rules or default_rules(), first_game=game)
    seats = _bots(bots, players)
    rows: list[dict] = []
    while not state.over[0]:
        mask = legal_mask(state)
        move = int(seats[current_seat(state)].choose(state, mask)[0])
        nxt = apply_batch(state, [move], mask=mask)
        rows += log_rows(state, nxt, move)
        state = nxt
    return pl.DataFrame(rows, schema=LOG_SCHEMA)


def narrate(log: pl.DataFrame, rules: Rules | None = None, lang: str = "ja") -> list[str]:
    """Sentences for people, one per row of a game log (``lang`` ``"ja"`` or ``"en"``)."""
    rules = rules or default_rules()
    names = METER_NAMES[lang]
    out = []
    for row in log.iter_rows(named=True):  # one game: a few dozen rows
        meters = " ".join(f"{names[m]} {row[m]}" for m in rules.meters)
        y0, y1 = row["year"], row["year"] + rules.years_per_round - 1
        when = f"{y0}–{y1} 年" if lang == "ja" else f"{y0}-{y1}"
        if row["kind"] == "event":
            e = next(x for x in rules.events if x.id == row["event"])
            name = e.name_ja if lang == "ja" else e.name_en
            head = f"{when} できごと: {name}" if lang == "ja" else f"{when} event: {name}"
            if row["over"]:
                verdict = ("まちの勝ち!" if row["won"] else "目標にとどかず") if lang == "ja" \
                    else ("The city wins!" if row["won"] else "Targets missed")  # fmt: skip
                if not row["won"] and min(row[m] for m in rules.meters) <= rules.meter_min:
                    verdict = "まちが破綻" if lang == "ja" else "The city collapsed"
                head += f" — {verdict}"
            elif row["round"] == rules.rounds_per_half and rules.halves > 1:
                # the meters shown already include the half-time review (engine._half_time)
                head += " — ハーフタイム (中間見直しのあと)" if lang == "ja" \
                    else " — half-time (after the refocus)"  # fmt: skip
            out.append(f"{head} | {meters}")
            continue
        role = rules.role(row["role"])
        who = role.name_ja if lang == "ja" else role.name_en
        if row["kind"] == "pass":
            what = "パス" if lang == "ja" else "passes"
        elif row["kind"] == "prepare":
            what = "備える" if lang == "ja" else "prepares"
        else:
            c = rules.card(row["card"])
            what = c.name_ja if lang == "ja" else c.name_en
            if row["partner"]:
                p = rules.role(row["partner"])
                what += f" ({p.name_ja}と)" if lang == "ja" else f" (with {p.name_en})"
        out.append(f"{when} {who}: {what} | {meters}")
    return out


def meters_figure(log: pl.DataFrame, rules: Rules | None = None, lang: str = "ja",
                  players: int = 4) -> go.Figure:  # fmt: skip
    """The meters after every turn of one game, with the targets and the half-time line."""
    rules = rules or default_rules()
    names = METER_NAMES[lang]
    targets = rules.targets_for(players)
    fig = go.Figure()
    x = np.arange(1, log.height + 1)
    for m in rules.meters:
        fig.add_scatter(x=x, y=log[m].to_numpy(), mode="lines+markers", name=names[m],
                        line_shape="hv")  # fmt: skip
        fig.add_hline(y=targets[m], line_dash="dot", line_width=1, opacity=0.4)
    half = log.with_row_index().filter(
        (pl.col("kind") == "event") & (pl.col("round") == rules.rounds_per_half)
    )
    if half.height:
        fig.add_vline(x=int(half["index"][0]) + 1.5, line_dash="dash",
                      annotation_text="ハーフタイム" if lang == "ja" else "Half-time")  # fmt: skip
    fig.update_layout(
        title="メーターの動き (点線は目標)" if lang == "ja" else "Meters (dotted: targets)",
        xaxis_title="手番とラウンドのおわり" if lang == "ja" else "Turns and round ends",
        yaxis=dict(range=[rules.meter_min - 0.5, rules.meter_max + 0.5],
                   title="メーター" if lang == "ja" else "Meter"),
        height=380,
    )  # fmt: skip
    return fig
