"""Application truth of the synthetic city hall: procedures, channels, processing steps.

:func:`applications` returns the processing log of three procedures (手続) received on
paper (at the window or by post) or online (電子申請): one row per application and
processing step, with the staff minutes the step took. It is deterministic and
counter-based: an application's channel and step times are pure functions of
``(seed, procedure, day, number within the day)``.

Every level here (volumes, online shares, step times, which steps a robot can do) is
**synthetic**, chosen to be of a plausible order for a city of about 400,000; none is a
statistic of Toyama City. The *kinds* of steps follow the usual flow of a municipal
procedure: reception and completeness check, review, data entry into the back-office
system, approval (決裁), and the notice to the applicant. An online form removes the
reception and data entry by hand; RPA (software robots) can take over data entry and
notices, as in Toyama Prefecture's use of RPA (about 12,000 hours of work saved a year;
source in :mod:`toyama_lab.gyosei`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from toyama_lab.synth import random as rnd
from toyama_lab.synth.calendar import day_info

__all__ = ["PROCEDURES", "STEPS", "VOLUME_SCALE", "Procedure", "applications", "step_table"]

#: Processing steps: id -> (name ja, name en, automatable by RPA or the online form).
STEPS: dict[str, tuple[str, str, bool]] = {
    "reception": ("受付・不備確認", "reception and check", False),
    "entry": ("システム入力", "data entry", True),
    "review": ("審査", "review", False),
    "approval": ("決裁", "approval", False),
    "notice": ("通知・発送", "notice and mailing", True),
}


@dataclass(frozen=True)
class Procedure:
    """One procedure (synthetic levels).

    Attributes
    ----------
    proc_id : str
        Short id.
    name_ja, name_en : str
        Names for people.
    per_day : float
        Mean applications per open day at size ``class``. [1/day]
    online_share : float
        Share of applications received online today. [-]
    paper_min, online_min : dict of str to float
        Mean staff minutes per step for each channel. [min]
    """

    proc_id: str
    name_ja: str
    name_en: str
    per_day: float
    online_share: float
    paper_min: dict
    online_min: dict


#: The procedures (synthetic).
PROCEDURES: tuple[Procedure, ...] = (
    Procedure(
        "jidou",
        "児童手当の認定請求",
        "child allowance claim",
        14.0,
        0.25,
        {"reception": 12.0, "entry": 9.0, "review": 10.0, "approval": 3.0, "notice": 5.0},
        {"reception": 3.0, "entry": 1.5, "review": 9.0, "approval": 3.0, "notice": 2.0},
    ),
    Procedure(
        "hoiku",
        "保育施設の利用申込",
        "childcare place application",
        6.0,
        0.35,
        {"reception": 20.0, "entry": 15.0, "review": 25.0, "approval": 4.0, "notice": 6.0},
        {"reception": 5.0, "entry": 2.0, "review": 22.0, "approval": 4.0, "notice": 2.0},
    ),
    Procedure(
        "inu",
        "犬の登録・届出",
        "dog registration",
        5.0,
        0.20,
        {"reception": 6.0, "entry": 5.0, "review": 2.0, "approval": 1.0, "notice": 4.0},
        {"reception": 1.5, "entry": 1.0, "review": 2.0, "approval": 1.0, "notice": 1.0},
    ),
)

#: Volume multiplier per city size (``class`` is the reference). [-]
VOLUME_SCALE = {"tiny": 0.5, "class": 1.0, "city": 4.0}
#: Log-normal spread of one step's minutes around its mean (sigma of the log). [-]
STEP_SIGMA = 0.45
#: Day-of-week factor of applications, Monday..Sunday (synthetic).
_DOW = np.array([1.2, 1.0, 0.95, 0.95, 1.05, 0.0, 0.0])


def step_table() -> pl.DataFrame:
    """Mean staff minutes per procedure, channel and step: the truth behind the log.

    Returns
    -------
    polars.DataFrame
        ``procedure``, ``channel``, ``step``, ``mean_min`` [min], ``automatable``.
    """
    rows = [
        (p.proc_id, ch, s, float(table[s]), STEPS[s][2])
        for p in PROCEDURES
        for ch, table in (("paper", p.paper_min), ("online", p.online_min))
        for s in STEPS
    ]
    return pl.DataFrame(
        rows, schema=["procedure", "channel", "step", "mean_min", "automatable"], orient="row"
    )


def applications(*, size: str = "tiny", seed: int = 0, start="2025-10-01", days: int = 61):
    """Processing log of the procedures: one row per application and step.

    Parameters
    ----------
    size : {'tiny', 'class', 'city'}
        City size (scales the volumes, :data:`VOLUME_SCALE`).
    seed : int
        Scenario seed (>= 0).
    start : datetime.date or str
        First day (JST).
    days : int
        Number of days (only open days receive applications).

    Returns
    -------
    polars.DataFrame
        ``app_id`` (procedure-date-number), ``date``, ``procedure``, ``channel``
        (``paper`` or ``online``), ``step`` (key of :data:`STEPS`), ``minutes``
        (staff time) [min], ``automatable`` (bool); sorted by ``app_id`` and step order.

    Raises
    ------
    ValueError
        Unknown size, bad seed or dates.
    """
    if size not in VOLUME_SCALE:
        raise ValueError(f"unknown size {size!r}; expected one of {list(VOLUME_SCALE)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}; pass e.g. seed=0")
    info = day_info(start, days)
    day = info["day"].to_numpy().astype(np.int64)
    dow = _DOW[info["weekday"].to_numpy()] * info["offices_open"].to_numpy()
    steps = list(STEPS)
    frames = []
    for pi, p in enumerate(PROCEDURES):  # three procedures, not a loop over data
        lam = p.per_day * VOLUME_SCALE[size] * dow
        n = rnd.poisson(seed, f"app-n-{p.proc_id}", pi, day, lam)
        d = np.repeat(np.arange(day.size), n)
        k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)  # number within the day
        key = day[d] * 1000 + k
        online = rnd.uniform(seed, f"app-channel-{p.proc_id}", pi, key) < p.online_share
        mean = np.array([[p.paper_min[s], p.online_min[s]] for s in steps])  # (step, ch)
        z = rnd.normal(seed, f"app-step-{p.proc_id}", np.arange(len(steps))[:, None], key[None])
        mins = mean[:, online.astype(int)] * np.exp(STEP_SIGMA * z - STEP_SIGMA**2 / 2)
        frames.append(
            pl.DataFrame(
                {
                    "number": np.repeat(k, len(steps)),
                    "date": np.repeat(info["date"].to_numpy()[d], len(steps)),
                    "procedure": p.proc_id,
                    "channel": np.repeat(np.where(online, "online", "paper"), len(steps)),
                    "step": np.tile(steps, d.size),
                    "minutes": np.round(mins.T.reshape(-1), 1),
                    "automatable": np.tile([STEPS[s][2] for s in steps], d.size),
                },
                schema_overrides={"date": pl.Date},
            )
        )
    app_id = pl.format(
        "{}-{}-{}",
        pl.col("procedure"),
        pl.col("date").dt.strftime("%Y%m%d"),
        pl.col("number").cast(pl.String).str.zfill(3),
    )
    out = pl.concat(frames).with_columns(app_id=app_id)
    return out.select("app_id", pl.exclude("app_id", "number")).sort("app_id", maintain_order=True)
