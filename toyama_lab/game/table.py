"""Play at one table in JupyterLab: humans and bots, with ipywidgets.

:class:`TableGame` holds a one-game state, lets the bots play their seats, and for a human
seat offers the legal moves in a drop-down with a button. It is plain Python (the widget
is built by :meth:`TableGame.widget`), so tests drive it by calling :meth:`TableGame.play`.
"""

from __future__ import annotations

import html

import polars as pl

from toyama_lab.game.engine import (
    apply_batch,
    current_seat,
    default_rules,
    legal_mask,
    legal_moves,
    new_games,
)
from toyama_lab.game.narrate import LOG_SCHEMA, METER_NAMES, log_rows, narrate
from toyama_lab.game.rules import Rules
from toyama_lab.game.simulate import _bots

__all__ = ["TableGame"]


class TableGame:
    """One game at a table: ``humans`` are seat numbers played by people, the rest by ``bots``.

    Parameters
    ----------
    players : int
        Seats (3-6).
    humans : sequence of int
        Seats played by people (0 = 市役所, 1 = 地元企業, ... in the rules' seat order).
    bots : str or Bot
        The bot of the other seats (default the cooperative planner).
    seed : int
        Seed of the event deck.
    lang : {"ja", "en"}
    rules : Rules, optional
    """

    def __init__(self, players: int = 4, humans=(0,), bots="planner", seed: int = 0,
                 lang: str = "ja", rules: Rules | None = None):  # fmt: skip
        self.rules = rules or default_rules()
        self.state = new_games(players, 1, seed=seed, rules=self.rules)
        bad = [h for h in humans if not 0 <= h < players]
        if bad:
            raise ValueError(
                f"human seats {bad} are not at a table of {players} (0-{players - 1})."
            )
        self.humans = set(humans)
        self.bots = _bots(bots, players)
        self.lang = lang
        self.rows: list[dict] = []
        self.advance()

    @property
    def over(self) -> bool:
        """Whether the game has ended."""
        return bool(self.state.over[0])

    def waiting_for(self) -> int | None:
        """The human seat whose move is awaited, or None when the game is over."""
        return None if self.over else current_seat(self.state)

    def _step(self, move: int) -> None:
        before = self.state
        self.state = apply_batch(before, [move])
        self.rows += log_rows(before, self.state, move)

    def advance(self) -> None:
        """Let the bots play until a human seat is to move or the game ends."""
        while not self.over and current_seat(self.state) not in self.humans:
            seat = current_seat(self.state)
            self._step(int(self.bots[seat].choose(self.state, legal_mask(self.state))[0]))

    def play(self, move) -> None:
        """The human seat plays ``move`` (a :class:`~toyama_lab.game.engine.Move` or number);
        then the bots play on. Illegal moves raise :class:`IllegalMoveError`."""
        index = move.index if hasattr(move, "index") else int(move)
        self._step(index)
        self.advance()

    def story(self) -> list[str]:
        """The game so far, one sentence per turn and round end."""
        return narrate(pl.DataFrame(self.rows, schema=LOG_SCHEMA), self.rules, self.lang)

    def status_html(self) -> str:
        """Meters, the revealed event and every seat's resources as HTML."""
        s, r, t = self.state, self.rules, self.state.table
        names = METER_NAMES[self.lang]
        meters = " ".join(f"<b>{names[m]}</b> {int(v)}" for m, v in zip(r.meters, s.meters[0],
                                                                          strict=True))  # fmt: skip
        ev = r.events[int(s.event[0])]
        seen = (ev.name_ja if self.lang == "ja" else ev.name_en) if s.reveal[0] else "?"
        who = [r.role(x).name_ja if self.lang == "ja" else r.role(x).name_en for x in t.seats]
        res = "".join(
            f"<tr><td>{html.escape(who[i])}</td>"
            + "".join(f"<td>{int(x)}</td>" for x in s.res[0, i])
            + "</tr>"
            for i in range(t.players)
        )
        head = "".join(f"<th>{k}</th>" for k in r.resources)
        return (f"<p>{meters} | {'次のできごと' if self.lang == 'ja' else 'Next event'}: {seen}</p>"
                f"<table><tr><th></th>{head}</tr>{res}</table>")  # fmt: skip

    def widget(self):
        """An ipywidgets box: status, the human's legal moves, a button and the story."""
        import ipywidgets as w

        status = w.HTML()
        choice = w.Dropdown(description="手" if self.lang == "ja" else "Move")
        button = w.Button(description="実行" if self.lang == "ja" else "Play")
        story = w.Textarea(layout=w.Layout(width="100%", height="16em"))

        def refresh():
            status.value = self.status_html()
            story.value = "\n".join(self.story())
            if self.over:
                choice.options, button.disabled = [], True
                return
            choice.options = [(m.describe(self.lang, self.rules), m.index)
                              for m in legal_moves(self.state)]  # fmt: skip

        def on_click(_):
            self.play(choice.value)
            refresh()

        button.on_click(on_click)
        refresh()
        return w.VBox([status, w.HBox([choice, button]), story])
