"""toyama_lab.viz: labels, colours, the offline basemap, figures and the setup call."""

from __future__ import annotations

import math
import re

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from numpy.testing import assert_allclose

from toyama_lab import viz
from toyama_lab.city import KINDS, build_city
from toyama_lab.radio.airtime import time_on_air
from toyama_lab.viz import basemap, colours, labels
from toyama_lab.viz.airtime import (
    LORAWAN_OVERHEAD_BYTES,
    airtime_figure,
    airtime_table,
    budget_figure,
    budget_table,
)
from toyama_lab.viz.maps import sensor_map

URL = re.compile(r"https?://")


@pytest.fixture(scope="module")
def city():
    return build_city(0, "tiny")


@pytest.fixture
def restore_plotly():
    renderer, template = pio.renderers.default, pio.templates.default
    yield
    pio.renderers.default, pio.templates.default = renderer, template


# --- labels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "lang", "expected"),
    [
        ("level_m", "ja", "水位 [m]"),
        ("level_m", "en", "River level [m]"),
        ("gateway", "ja", "ゲートウェイ"),
        ("time_on_air_ms", "en", "Time on air [ms]"),
    ],
)
def test_label(key, lang, expected):
    assert labels.label(key, lang) == expected


def test_every_label_has_both_languages():
    for key, pair in labels.LABELS.items():
        assert len(pair) == 2 and all(isinstance(s, str) and s.strip() for s in pair), key


@pytest.mark.parametrize("kind", [*KINDS, "district", "river", "rail", "tram", "station"])
def test_city_kinds_and_layers_have_labels(kind):
    assert labels.label(kind, "ja") != labels.label(kind, "en")


def test_unknown_label_suggests_close_keys():
    with pytest.raises(KeyError, match="level_m"):
        labels.label("levelm", "ja")


@pytest.mark.parametrize("lang", ["fr", "JA", ""])
def test_bad_lang(lang):
    with pytest.raises(ValueError, match="'ja', 'en'"):
        labels.label("river", lang)


@pytest.mark.parametrize(("lang", "expected"), [("ja", "避難所"), ("en", "Shelter")])
def test_bilingual_picks_the_language(lang, expected):
    assert labels.bilingual("避難所", "Shelter", lang) == expected


@pytest.mark.parametrize("lang", ["fr", "JA", ""])
def test_bilingual_bad_lang(lang):
    with pytest.raises(ValueError, match="'ja', 'en'"):
        labels.bilingual("避難所", "Shelter", lang)


# --- colours ------------------------------------------------------------------------

HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
RGBA = re.compile(r"^rgba\(\s*\d+,\s*\d+,\s*\d+,\s*[0-9.]+\)$")


@pytest.mark.parametrize("kind", [*KINDS, "gateway"])
def test_every_kind_has_a_colour(kind):
    assert HEX.match(colours.colour_for(kind))


def test_colour_tables_are_valid_colours():
    values = [
        *colours.OKABE_ITO,
        *colours.KIND.values(),
        *colours.BASEMAP.values(),
        *colours.WARNING.values(),
        *colours.SF.values(),
        *(c for _, c in colours.CROWDING),
    ]
    for v in values:
        assert HEX.match(v) or RGBA.match(v), v
    assert [s for s, _ in colours.CROWDING] == sorted(s for s, _ in colours.CROWDING)
    assert set(colours.SF) == set(range(7, 13))


def test_unknown_kind_colour():
    with pytest.raises(KeyError, match="expected one of"):
        colours.colour_for("tsunami")


# --- basemap ------------------------------------------------------------------------


@pytest.mark.parametrize("lat", [0.0, 36.7, 45.0, -33.9])
def test_aspect_ratio(lat):
    assert_allclose(basemap.aspect_ratio(lat), 1.0 / math.cos(math.radians(lat)))


@pytest.mark.parametrize("lat", [90.0, -95.0])
def test_aspect_ratio_rejects_poles(lat):
    with pytest.raises(ValueError, match="between -89 and 89"):
        basemap.aspect_ratio(lat)


