"""Invariants over random parameter sets (hypothesis): shares in [0, 1], trust symmetric
with a zero diagonal, money conserved, counts consistent, nothing NaN or infinite."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backbone.simulation import PRINCIPLES, simulate

from conftest import parameter_sets, state_arrays

MONEY_TOL = 1e-9

# Shares that are ratios of sums (coordination_share) may exceed 1 by rounding: 1e-12.
SHARES = [
    "improved_share", "impact_share", "mean_condition", "beneficiary_engagement", "mean_trust",
    "mean_engagement", "mean_commitment", "mean_knowledge", "retention", "coordination_share",
    "duplication", "integration", "needs_accuracy", *(f"effort_{q}" for q in PRINCIPLES),
]


def check_invariants(res) -> None:
    p, m, s = res.params, res.monthly, res.state

    # Nothing NaN or infinite, anywhere.
    assert np.isfinite(m.to_numpy(np.float64)).all(), "NaN/inf in the monthly frame"
    for name, arr in state_arrays(s).items():
        assert np.isfinite(np.asarray(arr, dtype=np.float64)).all(), f"NaN/inf in state {name}"
    assert m["month"].tolist() == list(range(1, p.months + 1))

    # Shares stay in [0, 1].
    for col in SHARES:
        assert m[col].between(0.0, 1.0 + 1e-12).all(), f"{col} leaves [0, 1]: {m[col].min()}..{m[col].max()}"
    pt, be, nd = s.partners, s.beneficiaries, s.needs
    for name in ("engagement", "commitment", "knowledge", "ceiling"):
        arr = getattr(pt, name)
        assert ((arr >= 0.0) & (arr <= 1.0)).all(), f"partner {name} leaves [0, 1]"
    assert ((be.condition >= 0.0) & (be.condition <= 1.0)).all()
    assert ((be.base_engagement >= 0.0) & (be.base_engagement <= 1.0)).all()
    assert np.isclose(nd.estimate.sum(), 1.0) and (nd.estimate >= 0).all()
    assert np.isclose(nd.true_profile.sum(), 1.0) and (nd.true_profile > 0).all()

    # Trust: in [0, 1], symmetric, zero diagonal, zero for anyone outside the partnership.
    T = s.trust
    assert ((T >= 0.0) & (T <= 1.0)).all()
    assert np.array_equal(T, T.T)
    assert not np.diag(T).any()
    outside = ~pt.active
    assert not T[outside].any() and not T[:, outside].any()

    # Money is conserved: paid in = spent + held, every month.
    paid, spent, held = m["funds_raised"], m["spent_total"], m["held"]
    assert (held >= -MONEY_TOL * np.maximum(paid, 1.0)).all()
    assert (np.abs(paid - spent - held) <= MONEY_TOL * np.maximum(paid, 1.0)).all(), "money not conserved"
    assert np.allclose(paid.diff().fillna(paid.iloc[0]), m["paid_in"], rtol=1e-9, atol=1e-9)
    assert (m["spent"] <= m["paid_in"] + held.shift(fill_value=0.0) + 1e-9 * np.maximum(paid, 1.0)).all()

    # Hours add up: in-kind + funded = coordination + orchestration + grant-seeking + agenda + home.
    hours_in = m["hours_inkind"] + m["hours_funded"]
    hours_out = (m["hours_coordination"] + m["hours_orchestration"] + m["hours_grants"]
                 + m["hours_agenda"] + m["hours_home"])
    assert np.allclose(hours_in, hours_out, rtol=1e-9, atol=1e-9)
    if p.regime == "isolated":
        assert (m["hours_agenda"] == 0).all(), "no common agenda in the isolated regime"
    else:
        assert (m["hours_grants"] == 0).all()
    assert (m["service_home"] <= m["service_hours"] + 1e-9 * np.maximum(m["service_hours"], 1.0)).all()

    # Value: outcome-years accumulate; discounted figures never exceed nominal ones.
    assert (m["outcome_years"].diff().fillna(0) >= 0).all()
    assert (m["spent_pv"] <= m["spent_total"] * (1 + 1e-12) + 1e-9).all()
    assert (m["value_gross"] >= 0).all() and (m["sroi"] >= 0).all()

    # Phases: no phase but the last lasts less than the dwell time (no flicker).
    phase = m["phase"].to_numpy()
    starts = np.flatnonzero(np.diff(phase)) + 1
    lengths = np.diff(np.concatenate([[0], starts, [len(phase)]]))
    assert (lengths[:-1] >= p.phase_min_months).all(), f"a phase shorter than the dwell time: {lengths}"
    assert (m["redesigns"].diff().fillna(0) >= 0).all()

    # Counts are consistent with the state and with the event log.
    K = p.n_dimensions
    counts = [int(((be.needs >> k) & 1).sum()) for k in range(K)]
    assert nd.need_count.tolist() == counts
    assert all(bin(int(x)).count("1") == p.complexity for x in np.unique(be.needs))
    enrolled = be.enrolled.astype(bool)
    assert nd.load.tolist() == [int(((be.needs[enrolled] >> k) & 1).sum()) for k in range(K)]
    assert (be.months_above[enrolled] < p.sustain_months).all(), "a sustained outcome keeps its case place"
    new_outcomes = m["outcomes_total"].diff().fillna(m["outcomes_total"].iloc[0])
    assert (m["caseload"] <= p.n_beneficiaries).all()
    assert (m["served"] <= m["caseload"] + new_outcomes).all()  # served, then left with an outcome
    assert enrolled.sum() <= m["caseload"].iloc[-1]
    last = m.iloc[-1]
    assert last["active_partners"] == pt.active.sum()
    if last["dissolved"] == 0:
        assert last["active_funders"] == s.funders.active.sum()
    else:  # a dissolved partnership reports no funders: nobody pays any more
        assert last["active_funders"] == 0 and last["funder_level"] == 0
    assert (m["impact"] <= m["improved"] + 1e-9).all()
    assert (m["impact"] <= m["outcomes_total"] + 1e-9).all()
    assert (m["improved"] <= p.n_beneficiaries).all() and (m["served"] <= p.n_beneficiaries).all()
    assert (m["outcomes_total"].diff().fillna(0) >= 0).all()
    assert (m["active_partners"] <= p.slots).all()
    # (impact and improved are reported as share x population: counts up to rounding)
    assert np.allclose(m["impact"], np.round(m["impact"]), rtol=0, atol=1e-9)
    assert (be.months_above >= p.sustain_months).sum() <= round(last["impact"])
    world = s.world[0]
    assert world["dropped_events"] == 0
    counted = res.events["event"].value_counts()
    left_home = int((res.events.loc[res.events.event == "home_shift", "v2"] == 1.0).sum())
    assert last["exits"] == counted.get("exit", 0) + left_home, "exits disagree with the event log"
    for col, event in (("turnovers", "turnover"), ("betrayals", "betrayal"),
                       ("relaunches", "relaunch"), ("funding_cuts", "funding_cut"),
                       ("partners_recruited", "recruit")):
        assert last[col] == counted.get(event, 0), f"{col} disagrees with the event log"
    assert int(counted.get("dissolved", 0)) == int(world["dissolved"])
    if world["dissolved"]:
        assert last["active_partners"] == 0


@settings(max_examples=45)
@given(params=parameter_sets(), seed=st.integers(0, 2**31))
def test_invariants_hold_over_random_parameter_sets(params, seed):
    check_invariants(simulate(params, seed))


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31))
def test_invariants_hold_for_the_defaults(seed):
    check_invariants(simulate({"n_beneficiaries": 400, "months": 60}, seed))
