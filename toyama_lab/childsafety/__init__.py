"""Child-watch analyses (こどもを見守る地域連携事業) for ``workbooks/child-safety/``.

- :mod:`~toyama_lab.childsafety.heatmap`: time bands and grid cells, aggregated with
  small-cell suppression (:func:`toyama_lab.privacy.aggregate_with_threshold`).
- :mod:`~toyama_lab.childsafety.patrol`: patrol points by greedy maximum coverage.
- :mod:`~toyama_lab.childsafety.reidentify`: why the 50 m home rule exists (synthetic
  children only).
- :mod:`~toyama_lab.childsafety.text`: the sentences the workbooks print, ja/en.

The figures are in :mod:`toyama_lab.viz.childsafety`.

The package imports its submodules and nothing else (the pvlib style, the same in every
analysis package): call ``toyama_lab.childsafety.<module>.<function>(...)``.
"""

from toyama_lab.childsafety import heatmap, patrol, reidentify, text

__all__ = ["heatmap", "patrol", "reidentify", "text"]