def test_basemap_traces_cover_each_layer(city):
    gj = city.to_geojson()
    count = {}
    for f in gj["features"]:
        count[f["properties"]["layer"]] = count.get(f["properties"]["layer"], 0) + 1
    traces = basemap.basemap_traces(city, layers=basemap.LAYERS)
    by_group = {}
    for t in traces:
        by_group.setdefault(t.legendgroup, []).append(t)
    outlines, centres = by_group["district"]  # every district in two traces, not one each
    assert outlines.fill == "toself" and outlines.hoverinfo == "skip"
    assert list(outlines.x).count(None) >= count["district"]
    assert len(centres.x) == count["district"]
    names = [f["properties"]["name_ja"] for f in gj["features"]
             if f["properties"]["layer"] == "district"]  # fmt: skip
    assert list(centres.text) == names
    for line in ("river", "rail", "tram"):
        (trace,) = by_group[line]
        assert list(trace.x).count(None) >= count[line]  # a gap after each line
        assert len(trace.text) == len(trace.x)
    for point in ("station", "school", "counter"):
        (trace,) = by_group[point]
        assert len(trace.x) == count[point]
    assert all(isinstance(t, go.Scatter) for t in traces)


def test_basemap_names_follow_lang(city):
    ja = basemap.basemap_traces(city, lang="ja", layers=("station",))[0]
    en = basemap.basemap_traces(city, lang="en", layers=("station",))[0]
    names = city.stations
    assert list(ja.text) == names["name_ja"].to_list()
    assert list(en.text) == names["name_romaji"].to_list()


def test_basemap_accepts_geojson_and_dataset_like(city):
    gj = city.to_geojson()

    class FakeDataset:
        pass

    ds = FakeDataset()
    ds.city = city
    n = len(basemap.basemap_traces(city))
    assert len(basemap.basemap_traces(gj)) == n
    assert len(basemap.basemap_traces(ds)) == n


@pytest.mark.parametrize(
    ("arg", "exc", "match"),
    [
        (42, TypeError, "expected a City"),
        ({"type": "Feature"}, TypeError, "FeatureCollection"),
    ],
)
def test_basemap_rejects_bad_input(arg, exc, match):
    with pytest.raises(exc, match=match):
        basemap.basemap_traces(arg)


def test_basemap_rejects_unknown_layer(city):
    with pytest.raises(ValueError, match="unknown basemap layer"):
        basemap.basemap_traces(city, layers=("district", "volcano"))


def test_basemap_figure_is_equal_aspect_and_covers_the_city(city):
    fig = basemap.basemap_figure(city)
    y = fig.layout.yaxis
    assert y.scaleanchor == "x"
    mid = sum(y.range) / 2.0
    assert_allclose(y.scaleratio, 1.0 / math.cos(math.radians(mid)))
    xs = np.concatenate([np.asarray(t.x, dtype=float) for t in fig.data])
    ys = np.concatenate([np.asarray(t.y, dtype=float) for t in fig.data])
    assert fig.layout.xaxis.range[0] <= np.nanmin(xs) and np.nanmax(xs) <= fig.layout.xaxis.range[1]
    assert y.range[0] <= np.nanmin(ys) and np.nanmax(ys) <= y.range[1]


def test_basemap_needs_no_url(city):
    fig = sensor_map(city)
    assert not URL.search(fig.to_json())
    html = pio.to_html(fig, include_plotlyjs=False, include_mathjax=False, full_html=False)
    assert not URL.search(html)


def test_add_points_checks_lengths(city):
    fig = basemap.basemap_figure(city)
    with pytest.raises(ValueError, match="one per point"):
        basemap.add_points(fig, [137.2, 137.3], [36.7], name="x")


@pytest.mark.parametrize("height", [480, 640])
def test_legend_below_sets_a_row_legend_and_height(city, height):
    fig = basemap.basemap_figure(city, lang="en")
    assert basemap.legend_below(fig, height) is fig
    assert fig.layout.height == height
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0
    assert fig.layout.legend.itemsizing == "constant"  # the basemap's own setting is kept


def test_sensor_map_layers(city):
    fig = sensor_map(city, lang="en", kinds=["river", "rain"])
    names = [t.name for t in fig.data]
    assert labels.label("river", "en") in names
    assert labels.label("rain", "en") in names
    assert labels.label("gateway", "en") in names
    (gw,) = [t for t in fig.data if t.name == labels.label("gateway", "en")]
    assert len(gw.x) == city.gateways.height


def test_sensor_map_unknown_kind(city):
    with pytest.raises(ValueError, match="no sensors of kind"):
        sensor_map(city, kinds=["volcano"])


# --- airtime figures -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("phy", "sf", "ms"),
    [(13, 9, 164.864), (10, 7, 41.216), (10, 11, 577.536)],  # AN1200.13; RF Wireless World
)
def test_airtime_table_reference_values(phy, sf, ms):
    t = airtime_table([phy], [sf], lorawan=False)
    assert_allclose(t["time_on_air_ms"].item(), ms, atol=1e-3)


