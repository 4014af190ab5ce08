"""行政DX: analysis of the city hall's own work, for the workbooks in ``workbooks/gyosei``.

The synthetic truth lives in :mod:`toyama_lab.synth.attendance` (attendance of the
city departments) and :mod:`toyama_lab.synth.applications` (applications and their
processing steps); this package analyses it as pure functions on polars/numpy:

- :mod:`~toyama_lab.gyosei.data`: loaders that call the truth directly;
- :mod:`~toyama_lab.gyosei.interval`: rest between working days, short rests, the
  department KPI with small-cell suppression;
- :mod:`~toyama_lab.gyosei.counter_cost`: what a late start costs at the counter
  (pointwise Erlang C);
- :mod:`~toyama_lab.gyosei.online`: where automation saves hours, and a before/after
  estimate with a bootstrap interval;
- :mod:`~toyama_lab.gyosei.labels`: the words of figures, tables and printed lines;
- :mod:`~toyama_lab.gyosei.sentences`: every printed number, ja/en;
- :mod:`~toyama_lab.gyosei.params`: the workbooks' parameter schemas.

The figures are in :mod:`toyama_lab.viz.gyosei`.

Notes
-----
Facts about Toyama Prefecture used by the workbooks (source: 台東区議会 企画総務委員会
「令和５年度 行政視察報告」, study visit of 2023-11-06 to 11-08, seed document 002): the
work-interval trial (勤務間インターバル試行制度) started in June 2023 and aims at 11 hours
of rest for staff of 08:30-17:15 whose previous day ended at 21:30 or later, through
late-start patterns 遅出A-F, with no overtime on a late-start day; RPA is used e.g. to
check overtime and draft meeting minutes and saves about 12,000 hours of work a year
(:data:`toyama_lab.gyosei.online.RPA_HOURS_PER_YEAR`).

The package imports its submodules and nothing else (the pvlib style, the same in every
analysis package): call ``toyama_lab.gyosei.<module>.<function>(...)``.
"""

from toyama_lab.gyosei import counter_cost, data, interval, labels, online, params, sentences

__all__ = ["counter_cost", "data", "interval", "labels", "online", "params", "sentences"]
