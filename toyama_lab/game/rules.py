"""The game's rules as versioned data: load a TOML file, validate every field, fill in the data.

The rules live in ``toyama_lab/game/rules/v<N>.toml`` (read with the standard library's
:mod:`tomllib`). :func:`load_rules` checks every field and collects *all* problems before
it raises one :class:`RulesError` whose message names each bad field by its path
(``cards[3].cost.money``), says what it got and what is expected. Event cards whose
``source`` is ``synth:<measure>`` then get their deck copies, sizes and the printed number
from the synthetic city (:mod:`toyama_lab.game.odds`).

Examples
--------
>>> rules = load_rules(measured=False)
>>> rules.version, len(rules.roles), rules.meters
(1, 6, ('economy', 'society', 'environment', 'population'))
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from toyama_lab.game.odds import MEASURES, event_stats, measure_event

__all__ = [
    "DEFAULT_RULES",
    "Area",
    "Card",
    "Event",
    "Goal",
    "Role",
    "Rules",
    "RulesError",
    "load_rules",
    "validate_rules",
]

#: The rules file shipped with the package (the current version).
DEFAULT_RULES = Path(__file__).parent / "rules" / "v1.toml"
#: Rules versions this code understands.
SUPPORTED_VERSIONS = (1,)
#: The promotion areas of the Smart City Promotion Vision (富山市スマートシティ推進ビジョン, 2022).
AREA_IDS = ("urban_form", "citizen_life", "energy", "industry", "city_region")
GOAL_KINDS = ("meter", "data_cards", "area")
CARD_KINDS = ("project", "data")
VICTORY_MODES = ("city", "personal")


class RulesError(ValueError):
    """A rules file has bad fields; ``problems`` lists ``(path, message)`` for each."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "rules"):
        self.problems = problems
        lines = "\n".join(f"  - {p}: {m}" for p, m in problems)
        super().__init__(
            f"{source}: {len(problems)} bad field(s):\n{lines}\n"
            "Fix these fields in the rules file (see toyama_lab/game/rules/v1.toml for a "
            "complete, valid example)."
        )


@dataclass(frozen=True)
class Goal:
    """A personal goal card: ``meter`` (a meter at least N at the end), ``data_cards``
    (N data cards played) or ``area`` (N cards of one promotion area played)."""

    kind: str
    at_least: int
    text_ja: str
    text_en: str
    meter: str | None = None
    area: str | None = None


@dataclass(frozen=True)
class Role:
    """A seat at the table: a partner of 産学官民 with its income and goal."""

    id: str
    sector: str
    name_ja: str
    name_en: str
    text_ja: str
    text_en: str
    income: dict[str, int]
    start: dict[str, int]
    goal: Goal


@dataclass(frozen=True)
class Area:
    """A promotion area (推進分野)."""

    id: str
    name_ja: str
    name_en: str


@dataclass(frozen=True)
class Card:
    """A project or data card (played once per game)."""

    id: str
    kind: str
    area: str
    name_ja: str
    name_en: str
    text_ja: str
    text_en: str
    cost: dict[str, int]
    effect: dict[str, int]
    roles: tuple[str, ...] = ()
    requires: dict[str, int] = field(default_factory=dict)
    requires_cards: tuple[str, ...] = ()
    shield: int = 0
    reveals_events: bool = False


@dataclass(frozen=True)
class Event:
    """An event card; ``copies`` of it are in the event deck."""

    id: str
    hazard: bool
    name_ja: str
    name_en: str
    text_ja: str
    text_en: str
    copies: int
    effect: dict[str, int]
    source: str | None = None
    data_ja: str = ""
    data_en: str = ""
    data_source: str = ""
    workbook: str = ""