def test_airtime_table_adds_lorawan_overhead():
    t = airtime_table([0, 11, 40], [7, 12])
    assert t.height == 6
    assert (t["phy_bytes"] - t["payload_bytes"] == LORAWAN_OVERHEAD_BYTES).all()
    expected = time_on_air(t["phy_bytes"].to_numpy(), t["sf"].to_numpy()) * 1e3
    assert_allclose(t["time_on_air_ms"].to_numpy(), expected)


@pytest.mark.parametrize(("payload", "budget"), [(11, 360.0), (51, 36.0), (0, 3.6)])
def test_budget_table_is_the_largest_count_within_budget(payload, budget):
    t = budget_table(payload, budget_s=budget)
    toa_s = t["time_on_air_ms"].to_numpy() / 1e3
    n = t["max_per_hour"].to_numpy()
    assert np.all(n * toa_s <= budget + 1e-9)
    assert np.all((n + 1) * toa_s > budget)


def test_budget_default_is_the_arib_hourly_budget():
    from toyama_lab.radio.regional import ARIB_T108

    a = budget_table(11)
    b = budget_table(11, budget_s=ARIB_T108.hourly_budget_s)
    assert a.equals(b)


def test_budget_rejects_non_positive():
    with pytest.raises(ValueError, match="positive"):
        budget_table(11, budget_s=0)


def test_airtime_figure():
    fig = airtime_figure(30, (7, 9, 12), mark_payload=11, lang="en")
    assert [t.name for t in fig.data] == ["SF7", "SF9", "SF12"]
    assert fig.layout.yaxis.type == "log"
    assert len(fig.data[0].x) == 31
    with pytest.raises(ValueError, match="max_payload"):
        airtime_figure(300)


def test_budget_figure():
    fig = budget_figure(11, lang="en")
    assert list(fig.data[0].x) == [f"SF{s}" for s in range(7, 13)]
    assert list(fig.data[0].y) == budget_table(11)["max_per_hour"].to_list()


# --- setup and the offline renderer --------------------------------------------------


def test_offline_renderer_has_no_cdn_and_no_plotlyjs(city):
    fig = basemap.basemap_figure(city)
    html = viz.OfflineNotebookRenderer(connected=False).to_mimebundle(fig.to_dict())["text/html"]
    assert "<div" in html and "Plotly.newPlot" in html
    assert not URL.search(html)
    assert len(html) < 200_000 and "plotly.js v" not in html  # plotly.js is not in the output
    online = viz.OfflineNotebookRenderer(connected=True).to_mimebundle(fig.to_dict())["text/html"]
    assert "cdn.plot.ly" in online


def test_offline_renderer_publishes_nothing_on_activation(monkeypatch):
    published = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: published.append(a))
    viz.OfflineNotebookRenderer().activate()
    assert published == []


@pytest.mark.parametrize(
    ("lang", "renderer", "expected"),
    [
        ("ja", "plotly_mimetype+toyama_offline", "図の準備ができました: ラベルは日本語、J"),
        ("en", "plotly_mimetype+toyama_offline", "Figures ready: English labels, drawn offline"),
        ("en", None, "Figures ready: English labels, Python only"),
        ("en", "book_div", "Figures ready: English labels, renderer: book_div"),
    ],
)
def test_settings_show_one_readable_line(lang, renderer, expected):
    from IPython.lib.pretty import pretty

    s = viz.Settings(lang=lang, offline=True, renderer=renderer, template="toyama")
    line = pretty(s)
    assert line.startswith(expected) and "\n" not in line
    assert "Settings(" not in line and line == s.describe()


def test_setup_outside_a_kernel_sets_only_the_theme(restore_plotly):
    before = pio.renderers.default
    s = viz.setup(lang="en")
    assert s.renderer is None and pio.renderers.default == before
    assert s.template == pio.templates.default == "toyama"
    white = pio.templates["plotly_white"].layout
    assert pio.templates["toyama"].layout.plot_bgcolor == white.plot_bgcolor  # plotly_white kept
    assert viz.current_lang() == "en"
    assert list(pio.templates["toyama"].layout.colorway) == list(colours.OKABE_ITO)
    assert "Noto Sans CJK JP" in pio.templates["toyama"].layout.font.family
    viz.setup(lang="ja")


