"""Twins, levers and lessons: pure Python, no browser."""

from __future__ import annotations

import numpy as np
import pytest

from backbone.app import LESSONS, Twins, get_lesson, twin_params
from backbone.app.controls import LEVERS, lever_values, scenario_base, scenario_choices
from backbone.app.lessons import funder_pulls_out, press_release, turnover_wave
from backbone.simulation import SCHEMA, ParameterError, PartnershipModel, Params, simulate

SMALL = {"n_beneficiaries": 300, "months": 48}


def small(**kw) -> Params:
    return twin_params(Params(SMALL), overrides=kw)


# ---------------------------------------------------------------- levers and parameters
def test_twin_params_applies_levers_and_names_partners_from_the_cast():
    p = twin_params(Params(SMALL), {"n_partners": 5, "turnover_rate": 0.05, "regime": "isolated"})
    assert (p.n_partners, p.turnover_rate, p.regime) == (5, 0.05, "isolated")
    assert p.partner_names == ("City:public", "Retailer:private", "Youth charity:nonprofit",
                               "University:academia", "Job centre:public")
    # naming partners keeps the model's default sectors: same run as without names
    a = simulate(p, 4).monthly
    b = simulate(p.replace(partner_names=()), 4).monthly
    assert a.equals(b)


def test_a_scenario_without_a_backbone_still_gives_the_first_twin_one():
    p = twin_params(Params(SMALL, backbone_share=0.0))
    assert p.backbone_share == SCHEMA["backbone_share"].default
    assert lever_values(Params(backbone_share=0.0))["backbone_share"] == SCHEMA["backbone_share"].default


def test_bad_lever_values_name_the_field_and_its_range():
    with pytest.raises(ParameterError, match=r"turnover_rate = 0\.9 .*\[0, 0\.5\]"):
        twin_params(Params(SMALL), {"turnover_rate": 0.9})
    with pytest.raises(KeyError, match="unknown lever 'months'"):
        twin_params(Params(SMALL), {"months": 3})


def test_every_lever_is_a_schema_parameter_and_its_slider_covers_the_value():
    for lever in LEVERS:
        assert lever.name in SCHEMA
        value = lever_values(Params())[lever.name]
        if not lever.choices:
            lo, hi = lever.bounds(value)
            assert lo <= value <= hi
    n = next(lv for lv in LEVERS if lv.name == "n_partners")
    assert n.bounds(60)[1] == 60  # a large scenario widens the slider


def test_scenario_picker_lists_the_library_and_loads_each():
    choices = scenario_choices()
    names = [n for n, _ in choices]
    assert names and all(isinstance(d, str) for _, d in choices)
    for name in names:
        p = twin_params(scenario_base(name))  # every scenario gives valid twins
        assert p.backbone_share > 0


# ---------------------------------------------------------------- twins
def test_the_twins_share_a_seed_and_differ_only_in_the_backbone():
    p = small()
    twins = Twins(p, seed=7)
    assert twins.step(100) == 48 and not twins.running  # never past the horizon
    w, wo = twins.with_backbone, twins.without_backbone
    assert w.model.params == p and wo.model.params == p.replace(backbone_share=0.0)
    assert w.series("backbone_hours").sum() > 0 and wo.series("backbone_hours").sum() == 0
    # the Mesa path, stepped in lockstep, is the fast path's run
    assert np.allclose(w.series("impact"), simulate(p, 7).monthly["impact"])
    assert np.allclose(wo.series("impact"), simulate(p.replace(backbone_share=0.0), 7).monthly["impact"])


def test_common_random_numbers_same_launch_partners_turn_over_in_the_first_months():
    twins = Twins(small(turnover_rate=0.1), seed=2)
    twins.step(12)
    def launch_turnovers(twin):
        ev = twin.model.events
        return set(map(tuple, ev.loc[(ev.event == "turnover") & (ev.a < 8), ["month", "a"]].to_numpy()))
    exits = sum(t.now("exits") for t in twins.sides)
    assert exits == 0  # nobody left: every draw of the turnover stream meets the same members
    assert launch_turnovers(twins.with_backbone) == launch_turnovers(twins.without_backbone)
    assert launch_turnovers(twins.with_backbone)


