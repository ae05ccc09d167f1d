"""The fast path: reproducibility, independence of runs, named random streams, and the
baseline figures (tests/baseline.json)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backbone.simulation import STREAM_NAMES, Params, PartnershipModel, make_streams, simulate
from backbone.simulation.streams import check_seed

BASELINE = Path(__file__).with_name("baseline.json")
REFRESH = "run `.venv/bin/python tests/refresh_baseline.py` if the model changed on purpose"


def test_same_seed_same_result_bit_for_bit(small, assert_states_equal):
    params = Params(small, turnover_rate=0.08)
    a, b = simulate(params, 11), simulate(params, 11)
    pd.testing.assert_frame_equal(a.monthly, b.monthly, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    assert_states_equal(a.state, b.state)
    assert len(a.events) > 0


def test_different_seeds_differ(small):
    runs = [simulate(small, seed) for seed in (1, 2, 3)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not runs[i].monthly.equals(runs[j].monthly)
            assert not np.array_equal(runs[i].state.beneficiaries.condition, runs[j].state.beneficiaries.condition)


def test_params_as_dict_or_params_and_seed_checked(small):
    a, b = simulate(small, 4), simulate(Params(small), 4)
    assert a.monthly.equals(b.monthly)
    assert len(simulate({**small, "months": 1}, 4).monthly) == 1
    for bad in (-1, 1.5, "1", True, 2**63):
        with pytest.raises(ValueError, match="seed"):
            check_seed(bad)


def test_two_models_stepped_in_turn_equal_the_same_run_apart():
    """Each model owns its random state: interleaving their steps changes nothing."""
    pa = {"n_beneficiaries": 200, "months": 24, "backbone_share": 0.2}
    pb = {"n_beneficiaries": 250, "months": 24, "backbone_share": 0.0, "regime": "isolated"}
    ma, mb = PartnershipModel(rng=3, **pa), PartnershipModel(rng=3, **pb)
    for _ in range(24):
        ma.step()
        simulate(pa, 3)  # a whole run in between must not disturb either model
        mb.step()
    apart_a, apart_b = PartnershipModel(rng=3, **pa), PartnershipModel(rng=3, **pb)
    for _ in range(24):
        apart_a.step()
    for _ in range(24):
        apart_b.step()
    pd.testing.assert_frame_equal(ma.monthly, apart_a.monthly, check_exact=True)
    pd.testing.assert_frame_equal(mb.monthly, apart_b.monthly, check_exact=True)
    pd.testing.assert_frame_equal(ma.events, apart_a.events, check_exact=True)
    assert not ma.monthly.equals(mb.monthly)


def test_streams_are_named_independent_and_reproducible():
    a, b = make_streams(5), make_streams(5)
    assert a._fields == STREAM_NAMES
    draws = {name: getattr(a, name).random(8) for name in STREAM_NAMES}
    for name in STREAM_NAMES:
        assert np.array_equal(draws[name], getattr(b, name).random(8))
    firsts = [tuple(v) for v in draws.values()]
    assert len(set(firsts)) == len(STREAM_NAMES), "two processes share a stream"
    assert not np.array_equal(make_streams(6).turnover.random(8), draws["turnover"])


def _turnover_slots(res, before_month=None):
    ev = res.events[res.events["event"] == "turnover"]
    if before_month is not None:
        ev = ev[ev["month"] < before_month]
    return list(zip(ev["month"], ev["a"]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_backbone_share_does_not_change_who_turns_over_when(seed):
    """Pinned membership (no exits, no recruits): the same representatives leave in the
    same months whatever the backbone share, over the whole run."""
    base = {"n_beneficiaries": 200, "months": 60, "turnover_rate": 0.1, "exit_threshold": 0.0,
            "recruit_rate": 0.0, "recruit_gain": 0.0, "home_shift_rate": 0.0, "funder_shift_rate": 0.0,
            "grant_term": 600, "funder_cut": 0.0}  # funders pinned too: no cut ends the run early
    runs = [simulate({**base, "backbone_share": s}, seed) for s in (0.0, 0.1, 0.3)]
    reference = _turnover_slots(runs[0])
    assert len(reference) > 5
    for run in runs[1:]:
        assert _turnover_slots(run) == reference
    # ... although the arms differ in what the turnover did to them.
    assert not runs[0].monthly["mean_trust"].equals(runs[2].monthly["mean_trust"])


@pytest.mark.parametrize("seed", [4, 5])
def test_turnover_is_common_until_membership_differs(seed):
    """With the default membership rules, who turns over when is the same in both arms
    up to the first month in which either arm's membership changed (exit, recruit,
    dissolution): until then the same slots draw the same uniforms."""
    base = {"n_beneficiaries": 200, "months": 60, "turnover_rate": 0.1}
    runs = [simulate({**base, "backbone_share": s}, seed) for s in (0.0, 0.2)]
    changes = [r.events[r.events["event"].isin(["exit", "recruit", "dissolved"])]["month"] for r in runs]
    first_change = min([int(c.min()) for c in changes if len(c)] + [base["months"] + 1])
    common = _turnover_slots(runs[0], first_change)
    assert len(common) > 0
    assert common == _turnover_slots(runs[1], first_change)


def test_backbone_share_does_not_change_needs_or_initial_state():
    """Need drift and cohort renewal draw from their own stream a fixed count a month:
    beneficiaries' needs are identical across arms, so is everything drawn at launch."""
    base = {"n_beneficiaries": 300, "months": 36}
    a, b = simulate({**base, "backbone_share": 0.0}, 9), simulate({**base, "backbone_share": 0.25}, 9)
    assert np.array_equal(a.state.beneficiaries.needs, b.state.beneficiaries.needs)
    assert np.array_equal(a.state.needs.true_profile, b.state.needs.true_profile)
    assert np.array_equal(a.state.needs.need_count, b.state.needs.need_count)
    n0 = a.params.n_partners  # launch partners (recruits differ between the arms)
    assert np.array_equal(a.state.partners.competence[:n0], b.state.partners.competence[:n0])
    assert not np.array_equal(a.state.beneficiaries.condition, b.state.beneficiaries.condition)


def baseline_figures(scenario: dict, seed: int) -> dict[str, float]:
    """The figures the baseline file records for one run (also used by the refresh
    script, so the two can never disagree on what is compared)."""
    res = simulate(scenario, seed)
    out = {k: float(v) for k, v in res.scorecard().items()}
    for col in ("turnovers", "exits", "betrayals", "relaunches", "funding_cuts", "phase"):
        out[col] = float(res.monthly[col].iloc[-1])
    out["events"] = float(len(res.events))
    return out


def test_baseline_figures_unchanged():
    """The scorecard at the horizon for a few scenarios and seeds, as recorded in
    tests/baseline.json. A failure means the model's output changed."""
    assert BASELINE.exists(), f"tests/baseline.json is missing: {REFRESH}"
    data = json.loads(BASELINE.read_text())
    assert data["runs"], "the baseline file records no runs"
    problems = []
    for run in data["runs"]:
        got = baseline_figures(run["params"], run["seed"])
        for metric, expected in run["figures"].items():
            value = got.get(metric)
            if value is None or not np.isclose(value, expected, rtol=1e-7, atol=1e-9):
                problems.append(f"{run['name']} seed {run['seed']}: {metric} = {value!r}, baseline {expected!r}")
    assert not problems, f"model output differs from tests/baseline.json ({REFRESH}):\n" + "\n".join(problems[:10])
