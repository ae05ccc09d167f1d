"""analysis.compare: common random numbers and the paired t-intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.analysis.compare import (COMPARE_METRICS, TABLE_COLUMNS, compare_scenarios, paired_table,
                              run_scenarios, t_interval)
from backbone.simulation import SCORECARD_METRICS, Params

SMALL = {"n_beneficiaries": 300, "months": 24}


def synthetic_runs(seed=0, n=12):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.5, 0.1, n)
    b = a + rng.normal(0.1, 0.02, n)  # correlated with a, as on common random numbers
    rows = [{"scenario": name, "replication": r, "seed": 100 + r, "impact_share": x[r]}
            for name, x in (("a", a), ("b", b)) for r in range(n)]
    return pd.DataFrame(rows), a, b


def test_t_interval_matches_scipy():
    x = np.array([0.2, 0.5, 0.4, 0.9, 0.3])
    n, mean, lo, hi = t_interval(x)
    want = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert n == 5 and mean == pytest.approx(x.mean())
    assert (lo, hi) == pytest.approx(want)
    assert t_interval(np.array([np.nan, 1.0, 3.0]))[:2] == (2, 2.0)
    n1 = t_interval(np.array([1.0]))
    assert n1[:2] == (1, 1.0) and np.isnan(n1[2]) and np.isnan(n1[3])


def test_paired_difference_is_the_paired_t_tests_interval():
    runs, a, b = synthetic_runs()
    table = paired_table(runs, rows=[("impact", "impact_share", "")])
    assert list(table.columns) == list(TABLE_COLUMNS)
    ref, other = table.iloc[0], table.iloc[1]
    assert ref["scenario"] == "a" and np.isnan(ref["diff"])
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert other["diff"] == pytest.approx((b - a).mean())
    assert (other["diff_low"], other["diff_high"]) == pytest.approx((ci.low, ci.high))
    # Pairing matters: the paired interval is far narrower than the unpaired spread.
    assert other["diff_high"] - other["diff_low"] < (other["ci_high"] - other["ci_low"]) / 2


def test_pairs_follow_the_seed_not_the_row_order():
    runs, a, b = synthetic_runs()
    shuffled = runs.sample(frac=1.0, random_state=3)
    shuffled = pd.concat([shuffled[shuffled.scenario == "a"], shuffled[shuffled.scenario == "b"]])
    rows = [("impact", "impact_share", "")]
    assert paired_table(shuffled, rows=rows)["diff_high"].iloc[1] == pytest.approx(
        paired_table(runs, rows=rows)["diff_high"].iloc[1])


def test_common_random_numbers_make_identical_arms_identical():
    p = Params(SMALL)
    runs = run_scenarios({"one": p, "same": p, "other": p.replace(backbone_share=0.0)}, replications=3, seed0=5)
    assert list(runs["seed"].unique()) == [5, 6, 7]
    assert set(COMPARE_METRICS) <= set(runs.columns) and set(SCORECARD_METRICS) <= set(COMPARE_METRICS)
    table = compare_scenarios({"one": p, "same": p}, replications=3, seed0=5)
    same = table[table.scenario == "same"]
    assert (same["diff"] == 0).all() and (same["diff_low"] == 0).all() and (same["diff_high"] == 0).all()
    one = runs[runs.scenario == "one"].reset_index(drop=True)
    other = runs[runs.scenario == "other"].reset_index(drop=True)
    assert not one[list(SCORECARD_METRICS)].equals(other[list(SCORECARD_METRICS)])


def test_runs_in_worker_processes_give_the_same_table():
    from backbone.analysis.compare import run_scenarios
    from backbone.simulation import Params

    arms = {"none": Params(backbone_share=0.0, n_beneficiaries=300, months=12),
            "bb": Params(n_beneficiaries=300, months=12)}
    serial = run_scenarios(arms, 12, seed0=5, executor=SERIAL)
    pooled = run_scenarios(arms, 12, seed0=5, executor=Executor(workers=2))
    assert list(serial["scenario"][:2]) == ["none", "bb"]
    assert list(serial["replication"]) == sorted(serial["replication"])
    pd.testing.assert_frame_equal(serial, pooled)


def test_value_arms_share_counterfactuals_and_summarize_as_ratios_of_sums():
    from backbone.analysis.value import value_summary, with_counterfactuals

    arms, which = with_counterfactuals({"bb": Params(), "none": Params(backbone_share=0.0),
                                        "iso": Params(regime="isolated")})
    assert which["bb"] == which["none"] != which["iso"]
    assert len(arms) == 5 and arms[which["bb"]].funder_budget == 0.0
    per_seed = pd.DataFrame({"scenario": ["a", "a"], "seed": [0, 1], "value_gross": [30.0, 10.0],
                             "spent_pv": [10.0, 10.0], "spent_total": [12.0, 12.0], "net_value": [20.0, 0.0],
                             "net_sroi": [2.0, 0.0], "additional_outcomes": [4.0, 2.0]})
    row = value_summary(per_seed).iloc[0]
    assert row.gross_sroi == 2.0 and row.net_sroi == 1.0
    assert row.additional_outcomes == 3.0 and row.net_cost_per_outcome == 4.0


def test_share_higher_counts_pairs_above_and_ties_half():
    from backbone.analysis.compare import share_higher
    assert share_higher(np.array([1.0, -1.0, 0.0, 2.0])) == (2 + 0.5) / 4
    assert share_higher(np.array([np.nan, 1.0])) == 1.0
    assert np.isnan(share_higher(np.array([])))


def test_paired_table_says_how_often_a_scenario_is_higher_on_the_same_seed():
    """A planted effect that helps on three seeds of four."""
    runs = pd.DataFrame({"scenario": ["a"] * 4 + ["b"] * 4, "seed": [0, 1, 2, 3] * 2,
                         "impact_share": [0.1, 0.2, 0.3, 0.4, 0.2, 0.3, 0.4, 0.3]})
    table = paired_table(runs, rows=[("impact", "impact_share", "")]).set_index("scenario")
    assert table.loc["b", "share_higher"] == 0.75
    assert np.isnan(table.loc["a", "share_higher"])
