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


def targets_text(bands, population=40, generations=4, replications=8, params=None) -> str:
    params = params or '''turnover_rate = { lo = 0.0, hi = 0.1 }
natural_gain = { lo = 0.0, hi = 0.3 }'''
    (t_lo, t_hi), (i_lo, i_hi) = bands["turnover"], bands["impact"]
    return f'''
required_share = 1.0
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
'''


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
    assert "resuming after generation 0" in lines[0]
    assert not any(s.startswith("generation 1/") for s in lines)
    assert manifest["n_generations"] == 3 and manifest["status"] == "complete"


def test_posterior_in_a_batch_of_specs_keeps_each_arms_contrast(calibrated, monkeypatch):
    from backbone.analysis.batch import Arm, arm_spec
    from backbone.experiments import ExperimentSpec, run_specs, runner

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
    out = run_specs(jobs, SERIAL, posterior=post, group=lambda key: key[0])
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
