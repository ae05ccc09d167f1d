"""`--json` on scenarios, show, run, results and claims: one JSON document on stdout that
another program can read (no NaN, numbers as numbers)."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_claims_json_is_the_verdict_table(capsys, monkeypatch):
    import backbone.analysis.claims as claims
    table = pd.DataFrame({"claim": ["A claim"], "source": ["a source"], "verdict": ["supported"],
                          "estimate (95% CI)": ["+0.1 [0.05, 0.15]"], "holds at (share of space)": [""],
                          "why": [""], "where it holds (PRIM box)": [""], "runs": [12], "ci_low": [float("nan")]})
    monkeypatch.setattr(claims, "run_claims", lambda *a, **k: ["result"])
    monkeypatch.setattr(claims, "verdict_table", lambda results: table)
    doc = run_json(["claims", "--quick", "--only", "payoff", "--no-progress"], capsys)
    assert doc["verdicts"][0]["verdict"] == "supported" and doc["verdicts"][0]["ci_low"] is None
    assert doc["runs"] == 12 and doc["size"] == "quick"
