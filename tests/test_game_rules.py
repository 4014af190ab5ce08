"""Rules file: the shipped rules load; every bad field is named by its path."""

from __future__ import annotations

import copy
import tomllib

import pytest

from toyama_lab.game import odds
from toyama_lab.game.rules import DEFAULT_RULES, RulesError, load_rules, validate_rules


@pytest.fixture(scope="module")
def doc():
    return tomllib.loads(DEFAULT_RULES.read_text(encoding="utf-8"))


def test_shipped_rules_load():
    r = load_rules(measured=False)
    assert r.version == 1 and r.rounds == 6
    assert {a.id for a in r.areas} == {
        "urban_form", "citizen_life", "energy", "industry", "city_region"
    }  # fmt: skip
    assert len(r.roles) == 6 and {x.sector for x in r.roles} == {"産", "学", "官", "民"}
    assert sum(c.kind == "data" for c in r.cards) == 3
    assert any(len(c.roles) == 2 for c in r.cards), "some projects need two roles"
    assert r.variant("competitive").victory_mode == "personal"
    assert r.targets_for(5)["economy"] == r.targets["economy"] + 2


def _set(d, path, value):
    keys = path.replace("]", "").replace("[", ".").split(".")
    for k in keys[:-1]:
        d = d[int(k)] if k.isdigit() else d[k]
    last = keys[-1]
    if value is _DELETE:
        del d[last]
    else:
        d[int(last) if last.isdigit() else last] = value


_DELETE = object()

BAD = [
    ("version", 99, "version"),
    ("title_ja", _DELETE, "title_ja"),
    ("turns.halves", "two", "turns.halves"),
    ("players.seat_order[2]", "mayor", "players.seat_order[2]"),
    ("players.target_shift.x", 1, "players.target_shift.x"),
    ("meters.start.economy", 42, "meters.start.economy"),
    ("meters.drift.happiness", 1, "meters.drift.happiness"),
    ("victory.mode", "everyone", "victory.mode"),
    ("prepare.harm_factor", 2.0, "prepare.harm_factor"),
    ("half_time.below", 99, "half_time.below"),
    ("half_time.cost.gold", 1, "half_time.cost.gold"),
    ("half_time.boost", _DELETE, "half_time.boost"),
    ("variants.competitive.turn_limit", 3, "variants.competitive.turn_limit"),
    ("roles[1].goal.kind", "fame", "roles[1].goal.kind"),
    ("roles[0].income.money", -1, "roles[0].income.money"),
    ("roles[2].sector", "X", "roles[2].sector"),
    ("cards[3].cost.money", -1, "cards[3].cost.money"),
    ("cards[2].effect.happiness", 1, "cards[2].effect.happiness"),
    ("cards[0].roles", ["city_hall", "ghost"], "cards[0].roles[1]"),
    ("cards[4].area", "space", "cards[4].area"),
    ("cards[5].requires_cards", ["nope"], "cards[5].requires_cards[0]"),
    ("cards[6].cost", {}, "cards[6].cost"),
    ("cards[7].id", "tram_extension", "cards[7].id"),
    ("cards[8].shield", True, "cards[8].shield"),
    ("events[0].source", "synth:nope", "events[0].source"),
    ("events[1].copies", -2, "events[1].copies"),
    ("events[2].hazard", "yes", "events[2].hazard"),
]


@pytest.mark.parametrize(("path", "value", "named"), BAD, ids=[b[0] for b in BAD])
def test_each_bad_field_is_named(doc, path, value, named):
    d = copy.deepcopy(doc)
    _set(d, path, value)
    with pytest.raises(RulesError) as info:
        validate_rules(d, "test.toml", measured=False)
    paths = [p for p, _ in info.value.problems]
    assert named in paths, paths
    assert f"- {named}:" in str(info.value) and "test.toml" in str(info.value)


def test_all_problems_are_collected(doc):
    d = copy.deepcopy(doc)
    _set(d, "cards[0].cost.money", -5)
    _set(d, "roles[3].income.data", "lots")
    with pytest.raises(RulesError) as info:
        validate_rules(d, measured=False)
    assert {"cards[0].cost.money", "roles[3].income.data"} <= {p for p, _ in info.value.problems}


def test_cross_field_checks(doc):
    d = copy.deepcopy(doc)
    d["turns"]["turn_limit"] = 5
    for e in d["events"]:
        e["copies"] = 0
    with pytest.raises(RulesError) as info:
        validate_rules(d, measured=False)
    assert {"turns.turn_limit", "events"} <= {p for p, _ in info.value.problems}


def test_not_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("version = = 1", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(bad)


def test_with_values_and_variant_errors():
    r = load_rules(measured=False)
    assert r.with_values(drift={"economy": 0}).drift["society"] == r.drift["society"]
    with pytest.raises(RulesError, match="turn_limit"):
        r.with_values(turn_limit=2)
    with pytest.raises(ValueError, match="unknown variant"):
        r.variant("chaos")
    with pytest.raises(ValueError, match="players must be an integer 3-6"):
        r.seats(7)


def test_measured_event_cards():
    r = load_rules()
    stats = odds.event_stats()
    rain = next(e for e in r.events if e.id == "heavy_rain")
    river = stats["river_evac"]
    assert rain.copies == round(10 * river["years_reached"] / river["years"])
    assert f"{river['years_reached']} 年" in rain.data_ja and "避難判断水位" in rain.data_ja
    assert rain.data_source == "toyama_lab.synth.hazards.river"
    assert rain.workbook.endswith("01-rain-and-river.ipynb")
    for e in r.events:
        assert bool(e.source) == bool(e.data_ja) == bool(e.workbook)


def test_odds_measures_small_windows():
    river = odds.river_evac(0, 2016, 1)
    assert river["years"] == 1 and 0 <= river["years_reached"] <= 1
    assert len(river["gauges"]) == 3
    heat = odds.heat_days(0, 2016, 2)
    assert len(heat["per_year"]) == 2 and all(0 < d < 120 for d in heat["per_year"])
    fest = odds.festival_lift(2016, 1)
    assert fest["days_per_year"] > 0 and fest["max_lift"] > 1
    quake = odds.earthquake_outage(0)
    assert 0 < quake["gateways_down"] <= quake["gateways"]
    with pytest.raises(ValueError, match="n_years must be an integer 1-30"):
        odds.event_stats(0, 0)
