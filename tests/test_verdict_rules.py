"""Each claim's verdict rule (docs/CLAIMS.md, "Verdict rules") on planted tables: a judge
is fed synthetic runs whose answer is known, and the verdict's word must agree with the
figures it prints beside it (issue 24, item 1). No model runs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.claims import SIZES, Context
from backbone.analysis.stats import IMPACT

CTX = Context(SIZES["quick"])


def pct(text: str, label: str) -> float:
    """The first percentage printed right before ``label`` in ``text``."""
    m = re.search(r"(\d+)% \[\d+, \d+\] " + re.escape(label), text)
    assert m, (label, text)
    return float(m.group(1))


# ---------------------------------------------------------------- survival
def _monthly(falters: np.ndarray, by: dict, months: int = 24, eng0: float = 0.6) -> pd.DataFrame:
    """One monthly table: run i loses its engagement from month 12 when ``falters[i]``."""
    n = len(falters)
    m = np.tile(np.arange(1, months + 1), n)
    run = np.repeat(np.arange(n), months)
    eng = np.where(falters[run] & (m >= 12), 0.0, eng0)
    out = pd.DataFrame({"month": m, "active_partners": 8, "active_funders": 3, "mean_engagement": eng,
                        "funder_level": 1.0})
    for col, vals in by.items():
        out[col] = np.asarray(vals)[run]
    return out


def _survival_results(without: float, with_: float, n: int = 60, points: int = 6, reps: int = 4,
                      p_without: float | None = None, p_with: float | None = None) -> dict:
    """Planted survival tables: the first ``without`` share of the runs falters without a
    backbone, the first ``with_`` share with one (paired by replication); at every
    uncertainty point likewise (``p_without``, ``p_with``, defaulting to the same)."""
    eng0 = CTX.spec("survival").base.init_engagement
    reps_ = np.arange(n)
    f0, f1 = reps_ < round(without * n), reps_ < round(with_ * n)
    months = pd.concat([_monthly(f0, {"backbone_share": np.zeros(n), "replication": reps_}, eng0=eng0),
                        _monthly(f1, {"backbone_share": np.full(n, 0.1), "replication": reps_}, eng0=eng0)])
    out = {"runs": (None, months)}
    k = np.arange(points * reps)
    for arm, share in (("no_backbone", without if p_without is None else p_without),
                       ("backbone", with_ if p_with is None else p_with)):
        flags = (k % reps) < round(share * reps)
        point, rep = k // reps, k % reps
        runs = pd.DataFrame({"point": point, "replication": rep, "turnover_rate": 0.01 + 0.005 * point})
        out[f"robust:{arm}"] = (runs, _monthly(flags, {"point": point, "replication": rep}, eng0=eng0))
    return out


def _judge_survival(*args, **kw):
    from backbone.analysis.claims_team import judge_survival

    return judge_survival(CTX, _survival_results(*args, **kw))


def test_survival_most_falter_with_a_backbone_too_and_no_difference_is_not_supported():
    res = _judge_survival(0.95, 0.95)   # the case: nearly all falter in both arms
    assert pct(res.estimate, "without a backbone") == 95 and pct(res.estimate, "with 10%") == 95
    assert "lowers faltering by +0.0 pp" in res.estimate
    assert res.verdict == "fell short" and res.share.value == 0.0
    assert "most partnerships falter with a backbone too (95%)" in res.detail
    assert "does not clearly lower" in res.detail


def test_survival_supported_when_most_falter_without_and_a_backbone_clearly_lowers_it():
    res = _judge_survival(0.9, 0.2)
    assert pct(res.estimate, "without a backbone") == 90 and pct(res.estimate, "with 10%") == 20
    assert "lowers faltering by +70.0 pp" in res.estimate
    assert res.verdict == "supported" and res.share.value == 1.0
    assert "falter with a backbone too" not in res.detail


def test_survival_a_backbone_that_lowers_faltering_but_most_still_falter_is_said():
    res = _judge_survival(0.97, 0.7)
    assert res.verdict == "supported"
    assert "most partnerships falter with a backbone too (70%): a backbone lowers faltering but does not " \
           "prevent it" in res.detail


def test_survival_fell_short_when_most_do_not_falter_without_a_backbone():
    res = _judge_survival(0.2, 0.0)
    assert pct(res.estimate, "without a backbone") == 20
    assert res.verdict == "fell short"


def test_survival_the_space_must_show_the_difference_too():
    res = _judge_survival(0.9, 0.2, points=6, p_without=0.75, p_with=0.75)   # no difference at any point
    assert res.share.value == 0.0 and res.verdict == "fell short"            # unanimous: never "depends"
    res = _judge_survival(0.9, 0.2, p_without=0.75, p_with=0.25)
    assert res.verdict == "supported" and res.share.value == 1.0


def test_survival_answer_table():
    from backbone.analysis.claims_team import survival_answer
    from backbone.analysis.stats import Estimate

    most, few, unsure = Estimate(0.9, 0.8, 0.95), Estimate(0.2, 0.1, 0.3), Estimate(0.5, 0.4, 0.6)
    clear, none, maybe = Estimate(0.3, 0.2, 0.4), Estimate(0.0, -0.005, 0.005), Estimate(0.05, -0.02, 0.1)
    assert survival_answer(most, clear) == "within"
    assert survival_answer(most, none) == "below"        # a backbone makes no material difference
    assert survival_answer(few, clear) == "below"        # most do not falter without one
    assert survival_answer(most, maybe) is None and survival_answer(unsure, clear) is None