def test_feed_grows_with_named_partners_and_events_seen_once():
    twins = Twins(small(turnover_rate=0.08), seed=1)
    twins.step(24)
    for twin in twins.sides:
        texts = [item.text for item in twin.feed]
        assert texts, twin.label
        n_turnover = int((twin.model.events.event == "turnover").sum())
        assert sum("representative left" in t for t in texts) == n_turnover
        assert all(item.month <= 24 for item in twin.feed)
        assert any(name.lower() in " ".join(texts) for name in ("city", "retailer", "university", "bank"))


def test_partners_view_and_recruits_get_cast_names():
    twins = Twins(small(recruit_rate=0.5, n_partners=4), seed=3)
    twins.step(24)
    for twin in twins.sides:
        partners = twin.partners()
        assert len(partners) == int(twin.model.state.partners.ever.sum())
        names = [p["name"] for p in partners]
        assert len(set(names)) == len(names)
        assert twin.now("partners_recruited") > 0 and "Job centre" in names  # first public recruit
        recruits = [e for e in twin.feed if e.event == "recruit"]
        assert len(recruits) == twin.now("partners_recruited")


def test_with_backbone_twin_needs_a_backbone_share():
    with pytest.raises(ValueError, match="backbone_share = 0"):
        Twins(Params(SMALL, backbone_share=0.0))


# ---------------------------------------------------------------- lessons
def stepped(months: int, seed: int = 1, **kw) -> PartnershipModel:
    model = PartnershipModel(rng=seed, max_beneficiary_agents=0, **{**SMALL, **kw})
    for _ in range(months):
        model.step()
    return model


def test_turnover_wave_follows_the_turnover_kernel():
    model = stepped(12)
    p, st = model.params, model.state
    onboard = float(st.world[0]["effort_coordination"]) * p.onboarding
    levels0, reps0 = st.trust_levels.copy(), st.partners.reps.copy()
    turnovers0, n0 = st.world[0]["turnovers"], int(st.world[0]["n_events"])
    hit = turnover_wave(model)
    assert hit == [0, 2, 4, 6]
    assert list(st.partners.reps - reps0) == [1, 0, 1, 0, 1, 0, 1, 0] + [0] * (len(reps0) - 8)
    personal = p.init_trust + onboard * (levels0[0, 0, 1] - p.init_trust)   # the successor's, restarted
    assert st.trust_levels[1, 0, 1] == levels0[1, 0, 1]                     # the organizations' stays
    assert st.trust[0, 1] == pytest.approx(p.interpersonal_weight * personal
                                           + (1 - p.interpersonal_weight) * levels0[1, 0, 1])
    assert st.world[0]["turnovers"] == turnovers0 + 4
    ev = model.events.iloc[n0:]
    assert list(ev.event) == ["turnover"] * 4 and list(ev.a) == hit
    assert (ev.month == 13).all()  # logged for the month about to run
    assert (ev.v2 != ev.v1).all()  # the seat's interpersonal trust restarted (up or down toward init_trust)


def test_funder_pulls_out_stops_its_money():
    model = stepped(6)
    level = float(model.state.funders.level[0])
    assert funder_pulls_out(model) == [0]
    assert not model.state.funders.active[0]
    assert funder_pulls_out(model) == []  # already gone
    paid_before = model.monthly["paid_in"].iloc[-1]
    model.step()
    paid_after = model.monthly["paid_in"].iloc[-1]
    assert paid_after == pytest.approx(paid_before - level * model.params.funder_budget)  # no review in month 7
    assert model.events.query("event == 'funder_exit'").iloc[0].v1 == pytest.approx(level)


