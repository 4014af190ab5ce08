"""The application truth: deterministic, true to its step table, described as data."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from toyama_lab.synth import applications as app
from toyama_lab.synth.office_variables import OFFICE_TABLES


@pytest.fixture(scope="module")
def log():
    return app.applications(size="class", seed=0, start="2025-10-01", days=61)


def test_columns_are_described(log):
    assert log.columns == [v.name for v in OFFICE_TABLES["applications"]]


def test_deterministic_and_window_independent(log):
    assert app.applications(size="class", seed=0, start="2025-10-01", days=61).equals(log)
    part = app.applications(size="class", seed=0, start="2025-10-15", days=7)
    same = log.filter(pl.col("date").is_between(dt.date(2025, 10, 15), dt.date(2025, 10, 21)))
    assert part.equals(same)
    assert not app.applications(size="class", seed=1, days=61).equals(log)


def test_every_application_has_every_step_in_order(log):
    per_app = log.group_by("app_id", maintain_order=True).agg(pl.col("step"))
    assert per_app["step"].to_list() == [list(app.STEPS)] * per_app.height
    assert log["app_id"].str.contains(r"^(jidou|hoiku|inu)-\d{8}-\d{3}$").all()


def test_only_open_days(log):
    assert (log["date"].dt.weekday() <= 5).all()
    assert log.filter(pl.col("date") == dt.date(2025, 10, 13)).height == 0  # スポーツの日


def test_means_and_shares_match_the_truth(log):
    truth = app.step_table()
    got = log.group_by("procedure", "channel", "step").agg(pl.col("minutes").mean())
    both = got.join(truth, on=["procedure", "channel", "step"])
    assert both.height == truth.height
    rel = ((both["minutes"] - both["mean_min"]) / both["mean_min"]).abs()
    assert rel.max() < 0.25  # log-normal noise, a few hundred applications per cell
    apps = log.unique("app_id")
    for p in app.PROCEDURES:
        share = (apps.filter(pl.col("procedure") == p.proc_id)["channel"] == "online").mean()
        assert share == pytest.approx(p.online_share, abs=0.08)
    auto = log.filter(pl.col("automatable"))["step"].unique().sort().to_list()
    assert auto == ["entry", "notice"]


def test_sizes_scale_the_volume():
    n = {s: app.applications(size=s, days=28)["app_id"].n_unique() for s in ("tiny", "city")}
    assert 5 < n["city"] / n["tiny"] < 11  # VOLUME_SCALE 4.0 / 0.5 = 8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": "huge"}, "unknown size 'huge'"),
        ({"seed": -2}, "seed must be a non-negative int"),
        ({"days": 0}, "n_days must be a positive int"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        app.applications(**kwargs)
