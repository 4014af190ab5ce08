"""Child-watch analyses (こどもを見守る地域連携事業) for ``workbooks/child-safety/``.

- :mod:`~toyama_lab.childsafety.heatmap`: time bands and grid cells, aggregated with
  small-cell suppression (:func:`toyama_lab.privacy.aggregate_with_threshold`).
- :mod:`~toyama_lab.childsafety.patrol`: patrol points by greedy maximum coverage.
- :mod:`~toyama_lab.childsafety.reidentify`: why the 50 m home rule exists (synthetic
  children only).
- :mod:`~toyama_lab.childsafety.figures`: the offline plotly figures of these workbooks.
"""
