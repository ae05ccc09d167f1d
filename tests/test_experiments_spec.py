"""Experiment specs and designs: validation messages, row counts and bounds of each
design, seeds fixed by the spec. No simulation runs here: fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backbone.experiments import DESIGNS, ExperimentError, ExperimentSpec, load_experiment
from backbone.simulation import SCHEMA, ParameterError
from backbone.simulation.scenarios import load_scenario

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "experiments" / "examples").glob("*.toml"))


def spec(**over):
    d = {
        "design": "latin_hypercube", "samples": 8, "replications": 3, "root_seed": 5, "months": 24,
        "fixed": {"n_beneficiaries": 300},
        "factors": {"backbone_share": {"range": [0.0, 0.3]}, "funder_patience": {"range": [6, 48]}},
    }
    d.update(over)
    return ExperimentSpec.from_dict({k: v for k, v in d.items() if v is not None})


# ---------------------------------------------------------------- designs
def _check_bounds(s: ExperimentSpec, pts):
    for f in s.factors:
        col = pts[f.name]
        assert col.min() >= f.lo and col.max() <= f.hi, f.name
        if f.param.kind == "int":
            assert col.dtype == np.int64


def test_latin_hypercube_rows_bounds_and_strata():
    s = spec(samples=16)
    pts = s.design_points()
    assert len(pts) == 16 == s.n_points
    assert list(pts.columns) == ["backbone_share", "funder_patience"]
    _check_bounds(s, pts)
    # one point per stratum of the continuous factor: that is what makes it a Latin hypercube
    strata = np.floor((pts["backbone_share"].to_numpy() - 0.0) / 0.3 * 16).astype(int)
    assert sorted(strata) == list(range(16))


@pytest.mark.parametrize("second_order, per_n", [(False, 2 + 2), (True, 2 * 2 + 2)])
def test_sobol_rows_bounds(second_order, per_n):
    s = spec(design="sobol", samples=16, second_order=second_order)
    pts = s.design_points()
    assert len(pts) == 16 * per_n == s.n_points
    _check_bounds(s, pts)
    prob = s.salib_problem()
    assert prob["names"] == ["backbone_share", "funder_patience"] and prob["bounds"][1] == [6.0, 48.0]


def test_morris_rows_bounds_and_levels():
    s = spec(design="morris", samples=5, morris_levels=4)
    pts = s.design_points()
    assert len(pts) == 5 * (2 + 1) == s.n_points
    _check_bounds(s, pts)
    # a 4-level grid over [0, 0.3]: every value is one of lo + k * (hi - lo) / 3
    k = pts["backbone_share"].to_numpy() / 0.1
    assert np.allclose(k, np.rint(k))


def test_full_factorial_levels_steps_bool_and_choice():
    s = spec(design="full_factorial", samples=None, factors={
        "regime": {"levels": ["pooled", "isolated"]},
        "use_identity": {"levels": [True, False]},
        "backbone_share": {"range": [0.0, 0.2], "steps": 3},
        "n_partners": {"range": [4, 6], "steps": 5},     # rounds to 4, 4, 5, 6, 6: duplicates dropped
    })
    pts = s.design_points()
    assert len(pts) == 2 * 2 * 3 * 3 == s.n_points
    assert set(pts["regime"]) == {"pooled", "isolated"}
    assert pts["use_identity"].dtype == bool
    assert sorted(set(pts["backbone_share"])) == pytest.approx([0.0, 0.1, 0.2])
    assert sorted(set(pts["n_partners"])) == [4, 5, 6]
    assert not pts.duplicated().any()
    assert pts.iloc[0]["regime"] == "pooled" and pts.iloc[-1]["regime"] == "isolated"  # first factor slowest


@pytest.mark.parametrize("design", DESIGNS)
def test_design_is_fixed_by_the_spec(design):
    extra = {"samples": None, "factors": {"backbone_share": {"range": [0.0, 0.3], "steps": 4}}} \
        if design == "full_factorial" else {"samples": 8}
    a = spec(design=design, **extra).design_points()
    b = spec(design=design, **extra).design_points()
    assert a.equals(b)
    if design != "full_factorial":
        c = spec(design=design, root_seed=6, **extra).design_points()
        assert not a.equals(c)


# ---------------------------------------------------------------- seeds
def test_seeds_fixed_by_root_seed():
    s = spec(replications=5)
    seeds = s.seeds()
    assert seeds == spec(replications=5).seeds()
    assert len(set(seeds)) == 5 and all(0 <= x < 2**63 for x in seeds)
    assert spec(replications=3).seeds() == seeds[:3]          # more replications keep the first ones
    assert seeds == [s.root_seed + r for r in range(5)]        # replication r: root_seed + r (docs/EXPERIMENTS.md)
    assert spec(replications=5, root_seed=6).seeds() == [6, 7, 8, 9, 10]
    # the seeds do not depend on anything but the root seed and the count
    assert spec(replications=5, samples=20, months=30).seeds() == seeds


# ---------------------------------------------------------------- identity
def test_spec_hash_tracks_what_decides_results():
    a = spec()
    assert a.spec_hash == spec(name="renamed", description="words").spec_hash
    assert a.spec_hash != spec(factors={"backbone_share": {"range": [0.0, 0.31]},
                                        "funder_patience": {"range": [6, 48]}}).spec_hash
    assert a.spec_hash != spec(fixed={"n_beneficiaries": 301}).spec_hash
    assert a.spec_hash != spec(scenario="no_backbone").spec_hash
    assert a.resolved()["base"]["n_beneficiaries"] == 300 and a.base.months == 24


def test_base_is_scenario_with_fixed_and_months():
    s = spec(scenario="high_turnover", fixed={"n_beneficiaries": 300, "integration": 0.7})
    expected = load_scenario("high_turnover", {"n_beneficiaries": 300, "integration": 0.7, "months": 24})
    assert s.base == expected


def test_replace_and_to_dict_round_trip():
    s = spec()
    again = ExperimentSpec.from_dict(s.to_dict())
    assert again.spec_hash == s.spec_hash
    assert s.replace(replications=7).replications == 7
    assert s.replace(months=None).base.months == load_scenario("baseline").months


def test_outputs_keep_the_scorecard():
    s = spec(outputs=["turnovers"])
    assert "turnovers" in s.outputs and "long_term_impact" in s.outputs and "impact_share" in s.outputs
    assert "hours_home" not in s.outputs
    assert "hours_home" in spec().outputs


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load(path):
    s = load_experiment(path)
    s.check_points()
    assert s.runs_total == len(s.design_points()) * s.replications > 0
    assert s.name == path.stem


def test_relative_scenario_path_is_relative_to_the_spec(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.toml").write_text('extends = "baseline"\nintegration = 0.9\n')
    (tmp_path / "exp.toml").write_text(
        'scenario = "sub/mine.toml"\ndesign = "latin_hypercube"\nsamples = 2\n'
        '[factors.backbone_share]\nrange = [0.0, 0.2]\n')
    assert load_experiment(tmp_path / "exp.toml").base.integration == 0.9


# ---------------------------------------------------------------- refusals: one line, naming the field
@pytest.mark.parametrize("over, words", [
    ({"desing": "sobol"}, ["unknown key 'desing'", "did you mean 'design'"]),
    ({"design": "grid"}, ["design = 'grid'", "full_factorial, latin_hypercube, sobol, morris"]),
    ({"factors": {"backbone_shar": {"range": [0, 0.2]}}}, ["backbone_shar", "did you mean 'backbone_share'"]),
    ({"factors": {"backbone_share": {"range": [0.0, 1.5]}}}, ["factors.backbone_share.range", "1.5", "[0, 0.9]"]),
    ({"factors": {"backbone_share": {"range": [0.3, 0.1]}}}, ["factors.backbone_share.range", "lo < hi"]),
    ({"factors": {"backbone_share": {"range": [0.1]}}}, ["factors.backbone_share.range", "[lo, hi]"]),
    ({"factors": {"backbone_share": {"rnge": [0, 0.1]}}},
     ["factors.backbone_share.rnge", "factors.backbone_share.range"]),
    ({"factors": {"regime": {"levels": ["pooled", "isolated"]}}}, ["factors.regime", "full_factorial"]),
    ({"factors": {"regime": {"range": [0, 1]}}}, ["factors.regime", "levels"]),
    ({"factors": {}}, ["factors is required"]),
    ({"samples": None}, ["samples is required", "latin_hypercube"]),
    ({"samples": 0}, ["samples = 0", "[1, 10_000_000]"]),
    ({"samples": True}, ["samples = True"]),
    ({"design": "sobol", "samples": 12}, ["samples = 12", "power of 2", "8 or 16"]),
    ({"second_order": True}, ["second_order", "sobol"]),
    ({"replications": 0}, ["replications = 0"]),
    ({"root_seed": -1}, ["root_seed = -1"]),
    ({"keep_monthly": "yes"}, ["keep_monthly = 'yes'", "true or false"]),
    ({"outputs": ["impact_shar"]}, ["outputs", "impact_shar", "did you mean 'impact_share'"]),
    ({"fixed": {"n_beneficiaries": 5}}, ["fixed.n_beneficiaries", "[10, 2000000]"]),
    ({"fixed": {"turnover": 0.1}}, ["fixed", "unknown parameter 'turnover'", "turnover_rate"]),
    ({"fixed": {"backbone_share": 0.1}}, ["fixed.backbone_share", "also a factor"]),
    ({"months": 0}, ["months = 0", "[1, 600]"]),
    ({"scenario": "basline"}, ["scenario", "unknown scenario 'basline'", "did you mean 'baseline'"]),
])
def test_bad_specs_are_refused_with_one_line(over, words):
    with pytest.raises(ExperimentError) as err:
        spec(**over)
    msg = str(err.value)
    assert "\n" not in msg
    assert isinstance(err.value, ParameterError)
    for w in words:
        assert w in msg, (w, msg)


def test_full_factorial_rules():
    with pytest.raises(ExperimentError, match="samples is not used by design 'full_factorial'"):
        spec(design="full_factorial", factors={"regime": {"levels": ["pooled"]}})
    with pytest.raises(ExperimentError, match=r"factors.backbone_share: a range in a full factorial needs steps"):
        spec(design="full_factorial", samples=None, factors={"backbone_share": {"range": [0, 0.2]}})
    with pytest.raises(ExperimentError, match="repeats a value"):
        spec(design="full_factorial", samples=None, factors={"complexity": {"levels": [1, 1]}})


def test_joint_rules_are_checked_per_point_before_running():
    s = spec(design="full_factorial", samples=None, fixed={"n_dimensions": 3},
             factors={"complexity": {"levels": [1, 2, 3, 4]}})
    with pytest.raises(ExperimentError) as err:
        s.check_points()
    assert "design point 3" in str(err.value) and "complexity" in str(err.value)
    assert SCHEMA["complexity"].hi >= 4  # the level itself is in range: only the joint rule refuses it


def test_toml_errors_name_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('design = "sobol"\nsamples = = 4\n')
    with pytest.raises(ParameterError) as err:
        load_experiment(bad)
    assert str(bad) in str(err.value) and "line 2" in str(err.value)
    missing = tmp_path / "nope.toml"
    with pytest.raises(ParameterError, match="no such file"):
        load_experiment(missing)
    good = tmp_path / "exp.toml"
    good.write_text('design = "latin_hypercube"\nsamples = 4\n[factors.backbone_sharee]\nrange = [0, 0.1]\n')
    with pytest.raises(ExperimentError) as err:
        load_experiment(good)
    assert str(err.value).startswith(str(good)) and "backbone_share" in str(err.value)
