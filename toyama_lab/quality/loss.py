"""Loss and duplicate statistics of uplinks: what the network server saw vs what was sent.

Three questions, each on whole tables (polars):

* **Duplicates** (:func:`duplicate_summary`, :func:`copies_per_frame`): a LoRaWAN frame is
  heard by every gateway in range, so the gateway log holds one row per (frame, gateway);
  the network server keeps one copy ("de-duplication", LoRaWAN Backend Interfaces 1.0,
  section 5) and discards the others. Copies are recognised by identical PHYPayload bytes.
* **Loss without the truth** (:func:`fcnt_loss`): every uplink carries a frame counter
  FCnt that the device increments by one per uplink (LoRaWAN 1.0.4, section 4.3.1.5), so
  holes between the first and the last FCnt received are frames lost on the way.
* **Loss against the truth** (:func:`loss_vs_truth`, :func:`loss_reasons`): the
  simulated transmission table (:data:`toyama_lab.network.TRANSMISSION_SCHEMA`) says
  what every uplink became. And :func:`completeness` counts readings present in a
  sensor x time cube (time series only, no network needed).

References
----------
LoRa Alliance, "LoRaWAN 1.0.4 Specification" (2020), section 4.3.1.5 (frame counters);
"LoRaWAN Backend Interfaces 1.0 Specification" (2017), section 5 (the network server
de-duplicates receptions from several gateways).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

__all__ = [
    "completeness",
    "copies_per_frame",
    "duplicate_summary",
    "fcnt_loss",
    "gap_mask",
    "loss_reasons",
    "loss_vs_truth",
]


def _need(table: pl.DataFrame, name: str, columns: Sequence[str], hint: str) -> None:
    if not isinstance(table, pl.DataFrame):
        raise TypeError(f"{name} must be a polars DataFrame; got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}; expected {list(columns)}. {hint}")


_LOG_HINT = "Pass NetworkResult.gateway_log or a table read by toyama_lab.lorawan.ingest."
_DEC_HINT = "Pass the table returned by toyama_lab.lorawan.decode_batch."
_TX_HINT = "Pass NetworkResult.transmissions (toyama_lab.network.TRANSMISSION_SCHEMA)."


def copies_per_frame(gateway_log: pl.DataFrame) -> pl.DataFrame:
    """How many frames arrived through 1, 2, 3, ... gateways.

    Parameters
    ----------
    gateway_log : polars.DataFrame
        One row per reception with ``phy_payload`` (bytes) and ``gateway_id``.

    Returns
    -------
    polars.DataFrame
        ``n_copies``, ``frames``, ``share`` (of frames) [-], sorted by ``n_copies``.
    """
    _need(gateway_log, "gateway_log", ("phy_payload", "gateway_id"), _LOG_HINT)
    per = gateway_log.group_by("phy_payload").agg(pl.len().alias("n_copies"))
    out = per.group_by("n_copies").agg(pl.len().alias("frames")).sort("n_copies")
    return out.with_columns(share=pl.col("frames") / pl.col("frames").sum())


def duplicate_summary(gateway_log: pl.DataFrame) -> pl.DataFrame:
    """Receptions, unique frames and duplicates in a gateway log (one row).

    Returns
    -------
    polars.DataFrame
        ``receptions``, ``frames`` (unique PHYPayloads), ``duplicates``
        (``receptions - frames``), ``duplicate_share`` (``duplicates / receptions``) [-]
        and ``mean_copies`` (``receptions / frames``) [-].

    Examples
    --------
    >>> log = pl.DataFrame({"phy_payload": [b"a", b"a", b"b"], "gateway_id": ["g1", "g2", "g1"]})
    >>> duplicate_summary(log).row(0)
    (3, 2, 1, 0.3333333333333333, 1.5)
    """
    _need(gateway_log, "gateway_log", ("phy_payload", "gateway_id"), _LOG_HINT)
    n = gateway_log.height
    frames = gateway_log.get_column("phy_payload").n_unique() if n else 0
    return pl.DataFrame(
        {
            "receptions": [n],
            "frames": [frames],
            "duplicates": [n - frames],
            "duplicate_share": [(n - frames) / n if n else float("nan")],
            "mean_copies": [n / frames if frames else float("nan")],
        }
    )


def fcnt_loss(decoded: pl.DataFrame, *, by: str = "dev_addr") -> pl.DataFrame:
    """Frames lost per device, estimated from holes in the frame counter (no truth needed).

    Parameters
    ----------
    decoded : polars.DataFrame
        :func:`toyama_lab.lorawan.decode_batch` output: ``dev_addr``, ``fcnt`` and
        ``status`` (only ``"ok"`` rows count).
    by : str, default "dev_addr"
        Device column.

    Returns
    -------
    polars.DataFrame
        ``by``, ``received`` (distinct FCnt), ``fcnt_first``, ``fcnt_last``,
        ``expected`` (``last - first + 1``), ``missing`` and ``loss_rate`` [-].

    Notes
    -----
    Frames lost before the first or after the last received one cannot be seen this
    way, and a device reset (FCnt back to 0) would look like a huge hole; compare with
    :func:`loss_vs_truth` when the truth is known.
    """
    _need(decoded, "decoded", (by, "fcnt", "status"), _DEC_HINT)
    ok = decoded.filter(pl.col("status") == "ok")
    out = ok.group_by(by).agg(
        pl.col("fcnt").n_unique().alias("received"),
        pl.col("fcnt").min().cast(pl.Int64).alias("fcnt_first"),
        pl.col("fcnt").max().cast(pl.Int64).alias("fcnt_last"),
    )
    out = out.with_columns(expected=pl.col("fcnt_last") - pl.col("fcnt_first") + 1)
    return out.with_columns(
        missing=pl.col("expected") - pl.col("received"),
        loss_rate=1.0 - pl.col("received") / pl.col("expected"),
    ).sort(by)


def loss_vs_truth(decoded: pl.DataFrame, transmissions: pl.DataFrame) -> pl.DataFrame:
    """Per device: uplinks planned, delivered (truth), decoded, and the FCnt estimate.

    Parameters
    ----------
    decoded : polars.DataFrame
        :func:`toyama_lab.lorawan.decode_batch` output.
    transmissions : polars.DataFrame
        The truth (``dev_addr``, ``device_id``, ``kind``, ``fcnt``, ``delivered``).

    Returns
    -------
    polars.DataFrame
        ``device_id``, ``kind``, ``dev_addr``, ``planned``, ``delivered_truth``,
        ``decoded`` (distinct FCnt decoded with status ok and found in the truth),
        ``loss_rate`` (``1 - decoded / planned``) [-], ``fcnt_missing`` (holes seen by
        :func:`fcnt_loss`) and ``hidden_loss`` (``planned - decoded - fcnt_missing``:
        losses the counter cannot reveal, at the start or the end).
    """
    _need(decoded, "decoded", ("dev_addr", "fcnt", "status"), _DEC_HINT)
    _need(transmissions, "transmissions", ("dev_addr", "device_id", "kind", "fcnt", "delivered"),
          _TX_HINT)  # fmt: skip
    transmissions = final_attempts(transmissions)
    truth = transmissions.group_by("device_id", "kind", "dev_addr").agg(
        pl.len().alias("planned"), pl.col("delivered").sum().alias("delivered_truth")
    )
    keys = transmissions.select("dev_addr", pl.col("fcnt").cast(pl.Int64)).unique()
    got = (
        decoded.filter(pl.col("status") == "ok")
        .select("dev_addr", pl.col("fcnt").cast(pl.Int64))
        .unique()
        .join(keys, on=["dev_addr", "fcnt"], how="semi")
        .group_by("dev_addr")
        .agg(pl.len().alias("decoded"))
    )
    holes = fcnt_loss(decoded).select("dev_addr", pl.col("missing").alias("fcnt_missing"))
    out = (
        truth.join(got, on="dev_addr", how="left")
        .join(holes, on="dev_addr", how="left")
        .with_columns(pl.col("decoded", "fcnt_missing").fill_null(0).cast(pl.Int64))
    )
    return out.with_columns(
        loss_rate=1.0 - pl.col("decoded") / pl.col("planned"),
        hidden_loss=pl.col("planned") - pl.col("decoded") - pl.col("fcnt_missing"),
    ).sort("device_id")


def final_attempts(transmissions: pl.DataFrame) -> pl.DataFrame:
    """One row per uplink: the last attempt of each frame when confirmed frames were retried.

    The transmission truth has one row per attempt (column ``attempt``, 0 for the first
    send) when :class:`toyama_lab.network.RadioConfig` allows retransmissions; a frame's
    fate is that of its last attempt. Tables without ``attempt`` are returned unchanged.

    Examples
    --------
    >>> t = pl.DataFrame({"dev_addr": ["A", "A", "A"], "fcnt": [0, 1, 1],
    ...                   "attempt": [0, 0, 1], "delivered": [True, False, True]})
    >>> final_attempts(t)["delivered"].to_list()
    [True, True]
    """
    if "attempt" not in transmissions.columns:
        return transmissions
    return (
        transmissions.sort("attempt", maintain_order=True)
        .unique(subset=["dev_addr", "fcnt"], keep="last", maintain_order=True)
        .sort("dev_addr", "fcnt", maintain_order=True)
    )


def loss_reasons(transmissions: pl.DataFrame, by: str = "kind") -> pl.DataFrame:
    """Count of uplinks per ``loss_reason``, one row per value of ``by``.

    Returns
    -------
    polars.DataFrame
        ``by``, ``planned`` and one column per loss reason that occurs (``delivered``
        included), then ``delivery_rate`` [-].
    """
    _need(transmissions, "transmissions", (by, "loss_reason"), _TX_HINT)
    t = final_attempts(transmissions).with_columns(pl.col("loss_reason").cast(pl.String))
    wide = t.pivot(on="loss_reason", index=by, values="loss_reason", aggregate_function="len")
    reasons = [c for c in wide.columns if c != by]
    wide = wide.with_columns(pl.col(reasons).fill_null(0).cast(pl.Int64))
    wide = wide.with_columns(planned=pl.sum_horizontal(reasons))
    delivered = pl.col("delivered") if "delivered" in reasons else pl.lit(0)
    return (
        wide.select(by, "planned", *sorted(reasons))
        .with_columns(delivery_rate=delivered / pl.col("planned"))
        .sort(by)
    )


def completeness(values, sensor_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Readings present vs expected per sensor in a sensor x time array.

    Parameters
    ----------
    values : array_like or xarray.DataArray, shape (n_sensor, n_time)
        Reported values; a gap is NaN (float) or 65535 (uint16 counts, the synthetic
        datasets' fill value).
    sensor_ids : sequence of str, optional
        Names of the rows; default the ``sensor_id`` coordinate of a DataArray, else
        ``0..n-1``.

    Returns
    -------
    polars.DataFrame
        ``sensor_id``, ``expected``, ``received``, ``missing``, ``completeness`` [-].
    """
    if sensor_ids is None and hasattr(values, "coords") and "sensor_id" in values.coords:
        sensor_ids = [str(s) for s in values["sensor_id"].values]
    v = np.asarray(values)
    if v.ndim != 2:
        raise ValueError(f"values must be 2-D (sensor x time); got shape {v.shape}.")
    gap = gap_mask(v)
    n, m = v.shape
    ids = [str(i) for i in range(n)] if sensor_ids is None else list(sensor_ids)
    if len(ids) != n:
        raise ValueError(f"sensor_ids has {len(ids)} names for {n} rows of values.")
    received = (~gap).sum(axis=1)
    return pl.DataFrame(
        {
            "sensor_id": ids,
            "expected": np.full(n, m, dtype=np.int64),
            "received": received.astype(np.int64),
            "missing": (m - received).astype(np.int64),
            "completeness": received / m if m else np.full(n, np.nan),
        }
    )


def gap_mask(values) -> np.ndarray:
    """Boolean mask of missing readings: NaN, or 65535 in an unsigned 16-bit array."""
    v = np.asarray(values)
    if np.issubdtype(v.dtype, np.floating):
        return np.isnan(v)
    if v.dtype == np.uint16:
        return v == np.iinfo(np.uint16).max
    return np.zeros(v.shape, dtype=bool)
