"""`backbone discover` (issue 24, item 7): PRIM on a sweep's results folder finds a
planted box (cases defined on the inputs, so the answer is known), says "no box" on
noise, writes its figure beside the results, and refuses bad or hostile input with one
line and exit status 2 before writing anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.cli.main import main
from backbone.experiments import ExperimentSpec, run_experiment

SPEC = {
    "name": "discover_test", "design": "latin_hypercube", "samples": 80, "replications": 1, "root_seed": 7,
    "months": 12, "fixed": {"n_beneficiaries": 100},
    "factors": {"backbone_share": {"range": [0.0, 0.3]}, "turnover_rate": {"range": [0.0, 0.08]},
                "natural_gain": {"range": [0.0, 0.2]}},
}
PLANTED = "backbone_share >= 0.15 AND turnover_rate <= 0.04"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("disc") / "res"
    run_experiment(ExperimentSpec.from_dict(SPEC), out=out, executor=SERIAL)
    return out


def run(argv, capsys):
    capsys.readouterr()
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_a_planted_box_is_found(folder, capsys, tmp_path):
    fig = tmp_path / "box.png"
    rc, out, _ = run(["discover", str(folder), "--outcome", "long_term_impact", "--where", PLANTED,
                      "--figure", str(fig), "--json"], capsys)
    assert rc == 0
    doc = json.loads(out)
    assert doc["found"] and doc["points"] == 80 and doc["p_value"] <= 0.05
    lim = {x["input"]: x for x in doc["limits"]}
    assert set(lim) == {"backbone_share", "turnover_rate"}          # natural_gain plays no part
    assert lim["backbone_share"]["low"] == pytest.approx(0.15, abs=0.03) and lim["backbone_share"]["high"] is None
    assert lim["turnover_rate"]["high"] == pytest.approx(0.04, abs=0.008) and lim["turnover_rate"]["low"] is None
    for x in lim.values():      # the data's own range, not the spec's nominal one
        assert SPEC["factors"][x["input"]]["range"][0] < x["data_low"] < x["data_high"] < \
            SPEC["factors"][x["input"]]["range"][1]
    assert doc["coverage"] >= 0.8 and doc["density"] >= 0.8 and doc["density"] > doc["base_rate"]
    assert fig.is_file() and fig.read_bytes()[:4] == b"\x89PNG" and doc["figure"] == str(fig)
    assert doc["trajectory"][0]["coverage"] == 1.0


def test_text_output_and_default_figure_beside_the_results(folder, capsys):
    rc, out, _ = run(["discover", str(folder), "--outcome", "long_term_impact", "--where", PLANTED], capsys)
    assert rc == 0 and "BOX: holds where " in out and "(data " in out and "Rule: " in out
    fig = folder.parent / "res_discover_long_term_impact.png"
    assert fig.is_file() and f"wrote the peeling trajectory to {fig}" in out
    rc, _, err = run(["discover", str(folder), "--outcome", "long_term_impact", "--where", PLANTED], capsys)
    assert rc == 2 and "--force" in err                            # never overwritten without --force
    rc, _, _ = run(["discover", str(folder), "--outcome", "long_term_impact", "--where", PLANTED, "--force"], capsys)
    assert rc == 0


def test_noise_gives_no_box(folder, capsys):
    rc, out, _ = run(["discover", str(folder), "--outcome", "long_term_impact", "--where", "hash(point * 7919) % 3 = 0",
                      "--no-figure"], capsys)
    assert rc == 0 and "NO BOX: " in out and "BOX: holds" not in out
    rc, out, _ = run(["discover", str(folder), "--outcome", "long_term_impact", "--where", "hash(point * 7919) % 3 = 0",
                      "--no-figure", "--json"], capsys)
    doc = json.loads(out)
    assert doc["found"] is False and doc["limits"] == [] and doc["words"].startswith("no box")


@pytest.mark.parametrize("argv, text", [
    (["--outcome", "nope", "--where", "nope > 0"], "--outcome 'nope' is not a metric"),
    (["--outcome", "backbone_share", "--where", "1 = 1"], "is not a metric"),
    (["--outcome", "long_term_impact", "--where", "long_term_impact"], "is not a condition"),
    (["--outcome", "long_term_impact", "--where", "x > 1"], "failed"),
    (["--outcome", "long_term_impact", "--where", "true) FROM runs; DROP VIEW runs; SELECT (true"], "not allowed"),
    (["--outcome", "long_term_impact", "--where", "1 = 1 -- comment"], "not allowed"),
    (["--outcome", "long_term_impact", "--where", "(SELECT count(*) FROM read_text('/etc/hostname')) > 0"], ""),
    (["--outcome", "long_term_impact", "--where", "(SELECT count(*) FROM glob('/etc/*')) > 0"], ""),
    (["--outcome", "long_term_impact", "--where", "1 = 1", "--density", "0"], "--density 0 is not allowed"),
    (["--outcome", "long_term_impact", "--where", "1 = 1", "--figure", "x.jpg"], "PNG"),
])
def test_bad_or_hostile_input_is_one_line_and_writes_nothing(folder, capsys, tmp_path, argv, text):
    before = sorted(p.name for p in folder.parent.iterdir())
    rc, out, err = run(["discover", str(folder), *argv, "--figure", str(tmp_path / "f.png")] if "--figure" not in argv
                       else ["discover", str(folder), *argv], capsys)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and text in err, err
    assert not (tmp_path / "f.png").exists() and sorted(p.name for p in folder.parent.iterdir()) == before


def test_not_a_results_folder(tmp_path, capsys):
    rc, _, err = run(["discover", str(tmp_path / "none"), "--outcome", "x", "--where", "x > 0"], capsys)
    assert rc == 2 and "not a results folder" in err
