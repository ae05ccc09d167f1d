"""The payoff estimator recovers a ratio planted in a toy impact function."""

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.payoff import arm_table, classify_ratio, payoff_curve, payoff_estimate, pointwise_ratios


def toy_runs(ratio: float, shares=(0.05, 0.1, 0.2), n=50, seed=0, a=0.004, budget=100.0):
    """I(0, b) = a * b + noise_r (direct work is linear in money); with a backbone of share
    s the partnership gets a*(1-s)*B + ratio * a*s*B. noise_r is the seed's shock, shared
    by every arm (common random numbers), plus a little arm-specific noise."""
    rng = np.random.default_rng(seed)
    shock = rng.normal(0, 0.05, n)
    rows = []
    for r in range(n):
        rows.append({"arm": "same_budget", "share": 0.0, "replication": r,
                     "long_term_impact": a * budget + shock[r] + rng.normal(0, 0.001)})
        for s in shares:
            rows.append({"arm": "reduced_budget", "share": s, "replication": r,
                         "long_term_impact": a * (1 - s) * budget + shock[r] + rng.normal(0, 0.001)})
            rows.append({"arm": "backbone", "share": s, "replication": r,
                         "long_term_impact": a * (1 - s) * budget + ratio * a * s * budget + shock[r]
                         + rng.normal(0, 0.001)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("planted", [0.5, 3.5, 8.0])
def test_recovers_the_planted_ratio(planted):
    curve = payoff_curve(toy_runs(planted))
    assert list(curve.share) == [0.05, 0.1, 0.2]
    for _, row in curve.iterrows():
        assert row.bounded
        assert row.ratio_lo <= planted <= row.ratio_hi
        assert row.ratio == pytest.approx(planted, rel=0.1)


def test_common_random_numbers_make_the_interval_tight():
    est = payoff_estimate(*[toy_runs(3.5).pipe(lambda d: d[(d.arm == arm) & (d.share.isin([s]))]
                                               .long_term_impact.to_numpy())
                            for arm, s in (("backbone", 0.1), ("same_budget", 0.0), ("reduced_budget", 0.1))])
    assert est["ratio"].hi - est["ratio"].lo < 1.0  # the shared shock (sd 0.05) cancels out


def test_no_direct_value_is_unbounded():
    d = toy_runs(3.0, a=0.0)  # money buys nothing as direct work
    curve = payoff_curve(d)
    assert not curve.bounded.any()
    assert set(curve["class"]) == {"unbounded"}


def test_classify_and_pointwise():
    assert classify_ratio(0.5) == "below break-even"
    assert classify_ratio(2.0) == "pays off, below the claim"
    assert classify_ratio(3.5) == "within 3-4:1"
    assert classify_ratio(7.0) == "above 4:1"
    assert classify_ratio(7.0, bounded=False) == "unbounded"
    d = toy_runs(3.5, shares=(0.1,)).assign(point=lambda x: x.replication % 5)
    pts = pointwise_ratios(d)
    assert len(pts) == 5 and np.allclose(pts.ratio, 3.5, rtol=0.3)


def test_arm_table_checks_its_input():
    with pytest.raises(ValueError, match="unknown arm"):
        arm_table(toy_runs(1.0).replace({"arm": {"backbone": "bb"}}))
    with pytest.raises(ValueError, match="lack columns"):
        arm_table(toy_runs(1.0).drop(columns="replication"))
