"""`--json` on scenarios, show, run, results and claims: one JSON document on stdout that
another program can read (no NaN, numbers as numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.cli.main import main
from backbone.simulation import SCHEMA, SCORECARD_METRICS, load_scenario, simulate

CORPUS = Path(__file__).resolve().parent / "bad_inputs"


def run_json(argv, capsys):
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # strict JSON: a NaN would fail here


def test_scenarios_json(capsys):
    items = run_json(["scenarios"], capsys)
    names = [x["name"] for x in items]
    assert "baseline" in names and "no_backbone" in names
    assert all(x["description"] and x["path"].endswith(f"{x['name']}.toml") for x in items)


def test_show_json(capsys):
    doc = run_json(["show", "no_backbone", "--set", "turnover_rate=0.05"], capsys)
    params = {p["name"]: p for p in doc["parameters"]}
    assert set(params) == set(SCHEMA)
    assert params["backbone_share"]["value"] == 0.0 and params["backbone_share"]["set_in"] == "no_backbone.toml"
    assert params["turnover_rate"]["value"] == 0.05 and params["turnover_rate"]["set_in"] == "--set"
    changed = run_json(["show", "no_backbone", "--changed"], capsys)
    assert {p["name"] for p in changed["parameters"]} < set(SCHEMA)


def test_run_json(capsys, tmp_path):
    out = tmp_path / "run.csv"
    doc = run_json(["run", "baseline", "--seed", "3", "--months", "6", "--set", "n_beneficiaries=100",
                    "--out", str(out)], capsys)
    fast = simulate(load_scenario("baseline", {"months": 6, "n_beneficiaries": 100}), 3)
    assert doc["seed"] == 3 and doc["months"] == 6 and doc["out"] == str(out) and out.exists()
    for metric in SCORECARD_METRICS:
        expected = fast.scorecard()[metric]
        assert doc["scorecard"][metric] == (None if pd.isna(expected) else pytest.approx(expected))
    assert doc["long_term_impact"] == pytest.approx(fast.summary()["long_term_impact"])
    assert set(doc["events"]) >= {"turnover", "exit"}


def test_results_json(capsys, tmp_path):
    from backbone.experiments import load_experiment, run_experiment

    folder = tmp_path / "res"
    runs = run_experiment(load_experiment(CORPUS / "ok_spec.toml"), out=folder, executor=SERIAL)
    doc = run_json(["results", str(folder)], capsys)
    assert doc["runs_done"] == doc["runs_total"] == len(runs) and doc["complete"]
    assert doc["scorecard"]["long_term_impact"]["mean"] == pytest.approx(runs["long_term_impact"].mean())
    by = run_json(["results", str(folder), "--by", "backbone_share"], capsys)
    assert len(by["by"]["rows"]) == runs["backbone_share"].nunique()


def test_claims_json_holds_numbers(capsys, monkeypatch):
    import backbone.analysis.claims as claims
    from backbone.analysis.claims import ClaimResult, number
    from backbone.analysis.discover import prim_box
    from backbone.analysis.stats import Estimate, share_ci

    rng = np.random.default_rng(0)
    pts = pd.DataFrame({"x": rng.random(200)})
    pts["holds"] = pts.x > 0.5
    res = ClaimResult("+10.0 pp [+5.0, +15.0]", "supported", "", share_ci(pts.holds), None,
                      numbers=[number("impact gain", Estimate(0.1, 0.05, 0.15, "bootstrap BCa"), "share (difference)"),
                               number("months", 60, "months")],
                      box=prim_box(pts, ["x"]), runs=12)
    res.claim = claims.Claim("k", "A claim", "a source", None, None)
    monkeypatch.setattr(claims, "run_claims", lambda *a, **k: [res])
    doc = run_json(["claims", "--quick", "--only", "payoff", "--no-progress"], capsys)
    v = doc["verdicts"][0]
    assert v["verdict"] == "supported" and v["key"] == "k" and v["runs"] == 12
    est = v["estimates"][0]
    assert est == {"name": "impact gain", "value": 0.1, "ci": [0.05, 0.15], "ci_method": "bootstrap BCa",
                   "level": 0.95, "unit": "share (difference)"}
    assert v["estimates"][1] == {"name": "months", "value": 60.0, "unit": "months"}
    share = v["holds_share"]
    assert share["value"] == 0.5 or abs(share["value"] - pts.holds.mean()) < 1e-12
    assert isinstance(share["ci"][0], float) and 0 <= share["ci"][0] < share["ci"][1] <= 1
    assert share["ci_method"] == "Wilson score"
    box = v["box"]
    assert box["found"] and box["limits"][0]["input"] == "x" and isinstance(box["limits"][0]["low"], float)
    assert box["limits"][0]["high"] is None and 0 < box["limits"][0]["data_low"] < 0.01
    assert isinstance(box["coverage"], float) and isinstance(box["density"], float) and box["trajectory"]
    assert doc["runs"] == 12 and doc["size"] == "quick"