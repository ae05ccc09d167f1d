"""Verdict words agree with the direction of the estimate: planted estimates above,
inside and below a claim's band (and on both sides of a one-sided claim), on small
hand-built tables, through the same estimators and rules the claim judges use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.claims import VERDICT_TEXT, VERDICTS, band_answer, combine, verdict_text
from backbone.analysis.claims_funding import CLAIMED_PAYOFF, cell_words, holds_from_effect, phase_words
from backbone.analysis.payoff import payoff_curve
from backbone.analysis.phase import phase_boundary, phase_cells
from backbone.analysis.stats import IMPACT, Estimate, paired_diff_ci

MOSTLY = Estimate(0.9, 0.8, 1.0)   # the claim holds at most uncertainty points
RARELY = Estimate(0.1, 0.0, 0.2)   # at few
HALF = Estimate(0.5, 0.3, 0.7)     # at about half: the answer flips


def planted_payoff(ratio: float, n: int = 12) -> pd.DataFrame:
    """Payoff arms whose ratio R is ``ratio``: I(0,(1-s)B) = 0.10, I(0,B) = 0.12 (direct
    value 0.02), I(s,B) = 0.10 + R x 0.02, with a little paired noise."""
    rng = np.random.default_rng(7)
    rows = []
    for r in range(n):
        noise = rng.normal(0, 0.0004)
        rows += [{"arm": "reduced_budget", "share": 0.1, "replication": r, IMPACT: 0.10 + noise},
                 {"arm": "same_budget", "share": 0.0, "replication": r, IMPACT: 0.12 + noise},
                 {"arm": "backbone", "share": 0.1, "replication": r, IMPACT: 0.10 + ratio * 0.02 + noise}]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("ratio, answer, word", [(6.0, "above", "exceeded"), (3.5, "within", "supported"),
                                                 (1.5, "below", "fell short")])
def test_a_band_claim_says_which_way_the_estimate_misses(ratio, answer, word):
    row = payoff_curve(planted_payoff(ratio)).iloc[0]
    r = Estimate(row.ratio, row.ratio_lo, row.ratio_hi)
    assert r.value == pytest.approx(ratio, rel=0.05)
    assert band_answer(r, *CLAIMED_PAYOFF) == answer
    share = MOSTLY if answer == "within" else RARELY
    got, why = combine(band_answer(r, *CLAIMED_PAYOFF), share)
    assert got == word and why == ""
    text = verdict_text(got)
    if ratio > 4:
        assert text == "exceeded: the model finds more than claimed" and "not supported" not in text
    elif ratio < 3:
        assert text == "fell short: the model finds less than claimed"
    else:
        assert text.startswith("supported")


def test_an_estimate_straddling_the_band_edge_is_undecided():
    assert band_answer(Estimate(4.3, 3.8, 4.9), 3, 4) is None
    assert band_answer(Estimate(2.7, 2.2, 3.1), 3, 4) is None
    assert band_answer(Estimate(float("nan"), 0, 1), 3, 4) is None
    assert combine(None, MOSTLY)[0] == "depends"


def paired(effect: float, n: int = 20) -> Estimate:
    rng = np.random.default_rng(3)
    b = rng.uniform(0.2, 0.4, n)
    return paired_diff_ci(b + effect + rng.normal(0, 0.002, n), b)


@pytest.mark.parametrize("effect, word", [(0.05, "supported"), (0.0, "fell short"), (-0.05, "fell short")])
def test_a_one_sided_claim_falls_short_when_the_effect_is_absent_or_reversed(effect, word):
    d = paired(effect)
    base = holds_from_effect(d)
    assert base is (True if effect > 0 else False)
    got, _ = combine(base, MOSTLY if base else RARELY)
    assert got == word


@pytest.mark.parametrize("base", ["within", "above", "below", True, False, None])
def test_an_answer_that_flips_across_the_space_depends(base):
    word, why = combine(base, HALF, "holds more often when turnover is low")
    assert word == "depends"
    assert "50% of uncertainty points" in why and "turnover is low" in why
    if base == "above":
        assert "more than claimed" in why
    if base in ("below", False):
        assert "less than claimed" in why


def test_every_verdict_word_has_its_sentence():
    assert set(VERDICTS) <= set(VERDICT_TEXT)
    seen = set()
    for base in ("within", "above", "below", None):
        for share in (MOSTLY, RARELY, HALF, None):
            seen.add(combine(base, share)[0])
    assert seen == set(VERDICTS)
    assert combine("above", None)[0] == "exceeded" and combine("below", None)[0] == "fell short"
    with pytest.raises(ValueError, match="base = 'sideways' is not allowed"):
        combine("sideways", MOSTLY)


def regime_table(diffs: dict[int, float], n: int = 16) -> pd.DataFrame:
    """Collective and isolated runs at one horizon, collective ahead by ``diffs[c]``."""
    rng = np.random.default_rng(11)
    rows = []
    for c, d in diffs.items():
        for r in range(n):
            base = rng.uniform(0.2, 0.3)
            noise = rng.normal(0, 0.004)
            rows += [{"arm": "collective", "complexity": c, "horizon": 120, "replication": r, IMPACT: base + d + noise},
                     {"arm": "isolated", "complexity": c, "horizon": 120, "replication": r, IMPACT: base}]
    return pd.DataFrame(rows)


def test_collective_wins_everywhere_is_not_said_beside_a_tie():
    long = regime_table({2: 0.05, 3: 0.04, 4: 0.0})
    cells = phase_cells(long)
    assert list(cells.winner) == ["collective", "collective", "tie"]
    words = phase_words(cells, phase_boundary(long))
    assert "wins at every complexity" not in words
    assert "no clear winner at c4/120m" in words
    tie = cell_words(cells.iloc[2])
    assert tie.endswith("(no clear winner)") and "+0 pp" not in tie
    everywhere = regime_table({2: 0.05, 3: 0.04, 4: 0.03})
    assert "wins at every complexity" in phase_words(phase_cells(everywhere), phase_boundary(everywhere))
