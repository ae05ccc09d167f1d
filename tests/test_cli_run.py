"""End to end through the installed `backbone` command: scenarios, show, run, compare.

Each test starts the real entry point in a subprocess and asserts the exit status and
the message; runs are kept small (500 beneficiaries, 24 months, 3 replications).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.simulation import SCHEMA, SCORECARD, SCORECARD_METRICS
from backbone.simulation.scenarios import scenario_names

SCRIPT = Path(sys.executable).with_name("backbone")
ENTRY = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "backbone.cli.main"]
SMALL = ["--set", "n_beneficiaries=500", "months=24"]


def backbone(*args, cwd=None):
    return subprocess.run([*ENTRY, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "CI": "1"}, timeout=300)


def assert_bad_input(proc, *fragments):
    """Exit status 2, one line on stderr naming the problem, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# ---------------------------------------------------------------- happy paths
def test_scenarios_lists_every_scenario_with_its_description():
    proc = backbone("scenarios")
    assert proc.returncode == 0, proc.stderr
    for name in scenario_names():
        assert f"\n{name}\n" in f"\n{proc.stdout}"
    assert "Malmö" in proc.stdout


def test_show_prints_values_units_origins_and_sources():
    proc = backbone("show", "ungas_vagar", "--set", "turnover_rate=0.04")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(l) for l in lines) <= 100  # fits a terminal
    assert "DESIGN.md" not in proc.stdout  # cites sources in the repository, not a missing file

    def entry(name):  # a parameter's line and the lines under it, up to the next parameter
        i = next(k for k, l in enumerate(lines) if f" {name} " in l)
        j = next((k for k in range(i + 1, len(lines)) if not lines[k].startswith(" " * 8) or not lines[k].strip()),
                 len(lines))
        return lines[i], " ".join(l.strip() for l in lines[i + 1:j])

    line, below = entry("value_per_outcome_year")
    assert line.lstrip().startswith("*") and "375" in line and "ungas_vagar.toml" in line
    line, below = entry("turnover_rate")
    assert "--set" in line and " ".join(f"source: {SCHEMA['turnover_rate'].source}".split()) in below
    line, below = entry("trust_gain")
    assert not line.lstrip().startswith("*") and "model default" in line
    assert " ".join(SCHEMA["trust_gain"].source.split()) in below
    assert "* marks a value that differs from the model default" in proc.stdout
    assert sum(1 for l in lines if re.match(r"  [ *] \w+ ", l) and ("set in " in l or "model default" in l)) \
        == len(SCHEMA)  # one line per parameter
    plain = backbone("show", "baseline", "--changed")
    assert "* marks" not in plain.stdout and "  * " not in plain.stdout  # no marker that marks nothing


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_run_prints_the_scorecard_and_writes_monthly_results(tmp_path, suffix):
    out = tmp_path / f"run{suffix}"
    proc = backbone("run", "baseline", "--seed", 4, *SMALL, "--out", out)
    assert proc.returncode == 0, proc.stderr
    for perspective in dict.fromkeys(p for p, _, _ in SCORECARD):
        assert f"\n{perspective}\n" in proc.stdout
    for metric in SCORECARD_METRICS:
        assert f"  {metric} " in proc.stdout
    df = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert len(df) == 24 and df["month"].tolist() == list(range(1, 25))
    assert set(SCORECARD_METRICS) <= set(df.columns)
    assert (df["scenario"] == "baseline").all() and (df["seed"] == 4).all()
    assert df["impact_share"].between(0, 1).all()
    assert "sroi is gross" in proc.stdout and "backbone compare baseline" in proc.stdout


