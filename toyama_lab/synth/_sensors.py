"""Checks and column access for the ``city.sensors`` rows handed to the generators."""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.city.build import KINDS

__all__ = ["check_sensors", "column", "str_column"]

_REQUIRED = ("sensor_id", "sensor_index", "kind")


def check_sensors(kind: str, sensors: pl.DataFrame) -> pl.DataFrame:
    """Validate that ``sensors`` are rows of ``city.sensors`` of one ``kind``.

    Raises
    ------
    ValueError
        Unknown kind, missing columns, or rows of another kind.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown sensor kind {kind!r}; expected one of {list(KINDS)}")
    if not isinstance(sensors, pl.DataFrame):
        raise TypeError(
            f"sensors must be a polars DataFrame (rows of city.sensors), got "
            f"{type(sensors).__name__}"
        )
    missing = [c for c in _REQUIRED if c not in sensors.columns]
    if missing:
        raise ValueError(
            f"sensors lacks columns {missing}; pass rows of toyama_lab.city.build_city(...).sensors"
        )
    if sensors.height == 0:
        raise ValueError(f"no {kind} sensors given; filter city.sensors on kind == {kind!r}")
    other = sensors.filter(pl.col("kind") != kind)
    if other.height:
        raise ValueError(
            f"simulate({kind!r}, ...) got {other.height} rows of other kinds "
            f"{sorted(set(other['kind'].to_list()))}; filter sensors with "
            f"pl.col('kind') == {kind!r}"
        )
    return sensors


def column(sensors: pl.DataFrame, name: str, default: float, dtype=np.float64) -> np.ndarray:
    """Numeric column as numpy with nulls (or a missing column) replaced by ``default``."""
    if name not in sensors.columns:
        return np.full(sensors.height, default, dtype=dtype)
    return (
        sensors[name].cast(pl.Float64).fill_null(default).fill_nan(default).to_numpy().astype(dtype)
    )


def str_column(sensors: pl.DataFrame, name: str, default: str = "") -> list[str]:
    """String column as a list with nulls (or a missing column) replaced by ``default``."""
    if name not in sensors.columns:
        return [default] * sensors.height
    return sensors[name].cast(pl.String).fill_null(default).to_list()


def sensor_index(sensors: pl.DataFrame) -> np.ndarray:
    """The stable global sensor indices as an int64 column vector ``(n, 1)``."""
    idx = sensors["sensor_index"].cast(pl.Int64).to_numpy()
    if np.any(idx < 0):
        raise ValueError("sensor_index must be >= 0 (stable global index from city.sensors)")
    return idx[:, None]
