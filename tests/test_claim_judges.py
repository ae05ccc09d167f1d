"""The claims' judging rules on small hand-built tables (no model runs): where a base
estimate lies against a claimed band (the 3-4:1 payoff band), one-sided effects, the
"undecided" answer, the verdict words, and a whole judge (the relaunch threshold) on a
flat and on a peaked curve. The tables are planted: the right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.claims import (SIZES, Context, band_answer, combine, holds_from_effect, paired,
                                      robust_two)
from backbone.analysis.claims_funding import CLAIMED_PAYOFF
from backbone.analysis.claims_team import CLAIMED_THRESHOLD, ROBUST_THRESHOLDS, judge_relaunch
from backbone.analysis.stats import IMPACT, MATERIAL, Estimate


# ---------------------------------------------------------------- the 3-4 band
@pytest.mark.parametrize("est, answer", [
    (Estimate(3.5, 3.2, 3.8), "within"),
    (Estimate(3.0, 2.1, 3.9), "within"),         # an edge counts as within
    (Estimate(5.0, 4.4, 5.6), "above"),          # the whole interval above 4
    (Estimate(2.0, 1.5, 2.6), "below"),          # the whole interval below 3
    (Estimate(4.3, 3.9, 4.8), None),             # outside, but the interval reaches the band: undecided
    (Estimate(2.7, 2.2, 3.1), None),
    (Estimate(math.nan, math.nan, math.nan), None),
])
def test_the_payoff_band(est, answer):
    assert CLAIMED_PAYOFF == (3.0, 4.0)
    assert band_answer(est, *CLAIMED_PAYOFF) == answer


def test_one_sided_effects():
    assert holds_from_effect(Estimate(3 * MATERIAL, 2 * MATERIAL, 4 * MATERIAL)) is True
    assert holds_from_effect(Estimate(0.0, -MATERIAL / 2, MATERIAL / 2)) is False      # CI below the material size
    assert holds_from_effect(Estimate(MATERIAL, -MATERIAL, 3 * MATERIAL)) is None       # undecided


# ---------------------------------------------------------------- verdict words
@pytest.mark.parametrize("base, share, word", [
    ("within", 0.9, "supported"),
    ("within", 0.5, "depends"),
    ("above", 0.2, "exceeded"),
    ("above", 0.6, "depends"),
    ("below", 0.0, "fell short"),
    (None, 0.9, "depends"),                       # undecided in the base scenario and a split space
    (None, 0.0, "fell short"),                    # ... but a unanimous space decides (issue 24)
    (None, 1.0, "supported"),
    (True, 1.0, "supported"),
    (False, 0.1, "fell short"),
])
def test_verdict_words(base, share, word):
    got, why = combine(base, Estimate(share, max(0.0, share - 0.1), min(1.0, share + 0.1)))
    assert got == word
    if word == "depends" and base is None:
        assert "undecided in the base scenario" in why


def test_verdict_without_uncertainty_points():
    assert combine("within", None)[0] == "supported"
    assert combine(None, None)[0] == "depends"
    assert combine("below", None)[0] == "fell short"
    with pytest.raises(ValueError):
        combine("sideways", None)


# ---------------------------------------------------------------- paired contrasts
def test_paired_and_robust_two_on_planted_effects():
    reps = np.arange(8)
    noise = np.linspace(-0.05, 0.05, 8)
    runs = pd.DataFrame({"replication": np.tile(reps, 2), "use_population": np.repeat([True, False], 8),
                         IMPACT: np.concatenate([0.5 + noise + 0.04, 0.5 + noise])})
    d = paired(runs, "use_population", True, False)
    assert d.value == pytest.approx(0.04) and d.lo == pytest.approx(0.04) and d.hi == pytest.approx(0.04)

    def arm(effect):   # 4 uncertainty points x 2 replications; the effect holds at points 0 and 1 only
        pts = np.repeat(np.arange(4), 2)
        return (pd.DataFrame({"point": pts, "replication": np.tile([0, 1], 4), "complexity": pts + 1,
                              IMPACT: 0.4 + effect * (pts < 2)}), None)

    pts, share, _ = robust_two({"robust:on": arm(0.05), "robust:off": arm(0.0)}, "on", "off")
    assert pts.holds.tolist() == [True, True, False, False] and share.value == 0.5


# ---------------------------------------------------------------- a whole judge
def _relaunch_results(curve: dict[float, float], robust: dict[float, float], reps: int = 12) -> dict:
    """Planted tables for judge_relaunch: the sweep's impact by threshold (plus a small
    noise shared by every threshold in a replication, as on common random numbers) and
    the uncertainty points' impact by threshold."""
    noise = np.linspace(-0.02, 0.02, reps)
    levels = sorted(curve)
    sweep = pd.DataFrame({"point": np.repeat(np.arange(len(levels)), reps),
                          "replication": np.tile(np.arange(reps), len(levels)),
                          "relaunch_threshold": np.repeat(levels, reps)})
    sweep[IMPACT] = [curve[t] + noise[r] for t, r in zip(sweep.relaunch_threshold, sweep.replication)]
    out = {"sweep": (sweep, None)}
    for t in ROBUST_THRESHOLDS:
        pts = np.repeat(np.arange(5), 2)
        out[f"robust:{t}"] = (pd.DataFrame({"point": pts, "replication": np.tile([0, 1], 5),
                                            "turnover_rate": 0.1 + 0.01 * pts, IMPACT: robust[t]}), None)
    return out


def test_a_flat_curve_supports_the_threshold_and_says_so():
    flat = {t: 0.5 for t in ROBUST_THRESHOLDS}
    res = judge_relaunch(Context(SIZES["quick"]), _relaunch_results(flat, flat))
    assert res.verdict == "supported"
    assert "the curve is flat" in res.detail and res.share.value == 1.0


def test_a_peaked_curve_with_its_optimum_above_the_claim_is_exceeded():
    peaked = {t: 0.3 + 0.4 * t for t in ROBUST_THRESHOLDS}   # 0.15 is 14 pp below the optimum at 0.5
    res = judge_relaunch(Context(SIZES["quick"]), _relaunch_results(peaked, peaked))
    assert CLAIMED_THRESHOLD == 0.15
    assert res.verdict == "exceeded" and res.share.value == 0.0
    assert "flat" not in res.detail and "optimum 50%" in res.estimate
