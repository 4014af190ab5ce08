"""Tests of toyama_lab.quality: loss/duplicate statistics, cleaning rules and scores."""

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from toyama_lab import quality as q
from toyama_lab.synth.variables import FAULT_BITS

# ---------------------------------------------------------------- loss and duplicates


def _log(payloads):
    return pl.DataFrame(
        {"phy_payload": payloads, "gateway_id": [f"gw-{i}" for i in range(len(payloads))]}
    )


@pytest.mark.parametrize(
    ("payloads", "frames", "dups", "copies"),
    [
        ([b"a", b"a", b"b"], 2, 1, {1: 1, 2: 1}),
        ([b"a", b"b", b"c"], 3, 0, {1: 3}),
        ([b"a", b"a", b"a", b"b", b"b"], 2, 3, {2: 1, 3: 1}),
    ],
)
def test_duplicates(payloads, frames, dups, copies):
    s = q.loss.duplicate_summary(_log(payloads))
    assert s["receptions"][0] == len(payloads)
    assert s["frames"][0] == frames
    assert s["duplicates"][0] == dups
    c = q.loss.copies_per_frame(_log(payloads))
    assert dict(zip(c["n_copies"], c["frames"], strict=True)) == copies
    assert_allclose(c["share"].sum(), 1.0)


def test_duplicates_reject_wrong_table():
    with pytest.raises(ValueError, match="phy_payload"):
        q.loss.duplicate_summary(pl.DataFrame({"x": [1]}))
    with pytest.raises(TypeError):
        q.loss.copies_per_frame({"phy_payload": [b"a"]})


def _decoded(rows):
    addr, fcnt = zip(*rows, strict=True)
    return pl.DataFrame({"dev_addr": addr, "fcnt": fcnt, "status": ["ok"] * len(rows)})


def test_fcnt_loss_counts_holes():
    dec = _decoded([("A", 0), ("A", 1), ("A", 4), ("A", 4), ("B", 10), ("B", 11)])
    t = q.loss.fcnt_loss(dec)
    a = t.filter(pl.col("dev_addr") == "A").row(0, named=True)
    assert (a["received"], a["expected"], a["missing"]) == (3, 5, 2)
    assert_allclose(a["loss_rate"], 0.4)
    b = t.filter(pl.col("dev_addr") == "B").row(0, named=True)
    assert b["missing"] == 0


def test_loss_vs_truth_separates_hidden_loss():
    tx = pl.DataFrame(
        {
            "dev_addr": ["A"] * 6,
            "device_id": ["dev-a"] * 6,
            "kind": ["rain"] * 6,
            "fcnt": list(range(6)),
            "delivered": [False, True, False, True, True, False],
        }
    )
    dec = _decoded([("A", 1), ("A", 3), ("A", 4), ("A", 4)])
    row = q.loss.loss_vs_truth(dec, tx).row(0, named=True)
    assert row["planned"] == 6
    assert row["delivered_truth"] == 3
    assert row["decoded"] == 3
    assert row["fcnt_missing"] == 1  # fcnt 2
    assert row["hidden_loss"] == 2  # fcnt 0 and 5: invisible to the counter
    assert_allclose(row["loss_rate"], 0.5)


def test_loss_reasons_pivot():
    tx = pl.DataFrame(
        {
            "kind": ["rain", "rain", "river", "river", "river"],
            "loss_reason": ["delivered", "collision", "delivered", "delivered", "out_of_range"],
        }
    )
    t = q.loss.loss_reasons(tx)
    rain = t.filter(pl.col("kind") == "rain").row(0, named=True)
    assert (rain["planned"], rain["delivered"], rain["collision"], rain["out_of_range"]) == (
        2, 1, 1, 0,
    )  # fmt: skip
    assert_allclose(t["delivery_rate"].to_list(), [0.5, 2 / 3])


@pytest.mark.parametrize(
    ("values", "received"),
    [
        (np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 1.0]]), [2, 1]),
        (np.array([[1, 65535, 2], [0, 0, 0]], dtype=np.uint16), [2, 3]),
    ],
)
def test_completeness(values, received):
    t = q.loss.completeness(values, ["s1", "s2"])
    assert t["received"].to_list() == received
    assert_allclose(t["completeness"].to_numpy(), np.array(received) / 3)


