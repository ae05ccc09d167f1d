"""The optimizer's machinery on objectives with a known optimum (not the model's verdicts),
its storage and resumption, and `backbone optimize` on a tiny partnership."""

import json

import numpy as np
import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.analysis.optimize import (WEIGHTS, OptimizeError, flatness, optimize, search, trials_table, weights_from,
                               x_from)
from backbone.cli.main import main
from backbone.simulation import Params

TARGET = np.array([0.4, 0.3, 0.1, 0.1, 0.05, 0.05])


def bowl(cands):
    """A synthetic objective: highest (0) at TARGET and a backbone share of 0.2."""
    out = []
    for c in cands:
        w = np.array([c[k] for k in WEIGHTS])
        out.append(-float(np.sum((w - TARGET) ** 2)) - (c.get("backbone_share", 0.2) - 0.2) ** 2)
    return out


def test_weights_lie_on_the_simplex_and_invert():
    rng = np.random.default_rng(0)
    for _ in range(20):
        w = weights_from(rng.random(6))
        assert w.min() >= 0 and w.sum() == pytest.approx(1.0)
    x = x_from(TARGET)
    assert weights_from([x[f"x_{k.removeprefix('effort_')}"] for k in WEIGHTS]) == pytest.approx(TARGET)


def test_search_finds_a_known_optimum():
    study = search(bowl, 160, share=True, batch=8, seed=3)
    best = study.best_trial.user_attrs["candidate"]
    w = np.array([best[k] for k in WEIGHTS])
    assert np.abs(w - TARGET).max() < 0.1
    assert best["backbone_share"] == pytest.approx(0.2, abs=0.05)
    assert study.best_value > -0.01
    # the same search minimizing the negated objective finds the same optimum
    low = search(lambda c: [-v for v in bowl(c)], 160, share=True, batch=8, seed=3, direction="minimize")
    assert low.best_value < 0.01


def test_start_points_are_evaluated_first():
    seen = []
    search(lambda c: seen.extend(c) or bowl(c), 4, batch=4, start=[x_from(np.ones(6)), x_from(TARGET)])
    assert [seen[0][k] for k in WEIGHTS] == pytest.approx(np.full(6, 1 / 6))
    assert [seen[1][k] for k in WEIGHTS] == pytest.approx(TARGET)


def test_the_study_is_stored_and_resumed(tmp_path):
    url = f"sqlite:///{tmp_path / 'optimize.db'}"
    calls = []

    def counted(c):
        calls.append(len(c))
        return bowl(c)

    first = trials_table(search(counted, 12, batch=4, storage=url, settings={"a": 1}))
    again = trials_table(search(counted, 20, batch=4, storage=url, settings={"a": 1}))
    assert len(first) == 12 and len(again) == 20 and sum(calls) == 20   # nothing run twice
    pd.testing.assert_frame_equal(again.iloc[:12].reset_index(drop=True), first)
    with pytest.raises(OptimizeError, match="other settings"):
        search(counted, 20, storage=url, settings={"a": 2})


def test_flatness_keeps_what_lies_within_the_tolerance():
    t = pd.DataFrame({"trial": [0, 1, 2, 3], "value": [0.30, 0.295, 0.28, 0.301],
                      "effort_alignment": [0.1, 0.3, 0.9, 0.2]})
    near, ranges = flatness(t, "maximize", 0.01)
    assert sorted(near.trial) == [0, 1, 3]
    assert ranges.loc["effort_alignment"].tolist() == [0.1, 0.3]
    near, _ = flatness(t.assign(value=[10.0, 10.05, 12.0, 10.2]), "minimize", 0.01, relative=True)
    assert sorted(near.trial) == [0, 1]


TINY = Params(n_beneficiaries=300, months=36)


@pytest.mark.parametrize("objective", ["impact", "net_cost"])
def test_optimize_runs_the_model_end_to_end(tmp_path, objective):
    res = optimize(TINY, objective, trials=4, replications=2, check_replications=3, batch=4, executor=SERIAL,
                   folder=tmp_path / "opt")
    assert len(res.trials) == 4 and sum(res.best[k] for k in WEIGHTS) == pytest.approx(1.0)
    # the even split is evaluated first (and the baseline's own allocation is even)
    assert [res.trials.iloc[0][k] for k in WEIGHTS] == pytest.approx(np.full(6, 1 / 6))
    assert res.gain_own.value == pytest.approx(res.gain_even.value)
    doc = json.loads((tmp_path / "opt" / "optimum.json").read_text())
    assert doc["trials"] == 4 and (tmp_path / "opt" / "optimize.db").is_file()
    assert len(res.flat) >= 1 and set(res.flat_ranges.index) >= set(WEIGHTS)


@pytest.mark.parametrize("argv, text", [
    (["optimize", "baseline", "--trials", "0"], "--trials 0 is not allowed"),
    (["optimize", "baseline", "--replications", "1"], "--replications 1 is not allowed"),
    (["optimize", "baseline", "--set", "backbone_share=2"], "backbone_share"),
    (["optimize", "no_backbone"], "no backbone hours"),
])
def test_bad_input_is_one_line(capsys, argv, text):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and text in err[0], err


def test_a_folder_of_something_else_is_refused(tmp_path, capsys):
    (tmp_path / "other.txt").write_text("x")
    assert main(["optimize", "baseline", "--out", str(tmp_path)]) == 2
    assert "holds no optimize.db" in capsys.readouterr().err


def test_the_report_section_on_the_backbones_hours():
    from backbone.analysis.report import hours_html

    page = hours_html({"tiny": TINY, "none": TINY.replace(backbone_share=0.0)}, {"tiny": "Tiny", "none": "None"},
                      trials=4, replications=3, executor=SERIAL)
    assert page.startswith("<h2>Where this backbone's hours matter most</h2>")
    assert page.count("<h3>") == 1 and "Tiny" in page          # only the funded backbone
    assert page.count("<tr><td class=l>") == len(WEIGHTS)
    assert "within 1 percentage point of the best" in page
    assert "No scenario funds a backbone" in hours_html({"none": TINY.replace(backbone_share=0.0)}, {"none": "N"},
                                                        trials=2, replications=3, executor=SERIAL)
