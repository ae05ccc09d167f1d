"""The claims engine's machinery: specs, arms on common random numbers, verdict rules,
and every claim end to end on a tiny partnership (the verdicts' values are not tested)."""

import numpy as np
import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.analysis.batch import Arm, arm_spec
from backbone.analysis.claims import CLAIMS_DIR, VERDICTS, Context, Size, combine, markdown_table, run_claims, verdict_table
from backbone.analysis.claimset import CLAIMS, ORDER, claim
from backbone.analysis.stats import Estimate
from backbone.experiments import ExperimentError, load_experiment, run_experiment

MICRO = Size("micro", replications=3, points=3, point_reps=1, sobol_samples=2, sobol_reps=1,
             fixed={"n_beneficiaries": 300, "months": 36})


def test_every_claim_has_a_valid_spec():
    for key in ORDER:
        spec = load_experiment(CLAIMS_DIR / f"{key}.toml")
        spec.check_points()
        assert spec.name == key and spec.description
    assert [c.key for c in CLAIMS] == list(ORDER)
    with pytest.raises(KeyError, match="unknown claim"):
        claim("nope")


def test_sensitivity_and_uncertainty_share_their_space():
    u = load_experiment(CLAIMS_DIR / "uncertainty.toml")
    s = load_experiment(CLAIMS_DIR / "sensitivity.toml")
    assert [f.to_dict() for f in u.factors] == [f.to_dict() for f in s.factors]


def test_arms_keep_points_and_seeds():
    spec = load_experiment(CLAIMS_DIR / "uncertainty.toml").replace(samples=3, replications=2,
                                                                     fixed={"n_beneficiaries": 200, "months": 12})
    other = arm_spec(spec, Arm(fixed={"backbone_share": 0.0}))
    assert other.seeds() == spec.seeds()
    pd.testing.assert_frame_equal(other.design_points(), spec.design_points())
    assert other.base.backbone_share == 0.0 and other.base.n_beneficiaries == 200
    fixed_factor = arm_spec(spec, Arm(fixed={"complexity": 1}))  # a factor fixed by an arm leaves the design
    assert "complexity" not in fixed_factor.factor_names and fixed_factor.base.complexity == 1
    with pytest.raises(ExperimentError, match="unknown"):
        arm_spec(spec, Arm(fixed={"backbone_shares": 0.0}))


def test_run_spec_arms_gives_what_run_experiment_gives():
    from backbone.analysis.batch import run_spec_arms
    from backbone.analysis.claims import with_factors

    spec = load_experiment(CLAIMS_DIR / "survival.toml").replace(replications=2,
                                                                 fixed={"n_beneficiaries": 200, "months": 12})
    runs, months = run_experiment(spec, executor=SERIAL, return_months=True)
    got = run_spec_arms({"a": spec, "b": spec}, SERIAL)
    for key in ("a", "b"):
        pd.testing.assert_frame_equal(got[key][0], runs)
        pd.testing.assert_frame_equal(got[key][1], months)
    joined = with_factors(spec, got["a"][1])
    assert set(joined.backbone_share) == {0.0, 0.1}  # factor values joined onto the months


def test_combine_rules():
    assert combine(True, Estimate(0.8, 0.6, 0.9))[0] == "supported"
    assert combine(False, Estimate(0.2, 0.1, 0.4))[0] == "fell short"
    word, why = combine(True, Estimate(0.5, 0.3, 0.7), "holds more often when x is high")
    assert word == "depends" and "50%" in why and "x is high" in why
    assert combine(None, Estimate(0.9, 0.8, 1.0))[0] == "depends"
    assert combine(False, None)[0] == "fell short"


@pytest.fixture(scope="module")
def micro_results():
    return run_claims(CLAIMS, MICRO, SERIAL)


def test_every_claim_runs_end_to_end(micro_results):
    assert [r.key for r in micro_results] == list(ORDER)
    for r in micro_results:
        assert r.verdict in VERDICTS + ("-",), r.key
        assert isinstance(r.estimate, str) and r.estimate
        assert r.figure is not None and r.runs > 0
        assert r.tables and all(isinstance(t, pd.DataFrame) for t in r.tables.values())
        if r.share is not None and np.isfinite(r.share.value):
            assert 0.0 <= r.share.lo <= r.share.value <= r.share.hi <= 1.0
        if "points" in r.tables:  # every claim re-tested over the space says where it holds
            assert r.box is not None and (r.box.words.startswith("no box") or "(density)" in r.box.words), r.key


def test_verdict_table_and_markdown(micro_results):
    table = verdict_table(micro_results)
    assert len(table) == len(ORDER) and table.runs.gt(0).all()
    assert "where it holds (PRIM box)" in table.columns and "depends on / why" not in table.columns
    md = markdown_table(table)
    lines = md.splitlines()
    assert len(lines) == len(ORDER) + 2 and all(line.startswith("|") for line in lines)


def test_uncertainty_resizing_drops_a_claims_own_factor():
    ctx = Context(MICRO)
    u = ctx.uncertainty(drop=("integration",))
    assert "integration" not in u.factor_names and u.samples == 3 and u.replications == 1
    assert u.base.months == 36


def test_the_uncertainty_ranges_contain_the_baseline():
    spec = load_experiment(CLAIMS_DIR / "uncertainty.toml")
    for f in spec.factors:
        assert f.lo <= getattr(spec.base, f.name) <= f.hi, f.name