@dataclass(frozen=True, eq=False)
class Rules:
    """The whole rule set (see ``rules/v1.toml`` for the meaning of each field)."""

    version: int
    title_ja: str
    title_en: str
    years_per_round: int
    first_year: int
    halves: int
    rounds_per_half: int
    turn_limit: int
    min_players: int
    max_players: int
    seat_order: tuple[str, ...]
    target_shift: dict[int, int]
    meters: tuple[str, ...]
    meter_min: int
    meter_max: int
    meter_start: dict[str, int]
    drift: dict[str, int]
    population_decline: int
    population_hold: dict[str, int]
    victory_mode: str
    targets: dict[str, int]
    variants: dict[str, dict[str, Any]]
    resources: tuple[str, ...]
    resource_cap: int
    prepare_cost: dict[str, int]
    harm_factor: float
    review_below: int
    review_boost: int
    review_cost: dict[str, int]
    roles: tuple[Role, ...]
    areas: tuple[Area, ...]
    cards: tuple[Card, ...]
    events: tuple[Event, ...]
    source: str = ""

    @property
    def rounds(self) -> int:
        """Rounds in a game (halves x rounds per half)."""
        return self.halves * self.rounds_per_half

    def role(self, role_id: str) -> Role:
        """The role with this id."""
        return next(r for r in self.roles if r.id == role_id)

    def card(self, card_id: str) -> Card:
        """The card with this id."""
        return next(c for c in self.cards if c.id == card_id)

    def seats(self, players: int) -> tuple[str, ...]:
        """Role ids at a table of ``players`` (the first of ``seat_order``).

        Raises
        ------
        ValueError
            If ``players`` is outside ``min_players..max_players``.
        """
        if not isinstance(players, int) or not self.min_players <= players <= self.max_players:
            raise ValueError(
                f"players must be an integer {self.min_players}-{self.max_players} "
                f"(the roles of 産学官民 in the rules), got {players!r}."
            )
        return self.seat_order[:players]

    def targets_for(self, players: int) -> dict[str, int]:
        """The city's targets at a table of ``players`` (``targets`` plus ``target_shift``)."""
        d = self.target_shift.get(players, 0)
        return {k: min(self.meter_max, max(self.meter_min, v + d)) for k, v in self.targets.items()}

    def variant(self, name: str) -> Rules:
        """The rules with a named variant applied (e.g. ``"competitive"``).

        Raises
        ------
        ValueError
            For an unknown variant name.
        """
        if name not in self.variants:
            raise ValueError(f"unknown variant {name!r}; the rules define {sorted(self.variants)}.")
        return replace(self, **self.variants[name])

    def with_values(self, **values) -> Rules:
        """A copy with some top-level values changed and validated again (for sweeps).

        Dict values are merged into the existing dict, e.g.
        ``rules.with_values(drift={"economy": 0})``.
        """
        changed = {}
        for k, v in values.items():
            old = getattr(self, k)
            changed[k] = {**old, **v} if isinstance(old, dict) and isinstance(v, dict) else v
        new = replace(self, **changed)
        _check_consistency(new)
        return new


# ---------------------------------------------------------------- validation


