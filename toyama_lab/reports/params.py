"""Parameter schemas for workbooks and their validation.

A workbook's ``parameters`` cell holds literals only (papermill's contract); the
next cell hands them to :func:`validate` with a schema, because papermill itself
only *warns* about unknown names and *guesses* the type of a ``-p`` value
(``-p interactive false`` arrives as the string ``"false"``, ``-p start
2026-04-06`` as a string, a YAML date as a ``datetime.date``). :func:`validate`
coerces such values to the declared type and stops with a :class:`ParameterError`
that names the parameter, the value it got and what is allowed.

Schema
------
A schema maps a parameter name to a :class:`Param`. :data:`COMMON` holds the
parameters shared by the workbooks::

    scenario     str   one of toyama_lab.synth.SCENARIOS
    size         str   one of toyama_lab.city.SIZES
    seed         int   >= 0
    start        date  YYYY-MM-DD, or "" / None for the scenario's first day
    days         int   1 .. toyama_lab.datasets.params.MAX_DAYS
    lang         str   "ja" or "en"
    interactive  bool  widgets on (JupyterLab) or a static figure (papermill, CI, book)

A workbook adds its own with ``COMMON | {"sf": Param("int", choices=range(7, 13))}``.

Examples
--------
>>> p = validate({"seed": "3", "interactive": "false"}, schema("seed", "interactive"))
>>> p["seed"], p["interactive"]
(3, False)
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "COMMON",
    "KINDS",
    "Param",
    "ParameterError",
    "Rule",
    "check_rules",
    "coerce",
    "schema",
    "validate",
]

#: The value kinds a :class:`Param` may declare.
KINDS: tuple[str, ...] = ("str", "int", "float", "bool", "date", "list")

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ParameterError(ValueError):
    """A workbook parameter has a bad name, type or value.

    The message names the parameter, the value received, what is allowed and how
    to pass a good value (``papermill -p NAME VALUE``).
    """


@dataclass(frozen=True)
class Param:
    """The declaration of one parameter.

    Parameters
    ----------
    kind : {"str", "int", "float", "bool", "date", "list"}
        Type the value is coerced to.
    choices : iterable or callable, optional
        Allowed values, or a function returning them (evaluated at validation time,
        so that e.g. scenario names come from the package that owns them).
    min, max : float, optional
        Inclusive bounds for ``int``/``float`` values (for ``list``: on its length);
        ``max`` may be a function returning the bound.
    nullable : bool
        Whether ``None`` (and ``""`` for ``date``) is allowed; it then stays ``None``.
    help : str
        One line for error messages and documentation.
    example : str, optional
        A good value to suggest in error messages.
    """

    kind: str
    choices: Iterable | Callable[[], Iterable] | None = None
    min: float | None = None
    max: float | Callable[[], float] | None = None
    nullable: bool = False
    help: str = ""
    example: str | None = field(default=None)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Param kind {self.kind!r} is not one of {KINDS}.")

    def allowed(self) -> tuple | None:
        """The allowed values, or None if any value of the kind is allowed."""
        if self.choices is None:
            return None
        values = self.choices() if callable(self.choices) else self.choices
        return tuple(values)


def _scenarios() -> tuple[str, ...]:
    from toyama_lab.datasets.params import allowed_scenarios

    return allowed_scenarios()


def _sizes() -> tuple[str, ...]:
    from toyama_lab.datasets.params import allowed_sizes

    return allowed_sizes()


def _max_days() -> int:
    from toyama_lab.datasets.params import MAX_DAYS

    return MAX_DAYS


#: The parameters shared by the workbooks (see the module docstring).
COMMON: dict[str, Param] = {
    "scenario": Param("str", choices=_scenarios, help="synthetic scenario", example="normal-week"),
    "size": Param("str", choices=_sizes, help="city size", example="tiny"),
    "seed": Param("int", min=0, help="random seed", example="0"),
    "start": Param("date", nullable=True, help="first day (JST), YYYY-MM-DD", example="2026-04-06"),
    "days": Param("int", min=1, max=_max_days, help="number of days", example="1"),
    "lang": Param("str", choices=("ja", "en"), help="language of labels", example="ja"),
    "interactive": Param("bool", help="ipywidgets controls (True) or static figures (False)"),
}


def schema(*names: str, **extra: Param) -> dict[str, Param]:
    """A schema from :data:`COMMON` parameters by name, plus workbook-specific ones.

    Parameters
    ----------
    *names : str
        Names of :data:`COMMON` parameters to include (all of them if none given
        and no ``extra``).
    **extra : Param
        Further parameters of this workbook.

    Returns
    -------
    dict of str to Param

    Raises
    ------
    KeyError
        If a name is not a common parameter.
    """
    unknown = [n for n in names if n not in COMMON]
    if unknown:
        raise KeyError(f"{unknown} are not common parameters; expected names from {list(COMMON)}.")
    if not names and not extra:
        names = tuple(COMMON)
    out = {n: COMMON[n] for n in names}
    out.update(extra)
    return out


def _fail(name: str, value, param: Param, expected: str) -> ParameterError:
    example = param.example
    if example is None:
        allowed = param.allowed()
        example = str(allowed[0]) if allowed else {"bool": "False", "int": "0"}.get(param.kind)
    fix = f" Fix: papermill ... -p {name} {example}" if example is not None else ""
    shown = f"{value!r} ({type(value).__name__})"
    return ParameterError(f"parameter {name!r} = {shown} is not valid: {expected}.{fix}")


def coerce(name: str, value, param: Param):
    """Turn ``value`` into ``param.kind`` (strings from ``-p``, YAML dates...).

    Raises
    ------
    ParameterError
        If the value cannot be read as that kind.
    """
    kind = param.kind
    if value is None or (kind == "date" and value == ""):
        if param.nullable:
            return None
        raise _fail(name, value, param, f"expected a {kind}, not empty")
    if kind == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # papermill -p guesses numbers: "-p selection 12"
        raise _fail(name, value, param, "expected a string")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _fail(name, value, param, "expected True or False (or true/false, yes/no, 1/0)")
    if kind == "int":
        if isinstance(value, bool):
            raise _fail(name, value, param, "expected a whole number, not True/False")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise _fail(name, value, param, "expected a whole number")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
        raise _fail(name, value, param, "expected a number")
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            try:
                if len(text) == 10:
                    return dt.date.fromisoformat(text)
                if len(text) > 10 and text[10] in "T ":  # a timestamp: keep its day
                    return dt.datetime.fromisoformat(text).date()
            except ValueError:
                pass
        raise _fail(name, value, param, "expected a date written YYYY-MM-DD")
    # list
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return parsed
            raise _fail(name, value, param, 'expected a list, e.g. ["ped-0001", "ped-0002"]')
        return [part.strip() for part in text.split(",") if part.strip()]
    raise _fail(name, value, param, "expected a list (or a comma-separated string)")


def _check(name: str, value, param: Param):
    if value is None:
        return value
    allowed = param.allowed()
    items = value if param.kind == "list" else [value]
    if allowed is not None:
        bad = [v for v in items if v not in allowed]
        if bad:
            shown = ", ".join(repr(a) for a in allowed)
            what = f"{bad[0]!r} is not allowed" if param.kind == "list" else "not allowed"
            raise _fail(name, value, param, f"{what}; expected one of {shown}")
    measure = len(value) if param.kind == "list" else value
    if param.kind in ("int", "float", "list"):
        lo = param.min
        hi = param.max() if callable(param.max) else param.max
        if (lo is not None and measure < lo) or (hi is not None and measure > hi):
            unit = "length " if param.kind == "list" else ""
            rng = f"{'' if lo is None else lo} <= {unit}{name} <= {'' if hi is None else hi}"
            raise _fail(name, value, param, f"out of range; expected {rng.strip()}")
    return value


def validate(params: Mapping[str, object], schema: Mapping[str, Param]) -> dict[str, object]:
    """Check and coerce workbook parameters against a schema.

    Parameters
    ----------
    params : mapping
        Parameter name to value, as the notebook received them (papermill may have
        turned them into strings; YAML may have turned dates into ``date`` objects).
    schema : mapping of str to Param
        The declaration of every parameter the workbook accepts.

    Returns
    -------
    dict
        The same names with values coerced to the declared kinds (``date`` values
        as :class:`datetime.date`), in schema order.

    Raises
    ------
    ParameterError
        For an unknown name (with the closest known names), a missing parameter, a
        value of the wrong type, a value not among the allowed choices or out of
        range. The message names the parameter, its value and what is allowed.

    Examples
    --------
    >>> validate({"size": "huge"}, schema("size"))  # doctest: +SKIP
    ParameterError: parameter 'size' = 'huge' (str) is not valid: not allowed; expected
    one of 'tiny', 'class', 'city'. Fix: papermill ... -p size tiny
    """
    unknown = [n for n in params if n not in schema]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(schema), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ParameterError(
            f"unknown parameter {name!r} = {params[name]!r}.{hint} "
            f"This workbook accepts: {', '.join(schema)}."
        )
    missing = [n for n in schema if n not in params]
    if missing:
        raise ParameterError(
            f"missing parameter(s) {', '.join(map(repr, missing))}; the workbook's "
            "parameters cell must define every parameter of its schema."
        )
    return {n: _check(n, coerce(n, params[n], p), p) for n, p in schema.items()}


@dataclass(frozen=True)
class Rule:
    """A check across parameters, part of a workbook's schema beside its :class:`Param` items.

    Parameters
    ----------
    name : str
        The parameter the message blames (and the one the user should change).
    ok : callable
        ``ok(values) -> bool`` on the validated values; False means the rule is broken.
    expected : callable
        ``expected(values) -> str``: what would be allowed, for the message.
    example : callable, optional
        ``example(values) -> str``: a good value for the ``papermill -p`` hint.
    """

    name: str
    ok: Callable[[Mapping[str, object]], bool]
    expected: Callable[[Mapping[str, object]], str]
    example: Callable[[Mapping[str, object]], str] | None = None


def check_rules(values: Mapping[str, object], rules: Iterable[Rule]) -> dict[str, object]:
    """Apply cross-parameter :class:`Rule` checks to values from :func:`validate`.

    Parameters
    ----------
    values : mapping
        Validated parameters (the output of :func:`validate`).
    rules : iterable of Rule

    Returns
    -------
    dict
        ``values`` unchanged (as a dict), so that ``P = check_rules(validate(...), RULES)``.

    Raises
    ------
    ParameterError
        For the first broken rule, naming the parameter, its value, what is expected
        and a ``papermill -p`` fix.

    Examples
    --------
    >>> r = Rule("days", lambda v: v["days"] >= 2, lambda v: "2 or more days", lambda v: "2")
    >>> try:
    ...     check_rules({"days": 1}, [r])
    ... except ParameterError as err:
    ...     print(str(err).split(": ", 1)[1])
    expected 2 or more days. Fix: papermill ... -p days 2
    """
    for rule in rules:
        if rule.name not in values:
            raise KeyError(f"rule for {rule.name!r}: no such parameter in {list(values)}.")
        if not rule.ok(values):
            value = values[rule.name]
            fix = (
                f" Fix: papermill ... -p {rule.name} {rule.example(values)}" if rule.example else ""
            )
            raise ParameterError(
                f"parameter {rule.name!r} = {value!r} ({type(value).__name__}) is not valid: "
                f"expected {rule.expected(values)}.{fix or ''}"
            )
    return dict(values)
