"""Each comparison defined once (analysis/arms.py, issue 23): the scenario files agree with
the arms, and the payoff claim and the report give the same R on the same seeds."""

from __future__ import annotations

import numpy as np
import pytest

from backbone.analysis import arms
from backbone.simulation import load_scenario


def test_the_scenario_library_agrees_with_the_arms():
    base = load_scenario("baseline")
    assert arms.no_backbone(base) == load_scenario("no_backbone")
    assert arms.isolated(base) == load_scenario("isolated_impact")
    assert arms.no_partnership(base) == load_scenario("no_partnership")


def test_the_arms_change_only_what_they_say():
    p = load_scenario("baseline").replace(backbone_share=0.2, self_orchestration_hours=6.0, funder_budget=100.0)
    nb = arms.no_backbone(p)
    assert nb.backbone_share == 0.0 and nb.self_orchestration_hours == 6.0 and nb.funder_budget == 100.0
    rb = arms.reduced_budget(p)
    assert rb.backbone_share == 0.0 and rb.funder_budget == 80.0 and rb.self_orchestration_hours == 6.0
    no = arms.no_orchestration(p)
    assert no.backbone_share == 0.0 and no.self_orchestration_hours == 0.0 and no.funder_budget == 100.0
    assert arms.payoff_arms(p) == {"backbone": p, "same_budget": nb, "reduced_budget": rb}
    assert arms.reduced_budget_changes(100.0, 1 / 3)["funder_budget"] == round(100.0 * (2 / 3), 9)


def test_the_payoff_claim_and_the_report_give_the_same_ratio_on_the_same_seeds():
    """A planted difference: partners who orchestrate themselves (6 hours a month each),
    where the report once took those hours away in its no-backbone arms and the claim did
    not. Now both run the arms of ``analysis.arms`` on seeds root_seed + r."""
    from backbone.analysis.claims import Context, Size
    from backbone.analysis.claims_funding import payoff_long, plan_payoff
    from backbone.analysis.payoff import payoff_curve
    from backbone.analysis.report import report_arms, report_payoffs
    from backbone.analysis.scenario_runs import run_arms
    from backbone.analysis.batch import run_spec_arms

    small = {"n_beneficiaries": 500, "months": 60, "self_orchestration_hours": 6.0}
    ctx = Context(Size("test", replications=5, fixed=small))
    plan = plan_payoff(ctx)
    spec = ctx.spec("payoff")
    jobs = {k: plan[k] for k in ("backbone", "same_budget", "reduced_budget")}
    jobs["backbone"] = jobs["backbone"].replace(factors={"backbone_share": {"levels": [spec.base.backbone_share]}})
    jobs["reduced_budget"] = jobs["reduced_budget"].replace(factors={"funder_budget": {"levels": [
        arms.reduced_budget_changes(spec.base.funder_budget, spec.base.backbone_share)["funder_budget"]]}})
    results = run_spec_arms(jobs)
    curve = payoff_curve(payoff_long(results, spec.base.funder_budget).drop(columns="point"))
    claim = curve.loc[(curve.share - spec.base.backbone_share).abs().idxmin()]

    scenario = {"x": spec.base}
    assert spec.base.self_orchestration_hours == 6.0 and spec.base.backbone_share > 0
    planned, alias = report_arms(scenario)
    got = run_arms(planned, spec.replications, seed0=spec.root_seed)
    report = report_payoffs(scenario, {key: got[run] for key, run in alias.items()}, {k: k for k in alias})["x"]
    assert report["n"] == claim.n == spec.replications
    assert np.isfinite(claim.ratio) and report["ratio"].value == pytest.approx(claim.ratio, rel=1e-12)
    assert np.isclose(report["gain"].value, claim.gain) and np.isclose(report["direct"].value, claim.direct)
