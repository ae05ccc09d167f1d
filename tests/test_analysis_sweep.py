"""Sweeps: the optimum, the near-optimal band, flatness and the inverted-U test on
curves with a known shape."""

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.sweep import flatness, inverted_u, near_optimal_band, sweep_curve


def runs(f, levels=np.linspace(0, 1, 6), n=40, noise=0.005, seed=0):
    rng = np.random.default_rng(seed)
    shock = rng.normal(0, 0.1, n)
    return pd.DataFrame([{"x": lv, "replication": r, "long_term_impact": f(lv) + shock[r] + rng.normal(0, noise)}
                         for lv in levels for r in range(n)])


def test_inverted_u_is_found():
    res = inverted_u(runs(lambda x: 0.5 - 0.2 * (x - 0.6) ** 2), "x")
    assert res["holds"] and res["interior"] and res["best"] == pytest.approx(0.6)
    assert res["curvature"][2] < 0


def test_monotone_curve_is_not_an_inverted_u():
    res = inverted_u(runs(lambda x: 0.3 + 0.1 * x), "x")
    assert not res["holds"] and not res["interior"] and res["best"] == 1.0


def test_flat_curve_is_near_optimal_everywhere():
    curve = sweep_curve(runs(lambda x: 0.4 + 0.001 * x), "x")
    assert curve.near_optimal.all()
    assert near_optimal_band(curve, "x") == (0.0, 1.0)
    assert flatness(curve) < 0.01


def test_band_excludes_clearly_worse_levels():
    curve = sweep_curve(runs(lambda x: 0.5 - 0.3 * abs(x - 0.2)), "x").set_index("x")
    assert curve.loc[0.2, "best"] and curve.loc[0.2, "near_optimal"]
    assert not curve.loc[1.0, "near_optimal"] and curve.loc[1.0, "diff_hi"] < -0.01
    assert curve.p_best.sum() == pytest.approx(1.0)
