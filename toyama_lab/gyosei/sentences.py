"""Sentences printed by the 行政DX workbooks, built from the computed values.

Every number a workbook states comes from here (or from a table it shows), in Japanese
or English, and each function says something sensible when a table is empty (no short
rest, no late start, a suppressed department).
"""

from __future__ import annotations

import math

import polars as pl

from toyama_lab.gyosei.labels import reason_label
from toyama_lab.synth.applications import STEPS
from toyama_lab.viz.labels import check_lang

__all__ = [
    "applications_sentence",
    "cost_sentences",
    "interval_sentences",
    "kpi_sentences",
    "log_sentence",
    "manager_summary",
    "saving_sentences",
    "step_sentences",
]


def log_sentence(log: pl.DataFrame, lang: str = "ja") -> str:
    """What the attendance log holds: staff, departments, days, rows."""
    check_lang(lang)
    if log.height == 0:
        return "勤務記録がありません。" if lang == "ja" else "The attendance log is empty."
    d0, d1 = log["date"].min(), log["date"].max()
    staff, depts, days = (
        log["staff_id"].n_unique(),
        log["dept_id"].n_unique(),
        log["date"].n_unique(),
    )
    if lang == "ja":
        return (
            f"{d0} から {d1} までの {days} 勤務日、{depts} 所属の職員 {staff} 人、"
            f"{log.height:,} 行の勤務記録です。"
        )
    return (
        f"{log.height:,} rows: {staff} staff of {depts} departments on {days} working days "
        f"from {d0} to {d1}."
    )


def interval_sentences(intervals: pl.DataFrame, lang: str = "ja") -> list[str]:
    """Who falls under 11 hours, and after what kind of day.

    Parameters
    ----------
    intervals : polars.DataFrame
        From :func:`toyama_lab.gyosei.interval.rest_intervals`.
    lang : {"ja", "en"}

    Returns
    -------
    list of str
    """
    check_lang(lang)
    n = intervals.height
    short = intervals.filter(pl.col("short"))
    k, people = short.height, short["staff_id"].n_unique()
    ja = lang == "ja"
    if n == 0:
        return ["連続した勤務日がありません。" if ja else "No two consecutive working days."]
    out = [
        f"連続した勤務日の間の休息 {n:,} 件のうち、11 時間未満は {k:,} 件 ({100 * k / n:.1f} %)、"
        f"職員 {people} 人です。"
        if ja
        else f"Of {n:,} rests between working days, {k:,} ({100 * k / n:.1f} %) were under "
        f"11 h, for {people} staff."
    ]
    if k == 0:
        out.append(
            "この期間と規模では、11 時間を切った日はありませんでした。"
            if ja
            else "In this period and size no rest fell under 11 hours."
        )
        return out
    why = short.group_by("prev_reason").len().sort("len", descending=True)
    top, top_n = why["prev_reason"][0], why["len"][0]
    out.append(
        f"最も多い理由は前日の「{reason_label(top, lang)}」で {top_n} 件、"
        f"最短の休息は {short['rest_h'].min():.1f} 時間でした。"
        if ja
        else f"The most common reason is the day before: {reason_label(top, lang)} "
        f"({top_n}); the shortest rest was {short['rest_h'].min():.1f} h."
    )
    late = intervals.filter(pl.col("pattern") != "standard").height
    out.append(
        f"遅出勤務を使った日は {late} 日でした (使えば休息は原則 11 時間以上になります)。"
        if ja
        else f"A late start was taken on {late} days (it gives 11 h of rest in principle)."
    )
    return out


def kpi_sentences(kpi: pl.DataFrame, k: int, lang: str = "ja") -> list[str]:
    """The department KPI in words: highest department, and how many were suppressed."""
    check_lang(lang)
    ja = lang == "ja"
    shown = kpi.filter(~pl.col("suppressed"))
    hidden = kpi.height - shown.height
    name = "name_ja" if ja else "name_en"
    out = []
    if shown.height and shown["short_per_100"].max() > 0:
        top = shown.sort("short_per_100", descending=True).row(0, named=True)
        out.append(
            f"公表できる所属で最も高いのは {top[name]} の 100 勤務日あたり "
            f"{top['short_per_100']:.1f} 件です。"
            if ja
            else f"The highest published figure is {top[name]}: "
            f"{top['short_per_100']:.1f} per 100 working days."
        )
    elif shown.height:
        out.append(
            "公表できる所属では、11 時間未満の休息はありませんでした。"
            if ja
            else "No published department had a rest under 11 hours."
        )
    if hidden == 0:
        out.append(
            f"どの所属も {k} 人以上の職員の数字なので、秘匿 (X) はありません。"
            if ja
            else f"Every department's figure stands on at least {k} staff: nothing suppressed."
        )
    else:
        out.append(
            f"{hidden} 所属は、該当する職員が {k} 人未満のため秘匿 (X) しました。"
            if ja
            else f"{hidden} departments were suppressed (X): fewer than {k} staff behind "
            "the figure."
        )
    return out


