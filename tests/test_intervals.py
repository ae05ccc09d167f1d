"""Intervals that respect their scale (issue 24, item 4): shares and means of bounded
quantities never get bounds outside [0, 1], the method is named with every interval,
and the Wilson and bootstrap intervals cover a known value about as often as they say."""

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.compare import TABLE_COLUMNS, bounded, paired_table
from backbone.analysis.stats import (BOOTSTRAP, METHODS, PAIRED_T, T, WILSON, Estimate, bootstrap_band,
                                     bounded_mean_ci, share_ci, t_ci, wilson_ci)


@pytest.mark.parametrize("k,n", [(0, 20), (1, 20), (19, 20), (20, 20), (0, 3), (3, 3)])
def test_wilson_stays_in_the_unit_interval_and_is_not_zero_width_at_the_edges(k, n):
    e = wilson_ci(k, n)
    assert 0.0 <= e.lo <= e.value <= e.hi <= 1.0
    assert e.hi - e.lo > 0.05      # 0 of 20 is not "exactly 0%": the interval says how sure
    assert e.method == WILSON


def test_share_ci_is_wilson_on_flags():
    e = share_ci([False] * 30)
    assert (e.value, e.lo) == (0.0, 0.0) and 0.05 < e.hi < 0.2 and e.method == WILSON
    with pytest.raises(ValueError, match="0/1"):
        share_ci([0.5, 1.0])


def test_bounded_mean_near_0_and_1_stays_inside():
    rng = np.random.default_rng(3)
    near0 = np.where(rng.random(25) < 0.15, rng.uniform(0, 0.01, 25), 0.0)   # trust ~ 0.002
    near1 = 1.0 - near0
    for x in (near0, near1):
        e = bounded_mean_ci(x)
        assert 0.0 <= e.lo <= e.value <= e.hi <= 1.0 and e.hi > e.lo
        assert e.method in (BOOTSTRAP, "bootstrap percentile")
    # the t-interval on the same data leaves [0, 1]: the reason for the routing
    assert t_ci(near0).lo < 0.0 or t_ci(near1).hi > 1.0


def test_bounded_mean_degenerate_and_out_of_range():
    assert bounded_mean_ci(np.zeros(10)) == Estimate(0.0, 0.0, 0.0)
    assert np.isnan(bounded_mean_ci([0.3]).lo)
    with pytest.raises(ValueError, match=r"\[0"):
        bounded_mean_ci([0.2, 1.4])


def test_wilson_covers_a_known_binomial_about_95_percent():
    rng = np.random.default_rng(11)
    p, n, reps = 0.08, 40, 400
    hits = sum(wilson_ci(int(k), n).lo <= p <= wilson_ci(int(k), n).hi for k in rng.binomial(n, p, reps))
    assert 0.90 <= hits / reps <= 0.995


def test_bounded_bootstrap_covers_a_known_mean_roughly():
    rng = np.random.default_rng(12)
    a, b = 0.5, 12.0                    # beta mean 0.04: a share near 0
    hits = 0
    for i in range(60):
        x = rng.beta(a, b, 40)
        e = bounded_mean_ci(x, seed=i, n_resamples=500)
        assert 0.0 <= e.lo and e.hi <= 1.0
        hits += e.lo <= a / (a + b) <= e.hi
    assert hits >= 51                   # nominal 57 of 60; far fewer means broken intervals


def test_compare_routes_bounded_metrics_to_the_bootstrap_and_names_the_method():
    rng = np.random.default_rng(5)
    n = 8
    trust_a = np.where(rng.random(n) < 0.2, 0.01, 0.0)
    rows = []
    for name, shift in (("a", 0.0), ("b", 0.0)):
        for r in range(n):
            rows.append({"scenario": name, "replication": r, "seed": r, "mean_trust": trust_a[r] + shift,
                         "outcomes_total": float(rng.integers(0, 3))})
    table = paired_table(pd.DataFrame(rows), rows=[("p", "mean_trust", ""), ("q", "outcomes_total", "")])
    assert list(table.columns) == list(TABLE_COLUMNS)
    trust = table[table.metric == "mean_trust"]
    assert (trust.ci_low >= 0).all() and (trust.ci_high <= 1).all()
    assert set(trust.ci_method) <= {BOOTSTRAP, "bootstrap percentile"}
    assert set(table[table.metric == "outcomes_total"].ci_method) == {T}
    assert table.loc[table.scenario == "b", "diff_method"].eq(PAIRED_T).all()
    assert bounded("impact_share") and bounded("retention") and not bounded("outcomes_total")


def test_every_kind_has_one_method():
    assert METHODS["share"] == WILSON and METHODS["bounded mean"] == BOOTSTRAP and METHODS["mean"] == T


def test_band_of_a_share_over_time_stays_inside():
    rng = np.random.default_rng(2)
    m = np.clip(rng.normal(0.002, 0.003, (10, 24)), 0, 1)
    mean, lo, hi = bootstrap_band(m)
    assert (lo >= 0).all() and (hi <= 1).all() and (lo <= mean + 1e-12).all() and (mean <= hi + 1e-12).all()


def test_validation_mean_of_a_bounded_measure_stays_inside():
    from backbone.analysis.validation import estimate, interval_method

    x = np.array([0.0] * 9 + [0.02])
    n, est, lo, hi = estimate(x, "mean", bounded=True)
    assert n == 10 and 0.0 <= lo <= est <= hi <= 1.0
    assert estimate(x, "mean")[2] < 0          # the t-interval, kept for unbounded measures
    assert interval_method("mean", True) == BOOTSTRAP and interval_method("share") == WILSON


def test_estimate_to_json_holds_numbers():
    doc = Estimate(0.5, 0.4, float("nan"), WILSON).to_json(unit="share", name="x")
    assert doc == {"name": "x", "value": 0.5, "ci": [0.4, None], "ci_method": WILSON, "level": 0.95,
                   "unit": "share"}
