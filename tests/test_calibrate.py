"""Calibration (ABC-SMC) and --posterior: recovery of known parameter values from
synthetic data made by the model, folders read back, refused, and draws shared by arms."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.analysis.calibrate import (CalibrationError, band_distance, calibrate, calibration_figures, load_targets,
                                parse_targets)
from backbone.analysis.measures import evaluate
from backbone.cli.main import main
from backbone.experiments.posterior import PosteriorError, load_posterior
from backbone.simulation import Params, simulate

TRUE = {"turnover_rate": 0.03, "natural_gain": 0.08}
BASE = {"n_beneficiaries": 300, "months": 60}
TURNOVER = {"event": "turnover", "month": 60, "per": "partner_year"}
IMPACT = {"metric": "impact_share", "months": (49, 60)}


def synthetic_bands(n: int = 16, seed0: int = 1000) -> dict[str, tuple[float, float]]:
    """Bands from runs at the TRUE values with seeds the calibration never uses: the
    mean +- 2 standard errors."""
    a, b = [], []
    for s in range(seed0, seed0 + n):
        res = simulate(Params(**BASE, **TRUE), seed=s)
        a.append(evaluate("count_by", res, TURNOVER))
        b.append(evaluate("metric_mean", res, IMPACT))
    out = {}
    for key, v in (("turnover", np.array(a)), ("impact", np.array(b))):
        se = v.std(ddof=1) / math.sqrt(n)
        out[key] = (float(v.mean() - 2 * se), float(v.mean() + 2 * se))
    return out


VALIDATION_ONLY = '''
[[pattern]]
key = "judged_only"
role = "validation"
title = "a validation pattern in the same file: never fitted"
source = "Other, O. (2025). Another source. doi:10.9999/other"
kind = "other"
measure = "metric_at"
metric = "impact_share"
month = 60
target = [2.0, 3.0]
'''


def targets_text(bands, population=40, generations=4, replications=8, params=None) -> str:
    params = params or '''turnover_rate = { lo = 0.0, hi = 0.1 }
natural_gain = { lo = 0.0, hi = 0.3 }'''
    (t_lo, t_hi), (i_lo, i_hi) = bands["turnover"], bands["impact"]
    return f'''
required_share = 1.0
role = "calibration"
[set]
n_beneficiaries = 300
months = 60

[calibrate]
population = {population}
generations = {generations}
replications = {replications}
predictive = 10
seed = 0
[calibrate.parameters]
{params}

[[pattern]]
key = "turnover"
title = "synthetic turnover"
source = "Synthetic (2026). Model runs at known values."
kind = "turnover"
measure = "count_by"
event = "turnover"
month = 60
per = "partner_year"
target = [{t_lo!r}, {t_hi!r}]

[[pattern]]
key = "impact"
title = "synthetic impact"
source = "Synthetic (2026). Model runs at known values."
kind = "impact over time"
measure = "metric_mean"
metric = "impact_share"
months = [49, 60]
target = [{i_lo!r}, {i_hi!r}]
''' + VALIDATION_ONLY


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cal") / "run"
    path = folder.parent / "targets.toml"
    path.write_text(targets_text(synthetic_bands()))
    manifest = calibrate(load_targets(path), folder, executor=SERIAL, log=None)
    return folder, path, manifest


def test_band_distance_is_scaled_by_the_band():
    assert band_distance(0.5, 0.0, 1.0) == 0.0
    assert band_distance(1.5, 0.0, 1.0) == pytest.approx(0.5)
    assert band_distance(-10.0, 0.0, 100.0) == pytest.approx(0.1)   # same gap, wider band: smaller
    assert band_distance(3.0, 1.0, math.inf) == 0.0
    assert band_distance(0.5, 1.0, math.inf) == pytest.approx(0.5)  # scale: the finite edge
    assert band_distance(math.nan, 0.0, 1.0) > 1


def test_known_values_fall_inside_the_90_percent_credible_intervals(calibrated):
    folder, _, manifest = calibrated
    for name, value in TRUE.items():
        q = manifest["credible_90"][name]
        assert q["q05"] <= value <= q["q95"], (name, value, q)
    # and the posterior is narrower than the prior for the parameter with a strong signal
    q = manifest["credible_90"]["turnover_rate"]
    assert q["q95"] - q["q05"] < 0.5 * 0.1
    assert manifest["status"] == "complete" and manifest["n_generations"] >= 2


def test_folder_holds_tables_and_figures_made_from_it_alone(calibrated, tmp_path):
    folder, _, manifest = calibrated
    post = pd.read_parquet(folder / "posterior.parquet")
    assert {"generation", "particle", "weight", "distance", "turnover_rate", "natural_gain"} <= set(post.columns)
    last = post[post["generation"] == post["generation"].max()]
    assert last["weight"].sum() == pytest.approx(1.0)
    pred = pd.read_parquet(folder / "predictive.parquet")
    assert set(pred["target"]) == {"turnover", "impact"}
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    shutil.rmtree(copy / "figures")
    written = calibration_figures(copy)
    assert {p.name for p in written} == {"marginals.png", "pairs.png", "ess.png", "predictive.png"}
    assert all(p.stat().st_size > 1000 for p in written)
    assert manifest["model_fingerprint"] and manifest["targets_sha256"] and manifest["priors"]
    assert {"seed", "stat_turnover", "stat_impact"} <= set(post.columns)
    # only the calibration patterns are fitted: the file's validation pattern is not even run
    assert not any("judged_only" in c for c in post.columns) and set(pred["target"]) == {"turnover", "impact"}
    assert [p["key"] for p in manifest["calibration_patterns"]] == ["turnover", "impact"]
    assert set(manifest["informed"]) == set(TRUE) and manifest["ess"][0]["ess"] == pytest.approx(40)


def test_backbone_query_reads_a_calibration_folder(calibrated, capsys):
    from backbone.experiments import query

    folder = calibrated[0]
    df = query(folder, "SELECT generation, count(*) AS n, sum(weight) AS w FROM posterior GROUP BY 1 ORDER BY 1")
    assert list(df["n"]) == [40] * len(df) and df["w"].to_numpy() == pytest.approx(1.0)
    assert main(["query", str(folder), "SELECT max(ess) FROM generations"]) == 0


def test_posterior_draws_are_reproducible_from_the_folder(calibrated):
    folder = calibrated[0]
    a, b = load_posterior(folder), load_posterior(folder)
    draws = [a.overrides(r, seed=7) for r in range(20)]
    assert draws == [b.overrides(r, seed=7) for r in range(20)]
    assert len({json.dumps(d, sort_keys=True) for d in draws}) > 1          # replications differ
    assert [a.overrides(r, seed=8) for r in range(20)] != draws             # the seed matters
    assert set(draws[0]) == set(TRUE)


def test_rerunning_a_finished_calibration_resumes_without_new_generations(calibrated):
    folder, path, manifest = calibrated
    again = calibrate(load_targets(path), folder, executor=SERIAL, log=None)
    assert again["n_generations"] == manifest["n_generations"]
    assert again["posterior_sha256"] == manifest["posterior_sha256"]


def test_corrupted_or_foreign_folders_are_refused_with_one_line(calibrated, tmp_path, capsys):
    folder = calibrated[0]
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    with open(bad / "posterior.parquet", "r+b") as f:
        f.seek(100)
        f.write(b"garbage")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "manifest.json").write_text(json.dumps({"kind": "something else"}))
    empty = tmp_path / "empty"
    empty.mkdir()
    for d in (bad, foreign, empty):
        with pytest.raises(PosteriorError):
            load_posterior(d)
        rc = main(["compare", "baseline", "no_backbone", "--replications", "2", "--posterior", str(d)])
        err = capsys.readouterr().err
        assert rc == 2 and err.count("\n") == 1 and "--posterior" in err, err
        with pytest.raises(PosteriorError):
            calibration_figures(d)


def test_bad_targets_are_one_line_errors(tmp_path):
    bands = {"turnover": (0.1, 0.2), "impact": (0.5, 0.6)}
    with pytest.raises(CalibrationError, match="did you mean 'turnover_rate'"):
        parse_targets(targets_text(bands, params="turnover_rat = {}"))
    with pytest.raises(CalibrationError,
                       match=r"turnover_rate.hi = 0.9 is not allowed: expected a number in \[0, 0.5\]"):
        parse_targets(targets_text(bands, params="turnover_rate = { hi = 0.9 }"))
    with pytest.raises(CalibrationError, match="calibrate.population"):
        parse_targets(targets_text(bands, population=0))
    text = targets_text(bands)
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("not a calibration")
    with pytest.raises(CalibrationError, match="not a calibration folder"):
        calibrate(parse_targets(text, tmp_path / "t.toml"), other, executor=SERIAL, log=None)


def test_posterior_on_compare_gives_every_arm_the_same_draw(calibrated, monkeypatch):
    from backbone.analysis import compare
    from backbone.experiments import runner

    folder = calibrated[0]
    post = load_posterior(folder)
    seen = []
    real = runner.run_chunk

    def spy(fingerprint, params, runs, keep, options):
        seen.append((params["backbone_share"], runs))
        return real(fingerprint, params, runs, keep, options)

    monkeypatch.setattr(runner, "run_chunk", spy)
    arms = {"a": Params(**BASE), "b": Params(**BASE, backbone_share=0.0)}
    runs = compare.run_scenarios(arms, replications=4, seed0=3, executor=SERIAL, posterior=post)
    by_rep = {}
    for share, chunk in seen:
        for seed, over in chunk:
            by_rep.setdefault(seed - 3, {})[share] = over
    assert sorted(by_rep) == [0, 1, 2, 3]
    for r, arms_o in by_rep.items():
        assert len(arms_o) == 2 and all(o == post.overrides(r, seed=3) for o in arms_o.values())
    assert len({json.dumps(by_rep[r][0.0], sort_keys=True) for r in by_rep}) > 1
    assert list(runs["particle"].iloc[::2]) == list(runs["particle"].iloc[1::2])


def test_a_calibration_killed_with_sigkill_resumes_from_its_last_generation(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    bands = {"turnover": (0.25, 0.35), "impact": (0.0, 1.0)}
    path = tmp_path / "t.toml"
    path.write_text(targets_text(bands, population=10, generations=3, replications=2,
                                 params="turnover_rate = { lo = 0.0, hi = 0.1 }"))
    folder = tmp_path / "run"
    root = Path(__file__).resolve().parents[1]
    code = ("import sys; from analysis.calibrate import calibrate, load_targets; "
            f"calibrate(load_targets({str(path)!r}), {str(folder)!r}, log=lambda s: (print(s, flush=True), "
            "s.startswith('generation 1/') and __import__('time').sleep(600)))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        for line in proc.stdout:
            if line.startswith("generation 1/"):
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert (folder / "abc.db").is_file() and not (folder / "posterior.parquet").exists()
    lines = []
    manifest = calibrate(load_targets(path), folder, executor=SERIAL, log=lines.append)
    assert "resuming after generation 1" in lines[0]   # numbered as the progress lines: 1 done
    assert any(s.startswith("generation 2/3") for s in lines)
    assert not any(s.startswith("generation 1/") for s in lines)
    assert manifest["n_generations"] == 3 and manifest["status"] == "complete"


def test_posterior_in_a_batch_of_specs_keeps_each_arms_contrast(calibrated, monkeypatch):
    from backbone.analysis.batch import Arm, arm_spec, run_spec_arms
    from backbone.experiments import ExperimentSpec, runner

    post = load_posterior(calibrated[0])
    spec = ExperimentSpec.from_dict({"name": "t", "scenario": "baseline", "design": "full_factorial",
                                     "replications": 3, "months": 24,
                                     "fixed": {"n_beneficiaries": 100},
                                     "factors": {"backbone_share": {"levels": [0.0, 0.1]}}})
    jobs = {("c", "a"): spec, ("c", "b"): arm_spec(spec, Arm(fixed={"turnover_rate": 0.01}))}
    seen = {}
    real = runner.run_chunk

    def spy(fingerprint, params, runs, keep, options):
        for seed, over in runs:
            draw = {k: v for k, v in over.items() if k != "backbone_share"}
            seen.setdefault(seed - spec.root_seed, []).append(draw)
        return real(fingerprint, params, runs, keep, options)

    monkeypatch.setattr(runner, "run_chunk", spy)
    out = run_spec_arms(jobs, SERIAL, posterior=post, group=lambda key: key[0])
    assert len(out[("c", "a")][0]) == 6 and sorted(seen) == [0, 1, 2]
    for rep, draws in seen.items():
        assert len(draws) == 4 and all(d == draws[0] for d in draws)   # every arm and point: the same draw
        assert "turnover_rate" not in draws[0]                          # the arms' contrast is kept
        assert draws[0]["natural_gain"] == post.overrides(rep, spec.root_seed)["natural_gain"]


def test_calibrate_command_refuses_bad_input_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(targets_text({"turnover": (0.1, 0.2), "impact": (0.5, 0.6)}, params="fit_sd = { hi = 3 }"))
    rc = main(["calibrate", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "fit_sd.hi = 3" in err
    assert not (tmp_path / "out").exists()
    rc = main(["calibrate", "--figures", str(tmp_path)])
    assert rc == 2 and capsys.readouterr().err.count("\n") == 1


def test_a_calibration_runs_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    text = targets_text({"turnover": (0.25, 0.35), "impact": (0.0, 1.0)}, population=10, generations=2,
                        replications=2, params="turnover_rate = { lo = 0.0, hi = 0.1 }")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        manifest = calibrate(parse_targets(text, tmp_path / "t.toml"), tmp_path / "out",
                             executor=Executor(scheduler=cluster.scheduler_address), log=None)
    assert manifest["status"] == "complete" and manifest["scheduler"] == cluster.scheduler_address
    assert len(pd.read_parquet(tmp_path / "out" / "posterior.parquet")) == 20


def test_a_sweep_folder_resumes_only_with_its_posterior(calibrated, tmp_path):
    from backbone.experiments import ExperimentSpec, run_experiment

    post = load_posterior(calibrated[0])
    spec = ExperimentSpec.from_dict({"name": "t", "scenario": "baseline", "design": "full_factorial",
                                     "replications": 2, "months": 12, "fixed": {"n_beneficiaries": 100},
                                     "factors": {"backbone_share": {"levels": [0.0, 0.1]}}})
    out = tmp_path / "sweep"
    with_post = run_experiment(spec, out=out, executor=SERIAL, posterior=post)
    without = run_experiment(spec, executor=SERIAL)
    assert len(with_post) == len(without) == 4
    assert not with_post.drop(columns=["seed"]).equals(without.drop(columns=["seed"]))  # the draws changed runs
    assert run_experiment(spec, out=out, executor=SERIAL, posterior=post).equals(with_post)
    with pytest.raises(PosteriorError, match="was started with posterior"):
        run_experiment(spec, out=out, executor=SERIAL)


def test_predictive_coverage_on_planted_draws():
    """Draws planted inside one band and outside another: the share in band, the 90%
    interval and the covered flag say so."""
    from types import SimpleNamespace

    from backbone.analysis.calibrate_figures import predictive_coverage

    pats = [SimpleNamespace(key="a", target=(0.2, 0.4)), SimpleNamespace(key="b", target=(0.0, 0.1))]
    targets = SimpleNamespace(patterns=SimpleNamespace(patterns=pats))
    a = np.linspace(0.25, 0.35, 50)
    b = np.linspace(0.5, 0.9, 50)
    pred = pd.DataFrame({"draw": list(range(50)) * 2, "particle": 0, "target": ["a"] * 50 + ["b"] * 50,
                         "value": np.concatenate([a, b])})
    cov = predictive_coverage(targets, pred).set_index("target")
    assert cov.loc["a", "share_in_band"] == 1.0 and bool(cov.loc["a", "covered"])
    assert cov.loc["b", "share_in_band"] == 0.0 and not bool(cov.loc["b", "covered"])
    assert cov.loc["b", "p05"] > 0.1


# ---------------------------------------------------------------- honest fit, sizes, seeds, export
def test_particle_seeds_come_from_a_seed_sequence_not_the_global_state():
    from backbone.analysis.calibrate import MAX_SEED, particle_seed

    names = ("turnover_rate", "natural_gain")
    theta = {"turnover_rate": 0.03, "natural_gain": 0.08}
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    a = particle_seed(0, theta, names, 8)
    assert (np.random.get_state()[1] == state).all()                 # global state neither read nor moved
    assert a == particle_seed(0, dict(theta), names, 8)              # a pure function of (seed, parameters)
    assert a != particle_seed(1, theta, names, 8)                    # rooted in the calibration's seed
    others = {particle_seed(0, {**theta, "turnover_rate": 0.03 + i * 1e-9}, names, 8) for i in range(50)}
    assert len(others) == 50 and all(0 <= x < MAX_SEED - 8 for x in others)
    np.random.seed(999)                                               # another global state: same seed
    assert particle_seed(0, theta, names, 8) == a


def _prior_targets(priors):
    from types import SimpleNamespace

    return SimpleNamespace(priors=priors, names=tuple(p.name for p in priors))


def test_fit_report_flags_uninformed_parameters_and_a_low_ess_on_planted_particles():
    from backbone.analysis.calibrate import ESS_FLOOR, UNINFORMED_SD_RATIO, Prior, fit_report, summary_text

    priors = (Prior("a", "uniform", 0.0, 1.0), Prior("b", "uniform", 0.0, 1.0), Prior("c", "loguniform", 0.01, 1.0))
    rng = np.random.default_rng(0)
    n = 400
    final = pd.DataFrame({"a": rng.uniform(0, 1, n),                       # the prior itself: not informed
                          "b": rng.normal(0.5, 0.02, n),                   # narrow: informed
                          "c": np.exp(rng.uniform(np.log(0.01), 0, n)),    # log-uniform prior itself
                          "weight": np.full(n, 1.0 / n)})
    gens = pd.DataFrame({"generation": [0, 1, 2], "ess": [400.0, 0.6 * n, 0.3 * n], "particles": [n, n, n]})
    rep = fit_report(_prior_targets(priors), final, gens)
    assert rep["informed"]["a"]["sd_ratio"] == pytest.approx(1.0, abs=0.08) and not rep["informed"]["a"]["informed"]
    assert rep["informed"]["b"]["sd_ratio"] < 0.1 and rep["informed"]["b"]["informed"]
    assert not rep["informed"]["c"]["informed"]                            # judged on the log scale
    assert [e["generation"] for e in rep["ess"]] == [1, 2, 3]
    assert len(rep["ess_warnings"]) == 1 and rep["ess_warnings"][0].startswith("warning: generation 3:")
    assert rep["ess_floor"] == ESS_FLOOR and rep["uninformed_sd_ratio"] == UNINFORMED_SD_RATIO
    cov = [{"target": "t1", "low": 0.0, "high": 1.0, "p05": 0.1, "median": 0.5, "p95": 0.9, "share_in_band": 0.6,
            "covered": True, "draws": 10},
           {"target": "t2", "low": 0.0, "high": 1.0, "p05": 0.5, "median": 1.5, "p95": 2.0, "share_in_band": 0.3,
            "covered": False, "draws": 10}]
    text = summary_text({"credible_90": {k: {"q05": 0.1, "median": 0.5, "q95": 0.9} for k in "abc"},
                         "predictive_coverage": cov, **rep})
    assert text.count("NOT INFORMED") == 2 and "1 of 3 parameters informed" in text
    assert "30% of draws in band  NOT COVERED" in text and "1 of 2 targets covered" in text
    assert "at least 50% of the draws" in text and "warning: generation 3" in text and "3: 120/400" in text


def test_covered_needs_half_the_draws_in_the_band():
    from types import SimpleNamespace

    from backbone.analysis.calibrate import COVERED_SHARE
    from backbone.analysis.calibrate_figures import predictive_coverage

    pats = [SimpleNamespace(key="a", target=(0.0, 1.0))]
    targets = SimpleNamespace(patterns=SimpleNamespace(patterns=pats))
    for inside, want in ((49, False), (50, True)):    # the 90% interval overlaps the band both times
        vals = np.r_[np.full(inside, 0.5), np.full(100 - inside, 1.5)]
        pred = pd.DataFrame({"draw": range(100), "particle": 0, "target": "a", "value": vals})
        row = predictive_coverage(targets, pred).iloc[0]
        assert bool(row["covered"]) is want and row["share_in_band"] == inside / 100
    assert COVERED_SHARE == 0.5


def test_size_flags_override_the_file_and_bad_values_are_one_line(tmp_path, capsys):
    text = targets_text({"turnover": (0.1, 0.2), "impact": (0.5, 0.6)})
    t = parse_targets(text).sized(population=7, generations=2)
    assert (t.population, t.generations, t.replications) == (7, 2, 8)
    with pytest.raises(CalibrationError, match=r"--population = 2 is not allowed: expected a whole number in \[5, "):
        parse_targets(text).sized(population=2)
    f = tmp_path / "t.toml"
    f.write_text(text)
    for flag, value in (("--population", "0"), ("--generations", "x"), ("--replications", "10001")):
        rc = main(["calibrate", str(f), "--out", str(tmp_path / "out"), flag, value])
        err = capsys.readouterr().err
        assert rc == 2 and err.count("\n") == 1 and flag in err, err
    assert not (tmp_path / "out").exists()


def test_a_folder_resumes_only_with_its_population(calibrated, capsys):
    folder, path, manifest = calibrated
    with pytest.raises(CalibrationError, match="was started with population 40, here 50: resume it with --population 40"):
        calibrate(load_targets(path).sized(population=50), folder, executor=SERIAL, log=None)


def test_an_exported_posterior_draws_as_its_folder_and_knows_its_patterns(calibrated, tmp_path, capsys):
    from backbone.analysis.calibrate import check_posterior_roles, export_posterior
    from backbone.analysis.patterns import PatternError, identity

    folder = calibrated[0]
    path = tmp_path / "p.json"
    data = export_posterior(folder, path, "backbone calibrate planted")
    assert data["command"] == "backbone calibrate planted" and data["model_fingerprint"]
    a, b = load_posterior(folder), load_posterior(path)
    assert [a.overrides(r, 3) for r in range(10)] == [b.overrides(r, 3) for r in range(10)]
    assert [p["key"] for p in b.patterns] == ["turnover", "impact"] and b.stale() is None
    assert json.loads(path.read_text())["targets_sha256"] == calibrated[2]["targets_sha256"]
    same = identity("impact", "Someone (2001). Else.", "metric_at", (0.0, 1.0))
    with pytest.raises(PatternError, match="pattern 'impact' is in both roles"):
        check_posterior_roles(b, [same])
    check_posterior_roles(b, [identity("judged_only", "Other (2025). doi:10.9999/other", "metric_at", (2.0, 3.0))])
    # the command writes the same file, refusing to overwrite it without --force
    out = tmp_path / "q.json"
    assert main(["calibrate", str(calibrated[1]), "--out", str(folder), "--export", str(path)]) == 2
    assert "exists: pass --force" in capsys.readouterr().err
    assert main(["calibrate", str(calibrated[1]), "--out", str(folder), "--export", str(out), "--workers", "1"]) == 0
    assert load_posterior(out).n == b.n
    # a damaged file is one line
    out.write_text(out.read_text()[:200])
    with pytest.raises(PosteriorError, match="unreadable"):
        load_posterior(out)


def test_the_predictive_check_is_one_batch_through_run_many_and_matches_the_particle_model(calibrated,
                                                                                           monkeypatch):
    from backbone.analysis.calibrate import MAX_SEED, Model, predictive_check
    from backbone.experiments import runner

    folder, path, _ = calibrated
    targets = load_targets(path)
    post = pd.read_parquet(folder / "posterior.parquet")
    batches = []
    real = runner.run_chunks

    def spy(jobs, *a, **k):
        batches.append(len(jobs))
        yield from real(jobs, *a, **k)

    monkeypatch.setattr(runner, "run_chunks", spy)
    pred = predictive_check(targets, post, 4, SERIAL)
    assert batches == [4]                         # 4 draws x 1 group of patterns, one batch
    # the same statistics as the particle model on the same draws and seeds
    last = post[post["generation"] == post["generation"].max()]
    rng = np.random.default_rng([targets.seed, 0xCA11])
    idx = rng.choice(len(last), size=4, p=last["weight"].to_numpy() / last["weight"].sum())
    firsts = rng.integers(0, MAX_SEED - targets.replications, size=4)
    model = Model(targets)
    want = [v for d, i in enumerate(idx) for k, v in
            model({n: float(last[n].iloc[i]) for n in targets.names}, int(firsts[d])).items() if k != "seed"]
    assert pred["value"].tolist() == pytest.approx(want, nan_ok=True)
    # and the folder's own check (made with 10 draws) starts with the same draws
    stored = pd.read_parquet(folder / "predictive.parquet")
    assert len(stored) == 10 * 2


def test_calibrate_refuses_a_pattern_in_both_roles_before_any_run(tmp_path, capsys):
    """A planted validation copy of the calibration target 'turnover' (same source and
    measure, another key and band) in the targets file."""
    text = targets_text({"turnover": (0.1, 0.2), "impact": (0.5, 0.6)}) + '''
[[pattern]]
key = "turnover_judged"
role = "validation"
title = "the same figure, judged"
source = "Synthetic (2026). Model runs at known values."
kind = "turnover"
measure = "count_by"
event = "turnover"
month = 48
per = "partner_year"
target = [0.3, 0.4]
'''
    f = tmp_path / "t.toml"
    f.write_text(text)
    rc = main(["calibrate", str(f), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "'turnover' (calibration) and 'turnover_judged' (validation)" in err and "in both roles" in err
    assert not (tmp_path / "out").exists()
