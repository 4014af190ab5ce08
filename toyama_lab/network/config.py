"""The radio settings of the simulated network, in one place.

:class:`RadioConfig` holds every setting of the radio road (:mod:`toyama_lab.network.road`)
and checks them when it is made (:class:`RadioConfigError` names the bad field, the value
and what is allowed). Around it:

* :func:`as_radio_config` - the default (``None`` -> ``RadioConfig()``) and the type check
  every caller that takes ``radio=`` / ``config=`` uses;
* :func:`radio_params` - the recorded form: every field as JSON types, as a run writes it
  into ``NetworkResult.params`` and ``network/network.json`` (:data:`RADIO_KEYS`);
* :func:`radio_mismatch` - the comparison of recorded settings with asked ones;
* :func:`describe_radio` and :func:`describe_confirmed` - the settings as text for people.

The defaults and their sources are stated in :mod:`toyama_lab.network.road` ("Link
model"); this module only holds them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

import numpy as np

from toyama_lab.radio.regional import ARIB_T108, JAPAN_MAX_EIRP_DBM, RegionalRules

__all__ = [
    "AS923_JP_CHANNELS_HZ",
    "BANDWIDTHS_HZ",
    "MAX_RETRANSMISSIONS",
    "RADIO_KEYS",
    "RadioConfig",
    "RadioConfigError",
    "as_radio_config",
    "describe_confirmed",
    "describe_radio",
    "radio_mismatch",
    "radio_params",
]

#: Uplink channels of the AS923 Japan plan of The Things Network (AS_920_923_TTN_JP_1). [Hz]
AS923_JP_CHANNELS_HZ = (
    923_200_000,
    923_400_000,
    922_800_000,
    923_000_000,
    922_600_000,
    922_000_000,
    922_200_000,
    922_400_000,
)
#: Most retransmissions of one confirmed frame: 7, i.e. at most 8 transmissions, as
#: Semtech's reference stack LoRaMac-node allows a confirmed uplink (its
#: ``MAX_ACK_RETRIES`` = 8 transmissions).
MAX_RETRANSMISSIONS = 7
#: LoRa channel bandwidths a gateway demodulates (SX1301/SX1302 datasheets; LoRaWAN
#: RP002-1.0.x regional parameters use 125, 250 and 500 kHz). [Hz]
BANDWIDTHS_HZ = (125_000, 250_000, 500_000)
#: Spreading factors of LoRa (SX1276 datasheet §4.1.1.2: SF7..SF12 in LoRaWAN).
_SFS = range(7, 13)


class RadioConfigError(ValueError):
    """A radio setting that is not allowed (the message names it and the allowed values)."""


def _is_number(value) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(
        value, (int, float, np.integer, np.floating)
    )


def _is_int(value) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer))


@dataclass(frozen=True)
class RadioConfig:
    """Parameters of the radio road (defaults: see :mod:`toyama_lab.network.road` for sources).

    Attributes
    ----------
    rules : RegionalRules
        Channel-access rules.
    channels_hz : tuple of int
        Uplink channels. [Hz]
    eirp_dbm : float
        Device EIRP. [dBm]
    gw_gain_dbi : float
        Gateway antenna gain net of cable loss. [dBi]
    shadowing_db, fading_db : float
        Standard deviations of shadowing and per-frame fading (>= 0). [dB]
    adr_margin_db : float
        ADR installation margin. [dB]
    tracker_sf : int
        Fixed SF of the children's trackers (7 to 12).
    n_demodulators : int
        LoRa demodulation paths per gateway (>= 1).
    co_sf_db : float
        Co-SF capture threshold. [dB]
    bw_hz : int
        Channel bandwidth, one of :data:`BANDWIDTHS_HZ`. [Hz]
    confirmed_share : float
        Share of the devices (drawn per device from the seed) that send confirmed data
        up (MType 100) instead of unconfirmed; 0 (the default) sends none.
    max_retransmissions : int
        How many times a confirmed frame that no gateway received is sent again (0 to
        :data:`MAX_RETRANSMISSIONS`; see :mod:`toyama_lab.network.simulate`).

    Raises
    ------
    RadioConfigError
        (a ``ValueError``) For a setting of the wrong type or outside its range; the
        message names the field, the value and what is allowed.

    Examples
    --------
    >>> RadioConfig(confirmed_share=0.3, max_retransmissions=3).tracker_sf
    9
    >>> RadioConfig(tracker_sf=13)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    toyama_lab.network.config.RadioConfigError: tracker_sf=13 must be a spreading factor ...
    """

    rules: RegionalRules = ARIB_T108
    channels_hz: tuple[int, ...] = AS923_JP_CHANNELS_HZ
    eirp_dbm: float = JAPAN_MAX_EIRP_DBM
    gw_gain_dbi: float = 2.0
    shadowing_db: float = 6.0
    fading_db: float = 2.0
    adr_margin_db: float = 10.0
    tracker_sf: int = 9
    n_demodulators: int = 8
    co_sf_db: float = 6.0
    bw_hz: int = 125_000
    confirmed_share: float = 0.0
    max_retransmissions: int = 0

    def __post_init__(self):
        problem = _problem(self)
        if problem is not None:
            raise RadioConfigError(problem)


def _problem(cfg: RadioConfig) -> str | None:
    """The first bad setting of ``cfg`` as a sentence, or None."""
    if not isinstance(cfg.rules, RegionalRules):
        return (
            f"rules={cfg.rules!r} must be a toyama_lab.radio.regional.RegionalRules, "
            "e.g. toyama_lab.radio.regional.ARIB_T108 or AS923_DWELL."
        )
    ch = cfg.channels_hz
    if (
        not isinstance(ch, tuple)
        or not ch
        or not all(_is_int(f) and f > 0 for f in ch)
    ):  # fmt: skip
        return (
            f"channels_hz={ch!r} must be a non-empty tuple of positive integer frequencies "
            "[Hz], e.g. (923_200_000, 923_400_000)."
        )
    for name in ("eirp_dbm", "gw_gain_dbi", "adr_margin_db", "co_sf_db"):
        value = getattr(cfg, name)
        if not _is_number(value) or not math.isfinite(value):
            return f"{name}={value!r} must be a finite number [dB or dBm], e.g. 2.0."
    for name in ("shadowing_db", "fading_db"):
        value = getattr(cfg, name)
        if not _is_number(value) or not math.isfinite(value) or value < 0:
            return f"{name}={value!r} must be a standard deviation >= 0 [dB], e.g. 6.0."
    if not _is_int(cfg.tracker_sf) or cfg.tracker_sf not in _SFS:
        return f"tracker_sf={cfg.tracker_sf!r} must be a spreading factor from 7 to 12, e.g. 9."
    if not _is_int(cfg.n_demodulators) or cfg.n_demodulators < 1:
        return (
            f"n_demodulators={cfg.n_demodulators!r} must be a positive integer (demodulation "
            "paths per gateway), e.g. 8."
        )
    if not _is_int(cfg.bw_hz) or cfg.bw_hz not in BANDWIDTHS_HZ:
        allowed = ", ".join(str(b) for b in BANDWIDTHS_HZ)
        return f"bw_hz={cfg.bw_hz!r} must be one of {allowed} [Hz], e.g. 125_000."
    share = cfg.confirmed_share
    if not _is_number(share):
        return (
            f"confirmed_share={share!r} must be a number in [0, 1] (the share of devices "
            "sending confirmed uplinks), e.g. 0.0 or 0.5."
        )
    if not 0.0 <= float(share) <= 1.0:
        return f"confirmed_share={share!r} is outside [0, 1]; give a share, e.g. 0.5."
    k = cfg.max_retransmissions
    if not _is_int(k) or not 0 <= k <= MAX_RETRANSMISSIONS:
        return (
            f"max_retransmissions={k!r} must be an integer from 0 to {MAX_RETRANSMISSIONS}, e.g. 3."
        )
    return None


def as_radio_config(value, *, name: str = "radio") -> RadioConfig:
    """``value`` as radio settings: None gives the defaults, a :class:`RadioConfig` itself.

    Parameters
    ----------
    value : RadioConfig or None
    name : str
        The caller's parameter name, used in the message.

    Raises
    ------
    RadioConfigError
        If ``value`` is anything else (a dict, keyword text, ...).

    Examples
    --------
    >>> as_radio_config(None) == RadioConfig()
    True
    """
    if value is None:
        return RadioConfig()
    if not isinstance(value, RadioConfig):
        raise RadioConfigError(
            f"{name}={value!r} must be a toyama_lab.network.RadioConfig, e.g. "
            f"{name}=RadioConfig(confirmed_share=0.3, max_retransmissions=3), or None for "
            "the defaults."
        )
    return value


#: Keys :func:`radio_params` writes (the radio part of ``NetworkResult.params``): every
#: field of :class:`RadioConfig`.
RADIO_KEYS = tuple(f.name for f in dataclasses.fields(RadioConfig))


def _json_value(value):
    """A settings value as the JSON type ``network.json`` reads back."""
    if dataclasses.is_dataclass(value):
        return {f.name: _json_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list, np.ndarray)):
        return [_json_value(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


def radio_params(cfg: RadioConfig | None) -> dict:
    """The recorded form of radio settings (``NetworkResult.params``, ``network.json``).

    Parameters
    ----------
    cfg : RadioConfig or None
        The radio settings; None means ``RadioConfig()``.

    Returns
    -------
    dict
        Every field of :class:`RadioConfig` (:data:`RADIO_KEYS`) as JSON types, as
        ``network.json`` reads back: ``rules`` as an object of all its fields,
        ``channels_hz`` as a list, numbers as int or float. A kept ``network/`` is
        compared with the asked settings on all of them (:func:`radio_mismatch`).

    Examples
    --------
    >>> p = radio_params(None)
    >>> p["rules"]["max_deferrals"], p["tracker_sf"], p["confirmed_share"]
    (3, 9, 0.0)
    """
    cfg = as_radio_config(cfg, name="cfg")
    return {name: _json_value(getattr(cfg, name)) for name in RADIO_KEYS}


def describe_radio(settings: dict, *, keys=None) -> str:
    """Radio settings as ``key=value`` text, e.g. ``confirmed_share=0.3, max_retransmissions=3``.

    Parameters
    ----------
    settings : dict
        Recorded settings (:func:`radio_params`, or as read back from ``network.json``).
    keys : iterable of str, optional
        Only these keys, in this order; default all. A key the settings lack shows as
        ``<not recorded>``.

    Examples
    --------
    >>> describe_radio({"confirmed_share": 0.3}, keys=["confirmed_share", "tracker_sf"])
    'confirmed_share=0.3, tracker_sf=<not recorded>'
    """
    names = list(settings) if keys is None else list(keys)
    return ", ".join(
        f"{k}={settings[k]!r}" if k in settings else f"{k}=<not recorded>" for k in names
    )


def radio_mismatch(recorded: dict, config: RadioConfig | None = None) -> str | None:
    """Why recorded radio settings are not the settings ``config`` asks for (None: they are).

    Every field of :data:`RADIO_KEYS` is compared, in the recorded form
    (:func:`radio_params` of ``config``, through JSON as ``network.json`` reads back). A
    record written before every field was recorded lacks some, and so differs.

    Parameters
    ----------
    recorded : dict
        The settings a run recorded (e.g. the ``params`` of ``network/network.json``;
        other keys are ignored).
    config : RadioConfig, optional
        The settings asked for; default ``RadioConfig()``.

    Returns
    -------
    str or None
        None when they are the same; otherwise a sentence naming the recorded and the
        asked values of the settings that differ.

    Examples
    --------
    >>> radio_mismatch(radio_params(None)) is None
    True
    >>> radio_mismatch(radio_params(None), RadioConfig(tracker_sf=10))
    'its network/ was simulated with tracker_sf=9, not the asked tracker_sf=10'
    """
    asked = json.loads(json.dumps(radio_params(config)))
    differ = [k for k in RADIO_KEYS if asked.get(k) != recorded.get(k)]
    if not differ:
        return None
    return (
        f"its network/ was simulated with {describe_radio(recorded, keys=differ)}, "
        f"not the asked {describe_radio(asked, keys=differ)}"
    )


def describe_confirmed(settings: dict) -> str | None:
    """One line on confirmed uplinks of recorded settings, when the network sent any.

    Parameters
    ----------
    settings : dict
        Recorded settings (:func:`radio_params`).

    Returns
    -------
    str or None
        E.g. ``"network: confirmed share 0.3, up to 3 retransmissions"``; None when no
        device sends confirmed uplinks and none is retransmitted (the default).

    Examples
    --------
    >>> describe_confirmed(radio_params(RadioConfig(confirmed_share=0.3, max_retransmissions=1)))
    'network: confirmed share 0.3, up to 1 retransmission'
    >>> describe_confirmed(radio_params(None)) is None
    True
    """
    share = settings.get("confirmed_share") or 0
    k = settings.get("max_retransmissions") or 0
    if not share and not k:
        return None
    retx = "no retransmissions" if not k else f"up to {k} retransmission{'s' * (k != 1)}"
    return f"network: confirmed share {share:g}, {retx}"
