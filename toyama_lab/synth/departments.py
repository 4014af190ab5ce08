"""City departments of the synthetic city hall: who works there and when they are busy.

The attendance truth (:mod:`toyama_lab.synth.attendance`) draws each staff member's
overtime from the department's ordinary level times the seasonal factors of this
module. The departments and every level are **synthetic** (illustrative orders of
magnitude, not Toyama City's organisation chart or its overtime statistics); the
*timing* of each busy season follows the public rule or calendar cited with it.

Notes
-----
Busy seasons and their sources (the shapes and heights are synthetic):

* **Budget season (予算編成・査定)**: a municipality other than a prefecture or a
  designated city must submit its budget to the council at least 20 days before the
  fiscal year starts on April 1 (地方自治法 第211条第1項), so the budget office's
  assessments (査定) fall in December-February; modelled as a bell centred on
  January 20 (sigma 18 days).
* **Council sessions (定例会)**: 富山市議会 holds its regular sessions in March, June,
  September and December (富山市議会, 会議の日程; not re-checked in this session; the
  number of sessions is set by ordinance under 地方自治法 第102条); answers to council
  questions keep the general affairs office late; bells on March 1, June 10, September 10
  and December 5 (sigma 7 d).
* **Tax filing (確定申告)**: February 16 - March 15 (国税庁, 確定申告期間); municipal
  tax offices receive resident-tax returns in the same weeks; bell on March 1 (sigma 12 d).
* **Moving season (引っ越しシーズン)**: moves peak in March and April (総務省統計局
  「住民基本台帳人口移動報告」); the citizens' counter uses
  :func:`toyama_lab.synth.mobility.moving_season_factor`, the same bell as the counters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from toyama_lab.synth.mobility import moving_season_factor

__all__ = [
    "DEPARTMENTS",
    "SEASONS",
    "STAFF_PER_SIZE",
    "Department",
    "department_table",
    "season_factor",
    "season_reason",
]


@dataclass(frozen=True)
class Department:
    """One department of the synthetic city hall.

    Attributes
    ----------
    dept_id : str
        Short id (English).
    name_ja, name_en : str
        Names for people.
    ot_share : float
        Share of ordinary working days with any overtime. [-]
    ot_mean_min : float
        Mean overtime on a day with overtime, in an ordinary week. [min]
    seasons : dict of str to float
        Extra lift of each busy season at its peak (1.0 = doubles the mean). [-]
    emergency : float
        Share of the department's staff on duty in an emergency night. [-]
    counter : bool
        Whether the department staffs the citizens' counters (窓口).
    """

    dept_id: str
    name_ja: str
    name_en: str
    ot_share: float
    ot_mean_min: float
    seasons: dict
    emergency: float
    counter: bool = False


#: Synthetic departments (illustrative levels; see the module Notes for the seasons).
DEPARTMENTS: tuple[Department, ...] = (
    Department("somu", "総務課", "General Affairs", 0.45, 55.0, {"council": 1.6}, 0.3),
    Department(
        "zaisei", "財政課", "Budget Office", 0.50, 60.0, {"budget": 2.6, "council": 0.6}, 0.1
    ),
    Department("shimin", "市民課", "Citizens' Affairs", 0.30, 40.0, {"moving": 1.4}, 0.2, True),
    Department("zeimu", "市民税課", "Municipal Tax", 0.35, 45.0, {"tax": 1.8}, 0.1),
    Department("fukushi", "福祉政策課", "Welfare Policy", 0.40, 50.0, {"council": 0.4}, 0.5),
    Department("bousai", "防災危機管理課", "Disaster Management", 0.35, 45.0, {}, 1.0),
    Department("doboku", "道路河川管理課", "Roads and Rivers", 0.40, 50.0, {}, 0.8),
    Department(
        "dx", "スマートシティ推進課", "Smart City Promotion", 0.40, 45.0, {"budget": 0.5}, 0.1
    ),
)

#: Staff per department and city size (synthetic; the citizens' counter section is as
#: large at every size because it staffs the 12 windows of the main city hall).
STAFF_PER_SIZE: dict[str, dict[str, int]] = {
    "tiny": {"default": 6, "shimin": 16},
    "class": {"default": 25, "shimin": 20},
    "city": {"default": 90, "shimin": 40},
}

#: Busy seasons: name -> (list of peak days of year, sigma [day], label ja, label en).
SEASONS: dict[str, tuple[tuple[int, ...], float, str, str]] = {
    "budget": ((20,), 18.0, "予算編成", "budget season"),
    "council": ((60, 161, 253, 339), 7.0, "議会対応", "council session"),
    "tax": ((60,), 12.0, "確定申告", "tax filing"),
    "moving": ((91,), 9.0, "引っ越しシーズン", "moving season"),
}


def _bell(doy: np.ndarray, centres, sigma: float) -> np.ndarray:
    """Sum of Gaussian bells over the year (wrapping at 365 days). [-]"""
    d = np.asarray(doy, dtype=np.float64)[..., None] - np.asarray(centres, dtype=np.float64)
    d = (d + 182.5) % 365.0 - 182.5
    return np.exp(-0.5 * (d / sigma) ** 2).sum(axis=-1)


def season_factor(dept: Department, doy) -> np.ndarray:
    """Multiplier of a department's mean overtime on each day of year. [-]

    ``1 + sum_s lift_s * bell_s(doy)``; the moving season uses
    ``moving_season_factor(doy) - 1`` (peak 0.9) scaled by ``lift / 0.9``.

    Parameters
    ----------
    dept : Department
        The department.
    doy : array_like of int
        Day of year (1-366).

    Returns
    -------
    numpy.ndarray of float64
        Same shape as ``doy``, >= 1.
    """
    doy = np.asarray(doy)
    out = np.ones(doy.shape, dtype=np.float64)
    for name, lift in dept.seasons.items():
        out += lift * _season_bell(name, doy)
    return out


def _season_bell(name: str, doy) -> np.ndarray:
    if name == "moving":
        return (moving_season_factor(doy) - 1.0) / 0.9
    centres, sigma, _, _ = SEASONS[name]
    return _bell(doy, centres, sigma)


def season_reason(dept: Department, doy) -> np.ndarray:
    """The busy season that lifts a department most on each day ("" if none). [-]

    A season counts when its bell exceeds 0.3 (within about 1.5 sigma of a peak).

    Returns
    -------
    numpy.ndarray of str
        Season names of :data:`SEASONS`, or ``""`` (ordinary work).
    """
    doy = np.asarray(doy)
    best = np.zeros(doy.shape)
    out = np.full(doy.shape, "", dtype=object)
    for name, lift in dept.seasons.items():
        v = lift * _season_bell(name, doy)
        take = (v > best) & (v > 0.3 * lift)
        out = np.where(take, name, out)
        best = np.maximum(best, v)
    return out.astype(str)


def department_table(size: str) -> pl.DataFrame:
    """The departments with their staff count at a city size.

    Parameters
    ----------
    size : {'tiny', 'class', 'city'}
        City size.

    Returns
    -------
    polars.DataFrame
        ``dept_id``, ``name_ja``, ``name_en``, ``n_staff``, ``ot_share`` [-],
        ``ot_mean_min`` [min], ``emergency`` [-], ``counter`` (bool).

    Raises
    ------
    ValueError
        For an unknown size.
    """
    if size not in STAFF_PER_SIZE:
        raise ValueError(f"unknown size {size!r}; expected one of {list(STAFF_PER_SIZE)}")
    spec = STAFF_PER_SIZE[size]
    return pl.DataFrame(
        {
            "dept_id": [d.dept_id for d in DEPARTMENTS],
            "name_ja": [d.name_ja for d in DEPARTMENTS],
            "name_en": [d.name_en for d in DEPARTMENTS],
            "n_staff": [spec.get(d.dept_id, spec["default"]) for d in DEPARTMENTS],
            "ot_share": [d.ot_share for d in DEPARTMENTS],
            "ot_mean_min": [d.ot_mean_min for d in DEPARTMENTS],
            "emergency": [d.emergency for d in DEPARTMENTS],
            "counter": [d.counter for d in DEPARTMENTS],
        },
        schema_overrides={"n_staff": pl.Int32},
    )
