"""Named scenarios: which weeks to simulate and which extraordinary events they carry.

Every scenario uses the same everyday physics (calendar, weather climate,
mobility, faults); a scenario adds a default period and, for the hazard
scenarios, a deterministic storm or earthquake at absolute times, so that
the truth at a given minute does not depend on the window that is simulated.

Notes
-----
Both hazard events are **illustrative**, not reconstructions:

* ``heavy-rain``: the three storm bands (peaks 25, 60 and 15 mm/h on the plain,
  Gaussian with sigma 1.5, 1 and 2 h) are chosen so that every river gauge crosses
  its 氾濫危険水位 (:func:`toyama_lab.synth.hazards.river` scales each gauge to them).
  Peaks of 50-80 mm/h and 300-400 mm a day upstream are of the order of the
  July heavy rains in Hokuriku; they are not the observed values of any event.
* ``earthquake``: the 呉羽山断層帯 is the active fault along the 呉羽丘陵 west of the
  city centre, evaluated by 地震調査研究推進本部 地震調査委員会「砺波平野断層帯・
  呉羽山断層帯の評価(一部改訂)」(2008-05-16,
  https://www.jishin.go.jp/main/chousa/08may_tonami/index.htm). The magnitude 7.2
  is of the order of that evaluation (which gives M of about 7.2 for this fault; the
  figure was not re-read in the last review), the epicentre (137.165 E, 36.700 N,
  on the 呉羽丘陵) and the date and time are illustrative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from toyama_lab.synth.calendar import EPOCH, MINUTES_PER_DAY

__all__ = [
    "QUAKE_ACTIVITY",
    "SCENARIOS",
    "Quake",
    "Scenario",
    "StormBand",
    "activity_factor",
    "get_scenario",
]


@dataclass(frozen=True)
class StormBand:
    """One rain band of a heavy-rain event, Gaussian in time.

    Attributes
    ----------
    peak : datetime.datetime
        Time of the peak intensity (JST).
    peak_mm_h : float
        Peak rain rate over the plain, before orographic enhancement. [mm/h]
    sigma_h : float
        Standard deviation of the Gaussian time profile. [h]
    """

    peak: dt.datetime
    peak_mm_h: float
    sigma_h: float


@dataclass(frozen=True)
class Quake:
    """An earthquake: time, epicentre, magnitude.

    Attributes
    ----------
    time : datetime.datetime
        Origin time (JST).
    lon, lat : float
        Epicentre (WGS84). [deg]
    magnitude : float
        JMA magnitude. [-]
    name_ja : str
        Name for people.
    """

    time: dt.datetime
    lon: float
    lat: float
    magnitude: float
    name_ja: str


@dataclass(frozen=True)
class Scenario:
    """A named scenario.

    Attributes
    ----------
    name : str
        Key in :data:`SCENARIOS`.
    title_ja, title_en : str
        Titles for people.
    description : str
        What happens and why.
    start : datetime.date
        Default first day (JST midnight).
    days : int
        Default number of days.
    storm : tuple of StormBand
        Extra heavy-rain bands (empty for ordinary weather).
    quake : Quake or None
        An earthquake causing power outages, or None.
    """

    name: str
    title_ja: str
    title_en: str
    description: str
    start: dt.date
    days: int
    storm: tuple[StormBand, ...] = ()
    quake: Quake | None = None


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "normal-week",
            "平常時の1週間",
            "An ordinary week",
            "Monday 2025-10-06 to Sunday 2025-10-12 (Mon 10/13 is スポーツの日, not "
            "included): weekdays, a weekend, ordinary autumn weather.",
            dt.date(2025, 10, 6),
            7,
        ),
        Scenario(
            "school-term",
            "学期中の2週間",
            "Two weeks of a school term",
            "Two weeks of the first school term, 2025-06-02 to 2025-06-15 (山王まつり on "
            "June 1-2 lifts the centre on the first day); children walk to school on "
            "school days.",
            dt.date(2025, 6, 2),
            14,
        ),
        Scenario(
            "heavy-rain",
            "梅雨末期の大雨",
            "Heavy rain at the end of the rainy season",
            "A front stalls over Hokuriku as in the July heavy-rain events (e.g. 令和5年7月 "
            "and 令和6年7月の大雨): a first band of ~25 mm/h on the evening of July 8, the "
            "main band of ~60 mm/h (up to ~80 mm/h upstream with orographic enhancement) "
            "early on July 9, a weaker tail in the morning; ~300-400 mm in a day upstream. "
            "River gauges cross 氾濫注意水位, 避難判断水位 and 氾濫危険水位.",
            dt.date(2025, 7, 7),
            7,
            storm=(
                StormBand(dt.datetime(2025, 7, 8, 18, 0), 25.0, 1.5),
                StormBand(dt.datetime(2025, 7, 9, 4, 0), 60.0, 1.0),
                StormBand(dt.datetime(2025, 7, 9, 9, 0), 15.0, 2.0),
            ),
        ),
        Scenario(
            "earthquake",
            "呉羽山断層帯の地震",
            "An M7-class earthquake on the Kurehayama fault",
            "An M7.2 earthquake on the 呉羽山断層帯 (the active fault crossing the city, for "
            "which 富山県 publishes a damage estimate) on Wednesday 2025-11-12 at 08:47 JST "
            "cuts power to gateways and sensors near the epicentre for hours.",
            dt.date(2025, 11, 10),
            7,
            quake=Quake(
                dt.datetime(2025, 11, 12, 8, 47), 137.165, 36.700, 7.2, "呉羽山断層帯の地震"
            ),
        ),
    )
}


def get_scenario(scenario: str | Scenario) -> Scenario:
    """Return the :class:`Scenario` for a name (or the scenario itself).

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.
    """
    if isinstance(scenario, Scenario):
        return scenario
    try:
        return SCENARIOS[scenario]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown scenario {scenario!r}; expected one of {sorted(SCENARIOS)}"
        ) from None


#: Activity left after an earthquake, by day since the quake (day 0: from the
#: origin time to midnight). Synthetic: people go home or to shelters, shops
#: and offices close for safety checks, and activity recovers over days.
QUAKE_ACTIVITY = (0.35, 0.6, 0.8, 0.9)


def activity_factor(scenario: Scenario, minutes) -> np.ndarray | None:
    """Share of ordinary street and counter activity at each minute (1 = ordinary). [-]

    Parameters
    ----------
    scenario : Scenario
        Only a scenario with a quake lowers activity.
    minutes : numpy.ndarray of int
        Absolute minutes since :data:`toyama_lab.synth.calendar.EPOCH`.

    Returns
    -------
    numpy.ndarray of float32 or None
        None when the scenario has no quake or the minutes are all before it
        or long after it (:data:`QUAKE_ACTIVITY`).
    """
    q = scenario.quake
    if q is None:
        return None
    minutes = np.asarray(minutes, dtype=np.int64)
    t0 = int((np.datetime64(q.time, "m") - np.datetime64(EPOCH, "m")).astype(np.int64))
    day = minutes // MINUTES_PER_DAY - t0 // MINUTES_PER_DAY
    after = (minutes >= t0) & (day < len(QUAKE_ACTIVITY))
    if not after.any():
        return None
    table = np.asarray(QUAKE_ACTIVITY, dtype=np.float32)
    return np.where(after, table[np.clip(day, 0, len(QUAKE_ACTIVITY) - 1)], np.float32(1.0))
