"""The columns of the city hall's own tables (行政DX), described as data.

Same style as :mod:`toyama_lab.synth.variables` (one :class:`Variable` per column, with
ja/en names, units and how it is made), for the event tables of
:mod:`toyama_lab.synth.attendance` and :mod:`toyama_lab.synth.applications`.
"""

from __future__ import annotations

from toyama_lab.synth.variables import Variable

__all__ = ["OFFICE_TABLES", "office_variable"]


def _str(name, ja, en, desc) -> Variable:
    return Variable(name, "str", "1", ja, en, desc)


def _time(name, ja, en, desc) -> Variable:
    return Variable(name, "datetime64[us]", "JST", ja, en, desc)


#: Columns of each office table, in order.
OFFICE_TABLES: dict[str, list[Variable]] = {
    "attendance": [
        _str(
            "staff_id",
            "職員(仮名)",
            "staff (pseudonym)",
            "S and a number from a seeded permutation; no name, no link to the department.",
        ),
        _str("dept_id", "所属", "department", "Key of toyama_lab.synth.departments.DEPARTMENTS."),
        Variable("date", "date", "JST", "勤務日", "working day", "Day the work started."),
        _str(
            "pattern",
            "勤務パターン",
            "start pattern",
            "standard (08:30-17:15) or a late start 遅出A-F (09:00-11:30, assumed steps).",
        ),
        _time("clock_in", "出勤時刻", "clock-in", "Time the member of staff clocked in."),
        _time(
            "clock_out",
            "退勤時刻",
            "clock-out",
            "Time the member of staff clocked out (may be after midnight).",
        ),
        Variable(
            "overtime_min",
            "int32",
            "min",
            "時間外勤務",
            "overtime",
            "Minutes worked after the day's regular end (0 on a late-start day).",
        ),
        _str(
            "reason",
            "遅くなった理由",
            "reason for overtime",
            "Truth: budget, council, tax, moving, routine, emergency, or empty.",
        ),
    ],
    "applications": [
        _str(
            "app_id",
            "申請番号",
            "application id",
            "Procedure, day (YYYYMMDD) and a running number within the day.",
        ),
        Variable("date", "date", "JST", "受付日", "day received", "Working day of receipt."),
        _str("procedure", "手続", "procedure", "Key of applications.PROCEDURES."),
        _str("channel", "受付方法", "channel", "paper (窓口・郵送) or online (電子申請)."),
        _str("step", "処理工程", "processing step", "Key of applications.STEPS."),
        Variable(
            "minutes",
            "float64",
            "min",
            "処理時間",
            "staff time",
            "Staff minutes spent on this step of this application.",
        ),
        Variable(
            "automatable",
            "bool",
            "1",
            "自動化可能",
            "automatable",
            "Whether RPA or the online form can take over this step.",
        ),
    ],
}


def office_variable(table: str, name: str) -> Variable:
    """The :class:`Variable` ``name`` of an office table.

    Raises
    ------
    KeyError
        For an unknown table or column, listing the known ones.
    """
    if table not in OFFICE_TABLES:
        raise KeyError(f"unknown table {table!r}; known: {list(OFFICE_TABLES)}")
    for v in OFFICE_TABLES[table]:
        if v.name == name:
            return v
    raise KeyError(
        f"{table} has no column {name!r}; known: {[v.name for v in OFFICE_TABLES[table]]}"
    )