def test_setup_in_a_kernel_selects_the_offline_renderer(monkeypatch, restore_plotly):
    monkeypatch.setattr(viz, "_in_kernel", lambda: True)
    monkeypatch.delenv(viz.RENDERER_ENV, raising=False)
    s = viz.setup(offline=True)
    assert s.renderer == pio.renderers.default == "plotly_mimetype+toyama_offline"
    assert pio.renderers["toyama_offline"].connected is False
    bundle = pio.renderers._build_mime_bundle(go.Figure(go.Scatter(y=[1, 2])).to_dict())
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"}
    assert len(bundle["text/html"]) < 10_000  # a div and a newPlot call, no plotly.js
    viz.setup(offline=False)
    assert pio.renderers["toyama_offline"].connected is True


def test_setup_honours_the_renderer_variable(monkeypatch, restore_plotly):
    monkeypatch.setattr(viz, "_in_kernel", lambda: True)
    monkeypatch.setenv(viz.RENDERER_ENV, "json")
    assert viz.setup().renderer == "json"
    monkeypatch.setenv(viz.RENDERER_ENV, "no-such-renderer")
    with pytest.raises(ValueError, match="not a registered plotly renderer"):
        viz.setup()


def test_setup_rejects_bad_lang():
    with pytest.raises(ValueError, match="lang="):
        viz.setup(lang="de")


# --- show_or_interact ----------------------------------------------------------------


def _recorder(calls):
    def figure(**kw):
        calls.append(kw)
        return go.Figure()

    return figure


def test_show_or_interact_static_calls_once_with_values(monkeypatch):
    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: None)
    calls = []
    out = viz.show_or_interact(
        _recorder(calls), False, {"a": 3, "b": "x"}, {"a": (0, 5, 1)}, lang="en"
    )
    assert out is None
    assert calls == [{"a": 3, "b": "x", "lang": "en"}]


def test_show_or_interact_builds_widgets_from_start_values(monkeypatch):
    import ipywidgets

    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: None)
    published = []
    monkeypatch.setattr(go.Figure, "_ipython_display_", lambda self: published.append(self))
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    calls = []

    def figure(**kw):
        calls.append(kw)
        return go.Figure(go.Scatter(x=[1, 2], y=[kw["a"], kw["c"]], name=str(kw["b"])))

    viz.show_or_interact(
        figure, True, {"a": 3, "b": "y", "c": 1.5}, {"a": (0, 5, 1), "b": ["x", "y"]}
    )
    assert len(shown) == 1  # only the box is displayed
    box = shown[0]
    assert isinstance(box, ipywidgets.VBox)
    kinds = [type(w) for w in box.children]
    assert kinds == [ipywidgets.IntSlider, ipywidgets.Dropdown, ipywidgets.Output]
    assert calls == [{"a": 3, "b": "y", "c": 1.5}]
    slider, dropdown, out = box.children

    def drawn():
        (output,) = out.outputs  # one figure in the Output's state, nothing published
        assert output["output_type"] == "display_data"
        return output["data"]["application/vnd.plotly.v1+json"]["data"][0]

    assert drawn()["name"] == "y"
    slider.value = 4  # a change redraws with the new value
    dropdown.value = "x"
    assert calls[1:] == [{"a": 4, "b": "y", "c": 1.5}, {"a": 4, "b": "x", "c": 1.5}]
    assert drawn()["name"] == "x"
    assert published == []  # the figure never went through IPython's display (Log Console)


def test_show_or_interact_without_choices_is_static_even_when_live(monkeypatch):
    shown, calls = [], []
    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: shown.append(self))
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    viz.show_or_interact(_recorder(calls), True, {"a": 1}, lang="en")
    assert calls == [{"a": 1, "lang": "en"}]
    assert len(shown) == 1 and isinstance(shown[0], go.Figure)  # no widget box


def test_display_data_is_json_for_the_widget_state():
    import json

    fig = go.Figure(go.Scatter(x=np.arange(3), y=np.array([1.0, 2.0, 3.0])))
    before = pio.renderers.default
    for renderer in ("plotly_mimetype", "browser"):  # a kernel's; a script's (no bundle)
        pio.renderers.default = renderer
        try:
            out = viz.live.display_data(fig)
        finally:
            pio.renderers.default = before
        json.dumps(out)  # what ipywidgets sends to the frontend
        assert out["data"][viz.live.PLOTLY_MIMETYPE]["data"][0]["type"] == "scatter"
    assert viz.live.display_data("abc")["data"] == {"text/plain": "'abc'"}


