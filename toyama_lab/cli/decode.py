"""``toyama-lab decode``: decode a gateway / network-server log into a Parquet table."""

from __future__ import annotations

from pathlib import Path

import click

from toyama_lab._atomic import write_atomic
from toyama_lab.cli import main

#: ``toyama_lab.lorawan.ingest.FORMATS``, spelt out so that ``--help`` needs no polars
#: import (a test keeps the two equal).
INPUT_FORMATS = ("auto", "json", "hex", "base64", "parquet", "push_data")


def _write_parquet_atomic(df, out: Path) -> None:
    """Write ``df`` to ``out`` through a temporary file in the same folder, then rename."""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, df.write_parquet)


@main.command("decode")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--keys",
    "keys_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help=(
        "Session keys: CSV or JSON lines with dev_addr, nwk_s_key, app_s_key (hex). "
        "Default for a dataset folder: its network/keys.csv."
    ),
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output Parquet file (written atomically).",
)
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(INPUT_FORMATS),
    help=(
        "Input format; 'auto' detects Parquet, saved PUSH_DATA datagrams, JSON (Semtech rxpk, "
        "ChirpStack, The Things Stack, LoRa Basics Station), hex, base64."
    ),
)
@click.option("--no-payloads", is_flag=True, help="Do not decode payloads with the FPort codecs.")
def decode_command(
    input_path: Path, keys_path: Path | None, out_path: Path, fmt: str, no_payloads: bool
) -> None:
    """Decode LoRaWAN frames of INPUT (PHYPayloads) into OUT.parquet, one row per frame.

    INPUT is a log file, or a dataset folder made with `toyama-lab generate --network`
    (its gateway log, decoded with its keys unless --keys is given).

    受信ログ (INPUT: ログファイル、または --network 付きで作ったデータセットのフォルダ) の
    LoRaWAN フレームを復号し、フレームごとに 1 行の Parquet に書き出します。
    """
    from toyama_lab.lorawan.batch import decode_batch, status_counts
    from toyama_lab.lorawan.errors import KeyStoreError
    from toyama_lab.lorawan.ingest import IngestError, read_receptions
    from toyama_lab.lorawan.keys import KeyStore

    folder = input_path.is_dir()
    if folder:
        from toyama_lab.network.scan import network_file, scan_gateway_log

        try:
            keys_path = keys_path or network_file(input_path, "keys")
            log = scan_gateway_log(input_path)
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc
    elif not input_path.is_file():
        raise click.ClickException(
            f"input '{input_path}' does not exist; give a log file (JSON, hex/base64 lines "
            "or Parquet of receptions) or a dataset folder with network/"
        )
    if keys_path is None:
        raise click.ClickException(
            "give the session keys with --keys (CSV or JSON lines with dev_addr, nwk_s_key, "
            "app_s_key); only a dataset folder brings its own"
        )
    if not keys_path.is_file():
        raise click.ClickException(
            f"keys file '{keys_path}' does not exist; give a CSV or JSON-lines file with "
            "dev_addr, nwk_s_key, app_s_key"
        )
    try:
        keys = KeyStore.load(keys_path)
    except (KeyStoreError, OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read keys from '{keys_path}': {exc}") from exc
    try:
        receptions = log.collect() if folder else read_receptions(input_path, format=fmt)
    except (IngestError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    result = decode_batch(receptions, keys, decode_payloads=not no_payloads)
    try:
        _write_parquet_atomic(result, out_path)
    except OSError as exc:
        raise click.ClickException(f"cannot write '{out_path}': {exc}") from exc
    counts = status_counts(result)
    width = max([len("status")] + [len(s) for s in counts["status"]])
    click.echo(f"{'status':<{width}}  {'count':>8}")
    for status, count in counts.iter_rows():
        click.echo(f"{status:<{width}}  {count:>8}")
    click.echo(f"{'total receptions':<{width}}  {len(receptions):>8}")
    click.echo(f"wrote {len(result)} frame(s) to {out_path}")
