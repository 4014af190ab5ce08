"""The printed set: every card in the PDF (text extracted with pypdf), fonts embedded."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from toyama_lab import game
from toyama_lab.cli import main
from toyama_lab.game.board import city_svg
from toyama_lab.game.printout import render_html


def _fonts(reader: PdfReader) -> set[tuple[str, bool]]:
    out = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            desc = font.get("/DescendantFonts")
            fd = (desc[0].get_object() if desc else font).get("/FontDescriptor")
            embedded = fd is not None and any(k.startswith("/FontFile") for k in fd.get_object())
            out.add((str(font["/BaseFont"]), embedded))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_print_command_writes_every_card(tmp_path, lang):
    from browser import require_japanese_font

    require_japanese_font()  # skip locally / fail in CI: without it the PDF has no text
    res = CliRunner().invoke(main, ["game", "print", "--out", str(tmp_path), "--lang", lang])
    assert res.exit_code == 0, res.output
    pdf = tmp_path / f"game-{lang}.pdf"
    html = (tmp_path / f"game-{lang}.html").read_text(encoding="utf-8")
    reader = PdfReader(pdf)
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4 [pt]
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    r = game.default_rules()
    key = "name_ja" if lang == "ja" else "name_en"
    names = [getattr(x, key) for x in (*r.cards, *r.events, *r.roles, *r.areas)]
    missing = [n for n in names if re.sub(r"\s+", "", n) not in text]
    assert not missing
    for c in r.cards:  # every card's id is printed on it (small print)
        assert c.id in text
    for e in r.events:
        assert text.count(f"{e.id}(") >= e.copies  # one printed card per copy
        if e.source:
            assert e.data_source in text and re.sub(r"\s+", "", e.workbook) in text
    fonts = _fonts(reader)
    assert fonts and all(embedded for _, embedded in fonts)
    assert any("CJK" in name for name, _ in fonts)
    assert "<svg" in html and 'class="mark' in html  # the board's map and the crop marks
    if lang == "en":  # same rules, same bytes (no dates or random ids in the PDF)
        again = tmp_path / "again"
        CliRunner().invoke(main, ["game", "print", "--out", str(again), "--lang", lang])
        assert (again / pdf.name).read_bytes() == pdf.read_bytes()


def test_render_html_and_board():
    r = game.default_rules()
    page = render_html(r, "en")
    assert page.count('class="cell"') == len(r.cards) + sum(e.copies for e in r.events) + len(
        r.roles
    )
    assert "Toyama Future Council 2038" in page
    assert "、" not in page  # English lists use English commas
    assert f"every meter below {r.review_below} gains {r.review_boost}" in page  # half-time rule
    assert f"{r.review_below} より低いメーターはどれも +{r.review_boost}" in render_html(r, "ja")
    svg = city_svg()
    assert svg.startswith("<svg") and svg.count("<path") > 20 and "富山駅" in svg
    assert city_svg() == svg  # deterministic
    with pytest.raises(ValueError, match="lang must be one of"):
        render_html(r, "fr")


def test_simulate_command():
    res = CliRunner().invoke(main, ["game", "simulate", "--games", "50", "--bots", "random"])
    assert res.exit_code == 0 and "50 games, 4 players, bots random" in res.output
    bad = CliRunner().invoke(main, ["game", "simulate", "--bots", "genius"])
    assert bad.exit_code == 2 and "genius" in bad.output
