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

Names papermill passes
----------------------
``papermill in.ipynb out.ipynb -p sede 3`` only *warns* "Passed unknown parameter:
sede" and runs: it injects a cell tagged ``injected-parameters`` (its source starts
with the line ``# Parameters``, then one ``name = value`` per parameter) right after
the ``parameters`` cell, so ``sede = 3`` is set and ``seed`` keeps its default. The
validation cell builds its mapping from the names it knows, so it cannot see
``sede`` in its arguments. :func:`validate` therefore also reads the kernel's input
history (IPython's ``In``; :func:`papermill_injection`) and refuses every name the
injected cell assigned that the workbook does not declare::

    ParameterError: unknown parameter 'sede' = 3. Did you mean 'seed'? ...

Every workbook gets this without an edit to its cells. A name is *declared* if the
schema given to :func:`validate` has it or the cell executed just before the
injected one (the ``parameters`` cell, where papermill puts the injection) assigns
it, so a later, narrower call such as ``validate({"size": "huge"}, schema("size"))``
in an exercise is not disturbed by the run's other parameters. Names papermill adds
itself (``PAPERMILL_INPUT_PATH``, ``PAPERMILL_OUTPUT_PATH`` with ``--inject-paths``)
are allowed. Outside an IPython kernel (a plain script, the tests) the history is
empty and only the given mapping is checked. The history was chosen over comparing
the caller's globals because those also hold the validation cell's own imports and
helpers (``KINDS``, ``COMMON``...), while the injected cell lists exactly the names
the caller passed.

Examples
--------
>>> p = validate({"seed": "3", "interactive": "false"}, schema("seed", "interactive"))
>>> p["seed"], p["interactive"]
(3, False)
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "COMMON",
    "KINDS",
    "Injection",
    "Param",
    "ParameterError",
    "Rule",
    "check_rules",
    "coerce",
    "papermill_injection",
    "schema",
    "unknown_parameter",
    "validate",
]

#: The value kinds a :class:`Param` may declare.
KINDS: tuple[str, ...] = ("str", "int", "float", "bool", "date", "list")

#: First line of the cell papermill injects (``PythonTranslator.codify(comment="Parameters")``).
INJECTED_MARKER = "# Parameters"
#: Names papermill itself injects with ``--inject-paths`` (and the input/output variants).
PAPERMILL_NAMES = ("PAPERMILL_INPUT_PATH", "PAPERMILL_OUTPUT_PATH")

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


def unknown_parameter(
    name: str, value, known: Iterable[str], *, where: str = "This workbook"
) -> ParameterError:
    """The error for a parameter name a workbook does not declare.

    Parameters
    ----------
    name : str
        The unknown name.
    value : object
        The value it was given (shown in the message).
    known : iterable of str
        The names the workbook accepts; the closest one is suggested.
    where : str
        Subject of the "accepts" sentence, e.g. ``"Workbook 01-kpi.ipynb"``.

    Returns
    -------
    ParameterError
        ``unknown parameter 'sede' = 3. Did you mean 'seed'? This workbook accepts: ...``

    Examples
    --------
    >>> print(unknown_parameter("sede", 3, ["size", "seed"]))
    unknown parameter 'sede' = 3. Did you mean 'seed'? This workbook accepts: size, seed.
    """
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ParameterError(
        f"unknown parameter {name!r} = {value!r}.{hint} {where} accepts: {', '.join(known)}."
    )


@dataclass(frozen=True)
class Injection:
    """What papermill injected into this kernel, read back from its input history.

    Attributes
    ----------
    values : dict of str to object
        Each name the ``injected-parameters`` cell assigned, with its value (the
        literal; the source text if it is not a literal).
    declared : tuple of str
        The names assigned by the cell executed just before it (the ``parameters``
        cell in a papermill run); empty if the injected cell ran first.
    """

    values: dict[str, object]
    declared: tuple[str, ...]


def _assigned(source: str) -> dict[str, object]:
    """Names assigned at the top level of ``source``, with their literal values."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id] if node.value is not None else []
        else:
            continue
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            value = ast.get_source_segment(source, node.value)
        out.update(dict.fromkeys(targets, value))
    return out


def _kernel_history() -> Sequence[str]:
    """The running IPython kernel's inputs (``In``), or ``[]`` outside IPython."""
    ipython = sys.modules.get("IPython")  # not imported: not in a kernel, nothing to read
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return []
    return list(shell.history_manager.input_hist_raw)


def papermill_injection(history: Sequence[str] | None = None) -> Injection | None:
    """Read papermill's ``injected-parameters`` cell back from a kernel's inputs.

    Parameters
    ----------
    history : sequence of str, optional
        Executed cell sources in order (IPython's ``In``); default: the running
        kernel's, or none outside IPython.

    Returns
    -------
    Injection or None
        The last executed cell whose first line is ``# Parameters`` (papermill's
        marker) and the names of the cell run before it; None if there is none.

    Examples
    --------
    >>> inj = papermill_injection(["", "seed: int = 0  # seed", "# Parameters\\nsede = 3\\n"])
    >>> inj.values, inj.declared
    ({'sede': 3}, ('seed',))
    """
    inputs = list(_kernel_history() if history is None else history)
    at = next(
        (i for i in range(len(inputs) - 1, -1, -1)
         if inputs[i].lstrip().splitlines()[:1] == [INJECTED_MARKER]),
        None,
    )  # fmt: skip
    if at is None:
        return None
    declared = tuple(_assigned(inputs[at - 1])) if at > 0 else ()
    return Injection(values=_assigned(inputs[at]), declared=declared)


def validate(
    params: Mapping[str, object],
    schema: Mapping[str, Param],
    *,
    history: Sequence[str] | None = None,
) -> dict[str, object]:
    """Check and coerce workbook parameters against a schema.

    Parameters
    ----------
    params : mapping
        Parameter name to value, as the notebook received them (papermill may have
        turned them into strings; YAML may have turned dates into ``date`` objects).
    schema : mapping of str to Param
        The declaration of every parameter the workbook accepts.
    history : sequence of str, optional
        The kernel's executed inputs, to find the names papermill injected (see
        "Names papermill passes" in the module docstring); default: the running
        IPython kernel's, none outside IPython.

    Returns
    -------
    dict
        The same names with values coerced to the declared kinds (``date`` values
        as :class:`datetime.date`), in schema order.

    Raises
    ------
    ParameterError
        For an unknown name (with the closest known names) in ``params`` or in
        papermill's injected cell, a missing parameter, a value of the wrong type, a
        value not among the allowed choices or out of range. The message names the
        parameter, its value and what is allowed.

    Examples
    --------
    >>> validate({"size": "tiny"}, schema("size"))
    {'size': 'tiny'}
    >>> validate({"size": "huge"}, schema("size"))
    Traceback (most recent call last):
    ...
    toyama_lab.reports.params.ParameterError: parameter 'size' = 'huge' (str) is not valid:
    not allowed; expected one of 'tiny', 'class', 'city'. Fix: papermill ... -p size tiny
    """
    unknown = [n for n in params if n not in schema]
    if unknown:
        raise unknown_parameter(unknown[0], params[unknown[0]], schema)
    injection = papermill_injection(history)
    if injection is not None:
        known = list(schema) + [n for n in injection.declared if n not in schema]
        passed = [n for n in injection.values if n not in known and n not in PAPERMILL_NAMES]
        if passed:
            name = passed[0]
            error = unknown_parameter(name, injection.values[name], known)
            raise ParameterError(
                f"{error} papermill passed it (-p {name} ...) and only warned; "
                "correct the name on the command line or in the parameters file."
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
