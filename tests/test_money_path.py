"""The money path (ODD 7.1-7.3): how funders review, what a backbone stated in money
does, and grants to organizations in the isolated regime. Known answers on the reference
rules (the same rules as the kernels, tests/test_reference.py), directions on runs."""

from __future__ import annotations

import pytest

from backbone.simulation import Params, simulate
from backbone.simulation.reference.funding import reviews
from backbone.simulation.reference.partnership import Partnership


def review_once(rule: str, *, paid: float, outcomes: float, before: float, cut: float = 0.5,
                expected: float = 10.0) -> Partnership:
    """One funder at level 1 reviews month 24 (t = 23) with no measurement noise: the last
    period (months 13-24) had ``outcomes`` sustained outcomes for ``paid`` k, the period
    before ``before`` outcomes."""
    p = Params(n_beneficiaries=50, n_funders=1, review_rule=rule, expected_cost_per_outcome=expected,
               funder_cut=cut, funder_stance_sd=0.0, funder_patience=24, review_cycle=12,
               narrative_persuasion=0.0, funder_exit_level=0.0)
    ps = Partnership(p, seed=1)
    w = ps.w
    w.month, w.noise = 23.0, 0.0
    w.review_outcomes, w.review_paid, w.period_outcomes = 100.0, 1000.0, before
    w.outcomes, w.paid_in = 100.0 + outcomes, 1000.0 + paid
    ps.funders[0].level = 1.0
    reviews(ps)
    return ps


def test_expectation_rule_cuts_in_proportion_to_the_shortfall():
    # 2,000 k bought 100 outcomes: 20 k each against an expectation of 10 k, shortfall 0.5
    ps = review_once("expectation", paid=2000.0, outcomes=100.0, before=150.0)
    f = ps.funders[0]
    assert f.shortfall == pytest.approx(0.5)
    assert f.measured == pytest.approx(20.0)
    assert f.level == pytest.approx(1.0 - 0.5 * 0.5)
    # 40 k per outcome: shortfall 0.75, a cut 1.5 times as deep
    worse = review_once("expectation", paid=4000.0, outcomes=100.0, before=150.0).funders[0]
    assert worse.shortfall == pytest.approx(0.75)
    assert 1.0 - worse.level == pytest.approx(0.5 * 0.75)
    assert (1.0 - worse.level) / (1.0 - f.level) == pytest.approx(1.5)


def test_expectation_rule_holds_while_results_rise_and_grows_when_met():
    rising = review_once("expectation", paid=2000.0, outcomes=100.0, before=60.0).funders[0]
    assert rising.shortfall == pytest.approx(0.5) and rising.level == 1.0   # short, but rising: holds
    met = review_once("expectation", paid=900.0, outcomes=100.0, before=150.0).funders[0]
    assert met.shortfall == 0.0 and met.level > 1.0


def test_price_rule_judges_the_cost_since_launch_with_a_fixed_cut():
    # since launch: 3,000 k over 200 outcomes = 15 k against a price of 10 k
    ps = review_once("price", paid=2000.0, outcomes=100.0, before=60.0, cut=0.2)
    f = ps.funders[0]
    assert f.measured == pytest.approx(15.0)
    assert f.shortfall == 1.0 and f.level == pytest.approx(0.8)   # rising results do not matter
    below = review_once("price", paid=2000.0, outcomes=100.0, before=60.0, cut=0.2, expected=16.0).funders[0]
    assert below.shortfall == 0.0 and below.level > 1.0


def test_a_backbone_stated_in_money_does_not_grow_with_the_budget():
    def hours(**kw):
        return simulate(Params(n_beneficiaries=200, months=3, **kw), 2).monthly.backbone_hours.iloc[0]
    by_share = [hours(backbone_share=0.1, funder_budget=b) for b in (100.0, 200.0)]
    by_money = [hours(backbone_share=0.0, backbone_budget=30.0, funder_budget=b) for b in (100.0, 200.0)]
    assert by_share[1] == pytest.approx(2 * by_share[0])
    assert by_money[0] == pytest.approx(by_money[1]) == pytest.approx(30.0 / Params().staff_cost_per_hour)
    assert by_money[0] == pytest.approx(by_share[0])   # the baseline's 10% of three funders' 100 k


