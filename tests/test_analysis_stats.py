"""Bootstrap estimates: intervals cover known values, pairing narrows them, degenerate
samples are handled."""

import numpy as np
import pytest

from backbone.analysis.stats import Estimate, bootstrap_ci, is_material, mean_ci, paired_diff_ci, share_ci


def test_mean_ci_covers_the_known_mean_most_of_the_time():
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(40):
        x = rng.normal(5.0, 2.0, 40)
        est = mean_ci(x, n_resamples=500)
        assert est.lo <= est.value <= est.hi
        hits += est.lo <= 5.0 <= est.hi
    assert hits >= 33  # nominal 95%: 38 of 40 expected; far fewer means broken intervals


def test_paired_interval_is_narrower_when_arms_share_noise():
    rng = np.random.default_rng(2)
    common = rng.normal(0, 1, 60)
    a, b = common + 0.3, common + rng.normal(0, 0.05, 60)
    paired = paired_diff_ci(a, b)
    unpaired = bootstrap_ci((a, b), lambda x, y: x.mean() - y.mean(), paired=False)
    assert paired.hi - paired.lo < 0.2 * (unpaired.hi - unpaired.lo)
    assert paired.lo < 0.3 < paired.hi


def test_degenerate_sample_gets_zero_width():
    est = mean_ci(np.full(10, 0.25))
    assert est == Estimate(0.25, 0.25, 0.25)


def test_share_and_materiality():
    s = share_ci([True] * 30 + [False] * 10)
    assert s.value == pytest.approx(0.75) and s.lo < 0.75 < s.hi
    assert is_material(Estimate(0.02, 0.01, 0.03))
    assert not is_material(Estimate(0.005, 0.001, 0.009))   # clear but too small
    assert not is_material(Estimate(0.05, -0.01, 0.11))     # large but unclear


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same length"):
        paired_diff_ci([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="at least one value"):
        mean_ci([])
