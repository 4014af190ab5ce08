"""``toyama-lab generate``: write a synthetic dataset folder and print what it holds.

Exit status: 0 on success; 2 for a bad option value (unknown scenario or size,
negative seed, days < 1, a date not written YYYY-MM-DD, a period outside 2000-2099,
an empty ``--out``, ``--confirmed-share`` nan, ``--confirmed-share`` or
``--max-retransmissions`` without ``--network`` or retransmissions without confirmed
uplinks: click's usage error); 1 when the output cannot be written (exists without
``--overwrite``, is not ours, not a writable folder) or generation fails or is
interrupted.

What happens to an existing ``--out`` is decided by
:func:`toyama_lab.datasets.policy.ensure_dataset`, the one policy ``datasets.load`` uses
too (the table is in that module): the same dataset made by the same package version and
source code is kept (exit 0, summary printed), so ``make data`` can be run again, and so
can two identical runs at once (the second waits for the first's lock, then keeps its
folder). The same parameters made by other code, or with damaged files, are generated
again (the reason is printed first). A folder holding other parameters is refused (exit 1)
unless ``--overwrite``. A folder this tool did not make (no readable manifest) is never
replaced, not even with ``--overwrite``; the message lists what it holds. With
``--network`` a kept folder without ``network/`` gets one, and a ``network/`` made with
other radio settings or other code is simulated again (the rest is kept). In every
failing case nothing is left behind: the dataset is built in
``DIR.tmp-<host>-<pid>-<random>`` and only renamed to ``DIR`` when complete; such a folder
left by a killed run is removed by the next run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from toyama_lab.city import SIZES
from toyama_lab.cli import main
from toyama_lab.datasets.params import MAX_DAYS, parse_date
from toyama_lab.network.config import MAX_RETRANSMISSIONS, RadioConfig, RadioConfigError
from toyama_lab.store import DatasetError
from toyama_lab.synth.scenario import SCENARIOS


def _date(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        return None
    try:
        return parse_date(value)
    except DatasetError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def _out(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter(
            "is empty; give the dataset folder to write, e.g. --out data/synthetic/mine.",
            ctx=ctx,
            param=param,
        )
    return Path(value)


@main.command("generate")
@click.option(
    "--scenario",
    required=True,
    type=click.Choice(list(SCENARIOS)),
    help="Named scenario (シナリオ).",
)
@click.option(
    "--size",
    default="class",
    show_default=True,
    type=click.Choice(list(SIZES)),
    help="City size (規模): tiny for tests, class for lessons, city for >= 1,000 sensors.",
)
@click.option(
    "--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed (>= 0)."
)
@click.option(
    "--start",
    default=None,
    callback=_date,
    metavar="YYYY-MM-DD",
    help="First day (JST). Default: the scenario's.",
)
@click.option(
    "--days",
    default=None,
    type=click.IntRange(1, MAX_DAYS),
    help="Number of days. Default: the scenario's.",
)
@click.option(
    "--out",
    default=None,
    callback=_out,
    type=click.Path(),
    help="Dataset folder to create. Default: <data root>/<scenario>-<size>-<seed>[...].",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace --out if it exists and is a dataset made by toyama-lab (never other files).",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Threads for the chunked generation. Default: one per CPU.",
)
@click.option(
    "--network",
    is_flag=True,
    help="Also carry every reading over the simulated LoRaWAN network: device registry and "
    "synthetic keys, gateway log, transmission truth (network/).",
)
@click.option(
    "--confirmed-share",
    default=None,
    type=click.FloatRange(0.0, 1.0),
    metavar="P",
    help="With --network: share of the devices that send confirmed uplinks "
    "(確認付きアップリンクの割合). Default: 0.",
)
@click.option(
    "--max-retransmissions",
    default=None,
    type=click.IntRange(0, MAX_RETRANSMISSIONS),
    metavar="K",
    help=f"With --network: times a confirmed uplink no gateway received is sent again, "
    f"0 to {MAX_RETRANSMISSIONS} (再送回数の上限). Needs --confirmed-share > 0. Default: 0.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary table.")
def generate_command(
    scenario,
    size,
    seed,
    start,
    days,
    out,
    overwrite,
    workers,
    network,
    confirmed_share,
    max_retransmissions,
    quiet,
) -> None:
    """Generate a synthetic dataset: Zarr time series, Parquet events, manifest, README.

    合成データセットを作る. The same options give byte-identical files whatever
    --workers is. An existing --out is refused unless --overwrite, except when it
    already holds this very dataset (kept; with --network its network/ is simulated
    again if it has other radio settings) or this dataset made by other code (made
    again). Exit status 2: bad option value; 1: output not writable, or holds other
    content.
    """
    from toyama_lab.datasets import data_root, dataset_dirname, resolve_params
    from toyama_lab.datasets.policy import ensure_dataset

    radio = _radio(network, confirmed_share, max_retransmissions)
    try:
        params = resolve_params(scenario, size, seed, start, days)
    except DatasetError as exc:
        raise click.UsageError(str(exc)) from None
    target = out if out is not None else data_root() / dataset_dirname(params)
    if not quiet:
        click.echo(f"{params.command()}\n  -> {target}", err=True)
    try:
        outcome = ensure_dataset(
            target, params, network=network, radio=radio, overwrite=overwrite,
            notify=lambda message: click.echo(message, err=True),
            workers=workers, progress=not quiet and sys.stderr.isatty(),
        )  # fmt: skip
    except DatasetError as exc:
        raise click.ClickException(str(exc)) from None
    if not quiet and outcome.action in _KEPT:
        kept = _KEPT[outcome.action]
        click.echo(f"{outcome.path}: already up to date (same parameters); {kept}", err=True)
    _report(outcome.path, params, quiet)


#: What the command says of a folder it kept, by ``Outcome.action``.
_KEPT = {
    "kept": "kept.",
    "network-added": "kept, network/ added.",
    "network-rebuilt": "kept, network/ simulated again.",
}


def _radio(network: bool, confirmed_share: float | None, max_retransmissions: int | None):
    """The ``RadioConfig`` of the radio options (None without --network).

    Raises
    ------
    click.UsageError
        If a radio option is given without ``--network``, or retransmissions are asked
        for while no device sends confirmed uplinks.
    """
    given = [
        name
        for name, value in (
            ("--confirmed-share", confirmed_share),
            ("--max-retransmissions", max_retransmissions),
        )
        if value is not None
    ]
    if given and not network:
        raise click.UsageError(
            f"{' and '.join(given)} {'set' if len(given) > 1 else 'sets'} the simulated "
            "LoRaWAN network, which is only built with --network: add --network "
            "(ネットワークのシミュレーションには --network が必要)."
        )
    if confirmed_share is not None and confirmed_share != confirmed_share:
        raise click.BadParameter(
            "nan is not a share; give a number from 0 to 1, e.g. --confirmed-share 0.5.",
            param_hint="'--confirmed-share'",
        )
    if not network:
        return None
    share = 0.0 if confirmed_share is None else confirmed_share
    k = 0 if max_retransmissions is None else max_retransmissions
    if k > 0 and share == 0:
        raise click.UsageError(
            f"--max-retransmissions {k} needs --confirmed-share above 0: only confirmed "
            "uplinks are retransmitted (再送は確認付きアップリンクのみ); e.g. add "
            "--confirmed-share 0.5."
        )
    try:
        return RadioConfig(confirmed_share=share, max_retransmissions=k)
    except RadioConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _report(path: Path, params, quiet: bool) -> None:
    """Print the folder (quiet) or the summary table of what it holds.

    The table is followed by a line on the confirmed uplinks of ``network/`` when its
    network sent any (:func:`toyama_lab.datasets.network.confirmed_summary`).
    """
    from toyama_lab.datasets import format_summary, summarize
    from toyama_lab.datasets.network import confirmed_summary

    if quiet:
        click.echo(str(path))
        return
    click.echo(format_summary(summarize(path), title=f"{path}  ({params.command()})"))
    line = confirmed_summary(path)
    if line is not None:
        click.echo(line)
