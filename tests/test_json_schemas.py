"""`--json` on compare, validate, optimize and calibrate (issue 24, item 5): one strict
JSON document on stdout, numbers as numbers (never preformatted text), every interval as
"ci": [lo, hi] with its method and level, units and names as fields. Tiny runs: the
schema, not the model, is under test."""

from __future__ import annotations

import json
import numbers


from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.cli.main import main

CITE = "Synthetic, A. (2026). A source for tests. Journal 1:1-2."


def run_json(argv, capsys, rc=0):
    capsys.readouterr()
    assert main([*argv, "--json"]) == rc
    return json.loads(capsys.readouterr().out)   # strict: a NaN or stray text fails here


def is_num(x):
    return x is None or (isinstance(x, numbers.Real) and not isinstance(x, bool))


def check_interval(d, bounded=False):
    assert set(d) >= {"value", "ci", "ci_method", "level"}, d
    assert is_num(d["value"]) and isinstance(d["ci"], list) and len(d["ci"]) == 2 and all(map(is_num, d["ci"]))
    assert isinstance(d["ci_method"], str) and d["ci_method"] and d["level"] == 0.95
    lo, hi = d["ci"]
    if lo is not None and hi is not None and d["value"] is not None:
        assert lo <= d["value"] + 1e-12 and d["value"] <= hi + 1e-12
        if bounded:
            assert 0.0 <= lo and hi <= 1.0


def test_compare_json(capsys):
    doc = run_json(["compare", "no_backbone", "baseline", "--replications", "3", "--months", "12",
                    "--set", "n_beneficiaries=100", "--workers", "1", "--no-progress"], capsys)
    assert doc["command"] == "compare" and doc["reference"] == "no_backbone" and doc["replications"] == 3
    assert doc["seeds"] == [0, 2] and doc["months"] == [12] and isinstance(doc["currency"], str)
    assert [s["name"] for s in doc["scenarios"]] == ["no_backbone", "baseline"]
    assert all(isinstance(s["title"], str) and s["title"] for s in doc["scenarios"])
    metrics = {m["metric"]: m for m in doc["metrics"]}
    assert {"long_term_impact", "mean_trust", "spent_total"} <= set(metrics)
    for m in doc["metrics"]:
        assert isinstance(m["name"], str) and isinstance(m["unit"], str) and isinstance(m["perspective"], str)
        bounded = m["unit"].startswith(("share", "0-1"))
        for s in m["scenarios"]:
            assert s["n"] == 3
            check_interval(s, bounded)
            if s["scenario"] == "baseline":
                check_interval(s["difference"])
                assert is_num(s["difference"]["share_of_seeds_higher"])
            else:
                assert "difference" not in s
    assert metrics["mean_trust"]["unit"].startswith("0-1")
    assert {s["ci_method"] for s in metrics["mean_trust"]["scenarios"]} <= {"bootstrap BCa", "bootstrap percentile"}
    assert {s["ci_method"] for s in metrics["spent_total"]["scenarios"]} == {"Student t"}
    for v in doc["value"]:
        assert is_num(v["gross_sroi"]["value"]) and v["gross_sroi"]["unit"] == "ratio"
        check_interval(v["net_sroi"])
        assert is_num(v["net_cost_per_additional_outcome"]["value"])


def tiny_patterns(tmp_path):
    text = f'''description = "tiny"
scenario = "baseline"
replications = 2
seed = 5
months = 12
required_share = 0.5
role = "validation"
[set]
n_beneficiaries = 100

[[pattern]]
key = "impact"
title = "impact at month 12"
source = "{CITE}"
kind = "impact over time"
measure = "metric_at"
metric = "impact_share"
month = 12
target = [0.0, 1.0]

[[pattern]]
key = "turnover"
title = "a representative leaves within a year"
source = "{CITE}"
kind = "turnover"
measure = "event_by"
event = "turnover"
month = 12
target = [2.0, 3.0]
'''
    f = tmp_path / "p.toml"
    f.write_text(text)
    return f


def test_validate_json(capsys, tmp_path):
    doc = run_json(["validate", str(tiny_patterns(tmp_path)), "--no-progress", "--workers", "1"], capsys)
    assert doc["command"] == "validate" and doc["replications"] == 2 and doc["total"] == 2
    assert doc["reproduced"] == 1 and doc["passes"] is True and doc["required_share"] == 0.5
    pats = {p["pattern"]: p for p in doc["patterns"]}
    assert pats["turnover"]["target"] == [2.0, 3.0] and pats["turnover"]["verdict"] == "missed"
    for p in doc["patterns"]:
        assert p["n"] == 2 and isinstance(p["source"], str) and isinstance(p["statistic"], str)
        check_interval(p["estimate"], bounded=True)
    assert pats["turnover"]["estimate"]["ci_method"] == "Wilson score"
    assert pats["impact"]["estimate"]["ci_method"] == "bootstrap BCa"   # a share metric's mean


def test_optimize_json(capsys):
    doc = run_json(["optimize", "baseline", "--trials", "2", "--replications", "2", "--check-replications", "3",
                    "--batch", "2", "--months", "12", "--set", "n_beneficiaries=100", "--workers", "1",
                    "--no-progress"], capsys)
    assert doc["objective"] == "impact" and doc["trials"] == 2 and isinstance(doc["unit"], str)
    for key in ("value", "even", "own", "gain_over_even", "gain_over_own"):
        check_interval(doc[key], bounded=key in ("value", "even", "own"))
        assert isinstance(doc[key]["unit"], str)
    assert all(is_num(v) for v in doc["best"].values())


CAL = f'''
required_share = 1.0
role = "calibration"
[set]
n_beneficiaries = 100
months = 12

[calibrate]
population = 8
generations = 2
replications = 2
predictive = 4
seed = 0
[calibrate.parameters]
turnover_rate = {{ lo = 0.0, hi = 0.1 }}

[[pattern]]
key = "impact"
title = "synthetic impact"
source = "{CITE}"
kind = "impact over time"
measure = "metric_mean"
metric = "impact_share"
months = [1, 12]
target = [0.0, 1.0]
'''


def test_calibrate_json(capsys, tmp_path):
    targets = tmp_path / "targets.toml"
    targets.write_text(CAL)
    out = tmp_path / "cal"
    doc = run_json(["calibrate", str(targets), "--out", str(out), "--workers", "1"], capsys)
    assert doc["command"] == "calibrate" and doc["generations"] >= 1 and doc["particles"] >= 1
    p = doc["parameters"][0]
    assert p["parameter"] == "turnover_rate" and p["level"] == 0.9
    lo, hi = p["credible_interval"]
    assert is_num(p["median"]) and lo <= p["median"] <= hi and 0.0 <= lo and hi <= 0.1
    check = doc["predictive_check"][0]
    assert check["target"] and check["band"] == [0.0, 1.0] and all(map(is_num, check["interval_90"]))
    assert isinstance(check["covered"], bool)
    again = run_json(["calibrate", "--figures", str(out)], capsys)
    assert again["parameters"] == doc["parameters"]
