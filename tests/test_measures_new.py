"""The measures added for the wider pattern set (issue 22): conditional event shares,
rates by sector and per year alive, events followed by events, drops at events, shares
without an outcome, odds ratios and the first month a ratio to the counterfactual lasts.

Each is checked on a hand-built run with planted events and a known answer, and the
rebuilt membership on real runs against the model's own count of active partners.
Nothing here judges the model."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.measures import MEASURES, check_arguments, evaluate, member_months
from backbone.analysis.validation import estimate
from backbone.simulation import Params, simulate
from backbone.simulation.result import Result


def fake_run(monthly: dict, events=(), sector=(0, 1, 2, 3), n_partners=4) -> Result:
    m = pd.DataFrame(monthly)
    ev = pd.DataFrame(list(events), columns=["month", "event", "a", "b", "v1", "v2"])
    state = SimpleNamespace(partners=SimpleNamespace(sector=np.asarray(sector, dtype=np.int64)))
    return Result(params=Params(months=len(m), n_partners=n_partners), seed=0, monthly=m, events=ev, state=state)


MONTHS = list(range(1, 13))


# ---------------------------------------------------------------- event_between
def test_event_between_is_conditional_on_being_at_risk():
    late = fake_run({"month": MONTHS}, [(8, "dissolved", -1, -1, 2, 1)])
    early = fake_run({"month": MONTHS}, [(3, "dissolved", -1, -1, 2, 1)])
    never = fake_run({"month": MONTHS})
    args = {"event": "dissolved", "months": (5, 10)}
    assert evaluate("event_between", late, args) == 1.0
    assert evaluate("event_between", never, args) == 0.0
    assert math.isnan(evaluate("event_between", early, args))          # not at risk at month 5
    assert math.isnan(evaluate("event_between", late, {**args, "months": (9, 12)}))  # it happened in month 8
    assert evaluate("event_between", late, {**args, "months": (8, 8)}) == 1.0
    assert evaluate("event_between", late, {**args, "months": (5, 7)}) == 0.0


def test_event_between_over_runs_is_the_share_among_runs_at_risk():
    runs = [fake_run({"month": MONTHS}, [(m, "dissolved", -1, -1, 0, 0)] if m else []) for m in (2, 3, 6, 7, 0, 0)]
    vals = np.array([evaluate("event_between", r, {"event": "dissolved", "months": (5, 12)}) for r in runs])
    n, share, lo, hi = estimate(vals, "share")
    assert (n, share) == (4, 0.5)                 # 2 of the 4 runs alive at month 5 ended in 5..12
    assert lo < 0.5 < hi


# ---------------------------------------------------------------- count_by: sector and year_alive
def test_count_by_sector_counts_that_sectors_events_over_its_partner_years():
    # four launch partners, sectors public, private, nonprofit, academia; a public recruit
    # (slot 4) in month 7; the private partner exits in month 4 (a member at the end of
    # months 1..3); the nonprofit one leaves by a home shift in month 10 (months 1..9); a
    # home shift in month 5 that it survives (v2 = 0) changes nothing.
    ev = [(2, "turnover", 0, -1, 0.5, 0.4), (5, "turnover", 0, -1, 0.5, 0.4), (4, "exit", 1, -1, 0.1, 0.0),
          (5, "home_shift", 2, -1, 0.3, 0.0), (7, "recruit", 4, -1, 0, 0), (9, "turnover", 4, -1, 0.5, 0.4),
          (10, "home_shift", 2, -1, 0.3, 1.0), (11, "turnover", 3, -1, 0.5, 0.4)]
    active = [4, 4, 4, 3, 3, 3, 4, 4, 4, 3, 3, 3]
    run = fake_run({"month": MONTHS, "active_partners": active}, ev, sector=(0, 1, 2, 3, 0, 1), n_partners=4)
    per_slot = member_months(run, 12)
    assert per_slot.tolist() == [12, 3, 9, 12, 6, 0]
    assert per_slot.sum() == sum(active)
    base = {"event": "turnover", "month": 12, "per": "partner_year"}
    # public: 3 turnovers (slot 0 twice, slot 4 once) over (12 + 6) / 12 = 1.5 partner-years
    assert evaluate("count_by", run, {**base, "sector": "public"}) == pytest.approx(3 / 1.5)
    assert evaluate("count_by", run, {**base, "sector": "academia"}) == pytest.approx(1 / 1.0)
    assert evaluate("count_by", run, {**base, "sector": "private"}) == 0.0
    assert evaluate("count_by", run, {**base, "sector": "public", "per": "run"}) == 3.0
    assert evaluate("count_by", run, {**base, "sector": "public", "month": 6}) == pytest.approx(2 / 0.5)
    # all sectors: the monthly count of active partners (4 turnovers over 42 partner-months)
    assert evaluate("count_by", run, {**base, "sector": "all"}) == pytest.approx(4 / (42 / 12))


def test_dissolution_ends_every_membership():
    run = fake_run({"month": MONTHS}, [(6, "dissolved", -1, -1, 2, 1)], sector=(0, 1, 2, 3))
    assert member_months(run, 12).tolist() == [5, 5, 5, 5]
    assert member_months(run, 4).tolist() == [4, 4, 4, 4]


def test_count_by_per_year_alive_stops_at_dissolution():
    ev = [(3, "leader_exit", -1, -1, 0.5, 0.6), (5, "leader_exit", -1, -1, 0.6, 0.4), (6, "dissolved", -1, -1, 2, 0)]
    run = fake_run({"month": MONTHS}, ev)
    assert evaluate("count_by", run, {"event": "leader_exit", "month": 12, "per": "year_alive"}) == pytest.approx(2 / 0.5)
    assert evaluate("count_by", run, {"event": "leader_exit", "month": 4, "per": "year_alive"}) == pytest.approx(1 / (4 / 12))
    alive = fake_run({"month": MONTHS}, ev[:2])
    assert evaluate("count_by", alive, {"event": "leader_exit", "month": 12, "per": "year_alive"}) == pytest.approx(2.0)


def test_a_sector_only_goes_with_partner_events_and_partner_exposure():
    assert check_arguments("count_by", {"event": "turnover", "per": "partner_year", "sector": "public"}) is None
    assert "partner events" in check_arguments("count_by", {"event": "leader_exit", "per": "run", "sector": "public"})
    assert "funder_year" in check_arguments("count_by", {"event": "exit", "per": "funder_year", "sector": "public"})
    run = fake_run({"month": MONTHS})
    with pytest.raises(ValueError, match="count_by: sector"):
        evaluate("count_by", run, {"event": "funding_cut", "month": 12, "per": "run", "sector": "public"})


def test_membership_rebuilt_from_events_matches_the_models_count_of_active_partners():
    for scenario, seed in (("baseline", 1), ("high_turnover", 2)):
        from backbone.simulation.scenarios import resolve_scenario

        p = resolve_scenario(scenario, {"n_beneficiaries": 200, "months": 72})[0]
        res = simulate(p, seed)
        for m in (24, 72):
            assert member_months(res, m).sum() == res.series("active_partners")[:m].sum()
        total = evaluate("count_by", res, {"event": "turnover", "month": 72, "per": "run"})
        by_sector = sum(evaluate("count_by", res, {"event": "turnover", "month": 72, "per": "run", "sector": s})
                        for s in ("public", "private", "nonprofit", "academia"))
        assert by_sector == total


# ---------------------------------------------------------------- event_followed_by and event_drop
def test_event_followed_by_same_actor_within_the_window():
    ev = [(1, "turnover", 0, -1, 0, 0), (2, "turnover", 1, -1, 0, 0), (3, "turnover", 2, -1, 0, 0),
          (9, "turnover", 3, -1, 0, 0),                              # too late to be followed 4 months
          (4, "exit", 0, -1, 0, 0),                                  # slot 0: 3 months after its turnover
          (7, "exit", 1, -1, 0, 0),                                  # slot 1: 5 months after, outside
          (3, "exit", 3, -1, 0, 0)]                                  # slot 3: before its turnover
    run = fake_run({"month": MONTHS}, ev)
    args = {"event": "turnover", "then": "exit", "within": 4}
    assert evaluate("event_followed_by", run, args) == pytest.approx(1 / 3)
    assert evaluate("event_followed_by", run, {**args, "within": 5}) == pytest.approx(2 / 3)
    assert math.isnan(evaluate("event_followed_by", fake_run({"month": MONTHS}), args))


def test_event_drop_relative_and_absolute():
    ev = [(1, "turnover", 0, -1, 0.5, 0.4), (2, "turnover", 1, -1, 0.8, 0.6), (3, "turnover", 2, -1, 0.0, 0.1),
          (4, "betrayal", 2, -1, 0.9, 0.1)]
    run = fake_run({"month": MONTHS}, ev)
    assert evaluate("event_drop", run, {"event": "turnover", "scale": "relative"}) == pytest.approx((0.2 + 0.25) / 2)
    assert evaluate("event_drop", run, {"event": "turnover", "scale": "absolute"}) == pytest.approx((0.1 + 0.2 - 0.1) / 3)
    assert math.isnan(evaluate("event_drop", run, {"event": "exit", "scale": "relative"}))


# ---------------------------------------------------------------- shares, odds and lasting ratios
ARM = fake_run({"month": [1, 2, 3, 4, 5, 6], "impact_share": [0.0, 0.02, 0.10, 0.20, 0.24, 0.30]})
CF = fake_run({"month": [1, 2, 3, 4, 5, 6], "impact_share": [0.0, 0.01, 0.10, 0.10, 0.20, 0.20]})


def test_share_without_and_its_check():
    assert evaluate("share_without", ARM, {"metric": "impact_share", "month": 4}) == pytest.approx(0.8)
    args = {"of": "share_without", "against": "x", "metric": "impact_share", "month": 4}
    assert evaluate("ratio_to_counterfactual", ARM, args, CF) == pytest.approx(0.8 / 0.9)
    assert "share metric" in check_arguments("share_without", {"metric": "sroi", "month": 4})
    assert "share metric" in check_arguments("ratio_to_counterfactual", {**args, "metric": "sroi"})
    with pytest.raises(ValueError, match="share metric"):
        evaluate("share_without", fake_run({"month": [1], "sroi": [2.0]}), {"metric": "sroi", "month": 1})


def test_odds_ratio_to_counterfactual():
    args = {"of": "metric_at", "against": "x", "metric": "impact_share", "month": 4}
    assert evaluate("odds_ratio_to_counterfactual", ARM, args, CF) == pytest.approx((0.2 / 0.8) / (0.1 / 0.9))
    assert math.isnan(evaluate("odds_ratio_to_counterfactual", ARM, {**args, "month": 1}, CF))  # 0 has no odds


def test_first_month_ratio_first_and_lasting():
    # ratios by month: -, 2.0, 1.0, 2.0, 1.2, 1.5
    args = {"metric": "impact_share", "threshold": 1.3, "against": "x"}
    assert evaluate("first_month_ratio", ARM, {**args, "rule": "first"}, CF) == 2.0
    assert evaluate("first_month_ratio", ARM, {**args, "rule": "lasting"}, CF) == 6.0
    assert evaluate("first_month_ratio", ARM, {**args, "threshold": 1.1, "rule": "lasting"}, CF) == 4.0
    assert math.isnan(evaluate("first_month_ratio", ARM, {**args, "threshold": 2.5, "rule": "first"}, CF))
    flat_end = fake_run({"month": [1, 2, 3], "impact_share": [0.1, 0.3, 0.1]})
    base = fake_run({"month": [1, 2, 3], "impact_share": [0.1, 0.1, 0.1]})
    assert math.isnan(evaluate("first_month_ratio", flat_end, {**args, "rule": "lasting"}, base))  # falls back
    assert MEASURES["first_month_ratio"].censored and MEASURES["first_month_ratio"].statistic == "median"


def test_new_measures_are_registered_with_their_statistics():
    want = {"event_between": "share", "event_followed_by": "mean", "event_drop": "mean", "share_without": "mean",
            "odds_ratio_to_counterfactual": "mean", "first_month_ratio": "median"}
    assert {k: MEASURES[k].statistic for k in want} == want
    assert MEASURES["odds_ratio_to_counterfactual"].paired and MEASURES["first_month_ratio"].paired


def test_every_pattern_of_the_default_file_has_one_role_and_arguments_that_fit_together():
    import tomllib

    from backbone.analysis.patterns import DEFAULT_FILE

    raw = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))["pattern"]
    assert len({p["key"] for p in raw}) == len(raw)
    assert {p["role"] for p in raw} <= {"calibration", "validation"} and all("role" in p for p in raw)
    for p in raw:
        assert p["measure"] in MEASURES, p["key"]
        assert check_arguments(p["measure"], p) is None, p["key"]