def cost_sentences(
    table: pl.DataFrame, mornings: pl.DataFrame, lang: str = "ja", *, cover: int = 0
) -> list[str]:
    """What late starts cost at the counter, and how often they happened in the log.

    Parameters
    ----------
    table : polars.DataFrame
        From :func:`toyama_lab.gyosei.counter_cost.late_start_table`.
    mornings : polars.DataFrame
        From :func:`toyama_lab.gyosei.counter_cost.mornings_by_late_count`.
    lang : {"ja", "en"}
    cover : int
        The cover staff the table was made with (the sentence speaks of the smallest
        number of late starters that the cover does not absorb).
    """
    check_lang(lang)
    ja = lang == "ja"
    beyond = table.filter(pl.col("n_late") > cover)
    out = []
    if beyond.height == 0:
        most = int(table["n_late"].max())
        out.append(
            f"{cover} 人が代わりに入れば、遅出が {most} 人までなら窓口の待ちは増えません。"
            if ja
            else f"With {cover} staff covering, up to {most} late starters add no waiting."
        )
    else:
        one = beyond.filter(pl.col("n_late") == beyond["n_late"].min()).sort("slots")
        first, last = one.row(0, named=True), one.row(-1, named=True)

        def cost(r):
            if math.isinf(r["added_wait_min"]):
                return "過負荷 (行列が伸び続ける)" if ja else "overloaded (the line keeps growing)"
            v = r["added_wait_min"]
            return f"{v:.0f} 人・分" if ja else f"{v:.0f} citizen-minutes"

        n = first["n_late"]
        out.append(
            f"代わりに入る職員 {cover} 人で、{n} 人が遅出{first['pattern']} "
            f"({first['start']} 開始) なら追加の待ちは {cost(first)}、"
            f"遅出{last['pattern']} ({last['start']}) なら {cost(last)} です。"
            if ja
            else f"With {cover} staff covering, {n} staff on pattern {first['pattern']} (from "
            f"{first['start']}) add {cost(first)}; on pattern {last['pattern']} (from "
            f"{last['start']}) {cost(last)}."
        )
    days = int(mornings["days"].sum())
    late_days = int(mornings.filter(pl.col("n_late") > 0)["days"].sum())
    out.append(
        f"この期間の開庁日 {days} 日のうち、窓口の職員が遅出をした朝は {late_days} 日でした。"
        if ja
        else f"Of {days} open days in this period, counter staff started late on {late_days} "
        f"morning{'' if late_days == 1 else 's'}."
    )
    return out


def manager_summary(result: dict, *, online_share: float, rpa_cut: float, truth_h: float | None,
                    rpa_hours: int, lang: str = "ja") -> str:  # fmt: skip
    """A one-page summary for a manager, in Markdown.

    Parameters
    ----------
    result : dict
        From :func:`toyama_lab.gyosei.online.bootstrap_saving`.
    online_share, rpa_cut : float
        The change that was assessed. [-]
    truth_h : float or None
        The saving of the synthetic truth (shown as a check), or None. [h/year]
    rpa_hours : int
        Toyama Prefecture's RPA saving, for scale. [h/year]
    lang : {"ja", "en"}
    """
    check_lang(lang)
    r = result
    pct = round(100 * r["level"])
    share = rpa_hours and r["saving_h"] / rpa_hours * 100
    if lang == "ja":
        lines = [
            "### 手続のオンライン化と RPA: 1 枚まとめ",
            f"- **提案**: オンライン申請の割合を {online_share:.0%} に、自動化できる工程"
            f"(入力・通知) の {rpa_cut:.0%} を RPA で処理。",
            f"- **効果**: 年間 **{r['saving_h']:,.0f} 時間** の削減 ({pct} % 区間 "
            f"{r['low_h']:,.0f}–{r['high_h']:,.0f} 時間)。常勤職員 約 {r['fte']:.1f} 人分。",
            f"- **現在** {r['before_h']:,.0f} 時間/年 → **変更後** {r['after_h']:,.0f} 時間/年 "
            f"(観測 {r['n_days']} 開庁日からの推定)。",
            f"- **規模感**: 富山県の RPA による削減 約 {rpa_hours:,} 時間/年 の {share:.1f} %。",
            "- **注意**: 紙の申請はなくさない (デジタルデバイド)。数値は合成データ。",
        ]
        if truth_h is not None:
            lines.append(f"- **検算** (合成データの真値): {truth_h:,.0f} 時間/年。")
    else:
        lines = [
            "### Moving procedures online, with RPA: one-page summary",
            f"- **Proposal**: raise the online share to {online_share:.0%}; RPA takes over "
            f"{rpa_cut:.0%} of the automatable steps (data entry, notices).",
            f"- **Effect**: **{r['saving_h']:,.0f} hours a year** saved ({pct} % interval "
            f"{r['low_h']:,.0f}-{r['high_h']:,.0f} h), about {r['fte']:.1f} full-time staff.",
            f"- **Today** {r['before_h']:,.0f} h/year -> **after** {r['after_h']:,.0f} h/year "
            f"(estimated from {r['n_days']} observed open days).",
            f"- **Scale**: {share:.1f} % of Toyama Prefecture's RPA saving of about "
            f"{rpa_hours:,} h/year.",
            "- **Caution**: keep paper applications (digital divide). Synthetic data.",
        ]
        if truth_h is not None:
            lines.append(f"- **Check** (truth of the synthetic data): {truth_h:,.0f} h/year.")
    return "\n".join(lines)


