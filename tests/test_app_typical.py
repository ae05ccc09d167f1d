"""How typical the pair is (issue 24, item 8): the backbone effect of a seed computed in
batch agrees with the board's twins played to the end; the percentile, median and the
typical seed on planted effects."""

from __future__ import annotations

import pytest

from backbone.app.controls import scenario_base, twin_params
from backbone.app.lessons import get_lesson
from backbone.app.twins import Twins
from backbone.app.typical import cached_effects, lesson_effects, ordinal, pair_effects, standing


def _played(params, seed, lesson=None) -> float:
    twins = Twins(params, seed, lesson)
    twins.step(twins.months)
    w, wo = twins.sides
    return w.now("impact") - wo.now("impact")


def test_the_batch_effect_is_the_boards_difference_at_the_horizon():
    p = twin_params(scenario_base("baseline"))
    got = pair_effects(p, [1, 2])
    assert got[1] == pytest.approx(_played(p, 1)) and got[2] == pytest.approx(_played(p, 2))


def test_a_lesson_with_an_action_is_applied_as_on_the_board():
    p = twin_params(scenario_base("baseline"))
    wave = get_lesson("turnover_wave")
    assert wave is not None and wave.action is not None
    got = lesson_effects(p, [1], wave)
    assert got[1] == pytest.approx(_played(p, 1, wave))


def test_standing_on_planted_effects():
    effects = {s: float(s) for s in range(1, 101)}        # effect = seed: seed 50/51 straddle the median
    st = standing(10, effects)
    assert st.percentile == pytest.approx(9.5) and st.median == pytest.approx(50.5)
    assert st.typical_seed == 50 and (st.low, st.high, st.seeds) == (1.0, 100.0, 100)
    assert "at the 10th percentile" in st.words() and "ends with 10 more people" in st.words()
    assert "1 more person to 100 more people (median: 50 more people)" in st.words()   # 50.5 rounds to even
    assert "ends with 3 fewer people" in standing(1, {1: -3.0, 2: 4.0}).words()
    assert "of the same settings and the same lesson (a turnover wave) it" in st.words("A turnover wave")
    assert "lesson" not in st.words()
    ties = {1: 0.0, 2: 0.0, 3: 0.0, 4: 5.0}
    assert standing(1, ties).percentile == pytest.approx(37.5) and standing(4, ties).typical_seed == 1
    with pytest.raises(KeyError, match="seed 7"):
        standing(7, ties)
    assert [ordinal(x) for x in (1, 2, 3, 11, 12, 22, 50.4, 99.6)] == ["1st", "2nd", "3rd", "11th", "12th",
                                                                        "22nd", "50th", "100th"]


def test_effects_are_cached_per_parameter_set_and_include_the_seed():
    p = twin_params(scenario_base("baseline")).replace(n_partners=9)
    first = cached_effects(p, 7, seeds=(1, 2, 3))
    assert sorted(first) == [1, 2, 3, 7]
    again = cached_effects(p, 7, seeds=(1, 2, 3), stop=lambda: True)   # nothing left to run: no stop needed
    assert again == first


def test_the_cache_keeps_the_last_sets_only(monkeypatch):
    from backbone.app import typical

    monkeypatch.setattr(typical, "_CACHE", {})
    monkeypatch.setattr(typical, "CACHE_SETS", 2)
    base = twin_params(scenario_base("baseline"))
    for share in (0.1, 0.15, 0.2):
        cached_effects(base.replace(backbone_share=share), 1, seeds=(1,))
    assert len(typical._CACHE) == 2
    assert typical.cache_key(base.replace(backbone_share=0.15), None) in typical._CACHE
    assert typical.cache_key(base.replace(backbone_share=0.2), None) in typical._CACHE