def test_press_release_is_a_betrayal_by_the_retailer():
    model = stepped(18)
    p, st = model.params, model.state
    amplify = 1 + p.trust_dependence * float(st.world[0]["integration"])
    t0, ceiling0 = st.trust[1, 0], st.partners.ceiling[1]
    assert press_release(model) == [1]
    assert st.trust[1, 0] == pytest.approx(max(0.0, t0 - p.trust_loss * t0 * amplify))
    assert st.trust[0, 1] == st.trust[1, 0]
    assert st.partners.ceiling[1] == pytest.approx(max(0.0, ceiling0 - p.reputation_damage))
    assert model.events.iloc[-1].event == "betrayal"


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.action is not None], ids=lambda x: x.key)
def test_a_lesson_hits_both_twins_at_its_month(lesson):
    p = twin_params(Params(SMALL), overrides=lesson.overrides)
    twins = Twins(p, seed=1, lesson=lesson)
    twins.step(lesson.month + 1)
    for twin in twins.sides:
        notes = [item for item in twin.feed if item.tone == "lesson"]
        assert [n.month for n in notes] == [lesson.month]
        kind = {"turnover_wave": "turnover", "funder_pulls_out": "funder_exit", "press_release": "betrayal"}[lesson.key]
        ev = twin.model.events
        assert ((ev.event == kind) & (ev.month == lesson.month)).any()


def test_lessons_have_a_sentence_and_valid_overrides():
    for lesson in LESSONS:
        assert lesson.title and len(lesson.watch) > 40 and "Watch" in lesson.watch
        Params(lesson.overrides)  # valid parameters
        assert get_lesson(lesson.key) is lesson
    assert get_lesson(None) is None and get_lesson("none") is None
    with pytest.raises(ValueError, match="lesson = 'nope' is not allowed: expected one of"):
        get_lesson("nope")


# ---------------------------------------------------------------- net SROI
def test_twins_show_gross_and_net_sroi_against_a_hidden_run_without_the_partnership():
    from backbone.analysis.value import counterfactual
    from backbone.app.views.panels import scorecard_table

    p = small()
    twins = Twins(p, seed=2)
    twins.step(30)
    without = simulate(counterfactual(p), 2).monthly["value_gross"].iloc[29]
    for twin in twins.sides:
        card = twin.scorecard()
        expected = (twin.now("value_gross") - without) * (1 - p.attribution_others) / twin.now("spent_pv")
        assert card["net_sroi"] == pytest.approx(expected)
        assert card["net_sroi"] < card["sroi"], "deadweight and attribution are deducted"
    html = scorecard_table(twins.with_backbone.scorecard(), twins.without_backbone.scorecard(), twins.month)
    assert "(gross)" in html and "net of what would have happened anyway" in html


# ---------------------------------------------------------------- a lesson's own counterfactual
def test_a_shock_s_ghost_is_each_twin_s_own_run_without_it():
    lesson = get_lesson("turnover_wave")
    p = twin_params(Params(SMALL), overrides=lesson.overrides)
    twins = Twins(p, seed=3, lesson=lesson)
    twins.step(lesson.month + 6)
    for twin in twins.sides:
        plain = simulate(twin.model.params, 3).monthly.impact.to_numpy()  # the same seed, no shock
        ghost = twin.ghost_series("impact")
        assert len(ghost) == twin.month
        assert np.isnan(ghost[: lesson.month - 2]).all()  # drawn from the month before the shock
        np.testing.assert_array_equal(ghost[lesson.month - 2:], plain[lesson.month - 2: twin.month])
        np.testing.assert_array_equal(twin.series("impact")[: lesson.month - 1], plain[: lesson.month - 1])
        # the twin itself took the shock: more turnovers than its ghost from that month on
        assert twin.now("turnovers") > twin.ghost_now("turnovers")


