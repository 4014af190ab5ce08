"""Sentences the disaster workbooks print, written from the computed tables.

A workbook never states a number or a comparison in its markdown that the data decide:
it prints one of these sentences, so the text holds at every city size and seed (an
empty table is explained, not described as full).
"""

from __future__ import annotations

import polars as pl

from toyama_lab.viz.labels import check_lang

__all__ = ["greedy_sentence", "lead_time_sentence"]


def _minutes(x: float) -> str:
    return f"{x:.0f}"


def lead_time_sentence(lead: pl.DataFrame, *, lang: str = "ja") -> str:
    """Describe the lead times of :func:`toyama_lab.disaster.alerts.lead_times`.

    Parameters
    ----------
    lead : polars.DataFrame
        The table of ``alerts.lead_times`` with the default levels (caution -> danger):
        columns ``first_danger``, ``lead_rain_to_danger_min`` and
        ``lead_caution_to_danger_min`` [min].
    lang : {"ja", "en"}

    Returns
    -------
    str
        How many gauges reached the flood danger level, the median lead from the upstream
        rain peak and the shortest lead from the caution level; or, when no gauge reached
        it, a sentence saying so.

    Raises
    ------
    ValueError
        If ``lang`` is not supported or a column is missing.

    Examples
    --------
    >>> import datetime as dt
    >>> t = dt.datetime(2025, 7, 8)
    >>> lead = pl.DataFrame({"first_danger": [t, None], "lead_rain_to_danger_min": [150.0, None],
    ...                      "lead_caution_to_danger_min": [90.0, None]})
    >>> lead_time_sentence(lead, lang="en").split(": ")[1]
    'median lead from the upstream rain peak 150 min, shortest from the caution level 90 min.'
    """
    check_lang(lang)
    need = {"first_danger", "lead_rain_to_danger_min", "lead_caution_to_danger_min"}
    missing = need - set(lead.columns)
    if missing:
        raise ValueError(
            f"lead table lacks {sorted(missing)}; pass the table of alerts.lead_times(...) "
            "with the default levels ('caution', 'danger')."
        )
    n, n_danger = lead.height, int(lead["first_danger"].is_not_null().sum())
    if n_danger == 0:
        return (
            f"観測所 {n} か所のどれも、この期間には氾濫危険水位に達しませんでした"
            "(リードタイムの列は空です)。"
            if lang == "ja"
            else f"None of the {n} gauges reached the flood danger level in this period "
            "(the lead-time columns are empty)."
        )
    rain = lead["lead_rain_to_danger_min"].drop_nulls()
    caution = lead["lead_caution_to_danger_min"].drop_nulls()
    rain_txt = _minutes(rain.median()) if rain.len() else "—"
    caution_txt = _minutes(caution.min()) if caution.len() else "—"
    if lang == "ja":
        return (
            f"観測所 {n} か所のうち {n_danger} か所が氾濫危険水位に達しました: "
            f"上流の雨のピークからのリードタイムの中央値 {rain_txt} 分、"
            f"氾濫注意水位からの最短 {caution_txt} 分。"
        )
    return (
        f"{n_danger} of {n} gauges reached the flood danger level: median lead from the upstream "
        f"rain peak {rain_txt} min, shortest from the caution level {caution_txt} min."
    )


def greedy_sentence(picks: pl.DataFrame, *, lang: str = "ja") -> str:
    """Describe the sites of :func:`toyama_lab.disaster.coverage.greedy_sites`.

    Parameters
    ----------
    picks : polars.DataFrame
        Columns ``step``, ``gain`` [sensor-min] and ``share`` [-] (cumulative share of the
        total weight regained), one row per site chosen.
    lang : {"ja", "en"}

    Returns
    -------
    str
        The number of sites, the first site's gain, and whether later gains shrink
        (diminishing returns); when no site regains anything (no sensor lost its gateway,
        the table is empty) a sentence saying so.

    Raises
    ------
    ValueError
        If ``lang`` is not supported or a column is missing.

    Examples
    --------
    >>> picks = pl.DataFrame({"step": [1, 2], "gain": [600.0, 120.0], "share": [0.5, 0.6]})
    >>> greedy_sentence(picks, lang="en").split("; ")[1]
    'later sites add less (10.0 % more with all 2).'
    """
    check_lang(lang)
    missing = {"step", "gain", "share"} - set(picks.columns)
    if missing:
        raise ValueError(
            f"picks lacks {sorted(missing)}; pass the table of coverage.greedy_sites(...)."
        )
    gains = picks.filter(pl.col("gain") > 0)
    if gains.height == 0:
        return (
            "ゲートウェイの停止で圏外になったセンサーがないので、追加の候補は選ばれませんでした "
            "(表は空です)。マージンを小さくするか、規模 (size) を大きくして試してください。"
            if lang == "ja"
            else "No sensor lost its gateway, so no additional site was chosen (the table is "
            "empty). Try a smaller margin or a larger size."
        )
    first_h = gains["gain"][0] / 60.0
    first_share = 100.0 * gains["share"][0]
    more = 100.0 * (gains["share"][-1] - gains["share"][0])
    n = gains.height
    if lang == "ja":
        tail = (
            f"2 か所目以降の上乗せは小さくなります ({n} か所すべてで +{more:.1f} %)。"
            if n > 1
            else "上乗せのある候補は 1 か所だけでした。"
        )
        return (
            f"{n} か所を選びました: 1 か所目で {first_h:.1f} 時間 "
            f"(失われた時間の {first_share:.1f} %) を取り戻せます。{tail}"
        )
    tail = (
        f"later sites add less ({more:.1f} % more with all {n})."
        if n > 1
        else "only one site adds anything."
    )
    return (
        f"{n} sites chosen: the first regains {first_h:.1f} h ({first_share:.1f} % of the lost "
        f"time); {tail}"
    )
