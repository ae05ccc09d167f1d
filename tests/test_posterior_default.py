"""The shipped posterior (``--posterior default``): it matches the model and the targets
it was fitted to, every command that takes --posterior reads it, and ``backbone show``
marks the defaults it calibrates. When the model changes, the first test fails until the
posterior is refitted (``make posterior``)."""

from __future__ import annotations

import hashlib
import json

import pytest

from backbone.cli.main import main
from backbone.experiments.executors import model_fingerprint
from backbone.experiments.posterior import DEFAULT, DEFAULT_FILE, REFIT, load_posterior

TARGETS = DEFAULT_FILE.parent / "targets.toml"


def test_the_shipped_posterior_was_fitted_to_this_model_and_these_targets():
    post = load_posterior(DEFAULT)
    assert post.shipped and post.n >= 10
    assert post.fingerprint == model_fingerprint(), (
        f"the shipped posterior was fitted to other model code: refit it with `{REFIT}` and commit "
        f"{DEFAULT_FILE.name}")
    info = post.info
    assert info["targets_sha256"] == hashlib.sha256(TARGETS.read_text(encoding="utf-8").encode()).hexdigest(), (
        f"the calibration targets changed since the shipped posterior was fitted: refit it with `{REFIT}`")
    assert info["command"].startswith("backbone calibrate ") and "--export" in info["command"]


def test_the_shipped_posterior_names_its_calibration_patterns():
    pytest.importorskip("pyabc")
    from backbone.analysis.calibrate import load_targets

    post = load_posterior(DEFAULT)
    targets = load_targets(TARGETS)
    assert post.names == targets.names
    assert [p["key"] for p in post.patterns] == [p.key for p in targets.patterns.patterns]


def test_show_marks_the_calibrated_defaults_and_their_patterns(capsys):
    post = load_posterior(DEFAULT)
    assert main(["show", "baseline"]) == 0
    out = capsys.readouterr().out
    assert out.count("calibrated: posterior median") == len(post.names)
    assert all(p["key"] in out.replace("\n", " ") for p in post.patterns[:1])
    assert main(["show", "baseline", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["parameters"]
    marked = {r["name"] for r in rows if r["calibrated"]}
    assert marked == set(post.names)
    row = next(r for r in rows if r["name"] == post.names[0])
    assert row["calibrated"]["patterns"] == [p["key"] for p in post.patterns]


def test_posterior_default_on_compare(capsys):
    assert main(["compare", "baseline", "no_backbone", "--replications", "2", "--set", "n_beneficiaries=200",
                 "--set", "months=24", "--posterior", "default"]) == 0
    assert "posterior default (shipped)" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["compare", "baseline", "no_backbone"], ["claims", "--quick"],
                                  ["validate"], ["sweep", "experiments/examples/morris_small.toml", "--out", "OUT"],
                                  ["report", "baseline", "--out", "OUT.html"]])
def test_every_command_with_posterior_refuses_a_missing_file_in_one_line(argv, tmp_path, capsys):
    argv = [str(tmp_path / a) if a.startswith("OUT") else a for a in argv]
    assert main([*argv, "--posterior", str(tmp_path / "none.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--posterior" in err
