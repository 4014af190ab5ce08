"""The ``toyama-lab`` command line: a thin layer over the package modules.

Each sub-module registers its commands on :data:`main`; the command only parses
arguments, calls the package and prints. Argument parsing uses ``click``: it
names the allowed values of a choice in its error message and exits with
status 2 on bad usage, which is what users of a command expect.
"""

import click

from toyama_lab import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="toyama-lab")
def main() -> None:
    """toyama-lab: 富山市のスマートシティ・データ学習ワークベンチ.

    A workbench for learning and researching smart-city data.
    """


# Sub-commands register themselves on ``main`` when imported.
from toyama_lab.cli import decode, frame, game, generate, report  # noqa: E402,F401
