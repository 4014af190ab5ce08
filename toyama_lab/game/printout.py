"""Print-and-play: every card, the role sheets, the board, the rules booklet and the
facilitator sheet as one HTML source, rendered to A4 PDF with WeasyPrint.

The same HTML string is written as ``game-<lang>.html`` and rendered to
``game-<lang>.pdf``; WeasyPrint embeds (subsets of) the fonts it uses, and the CSS asks for
Noto Sans CJK JP (``fonts-noto-cjk``; ``.ci/system-packages.sh``), so Japanese prints on
any machine that opens the PDF. Cards are 63 x 88 mm (the common trading-card size) laid
out 3 x 3 at fixed positions on a page of their own (the named page ``cards``, centred on
A4); neighbouring cards share their cut lines, and a cut mark in the margin marks each end
of every line. Every other section starts on a new page. An event card that uses data
names the number, the function that measured it and the workbook where it comes from.

WeasyPrint was chosen over a browser's print-to-PDF because it needs no browser, writes
the same bytes offline every time, and supports CSS paged media (``@page``, page breaks).
"""

from __future__ import annotations

import html
from pathlib import Path

from toyama_lab._atomic import write_atomic
from toyama_lab.game.board import city_svg
from toyama_lab.game.rules import Card, Rules

__all__ = ["LANGS", "TEXT", "render_html", "write_print"]

LANGS = ("ja", "en")

#: Headings and labels, by language.
TEXT = {
    "ja": {
        "meters": {"economy": "経済", "society": "社会", "environment": "環境",
                   "population": "人口"},
        "resources": {"money": "お金", "time": "時間", "connections": "人脈", "data": "データ"},
        "kinds": {"project": "プロジェクト", "data": "データ", "event": "できごと",
                  "goal": "個人目標", "hazard": "災害"},
        "booklet": "ルールブック", "board": "ボード", "roles": "役割シート",
        "cards": "プロジェクトカード・データカード", "events": "できごとカード",
        "goals": "個人目標カード", "facilitator": "ファシリテーターシート",
        "cost": "コスト", "effect": "効果", "needs": "実行できる役割", "anyone": "だれでも",
        "requires": "条件", "requires_cards": "先に必要なカード", "income": "毎ラウンドの収入",
        "start": "はじめの持ち物", "goal": "個人目標", "source": "出典", "workbook": "ワークブック",
        "copies": "枚", "shield": "以後、災害の被害 -{n}", "reveals": "以後、次のできごとが見える",
        "round": "ラウンド", "half": "ハーフタイム", "targets": "2038 年の目標",
        "track": "メーター", "with": "と", "seat": "席",
    },
    "en": {
        "meters": {"economy": "Economy", "society": "Society", "environment": "Environment",
                   "population": "Population"},
        "resources": {"money": "Money", "time": "Time", "connections": "Connections",
                      "data": "Data"},
        "kinds": {"project": "Project", "data": "Data", "event": "Event", "goal": "Personal goal",
                  "hazard": "Hazard"},
        "booklet": "Rules booklet", "board": "Board", "roles": "Role sheets",
        "cards": "Project and data cards", "events": "Event cards", "goals": "Personal goal cards",
        "facilitator": "Facilitator sheet", "cost": "Cost", "effect": "Effect",
        "needs": "Played by", "anyone": "anyone", "requires": "Needs",
        "requires_cards": "Needs card first", "income": "Income each round",
        "start": "You start with", "goal": "Personal goal", "source": "Source",
        "workbook": "Workbook", "copies": "copies", "shield": "From now on hazards harm {n} less",
        "reveals": "From now on the next event is seen in advance", "round": "Round",
        "half": "Half-time", "targets": "Targets for 2038", "track": "Meter", "with": " with ",
        "seat": "seat",
    },
}  # fmt: skip

