"""The monthly KPI report: toyama_lab.reports.monthly, its workbook, job file and A4 PDF."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from toyama_lab.reports import ParameterError
from toyama_lab.reports import monthly as m
from toyama_lab.reports.job import load_job

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbooks" / "reports" / "monthly-kpi.ipynb"

#: Section headings of the workbook, as printed (one per KPI).
HEADINGS = (
    "1. 歩行者通行量",
    "2. 窓口の待ち時間",
    "3. 駐輪場の混雑お知らせ",
    "4. 川の水位",
    "5. センサーネットワーク",
    "6. 自主防災組織の組織率",
)


@pytest.mark.parametrize(
    ("month", "start", "days"),
    [("2025-01", dt.date(2025, 1, 1), 31), ("2024-02", dt.date(2024, 2, 1), 29),
     ("2025-02", dt.date(2025, 2, 1), 28), ("2025-12", dt.date(2025, 12, 1), 31)],
)  # fmt: skip
def test_month_period(month, start, days):
    assert m.month_period(month) == (start, days)


@pytest.mark.parametrize("month", ["2025-13", "2025-1", "25-01", "2025/01", "", None])
def test_month_period_refuses_bad_months(month):
    with pytest.raises(ParameterError, match=r"parameter 'month' = .* YYYY-MM.*-p month 2025-04"):
        m.month_period(month)


def test_fiscal_year_starts_in_april():
    assert [m.fiscal_year(dt.date(2025, k, 1)) for k in (1, 3, 4, 12)] == [2024, 2024, 2025, 2025]


def test_dark_days_counts_whole_days_without_readings():
    values = np.ones((3, 3 * 1440), dtype=np.float32)
    values[0, :1440] = np.nan  # a whole day dark
    values[1, 100:1500] = np.nan  # 1,400 minutes over two days: never a whole day
    counts = np.full((1, 2 * 1440), 65535, dtype=np.uint16)  # uint16 counts: fill value
    assert m.dark_days(values).tolist() == [1, 0, 0]
    assert m.dark_days(counts).tolist() == [2]
    with pytest.raises(ValueError, match="whole days"):
        m.dark_days(values[:, :100])


VALUES = {
    "pedestrians": {"pedestrians_per_point": 8100.0, "pedestrians_target": 7500.0,
                    "pedestrians_ratio": 1.08, "pedestrians_days_achieved": 20, "days": 31},
    "counters": {"wait_mean_min": 4.2, "wait_worst_min": 12.5, "wait_worst_counter": "本庁舎",
                 "wait_worst_hour": 9},
    "parking": {"parking_busy_share": 0.12, "parking_full_share": 0.03, "parking_worst": "駅北",
                "parking_worst_full_share": 0.08},
    "river": {"river_gauges": 3, "river_max_alert": 2, "river_caution": 2, "river_evac": 1,
              "river_danger": 0},
    "network": {"delivery_rate": 0.9876, "sensors": 25, "dark_sensors": 2},
    "bousai": {"bousai_rate": 0.861, "bousai_change": 0.012, "bousai_year": 2024},
}  # fmt: skip

EXPECTED = {
    ("pedestrians", "ja"): (
        "1 地点あたり平均 8,100 人/日 で、目標 7,500 の 108%。"
        "目標を上回りました (達成した日 20/31 日)。"
    ),
    ("pedestrians", "en"): (
        "8,100 persons/day per point, 108% of the "
        "target 7,500: above the target (20/31 days achieved)."
    ),
    ("counters", "en"): (
        "Mean wait in opening hours 4.2 min; the "
        "busiest is 本庁舎 at 9:00 (12.5 min): guide people away from that hour."
    ),
    ("parking", "ja"): (
        "駐輪場が混雑以上だった時間は全体の 12.0%、満車は 3.0%。"
        "満車が最も多いのは 駅北 (8.0%)。"
    ),
    ("river", "ja"): (
        "最高で 避難判断水位 に達しました (注意 2・避難判断 1・危険 0 か所 / 3 か所)。"
        ""
    ),
    ("river", "en"): (
        "Highest level reached: evacuation decision "
        "(caution 2, evacuation 1, danger 0 of 3 gauges)."
    ),
    ("network", "ja"): (
        "上りデータの到達率は 98.76%。"
        "2 台が 1 日以上まったく届かず、点検が必要です (全 25 台)。"
    ),
    ("bousai", "en"): (
        "Organisation rate in FY2024 (synthetic) "
        "86.1%, up on the year before (+1.2 points)."
    ),
}  # fmt: skip


@pytest.mark.parametrize(("section", "lang"), list(EXPECTED))
def test_interpret_reads_the_values(section, lang):
    assert m.interpret(section, VALUES[section], lang) == EXPECTED[section, lang]


def test_interpret_turns_with_the_values():
    below = VALUES["pedestrians"] | {"pedestrians_ratio": 0.9}
    assert "目標に届きませんでした" in m.interpret("pedestrians", below)
    calm = VALUES["network"] | {"dark_sensors": 0}
    assert "no sensor was dark" in m.interpret("network", calm, "en")
    flat = VALUES["bousai"] | {"bousai_change": 0.0}
    assert "上がっていません" in m.interpret("bousai", flat)
    with pytest.raises(ValueError, match="not one of"):
        m.interpret("weather", {})
    with pytest.raises(ValueError, match="'ja' or 'en'"):
        m.interpret("river", VALUES["river"], "fr")


def test_the_2025_job_runs_the_twelve_months():
    job = load_job(ROOT / "reports" / "monthly-2025.toml")
    assert [r.params["month"] for r in job.runs] == [f"2025-{k:02d}" for k in range(1, 13)]
    assert all(r.pdf and r.workbook == WORKBOOK for r in job.runs)
    assert len({r.key for r in job.runs}) == 12


@pytest.mark.slow
def test_monthly_report_pdf_has_a_section_per_kpi_in_japanese(tmp_path):
    """One month at size tiny through the job engine, printed to A4 with WeasyPrint."""
    from browser import require_japanese_font

    require_japanese_font()  # skip locally / fail in CI: without it the PDF has no text
    from pypdf import PdfReader

    from toyama_lab.reports.engine import run_job
    from toyama_lab.reports.job import job_from_args

    job = job_from_args(WORKBOOK, [("size", "tiny")], ["month=2025-01"], tmp_path, pdf=True)
    index = run_job(job, progress=False)
    row = index.row(0, named=True)
    assert row["status"] == "ok", row
    values = json.loads(row["values"])
    assert {"delivery_rate", "dark_sensors", "bousai_rate", "river_max_alert"} <= set(values)
    reader = PdfReader(tmp_path / row["pdf"])
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 [mm]
    text = "\n".join(page.extract_text() for page in reader.pages)
    positions = [text.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    for i, section in enumerate(m.SECTIONS):
        first = m.interpret(section, values, "ja").split("。")[0]
        end = positions[i + 1] if i + 1 < len(positions) else len(text)
        printed = text[positions[i] : end].replace(" ", "").replace("\n", "")
        assert first.replace(" ", "") in printed, (section, first)
    assert "演習" not in text and "¶" not in text  # print-skip cells and anchors left out
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"]
            embedded = any(k in descriptor.get_object() for k in ("/FontFile2", "/FontFile3"))
            fonts.add((str(font["/BaseFont"]), embedded))
    assert any("CJK-JP" in name and embedded for name, embedded in fonts), fonts
    assert all(embedded for _, embedded in fonts), fonts
