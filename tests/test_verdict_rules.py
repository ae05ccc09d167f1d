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


# ---------------------------------------------------------------- one-sided effects
NOISE = np.linspace(-0.02, 0.02, 16)   # a replication's noise, shared by its arms (common random numbers)


def _robust(arms: dict[str, np.ndarray], points: int = 6) -> dict:
    """Uncertainty arms ``robust:<name>``: 6 points x 2 replications, impact per point."""
    k = np.arange(points * 2)
    factors = {f: 1.0 for f in CTX.uncertainty().factor_names} | {"turnover_rate": 0.01 + 0.005 * (k // 2)}
    return {f"robust:{name}": (pd.DataFrame({"point": k // 2, "replication": k % 2, **factors,
                                             IMPACT: np.asarray(v, float)[k // 2]}), None)
            for name, v in arms.items()}


def _effect_text(text: str, label: str) -> float:
    m = re.search(re.escape(label) + r"\s*([+-]\d+\.\d) pp", text)
    assert m, (label, text)
    return float(m.group(1))


@pytest.mark.parametrize("effect, at_points, word", [
    (0.04, (0.04,) * 6, "supported"),                        # a clear, material gain everywhere
    (0.0, (0.0,) * 6, "fell short"),                         # no effect anywhere
    (-0.03, (-0.03,) * 6, "fell short"),                     # reversed
    (0.04, (0.04, 0.04, 0.04, 0.0, 0.0, 0.0), "depends"),    # holds at half the points
])
def test_population_verdict_follows_the_effect_it_prints(effect, at_points, word):
    from backbone.analysis.claims_team import judge_population

    reps = np.arange(16)
    runs = pd.DataFrame({"replication": np.tile(reps, 2), "use_population": np.repeat([True, False], 16),
                         IMPACT: np.concatenate([0.4 + 1.1 * NOISE + effect, 0.4 + NOISE]),
                         "needs_accuracy": np.concatenate([0.7 + NOISE, 0.6 + NOISE])})
    res = judge_population(CTX, {"ablation": (runs, None),
                                 **_robust({"on": 0.4 + np.asarray(at_points), "off": np.full(6, 0.4)})})
    assert _effect_text(res.estimate, "impact") == pytest.approx(100 * effect)
    assert res.verdict == word, (res.estimate, res.detail)
    if word == "depends":
        assert "holds at 50% of uncertainty points" in res.detail


@pytest.mark.parametrize("effect, word", [(0.05, "supported"), (0.0, "fell short"), (-0.05, "fell short")])
def test_agenda_verdict_follows_the_corners_it_prints(effect, word):
    from backbone.analysis.claims_funding import BENEFICIARY_LED, FUNDER_LED, judge_agenda

    rows = []
    for power in (0.1, 0.5, 0.9):
        for inv in (0.0, 0.1, 0.8):
            lift = effect if (power, inv) == BENEFICIARY_LED else 0.0
            for r in range(16):
                rows.append({"funder_agenda_power": power, "beneficiary_involvement": inv, "replication": r,
                             IMPACT: 0.4 + NOISE[r] + lift, "needs_accuracy": 0.6 + lift})
    assert FUNDER_LED == (0.9, 0.0)
    res = judge_agenda(CTX, {"grid": (pd.DataFrame(rows), None),
                             **_robust({"beneficiary_led": np.full(6, 0.4 + effect), "funder_led": np.full(6, 0.4)})})
    assert _effect_text(res.estimate, "impact") == pytest.approx(100 * effect)
    assert res.verdict == word


@pytest.mark.parametrize("effect, word", [(0.03, "supported"), (0.0, "fell short")])
def test_patience_verdict_follows_the_difference_it_prints(effect, word):
    from backbone.analysis.claims_funding import PATIENT, SHORT, judge_patience

    levels = (6, SHORT, 24, 36, PATIENT, 72)
    rows = [{"point": i, "replication": r, "funder_patience": lv, "funding_cuts": 1.0 if lv <= SHORT else 0.0,
             IMPACT: 0.4 + NOISE[r] + (effect if lv >= PATIENT else 0.0)}
            for i, lv in enumerate(levels) for r in range(16)]
    res = judge_patience(CTX, {"sweep": (pd.DataFrame(rows), None),
                               **_robust({"patient": np.full(6, 0.4 + effect), "short": np.full(6, 0.4)})})
    assert _effect_text(res.estimate, f"patience {PATIENT} - {SHORT} months:") == pytest.approx(100 * effect)
    assert "funding cuts per run 1.0 at 12 vs 0.0 at 48 months" in res.estimate
    assert res.verdict == word


# ---------------------------------------------------------------- inverted U
@pytest.mark.parametrize("shape, word", [("peaked", "supported"), ("rising", "fell short")])
def test_integration_verdict_follows_the_shape_it_prints(shape, word):
    from backbone.analysis.claims_team import ROBUST_INTEGRATION, judge_integration

    f = {"peaked": lambda x: 0.5 - 0.2 * (x - 0.5) ** 2 * 4, "rising": lambda x: 0.3 + 0.1 * x}[shape]
    levels = np.round(np.arange(0, 1.01, 0.1), 2)
    rows = [{"point": i, "replication": r, "integration": x, IMPACT: f(x) + NOISE[r] / 4}
            for i, x in enumerate(levels) for r in range(16)]
    res = judge_integration(CTX, {"sweep": (pd.DataFrame(rows), None),
                                  **_robust({lv: np.full(6, f(lv)) for lv in ROBUST_INTEGRATION})})
    best = float(re.search(r"best integration ([\d.]+)", res.estimate).group(1))
    assert best == (0.5 if shape == "peaked" else 1.0)
    assert res.verdict == word and res.share.value == (1.0 if shape == "peaked" else 0.0)
    assert "depends" != res.verdict


# ---------------------------------------------------------------- payoff 3-4:1
def _payoff_results(ratio: float, point_ratios: list[float], reps: int = 12) -> dict:
    """Planted payoff arms: I(0,(1-s)B) = 0.10, I(0,B) = 0.12 (direct value 0.02),
    I(s,B) = 0.10 + R x 0.02 at every share and budget, a replication's noise shared by
    its arms; at uncertainty point i, R = ``point_ratios[i]``."""
    from backbone.analysis.arms import backbone_money
    from backbone.analysis.claims_funding import BUDGET_MULTIPLIERS

    spec = CTX.spec("payoff")
    base = spec.base
    budget, shares = base.funder_budget, spec.factors[0].grid()
    noise = np.linspace(-0.0004, 0.0004, reps)

    def arm(col, levels, impact):
        return (pd.DataFrame([{"point": i, "replication": r, col: lv, IMPACT: impact + noise[r]}
                              for i, lv in enumerate(levels) for r in range(reps)]), None)

    per_funder = backbone_money(base) / base.n_funders
    budgets = [budget * m for m in BUDGET_MULTIPLIERS]
    out = {"backbone": arm("backbone_share", shares, 0.10 + ratio * 0.02),
           "same_budget": arm("backbone_share", [0.0], 0.12),
           "reduced_budget": arm("funder_budget", [budget * (1 - s) for s in shares], 0.10),
           "fixed:backbone": arm("funder_budget", budgets, 0.10 + ratio * 0.02),
           "fixed:same_budget": arm("funder_budget", budgets, 0.12),
           "fixed:reduced_budget": arm("funder_budget", [b - per_funder for b in budgets], 0.10)}
    pr = np.asarray(point_ratios)
    out.update(_robust({"backbone": 0.10 + pr * 0.02, "same_budget": np.full(len(pr), 0.12),
                        "reduced_budget": np.full(len(pr), 0.10)}, points=len(pr)))
    return out


@pytest.mark.parametrize("ratio, points, word", [
    (6.0, [6.0] * 6, "exceeded"),
    (3.5, [3.5] * 6, "supported"),
    (1.5, [1.5] * 6, "fell short"),
    (3.5, [6.0] * 6, "exceeded"),                 # the base holds, the space never does: above 4 everywhere
    (3.5, [3.5, 3.5, 3.5, 6.0, 6.0, 6.0], "depends"),
])
def test_payoff_verdict_follows_the_ratio_it_prints(ratio, points, word):
    from backbone.analysis.claims_funding import judge_payoff

    res = judge_payoff(CTX, _payoff_results(ratio, points))
    r = float(re.search(r"R\(10%\) = ([\d.]+)", res.estimate).group(1))
    assert r == pytest.approx(ratio, abs=0.05)
    above = float(re.search(r"above 4 at (\d+)%", res.estimate).group(1))
    assert above == pytest.approx(100 * np.mean(np.asarray(points) > 4), abs=1)
    assert res.verdict == word, (res.estimate, res.detail)
    if word == "depends":
        assert "holds at 50% of uncertainty points" in res.detail


# ---------------------------------------------------------------- collective vs isolated
def _regime_results(diff: dict[int, float], at_points: list[float], reps: int = 12) -> dict:
    """Planted monthly impact: collective ahead of isolated by ``diff[complexity]`` in
    every month; at uncertainty point i by ``at_points[i]``."""
    noise = np.linspace(-0.004, 0.004, reps)
    months = np.arange(1, 121)

    def arm(lift):
        rows = [pd.DataFrame({"month": months, "complexity": c, "replication": r,
                              "impact_share": 0.2 + noise[r] + lift(c) + 0.0005 * r * (c % 2)})
                for c in diff for r in range(reps)]
        return (None, pd.concat(rows, ignore_index=True))

    pts = np.asarray(at_points)
    return {"collective": arm(lambda c: diff[c]), "isolated": arm(lambda c: 0.0),
            **_robust({"collective": 0.2 + pts, "isolated": np.full(len(pts), 0.2)}, points=len(pts))}


@pytest.mark.parametrize("diff, points, word", [
    ({1: 0.05, 2: 0.05, 3: 0.05}, [0.05] * 6, "supported"),
    ({1: -0.05, 2: -0.05, 3: -0.05}, [-0.05] * 6, "fell short"),
    ({1: 0.05, 2: 0.05, 3: 0.05}, [0.05, 0.05, 0.05, 0.0, 0.0, 0.0], "depends"),
])
def test_regime_verdict_follows_the_differences_it_prints(diff, points, word):
    from backbone.analysis.claims_funding import judge_regime

    assert CTX.spec("regime").base.complexity == 2
    res = judge_regime(CTX, _regime_results(diff, points))
    printed = float(re.search(r"complexity 2: ([+-]\d+\.\d) pp", res.estimate).group(1))
    assert printed == pytest.approx(100 * diff[2], abs=0.1)
    assert res.verdict == word, (res.estimate, res.detail)


# ---------------------------------------------------------------- kickoff up to 30%
def _kickoff_monthly(peak: float, reps: int, extra: dict | None = None) -> tuple:
    """Twin monthly series: one relaunch at month 20; the kickoff twin's service hours
    rise by ``peak`` x (1 + a replication's small spread) three months after it, less
    before and after; the placebo twin stays at 100 hours."""
    months = np.arange(1, 49)
    bump = np.clip(1 - np.abs(months - 23) / 6, 0, None) * (months >= 20)
    parts = {}
    for arm in ("kickoff", "placebo"):
        rows = []
        for r in range(reps):
            lift = peak * (1 + 0.02 * (r - reps / 2) / reps) * bump if arm == "kickoff" else 0 * bump
            rows.append(pd.DataFrame({"month": months, "replication": r, "relaunches": (months >= 20).astype(int),
                                      "service_hours": 100 * (1 + lift), **(extra or {})}))
        parts[arm] = pd.concat(rows, ignore_index=True)
    return parts


def _kickoff_results(peak: float, point_peaks: list[float], reps: int = 12) -> dict:
    out = {arm: (None, m) for arm, m in _kickoff_monthly(peak, reps).items()}
    factors = {f: 1.0 for f in CTX.uncertainty().factor_names}
    per_arm: dict[str, list] = {"kickoff": [], "placebo": []}
    runs = []
    for i, pk in enumerate(point_peaks):
        for arm, m in _kickoff_monthly(pk, 2, {"point": i}).items():
            per_arm[arm].append(m)
        runs += [{"point": i, "replication": r, **factors, "turnover_rate": 0.01 + 0.005 * i} for r in range(2)]
    for arm, ms in per_arm.items():
        out[f"robust:{arm}"] = (pd.DataFrame(runs), pd.concat(ms, ignore_index=True))
    return out


@pytest.mark.parametrize("peak, points, word", [
    (0.2, [0.2] * 6, "supported"),
    (0.5, [0.5] * 6, "exceeded"),
    (0.05, [0.05] * 6, "fell short"),
    (0.2, [0.2, 0.2, 0.2, 0.5, 0.5, 0.5], "depends"),
])
def test_kickoff_verdict_follows_the_peak_it_prints(peak, points, word):
    from backbone.analysis.claims_team import CLAIM_BAND, judge_kickoff

    assert CLAIM_BAND == (0.15, 0.30)
    res = judge_kickoff(CTX, _kickoff_results(peak, points))
    printed = float(re.search(r"peak effect on output ([+-][\d.]+)%", res.estimate).group(1))
    assert printed == pytest.approx(100 * peak, abs=0.5)
    assert "3 months after the first relaunch" in res.estimate
    assert res.verdict == word, (res.estimate, res.detail)


# ---------------------------------------------------------------- Sobol' sensitivity
def test_sensitivity_names_the_planted_driver_and_gives_no_verdict():
    from backbone.analysis.claims_funding import judge_sensitivity, plan_sensitivity

    spec = plan_sensitivity(CTX)["backbone"]
    design = spec.design_points().reset_index()
    x = design.turnover_rate.to_numpy()
    x = (x - x.min()) / (x.max() - x.min())

    def arm(impact):
        return (design.assign(replication=0, **{IMPACT: impact}), None)

    res = judge_sensitivity(CTX, {"backbone": arm(0.3 + 0.1 * x), "same_budget": arm(0.25 + 0.0 * x),
                                  "reduced_budget": arm(0.2 + 0.0 * x)})
    assert res.verdict == "-" and res.share is None
    assert res.estimate.startswith("impact: turnover_rate ST")
    assert res.numbers[0]["name"] == "impact: total-order index of turnover_rate"


# ---------------------------------------------------------------- relaunch at 15%
@pytest.mark.parametrize("slope, word, optimum", [(0.4, "exceeded", 50), (-0.4, "fell short", 5),
                                                  (0.0, "supported", None)])
def test_relaunch_verdict_follows_the_optimum_it_prints(slope, word, optimum):
    from backbone.analysis.claims_team import ROBUST_THRESHOLDS, judge_relaunch

    levels = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
    curve = {t: 0.4 + slope * t for t in set(levels) | set(ROBUST_THRESHOLDS)}
    sweep = pd.DataFrame([{"point": i, "replication": r, "relaunch_threshold": t, IMPACT: curve[t] + NOISE[r]}
                          for i, t in enumerate(levels) for r in range(16)])
    res = judge_relaunch(CTX, {"sweep": (sweep, None), **_robust({t: np.full(6, curve[t]) for t in ROBUST_THRESHOLDS})})
    printed = int(re.search(r"optimum (\d+)%", res.estimate).group(1))
    if optimum is not None:
        assert printed == optimum
    assert res.verdict == word, (res.estimate, res.detail)