def test_the_feed_says_what_the_lesson_cost_each_twin():
    lesson = get_lesson("turnover_wave")
    p = twin_params(Params(SMALL), overrides=lesson.overrides)
    twins = Twins(p, seed=3, lesson=lesson)
    assert twins.report_months == (lesson.month + 11, p.months)
    twins.step(lesson.month + 11)
    for twin in twins.sides:
        now, ghost = twins.lesson_cost(twin)
        assert (now, ghost) == (twin.now("impact"), twin.ghost_now("impact"))
        note = [it for it in twin.feed if it.event == "lesson_cost"]
        assert [it.month for it in note] == [lesson.month + 11]
        assert f"{now:,.0f} against {ghost:,.0f} in its same run without it" in note[0].text
        diff = round(now - ghost)
        word = (f"cost this partnership {-diff:,} people" if diff < 0 else f"{diff:,} more people" if diff > 0
                else "made no difference")
        assert word in note[0].text


def test_a_parameter_lesson_s_ghost_runs_without_its_overrides_from_month_1():
    lesson = get_lesson("impatient_money")
    plain = twin_params(Params(SMALL))
    twins = Twins(twin_params(Params(SMALL), overrides=lesson.overrides), seed=2, lesson=lesson,
                  without_lesson=plain)
    twins.step(13)
    ref = simulate(plain, 2).monthly.impact.to_numpy()
    np.testing.assert_array_equal(twins.with_backbone.ghost_series("impact"), ref[:13])
    assert twins.with_backbone.ghost.params.funder_patience == plain.funder_patience != 12
    assert Twins(plain, seed=2).with_backbone.ghost is None  # no lesson, no ghost


def test_month_zero_shows_launch_values_not_zeros():
    twins = Twins(small(), seed=1)
    w = twins.with_backbone
    p = w.model.params
    assert w.now("mean_trust") == pytest.approx(p.init_trust)
    assert w.now("mean_engagement") == pytest.approx(p.init_engagement)
    assert w.now("retention") == 1.0 and w.now("funder_level") == 1.0
    assert w.now("impact") == 0.0 and w.now("spent_total") == 0.0  # nothing has happened yet
    assert w.scorecard()["retention"] == 1.0
    assert w.series_from_launch("funder_level")[0] == 1.0


def test_the_phase_shown_changes_only_once_a_new_phase_has_held():
    from backbone.app.twins import PHASE_HOLD

    twins = Twins(small(), seed=1)
    twins.step(48)
    for twin in twins.sides:
        phases = twin.series("phase").astype(int)
        news = [it for it in twin.feed if it.event == "phase"]
        for it in news:  # each reported change held PHASE_HOLD months up to the report
            since = int(it.text.split("since month ")[1].split(" ")[0])
            assert it.month - since + 1 >= PHASE_HOLD
            assert len(set(phases[since - 1: it.month])) == 1
        runs = np.split(phases, np.flatnonzero(np.diff(phases)) + 1)
        short = sum(1 for r in runs[1:] if len(r) < PHASE_HOLD)
        assert len(news) <= len(runs) - 1 - short


def test_the_board_says_dissolved_from_the_month_the_partnership_dissolves():
    """A partnership that dissolves (two partners, both leaving at once) shows phase
    "dissolved", no partners and no funding from that month on, in both twins' keys."""
    from backbone.app.views.board import keys_html

    twins = Twins(small(n_partners=3, max_recruits=0, exit_threshold=1.0, exit_patience=1), seed=2)
    twins.step(12)
    for twin in twins.sides:
        month = dissolved_month(twin)
        assert month is not None and month <= 12
        assert twin.phase == "dissolved"
        assert twin.now("funder_level") == 0.0 and twin.now("active_funders") == 0.0
        assert sum(1 for x in twin.partners() if x["active"]) == 0
    html = keys_html(twins)
    assert html.count(">dissolved<") == 2 and "0%" in html


def dissolved_month(twin):
    dissolved = twin.series("dissolved")
    hits = np.nonzero(dissolved > 0)[0]
    return int(hits[0]) + 1 if len(hits) else None
