"""Sentences the disaster workbooks print, written from the computed tables.

A workbook never states a number or a comparison in its markdown that the data decide:
it prints one of these sentences, so the text holds at every city size and seed (an
empty table is explained, not described as full).
"""

from __future__ import annotations

import polars as pl

from toyama_lab.viz.labels import check_lang

__all__ = ["greedy_sentence", "lead_time_sentence", "loss_sentence", "quake_sentence"]


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


def greedy_sentence(picks: pl.DataFrame, lost_min: float = 0.0, *, lang: str = "ja") -> str:
    """Describe the sites of :func:`toyama_lab.disaster.coverage.greedy_sites`.

    Parameters
    ----------
    picks : polars.DataFrame
        Columns ``step``, ``gain`` [sensor-min] and ``share`` [-] (cumulative share of the
        total weight regained), one row per site chosen.
    lost_min : float
        The total weight the sites could regain (e.g. ``losses["lost_min"].sum()``), to
        tell "nothing was lost" from "no candidate reaches what was lost". [sensor-min]
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
    if gains.height == 0 and lost_min > 0:
        return (
            "圏外になったセンサーはありますが、どの候補地からも届かないので、"
            "追加の候補は選ばれませんでした "
            "(表は空です)。"
            if lang == "ja"
            else "Some sensors were cut off, but no candidate site is in their reach, so no site "
            "was chosen (the table is empty)."
        )
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


def quake_sentence(quake, *, lang: str = "ja") -> str:
    """One line about a scenario's earthquake, or that the scenario has none.

    Parameters
    ----------
    quake : toyama_lab.synth.scenario.Quake or None
        ``time``, ``lon``, ``lat`` [°], ``magnitude`` and ``name_ja``.
    lang : {"ja", "en"}
        English omits the Japanese name.

    Returns
    -------
    str

    Examples
    --------
    >>> quake_sentence(None, lang="en")
    'This scenario has no earthquake (the outage table is empty).'
    """
    check_lang(lang)
    if quake is None:
        return (
            "このシナリオには地震がありません (停電の表は空です)。"
            if lang == "ja"
            else "This scenario has no earthquake (the outage table is empty)."
        )
    when = quake.time.strftime("%Y-%m-%d %H:%M")
    if lang == "ja":
        return (
            f"{quake.name_ja}: M{quake.magnitude:.1f}、{when} (JST)、"
            f"震央 {quake.lon:.3f}°E {quake.lat:.3f}°N"
        )
    return (
        f"Earthquake M{quake.magnitude:.1f} at {when} (JST), epicentre {quake.lon:.3f}°E "
        f"{quake.lat:.3f}°N"
    )


def loss_sentence(losses: pl.DataFrame, *, lang: str = "ja") -> str:
    """Sensors never in reach, sensors cut off by dark gateways and the sensor-hours lost.

    Parameters
    ----------
    losses : polars.DataFrame
        :func:`toyama_lab.disaster.coverage.sensor_loss_table`: ``never_in_reach`` (bool)
        and ``lost_min`` [min].
    lang : {"ja", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> t = pl.DataFrame({"never_in_reach": [True, False], "lost_min": [0.0, 120.0]})
    >>> loss_sentence(t, lang="en").split("; ")[1]
    'cut off by dark gateways: 1 sensors, 2 sensor-hours lost.'
    """
    check_lang(lang)
    n_never = int(losses["never_in_reach"].sum())
    lost = losses.filter(pl.col("lost_min") > 0)
    hours = float(lost["lost_min"].sum()) / 60.0
    if lang == "ja":
        return (
            f"平常時も圏外のセンサー: {n_never} 台 (この仮定のリンクバジェットでは届かない); "
            f"ゲートウェイ停止で圏外になったセンサー: {lost.height} 台、"
            f"失われた時間 {hours:.0f} センサー時間"
        )
    return (
        f"Out of reach even in normal times: {n_never} sensors; cut off by dark gateways: "
        f"{lost.height} sensors, {hours:.0f} sensor-hours lost."
    )