@pytest.mark.parametrize("seed", range(4))
def test_isolated_grants_survive_a_quorum_loss(seed):
    """Home organizations change priorities often, so partners leave: a pooled partnership
    dissolves below its quorum and its money stops; isolated grantees keep their grants
    while their funders keep them."""
    base = dict(n_beneficiaries=200, months=60, n_partners=4, max_recruits=0, home_shift_rate=0.1,
                init_commitment=0.0, home_pull=1.0, funder_cut=0.0, funder_shift_rate=0.0, grant_term=600,
                backbone_share=0.0)
    pooled = simulate(Params(**base), seed)
    isolated = simulate(Params(**base, regime="isolated"), seed)
    assert (pooled.events.event == "dissolved").sum() == 1
    gone = pooled.monthly.paid_in.iloc[-12:].sum()
    assert gone == 0.0
    assert (isolated.events.event == "dissolved").sum() == 0
    m = isolated.monthly
    assert m.active_partners.min() < 3 and (m.active_partners.iloc[-1] == 0 or m.paid_in.iloc[-1] > 0)
    alive = m[m.active_partners > 0]
    assert (alive.paid_in > 0).all() and (alive.spent > 0).all()


def test_money_command_reports_what_extra_money_buys(capsys):
    """`backbone money`: one row per scenario and endpoint, the doubled budget against x1;
    JSON holds numbers; bad input exits 2 before any run."""
    import json

    from backbone.cli.main import main

    args = ["money", "baseline", "--replications", "3", "--no-progress", "--workers", "1",
            "--set", "months=24", "n_beneficiaries=200"]
    assert main(args + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {r["endpoint"]: r for r in doc["rows"]}
    spent = rows["money spent"]
    assert spent["multiplier"] == 2.0 and spent["at_multiplier"] > spent["at_budget"]
    lo, hi = spent["difference"]["ci"]
    assert lo <= spent["difference"]["value"] <= hi and spent["difference"]["value"] > 0
    for bad in (["--multipliers", "0"], ["--multipliers", "1"], ["--replications", "1"]):
        assert main(["money", "baseline", *bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "error" in err[0]


def test_fixed_hours_arms_hold_the_backbone_and_spend_the_same_money():
    from backbone.analysis.arms import backbone_money, fixed_hours_arms

    p = Params(backbone_share=0.1, n_funders=3, funder_budget=100.0)
    assert backbone_money(p) == pytest.approx(30.0)
    for m in (0.5, 2.0):
        arms = fixed_hours_arms(p, m)
        bb, same, red = arms["backbone"], arms["same_budget"], arms["reduced_budget"]
        assert (bb.backbone_share, bb.backbone_budget) == (0.0, pytest.approx(30.0))
        assert same.funder_budget == bb.funder_budget == pytest.approx(100.0 * m)
        assert same.backbone_budget == same.backbone_share == 0.0
        assert red.funder_budget * red.n_funders == pytest.approx(bb.funder_budget * bb.n_funders - 30.0)


def test_the_report_never_prints_a_ratio_it_cannot_support():
    """R with the backbone's staff held fixed: printed with its CI where what the money
    buys as direct work is clearly above zero, called not meaningful where it is not."""
    from backbone.analysis.report_html import fixed_hours_html
    from backbone.analysis.stats import Estimate

    p = Params(backbone_share=0.1)
    fixed = {"a": {0.5: {"ratio": Estimate(2.5, 1.5, 3.5), "bounded": True},
                   2.0: {"ratio": Estimate(41.0, -200.0, 900.0), "bounded": False}}}
    text = fixed_hours_html(fixed, {"a": p}, {"a": "Scenario A"})
    assert "Scenario A" in text and "500 hours a month" in text
    assert "2.5 [1.5, 3.5]" in text and "not meaningful" in text and "41" not in text
