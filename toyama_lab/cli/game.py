"""``toyama-lab game``: the SDGs board game — print the set, or simulate games of bots.

``toyama-lab game print --out DIR [--lang ja|en]`` writes ``game-<lang>.html`` and
``game-<lang>.pdf`` (A4; every card with crop marks, role sheets, the board with the
city map, the rules booklet, the facilitator sheet) into DIR.
``toyama-lab game simulate [--games N] [--bots B] [--players P] [--seed S]`` prints the
win rate and game length of N games.

Exit status: 0 on success; 2 for a bad option (click's usage error); 1 when the files
cannot be written or the PDF cannot be rendered (e.g. Pango missing: run
``.ci/system-packages.sh``).
"""

from __future__ import annotations

import sys
import warnings

import click

from toyama_lab.cli import main
from toyama_lab.game.bots import BOT_NAMES


@main.group("game")
def game_cmd() -> None:
    """SDGs ボードゲーム「とやま未来会議 2038」: print the set or simulate games."""


@game_cmd.command("print")
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="Output folder (created)."
)
@click.option("--lang", default="ja", show_default=True, type=click.Choice(["ja", "en"]),
              help="Language of the printed set.")  # fmt: skip
def print_cmd(out: str, lang: str) -> None:
    """Render every card, role sheets, board, rules and facilitator sheet to A4 PDF and HTML."""
    from toyama_lab._fonts import FontWarning, NoFontError
    from toyama_lab.game import default_rules
    from toyama_lab.game.printout import write_print

    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always", FontWarning)
            paths = write_print(out, default_rules(), lang)
    except (OSError, ImportError, NoFontError) as exc:
        click.echo(f"error: could not write the printed set into {out!r}: {exc}", err=True)
        sys.exit(1)
    for w in said:  # the fonts' warning, as a line of the command's own
        if issubclass(w.category, FontWarning):
            click.echo(f"warning: {w.message}", err=True)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for kind, path in paths.items():
        click.echo(f"{kind}: {path} ({path.stat().st_size:,} bytes)")


@game_cmd.command("simulate")
@click.option("--games", default=1000, show_default=True, type=click.IntRange(min=1))
@click.option("--bots", default="planner", show_default=True, type=click.Choice(list(BOT_NAMES)),
              help="The bot in every seat.")  # fmt: skip
@click.option("--players", default=4, show_default=True, type=click.IntRange(3, 6))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0))
def simulate_cmd(games: int, bots: str, players: int, seed: int) -> None:
    """Play GAMES games of bots and print the win rate, collapses and game length."""
    from toyama_lab.game import simulate

    df = simulate(games, bots=bots, players=players, seed=seed, progress=games > 10_000)
    click.echo(
        f"{games} games, {players} players, bots {bots}, seed {seed}: "
        f"won {df['won'].mean():.1%}, collapsed {df['collapsed'].mean():.1%}, "
        f"mean turns {df['turns'].mean():.1f}, mean cards played {df['n_cards'].mean():.1f}"
    )
