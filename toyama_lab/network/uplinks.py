"""Which readings go into which uplink: reporting intervals, aggregation, payload bytes, FCnt.

Each fixed sensor sends one uplink per reporting interval (:data:`REPORT_INTERVAL_MIN`)
with the reading of that interval, encoded by its compact codec
(:mod:`toyama_lab.lorawan.codecs.toyama`); each child's tracker sends one uplink per GPS
fix. The reading of an interval ``[period_start, period_end)`` (JST) is made from the
sensor's *reported* variables (with faults and gaps), as the device itself would:

=============  =====  ===================================================================
kind           FPort  reading of the interval
=============  =====  ===================================================================
pedestrian     11     ``count``: sum of the reported per-minute counts
bicycle_park   10     ``count_in``/``count_out``: sums of entries/exits; ``occupancy``:
                      the last reported occupancy of the interval
counter        12     ``tickets_issued``: tickets since JST midnight up to the end of the
                      interval; ``waiting``: last reported queue; ``windows_open``: at
                      the last minute
rain           13     ``rain_mm``: sum of the reported tipping-bucket rain [mm, 0.1 mm]
river          14     ``level_cm``: last reported level, rounded to whole cm
gps_tracker    15     one fix: ``lat``, ``lon``, ``battery_pct``, ``fix_age_s``
=============  =====  ===================================================================

Minutes with a gap (65535 / NaN) are left out of sums and "last value" picks; an interval
in which every minute is a gap has no reading, so the device sends nothing (truth:
``sensor_down``, detail ``no_reading``). Counts saturate at 65535 (uint16 on air).

Reporting intervals
-------------------
* **rain, river: 10 min.** JMA AMeDAS publishes 10-minute rainfall and MLIT's river
  water-level telemeters (川の防災情報) report every 10 minutes; the city's LoRaWAN gauges
  are assumed to follow the same step.
* **pedestrian, bicycle_park, counter: 10 min** - an *assumption*: the city's public
  pages (Toyama Smart City Square, 窓口混雑状況 / 駐輪場の混雑状況) update "live", their
  exact period is not published in the sources at hand; 10 min keeps a device far below
  the ARIB STD-T108 hourly budget and is a common choice for LoRaWAN counters.
* **gps_tracker: per fix** (every 120 s while walking, see
  :mod:`toyama_lab.synth.children`).

Each device reports at its own phase: a fixed offset uniform in the interval (drawn per
device from the seed: devices power up at different times), plus a jitter per uplink
uniform in [0, 2) s (an assumption: oscillator drift and MAC processing).

FCnt
----
FCntUp counts the uplinks a device actually hands to its radio, from 0 at the start of the
simulated window (a fresh OTAA session, LoRaWAN 1.0.4 §4.3.1.5); intervals without a
reading or with the device powered off do not use a counter value.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from toyama_lab.lorawan.codecs import FIXED_CODECS
from toyama_lab.network.registry import CODEC_OF_KIND
from toyama_lab.synth import random as rnd

__all__ = [
    "JITTER_S",
    "READING_COLUMNS",
    "REPORT_INTERVAL_MIN",
    "UPLINK_SCHEMA",
    "sensor_uplinks",
    "tracker_uplinks",
]

#: Reporting interval per sensor kind [min] (see the module notes for the sources).
REPORT_INTERVAL_MIN: dict[str, int] = {
    "pedestrian": 10,
    "bicycle_park": 10,
    "counter": 10,
    "rain": 10,
    "river": 10,
}
#: Reading columns (codec fields) per kind.
READING_COLUMNS: dict[str, tuple[str, ...]] = {
    k: FIXED_CODECS[c].columns for k, c in CODEC_OF_KIND.items()
}
#: Upper bound of the per-uplink jitter [s] (assumption, see module notes).
JITTER_S = 2.0

#: One row per planned uplink (before the radio).
UPLINK_SCHEMA: dict[str, pl.DataType] = {
    "device_index": pl.Int32,
    "kind": pl.String,
    "fport": pl.UInt8,
    "period_start": pl.Datetime("us"),
    "period_end": pl.Datetime("us"),
    "planned_s": pl.Float64,
    "payload": pl.Binary,
    "down_detail": pl.String,
    "lon": pl.Float64,
    "lat": pl.Float64,
}

_U16_GAP = 65535
_U16_MAX = 65535


def _last_valid(values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Last valid value along the last axis, and whether there was one."""
    k = values.shape[-1]
    rev = valid[..., ::-1]
    pos = k - 1 - np.argmax(rev, axis=-1)
    any_ = valid.any(axis=-1)
    return np.take_along_axis(values, pos[..., None], axis=-1)[..., 0], any_


