"""The reference implementation (plain Python) against the fast path (numba): the same
rules and the same random numbers must give the same run, to 1e-9."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbone import simulation
from backbone.simulation import METRICS, Params, simulate
from backbone.simulation.reference import Partnership, simulate_reference

from conftest import parameter_sets

TOL = 1e-9

# Small scenarios that between them take every branch of the kernels: both regimes,
# with and without a backbone, shared orchestration, ablations, high turnover with
# exits and recruits, dissolution, funder cuts and exits, the extremes of the
# problem's structure.
SCENARIOS = {
    "pooled": dict(n_beneficiaries=400, months=48),
    "isolated": dict(n_beneficiaries=400, months=48, regime="isolated", isolated_attribution=2.0),
    "no_backbone": dict(n_beneficiaries=300, months=36, backbone_share=0.0),
    "self_orchestration": dict(n_beneficiaries=300, months=36, backbone_share=0.0, self_orchestration_hours=12.0),
    "principles_off": dict(n_beneficiaries=300, months=36, **{f"use_{q}": False for q in simulation.PRINCIPLES}),
    "some_off": dict(n_beneficiaries=300, months=36, use_alignment=False, use_coordination=False,
                     use_measurement=False, effort_identity=0.3),
    "high_turnover": dict(n_beneficiaries=250, months=60, n_partners=5, max_recruits=3, turnover_rate=0.2,
                          recruit_rate=0.3, exit_threshold=0.5, exit_patience=2, betrayal_rate=0.3),
    "isolated_no_backbone": dict(n_beneficiaries=200, months=40, regime="isolated", backbone_share=0.0,
                                 n_funders=1),
    "impatient_funders": dict(n_beneficiaries=300, months=60, expected_cost_per_outcome=0.5, funder_patience=12,
                              review_cycle=6, funder_cut=0.5, funder_exit_level=0.4),
    "dissolving": dict(n_beneficiaries=200, months=30, n_partners=2, max_recruits=0, exit_threshold=0.9,
                       exit_patience=1),
    "one_dimension": dict(n_beneficiaries=200, months=30, n_dimensions=1, complexity=1, integration=1.0),
    "complex": dict(n_beneficiaries=500, months=24, n_dimensions=6, complexity=6, need_drift=0.2,
                    beneficiary_turnover=0.1, integration=0.0),
    "big_team": dict(n_beneficiaries=200, months=24, n_partners=20, max_links=5, n_funders=5),
    "medium": dict(n_beneficiaries=2000, months=60),
    "redesign": dict(n_beneficiaries=300, months=72, stagnation_months=3, stagnation_threshold=0.5,
                     phase_min_months=2, phase_initiation_months=6, shock_cut_share=0.1,
                     expected_cost_per_outcome=0.5, funder_patience=12, review_cycle=6, funder_cut=0.5,
                     funder_exit_level=0.0, natural_gain=0.2, benefit_duration=5, discount_rate=0.1),
    "price_rule": dict(n_beneficiaries=300, months=60, review_rule="price", expected_cost_per_outcome=0.5,
                       funder_patience=12, review_cycle=6, funder_cut=0.5, funder_exit_level=0.4, grant_term=24),
    "expectation_cuts": dict(n_beneficiaries=300, months=72, expected_cost_per_outcome=0.3, funder_patience=12,
                             review_cycle=6, funder_cut=0.8, funder_exit_level=0.5, grant_term=18,
                             renewal_rate_poor=0.0),
    "backbone_budget": dict(n_beneficiaries=300, months=48, backbone_share=0.05, backbone_budget=12.0,
                            funder_budget=20.0),
    "isolated_quorum": dict(n_beneficiaries=200, months=48, regime="isolated", backbone_share=0.0, n_partners=3,
                            max_recruits=0, home_shift_rate=0.2, exit_threshold=0.9, exit_patience=2),
    "isolated_grant_seeking": dict(n_beneficiaries=300, months=36, regime="isolated", backbone_share=0.0,
                                   grant_seeking_share=0.5, init_commitment=0.9, funder_budget=5.0),
}


def assert_runs_agree(fast, ref):
    """Monthly frames and events to TOL (relative to the size of a figure, floor 1)."""
    assert list(ref.monthly.columns) == list(METRICS)
    assert ref.monthly.shape == fast.monthly.shape
    a, b = fast.monthly.to_numpy(np.float64), ref.monthly.to_numpy(np.float64)
    bad = ~np.isclose(a, b, rtol=TOL, atol=TOL)
    if bad.any():
        month, col = np.argwhere(bad)[0]
        pytest.fail(f"{METRICS[col]} differs first in month {month + 1}: fast {a[month, col]!r}, "
                    f"reference {b[month, col]!r}")
    assert list(ref.events.columns) == list(fast.events.columns)
    assert len(ref.events) == len(fast.events), "event logs differ in length"
    for col in ("month", "event", "a", "b"):
        pd.testing.assert_series_equal(ref.events[col], fast.events[col], check_dtype=False)
    for col in ("v1", "v2"):
        np.testing.assert_allclose(ref.events[col], fast.events[col], rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_reference_equals_fast_path(name, assert_states_equal):
    params = Params(SCENARIOS[name])
    for seed in (1, 7):
        fast, ref = simulate(params, seed), simulate_reference(params, seed)
        assert_runs_agree(fast, ref)
        assert_states_equal(fast.state, ref.state, rtol=TOL, atol=TOL)
        assert ref.seed == seed and ref.params == params


@settings(max_examples=25)
@given(params=parameter_sets(), seed=st.integers(0, 2**31))
def test_reference_equals_fast_path_over_random_parameter_sets(params, seed):
    assert_runs_agree(simulate(params, seed), simulate_reference(params, seed))


def test_scenarios_exercise_the_branches():
    """The scenarios above are only worth something if the events they exist for happen."""
    seen = set()
    for name, over in SCENARIOS.items():
        for seed in (1, 7):
            seen |= set(simulate(over, seed).events["event"])
    assert {"turnover", "exit", "recruit", "relaunch", "betrayal", "funding_cut", "funding_grow",
            "funder_exit", "persuaded", "phase", "dissolved"} <= seen
    redesign = simulate(SCENARIOS["redesign"], 1)
    assert redesign.monthly["redesigns"].iloc[-1] > 1
    assert (redesign.monthly["phase"] == 3).any() or (redesign.monthly["phase"] == 1).any()


def test_result_api_works_on_the_reference(small):
    ref = simulate_reference(small, seed=3)
    assert ref.scorecard().index.tolist() == list(simulation.SCORECARD_METRICS)
    summary = ref.summary()
    assert summary["long_term_impact"] == pytest.approx(ref.monthly["impact_share"].iloc[-12:].mean())
    assert ref.monthly["month"].tolist() == list(range(1, small["months"] + 1))


def test_reference_steps_month_by_month_like_the_fast_path(small):
    """``Partnership.step`` is one month: rows equal the fast path's rows one at a time."""
    run = Partnership(Params(small), seed=5)
    fast = simulate(small, seed=5).monthly.to_numpy(np.float64)
    for month in range(small["months"]):
        np.testing.assert_allclose(run.step(), fast[month], rtol=TOL, atol=TOL)
    assert run.w.month == small["months"]


def test_reference_uses_neither_numba_nor_the_kernels():
    """The oracle must be independent of what it checks: no numba, no kernel code (only
    the list of column names from the measurement module), in any of its modules."""
    files = sorted(Path(simulation.reference.__file__).parent.glob("*.py"))
    assert len(files) > 10  # one module per process, mirroring kernels/
    for file in files:
        tree = ast.parse(file.read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(("." * node.level) + (node.module or ""))
                if node.module and node.module.endswith("kernels.measurement"):
                    assert [alias.name for alias in node.names] == ["METRICS"], file
        assert not any("numba" in name for name in imported), file
        assert not any("kernels" in name and not name.endswith("kernels.measurement") for name in imported), file
        assert not any(name.endswith(("engine", "model")) for name in imported), file