@pytest.mark.parametrize(("interactive", "live", "widgets"), [(None, True, 1), (None, False, 0)])
def test_show_or_interact_none_asks_the_frontend(monkeypatch, interactive, live, widgets):
    import ipywidgets

    monkeypatch.setattr(go.Figure, "show", lambda self, *a, **k: None)
    monkeypatch.setattr(viz.live, "frontend_is_live", lambda kernel=...: live)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    viz.show_or_interact(_recorder([]), interactive, {"a": 1}, {"a": (0, 5, 1)})
    assert sum(isinstance(o, ipywidgets.VBox) for o in shown) == widgets


@pytest.mark.parametrize(
    ("values", "choices", "match"),
    [
        ({}, {"a": [1, 2]}, "no start value"),
        ({"a": 3}, {"a": [1, 2]}, "must be a list containing"),
        ({"a": 3}, {"a": "abc"}, "must be a list containing"),
    ],
)
def test_show_or_interact_rejects_bad_controls(monkeypatch, values, choices, match):
    monkeypatch.setattr("IPython.display.display", lambda obj: None)
    with pytest.raises(ValueError, match=match):
        viz.show_or_interact(_recorder([]), True, values, choices)


@pytest.mark.parametrize("sf", [7, 10, 11, 12])
def test_staircase_steps_are_blocks_of_five_symbols(sf):
    from toyama_lab.viz.airtime import staircase

    s = staircase(sf)
    de = 1 if sf >= 11 else 0
    assert s["step_symbols"] == 5.0  # CR 4/5: blocks of 4 + 1 symbols
    assert_allclose(s["step_ms"], 5 * 2**sf / 125_000 * 1e3)
    assert_allclose(s["bytes_per_step"], 4 * (sf - 2 * de) / 8, atol=0.1)


# --- live: who is there to click ---------------------------------------------------


class _Kernel:
    def __init__(self, parent):
        self.parent = parent

    def get_parent(self, channel=None):
        assert channel == "shell"
        return self.parent


def _request(msg_type, **content):
    return {"header": {"msg_type": msg_type}, "content": content}


@pytest.mark.parametrize(
    ("kernel", "expected"),
    [
        (None, False),  # a script or pytest: no kernel
        (object(), False),  # a kernel without get_parent (too old)
        (_Kernel({}), False),  # nothing being executed
        (_Kernel(_request("execute_request", code="1", allow_stdin=True)), True),  # JupyterLab
        (_Kernel(_request("execute_request", code="1", allow_stdin=False)), False),  # nbclient
        (_Kernel(_request("execute_request", code="1")), False),  # flag missing: no person
        (_Kernel(_request("comm_msg", data={})), False),  # a widget callback
    ],
)
def test_frontend_is_live(kernel, expected):
    assert viz.live.frontend_is_live(kernel) is expected


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False), ("no", "no")])
def test_resolve_interactive_keeps_given_values(value, expected):
    live_kernel = _Kernel(_request("execute_request", allow_stdin=True))
    assert viz.resolve_interactive(value, live_kernel) == expected


@pytest.mark.parametrize(("allow_stdin", "expected"), [(True, True), (False, False)])
def test_resolve_interactive_none_asks_the_request(allow_stdin, expected):
    kernel = _Kernel(_request("execute_request", allow_stdin=allow_stdin))
    assert viz.resolve_interactive(None, kernel) is expected


@pytest.mark.parametrize(
    ("options", "value", "kind"),
    [
        ((0, 10, 1), 3, "IntSlider"),
        ((0, 10, 0.5), 3, "FloatSlider"),
        ((0.0, 30.0, 2.0), 10.0, "FloatSlider"),
        (["a", "b"], "b", "Dropdown"),
        ([7, 8, 12], 12, "Dropdown"),
    ],
)
def test_make_control(options, value, kind):
    w = viz.live.make_control("x", options, value)
    assert type(w).__name__ == kind and w.value == value and w.description == "x"


@pytest.mark.parametrize(("options", "value"), [((0, 1), 0), ([1, 2], 3), ("ab", "a"), (None, 1)])
def test_make_control_rejects_bad_options(options, value):
    with pytest.raises(ValueError, match="must be a list containing the start value"):
        viz.live.make_control("x", options, value)


def test_live_docstring_examples_run():
    import doctest

    result = doctest.testmod(viz.live)
    assert result.attempted >= 2 and result.failed == 0
