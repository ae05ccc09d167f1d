"""The kickoff estimator recovers an effect planted in synthetic twin runs."""

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.kickoff import effect_matrix, kickoff_curve, kickoff_peak


def twins(effect=0.2, n=20, months=60, seed=0):
    """Twins identical until the first relaunch t1; afterwards the kickoff arm delivers
    (1 + effect * 0.8^k) times the placebo's output k months after t1."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n):
        t1 = int(rng.integers(10, 30))
        t2 = t1 + int(rng.integers(4, 20))
        base = 100 + rng.normal(0, 10, months)
        for m in range(1, months + 1):
            y = base[m - 1]
            k = m - t1
            lift = 1 + effect * 0.8 ** k if k >= 0 else 1.0
            n_rel = int(m >= t1) + int(m >= t2)
            rows.append({"arm": "placebo", "replication": r, "month": m, "relaunches": n_rel, "service_hours": y})
            rows.append({"arm": "kickoff", "replication": r, "month": m, "relaunches": n_rel,
                         "service_hours": y * lift})
    return pd.DataFrame(rows)


def test_curve_recovers_the_planted_effect():
    curve = kickoff_curve(twins(0.2))
    assert curve.loc[0, "effect"] == pytest.approx(0.2)
    assert curve.loc[3, "effect"] == pytest.approx(0.2 * 0.8 ** 3)
    assert (curve.n.diff().fillna(0) <= 0).all()  # runs leave at their second relaunch


def test_peak_and_design_check():
    res = kickoff_peak(twins(0.2))
    assert res["k"] == 0 and res["peak"].value == pytest.approx(0.2)
    assert res["peak"].lo <= 0.2 <= res["peak"].hi
    assert res["pre_gap"] == 0.0 and res["share_relaunched"] == 1.0


def test_censoring_at_the_second_relaunch():
    d = twins(0.2, n=3)
    mat, _ = effect_matrix(d, window=30)
    for rep, row in mat.iterrows():
        g = d[(d.replication == rep) & (d.arm == "kickoff")]
        t1 = g.loc[g.relaunches >= 1, "month"].min()
        t2 = g.loc[g.relaunches >= 2, "month"].min()
        assert row.notna().sum() == min(t2 - t1, 30)


def test_twins_that_differ_before_the_relaunch_are_flagged():
    d = twins(0.2)
    d.loc[(d.arm == "kickoff") & (d.month == 1), "service_hours"] += 5.0
    assert kickoff_peak(d)["pre_gap"] == pytest.approx(5.0)
