"""``toyama-lab frame explain``: annotate a LoRaWAN frame byte by byte.

Exit status: 0 on success; 2 for bad usage (the frame or a key is not
hexadecimal or has the wrong length: click's usage error, naming the
character or option); 1 when the bytes are not a valid LoRaWAN frame (the
message names the byte, e.g. ``byte 5: FOptsLen=3 ...``).

Keys are never echoed, not even in error messages.
"""

from __future__ import annotations

import json
import re

import click

from toyama_lab.cli import main
from toyama_lab.lorawan.errors import FrameError
from toyama_lab.lorawan.explain import LANGS, explain, format_rows, rows_to_dicts

_SEPARATORS = re.compile(r"[\s:_-]")


def _hex_bytes(text: str, what: str) -> bytes:
    """Hex text to bytes; whitespace, ':', '-', '_' and a leading 0x are ignored."""
    cleaned = _SEPARATORS.sub("", text)
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    bad = re.search(r"[^0-9a-fA-F]", cleaned)
    if bad:
        raise click.UsageError(
            f"{what}: character {bad.start() + 1} of the hex digits is not 0-9/A-F; "
            "write the frame as hexadecimal, e.g. 40DA1B0126...",
        )
    if len(cleaned) % 2:
        raise click.UsageError(
            f"{what}: odd number of hex digits ({len(cleaned)}); every byte needs two digits"
        )
    return bytes.fromhex(cleaned)


def _key_option(ctx: click.Context, param: click.Parameter, value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        key = _hex_bytes(value, f"--{param.name}")
    except click.UsageError:
        raise click.BadParameter(
            "not hexadecimal; expected 32 hex digits (16 bytes)", ctx=ctx, param=param
        ) from None
    if len(key) != 16:
        raise click.BadParameter(
            f"has {len(key)} bytes; expected 16 bytes (32 hex digits)", ctx=ctx, param=param
        )
    return key


@main.group("frame")
def frame() -> None:
    """LoRaWAN フレームの解析 (inspect LoRaWAN frames)."""


@frame.command("explain")
@click.argument("hex_frame", metavar="HEX")
@click.option("--nwkskey", callback=_key_option, help="NwkSKey (32 hex digits): MIC check.")
@click.option("--appskey", callback=_key_option, help="AppSKey (32 hex digits): decrypt payload.")
@click.option("--appkey", callback=_key_option, help="AppKey (32 hex digits): join frames.")
@click.option(
    "--fcnt-msb",
    type=click.IntRange(0, 0xFFFF),
    default=0,
    show_default=True,
    help="Upper 16 bits of the frame counter (フレームカウンタ上位16ビット).",
)
@click.option(
    "--lang", type=click.Choice(list(LANGS)), default="ja", show_default=True, help="言語 language."
)
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def explain_command(
    hex_frame: str,
    nwkskey: bytes | None,
    appskey: bytes | None,
    appkey: bytes | None,
    fcnt_msb: int,
    lang: str,
    as_json: bool,
) -> None:
    """フレームをバイトごとに説明する (explain a frame byte by byte).

    HEX is the PHYPayload in hexadecimal (spaces and colons allowed).
    """
    phy = _hex_bytes(hex_frame, "HEX")
    try:
        rows = explain(
            phy,
            nwk_s_key=nwkskey,
            app_s_key=appskey,
            app_key=appkey,
            fcnt_msb=fcnt_msb,
            lang=lang,
        )
    except FrameError as exc:
        raise click.ClickException(f"not a valid LoRaWAN frame: {exc}") from None
    if as_json:
        click.echo(
            json.dumps(
                {"frame": phy.hex().upper(), "lang": lang, "rows": rows_to_dicts(rows)},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(format_rows(rows, lang=lang))