class _Checker:
    """Collects problems while reading a parsed TOML document."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def bad(self, path: str, msg: str) -> None:
        self.problems.append((path, msg))

    def get(self, d: Any, key: str, path: str, kind, *, optional=False, default=None, **limits):
        full = f"{path}.{key}" if path else key
        if not isinstance(d, dict):
            return default
        if key not in d:
            if not optional:
                self.bad(full, f"missing; expected {_kind_name(kind)}")
            return default
        return self.value(d[key], full, kind, **limits)

    def value(self, v: Any, path: str, kind, *, lo=None, hi=None, choices=None, keys=None):
        ok = {
            "int": isinstance(v, int) and not isinstance(v, bool),
            "float": isinstance(v, int | float) and not isinstance(v, bool),
            "str": isinstance(v, str) and v.strip() != "",
            "text": isinstance(v, str),
            "bool": isinstance(v, bool),
            "list": isinstance(v, list),
            "table": isinstance(v, dict),
            "ints": isinstance(v, dict),
        }[kind]
        if not ok:
            self.bad(path, f"expected {_kind_name(kind)}, got {v!r} ({type(v).__name__})")
            return None
        if kind in ("int", "float"):
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                self.bad(path, f"expected a number in [{lo}, {hi}], got {v!r}")
                return None
        if choices is not None and kind == "str" and v not in choices:
            self.bad(path, f"expected one of {list(choices)}, got {v!r}")
            return None
        if kind == "ints":
            out = {}
            for k, x in v.items():
                if keys is not None and k not in keys:
                    self.bad(f"{path}.{k}", f"unknown name {k!r}; expected one of {list(keys)}")
                    continue
                if isinstance(x, bool) or not isinstance(x, int):
                    self.bad(f"{path}.{k}", f"expected an integer, got {x!r}")
                    continue
                if (lo is not None and x < lo) or (hi is not None and x > hi):
                    self.bad(f"{path}.{k}", f"expected an integer in [{lo}, {hi}], got {x!r}")
                    continue
                out[k] = x
            return out
        return v


def _kind_name(kind: str) -> str:
    return {
        "int": "an integer",
        "float": "a number",
        "str": "a non-empty string",
        "text": "a string",
        "bool": "true or false",
        "list": "a list",
        "table": "a table",
        "ints": "a table of integers",
    }[kind]


def _ids(ck: _Checker, items: list, path: str) -> list[str]:
    seen: list[str] = []
    for i, it in enumerate(items):
        rid = ck.get(it, "id", f"{path}[{i}]", "str")
        if rid is not None:
            if rid in seen:
                ck.bad(f"{path}[{i}].id", f"duplicate id {rid!r}; ids must be unique")
            seen.append(rid)
    return seen


def _texts(ck: _Checker, d: dict, path: str, names=("name_ja", "name_en", "text_ja", "text_en")):
    return {n: ck.get(d, n, path, "str") for n in names}


def _read(doc: dict, ck: _Checker) -> dict:
    out: dict[str, Any] = {}
    version = ck.get(doc, "version", "", "int")
    if version is not None and version not in SUPPORTED_VERSIONS:
        ck.bad(
            "version", f"rules version {version} is not supported; expected {SUPPORTED_VERSIONS}"
        )
    out["version"] = version
    out["title_ja"] = ck.get(doc, "title_ja", "", "str")
    out["title_en"] = ck.get(doc, "title_en", "", "str")
    out["years_per_round"] = ck.get(doc, "years_per_round", "", "int", lo=1, hi=10)
    out["first_year"] = ck.get(doc, "first_year", "", "int", lo=2000, hi=2100)
    turns = ck.get(doc, "turns", "", "table", default={})
    out["halves"] = ck.get(turns, "halves", "turns", "int", lo=1, hi=4)
    out["rounds_per_half"] = ck.get(turns, "rounds_per_half", "turns", "int", lo=1, hi=10)
    out["turn_limit"] = ck.get(turns, "turn_limit", "turns", "int", lo=1, hi=1000)
    players = ck.get(doc, "players", "", "table", default={})
    out["min_players"] = ck.get(players, "min", "players", "int", lo=1, hi=12)
    out["max_players"] = ck.get(players, "max", "players", "int", lo=1, hi=12)
    seat_order = ck.get(players, "seat_order", "players", "list", default=[])
    shift = ck.get(players, "target_shift", "players", "table", optional=True, default={}) or {}
    out["target_shift"] = {}
    for k, v in shift.items():
        if not k.isdigit():
            ck.bad(f"players.target_shift.{k}", 'expected a player count such as "4"')
        elif isinstance(v, bool) or not isinstance(v, int) or not -10 <= v <= 10:
            ck.bad(f"players.target_shift.{k}", f"expected an integer in [-10, 10], got {v!r}")
        else:
            out["target_shift"][int(k)] = v
    meters = ck.get(doc, "meters", "", "table", default={})
    names = ck.get(meters, "names", "meters", "list", default=[])
    out["meters"] = tuple(names)
    m = out["meters"]
    out["meter_min"] = ck.get(meters, "min", "meters", "int", lo=0, hi=100)
    out["meter_max"] = ck.get(meters, "max", "meters", "int", lo=1, hi=100)
    lo, hi = out["meter_min"], out["meter_max"]
    out["meter_start"] = ck.get(meters, "start", "meters", "ints", keys=m, lo=lo, hi=hi)
    out["drift"] = ck.get(meters, "drift", "meters", "ints", keys=m, lo=-10, hi=10)
    out["population_decline"] = ck.get(meters, "population_decline", "meters", "int", lo=0, hi=10)
    out["population_hold"] = ck.get(
        meters, "population_hold", "meters", "ints", keys=m, lo=lo, hi=hi
    )
    victory = ck.get(doc, "victory", "", "table", default={})
    out["victory_mode"] = ck.get(victory, "mode", "victory", "str", choices=VICTORY_MODES)
    out["targets"] = ck.get(victory, "targets", "victory", "ints", keys=m, lo=lo, hi=hi)
    variants = ck.get(doc, "variants", "", "table", optional=True, default={}) or {}
    out["variants"] = {}
    for name, v in variants.items():
        vmode = ck.get(v, "victory_mode", f"variants.{name}", "str", choices=VICTORY_MODES)
        extra = set(v) - {"victory_mode"} if isinstance(v, dict) else set()
        for k in sorted(extra):
            ck.bad(f"variants.{name}.{k}", "a variant may change only victory_mode")
        out["variants"][name] = {"victory_mode": vmode}
    resources = ck.get(doc, "resources", "", "table", default={})
    res = tuple(ck.get(resources, "names", "resources", "list", default=[]))
    out["resources"] = res
    out["resource_cap"] = ck.get(resources, "cap", "resources", "int", lo=1, hi=100)
    prepare = ck.get(doc, "prepare", "", "table", default={})
    out["prepare_cost"] = ck.get(prepare, "cost", "prepare", "ints", keys=res, lo=0, hi=20)
    out["harm_factor"] = ck.get(prepare, "harm_factor", "prepare", "float", lo=0.0, hi=1.0)
    review = ck.get(doc, "half_time", "", "table", default={})
    out["review_below"] = ck.get(review, "below", "half_time", "int", lo=lo, hi=hi)
    out["review_boost"] = ck.get(review, "boost", "half_time", "int", lo=0, hi=hi)
    out["review_cost"] = ck.get(review, "cost", "half_time", "ints", keys=res, lo=0, hi=20)

    areas = ck.get(doc, "areas", "", "list", default=[])
    area_ids = _ids(ck, areas, "areas")
    out["areas"] = tuple(
        Area(a.get("id"), *_texts(ck, a, f"areas[{i}]", ("name_ja", "name_en")).values())
        for i, a in enumerate(areas)
        if isinstance(a, dict)
    )
    if area_ids and sorted(area_ids) != sorted(AREA_IDS):
        ck.bad("areas", f"expected the five promotion areas {list(AREA_IDS)}, got {area_ids}")

    roles = ck.get(doc, "roles", "", "list", default=[])
    role_ids = _ids(ck, roles, "roles")
    out["roles"] = []
    for i, r in enumerate(roles):
        p = f"roles[{i}]"
        if not isinstance(r, dict):
            ck.bad(p, f"expected a table, got {r!r}")
            continue
        t = _texts(ck, r, p)
        goal = ck.get(r, "goal", p, "table", default={})
        gkind = ck.get(goal, "kind", f"{p}.goal", "str", choices=GOAL_KINDS)
        g = Goal(
            kind=gkind,
            at_least=ck.get(goal, "at_least", f"{p}.goal", "int", lo=0, hi=100),
            text_ja=ck.get(goal, "text_ja", f"{p}.goal", "str"),
            text_en=ck.get(goal, "text_en", f"{p}.goal", "str"),
            meter=ck.get(goal, "meter", f"{p}.goal", "str", choices=m)
            if gkind == "meter"
            else None,
            area=ck.get(goal, "area", f"{p}.goal", "str", choices=AREA_IDS)
            if gkind == "area"
            else None,
        )
        out["roles"].append(
            Role(
                id=r.get("id"),
                sector=ck.get(r, "sector", p, "str", choices=("産", "学", "官", "民", "金")),
                income=ck.get(r, "income", p, "ints", keys=res, lo=0, hi=20),
                start=ck.get(r, "start", p, "ints", keys=res, lo=0, hi=20),
                goal=g,
                **t,
            )
        )
    for i, s in enumerate(seat_order):
        if s not in role_ids:
            ck.bad(f"players.seat_order[{i}]", f"unknown role {s!r}; expected one of {role_ids}")
    out["seat_order"] = tuple(seat_order)

    cards = ck.get(doc, "cards", "", "list", default=[])
    card_ids = _ids(ck, cards, "cards")
    out["cards"] = []
    for i, c in enumerate(cards):
        p = f"cards[{i}]"
        if not isinstance(c, dict):
            ck.bad(p, f"expected a table, got {c!r}")
            continue
        croles = ck.get(c, "roles", p, "list", optional=True, default=[]) or []
        for j, r in enumerate(croles):
            if r not in role_ids:
                ck.bad(f"{p}.roles[{j}]", f"unknown role {r!r}; expected one of {role_ids}")
        if len(croles) > 2 or len(set(croles)) != len(croles):
            ck.bad(f"{p}.roles", f"expected 0, 1 or 2 different roles, got {croles}")
        rcards = ck.get(c, "requires_cards", p, "list", optional=True, default=[]) or []
        for j, r in enumerate(rcards):
            if r not in card_ids or r == c.get("id"):
                ck.bad(f"{p}.requires_cards[{j}]", f"unknown card {r!r}; expected another card id")
        cost = ck.get(c, "cost", p, "ints", keys=res, lo=0, hi=20)
        if cost is not None and sum(cost.values()) == 0:
            ck.bad(f"{p}.cost", "a card must cost something; give at least one resource")
        out["cards"].append(
            Card(
                id=c.get("id"),
                kind=ck.get(c, "kind", p, "str", choices=CARD_KINDS),
                area=ck.get(c, "area", p, "str", choices=AREA_IDS),
                cost=cost,
                effect=ck.get(c, "effect", p, "ints", keys=m, lo=-5, hi=5),
                roles=tuple(croles),
                requires=ck.get(
                    c, "requires", p, "ints", keys=m, optional=True, default={}, lo=lo, hi=hi
                ),
                requires_cards=tuple(rcards),
                shield=ck.get(c, "shield", p, "int", optional=True, default=0, lo=0, hi=5),
                reveals_events=ck.get(c, "reveals_events", p, "bool", optional=True, default=False),
                **_texts(ck, c, p),
            )
        )
    events = ck.get(doc, "events", "", "list", default=[])
    _ids(ck, events, "events")
    out["events"] = []
    for i, e in enumerate(events):
        p = f"events[{i}]"
        if not isinstance(e, dict):
            ck.bad(p, f"expected a table, got {e!r}")
            continue
        source = ck.get(e, "source", p, "str", optional=True)
        if source is not None:
            if not source.startswith("synth:") or source[6:] not in MEASURES:
                ck.bad(
                    f"{p}.source",
                    f"unknown source {source!r}; expected one of "
                    f"{[f'synth:{k}' for k in MEASURES]}",
                )
        out["events"].append(
            Event(
                id=e.get("id"),
                hazard=ck.get(e, "hazard", p, "bool"),
                copies=ck.get(e, "copies", p, "int", lo=0, hi=50),
                effect=ck.get(e, "effect", p, "ints", keys=m, lo=-5, hi=5),
                source=source,
                **_texts(ck, e, p),
            )
        )
    return out


def _check_consistency(rules: Rules, ck: _Checker | None = None) -> None:
    """Cross-field rules (players vs roles, start vs targets, a non-empty deck)."""
    own = ck is None
    ck = ck or _Checker()
    if rules.meters != ("economy", "society", "environment", "population"):
        ck.bad("meters.names", "expected ['economy', 'society', 'environment', 'population']")
    if rules.resources != ("money", "time", "connections", "data"):
        ck.bad("resources.names", "expected ['money', 'time', 'connections', 'data']")
    if rules.meter_min >= rules.meter_max:
        ck.bad("meters.max", f"must be above meters.min = {rules.meter_min}")
    if rules.min_players > rules.max_players:
        ck.bad("players.min", f"must not exceed players.max = {rules.max_players}")
    if len(rules.seat_order) < rules.max_players:
        ck.bad("players.seat_order", f"needs at least players.max = {rules.max_players} roles")
    for k in rules.meters:
        if k not in rules.meter_start:
            ck.bad(f"meters.start.{k}", "missing; every meter needs a start value")
    if rules.turn_limit < rules.rounds * rules.max_players:
        ck.bad(
            "turns.turn_limit",
            f"must be at least rounds x players.max = {rules.rounds * rules.max_players}",
        )
    if sum(e.copies for e in rules.events) == 0:
        ck.bad("events", "the event deck is empty; give some event copies > 0")
    if own and ck.problems:
        raise RulesError(ck.problems, rules.source or "rules")


def validate_rules(doc: dict, source: str = "rules", *, measured: bool = True) -> Rules:
    """Validate a parsed rules document and build :class:`Rules`.

    Parameters
    ----------
    doc : dict
        The parsed TOML.
    source : str
        Name used in error messages (the file path).
    measured : bool
        Fill the ``synth:`` event cards from the synthetic city
        (:func:`toyama_lab.game.odds.event_stats`, cached on disk).

    Raises
    ------
    RulesError
        Listing every bad field by its path.
    """
    ck = _Checker()
    if not isinstance(doc, dict):
        raise RulesError([("", f"expected a TOML table, got {type(doc).__name__}")], source)
    out = _read(copy.deepcopy(doc), ck)
    if ck.problems:
        raise RulesError(ck.problems, source)
    out["roles"] = tuple(out["roles"])
    out["cards"] = tuple(out["cards"])
    out["events"] = tuple(out["events"])
    rules = Rules(**out, source=source)
    _check_consistency(rules, ck)
    if ck.problems:
        raise RulesError(ck.problems, source)
    if measured:
        stats = event_stats()
        rules = replace(rules, events=tuple(measure_event(e, stats) for e in rules.events))
    return rules


def load_rules(path=None, *, measured: bool = True) -> Rules:
    """Load and validate a rules file (default: the current version in the package).

    Parameters
    ----------
    path : path-like, optional
        A TOML rules file; default :data:`DEFAULT_RULES`.
    measured : bool
        Fill the data-driven event cards from the synthetic city (default). With False the
        TOML's fallback values are used and nothing is simulated.

    Returns
    -------
    Rules

    Raises
    ------
    RulesError
        For a file that does not parse or has bad fields (all of them named).
    """
    path = Path(path) if path is not None else DEFAULT_RULES
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([("", f"not valid TOML: {exc}")], str(path)) from None
    return validate_rules(doc, str(path), measured=measured)