#: Card size [mm]: the common trading-card size (63 x 88 mm, as in most card games).
CARD_W, CARD_H = 63.0, 88.0
#: Cards per sheet: columns x rows on one A4 page (3 x 63 = 189 mm of 210, 3 x 88 = 264 of 297).
COLS, ROWS = 3, 3
#: Cut marks: length, and gap between the card grid and a mark [mm].
MARK_LEN, MARK_GAP = 5.0, 1.5
_MARGIN_X = (210.0 - COLS * CARD_W) / 2  # A4 is 210 x 297 mm (ISO 216)
_MARGIN_Y = (297.0 - ROWS * CARD_H) / 2

CSS = f"""
@page {{ size: A4; margin: 14mm 12mm;
        @bottom-center {{ content: counter(page); font-size: 7pt; color: #777; }} }}
@page cards {{ margin: {_MARGIN_Y}mm {_MARGIN_X}mm;
        @top-center {{ content: string(sheet); font-size: 8pt; color: #555;
                       vertical-align: top; padding-top: 4mm; }}
        @bottom-center {{ content: none; }} }}
html, body {{ margin: 0; padding: 0; }}
html {{ font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; font-size: 9.5pt;
        color: #222; }}
h1 {{ font-size: 18pt; margin: 0 0 4mm; }} h2 {{ font-size: 13pt; margin: 4mm 0 2mm; }}
section {{ break-before: page; }} section:first-of-type {{ break-before: auto; }}
.sheet {{ page: cards; break-before: page; break-inside: avoid; position: relative;
          width: {COLS * CARD_W}mm; height: {ROWS * CARD_H}mm;
          string-set: sheet attr(data-title); }}
.cell {{ position: absolute; width: {CARD_W}mm; height: {CARD_H}mm; break-inside: avoid; }}
.card {{ position: absolute; top: 0; left: 0; width: {CARD_W}mm; height: {CARD_H}mm;
         border: 0.3pt solid #bbb; border-radius: 2mm; padding: 3mm; box-sizing: border-box;
         overflow: hidden; }}
.card h3 {{ font-size: 10.5pt; margin: 0 0 1.5mm; }} .card p {{ margin: 0 0 1.5mm; }}
.tag {{ font-size: 7.5pt; color: #fff; background: #555; border-radius: 1mm;
        padding: 0.3mm 1.5mm; }}
.area-urban_form .tag {{ background: #2f6f9f; }} .area-citizen_life .tag {{ background: #c0563b; }}
.area-energy .tag {{ background: #4f8f3a; }} .area-industry .tag {{ background: #8a5a9e; }}
.area-city_region .tag {{ background: #b8860b; }} .event .tag {{ background: #333; }}
.small {{ font-size: 7pt; color: #555; }} .num {{ font-weight: bold; }}
.mark {{ position: absolute; border-color: #000; border-style: solid; border-width: 0; }}
.mh {{ width: {MARK_LEN}mm; height: 0; border-top-width: 0.25pt; }}
.mv {{ width: 0; height: {MARK_LEN}mm; border-left-width: 0.25pt; }}
.board {{ border: 0.6pt solid #333; padding: 3mm; }}
.areas {{ display: flex; gap: 2mm; margin-top: 2mm; }}
.areas div {{ flex: 1; height: 30mm; border: 0.6pt dashed #666; padding: 1mm; font-weight: bold; }}
table {{ border-collapse: collapse; }} td, th {{ border: 0.4pt solid #888; padding: 0.8mm 1.5mm; }}
.role {{ border: 0.6pt solid #333; padding: 4mm; margin-bottom: 4mm; break-inside: avoid; }}
"""


