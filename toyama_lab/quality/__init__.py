"""Data quality: loss and duplicates on the radio road, faults in the time series.

- :mod:`~toyama_lab.quality.loss`: duplicates across gateways, frame loss from FCnt holes
  and against the simulated truth, completeness of a sensor x time cube.
- :mod:`~toyama_lab.quality.clean`: transparent rules for gaps, stuck values, spikes and
  drift; flagging and filling.
- :mod:`~toyama_lab.quality.score`: precision/recall per fault kind against the truth
  flags, and the error of cleaned values against the clean truth.
"""

from toyama_lab.quality.clean import (
    RULE_BITS,
    clean,
    detect_drift,
    detect_gaps,
    detect_spikes,
    detect_stuck,
    fill_short_gaps,
    flag_all,
)
from toyama_lab.quality.loss import (
    completeness,
    copies_per_frame,
    duplicate_summary,
    fcnt_loss,
    final_attempts,
    gap_mask,
    loss_reasons,
    loss_vs_truth,
)
from toyama_lab.quality.score import error_table, score_flags

__all__ = [
    "RULE_BITS",
    "clean",
    "completeness",
    "copies_per_frame",
    "detect_drift",
    "detect_gaps",
    "detect_spikes",
    "detect_stuck",
    "duplicate_summary",
    "error_table",
    "fcnt_loss",
    "fill_short_gaps",
    "final_attempts",
    "flag_all",
    "gap_mask",
    "loss_reasons",
    "loss_vs_truth",
    "score_flags",
]
