"""The Mesa model: same kernels as the fast path, agents as views onto the arrays, the
DataCollector, and ``mesa.batch_run``."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from backbone.simulation import SCORECARD_METRICS, PartnershipModel, simulate
from backbone.simulation.agents import Backbone, Beneficiary, Funder, Partner

PARAMS = {"n_beneficiaries": 300, "months": 30, "turnover_rate": 0.08}


def run_model(seed: int, **params) -> PartnershipModel:
    model = PartnershipModel(rng=seed, **params)
    while model.running:
        model.step()
    return model


@pytest.mark.parametrize("extra", [{}, {"regime": "isolated"}, {"backbone_share": 0.0, "self_orchestration_hours": 8.0}])
def test_mesa_path_equals_fast_path(extra, assert_states_equal):
    params = {**PARAMS, **extra}
    model = run_model(21, **params)
    fast = simulate(params, 21)
    assert model.month == params["months"] and not model.running
    pd.testing.assert_frame_equal(model.monthly, fast.monthly, check_exact=True)
    pd.testing.assert_frame_equal(model.events, fast.events, check_exact=True)
    assert_states_equal(model.result().state, fast.state)
    pd.testing.assert_series_equal(model.result().scorecard(), fast.scorecard(), check_exact=True)


def test_stepping_past_the_horizon_does_nothing():
    model = run_model(2, n_beneficiaries=100, months=5)
    before = model.monthly.copy()
    model.step()
    assert model.month == 5 and not model.running
    pd.testing.assert_frame_equal(model.monthly, before)


def test_agents_are_views_onto_the_arrays():
    model = PartnershipModel(rng=1, n_beneficiaries=50, months=12, n_partners=4, beneficiary_agents=True,
                             partner_names=["City:public", "Bank:private"])
    partners = model.partners
    assert isinstance(partners, mesa.agent.AgentSet) and len(partners) == 4
    by_slot = {p.slot: p for p in partners}
    assert by_slot[0].name == "City" and by_slot[1].sector == "private"
    st = model.state

    st.partners.engagement[2] = 0.123
    st.partners.commitment[2] = 0.456
    assert by_slot[2].engagement == 0.123 and by_slot[2].commitment == 0.456
    st.trust[2, 3] = st.trust[3, 2] = 0.9
    assert by_slot[2].trust[3] == 0.9
    assert by_slot[2].mean_trust == pytest.approx((st.trust[2, 0] + st.trust[2, 1] + 0.9) / 3)
    st.partners.active[3] = False
    assert not by_slot[3].active

    funders = list(model.agents_by_type[Funder])
    assert len(funders) == model.params.n_funders
    st.funders.level[funders[0].index] = 0.5
    assert funders[0].level == 0.5
    assert funders[0].monthly_payment == 0.5 * model.params.funder_budget

    people = list(model.agents_by_type[Beneficiary])
    assert len(people) == 50
    st.beneficiaries.condition[people[7].index] = 0.77
    assert people[7].condition == 0.77
    st.beneficiaries.months_above[people[7].index] = model.params.sustain_months
    assert people[7].sustained

    backbone = list(model.agents_by_type[Backbone])
    assert len(backbone) == 1 and model.backbone is backbone[0]
    model.step()
    assert backbone[0].hours == model.monthly["backbone_hours"].iloc[-1] > 0
    assert backbone[0].effort["identity"] == model.monthly["effort_identity"].iloc[-1]


def test_no_backbone_agent_without_money():
    model = PartnershipModel(rng=1, n_beneficiaries=50, months=3, backbone_share=0.0)
    assert model.backbone is None and Backbone not in model.agents_by_type


def test_recruits_appear_as_partner_agents():
    model = run_model(3, n_beneficiaries=100, months=48, recruit_rate=0.5, max_recruits=2)
    recruited = int(model.monthly["partners_recruited"].iloc[-1])
    assert recruited > 0
    assert len(model.partners) == int(model.state.partners.ever.sum())
    assert sum(p.active for p in model.partners) == model.monthly["active_partners"].iloc[-1]


def test_datacollector_collects_the_scorecard():
    model = PartnershipModel(rng=4, n_beneficiaries=200, months=10)
    for _ in range(10):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == [*SCORECARD_METRICS, "long_term_impact"]
    assert len(frame) == 11 and model.steps == 11          # Step 0 (the initial state) + 10 months
    assert frame.iloc[0].isna().all()                       # nothing measured before the first month
    np.testing.assert_array_equal(frame[list(SCORECARD_METRICS)].iloc[1:].to_numpy(np.float64),
                                  model.monthly[list(SCORECARD_METRICS)].to_numpy(np.float64))
    assert frame["long_term_impact"].iloc[-1] == model.result().summary()["long_term_impact"]
    agents = model.datacollector.get_agenttype_vars_dataframe(Partner)
    assert {"engagement", "commitment", "mean_trust", "active"} <= set(agents.columns)
    assert len(agents) == 11 * model.params.n_partners


BATCH = {"n_beneficiaries": 150, "months": 30, "backbone_share": [0.0, 0.2]}


def batch(parameters, max_steps=12, **kw):
    return mesa.batch_run(PartnershipModel, parameters=parameters, max_steps=max_steps, number_processes=1,
                          data_collection_period=-1, display_progress=False, **kw)


def test_batch_run_returns_scorecard_rows_of_exactly_max_steps_months():
    rows = batch({**BATCH, "rng": [1, 2]}, max_steps=12)
    assert len(rows) == 4
    for row in rows:
        assert set(SCORECARD_METRICS) | {"long_term_impact"} <= set(row)
        assert row["Step"] == 12
        # the same figures as the fast path run for exactly 12 months with that seed
        fast = simulate({"n_beneficiaries": 150, "months": 12, "backbone_share": row["backbone_share"]}, row["rng"])
        for metric in SCORECARD_METRICS:
            assert row[metric] == fast.scorecard()[metric], metric
        assert row["long_term_impact"] == fast.summary()["long_term_impact"]
    assert {(r["backbone_share"], r["rng"]) for r in rows} == {(0.0, 1), (0.0, 2), (0.2, 1), (0.2, 2)}


def test_batch_run_stops_at_the_months_parameter():
    rows = batch({"n_beneficiaries": 150, "months": 5, "rng": 3}, max_steps=12)
    assert [r["Step"] for r in rows] == [5]
    assert rows[0]["impact_share"] == simulate({"n_beneficiaries": 150, "months": 5}, 3).scorecard()["impact_share"]


def test_batch_run_is_reproducible_without_a_seed():
    first, second = batch(BATCH), batch(BATCH)
    key = lambda r: r["backbone_share"]  # noqa: E731
    assert sorted(first, key=key) == sorted(second, key=key)
    model = PartnershipModel(n_beneficiaries=150, months=12)
    assert model.seed_value == PartnershipModel(n_beneficiaries=150, months=12).seed_value
    assert model.seed_value != PartnershipModel(n_beneficiaries=150, months=12, backbone_share=0.2).seed_value


def test_beneficiary_views_only_when_asked():
    assert Beneficiary not in PartnershipModel(rng=1, n_beneficiaries=80, months=2).agents_by_type
    assert len(PartnershipModel(rng=1, n_beneficiaries=80, months=2, beneficiary_agents=True)
               .agents_by_type[Beneficiary]) == 80
    assert len(PartnershipModel(rng=1, n_beneficiaries=80, months=2, beneficiary_agents=30)
               .agents_by_type[Beneficiary]) == 30


def test_importing_the_mesa_model_keeps_the_start_method():
    import subprocess
    import sys

    code = ("import multiprocessing as mp\n"
            "before = mp.get_start_method(allow_none=True)\n"
            "from backbone.simulation import PartnershipModel\n"
            "import mesa\n"
            "print(before, mp.get_start_method(allow_none=True))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == out[1] == "None"
