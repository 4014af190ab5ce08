"""toyama_lab._fonts: no PDF is printed without a word when no font covers its text."""

from __future__ import annotations

import shutil
import warnings

import pytest
from click.testing import CliRunner

from toyama_lab._fonts import FontWarning, NoFontError, check_fonts, font_families

needs_fc_list = pytest.mark.skipif(shutil.which("fc-list") is None, reason="no fc-list")


def _fontconfig(tmp_path, monkeypatch, body: str) -> None:
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig>{body}</fontconfig>\n', encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))


@pytest.fixture
def no_fonts(tmp_path, monkeypatch):
    """fontconfig with an empty configuration: it offers no font at all."""
    _fontconfig(tmp_path, monkeypatch, "")


@pytest.fixture
def no_japanese_font(tmp_path, monkeypatch):
    """The system's fonts without any that covers Japanese (skip if none is left)."""
    _fontconfig(
        tmp_path,
        monkeypatch,
        "<dir>/usr/share/fonts</dir><dir>/usr/local/share/fonts</dir>"
        f"<cachedir>{tmp_path / 'cache'}</cachedir><selectfont><rejectfont><pattern>"
        '<patelt name="lang"><string>ja</string></patelt></pattern></rejectfont></selectfont>',
    )
    if not font_families():
        pytest.skip("no font here that does not cover Japanese")


def test_font_families_lists_the_japanese_fonts_installed_here():
    from browser import require_japanese_font

    require_japanese_font()  # skip locally / fail in CI without one
    ja = font_families("ja")
    assert any("CJK" in f or "JP" in f for f in ja), ja
    assert set(ja) <= set(font_families())


@needs_fc_list
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_font_at_all_is_an_error_naming_what_to_install(no_fonts, lang):
    assert font_families() == []
    with pytest.raises(NoFontError, match=f"game-{lang}.pdf: fontconfig offers no font at all"):
        check_fonts(lang, f"game-{lang}.pdf")


@needs_fc_list
def test_japanese_without_a_japanese_font_is_a_warning(no_japanese_font):
    assert font_families("ja") == []
    with pytest.warns(FontWarning, match="no Japanese font") as seen:
        assert check_fonts("ja", "game-ja.pdf")
    assert "game-ja.pdf" in str(seen[0].message) and "fonts-noto-cjk" in str(seen[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not check_fonts("en", "game-en.pdf")  # Latin text has its fonts


def test_silent_when_fonts_are_there_or_nothing_can_be_told(tmp_path, monkeypatch):
    from browser import require_japanese_font

    require_japanese_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not check_fonts("ja", "game-ja.pdf")
        monkeypatch.setenv("PATH", str(tmp_path))  # no fc-list: nothing known, nothing said
        assert font_families("ja") is None
        assert not check_fonts("ja", "game-ja.pdf")


@needs_fc_list
def test_game_print_refuses_without_any_font_and_writes_nothing(no_fonts, tmp_path):
    from toyama_lab.cli import main

    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["game", "print", "--out", str(out), "--lang", "en"])
    assert res.exit_code == 1
    assert "no font at all" in res.output and "fonts-noto-cjk" in res.output
    assert not out.exists()


@pytest.mark.slow
@needs_fc_list
def test_game_print_says_why_the_japanese_text_will_be_missing(no_japanese_font, tmp_path):
    from toyama_lab.cli import main

    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["game", "print", "--out", str(out), "--lang", "ja"])
    assert res.exit_code == 0, res.output
    assert "warning: game-ja.pdf: fontconfig offers no Japanese font" in res.output
    assert (out / "game-ja.pdf").stat().st_size > 0  # still printed: the warning says why
