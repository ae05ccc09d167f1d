"""Shared settings and helpers for the test suite.

- Hypothesis runs derandomized (the same examples every time), without deadlines (the
  first call in a process may load the numba cache), so the suite is deterministic.
- ``SMALL``: a small partnership (few beneficiaries, few months) for fast tests.
- ``parameter_sets()``: a hypothesis strategy of small partnerships anywhere in a wide
  slice of the parameter space (for the invariants and the reference).
- ``state_arrays`` flattens a ``simulation.State`` into named arrays, and the
  ``assert_states_equal`` fixture compares two states exactly or to a tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st

from backbone.simulation import PRINCIPLES, REGIMES, Params

settings.register_profile("backbone", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("backbone")

SMALL = {"n_beneficiaries": 300, "months": 36}


@st.composite
def parameter_sets(draw) -> Params:
    """Small partnerships anywhere in a wide slice of the parameter space."""
    unit = st.floats(0.0, 1.0)
    K = draw(st.integers(1, 5))
    over = {
        "n_beneficiaries": draw(st.integers(10, 250)),
        "months": draw(st.integers(1, 36)),
        "n_partners": draw(st.integers(2, 10)),
        "max_recruits": draw(st.integers(0, 4)),
        "n_funders": draw(st.integers(1, 4)),
        "n_dimensions": K,
        "complexity": draw(st.integers(1, K)),
        "regime": draw(st.sampled_from(REGIMES)),
        "backbone_share": draw(st.floats(0.0, 0.9)),
        "self_orchestration_hours": draw(st.sampled_from([0.0, 5.0, 40.0, 500.0])),
        "integration": draw(unit),
        "turnover_rate": draw(st.floats(0.0, 0.5)),
        "interpersonal_weight": draw(st.floats(0.05, 1.0)),
        "org_trust_rate": draw(unit),
        "exit_threshold": draw(unit),
        "exit_patience": draw(st.integers(1, 12)),
        "recruit_rate": draw(unit),
        "betrayal_rate": draw(unit),
        "funder_patience": draw(st.integers(1, 36)),
        "review_cycle": draw(st.integers(1, 12)),
        "expected_cost_per_outcome": draw(st.floats(0.0, 100.0)),
        "funder_cut": draw(unit),
        "funder_budget": draw(st.sampled_from([0.0, 1.0, 100.0, 1e5])),
        "isolated_attribution": draw(st.floats(0.0, 5.0)),
        "relaunch_threshold": draw(st.floats(0.01, 1.0)),
        "funder_agenda_power": draw(unit),
        "beneficiary_involvement": draw(unit),
        "link_hours": draw(st.floats(0.0, 100.0)),
        "need_drift": draw(st.floats(0.0, 0.3)),
        "beneficiary_turnover": draw(st.floats(0.0, 0.3)),
        "measurement_noise": draw(st.floats(0.0, 3.0)),
        "trust_weight": draw(st.floats(0.0, 5.0)),
        "capacity_sd": draw(st.floats(0.0, 2.0)),
        "fit_sd": draw(st.floats(0.0, 2.0)),
        "leadership_sd": draw(st.floats(0.0, 2.0)),
        "difficulty_sd": draw(st.floats(0.0, 2.0)),
        "funder_stance_sd": draw(st.floats(0.0, 2.0)),
        "sector_distance": draw(unit),
        "interaction_noise": draw(st.floats(0.0, 2.0)),
        "grant_term": draw(st.integers(1, 36)),
        "renewal_rate": draw(unit),
        "renewal_rate_poor": draw(unit),
        "funder_shift_rate": draw(st.floats(0.0, 0.2)),
        "funder_recruit_rate": draw(st.floats(0.0, 0.5)),
        "home_shift_rate": draw(st.floats(0.0, 0.2)),
        "leader_exit_rate": draw(st.floats(0.0, 0.3)),
        "leader_vacancy": draw(st.integers(0, 12)),
        "policy_shock_rate": draw(st.floats(0.0, 0.3)),
        "natural_gain": draw(st.floats(0.0, 0.3)),
        "grant_seeking_share": draw(st.floats(0.0, 0.9)),
        "meeting_hours": draw(st.floats(0.0, 20.0)),
        "reporting_share": draw(st.floats(0.0, 0.5)),
        "phase_min_months": draw(st.integers(1, 12)),
        "phase_initiation_months": draw(st.integers(1, 24)),
        "stagnation_months": draw(st.integers(1, 24)),
        "stagnation_threshold": draw(st.floats(-0.1, 0.5)),
        "shock_cut_share": draw(unit),
        "redesign_rate": draw(unit),
        "redesign_hours": draw(st.floats(0.0, 50.0)),
        "discount_rate": draw(st.floats(0.0, 0.5)),
        "benefit_duration": draw(st.integers(0, 10)),
        "benefit_dropoff": draw(unit),
        "min_partners": draw(st.integers(2, 5)),
        "progress_smoothing": draw(unit),
        "grant_interest_weight": draw(unit),
        "grant_interest_cap": draw(st.floats(1.0, 10.0)),
        "knowledge_productivity": draw(unit),
        "funder_common_interest": draw(unit),
        "condition_spread": draw(unit),
        "engagement_spread": draw(unit),
    }
    for q in PRINCIPLES:
        over[f"use_{q}"] = draw(st.booleans())
    return Params(over)


def state_arrays(state) -> dict[str, np.ndarray]:
    """Every array of a State by a dotted name; the world record as one array per field."""
    out: dict[str, np.ndarray] = {"trust": state.trust, "fit": state.fit}
    for group in ("partners", "funders", "beneficiaries", "needs", "events"):
        part = getattr(state, group)
        for name in part._fields:
            out[f"{group}.{name}"] = getattr(part, name)
    world = state.world[0]
    for name in state.world.dtype.names:
        out[f"world.{name}"] = np.asarray(world[name])
    return out


def _assert_states_equal(a, b, rtol: float = 0.0, atol: float = 0.0) -> None:
    left, right = state_arrays(a), state_arrays(b)
    assert left.keys() == right.keys()
    for name in left:
        x, y = left[name], right[name]
        assert x.shape == y.shape, f"{name}: shapes {x.shape} != {y.shape}"
        if rtol == 0.0 and atol == 0.0:
            assert np.array_equal(x, y), f"state array {name} differs"
        else:
            np.testing.assert_allclose(x.astype(np.float64), y.astype(np.float64), rtol=rtol, atol=atol,
                                       err_msg=f"state array {name} differs")


@pytest.fixture
def assert_states_equal():
    """``assert_states_equal(a, b, rtol=0, atol=0)``: every array of two States agrees."""
    return _assert_states_equal


@pytest.fixture
def small() -> dict:
    return dict(SMALL)


@pytest.fixture(autouse=True)
def _close_figures():
    """Judges and reports draw matplotlib figures that the tests do not keep: close them
    after each test, so a session never piles up open figures."""
    yield
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
