"""Tests of toyama_lab.viz.capacity: the DER figures of the network-growth experiments."""

import polars as pl
import pytest

from toyama_lab import capacity as cap
from toyama_lab.viz.capacity import city_der_figure, der_figure


def test_der_figure_draws_the_curves_and_the_aloha_line():
    t = cap.network_der_curve([50, 200], duration_s=600.0, seed=1)
    fig = der_figure({"sim": t}, lang="en")
    assert len(fig.data) == 2
    assert fig.layout.xaxis.title.text.startswith("Number")
    assert fig.data[1].line.dash == "dash"
    ja = der_figure({"sim": t}, lang="ja")
    assert ja.layout.xaxis.title.text.startswith("ノード数")
    with pytest.raises(ValueError):
        der_figure({"sim": t}, lang="fr")


def test_der_figure_without_aloha_column_has_no_aloha_line():
    t = pl.DataFrame({"nodes": [10, 20], "der": [0.9, 0.8]})
    assert len(der_figure({"a": t, "b": t}, lang="en").data) == 2


def test_city_der_figure_has_three_curves_and_the_aloha_line():
    fig = city_der_figure([50, 100], interval_min=10, n_gateways=2, lang="en")
    names = [t.name for t in fig.data]
    assert "1 gateway(s), no capture" in names and "2 gateway(s)" in names
    with pytest.raises(ValueError, match="lang"):
        city_der_figure([50], lang="fr")
