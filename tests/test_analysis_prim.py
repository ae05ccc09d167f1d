"""PRIM scenario discovery on planted boxes: synthetic points where a claim holds exactly
inside a known box."""

import numpy as np
import pandas as pd
import pytest

from backbone.analysis.claims import where_it_holds
from backbone.analysis.robustness import DENSITY, box_words, prim_box, share_holding


def planted(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pts = pd.DataFrame({"turnover_rate": rng.uniform(0.01, 0.05, n), "complexity": rng.integers(1, 4, n),
                        "trust_gain": rng.uniform(0.05, 0.2, n)})
    pts["holds"] = (pts.turnover_rate <= 0.03) & (pts.complexity >= 2)
    return pts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prim_finds_the_planted_box(seed):
    pts = planted(seed)
    box = prim_box(pts, ["turnover_rate", "complexity", "trust_gain"])
    assert set(box.limits) == {"turnover_rate", "complexity"}          # trust_gain plays no part
    lo, hi = box.limits["turnover_rate"]
    assert lo is None and hi == pytest.approx(0.03, abs=0.003)
    hi_t = hi
    lo, hi = box.limits["complexity"]
    assert hi is None and 1 < lo <= 2
    assert box.coverage >= 0.9 and box.density >= 0.9
    assert f"turnover_rate <= {hi_t:.3g}" in box.words and "complexity >= 2" in box.words
    assert "(coverage)" in box.words and "(density)" in box.words
    # the trajectory starts at the whole space and the reported box lies on it
    t = box.trajectory
    assert t.coverage.iloc[0] == 1 and t.density.iloc[0] == pytest.approx(pts.holds.mean())
    assert t.density.iloc[box.selected] == pytest.approx(box.density)


def test_no_box_when_it_holds_everywhere_or_nowhere():
    pts = planted(0)
    assert prim_box(pts.assign(holds=True), ["turnover_rate"]).words == "no box: holds everywhere"
    assert prim_box(pts.assign(holds=False), ["turnover_rate"]).words == "no box: holds nowhere"
    assert where_it_holds(None, ["a"]) is None
    assert where_it_holds(pts, ["turnover_rate", "complexity", "not_a_factor"]).limits


@pytest.mark.parametrize("seed", [3, 4, 5, 6])
def test_noise_gives_no_box(seed):
    rng = np.random.default_rng(seed)
    pts = pd.DataFrame({"a": rng.random(200), "b": rng.random(200), "holds": rng.random(200) < 0.3})
    box = prim_box(pts, ["a", "b"], seed=seed)
    assert not box.found and box.words.startswith("no box: ")
    assert f"holds at {100 * pts.holds.mean():.0f}% of points" in box.words
    assert box.base_rate == pytest.approx(pts.holds.mean())


def test_few_noisy_points_give_no_box_even_when_a_small_box_is_dense():
    rng = np.random.default_rng(0)
    pts = pd.DataFrame({"a": rng.random(12), "b": rng.random(12), "c": rng.random(12)})
    pts["holds"] = rng.random(12) < 0.3
    box = prim_box(pts, ["a", "b", "c"])
    assert not box.found and box.words.startswith("no box")


def test_a_real_but_weak_signal_is_found_below_the_density_target():
    rng = np.random.default_rng(7)
    pts = pd.DataFrame({"a": rng.random(600), "b": rng.random(600)})
    pts["holds"] = rng.random(600) < np.where(pts.a > 0.6, 0.6, 0.1)
    box = prim_box(pts, ["a", "b"])
    assert box.found and box.p_value <= 0.05 and box.density < DENSITY
    assert box.words.startswith("the densest box (none reaches 80% density) holds where ")
    assert "(data 0.00" in box.words          # the input's own range in the data, not a nominal one
    assert box.coverage >= 0.5 and box.limits["a"][0] == pytest.approx(0.6, abs=0.1)


def test_box_words():
    w = box_words({"complexity": (3.0, None), "turnover_rate": (None, 0.03)}, 0.8, 0.9, integer=["complexity"])
    assert w == ("holds where complexity >= 3 and turnover_rate <= 0.03: 80% of the cases where it holds "
                 "(coverage), 90% of the cases in the box (density)")


def test_share_holding_brackets_the_share():
    pts = planted(1)
    s = share_holding(pts.holds)
    assert s.lo < pts.holds.mean() < s.hi