def test_compare_prints_means_and_paired_intervals_and_writes_the_table(tmp_path):
    out = tmp_path / "table.csv"
    proc = backbone("compare", "no_backbone", "baseline", "--replications", 3, "--seed", 7, *SMALL, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "seeds 7..9" in proc.stdout and "vs Pooled fund without a backbone" in proc.stdout
    lines = proc.stdout.splitlines()
    head = next(k for k, l in enumerate(lines) if "with a sustained outcome now" in l)
    assert "with a sustained outcome now (share of the target population)" == lines[head].strip()
    assert lines[head + 1].strip().startswith("Pooled fund without a backbone") and "[" in lines[head + 1]
    assert lines[head + 2].strip().startswith("Pooled fund with a 10% backbone")
    assert "vs Pooled fund without a backbone: " in lines[head + 3]
    assert "money spent (kEUR)" in proc.stdout
    for code in ("[impact_share]", "[spent_total]", "no_backbone", "attribution_others", "ties count half"):
        assert code not in proc.stdout, code  # no code names in what a reader sees
    assert max(len(l) for l in lines) <= 100

    value = proc.stdout[proc.stdout.index("VALUE (SROI"):].splitlines()
    for title in ("Pooled fund without a backbone", "Pooled fund with a 10% backbone"):
        k = next(i for i, l in enumerate(value) if l.strip() == title)
        gross = float(value[k + 1].split(": ")[1])
        net = float(value[k + 2].split(": ")[1].split()[0])
        assert value[k + 1].strip().startswith("gross SROI, all runs pooled: ")
        assert value[k + 2].strip().startswith("net SROI, all runs pooled: ")
        assert 0 < net < gross, "net SROI deducts deadweight and attribution"
    assert "The same people without the partnership were run for this" in " ".join(" ".join(value).split())
    table = pd.read_csv(out)
    assert set(SCORECARD_METRICS) <= set(table["metric"])
    assert set(table["scenario"]) == {"no_backbone", "baseline"} and (table["n"] == 3).all()
    ok = table.dropna(subset=["ci_low"])
    assert ((ok["ci_low"] <= ok["mean"] + 1e-12) & (ok["mean"] <= ok["ci_high"] + 1e-12)).all()
    assert table.loc[table.scenario == "no_backbone", "diff"].isna().all()
    assert table.loc[table.scenario == "baseline", "diff"].notna().all()


def test_compare_clips_shown_intervals_to_what_a_share_can_take(capsys):
    import argparse

    from backbone.cli.run_commands import _print_comparison

    rows = [("partnership", "retention", "share of launch partners still members"),
            ("impact", "outcomes_total", "people who reached a sustained outcome")]
    table = pd.DataFrame([
        {"metric": "retention", "scenario": "a", "mean": 0.99, "ci_low": 0.965, "ci_high": 1.015,
         "diff": float("nan"), "diff_low": float("nan"), "diff_high": float("nan")},
        {"metric": "retention", "scenario": "b", "mean": 0.5, "ci_low": 0.4, "ci_high": 0.6,
         "diff": -0.49, "diff_low": -0.6, "diff_high": -0.38, "share_higher": 0.0},
        {"metric": "outcomes_total", "scenario": "a", "mean": 5.0, "ci_low": -2.0, "ci_high": 12.0,
         "diff": float("nan"), "diff_low": float("nan"), "diff_high": float("nan")},
        {"metric": "outcomes_total", "scenario": "b", "mean": 50.0, "ci_low": 40.0, "ci_high": 60.0,
         "diff": 45.0, "diff_low": 30.0, "diff_high": 60.0, "share_higher": 1.0},
    ])
    from backbone.simulation import Params

    args = argparse.Namespace(replications=3, seed=0)
    _print_comparison(table, rows, args, {"a": Params(), "b": Params()})
    out = capsys.readouterr().out
    assert "0.990 [0.965, 1.000]" in out and "1.015]" not in out
    assert "5.000 [0.000, 12.000]" in out or "5.0 [0.0, 12.0]" in out
    assert "vs a: -0.490 [-0.600, -0.380] * 0%" in out  # differences are not clipped
    assert "Intervals are clipped to the range the values can take: [0, 1] for shares" in out
    assert "launch partners still members (share)" in out and "[retention]" not in out


def test_every_command_has_help_with_an_example():
    for command in ("scenarios", "show", "run", "compare"):
        proc = backbone(command, "--help")
        assert proc.returncode == 0 and "example" in proc.stdout and f"backbone {command}" in proc.stdout


# ---------------------------------------------------------------- bad input
def test_unknown_key_in_a_scenario_file_names_the_nearest(tmp_path):
    (tmp_path / "typo.toml").write_text('description = "x"\nfunder_patiance = 12\n')
    assert_bad_input(backbone("run", "typo.toml", cwd=tmp_path),
                     "typo.toml", "'funder_patiance'", "did you mean 'funder_patience'")


def test_out_of_range_names_field_value_and_range(tmp_path):
    (tmp_path / "big.toml").write_text('extends = "baseline"\nturnover_rate = 0.9\n')
    assert_bad_input(backbone("show", tmp_path / "big.toml"),
                     "big.toml", "turnover_rate = 0.9", SCHEMA["turnover_rate"].bounds_text())


def test_syntax_error_names_file_line_and_column(tmp_path):
    (tmp_path / "broken.toml").write_text('description = "x"\n\nmonths = = 3\n')
    assert_bad_input(backbone("run", tmp_path / "broken.toml"), "broken.toml", "line 3, column")


def test_missing_file_and_unknown_scenario(tmp_path):
    assert_bad_input(backbone("run", tmp_path / "nothing.toml"), "no such file", "nothing.toml")
    assert_bad_input(backbone("compare", "baseline", "no_backbon", "--replications", 2),
                     "unknown scenario 'no_backbon'", "did you mean 'no_backbone'")


def test_bad_set_item_is_named():
    assert_bad_input(backbone("run", "baseline", "--set", "backbone_share=0.95"),
                     "--set 'backbone_share=0.95'", "[0, 0.9]")


def test_existing_output_is_left_untouched_without_force(tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    assert_bad_input(backbone("run", "baseline", *SMALL, "--out", out), "keep.csv exists", "--force")
    assert_bad_input(backbone("compare", "no_backbone", "baseline", "--replications", 2, *SMALL, "--out", out),
                     "keep.csv exists")
    assert out.read_text() == "precious\n"
    assert_bad_input(backbone("run", "baseline", "--out", tmp_path / "run.xlsx"), "run.xlsx", ".parquet or .csv")
    assert not (tmp_path / "run.xlsx").exists()


def test_help_prints_percent_signs_once():
    for command in ("claims", "compare", "report"):
        proc = backbone(command, "--help")
        assert proc.returncode == 0 and "95%" in proc.stdout and "%%" not in proc.stdout, command


def test_run_explains_the_goal_in_words():
    proc = backbone("run", "ungas_vagar", "--months", 12)
    assert proc.returncode == 0, proc.stderr
    assert "goal: 70% of the target population with a sustained outcome" in proc.stdout
    assert "(goal: 0.7)" not in proc.stdout


def test_the_report_s_progress_counts_runs_not_chunks():
    from backbone.analysis.scenario_runs import run_arms
    from backbone.simulation import Params

    seen = []
    p = Params(months=6, n_beneficiaries=50)
    got = run_arms({"a": p, "b": p.replace(backbone_share=0.0)}, replications=12,
                   executor=Executor(workers=1, progress=lambda done, total: seen.append((done, total))))
    assert seen[0] == (0, 24) and seen[-1] == (24, 24)   # 2 arms x 12 runs, reported in runs
    assert len(seen) > 2 and all(a[0] < b[0] for a, b in zip(seen, seen[1:]))
    assert len(got["a"]["summary"]) == len(got["b"]["summary"]) == 12
