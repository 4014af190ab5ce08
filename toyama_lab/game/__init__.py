"""The SDGs board game 「とやま未来会議 2038」: rules as data, an engine, bots and a balance lab.

A cooperative game about Toyama for 3-6 players in the roles of 産学官民 (city hall, a
company, a neighbourhood association, a university, a school, a citizens' group). The city
has three meters (economy, society, environment) and a population that falls unless the
players act; project cards in the five promotion areas of the Smart City Promotion Vision
cost money, time, connections and data; data cards (the sensor network) let the players
see the next event; event cards carry odds and sizes measured on the workbench's synthetic
city (:mod:`toyama_lab.game.odds`).

Modules: :mod:`~toyama_lab.game.rules` (load and validate the versioned rules file),
:mod:`~toyama_lab.game.odds` (event numbers from :mod:`toyama_lab.synth`),
:mod:`~toyama_lab.game.engine` (state, legal moves, apply, turn order),
:mod:`~toyama_lab.game.bots`, :mod:`~toyama_lab.game.simulate` (the balance lab).

Examples
--------
>>> from toyama_lab import game
>>> s = game.new_game(players=4, seed=0)
>>> s = game.apply(s, game.legal_moves(s)[0])
>>> game.current_seat(s)
1
"""

from toyama_lab.game.bots import BOT_NAMES, Bot, make_bot
from toyama_lab.game.engine import (
    IllegalMoveError,
    Move,
    State,
    apply,
    apply_batch,
    current_seat,
    default_rules,
    goals_met,
    legal_mask,
    legal_moves,
    new_game,
    new_games,
    table_for,
    why_illegal,
)
from toyama_lab.game.rules import Rules, RulesError, load_rules
from toyama_lab.game.simulate import play, simulate, sweep

__all__ = [
    "BOT_NAMES",
    "Bot",
    "IllegalMoveError",
    "Move",
    "Rules",
    "RulesError",
    "State",
    "apply",
    "apply_batch",
    "current_seat",
    "default_rules",
    "goals_met",
    "legal_mask",
    "legal_moves",
    "load_rules",
    "make_bot",
    "new_game",
    "new_games",
    "play",
    "simulate",
    "sweep",
    "table_for",
    "why_illegal",
]
