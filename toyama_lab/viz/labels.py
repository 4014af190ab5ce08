"""Japanese and English labels for variables and for the user interface.

Figures and workbooks never hard-code a label: they call :func:`label` with a key
and the reader's language, so one figure function serves both a Japanese training
room and an English seminar.
"""

from __future__ import annotations

import difflib

__all__ = ["LABELS", "LANGS", "bilingual", "check_lang", "label"]

#: Languages a label exists in.
LANGS: tuple[str, ...] = ("ja", "en")

#: ``key -> (Japanese, English)``. Units in square brackets, as in the docstrings.
LABELS: dict[str, tuple[str, str]] = {
    # map layers
    "district": ("地区", "District"),
    "river": ("河川", "River"),
    "tram": ("路面電車・LRT", "Tram / LRT"),
    "rail": ("鉄道", "Railway"),
    "station": ("駅・停留場", "Station / stop"),
    "school": ("小学校", "Elementary school"),
    "counter": ("市役所等の窓口", "City-hall counter"),
    "gateway": ("ゲートウェイ", "Gateway"),
    "sensor": ("センサー", "Sensor"),
    "place": ("施設", "Place"),
    "lon": ("経度 [°]", "Longitude [°]"),
    "lat": ("緯度 [°]", "Latitude [°]"),
    # sensor kinds
    "pedestrian": ("歩行者通行量センサー", "Pedestrian counter"),
    "bicycle_park": ("駐輪場センサー", "Bicycle-park sensor"),
    "rain": ("雨量計", "Rain gauge"),
    # time-series variables
    "time": ("時刻 (JST)", "Time (JST)"),
    "date": ("日付", "Date"),
    "hour": ("時 (JST)", "Hour (JST)"),
    "count": ("通行量 [人/分]", "Count [persons/min]"),
    "occupancy": ("在車台数 [台]", "Bicycles parked [bicycles]"),
    "occupancy_rate": ("占有率 [%]", "Occupancy [%]"),
    "queue": ("待ち人数 [人]", "Queue length [persons]"),
    "rain_mm": ("雨量 [mm/分]", "Rainfall [mm/min]"),
    "level_m": ("水位 [m]", "River level [m]"),
    "battery_v": ("電池電圧 [V]", "Battery voltage [V]"),
    # river warning levels (国土交通省 水位の名称)
    "gauge_caution_m": ("氾濫注意水位", "Flood caution level"),
    "gauge_evac_m": ("避難判断水位", "Evacuation decision level"),
    "gauge_danger_m": ("氾濫危険水位", "Flood danger level"),
    # radio and frames
    "sf": ("拡散率 (SF)", "Spreading factor (SF)"),
    "bandwidth_khz": ("帯域幅 [kHz]", "Bandwidth [kHz]"),
    "payload_bytes": ("ペイロード長 [バイト]", "Payload size [bytes]"),
    "phy_bytes": ("フレーム長 [バイト]", "Frame size [bytes]"),
    "time_on_air_ms": ("送信時間 (エアタイム) [ms]", "Time on air [ms]"),
    "duty_cycle": ("送信時間率 [%]", "Duty cycle [%]"),
    "interval_s": ("送信間隔 [s]", "Uplink interval [s]"),
    "rssi_dbm": ("受信電力 RSSI [dBm]", "RSSI [dBm]"),
    "snr_db": ("信号対雑音比 SNR [dB]", "SNR [dB]"),
    "fcnt": ("フレームカウンタ (FCnt)", "Frame counter (FCnt)"),
    "field": ("フィールド", "Field"),
    "bytes": ("バイト列 (16進)", "Bytes (hex)"),
    "meaning": ("意味", "Meaning"),
    "value": ("値", "Value"),
    # UI words
    "scenario": ("シナリオ", "Scenario"),
    "size": ("規模", "Size"),
    "seed": ("乱数シード", "Seed"),
    "start": ("開始日", "Start date"),
    "days": ("日数", "Days"),
    "selection": ("選択", "Selection"),
    "n_sensors": ("センサー数", "Number of sensors"),
    "n_gateways": ("ゲートウェイ数", "Number of gateways"),
    "total": ("合計", "Total"),
    "mean": ("平均", "Mean"),
    "map_title": ("富山市 (合成データ) の地図", "Map of synthetic Toyama"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is one of :data:`LANGS`, else raise a helpful error.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"ja"`` or ``"en"``.
    """
    if lang not in LANGS:
        raise ValueError(
            f"lang={lang!r} is not a supported language; expected one of {LANGS!r} "
            f'(use lang="ja" for Japanese or lang="en" for English).'
        )
    return lang


def bilingual(ja: str, en: str, lang: str) -> str:
    """Pick the Japanese or the English text of a one-off label (not in :data:`LABELS`).

    Parameters
    ----------
    ja, en : str
        The label in Japanese and in English.
    lang : {"ja", "en"}

    Returns
    -------
    str
        ``ja`` for ``lang="ja"``, else ``en``.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"ja"`` or ``"en"``.

    Examples
    --------
    >>> bilingual("避難所", "Shelter", "en")
    'Shelter'
    """
    check_lang(lang)
    return ja if lang == "ja" else en


def label(key: str, lang: str = "ja") -> str:
    """The label of ``key`` in ``lang``.

    Parameters
    ----------
    key : str
        A key of :data:`LABELS` (a variable, layer, sensor kind or UI word).
    lang : {"ja", "en"}
        Language of the label.

    Returns
    -------
    str
        The label, with units in square brackets where the key is a quantity.

    Raises
    ------
    KeyError
        If ``key`` is unknown; the message suggests the closest known keys.
    ValueError
        If ``lang`` is not supported.

    Examples
    --------
    >>> label("level_m", "ja")
    '水位 [m]'
    >>> label("level_m", "en")
    'River level [m]'
    """
    check_lang(lang)
    try:
        ja, en = LABELS[key]
    except KeyError:
        close = difflib.get_close_matches(str(key), list(LABELS), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(
            f"no label for key {key!r}.{hint} Known keys are listed in "
            f"toyama_lab.viz.labels.LABELS; add a (ja, en) pair there for a new variable."
        ) from None
    return ja if lang == "ja" else en
