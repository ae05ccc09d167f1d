""""depends" never comes with "holds at 0%" or "holds at 100%" (issue 24, item 1): on
planted shares and a planted judge, the verdict word agrees with the share it is printed
beside."""

from __future__ import annotations

import itertools

import pytest

from backbone.analysis.claims import SIZES, Context, combine
from backbone.analysis.claims_team import ROBUST_THRESHOLDS, judge_relaunch
from backbone.analysis.stats import wilson_ci

BASES = ("within", "above", "below", None, True, False)


@pytest.mark.parametrize("base, k", itertools.product(BASES, (0, 1, 6, 11, 12)))
def test_depends_only_when_the_space_is_split(base, k):
    share = wilson_ci(k, 12)
    word, why = combine(base, share)
    if k in (0, 12):
        assert word != "depends", (base, k, why)
    if word == "depends":
        assert f"holds at {100 * k / 12:.0f}% of uncertainty points" in why
        assert 0 < k < 12


def test_a_space_where_it_never_holds_misses_in_its_direction():
    none = wilson_ci(0, 12)
    assert combine(None, none) == ("fell short", "holds at no uncertainty point; undecided in the base scenario")
    assert combine(None, none, direction="above")[0] == "exceeded"
    word, why = combine("within", none, direction="above")
    assert word == "exceeded" and "holds in the base scenario" in why
    assert combine("above", none)[0] == "exceeded" and combine("below", none)[0] == "fell short"
    with pytest.raises(ValueError, match="direction"):
        combine(None, none, direction="sideways")


def test_a_space_where_it_always_holds_supports_it():
    every = wilson_ci(12, 12)
    assert combine(None, every)[0] == "supported" and combine("within", every)[0] == "supported"
    word, why = combine("above", every)     # the base scenario's clear miss stands, and says why
    assert word == "exceeded" and "holds at every uncertainty point" in why


def _relaunch(curve, robust, reps=12):
    from test_claim_judges import _relaunch_results   # the planted tables, written once

    return _relaunch_results(curve, robust, reps)


def test_a_judge_whose_base_holds_but_whose_space_never_does_says_which_way():
    flat = {t: 0.5 for t in ROBUST_THRESHOLDS}                     # base: 15% is near-optimal
    peaked = {t: 0.3 + 0.4 * t for t in ROBUST_THRESHOLDS}         # every point: the optimum is 50%
    res = judge_relaunch(Context(SIZES["quick"]), _relaunch(flat, peaked))
    assert res.share.value == 0.0
    assert res.verdict == "exceeded" and "holds at no uncertainty point" in res.detail
    assert res.share.hi > 0 and res.share.method == "Wilson score"
