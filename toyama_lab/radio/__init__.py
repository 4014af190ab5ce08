"""LoRa physical layer and network, on whole arrays.

Time on air (:mod:`~toyama_lab.radio.airtime`), Japanese 920 MHz / AS923 rules
(:mod:`~toyama_lab.radio.regional`), link budget (:mod:`~toyama_lab.radio.link`),
receptions with collisions, capture, inter-SF interference and gateway demodulator paths
(:mod:`~toyama_lab.radio.collisions`), SF choice by link margin
(:mod:`~toyama_lab.radio.adr`) and the LoRaSim 0.2.1 parity mode
(:mod:`~toyama_lab.radio.lorasim`, see ``docs/lorasim-parity.md``).
"""

from toyama_lab.radio.adr import assign_sf, sf_to_dr
from toyama_lab.radio.airtime import symbol_time, time_on_air
from toyama_lab.radio.collisions import REASONS, Receptions, receive, sir_threshold_matrix
from toyama_lab.radio.link import (
    distance_m,
    log_distance_path_loss,
    noise_floor_dbm,
    okumura_hata_path_loss,
    okumura_hata_terms,
    received_power_dbm,
    sensitivity_dbm,
    shadowing_db,
    snr_floor_db,
)
from toyama_lab.radio.regional import (
    ARIB_T108,
    AS923_DWELL,
    REGIONAL_REASONS,
    RegionalOutcome,
    RegionalRules,
    apply_regional_rules,
)

__all__ = [
    "ARIB_T108",
    "AS923_DWELL",
    "REASONS",
    "REGIONAL_REASONS",
    "Receptions",
    "RegionalOutcome",
    "RegionalRules",
    "apply_regional_rules",
    "assign_sf",
    "distance_m",
    "log_distance_path_loss",
    "noise_floor_dbm",
    "okumura_hata_path_loss",
    "okumura_hata_terms",
    "receive",
    "received_power_dbm",
    "sensitivity_dbm",
    "sf_to_dr",
    "shadowing_db",
    "sir_threshold_matrix",
    "snr_floor_db",
    "symbol_time",
    "time_on_air",
]
