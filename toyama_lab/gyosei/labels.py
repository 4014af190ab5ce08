"""Words of the 行政DX workbooks (figures, tables, printed lines) in Japanese or English."""

from __future__ import annotations

from toyama_lab.synth.departments import SEASONS
from toyama_lab.viz.labels import check_lang

__all__ = ["TEXT", "reason_label", "text"]

#: Words of the figures, tables and printed lines: key -> (ja, en).
TEXT: dict[str, tuple[str, str]] = {
    "rest_h": ("休息時間 [時間]", "rest between working days [h]"),
    "n_days": ("勤務日数", "working days"),
    "rest_title": ("勤務間の休息時間の分布", "Rest between two working days"),
    "rest_line": ("11 時間", "11 h"),
    "date": ("日付", "date"),
    "n_short": ("11 時間未満の件数", "rests under 11 h"),
    "short_title": (
        "休息 11 時間未満はいつ、なぜ (前日が遅くなった理由)",
        "When and why rests fall under 11 h (reason for the late day before)",
    ),
    "kpi_title": (
        "所属別 KPI: 休息 11 時間未満 (100 勤務日あたり)",
        "Department KPI: rests under 11 h per 100 working days",
    ),
    "per_100": ("100 勤務日あたり", "per 100 working days"),
    "suppressed": ("X (秘匿)", "X (suppressed)"),
    "cost_title": (
        "遅出の人数・パターンと窓口の追加待ち時間 (平均的な開庁日)",
        "Late starts at the counter: added waiting on a typical day",
    ),
    "added_wait": ("追加の待ち時間 [人・分]", "added waiting [citizen-minutes]"),
    "pattern": ("遅出パターン", "late-start pattern"),
    "n_late": ("遅出の人数", "staff starting late"),
    "overloaded": ("過負荷", "overloaded"),
    "hours": ("職員の作業時間 [時間]", "staff time [h]"),
    "step": ("処理工程", "processing step"),
    "steps_title": (
        "手続・工程ごとの作業時間 (斜線: 自動化できる工程)",
        "Staff time by procedure and step (hatched: automatable)",
    ),
    "paper": ("紙", "paper"),
    "online": ("オンライン", "online"),
    "saving": ("年間の削減時間 [時間/年]", "hours saved a year [h/year]"),
    "boot_title": (
        "削減時間の推定とブートストラップ区間",
        "Hours saved: estimate and bootstrap interval",
    ),
    "estimate": ("推定値", "estimate"),
    "interval": ("区間", "interval"),
    "resamples": ("再標本の数", "resamples"),
    "routine": ("通常業務", "routine work"),
    "emergency": ("災害対応", "emergency duty"),
    "": ("(残業なし)", "(no overtime)"),
}


def text(key: str, lang: str = "ja") -> str:
    """The word for ``key`` in ``lang`` (see :data:`TEXT`).

    Examples
    --------
    >>> text("rest_line", "en")
    '11 h'
    """
    check_lang(lang)
    if key not in TEXT:
        raise KeyError(f"no text {key!r}; known: {sorted(TEXT)}")
    return TEXT[key][0 if lang == "ja" else 1]


def reason_label(reason: str, lang: str = "ja") -> str:
    """People's name of a reason for overtime (a busy season, routine, emergency).

    Examples
    --------
    >>> reason_label("emergency", "en")
    'emergency duty'
    """
    if reason in SEASONS:
        return SEASONS[reason][2 if lang == "ja" else 3]
    return text(reason, lang)
