"""A run's result built from its output array (frames made when first read) equals the
one built from frames; ``Params.replace`` checks only the changes, with the same errors."""

import numpy as np
import pytest

from backbone.simulation import ParameterError, Params, simulate
from backbone.simulation.result import Result, event_frame, monthly_frame

SMALL = {"n_beneficiaries": 300, "months": 30}


def test_a_result_from_its_array_equals_one_from_frames():
    res = simulate(Params(SMALL), seed=4)
    out = res.monthly.to_numpy(dtype=float)
    lazy = Result(res.params, res.seed, out, None, res.state)
    eager = Result(res.params, res.seed, monthly_frame(out), event_frame(res.state), res.state)
    assert lazy._monthly is None and lazy._events is None     # nothing built yet
    assert lazy.summary() == eager.summary()
    assert lazy.summary(window=50) == eager.summary(window=50)   # window longer than the run
    for name in res.monthly.columns:
        a, b = lazy.series(name), eager.series(name)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name
    assert lazy.series("month").dtype == np.int64
    assert lazy.monthly.equals(eager.monthly) and lazy.events.equals(eager.events)


def test_the_long_term_mean_skips_nan_as_pandas_does():
    from backbone.simulation.result import _mean
    import pandas as pd

    rng = np.random.default_rng(0)
    for _ in range(500):
        x = rng.random(int(rng.integers(1, 30))) * 1e3
        if rng.random() < 0.3:
            x[rng.integers(0, x.size)] = np.nan
        a, b = _mean(x), float(pd.Series(x).mean())
        assert a == b or (np.isnan(a) and np.isnan(b))
    assert np.isnan(_mean(np.array([np.nan])))


def test_replace_checks_only_the_changes_with_the_same_errors():
    base = Params(backbone_share=0.2)
    assert base.replace(n_partners=10) == Params(backbone_share=0.2, n_partners=10)
    assert base.replace(n_partners=10.0).n_partners == 10 and type(base.replace(n_partners=10.0).n_partners) is int
    for bad in ({"backbone_share": 2.0}, {"backbone_share": "0.2"}, {"n_partners": 2.5}, {"regime": "shared"},
                {"use_alignment": 1}, {"backbone_shar": 0.1}, {"complexity": 5}, {"backbone_share": float("nan")},
                {"funder_budget": float("inf")}, {"n_partners": True}):
        with pytest.raises(ParameterError) as direct:
            Params(bad)
        with pytest.raises(ParameterError) as replaced:
            Params().replace(**bad)
        assert str(direct.value) == str(replaced.value) and "\n" not in str(direct.value)
    with pytest.raises(ParameterError, match=r"backbone_share = 2.0 is not allowed: expected \[0, 0.9\]"):
        Params(backbone_share=2.0)
