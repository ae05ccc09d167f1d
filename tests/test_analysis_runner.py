"""The analysis' one arm runner (``analysis.scenario_runs.run_arm_jobs``, issue 23 item 4):
scenario arms and validation's pattern groups run through it, every record in one shape
(a dict with ``seed``, ``replication`` and the parts its keep made), and running through
it changes no result (each record equals the run made alone with its seed)."""

from __future__ import annotations

from backbone.analysis.compare import compare_record
from backbone.analysis.patterns import parse_patterns
from backbone.analysis.scenario_runs import run_arm_jobs, run_arm_records
from backbone.analysis.validation import group_jobs, groups, job_rows, pattern_values, run_patterns
from backbone.experiments import SERIAL, Job, run_one
from backbone.simulation import Params

SMALL = {"n_beneficiaries": 150, "months": 24}


CITE = "Doe, J., & Roe, R. (2020). A study of partnerships. Journal of Tests, 1(2), 3-4."


def patterns_file(replications: int = 3) -> dict:
    """Two groups of runs: the base parameters (two patterns, one with a counterfactual
    run against no backbone) and a pattern with its own turnover."""
    return {"description": "tiny", "scenario": "baseline", "replications": replications, "seed": 11,
            "months": 24, "required_share": 0.5, "role": "validation", "set": {"n_beneficiaries": 150},
            "pattern": [
                {"key": "impact", "title": "impact at month 12", "source": CITE, "kind": "impact over time",
                 "measure": "metric_at", "metric": "impact_share", "month": 12, "target": [0.0, 1.0]},
                {"key": "gain", "title": "gain over no backbone", "source": CITE, "kind": "impact over time",
                 "measure": "diff_to_counterfactual", "of": "metric_mean", "against": "no_backbone",
                 "metric": "impact_share", "months": [1, 12], "target": [-1.0, 1.0]},
                {"key": "other", "title": "a representative leaves within a year", "source": CITE,
                 "kind": "turnover", "set": {"turnover_rate": 0.05}, "measure": "event_by", "event": "turnover",
                 "month": 12, "target": [0.0, 1.0]}]}


def test_scenario_arms_come_back_in_the_one_record_shape_with_the_seeds_run_alone():
    arms = {"a": Params(SMALL), "b": Params({**SMALL, "backbone_share": 0.0})}
    got = run_arm_records(arms, 3, seed0=7, executor=SERIAL, keep=compare_record)
    for key, p in arms.items():
        assert [rec["replication"] for rec in got[key]] == [0, 1, 2]
        assert [rec["seed"] for rec in got[key]] == [7, 8, 9]
        for rec in got[key]:
            assert rec["summary"] == run_one(p, rec["seed"], compare_record)["summary"]
    assert got["a"][0]["summary"] != got["b"][0]["summary"]   # the arms differ: each ran its own parameters


def test_pattern_groups_run_through_the_one_runner_and_give_what_each_run_gives_alone():
    ps = parse_patterns(patterns_file())
    gs = groups(ps.patterns)
    jobs = group_jobs(gs, 3, ps.seed)
    got = run_arm_jobs(dict(enumerate(jobs)), SERIAL)
    assert len(got) == len(gs) == 2 and len(gs[0][1]) == 1   # the base group carries its counterfactual
    for g, job in enumerate(jobs):
        assert job.keep is pattern_values
        for r, rec in enumerate(got[g]):
            assert set(rec) == {"seed", "replication", "patterns"} and rec["replication"] == r
            assert rec["seed"] == ps.seed + r
            alone = run_one(job.params, rec["seed"], job.keep, **job.options)
            assert rec["patterns"] == alone["patterns"]
    rows = job_rows(jobs, got)
    table = run_patterns(ps, executor=SERIAL)
    assert sorted(rows) == sorted(map(tuple, table.itertuples(index=False, name=None)))
    assert list(table.pattern.unique()) == ["impact", "gain", "other"]


def test_a_job_of_the_runner_keeps_its_order_whatever_its_size():
    job = Job.replicated(Params(SMALL), 25, seed=3, keep=compare_record)   # more runs than one chunk's minimum
    got = run_arm_jobs({"x": job}, SERIAL)["x"]
    assert [rec["seed"] for rec in got] == list(range(3, 28))
    assert [rec["replication"] for rec in got] == list(range(25))
    # folded chunk by chunk (10 runs a chunk at this size), in run order, each record marked before its fold
    folded = run_arm_jobs({"x": job}, SERIAL, fold=lambda key, start, recs: (key, start, [r["replication"] for r in recs]))
    assert [(k, s) for k, s, _ in folded["x"]] == [("x", 0), ("x", 10), ("x", 20)]
    assert [r for _, _, reps in folded["x"] for r in reps] == list(range(25))


def test_a_specs_sweep_comes_back_with_its_points_and_replications():
    from dataclasses import replace

    from backbone.analysis.batch import spec_record
    from backbone.experiments import ExperimentSpec
    from backbone.experiments.runner import spec_job

    spec = ExperimentSpec.from_dict({"name": "t", "scenario": "baseline", "design": "full_factorial",
                                     "replications": 2, "months": 12, "fixed": {"n_beneficiaries": 100},
                                     "factors": {"backbone_share": {"levels": [0.0, 0.1, 0.2]}}})
    job = replace(spec_job(spec), keep=spec_record)
    got = run_arm_jobs({"s": job}, SERIAL, replications={"s": 2})["s"]
    assert [(rec["point"], rec["replication"]) for rec in got] == [(p, r) for p in range(3) for r in range(2)]
    assert [rec["seed"] for rec in got] == [spec.root_seed + r for p in range(3) for r in range(2)]
    assert set(got[0]) == {"seed", "summary", "point", "replication"}        # no monthly part: the spec keeps none
    assert got[0]["summary"] != got[2]["summary"]                            # point 1 ran its own factor value
