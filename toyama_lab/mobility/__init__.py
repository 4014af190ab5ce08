"""Mobility analysis for the workbooks: pedestrian KPI, bicycle parks, counters, crowd levels.

The synthetic truth is made by :mod:`toyama_lab.synth.mobility`; this package
*analyses* the cubes of :func:`toyama_lab.datasets.load` the way a city analyst
would, as pure functions on whole arrays (numpy / polars / xarray):

- :mod:`~toyama_lab.mobility.kpi`: daily pedestrian totals by area, day classes
  (weekday / weekend-holiday / event day), the KPI against a target, event effects
  against a matched baseline (中心商業地区及び富山駅周辺地区の歩行者通行量).
- :mod:`~toyama_lab.mobility.parking`: bicycle-park occupancy rate, alert levels
  (駐輪場の混雑お知らせ), next-hour nowcasts and their scores.
- :mod:`~toyama_lab.mobility.counters`: hourly queue profiles, "where should I go now"
  and staffing what-ifs (窓口混雑状況) on the M/M/c queue of :mod:`toyama_lab.queueing`
  (Erlang C).
- :mod:`~toyama_lab.mobility.crowd`: a transparent 5-level crowd forecast from
  calendar and weather (after かなざわ観光快適度マップ) and its skill score.

The package imports its submodules and nothing else (the pvlib style, the same in every
analysis package): call ``toyama_lab.mobility.<module>.<function>(...)``.
"""

from toyama_lab.mobility import counters, crowd, kpi, parking, text

__all__ = ["counters", "crowd", "kpi", "parking", "text"]
