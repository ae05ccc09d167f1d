"""Each backbone principle, switched on against off (``use_<principle>``) with common
random numbers (the same seeds in both arms, averaged over several), moves the quantity
its mechanism names in the expected direction. These tests assert directions only,
never model figures.

Where a principle's effect could be masked by another mechanism, the scenario says how
it isolates it.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import PartnershipModel, simulate

SEEDS = range(6)
BASE = {"n_beneficiaries": 300, "months": 48}


def arms(principle: str, scenario: dict, measure) -> tuple[np.ndarray, np.ndarray]:
    """``measure(result)`` for each seed, with the principle on and off (same seeds)."""
    on = np.array([measure(simulate({**scenario, f"use_{principle}": True}, s)) for s in SEEDS])
    off = np.array([measure(simulate({**scenario, f"use_{principle}": False}, s)) for s in SEEDS])
    return on, off


def monthly_mean(column: str):
    return lambda res: res.monthly[column].mean()


def at_horizon(column: str):
    return lambda res: res.monthly[column].iloc[-1]


# 1 alignment ------------------------------------------------------------------------

def test_alignment_holds_commitment_against_home_pull():
    on, off = arms("alignment", BASE, monthly_mean("mean_commitment"))
    assert on.mean() > off.mean()
    assert (on > off).sum() >= len(SEEDS) - 1


def test_alignment_shields_the_agenda_from_funders():
    """Isolated: co-creation and learning off in both arms, funders with strong,
    divergent preferences: only the shield against funder pull keeps the agenda on
    beneficiaries' needs."""
    scenario = {**BASE, "use_population": False, "use_measurement": False,
                "funder_agenda_power": 1.0, "funder_divergence": 1.0, "beneficiary_involvement": 0.2}
    on, off = arms("alignment", scenario, monthly_mean("needs_accuracy"))
    assert on.mean() > off.mean()


# 2 momentum -------------------------------------------------------------------------

def test_momentum_averts_funding_cuts_and_raises_more():
    """Demanding funders (a low expected cost per outcome) review every year: ROI narratives
    persuade some not to cut, fundraising grows renewals."""
    scenario = {**BASE, "months": 72, "expected_cost_per_outcome": 2.0}
    cuts_on, cuts_off = arms("momentum", scenario, at_horizon("funding_cuts"))
    assert cuts_off.sum() > 0, "the scenario must provoke cuts"
    assert cuts_on.mean() < cuts_off.mean()
    raised_on, raised_off = arms("momentum", scenario, at_horizon("funds_raised"))
    assert raised_on.mean() > raised_off.mean()


def test_momentum_recruits_partners_and_lifts_engagement():
    scenario = {**BASE, "max_recruits": 6}
    rec_on, rec_off = arms("momentum", scenario, at_horizon("partners_recruited"))
    assert rec_on.mean() > rec_off.mean()
    eng_on, eng_off = arms("momentum", BASE, monthly_mean("mean_engagement"))
    assert eng_on.mean() > eng_off.mean()


# 3 identity -------------------------------------------------------------------------

def test_relaunches_happen_only_with_identity_work():
    scenario = {**BASE, "turnover_rate": 0.06}
    on, off = arms("identity", scenario, at_horizon("relaunches"))
    assert (off == 0).all()
    assert (on > 0).all()


def test_identity_protocols_prevent_betrayals():
    """Credit-claiming made frequent (betrayal_rate 0.3) so the counts are large."""
    scenario = {**BASE, "betrayal_rate": 0.3}
    on, off = arms("identity", scenario, at_horizon("betrayals"))
    assert on.mean() < off.mean()


def test_no_identity_effort_no_relaunch_without_a_backbone():
    res = simulate({**BASE, "backbone_share": 0.0, "turnover_rate": 0.1}, 1)
    assert res.monthly["turnovers"].iloc[-1] > 0
    assert res.monthly["relaunches"].iloc[-1] == 0


# 4 coordination ---------------------------------------------------------------------

def _hours_per_link(res) -> float:
    """Coordination hours per directed link a month (months with >= 2 partners)."""
    m = res.monthly
    links = m["active_partners"] * (m["active_partners"] - 1)
    ok = links > 0
    return float((m["hours_coordination"][ok] / links[ok]).mean())


