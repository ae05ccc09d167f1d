"""The Sobol' wrapper on the Ishigami function, whose indices are known analytically."""

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as sobol_sample

from backbone.analysis.sensitivity import sobol_indices, top_factors

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_indices():
    x = sobol_sample.sample(PROBLEM, 1024, calc_second_order=False, seed=1)
    t = sobol_indices(PROBLEM, ishigami(x)).set_index("factor")
    # analytic values: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244
    assert t.loc["x1", "S1"] == pytest.approx(0.314, abs=0.06)
    assert t.loc["x2", "S1"] == pytest.approx(0.442, abs=0.06)
    assert t.loc["x3", "S1"] == pytest.approx(0.0, abs=0.06)
    assert t.loc["x1", "ST"] == pytest.approx(0.558, abs=0.06)
    assert t.loc["x3", "ST"] == pytest.approx(0.244, abs=0.06)
    assert (t.ST_lo <= t.ST).all() and (t.ST <= t.ST_hi).all()
    assert top_factors(t.reset_index(), 1) == ["x1"]


def test_intervals_are_a_function_of_the_seed_alone():
    """The bootstrap intervals do not depend on numpy's global state, seed 0 included."""
    x = sobol_sample.sample(PROBLEM, 256, calc_second_order=False, seed=1)
    y = ishigami(x)
    runs = []
    for state in (1, 2):
        np.random.seed(state)
        runs.append(sobol_indices(PROBLEM, y, seed=0))
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert not sobol_indices(PROBLEM, y, seed=5).equals(runs[0])


def test_sobol_refuses_outputs_it_cannot_decompose():
    with pytest.raises(ValueError, match="Saltelli order"):
        sobol_indices(PROBLEM, np.ones(7))
    with pytest.raises(ValueError, match="not finite"):
        sobol_indices(PROBLEM, np.r_[np.ones(9), np.nan])
