"""The parameters that fix a dataset's content, and their validation.

Five values decide every byte of a dataset: scenario, size, seed, first day and
number of days. :func:`resolve_params` checks them (each error names the bad
value, what is allowed and how to fix it) and fills ``start``/``days`` from the
scenario's defaults when they are not given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from toyama_lab.store import DatasetError

__all__ = ["Params", "allowed_scenarios", "allowed_sizes", "parse_date", "resolve_params"]

#: Earliest first day: the epoch of the counter-based random streams
#: (:data:`toyama_lab.synth.calendar.EPOCH`, 2000-01-01 JST).
MIN_START = dt.date(2000, 1, 1)
#: Last day a dataset may cover: the Japanese holiday calendar is known to 2099.
MAX_END = dt.date(2099, 12, 31)
#: Longest dataset accepted [days]: ten years. A guard against typos such as
#: ``--days 3650000``, which would otherwise run for days before failing.
MAX_DAYS = 3653


@dataclass(frozen=True)
class Params:
    """The content-defining parameters of one dataset.

    Attributes
    ----------
    scenario : str
        Name in :data:`toyama_lab.synth.SCENARIOS`.
    size : str
        Name in :data:`toyama_lab.city.SIZES`.
    seed : int
        Non-negative random seed.
    start : datetime.date
        First day (JST midnight).
    days : int
        Number of whole days. [day]
    """

    scenario: str
    size: str
    seed: int
    start: dt.date
    days: int

    @property
    def n_minutes(self) -> int:
        """Number of one-minute time steps. [min]"""
        return self.days * 1440

    def as_dict(self) -> dict[str, object]:
        """The parameters as JSON-ready values (date as ``YYYY-MM-DD``)."""
        return {
            "scenario": self.scenario,
            "size": self.size,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "days": self.days,
        }

    def command(self) -> str:
        """The ``toyama-lab generate`` command line that makes this dataset.

        Only content-defining options are given (no ``--out``, ``--workers``), so
        the line is the same whoever ran it, wherever, with any number of workers.
        """
        return (
            f"toyama-lab generate --scenario {self.scenario} --size {self.size} "
            f"--seed {self.seed} --start {self.start.isoformat()} --days {self.days}"
        )


def allowed_scenarios() -> tuple[str, ...]:
    """Names of the scenarios, from :data:`toyama_lab.synth.SCENARIOS`."""
    from toyama_lab.synth.scenario import SCENARIOS

    return tuple(SCENARIOS)


def allowed_sizes() -> tuple[str, ...]:
    """Names of the city sizes, from :data:`toyama_lab.city.SIZES`."""
    from toyama_lab.city import SIZES

    return tuple(SIZES)


def parse_date(value: str | dt.date | dt.datetime) -> dt.date:
    """Parse a ``YYYY-MM-DD`` date (a ``date`` or ``datetime`` passes through as a date).

    Raises
    ------
    DatasetError
        If ``value`` is not a real date written as ``YYYY-MM-DD``.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise DatasetError(
            f"start date {value!r} is not a date; expected YYYY-MM-DD, e.g. 2026-04-06."
        ) from exc


def _scenario_defaults(scenario: str) -> tuple[dt.date, int]:
    """The scenario's default first day and number of days."""
    from toyama_lab.synth.scenario import SCENARIOS

    sc = SCENARIOS[scenario]
    return parse_date(sc.start), int(sc.days)


def resolve_params(
    scenario: str,
    size: str = "class",
    seed: int = 0,
    start: str | dt.date | None = None,
    days: int | None = None,
) -> Params:
    """Validate dataset parameters and fill defaults from the scenario.

    Parameters
    ----------
    scenario : str
        Scenario name, one of :func:`allowed_scenarios`.
    size : str
        City size, one of :func:`allowed_sizes`.
    seed : int
        Random seed, ``>= 0``.
    start : str or datetime.date, optional
        First day, ``YYYY-MM-DD``; default: the scenario's.
    days : int, optional
        Number of days, ``1 .. MAX_DAYS``; default: the scenario's. [day]

    Returns
    -------
    Params

    Raises
    ------
    DatasetError
        For an unknown scenario or size (the message lists the allowed names), a
        negative seed, a malformed date, or a number of days out of range.
    """
    scenarios = allowed_scenarios()
    if scenario not in scenarios:
        raise DatasetError(
            f"unknown scenario {scenario!r}; expected one of: {', '.join(scenarios)}."
        )
    sizes = allowed_sizes()
    if size not in sizes:
        raise DatasetError(f"unknown size {size!r}; expected one of: {', '.join(sizes)}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DatasetError(f"seed must be an integer >= 0, got {seed!r}; e.g. --seed 0.")
    default_start, default_days = _scenario_defaults(scenario)
    start_date = default_start if start is None else parse_date(start)
    n_days = default_days if days is None else days
    if isinstance(n_days, bool) or not isinstance(n_days, int) or not 1 <= n_days <= MAX_DAYS:
        raise DatasetError(
            f"days must be a whole number of days from 1 to {MAX_DAYS}, got {n_days!r}; "
            "e.g. --days 7."
        )
    if start_date < MIN_START or start_date > MAX_END - dt.timedelta(days=n_days - 1):
        raise DatasetError(
            f"period {start_date} + {n_days} days is outside {MIN_START} .. {MAX_END}; "
            "choose a --start (and --days) within those years."
        )
    return Params(scenario=scenario, size=size, seed=seed, start=start_date, days=n_days)