def test_completeness_rejects():
    with pytest.raises(ValueError, match="2-D"):
        q.loss.completeness(np.zeros(3))
    with pytest.raises(ValueError, match="names"):
        q.loss.completeness(np.zeros((2, 3)), ["only-one"])


# ---------------------------------------------------------------- rules


def _series(seed=0, n=4, m=600):
    rng = np.random.default_rng(seed)
    return rng.poisson(20, size=(n, m)).astype(np.float64)


def test_detect_gaps_float_and_uint16():
    assert_array_equal(q.clean.detect_gaps([[1.0, np.nan]]), [[False, True]])
    assert_array_equal(q.clean.detect_gaps(np.array([[65535, 3]], np.uint16)), [[True, False]])


@pytest.mark.parametrize(("run", "min_run", "flagged"), [(40, 30, 40), (20, 30, 0), (30, 30, 30)])
def test_detect_stuck(run, min_run, flagged):
    v = _series()
    v[1, 100 : 100 + run] = 55.0
    s = q.clean.detect_stuck(v, min_run=min_run)
    assert s[1].sum() == flagged
    assert s[[0, 2, 3]].sum() == 0


def test_detect_stuck_ignores_zeros_unless_asked():
    v = _series()
    v[0, :100] = 0.0
    assert q.clean.detect_stuck(v).sum() == 0
    assert q.clean.detect_stuck(v, ignore_zero=False)[0, :100].all()


def test_detect_spikes_finds_planted_spikes():
    v = _series(1)
    at = [(0, 50), (2, 300), (3, 599)]
    for r, c in at:
        v[r, c] += 500.0
    s = q.clean.detect_spikes(v)
    assert {tuple(x) for x in np.argwhere(s)} == set(at)


def test_detect_spikes_min_jump():
    v = _series(2)
    v[0, 10] += 60.0
    assert q.clean.detect_spikes(v, min_jump=40.0)[0, 10]
    assert not q.clean.detect_spikes(v, min_jump=100.0)[0, 10]


def test_detect_drift_flags_the_drifting_sensor_only():
    rng = np.random.default_rng(3)
    base = 50.0 + 20.0 * np.sin(np.arange(3 * 100) / 16.0)
    v = base[None, :] * rng.uniform(0.8, 1.2, size=(6, 1)) + rng.normal(0, 1, size=(6, 300))
    v[2, 150:] *= 1.5
    d = q.clean.detect_drift(v, window=100, tol=0.2)
    assert d[2, 220:].all()
    assert d[np.arange(6) != 2].sum() == 0


def test_fill_short_gaps():
    v = np.array([[1.0, np.nan, 3.0, np.nan, np.nan, 6.0, np.nan]])
    assert_allclose(q.clean.fill_short_gaps(v, max_gap=2), [[1, 2, 3, 4, 5, 6, np.nan]])
    assert_allclose(q.clean.fill_short_gaps(v, max_gap=1), [[1, 2, 3, np.nan, np.nan, 6, np.nan]])


def test_clean_removes_spike_and_fills():
    v = _series(4)
    truth = v.copy()
    v[1, 200] = 900.0
    v[2, 50:53] = np.nan
    cleaned, flags = q.clean.clean(v)
    assert flags[1, 200] & q.clean.RULE_BITS["spike"]
    assert (flags[2, 50:53] & q.clean.RULE_BITS["gap"]).all()
    assert np.isfinite(cleaned[1, 200]) and abs(cleaned[1, 200] - truth[1, 200]) < 30
    assert np.isfinite(cleaned[2, 50:53]).all()


@pytest.mark.parametrize(
    ("func", "kwargs"),
    [
        (q.clean.detect_stuck, {"min_run": 1}),
        (q.clean.detect_spikes, {"window": 2}),
        (q.clean.detect_spikes, {"k": 0}),
        (q.clean.detect_drift, {"tol": 0}),
        (q.clean.fill_short_gaps, {"max_gap": -1}),
        (q.clean.detect_gaps, {}),
    ],
)
def test_rules_reject_bad_input(func, kwargs):
    with pytest.raises(ValueError):
        func(np.zeros((2, 3, 4)) if not kwargs else _series(), **kwargs)


# ---------------------------------------------------------------- scores


