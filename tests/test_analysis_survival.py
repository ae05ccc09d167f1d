"""Kaplan-Meier on a hand-computed example; when a partnership falters."""

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.survival import falter_times, kaplan_meier, logrank_p, survival_at


def test_kaplan_meier_matches_a_hand_computed_example():
    # times 1, 2, 2, 3, 4+, 5 (4 censored): S(1) = 5/6, S(2) = 5/6 * 3/5 = 1/2,
    # S(3) = 1/2 * 2/3 = 1/3, S(4) = 1/3 (censoring is no event), S(5) = 1/3 * 0/1 = 0.
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 1, 1, 0, 1]).set_index("time")
    assert km.loc[0, "survival"] == 1.0
    assert km.loc[1, "survival"] == pytest.approx(5 / 6)
    assert km.loc[2, "survival"] == pytest.approx(1 / 2)
    assert km.loc[3, "survival"] == pytest.approx(1 / 3)
    assert km.loc[5, "survival"] == pytest.approx(0.0)
    assert km.loc[2, "at_risk"] == 5 and km.loc[2, "events"] == 2
    assert (km.lo <= km.survival + 1e-12).all() and (km.survival <= km.hi + 1e-12).all()
    assert survival_at([1, 2, 2, 3, 4, 5], [1, 1, 1, 1, 0, 1], 3.5).value == pytest.approx(1 / 3)


def test_no_events_means_full_survival():
    km = kaplan_meier([120, 120, 120], [0, 0, 0])
    assert list(km.survival) == [1.0]
    assert survival_at([120, 120], [0, 0], 120).value == 1.0


def test_logrank_separates_different_groups():
    assert logrank_p([5, 6, 7, 8, 9, 10] * 3, [1] * 18, [100] * 18, [0] * 18) < 0.001
    assert np.isnan(logrank_p([10], [0], [10], [0]))


def monthly(rep, months=24, **at):
    """A healthy run, with the given columns changed from a month on: at = {col: (month, value)}."""
    df = pd.DataFrame({"replication": rep, "month": np.arange(1, months + 1), "active_partners": 8,
                       "active_funders": 3, "mean_engagement": 0.6, "funder_level": 1.0})
    for col, (m, v) in at.items():
        df.loc[df.month >= m, col] = v
    return df


def test_falter_times_find_the_first_sign_and_censor_the_rest():
    d = pd.concat([monthly(0), monthly(1, active_partners=(10, 3)), monthly(2, mean_engagement=(7, 0.2)),
                   monthly(3, funder_level=(12, 0.4), active_funders=(15, 0)), monthly(4, active_partners=(5, 1))])
    t = falter_times(d, launch_size=8, init_engagement=0.6).set_index("replication")
    assert (t.loc[0, "time"], t.loc[0, "event"]) == (24, 0)
    assert (t.loc[1, "time"], t.loc[1, "cause"]) == (10, "partners")
    assert (t.loc[2, "time"], t.loc[2, "cause"]) == (7, "engagement")
    assert (t.loc[3, "time"], t.loc[3, "cause"]) == (12, "funding")
    assert (t.loc[4, "time"], t.loc[4, "cause"]) == (5, "dissolved")