def _slot_readings(kind: str, arrays: dict[str, np.ndarray], interval: int):
    """Per (sensor, slot) readings of one kind: ({field: (n_s, n_slot)}, has_reading)."""
    main = {
        "pedestrian": "count",
        "bicycle_park": "occupancy",
        "counter": "queue",
        "rain": "precip",
        "river": "level",
    }[kind]
    if main not in arrays:
        raise ValueError(
            f"readings of {kind!r} lack the variable {main!r}; pass the dict returned by "
            "toyama_lab.synth.simulate (or a dataset's time series) for that kind."
        )
    n_s, n_min = arrays[main].shape
    if n_min % interval:
        raise ValueError(
            f"{kind}: {n_min} minutes is not a whole number of {interval}-minute intervals; "
            "give whole days of readings."
        )
    shape = (n_s, n_min // interval, interval)

    def cube(name):
        if name not in arrays:
            raise ValueError(
                f"readings of {kind!r} lack the variable {name!r}; expected the variables "
                f"of toyama_lab.synth.VARIABLES[{kind!r}]."
            )
        a = np.asarray(arrays[name])
        if a.shape != (n_s, n_min):
            raise ValueError(
                f"{kind}.{name} has shape {a.shape}, expected {(n_s, n_min)} (sensors x minutes)"
            )
        return a.reshape(shape)

    m = cube(main)
    valid = ~np.isnan(m) if m.dtype.kind == "f" else m != _U16_GAP
    has = valid.any(axis=-1)
    out: dict[str, np.ndarray] = {}
    if kind == "pedestrian":
        out["count"] = np.minimum(np.where(valid, m, 0).sum(axis=-1, dtype=np.int64), _U16_MAX)
    elif kind == "bicycle_park":
        out["count_in"] = np.minimum(cube("entries").sum(axis=-1, dtype=np.int64), _U16_MAX)
        out["count_out"] = np.minimum(cube("exits").sum(axis=-1, dtype=np.int64), _U16_MAX)
        out["occupancy"] = _last_valid(m, valid)[0].astype(np.int64)
    elif kind == "counter":
        per_day = 1440 // interval
        tickets = cube("tickets").sum(axis=-1, dtype=np.int64)
        days = tickets.reshape(n_s, -1, per_day)
        out["tickets_issued"] = np.minimum(np.cumsum(days, axis=-1).reshape(tickets.shape), 65535)
        out["waiting"] = _last_valid(m, valid)[0].astype(np.int64)
        out["windows_open"] = cube("windows_open")[..., -1].astype(np.int64)
    elif kind == "rain":
        total = np.where(valid, m, 0).astype(np.float64).sum(axis=-1)
        out["rain_mm"] = np.rint(total * 10.0) / 10.0
    elif kind == "river":
        level = _last_valid(m, valid)[0].astype(np.float64)
        out["level_cm"] = np.rint(np.where(has, level, 0.0) * 100.0).astype(np.int64)
    else:
        raise ValueError(
            f"unknown sensor kind {kind!r}; expected one of {sorted(REPORT_INTERVAL_MIN)}"
        )
    if kind == "counter" and 1440 % interval:
        raise ValueError("counter interval must divide a day (1440 min)")
    return out, has


def _check_interval(kind: str, interval) -> int:
    if isinstance(interval, bool) or not isinstance(interval, (int, np.integer)):
        raise ValueError(f"reporting interval of {kind!r} must be an integer number of minutes")
    if interval < 1 or 1440 % int(interval):
        raise ValueError(
            f"reporting interval of {kind!r} = {interval} min must divide a day (1440 min), "
            "e.g. 1, 2, 5, 10, 15, 30 or 60."
        )
    return int(interval)


def sensor_uplinks(
    sensors: pl.DataFrame,
    readings_by_kind: dict[str, dict[str, np.ndarray]],
    start,
    *,
    seed: int,
    intervals: dict[str, int] | None = None,
    first_day: int = 0,
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """Planned uplinks of the fixed sensors, with payload bytes and the readings they carry.

    Parameters
    ----------
    sensors : polars.DataFrame
        ``city.sensors`` (all kinds); ``device_index`` of a sensor is its ``sensor_index``.
    readings_by_kind : dict
        ``{kind: {variable: (n_sensor, n_minute) array}}`` as returned by
        :func:`toyama_lab.synth.simulate`, rows in ``sensor_index`` order of that kind,
        whole days from ``start``. Kinds missing from the dict send nothing.
    start : datetime.date or str
        First day of the readings (JST midnight).
    seed : int
        Seed for the device phases and jitters.
    intervals : dict, optional
        Reporting interval per kind [min], overriding :data:`REPORT_INTERVAL_MIN`.
    first_day : int
        Day of ``start``'s window the readings begin on (0 = ``start``): a block of days
        of a longer window gets the same slots, jitters and ``planned_s`` (still counted
        from ``start``) as the whole window would give those days.

    Returns
    -------
    uplinks : polars.DataFrame
        :data:`UPLINK_SCHEMA`; ``payload`` is null and ``down_detail`` is ``no_reading``
        where the interval had no reading. ``planned_s`` is seconds since ``start``.
    readings : dict of str to polars.DataFrame
        Per kind: ``device_index``, ``period_start`` and the codec fields (the exact
        values put in the payload), one row per uplink that has a reading.
    """
    from toyama_lab.synth.calendar import as_date

    if isinstance(first_day, bool) or not isinstance(first_day, (int, np.integer)) or first_day < 0:
        raise ValueError(f"first_day={first_day!r} must be a non-negative integer (days).")
    day0 = dt.datetime.combine(as_date(start), dt.time())
    iv = dict(REPORT_INTERVAL_MIN)
    for k, v in (intervals or {}).items():
        if k not in iv:
            raise ValueError(f"intervals: unknown kind {k!r}; expected {sorted(iv)}")
        iv[k] = _check_interval(k, v)
    parts, readings = [], {}
    for kind, arrays in readings_by_kind.items():
        if kind not in REPORT_INTERVAL_MIN:
            raise ValueError(
                f"readings_by_kind has unknown kind {kind!r}; expected some of "
                f"{sorted(REPORT_INTERVAL_MIN)}"
            )
        rows = sensors.filter(pl.col("kind") == kind).sort("sensor_index")
        interval = iv[kind]
        values, has = _slot_readings(kind, arrays, interval)
        if has.shape[0] != rows.height:
            raise ValueError(
                f"readings of {kind!r} have {has.shape[0]} sensors but the city has "
                f"{rows.height}; simulate every sensor of that kind, in sensor_index order."
            )
        n_s, n_slot = has.shape
        dev = np.repeat(rows["sensor_index"].to_numpy().astype(np.int64), n_slot)
        slot = np.tile(np.arange(n_slot, dtype=np.int64), n_s) + int(first_day) * (1440 // interval)
        sidx = rows["sensor_index"].to_numpy().astype(np.int64)
        phase = interval * 60.0 * rnd.uniform(seed, "net-phase", sidx, 0)
        jitter = JITTER_S * rnd.uniform(seed, "net-jitter", dev, slot)
        planned = (slot + 1) * interval * 60.0 + np.repeat(phase, n_slot) + jitter
        flat_has = has.reshape(-1)
        codec = FIXED_CODECS[CODEC_OF_KIND[kind]]
        cols = {f: values[f].reshape(-1)[flat_has] for f in codec.columns}
        payload_ok = codec.encode(cols)
        payload = pl.repeat(None, flat_has.size, dtype=pl.Binary, eager=True).alias("payload")
        if flat_has.any():
            payload = payload.scatter(np.flatnonzero(flat_has), payload_ok)
        p_start = np.datetime64(day0, "us") + (slot * interval).astype("timedelta64[m]")
        parts.append(
            pl.DataFrame(
                {
                    "device_index": dev.astype(np.int32),
                    "kind": kind,
                    "fport": codec.fport,
                    "period_start": p_start,
                    "period_end": p_start + np.timedelta64(interval, "m"),
                    "planned_s": planned,
                    "payload": payload,
                    "down_detail": pl.Series((~flat_has).astype(np.uint8)).replace_strict(
                        {1: "no_reading"}, default=None, return_dtype=pl.String
                    ),
                    "lon": pl.repeat(None, flat_has.size, dtype=pl.Float64, eager=True),
                    "lat": pl.repeat(None, flat_has.size, dtype=pl.Float64, eager=True),
                },
                schema_overrides={"down_detail": pl.String},
            )
        )
        readings[kind] = pl.DataFrame(
            {
                "device_index": dev[flat_has].astype(np.int32),
                "period_start": p_start[flat_has],
                **cols,
            }
        )
    if not parts:
        return pl.DataFrame(schema=UPLINK_SCHEMA), readings
    return pl.concat(parts, how="vertical_relaxed").cast(UPLINK_SCHEMA), readings


def tracker_uplinks(
    fixes: pl.DataFrame, registry: pl.DataFrame, start, *, seed: int, fix_number=None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Planned uplinks of the children's trackers: one per GPS fix.

    Parameters
    ----------
    fixes : polars.DataFrame
        :data:`toyama_lab.synth.children.TRACK_SCHEMA` rows (``child_id``, ``time`` JST,
        ``lon``, ``lat``, ``battery_pct``).
    registry : polars.DataFrame
        From :func:`toyama_lab.network.registry.build_registry` (maps child to device).
    start : datetime.date or str
        Start of the window (JST midnight); ``planned_s`` counts from it.
    seed : int
        Seed of the jitter.
    fix_number : array-like of int, optional
        Number of each fix in the whole window's fix table (keys its jitter); default
        ``0, 1, 2, ...``. Give the row numbers of the full table when ``fixes`` is a
        block of it, so the block gets the same jitters as the whole window.

    Returns
    -------
    uplinks, readings : polars.DataFrame
        As in :func:`sensor_uplinks`; ``period_start`` = ``period_end`` = the fix time;
        the payload is sent ``fix_age_s`` (the whole seconds of the jitter) after the fix.
    """
    from toyama_lab.synth.calendar import as_date

    day0 = dt.datetime.combine(as_date(start), dt.time())
    if fixes.height == 0:
        return pl.DataFrame(schema=UPLINK_SCHEMA), pl.DataFrame()
    df = fixes.join(
        registry.select("child_id", "device_index"),
        on="child_id",
        how="left",
        maintain_order="left",
    )
    if df["device_index"].null_count():
        bad = df.filter(pl.col("device_index").is_null())["child_id"].unique().head(3).to_list()
        raise ValueError(
            f"fixes of children {bad} that are not in the city's registry; simulate the "
            "tracks with the same city as the network."
        )
    dev = df["device_index"].to_numpy().astype(np.int64)
    t_us = df["time"].cast(pl.Datetime("us")).to_numpy() - np.datetime64(day0, "us")
    t_fix = t_us.astype("timedelta64[us]").astype(np.int64).astype(np.float64) / 1e6
    if fix_number is None:
        n = np.arange(len(dev), dtype=np.int64)
    else:
        n = np.asarray(fix_number, dtype=np.int64)
        if n.shape != dev.shape:
            raise ValueError(
                f"fix_number has {n.size} values for {dev.size} fixes; give one per fix row."
            )
    jitter = JITTER_S * rnd.uniform(seed, "net-jitter-trk", dev, n)
    codec = FIXED_CODECS["gps"]
    cols = {
        "lat": df["lat"].to_numpy(),
        "lon": df["lon"].to_numpy(),
        "battery_pct": df["battery_pct"].to_numpy().astype(np.int64),
        "fix_age_s": np.floor(jitter).astype(np.int64),
    }
    # what the device puts on air: coordinates in 1e-7 degree steps
    cols["lat"] = np.rint(cols["lat"] * 1e7) / 1e7
    cols["lon"] = np.rint(cols["lon"] * 1e7) / 1e7
    fix_time = df["time"].cast(pl.Datetime("us"))
    up = pl.DataFrame(
        {
            "device_index": dev.astype(np.int32),
            "kind": "gps_tracker",
            "fport": codec.fport,
            "period_start": fix_time,
            "period_end": fix_time,
            "planned_s": t_fix + jitter,
            "payload": codec.encode(cols),
            "down_detail": pl.repeat(None, len(dev), dtype=pl.String, eager=True),
            "lon": df["lon"].to_numpy(),
            "lat": df["lat"].to_numpy(),
        }
    ).cast(UPLINK_SCHEMA)
    readings = pl.DataFrame(
        {"device_index": dev.astype(np.int32), "period_start": fix_time, **cols}
    )
    return up, readings