def test_score_flags_counts():
    truth = np.array([[FAULT_BITS["spike"], 0, FAULT_BITS["gap"], FAULT_BITS["spike"]]], np.uint8)
    flags = np.array([[FAULT_BITS["spike"], FAULT_BITS["spike"], FAULT_BITS["gap"], 0]], np.uint8)
    t = q.score.score_flags(flags, truth, ["gap", "spike"])
    spike = t.filter(pl.col("fault") == "spike").row(0, named=True)
    assert (spike["tp"], spike["fp"], spike["fn"]) == (1, 1, 1)
    assert_allclose([spike["precision"], spike["recall"], spike["f1"]], [0.5, 0.5, 0.5])
    gap = t.filter(pl.col("fault") == "gap").row(0, named=True)
    assert gap["precision"] == 1.0 and gap["recall"] == 1.0
    assert t["fault"].to_list()[-1] == "any"


def test_score_flags_undefined_is_null():
    t = q.score.score_flags(np.zeros((1, 3), np.uint8), np.zeros((1, 3), np.uint8), ["stuck"])
    assert t["precision"][0] is None and t["recall"][0] is None


def test_score_flags_rejects():
    with pytest.raises(ValueError, match="same shape"):
        q.score.score_flags(np.zeros((1, 3), np.uint8), np.zeros((1, 4), np.uint8))
    with pytest.raises(ValueError, match="unknown fault"):
        q.score.score_flags(np.zeros(3, np.uint8), np.zeros(3, np.uint8), ["smoke"])


def test_error_table():
    truth = np.array([[1.0, 2.0, 3.0, 4.0]])
    t = q.score.error_table(truth, raw=[[1.0, 12.0, np.nan, 4.0]], good=truth)
    raw = t.filter(pl.col("version") == "raw").row(0, named=True)
    assert_allclose([raw["coverage"], raw["mae"], raw["max_abs_error"]], [0.75, 10 / 3, 10.0])
    assert t.filter(pl.col("version") == "good")["mae"][0] == 0.0
    with pytest.raises(ValueError):
        q.score.error_table(truth)
    with pytest.raises(ValueError, match="same shape"):
        q.score.error_table(truth, raw=[1.0])


def test_cleaning_improves_a_synthetic_dataset():
    from toyama_lab import synth
    from toyama_lab.city import build_city

    city = build_city(0, "class")
    ped = city.sensors.filter(pl.col("kind") == "pedestrian")
    out = synth.simulate("pedestrian", ped, "2025-10-06", 1, seed=0, scenario="normal-week")
    cleaned, flags = q.clean.clean(out["count"])
    scores = q.score.score_flags(flags, out["fault"], ["gap", "spike"])
    assert scores.filter(pl.col("fault") == "gap")["recall"][0] == 1.0
    err = q.score.error_table(out["count_true"], raw=out["count"], cleaned=cleaned)
    mx = dict(zip(err["version"], err["max_abs_error"], strict=True))
    assert mx["cleaned"] < mx["raw"]


def test_retransmitted_frames_count_once_with_their_last_outcome():
    """With confirmed retransmissions the truth has one row per attempt; a frame counts once."""
    import polars as pl

    from toyama_lab.quality.loss import final_attempts, loss_reasons, loss_vs_truth

    tx = pl.DataFrame(
        {
            "device_id": ["d1"] * 4 + ["d2"],
            "kind": ["counter"] * 5,
            "dev_addr": ["01"] * 4 + ["02"],
            "fcnt": [0, 1, 1, 2, 0],
            "attempt": [0, 0, 1, 0, 0],
            "delivered": [True, False, True, False, True],
            "loss_reason": ["delivered", "collision", "delivered", "out_of_range", "delivered"],
        }
    )
    last = final_attempts(tx)
    assert last.height == 4
    assert last.filter(pl.col("fcnt") == 1)["attempt"].to_list() == [1]
    reasons = loss_reasons(tx)
    assert reasons["planned"].to_list() == [4]
    assert reasons["delivered"].to_list() == [3]
    assert reasons["out_of_range"].to_list() == [1]
    assert "collision" not in reasons.columns
    decoded = pl.DataFrame(
        {"dev_addr": ["01", "01", "02"], "fcnt": [0, 1, 0], "status": ["ok", "ok", "ok"]}
    )
    per_dev = loss_vs_truth(decoded, tx)
    assert per_dev["planned"].to_list() == [3, 1]
    assert per_dev["delivered_truth"].to_list() == [2, 1]
    assert per_dev["decoded"].to_list() == [2, 1]
    # without an attempt column the table is used as it is
    assert final_attempts(tx.drop("attempt")).equals(tx.drop("attempt"))
