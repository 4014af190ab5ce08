"""The variables :func:`toyama_lab.synth.simulate` returns for each sensor kind.

Every kind has a *main* variable as the sensor reports it (with faults and
gaps), a clean truth copy ``<main>_true`` and a ``fault`` bit mask
(:data:`FAULT_BITS`). Gaps in the main variable are written as the
``fill_value`` of its dtype: 65535 for uint16 counts, NaN for float32.
"""

from __future__ import annotations

from dataclasses import dataclass

from toyama_lab.city.build import KINDS

__all__ = ["FAULT_BITS", "KINDS", "MAIN", "VARIABLES", "Variable", "variable"]

#: Fault bits of the ``fault`` variable (uint8 bit mask).
FAULT_BITS: dict[str, int] = {
    "gap": 1,
    "stuck": 2,
    "drift": 4,
    "spike": 8,
    "battery": 16,
    "clock": 32,
    "outage": 64,
}

#: Gap value of a uint16 count.
UINT16_GAP = 65535


@dataclass(frozen=True)
class Variable:
    """Description of one simulated variable (becomes the Zarr/xarray attrs).

    Attributes
    ----------
    name : str
        Variable name.
    dtype : str
        numpy dtype name (smallest sensible).
    units : str
        UDUNITS-style units ("1" for counts and flags).
    long_name_ja, long_name_en : str
        Labels for people.
    description : str
        What it is and how it is made.
    fill_value : int, float or None
        Value written for a gap (None: the variable has no gaps).
    """

    name: str
    dtype: str
    units: str
    long_name_ja: str
    long_name_en: str
    description: str
    fill_value: int | float | None = None

    def attrs(self) -> dict:
        """xarray/Zarr attributes of the variable."""
        a = {
            "units": self.units,
            "long_name_ja": self.long_name_ja,
            "long_name_en": self.long_name_en,
            "description": self.description,
        }
        if self.fill_value is not None:
            a["_FillValue"] = self.fill_value
        return a


_FAULT_DESC = (
    "Bit mask of what happened to the main variable at this minute: "
    + ", ".join(f"{v} {k}" for k, v in FAULT_BITS.items())
    + " (0: clean)."
)


def _fault() -> Variable:
    return Variable("fault", "uint8", "1", "故障フラグ", "fault flags", _FAULT_DESC)


def _count(name, ja, en, desc, gap=False) -> Variable:
    return Variable(name, "uint16", "1", ja, en, desc, UINT16_GAP if gap else None)


VARIABLES: dict[str, list[Variable]] = {
    "pedestrian": [
        _count(
            "count",
            "歩行者通行量",
            "pedestrian count",
            "Persons passing the counter during the minute, as reported (faults, gaps=65535).",
            gap=True,
        ),
        _count("count_true", "歩行者通行量(真値)", "pedestrian count (truth)", "Persons passing."),
        _fault(),
    ],
    "bicycle_park": [
        _count(
            "occupancy",
            "駐輪台数",
            "parked bicycles",
            "Bicycles parked at the end of the minute, as reported (faults, gaps=65535).",
            gap=True,
        ),
        _count(
            "occupancy_true",
            "駐輪台数(真値)",
            "parked bicycles (truth)",
            "Bicycles parked at the end of the minute; 0 <= occupancy <= capacity and "
            "occupancy[t] = occupancy[t-1] + entries[t] - exits[t].",
        ),
        _count("entries", "入庫台数", "bicycles in", "Bicycles entering during the minute."),
        _count("exits", "出庫台数", "bicycles out", "Bicycles leaving during the minute."),
        _count(
            "refused",
            "満車で入れなかった台数",
            "bicycles refused (full)",
            "Riders who arrived while the park was full and went elsewhere.",
        ),
        _fault(),
    ],
    "counter": [
        _count(
            "queue",
            "待ち人数",
            "persons waiting",
            "Persons holding a ticket and not yet called, end of minute, as reported "
            "(faults, gaps=65535).",
            gap=True,
        ),
        _count("queue_true", "待ち人数(真値)", "persons waiting (truth)", "Persons waiting."),
        _count("tickets", "発券数", "tickets issued", "Tickets issued during the minute."),
        Variable(
            "windows_open",
            "uint8",
            "1",
            "開設窓口数",
            "staffed windows",
            "Windows staffed during the minute (0 when closed).",
        ),
        Variable(
            "wait_min",
            "float32",
            "min",
            "待ち時間目安",
            "estimated waiting time",
            "Queue divided by the service rate of the staffed windows (what the public "
            "display shows); 0 when closed.",
        ),
        _fault(),
    ],
    "rain": [
        Variable(
            "precip",
            "float32",
            "mm",
            "降水量(1分)",
            "precipitation per minute",
            "Tipping-bucket precipitation during the minute (0.5 mm per tip, bucket "
            "emptied at JST midnight), as reported (faults, gaps=NaN). Snow is measured "
            "as melted water equivalent.",
            float("nan"),
        ),
        Variable(
            "precip_true",
            "float32",
            "mm",
            "降水量(1分, 真値)",
            "precipitation per minute (truth)",
            "Water-equivalent precipitation reaching the gauge during the minute.",
        ),
        Variable(
            "snow",
            "uint8",
            "1",
            "降雪フラグ",
            "snow flag",
            "1 when precipitation falls as snow (air temperature below 2 C), else 0.",
        ),
        _fault(),
    ],
    "river": [
        Variable(
            "level",
            "float32",
            "m",
            "水位",
            "river stage",
            "Water level above the gauge datum, as reported (faults, gaps=NaN).",
            float("nan"),
        ),
        Variable("level_true", "float32", "m", "水位(真値)", "river stage (truth)", "Water level."),
        Variable(
            "alert",
            "uint8",
            "1",
            "水位危険度",
            "stage alert level",
            "0 below 氾濫注意水位, 1 at or above 氾濫注意水位 (flood caution), 2 at or "
            "above 避難判断水位 (evacuation judgement), 3 at or above 氾濫危険水位 "
            "(flood danger), from the true level.",
        ),
        _fault(),
    ],
}

#: Main (reported) variable of each kind; it has a ``<main>_true`` copy.
MAIN = {
    "pedestrian": "count",
    "bicycle_park": "occupancy",
    "counter": "queue",
    "rain": "precip",
    "river": "level",
}


def variable(kind: str, name: str) -> Variable:
    """The :class:`Variable` ``name`` of ``kind``."""
    for v in VARIABLES[kind]:
        if v.name == name:
            return v
    raise KeyError(f"{kind} has no variable {name!r}; known: {[v.name for v in VARIABLES[kind]]}")