def applications_sentence(log: pl.DataFrame, lang: str = "ja") -> str:
    """What the application log holds: applications, days, online share."""
    check_lang(lang)
    apps = log.unique("app_id")
    if apps.height == 0:
        return "申請がありません。" if lang == "ja" else "No applications in this period."
    online = (apps["channel"] == "online").mean()
    days = apps["date"].n_unique()
    if lang == "ja":
        return (
            f"{days} 開庁日に {apps.height:,} 件の申請 (うちオンライン {online:.0%})、"
            f"{log.height:,} 行の処理記録です。"
        )
    return (
        f"{apps.height:,} applications on {days} open days ({online:.0%} online), "
        f"{log.height:,} rows of processing steps."
    )


def step_sentences(hours: pl.DataFrame, lang: str = "ja") -> list[str]:
    """Where the hours go: the share on automatable steps and the biggest step on paper."""
    check_lang(lang)
    ja = lang == "ja"
    total = hours["hours"].sum()
    if total == 0:
        return ["作業時間がありません。" if ja else "No staff time recorded."]
    auto = hours.filter(pl.col("automatable"))["hours"].sum()
    paper = hours.filter(pl.col("channel") == "paper")
    by_step = paper.group_by("step").agg(pl.col("hours").sum()).sort("hours", descending=True)
    top = by_step.row(0, named=True) if by_step.height else {"step": "-", "hours": 0.0}
    step = STEPS.get(top["step"], (top["step"], top["step"]))[0 if ja else 1]
    return [
        f"作業時間 {total:,.0f} 時間のうち、自動化できる工程 (入力・通知) は {auto:,.0f} 時間 "
        f"({auto / total:.0%}) です。"
        if ja
        else f"Of {total:,.0f} staff hours, {auto:,.0f} ({auto / total:.0%}) are on automatable "
        "steps (data entry, notices).",
        f"紙の申請で最も時間がかかる工程は「{step}」で {top['hours']:,.0f} 時間です。"
        if ja
        else f"On paper, the step that takes longest is {step}: {top['hours']:,.0f} h.",
    ]


def saving_sentences(result: dict, truth_h: float | None, lang: str = "ja") -> list[str]:
    """The before/after estimate and its interval in words, and the check against the truth."""
    check_lang(lang)
    r, ja = result, lang == "ja"
    pct = round(100 * r["level"])
    out = [
        f"年間 {r['before_h']:,.0f} 時間 → {r['after_h']:,.0f} 時間、"
        f"削減 {r['saving_h']:,.0f} 時間 ({pct} % 区間 {r['low_h']:,.0f}〜{r['high_h']:,.0f} "
        f"時間、{r['n_days']} 開庁日から推定)。"
        if ja
        else f"{r['before_h']:,.0f} h/year -> {r['after_h']:,.0f} h/year: {r['saving_h']:,.0f} h "
        f"saved ({pct} % interval {r['low_h']:,.0f}-{r['high_h']:,.0f} h, from {r['n_days']} "
        "open days)."
    ]
    if truth_h is not None:
        inside = r["low_h"] <= truth_h <= r["high_h"]
        if ja:
            where = "区間の中にあります" if inside else "区間の外にあります"
            out.append(f"合成データの真値は {truth_h:,.0f} 時間で、{where}。")
        else:
            where = "inside" if inside else "outside"
            out.append(
                f"The truth of the synthetic data, {truth_h:,.0f} h, is {where} the interval."
            )
    return out
