"""Parameter schemas of the 行政DX workbooks (:func:`toyama_lab.reports.params.validate`)."""

from __future__ import annotations

from toyama_lab.reports.params import Param, schema
from toyama_lab.synth.attendance import WORK_SCENARIOS

__all__ = ["INTERVAL_SCHEMA", "ONLINE_SCHEMA"]

#: Parameters of ``workbooks/gyosei/01-work-interval.ipynb``.
INTERVAL_SCHEMA = schema(
    "size",
    "seed",
    "start",
    "days",
    "lang",
    "interactive",
    scenario=Param(
        "str", choices=tuple(WORK_SCENARIOS), help="attendance scenario", example="budget-season"
    ),
    uptake=Param("float", min=0, max=1, help="share of eligible days started late", example="0.35"),
    k=Param("int", min=1, max=20, help="minimum staff behind a published figure", example="3"),
    cover=Param("int", min=0, max=11, help="staff covering a late starter's window", example="1"),
)

#: Parameters of ``workbooks/gyosei/02-online-procedures.ipynb``.
ONLINE_SCHEMA = schema(
    "size",
    "seed",
    "start",
    "days",
    "lang",
    "interactive",
    online_share=Param("float", min=0, max=1, help="online share after the change", example="0.6"),
    rpa_cut=Param(
        "float", min=0, max=1, help="share of automatable minutes RPA takes", example="0.8"
    ),
    n_boot=Param("int", min=100, max=20000, help="bootstrap resamples", example="2000"),
    level=Param("float", min=0.5, max=0.99, help="coverage of the interval", example="0.95"),
)
