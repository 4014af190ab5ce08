"""The facilitator's guide (book/game): pages in the toctree, links that resolve, the event
cards linked to the workbooks their data come from, and rule numbers that match the rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toyama_lab import game

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "game"
PAGES = sorted(GUIDE.glob("*.md"))
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_page_is_in_the_toctree():
    index = (GUIDE / "index.md").read_text(encoding="utf-8")
    toc = re.search(r"```\{toctree\}(.*?)```", index, re.S).group(1)
    listed = {line.strip() for line in toc.splitlines() if line.strip() and ":" not in line}
    assert listed == {p.stem for p in PAGES if p.name != "index.md"}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_links_resolve(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith("http"):
            continue
        # in the built book, ../workbooks/ is the repository's workbooks/ folder
        path = ROOT / target[3:] if target.startswith("../workbooks/") else page.parent / target
        assert path.exists(), f"{page.name}: broken link {target}"


def test_every_event_card_is_linked_to_its_workbook():
    text = (GUIDE / "event-cards.md").read_text(encoding="utf-8")
    for e in game.default_rules().events:
        assert e.name_ja in text
        if e.source:
            row = text[text.index(e.name_ja) :].split("* - ", 1)[0]
            assert e.data_source in row and f"../{e.workbook}" in row, e.id


def test_rule_numbers_in_the_ten_minute_rules():
    r = game.default_rules()
    text = (GUIDE / "rules-in-ten-minutes.md").read_text(encoding="utf-8")
    last = r.first_year + r.rounds * r.years_per_round - 1
    for phrase in (f"{r.first_year} 年", f"{r.years_per_round} 年ずつ {r.rounds} ラウンド",
                   f"{last} 年", f"{r.rounds_per_half} ラウンド後",
                   f"{r.review_below} より低いメーターはどれも +{r.review_boost}",
                   f"全員がお金 {r.review_cost['money']} を払います"):  # fmt: skip
        assert phrase in text, phrase
    plans = (GUIDE / "plans.md").read_text(encoding="utf-8")
    assert plans.count(f"半 {r.rounds_per_half} ラウンド") == 4  # 前半/後半 in both plans
