"""Data quality: loss and duplicates on the radio road, faults in the time series.

- :mod:`~toyama_lab.quality.loss`: duplicates across gateways, frame loss from FCnt holes
  and against the simulated truth, completeness of a sensor x time cube.
- :mod:`~toyama_lab.quality.clean`: transparent rules for gaps, stuck values, spikes and
  drift; flagging and filling.
- :mod:`~toyama_lab.quality.score`: precision/recall per fault kind against the truth
  flags, and the error of cleaned values against the clean truth.

The package imports its submodules and nothing else (the pvlib style, the same in every
analysis package): call ``toyama_lab.quality.<module>.<function>(...)``.
"""

from toyama_lab.quality import clean, loss, score, text

__all__ = ["clean", "loss", "score", "text"]
