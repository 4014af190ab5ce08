"""Disaster-prevention analyses for the workbooks in ``workbooks/disaster/``.

- :mod:`~toyama_lab.disaster.alerts`: river warning levels (氾濫注意水位, 避難判断水位,
  氾濫危険水位), the alert timeline, rain peaks and lead times.
- :mod:`~toyama_lab.disaster.coverage`: after an earthquake, which sensors went dark or
  lost every gateway in reach (link budget), and where one more gateway helps most.
- :mod:`~toyama_lab.disaster.bousai`: the 自主防災組織の組織率 KPI by district (SYNTHETIC
  rates) and the population's distance to the nearest shelter.
- :mod:`~toyama_lab.disaster.text`: the sentences the workbooks print, ja/en.

The figures are in :mod:`toyama_lab.viz.disaster`.

The package imports its submodules and nothing else (the pvlib style, the same in every
analysis package): call ``toyama_lab.disaster.<module>.<function>(...)``.
"""

from toyama_lab.disaster import alerts, bousai, coverage, text

__all__ = ["alerts", "bousai", "coverage", "text"]
