"""backbone validate --search: the search's machinery on planted answers.

A tiny patterns file holds three patterns with known answers over a factor that sets
them: one any run reproduces (a share in [0, 1]), one no run can (a share in [2, 3]) and
one whose band holds only at low representative turnover (the realized turnover per
partner-year is what ``turnover_rate`` sets: none at 0, about 0.3 a year at 0.025 a
month). Nothing here judges the model against the literature."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from backbone.analysis import pattern_search as ps
from backbone.analysis.patterns import parse_patterns
from backbone.cli.main import main
from backbone.experiments import Executor
from backbone.experiments.spec import ExperimentError, ExperimentSpec

from test_validation import CITE, to_toml

LEVELS = [0.0, 0.001, 0.025, 0.04]


def patterns_file(**top) -> dict:
    data = {
        "description": "tiny", "scenario": "baseline", "replications": 3, "seed": 5, "months": 24,
        "required_share": 0.5, "role": "validation", "set": {"n_beneficiaries": 100},
        "pattern": [
            {"key": "always", "title": "a share is a share", "source": CITE, "kind": "impact over time",
             "measure": "metric_at", "metric": "impact_share", "month": 24, "target": [0.0, 1.0]},
            {"key": "impossible", "title": "a share above one", "source": CITE, "kind": "impact over time",
             "measure": "metric_at", "metric": "impact_share", "month": 24, "target": [2.0, 3.0]},
            {"key": "low_turnover", "title": "few representatives leave", "source": CITE, "kind": "turnover",
             "measure": "count_by", "event": "turnover", "month": 24, "per": "partner_year",
             "target": [0.0, 0.12]},
        ],
    }
    data.update(top)
    return data


def spec_dict(**top) -> dict:
    data = {"design": "full_factorial", "replications": 3, "factors": {"turnover_rate": {"levels": list(LEVELS)}}}
    data.update(top)
    return data


def planned(pats: dict | None = None, spec: dict | None = None) -> ps.Search:
    return ps.plan_search(parse_patterns(pats or patterns_file()), ExperimentSpec.from_dict(spec or spec_dict()))


@pytest.fixture(scope="module")
def searched():
    search = planned()
    return search, ps.run_search(search)


def test_each_point_is_judged_on_every_pattern_with_its_factor_values(searched):
    _, results = searched
    assert len(results) == len(LEVELS) * 3
    assert list(results["point"].unique()) == [0, 1, 2, 3]
    assert sorted(results["turnover_rate"].unique()) == LEVELS
    assert set(results["verdict"]) <= {"reproduced", "partly", "missed"}


def test_the_planted_answers_come_back(searched):
    search, results = searched
    pats = ps.per_pattern(search, results).set_index("pattern")
    assert pats.loc["always", "share_reproduced"] == 1.0
    assert pats.loc["impossible", "share_reproduced"] == 0.0 and pats.loc["impossible", "share_missed"] == 1.0
    assert pats.loc["low_turnover", "share_reproduced"] == 0.5  # the two low levels only
    turn = results[results["pattern"] == "low_turnover"].sort_values("turnover_rate")
    assert turn["estimate"].is_monotonic_increasing and turn["estimate"].iloc[0] == 0.0
    assert list(turn["verdict"] == "reproduced") == [True, True, False, False]
    points = ps.per_point(search, results)
    assert list(points["reproduced"]) == [2, 2, 1, 1]


def test_the_summary_counts_what_the_points_did(searched):
    search, results = searched
    s = ps.summary(search, results)
    assert s["most_reproduced"] == 2 and s["points_at_most"] == 2
    assert s["needed"] == 2 and s["points_passing"] == 2  # required share 0.5 of 3 patterns: 2
    assert s["never_reproduced"] == ["impossible"]
    assert s["runs"] == len(LEVELS) * 3  # one group of runs (no counterfactual), 3 replications a point
    text = ps.text(search, results)
    assert "2 of 3" in text and "Reproduced at no point: impossible." in text
    assert s["never_together"] == []  # 'always' is reproduced with everything
    best = ps.best_points(search, results, top=4)
    assert [b["point"] for b in best] == [0, 1, 2, 3] and best[0]["turnover_rate"] == 0.0
    assert best[0]["not_reproduced"] == ["impossible"] and best[3]["not_reproduced"] == ["impossible", "low_turnover"]


def test_pairs_never_reproduced_together_are_named():
    pats = patterns_file()
    pats["pattern"].append({"key": "high_turnover", "title": "many representatives leave", "source": CITE,
                            "kind": "turnover", "measure": "count_by", "event": "turnover", "month": 24,
                            "per": "partner_year", "target": [0.2, 1.0]})
    search = planned(pats)
    results = ps.run_search(search)
    pairs = ps.conflicts(search, results)
    assert [(a, b) for a, b, _, _ in pairs] == [("low_turnover", "high_turnover")]
    assert pairs[0][2] == 2 and pairs[0][3] >= 1  # low at the two low levels, high at some high one
    assert "never at the same point" in ps.text(search, results)


def test_closeness_is_one_in_the_band_and_falls_with_the_distance():
    pset = parse_patterns(patterns_file())
    rows = lambda est: pd.DataFrame({"pattern": ["always", "impossible", "low_turnover"], "estimate": est})
    assert ps.closeness(pset, rows([0.5, 2.5, 0.05])) == 1.0
    near, far = ps.closeness(pset, rows([0.5, 1.0, 0.05])), ps.closeness(pset, rows([0.5, 0.0, 0.05]))
    assert 1.0 > near > far > 0  # 1 is one band width below [2, 3]; 0 is two
    assert near == pytest.approx((1 + 1 / 2 + 1) / 3)
    assert ps.closeness(pset, rows([0.5, float("nan"), 0.05])) == pytest.approx(2 / 3)


def test_the_adaptive_search_stays_in_the_ranges_and_repeats():
    spec = spec_dict(design="latin_hypercube", samples=2, root_seed=3,
                     factors={"turnover_rate": {"range": [0.0, 0.04]}, "complexity": {"range": [1, 2]}})
    pset = parse_patterns(patterns_file())
    s1, r1 = ps.adaptive_search(pset, ExperimentSpec.from_dict(spec), trials=6, batch=4)
    s2, r2 = ps.adaptive_search(pset, ExperimentSpec.from_dict(spec), trials=6, batch=4)
    assert len(s1.points) == 6 and list(r1["point"].unique()) == list(range(6))
    assert s1.points["turnover_rate"].between(0.0, 0.04).all()
    assert set(s1.points["complexity"]) <= {1, 2} and s1.points["complexity"].map(type).eq(int).all()
    pd.testing.assert_frame_equal(s1.points, s2.points)
    pd.testing.assert_frame_equal(r1, r2)
    for p in range(6):  # each point's verdicts are those of a plain search of that point
        one = ps.with_points(pset, ExperimentSpec.from_dict(spec), s1.points.iloc[[p]])
        got = ps.run_search(one)
        assert list(got["verdict"]) == list(r1[r1["point"] == p]["verdict"])


def test_a_search_repeats_exactly_in_chunks_of_any_size(searched):
    search, results = searched
    seen = []
    executor = Executor(workers=1, progress=lambda done, total: seen.append((done, total)))
    chunked = ps.run_search(search, executor, chunk=3)
    pd.testing.assert_frame_equal(chunked, results)
    pd.testing.assert_frame_equal(ps.run_search(search, chunk=1), results)
    assert seen[-1] == (12, 12) and all(t == 12 for _, t in seen)  # 4 points x 3 runs: one count throughout
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_comparisons_contrast_cannot_be_a_factor():
    pats = patterns_file()
    pats["pattern"].append({"key": "vs_no_backbone", "title": "t", "source": CITE, "kind": "impact over time",
                            "measure": "diff_to_counterfactual", "of": "metric_at", "metric": "impact_share",
                            "month": 24, "against": "no_backbone", "target": [-1.0, 1.0]})
    with pytest.raises(ExperimentError, match="backbone_share is what pattern vs_no_backbone compares"):
        planned(pats, spec_dict(factors={"backbone_share": {"levels": [0.05, 0.2]}}))
    with pytest.raises(ExperimentError, match="backbone_share is what pattern"):
        planned(pats, spec_dict(fixed={"backbone_share": 0.2}))


@pytest.mark.parametrize("key, value", [("months", 60), ("scenario", "baseline")])
def test_keys_the_patterns_decide_are_refused(key, value):
    with pytest.raises(ExperimentError, match=f"{key} is not used by a pattern search"):
        planned(spec=spec_dict(**{key: value}))


def test_a_point_invalid_in_some_patterns_runs_is_refused_before_any_run():
    pats = patterns_file()
    pats["set"] = {"n_beneficiaries": 100, "n_dimensions": 2, "complexity": 1}
    with pytest.raises(ExperimentError, match="design point 1"):
        planned(pats, spec_dict(factors={"complexity": {"levels": [2, 3]}}))


def test_cli_end_to_end(tmp_path, capsys):
    f, spec = tmp_path / "p.toml", tmp_path / "s.toml"
    f.write_text(to_toml(patterns_file()))
    spec.write_text('design = "full_factorial"\nreplications = 3\n[factors.turnover_rate]\n'
                    f"levels = {LEVELS}\n")
    out, md = tmp_path / "r.csv", tmp_path / "S.md"
    rc = main(["validate", str(f), "--search", str(spec), "--workers", "1", "--no-progress", "--out", str(out),
               "--markdown", str(md)])
    text = capsys.readouterr().out
    assert rc == 0 and "Most patterns reproduced at any one point: 2 of 3" in text
    table = pd.read_csv(out)
    assert len(table) == 12 and {"point", "pattern", "estimate", "verdict", "turnover_rate"} <= set(table.columns)
    doc = md.read_text()
    assert "Reproduced at no point: `impossible`" in doc and "| `turnover_rate` |" in doc and "--search" in doc
    assert main(["validate", str(f), "--search", str(spec), "--workers", "1", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["most_reproduced"] == 2 and got["never_reproduced"] == ["impossible"]
    assert [p["reproduced"] for p in got["points_searched"]] == [2, 2, 1, 1]


def test_cli_adaptive(tmp_path, capsys):
    f, spec = tmp_path / "p.toml", tmp_path / "s.toml"
    f.write_text(to_toml(patterns_file()))
    spec.write_text('design = "latin_hypercube"\nsamples = 2\nreplications = 3\n[factors.turnover_rate]\n'
                    "range = [0.0, 0.04]\n")
    md = tmp_path / "S.md"
    assert main(["validate", str(f), "--search", str(spec), "--adaptive", "5", "--batch", "2", "--workers", "1",
                 "--markdown", str(md)]) == 0
    text = capsys.readouterr().out
    assert "5 points (an adaptive search (optuna's TPE sampler" in text and "of 3" in text
    assert "--adaptive 5 --batch 2" in md.read_text()
    assert main(["validate", str(f), "--adaptive", "5"]) == 2
    assert "--adaptive needs --search" in capsys.readouterr().err


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    f, spec = tmp_path / "p.toml", tmp_path / "s.toml"
    f.write_text(to_toml(patterns_file()))
    spec.write_text('design = "full_factorial"\nreplications = 3\nmonths = 60\n[factors.turnover_rate]\nlevels = [0.0]\n')
    out = tmp_path / "r.csv"
    assert main(["validate", str(f), "--search", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "months is not used by a pattern search" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    spec.write_text('design = "full_factorial"\nreplications = 3\n[factors.turnover_rate]\nlevels = [0.0]\n')
    assert main(["validate", str(f), "--search", str(spec), "--posterior", "default"]) == 2
    assert "--posterior cannot be used with --search" in capsys.readouterr().err


@pytest.mark.parametrize("share, shown", [(0.0, "0%"), (2 / 400, "<1%"), (0.0099, "<1%"), (0.5, "50%"),
                                          (0.995, ">99%"), (1.0, "100%"), (float("nan"), "-")])
def test_a_few_points_never_round_to_none_or_all(share, shown):
    assert ps.share_text(share) == shown