def test_coordination_makes_links_cheaper_and_cuts_duplication():
    """Relaunches (identity) off in both arms: their kickoff hours would count as
    coordination hours too."""
    scenario = {**BASE, "use_identity": False}
    on, off = arms("coordination", scenario, _hours_per_link)
    assert on.mean() < off.mean()
    dup_on, dup_off = arms("coordination", scenario, monthly_mean("duplication"))
    assert dup_on.mean() < dup_off.mean()


def _relative_trust_loss(res) -> float:
    """Mean share of a partner's trust lost at a turnover event: (v1 - v2) / v1."""
    ev = res.events[(res.events["event"] == "turnover") & (res.events["v1"] > 0)]
    return float(((ev["v1"] - ev["v2"]) / ev["v1"]).mean())


def test_onboarding_reduces_the_trust_lost_to_turnover():
    scenario = {**BASE, "turnover_rate": 0.1}
    on, off = arms("coordination", scenario, _relative_trust_loss)
    assert np.isfinite(on).all() and np.isfinite(off).all()
    assert on.mean() < off.mean()
    assert (on < off).all()


# 5 target population ----------------------------------------------------------------

def test_cocreation_improves_the_needs_estimate_and_engagement():
    acc_on, acc_off = arms("population", BASE, monthly_mean("needs_accuracy"))
    assert acc_on.mean() > acc_off.mean()
    eng_on, eng_off = arms("population", BASE, monthly_mean("beneficiary_engagement"))
    assert eng_on.mean() > eng_off.mean()
    assert (eng_on > eng_off).all()


# 6 measurement ----------------------------------------------------------------------

def test_measurement_lowers_noise():
    on, off = arms("measurement", BASE, lambda res: float(res.state.world[0]["noise"]))
    assert (on < off).all()


def test_learning_moves_the_agenda_toward_measured_need():
    """Co-creation off in both arms and funders pulling hard elsewhere: what improves the
    estimate is learning from measured demand."""
    scenario = {**BASE, "use_population": False, "funder_agenda_power": 1.0, "funder_divergence": 1.0}
    on, off = arms("measurement", scenario, monthly_mean("needs_accuracy"))
    assert on.mean() > off.mean()


def _grant_tracking_error(use_measurement: bool, seed: int) -> float:
    """Isolated regime, one funder, grants proportional to measured output: the mean
    absolute gap between a partner's share of the grants and its share of the output
    they were based on (last month's)."""
    model = PartnershipModel(rng=seed, n_beneficiaries=150, months=24, regime="isolated", n_funders=1,
                             use_measurement=use_measurement)
    pt = model.state.partners
    gaps = []
    while model.running:
        output, active = pt.output.copy(), pt.active.copy()
        model.step()
        if output[active].sum() > 0 and pt.grant[active].sum() > 0:
            gaps.append(np.abs(pt.grant[active] / pt.grant[active].sum() - output[active] / output[active].sum()).mean())
    return float(np.mean(gaps))


def test_measurement_moves_grants_toward_what_works():
    on = np.array([_grant_tracking_error(True, s) for s in range(3)])
    off = np.array([_grant_tracking_error(False, s) for s in range(3)])
    assert on.mean() < off.mean()


# regime -----------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_isolated_impact_has_no_coordination_links(seed):
    """Isolated grants, no collective: no links, no integration. (With a backbone, a
    relaunch month still costs the kickoff hours; without one there are none.)"""
    iso = simulate({**BASE, "regime": "isolated", "backbone_share": 0.0}, seed).monthly
    assert (iso["hours_coordination"] == 0).all()
    assert (iso["integration"] == 0).all()
    pooled = simulate({**BASE, "backbone_share": 0.0}, seed).monthly
    assert (pooled["hours_coordination"] > 0).all()
    with_backbone = simulate({**BASE, "regime": "isolated"}, seed)
    m = with_backbone.monthly
    relaunch_months = set(with_backbone.events.loc[with_backbone.events["event"] == "relaunch", "month"])
    quiet = ~m["month"].isin(relaunch_months)
    assert (m.loc[quiet, "hours_coordination"] == 0).all()
    assert (m["integration"] == 0).all()
