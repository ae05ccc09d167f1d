"""The rule constants that moved from the kernels into the schema (issue 23, item 5) act
where ODD says, with the value set: planted values, known answers from the run's own
rows and events. Machinery only, no model figures."""

from __future__ import annotations

import numpy as np
import pytest

from backbone.simulation import simulate

BASE = {"n_beneficiaries": 200}


@pytest.mark.parametrize("share", [0.25, 1.0])
def test_a_vacant_leader_post_scales_the_backbone_s_hours_by_vacancy_effectiveness(share):
    """ODD 7.4: H = backbone_hours x leadership x (vacancy_effectiveness while the post is
    empty). A leader who leaves in month 1 (a successor as good: leadership_sd 0) and a
    vacancy longer than the run; with equal weights E_alignment = 1 - exp(-H / 6 /
    effort_scale_hours), so H can be read back from each month's row."""
    p = {**BASE, "months": 6, "leadership_sd": 0.0, "leader_vacancy": 12, "leader_exit_rate": 1.0,
         "vacancy_effectiveness": share}
    rows = simulate(p, 4).monthly
    hours = -np.log1p(-rows.effort_alignment.to_numpy()) * 6 * 100.0
    np.testing.assert_allclose(hours, rows.backbone_hours.to_numpy() * share, rtol=1e-9)


@pytest.mark.parametrize("level", [0.6, 1.7])
def test_a_funder_who_fills_a_vacant_place_starts_at_funder_join_level(level):
    """ODD 7.2a: funders leave often and every vacant place is filled the next month;
    before the first review (funder_patience 24) nothing else moves a level, so each
    joined funder is at funder_join_level and each launch funder at 1."""
    p = {**BASE, "months": 20, "funder_shift_rate": 0.2, "funder_recruit_rate": 1.0}
    joined = 0
    for seed in range(3):
        res = simulate({**p, "funder_join_level": level}, seed)
        fu = res.state.funders
        for f in range(fu.level.shape[0]):
            if fu.active[f]:
                assert fu.level[f] == (level if fu.term_start[f] > 0 else 1.0)
                joined += fu.term_start[f] > 0
    assert joined > 0


@pytest.mark.parametrize("gain", [0.0, 1.0, 3.0])
def test_a_good_review_grows_a_funder_by_funder_grow_times_one_plus_gain_times_momentum(gain):
    """ODD 7.1: every review finds the results within expectation (a very high expected
    cost per outcome), so every review grows the level by funder_grow x (1 +
    funder_grow_gain x E_momentum), E_momentum as the month before's practices left it."""
    p = {**BASE, "months": 60, "expected_cost_per_outcome": 1e7, "funder_max_level": 10.0,
         "funder_shift_rate": 0.0, "renewal_rate": 1.0, "funder_grow_gain": gain}
    res = simulate(p, 1)
    grows = res.events[res.events.event == "funding_grow"]
    assert len(grows) >= 3 * 3
    effort = res.monthly.set_index("month").effort_momentum
    for _, e in grows.iterrows():
        momentum = effort.loc[e.month - 1]  # the review in month m (1-based) uses month m - 1's effort
        assert e.v2 / e.v1 == pytest.approx(1.0 + 0.05 * (1.0 + gain * momentum), rel=1e-12)
