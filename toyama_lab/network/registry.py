"""Device registry and key store of the synthetic network: **SYNTHETIC keys, never real ones**.

Every time-series sensor of the city and every child's GPS tracker is one LoRaWAN 1.0.x
device activated over the air (OTAA). Its identifiers and keys are drawn from
``numpy.random.Generator(SeedSequence([seed, 0x4E4554]))`` (``"NET"``), so the same
seed gives the same registry, and the session keys are derived from the AppKey with the
LoRaWAN 1.0.x key derivation (:func:`toyama_lab.lorawan.crypto.derive_session_keys`, for
every device at once by
:func:`toyama_lab.lorawan.columnar.session_keys.derive_session_keys_batch`,
LoRaWAN 1.0.4 §6.2.6) as a network server would after the join.
Each device's key entry also names its payload codec (:data:`CODEC_OF_KIND`), the device
profile by which :func:`toyama_lab.lorawan.decode_batch` picks a codec per device.

Identifiers
-----------
* **DevEUI** ``02544C0000xxxxxx``: the first octet ``0x02`` has the "locally administered"
  bit of an EUI-64 set (IEEE 802 / IEEE Std 802-2014 §8.2: U/L bit), so it can never clash
  with a manufacturer's registered EUI; ``544C`` is "TL" (toyama-lab); the low 24 bits are
  the device number.
* **JoinEUI** ``02544C4A4F494E00`` (locally administered as well).
* **NetID** ``0x000000`` and **DevAddr** ``0x00000000-0x01FFFFFF``: NetID 0x000000 and
  0x000001 are the NetIDs the LoRa Alliance keeps for private and experimental networks
  (LoRa Alliance, "LoRaWAN Backend Interfaces 1.0" §13, NetID Type 0; DevAddr prefix
  ``0b0000000`` + NwkID, 25-bit NwkAddr). The NwkAddr of each device is drawn without
  repetition from the seed.

Every row of :func:`build_registry` carries ``synthetic = True`` and the key file written by
:mod:`toyama_lab.network.write` starts with a ``synthetic`` column: these keys protect
nothing and must never be put on a real device or network server.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toyama_lab.lorawan.columnar.columns import binary_from_padded
from toyama_lab.lorawan.columnar.session_keys import derive_session_keys_batch
from toyama_lab.lorawan.keys import KeyStore, SessionKeys

__all__ = [
    "CODEC_OF_KIND",
    "DEV_EUI_PREFIX",
    "JOIN_EUI",
    "NET_ID",
    "REGISTRY_SCHEMA",
    "TRACKER_KIND",
    "build_registry",
    "device_ids",
]

#: Upper 40 bits of every synthetic DevEUI (locally administered, "TL").
DEV_EUI_PREFIX = 0x02544C0000
#: JoinEUI (AppEUI) of every synthetic device, 8 bytes big-endian.
JOIN_EUI = bytes.fromhex("02544C4A4F494E00")
#: NetID for a private / experimental network (LoRa Alliance NetID Type 0, NwkID 0).
NET_ID = 0x000000
#: ``kind`` of a child's GPS tracker in the registry (the sensors keep their city kind).
TRACKER_KIND = "gps_tracker"
#: Payload codec of each device kind (a name of ``toyama_lab.lorawan.codecs.FIXED_CODECS``):
#: the device profile. Each device's :class:`~toyama_lab.lorawan.SessionKeys` carries it
#: (``codec``), so the batch decoder picks the codec per device, as a network server binds
#: a codec to a device profile; the FPort registry gives the same codec for these FPorts.
CODEC_OF_KIND: dict[str, str] = {
    "pedestrian": "pedestrian",
    "bicycle_park": "bicycle_park",
    "counter": "counter",
    "rain": "rain",
    "river": "river",
    TRACKER_KIND: "gps",
}

_STREAM = 0x4E4554  # "NET"
_NWKADDR_BITS = 25

#: Columns of the registry (keys are not in it: they live in the KeyStore / keys.csv).
REGISTRY_SCHEMA: dict[str, pl.DataType] = {
    "device_index": pl.Int32,
    "device_id": pl.String,
    "kind": pl.String,
    "sensor_id": pl.String,
    "child_id": pl.String,
    "dev_eui": pl.String,
    "join_eui": pl.String,
    "dev_addr": pl.String,
    "dev_addr_int": pl.UInt32,
    "net_id": pl.String,
    "activation": pl.String,
    "dev_nonce": pl.UInt16,
    "join_nonce": pl.UInt32,
    "synthetic": pl.Boolean,
}


def device_ids(city) -> pl.DataFrame:
    """Devices of a city in registry order: sensors by ``sensor_index``, then trackers.

    Returns
    -------
    polars.DataFrame
        ``device_index`` (Int32, 0..n-1), ``device_id``, ``kind``, ``sensor_id``,
        ``child_id`` (null for sensors); a tracker's ``device_id`` is ``trk-`` plus the
        number of the child (``child-00042`` -> ``trk-00042``).
    """
    sensors = city.sensors.sort("sensor_index").select(
        pl.col("sensor_id").alias("device_id"),
        "kind",
        "sensor_id",
        pl.lit(None, dtype=pl.String).alias("child_id"),
    )
    children = city.children.select(
        pl.concat_str(pl.lit("trk-"), pl.col("child_id").str.extract(r"(\d+)$")).alias("device_id"),
        pl.lit(TRACKER_KIND).alias("kind"),
        pl.lit(None, dtype=pl.String).alias("sensor_id"),
        pl.col("child_id"),
    )
    out = pl.concat([sensors, children], how="vertical_relaxed")
    return out.with_columns(pl.int_range(pl.len(), dtype=pl.Int32).alias("device_index")).select(
        "device_index", "device_id", "kind", "sensor_id", "child_id"
    )


def build_registry(city, seed: int) -> tuple[pl.DataFrame, KeyStore]:
    """Registry and session keys of every device of ``city``, deterministic from ``seed``.

    Parameters
    ----------
    city : toyama_lab.city.City
        The city (its sensors and children).
    seed : int
        Non-negative seed of the network.

    Returns
    -------
    registry : polars.DataFrame
        Columns :data:`REGISTRY_SCHEMA`, one row per device (``synthetic`` is always True).
    keys : toyama_lab.lorawan.KeyStore
        Session keys (NwkSKey, AppSKey) with DevEUI and AppKey, by DevAddr. SYNTHETIC.

    Raises
    ------
    ValueError
        For a negative or non-integer seed.

    Examples
    --------
    >>> from toyama_lab.city import build_city
    >>> reg, keys = build_registry(build_city(0, "tiny"), seed=0)
    >>> bool(reg["synthetic"].all()), len(keys) == reg.height
    (True, True)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer, e.g. seed=0.")
    ids = device_ids(city)
    n = ids.height
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), _STREAM])))
    nwk_addr = rng.choice(1 << _NWKADDR_BITS, size=n, replace=False).astype(np.uint32)
    dev_addr = (np.uint32(NET_ID & 0x7F) << np.uint32(_NWKADDR_BITS)) | nwk_addr
    app_keys = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    dev_nonce = rng.integers(0, 1 << 16, size=n, dtype=np.uint32)
    join_nonce = rng.integers(0, 1 << 24, size=n, dtype=np.uint32)
    dev_eui = DEV_EUI_PREFIX << 24 | np.arange(n, dtype=np.uint64)
    nwk, app = derive_session_keys_batch(app_keys, join_nonce, NET_ID, dev_nonce)
    codecs = ids["kind"].replace_strict(CODEC_OF_KIND, return_dtype=pl.String).to_list()
    entries = [
        SessionKeys(
            dev_addr=a,
            nwk_s_key=k1,
            app_s_key=k2,
            dev_eui=e.to_bytes(8, "big"),
            app_key=k0,
            codec=c,
        )
        for a, k1, k2, e, k0, c in zip(
            dev_addr.tolist(),
            binary_from_padded(nwk).to_list(),
            binary_from_padded(app).to_list(),
            dev_eui.tolist(),
            binary_from_padded(app_keys).to_list(),
            codecs,
            strict=True,
        )
    ]
    keys = KeyStore(entries, source=f"toyama-lab synthetic registry (seed {int(seed)})")
    registry = ids.with_columns(
        pl.Series("dev_eui", [f"{int(e):016X}" for e in dev_eui], dtype=pl.String),
        pl.lit(JOIN_EUI.hex().upper()).alias("join_eui"),
        pl.Series("dev_addr", [f"{int(a):08X}" for a in dev_addr], dtype=pl.String),
        pl.Series("dev_addr_int", dev_addr, dtype=pl.UInt32),
        pl.lit(f"{NET_ID:06X}").alias("net_id"),
        pl.lit("OTAA").alias("activation"),
        pl.Series("dev_nonce", dev_nonce, dtype=pl.UInt16),
        pl.Series("join_nonce", join_nonce, dtype=pl.UInt32),
        pl.lit(True).alias("synthetic"),
    )
    return registry.select(list(REGISTRY_SCHEMA)).cast(REGISTRY_SCHEMA), keys