def _marks(n: int) -> str:
    """Cut marks in the margin around a sheet of ``n`` cards, on every cut line.

    Cards abut (no gutter), so neighbours share a cut line; one mark at each end of each
    line serves every card corner on it, and a guillotine cut from mark to mark frees them all.
    """
    cols, rows = min(n, COLS), -(-n // COLS)
    off = MARK_GAP + MARK_LEN
    out = []
    for i in range(cols + 1):  # vertical cut lines: marks above and below the grid
        x = i * CARD_W
        out.append(f'<span class="mark mv" style="left:{x}mm;top:-{off}mm"></span>')
        out.append(f'<span class="mark mv" style="left:{x}mm;top:{rows * CARD_H + MARK_GAP}mm">'
                   "</span>")  # fmt: skip
    for j in range(rows + 1):  # horizontal cut lines: marks left and right of the grid
        y = j * CARD_H
        out.append(f'<span class="mark mh" style="top:{y}mm;left:-{off}mm"></span>')
        out.append(f'<span class="mark mh" style="top:{y}mm;left:{cols * CARD_W + MARK_GAP}mm">'
                   "</span>")  # fmt: skip
    return "".join(out)


def _e(s) -> str:
    return html.escape(str(s))


def _name(x, lang):
    return x.name_ja if lang == "ja" else x.name_en


def _text(x, lang):
    return x.text_ja if lang == "ja" else x.text_en


def _amounts(d: dict, names: dict) -> str:
    sep = "、" if names is TEXT["ja"]["resources"] else ", "
    return sep.join(f"{names[k]} {v}" for k, v in d.items() if v) or "—"


def _effects(d: dict, names: dict) -> str:
    return ", ".join(f"{names[k]} {v:+d}" for k, v in d.items() if v) or "—"


def _sheet(cells: list[str], title: str) -> str:
    """Cards 3 x 3 on a page of their own (named page ``cards``), cut marks around the grid."""
    per = COLS * ROWS
    n_sheets = -(-len(cells) // per)
    pages = []
    for s in range(n_sheets):
        chunk = cells[s * per : (s + 1) * per]
        body = "".join(
            f'<div class="cell" style="left:{(k % COLS) * CARD_W}mm;top:{(k // COLS) * CARD_H}mm">'
            f"{c}</div>"
            for k, c in enumerate(chunk)
        )
        head = _e(f"{title} {s + 1}/{n_sheets}")
        pages.append(f'<div class="sheet" data-title="{head}">{body}{_marks(len(chunk))}</div>')
    return "".join(pages)


def _card(c: Card, rules: Rules, lang: str) -> str:
    t = TEXT[lang]
    area = next(a for a in rules.areas if a.id == c.area)
    roles = t["with"].join(_name(rules.role(r), lang) for r in c.roles) if c.roles else t["anyone"]
    lines = [
        f'<span class="tag">{_e(t["kinds"][c.kind])} · {_e(_name(area, lang))}</span>',
        f"<h3>{_e(_name(c, lang))}</h3>",
        f"<p>{_e(_text(c, lang))}</p>",
        f"<p><b>{t['cost']}</b>: {_e(_amounts(c.cost, t['resources']))}</p>",
        f"<p><b>{t['effect']}</b>: {_e(_effects(c.effect, t['meters']))}</p>",
        f"<p><b>{t['needs']}</b>: {_e(roles)}</p>",
    ]
    if c.requires:
        req = ", ".join(f"{t['meters'][k]} ≥ {v}" for k, v in c.requires.items())
        lines.append(f"<p><b>{t['requires']}</b>: {_e(req)}</p>")
    if c.requires_cards:
        req = ", ".join(_name(rules.card(x), lang) for x in c.requires_cards)
        lines.append(f"<p><b>{t['requires_cards']}</b>: {_e(req)}</p>")
    if c.shield:
        lines.append(f"<p>{_e(t['shield'].format(n=c.shield))}</p>")
    if c.reveals_events:
        lines.append(f"<p>{_e(t['reveals'])}</p>")
    lines.append(f'<p class="small">{_e(c.id)}</p>')
    return f'<div class="card area-{c.area}">{"".join(lines)}</div>'


def _event(e, lang: str, copy: int) -> str:
    t = TEXT[lang]
    kind = t["kinds"]["hazard"] if e.hazard else t["kinds"]["event"]
    lines = [
        f'<span class="tag">{_e(kind)}</span>',
        f"<h3>{_e(_name(e, lang))}</h3>",
        f"<p>{_e(_text(e, lang))}</p>",
        f"<p><b>{t['effect']}</b>: {_e(_effects(e.effect, t['meters']))}</p>",
    ]
    data = e.data_ja if lang == "ja" else e.data_en
    if data:
        lines.append(f'<p class="num">{_e(data)}</p>')
        lines.append(
            f'<p class="small">{t["source"]}: {_e(e.data_source)}<br>'
            f"{t['workbook']}: {_e(e.workbook)}</p>"
        )
    lines.append(f'<p class="small">{_e(e.id)} ({copy}/{e.copies})</p>')
    return f'<div class="card event">{"".join(lines)}</div>'


def _goal_card(role, lang: str) -> str:
    t = TEXT[lang]
    g = role.goal
    return (
        f'<div class="card"><span class="tag">{_e(t["kinds"]["goal"])}</span>'
        f"<h3>{_e(_name(role, lang))}</h3><p>{_e(g.text_ja if lang == 'ja' else g.text_en)}</p>"
        f'<p class="small">{_e(role.id)}</p></div>'
    )


def _booklet(rules: Rules, lang: str) -> str:
    t = TEXT[lang]
    m = t["meters"]
    start = _effects(rules.meter_start, m).replace("+", "")
    targets = ", ".join(f"{m[k]} ≥ {v}" for k, v in rules.targets.items())
    drift = _effects({k: v for k, v in rules.drift.items() if v}, m)
    hold = ", ".join(f"{m[k]} ≥ {v}" for k, v in rules.population_hold.items())
    last = rules.first_year + rules.rounds * rules.years_per_round - 1
    shift = ", ".join(f"{p}: {d:+d}" for p, d in sorted(rules.target_shift.items()))
    prep = _amounts(rules.prepare_cost, t["resources"])
    review = _amounts(rules.review_cost, t["resources"])
    if lang == "ja":
        steps = [
            f"<b>目的</b>: {rules.first_year} 年から {last} 年までの {rules.rounds} ラウンド"
            f" (1 ラウンド = {rules.years_per_round} 年) で、富山市を持続可能なまちにする。"
            f"最後に {targets} ならみんなの勝ち (協力ゲーム)。",
            f"<b>準備</b>: メーターを {start} に置く。各自が役割シートと個人目標カードを受け取り、"
            "はじめの持ち物をとる。プロジェクト・データカードは全部表にして並べる。",
            "<b>ラウンドのはじめ</b>: できごとカードを 1 枚引き、伏せて置く"
            " (センサーネットワークがあれば表にする)。",
            "<b>手番</b>: 席の順に 1 人 1 回。次のどれか 1 つ: (1) カードを実行する — "
            "コストを払い、効果の分だけメーターを動かす。"
            "2 つの役割が書かれたカードは、その 2 人で実行し、"
            "足りない分は相手が払う。(2) 備える — 表になった災害に "
            f"{prep} を払って備えると、被害が半分になる。(3) パス。",
            f"<b>ラウンドのおわり</b>: できごとが起きる (災害の被害は防災カードと備えでへる)。"
            f"メーターが {drift} だけ動く。{hold} でなければ人口が"
            f" {rules.population_decline} へる。全員が収入を受け取る"
            f" (各資源 {rules.resource_cap} まで)。",
            "<b>まちの破綻</b>: どれかのメーターが 0 になったら、その時点で全員の負け。",
            f"<b>ハーフタイム</b>: {rules.rounds_per_half} ラウンド後にメーターをふり返る (5 分)。"
            f"中間見直し: {rules.review_below} より低いメーターはどれも +{rules.review_boost}"
            f" (市が予算と人をそこへ回す)。そのメーター 1 つごとに、全員が {review} を払う"
            " (持っている分だけ)。",
            f"<b>人数</b>: {rules.min_players}–{rules.max_players} 人。"
            f"人数による目標の調整: {shift}。",
            "<b>競争ルール (ふり返り用)</b>: 勝ち負けを「自分の個人目標を達成した人の勝ち」"
            "に変える。ほかのルールは同じ。",
        ]
    else:
        steps = [
            f"<b>Goal</b>: {rules.rounds} rounds from {rules.first_year} to {last} (one round ="
            f" {rules.years_per_round} years) to make Toyama sustainable. At the end, if {targets},"
            " everybody wins (a cooperative game).",
            f"<b>Set-up</b>: put the meters at {start}. Each player takes a role sheet and a"
            " personal goal card and the resources to start with. Lay out every project and"
            " data card face up.",
            "<b>Start of a round</b>: draw one event card face down (face up once the sensor"
            " network is built).",
            "<b>Turns</b>: in seat order, one turn each: (1) play a card — pay its cost and move"
            " the meters by its effect; a card naming two roles is played by those two players, and"
            f" the partner pays what the player cannot; (2) prepare — pay {prep} for a revealed"
            " hazard to halve its harm; or (3) pass.",
            f"<b>End of a round</b>: the event strikes (hazards harm less with shields and"
            f" preparing); the meters drift by {drift}; population falls by"
            f" {rules.population_decline} unless {hold}; everyone receives their income (up to"
            f" {rules.resource_cap} of each resource).",
            "<b>Collapse</b>: when any meter reaches 0, everybody loses at once.",
            f"<b>Half-time</b>: after {rules.rounds_per_half} rounds, review the meters (5 min)."
            f" Mid-term refocus: every meter below {rules.review_below} gains"
            f" {rules.review_boost} (the city moves budget and staff to it), and for each such"
            f" meter every player pays {review} (as much as they hold).",
            f"<b>Players</b>: {rules.min_players}-{rules.max_players}. Targets move with the"
            f" number of players: {shift}.",
            "<b>Competitive variant (for the debrief)</b>: a player wins by meeting their own"
            " personal goal. Nothing else changes.",
        ]
    items = "".join(f"<li>{s}</li>" for s in steps)
    return f'<section><h1>{_e(rules.title_ja if lang == "ja" else rules.title_en)}</h1>' \
           f'<h2>{t["booklet"]}</h2><ol>{items}</ol></section>'  # fmt: skip


def _board(rules: Rules, lang: str) -> str:
    t = TEXT[lang]
    areas = "".join(f"<div>{_e(_name(a, lang))}</div>" for a in rules.areas)
    rows = "".join(
        f"<tr><th>{_e(t['meters'][k])}</th>"
        + "".join(f"<td>{v}</td>" for v in range(rules.meter_min, rules.meter_max + 1))
        + "</tr>"
        for k in rules.meters
    )
    years = "".join(
        f"<td>{rules.first_year + i * rules.years_per_round}"
        + (f" | {t['half']}" if i == rules.rounds_per_half - 1 else "")
        + "</td>"
        for i in range(rules.rounds)
    )
    return (
        f'<section><h2>{t["board"]}</h2><div class="board">'
        f"{city_svg(width=180, height=120, lang=lang)}"
        f'<div class="areas">{areas}</div>'
        f'<table style="margin-top:2mm"><tr><th>{t["track"]}</th>'
        + "".join("<th></th>" for _ in range(rules.meter_min, rules.meter_max + 1))
        + f"</tr>{rows}</table>"
        f'<table style="margin-top:2mm"><tr><th>{t["round"]}</th>{years}</tr></table>'
        "</div></section>"
    )


def _roles(rules: Rules, lang: str) -> str:
    t = TEXT[lang]
    out = []
    for r in rules.roles:
        g = r.goal
        out.append(
            f'<div class="role"><h2>{_e(_name(r, lang))} ({_e(r.sector)})</h2>'
            f"<p>{_e(_text(r, lang))}</p>"
            f"<p><b>{t['income']}</b>: {_e(_amounts(r.income, t['resources']))}</p>"
            f"<p><b>{t['start']}</b>: {_e(_amounts(r.start, t['resources']))}</p>"
            f"<p><b>{t['goal']}</b>: {_e(g.text_ja if lang == 'ja' else g.text_en)}</p></div>"
        )
    return f"<section><h2>{t['roles']}</h2>{''.join(out)}</section>"


def _facilitator(rules: Rules, lang: str) -> str:
    t = TEXT[lang]
    if lang == "ja":
        plan = [
            ("0:00", "あいさつ・ねらい (知る)", "5"),
            ("0:05", "ルール説明", "10"),
            ("0:15", "前半 3 ラウンド", "30"),
            ("0:45", "ハーフタイムのふり返り", "5"),
            ("0:50", "後半 3 ラウンド", "25"),
            ("1:15", "ふり返り (理解する・実践する)", "15"),
        ]
        qs = [
            "知る: 人口やメーターが動いたのは、どのカードとできごとのときでしたか。",
            "理解する: ひとりでは実行できないカードを、どうやって実行しましたか。",
            "理解する: センサーネットワークがあると、何が変わりましたか。",
            "実践する: あなたの職場や学校で、明日からできる「2 つの役割のカード」は何ですか。",
        ]
    else:
        plan = [
            ("0:00", "Welcome and aims (know)", "5"),
            ("0:05", "Rules", "10"),
            ("0:15", "First half, 3 rounds", "30"),
            ("0:45", "Half-time review", "5"),
            ("0:50", "Second half, 3 rounds", "25"),
            ("1:15", "Debrief (understand, practise)", "15"),
        ]
        qs = [
            "Know: which cards and events moved population and the meters?",
            "Understand: how did you play the cards nobody could play alone?",
            "Understand: what changed once the sensor network was built?",
            "Practise: which two-role card could you start tomorrow at work or school?",
        ]
    rows = "".join(f"<tr><td>{a}</td><td>{_e(b)}</td><td>{c}</td></tr>" for a, b, c in plan)
    rec = "".join(
        f"<tr><th>{_e(t['meters'][k])}</th>" + "<td></td>" * rules.rounds + "</tr>"
        for k in rules.meters
    )
    head = "".join(f"<th>{i + 1}</th>" for i in range(rules.rounds))
    q = "".join(f"<li>{_e(x)}</li>" for x in qs)
    return (
        f"<section><h2>{t['facilitator']}</h2><table>{rows}</table>"
        f"<h2>{t['track']}</h2><table><tr><th></th>{head}</tr>{rec}</table><ol>{q}</ol></section>"
    )


def render_html(rules: Rules, lang: str = "ja") -> str:
    """The whole print-and-play set as one HTML document.

    Parameters
    ----------
    rules : Rules
        Usually :func:`toyama_lab.game.default_rules` (measured event cards).
    lang : {"ja", "en"}
        Language of every text.

    Raises
    ------
    ValueError
        For an unknown ``lang``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}.")
    t = TEXT[lang]
    cards = [_card(c, rules, lang) for c in rules.cards]
    events = [_event(e, lang, i + 1) for e in rules.events for i in range(e.copies)]
    goals = [_goal_card(r, lang) for r in rules.roles]
    title = rules.title_ja if lang == "ja" else rules.title_en
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"{_booklet(rules, lang)}{_board(rules, lang)}{_roles(rules, lang)}"
        f"{_sheet(cards, t['cards'])}{_sheet(events, t['events'])}{_sheet(goals, t['goals'])}"
        f"{_facilitator(rules, lang)}</body></html>"
    )


def write_print(out: str | Path, rules: Rules, lang: str = "ja") -> dict[str, Path]:
    """Write ``game-<lang>.html`` and ``game-<lang>.pdf`` (A4) into ``out`` (created).

    Returns
    -------
    dict
        ``{"html": path, "pdf": path}``.

    Warns
    -----
    toyama_lab._fonts.FontWarning
        Printing Japanese when fontconfig offers no Japanese font (its text would be missing).

    Raises
    ------
    toyama_lab._fonts.NoFontError
        When fontconfig offers no font at all (nothing is written).
    """
    import weasyprint  # heavy (Pango); only needed when printing

    from toyama_lab._fonts import check_fonts

    check_fonts(lang, f"game-{lang}.pdf")  # before anything is written
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    text = render_html(rules, lang)
    paths = {"html": out / f"game-{lang}.html", "pdf": out / f"game-{lang}.pdf"}
    write_atomic(paths["html"], lambda p: p.write_text(text, encoding="utf-8"), mode=0o644)
    doc = weasyprint.HTML(string=text, base_url=str(out))
    write_atomic(paths["pdf"], lambda p: doc.write_pdf(p), mode=0o644)
    return paths
